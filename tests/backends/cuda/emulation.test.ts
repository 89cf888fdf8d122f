/**
 * What the generated CUDA computes, without a GPU: every BERT program of bert-cases.ts compiled as host C++ by g++
 * against the emulation header (one module for all of them) and run launch by launch, bound exactly as the CUDA
 * runtime binds it (memory plan, grid folding), against the CPU reference with fp32 relative error ≤ 1e-4. Then
 * the emulation's own checks, on kernels that break CUDA's rules: divergent barriers, reading shared memory no
 * thread wrote, out-of-bounds access, division by zero. Limits of the model: backends/cuda/README.md.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runGraph } from '../../../backends/cpu/index.ts';
import { buildEmulatedModule, emulationUnavailable } from '../../../backends/cuda/host-emulation/build.ts';
import { emulate, runGraphEmulated } from '../../../backends/cuda/host-emulation/emulate.ts';
import { compileCuda, cudaKernelOf } from '../../../backends/cuda/program.ts';
import { KernelBuilder } from '../../../compiler/kernel/builder.ts';
import * as E from '../../../compiler/kernel/expr.ts';
import { bertCases, caseInputs, caseWeights, compileCase } from './bert-cases.ts';
import { assertOutputs, rejects, skipBecause } from './helpers.ts';

const cases = bertCases();
const reason = emulationUnavailable();

let shared: Promise<string> | undefined;
/** One module with the kernels of every case, built once (and cached on disk by content). */
const moduleForAll = () => (shared ??= buildEmulatedModule(cases.flatMap((c) => compileCuda(compileCase(c)).kernels)));

const errors: string[] = [];
if (reason) {
  skipBecause('every BERT program on the host emulation matches the CPU reference', reason);
} else {
  for (const c of cases) {
    test(`${c.title}: host emulation of the CUDA kernels matches the CPU reference`, async () => {
      const graph = compileCase(c);
      const inputs = caseInputs(c, graph);
      const weights = caseWeights(graph);
      const want = runGraph(graph, inputs, weights);
      const got = await runGraphEmulated(graph, inputs, weights, { program: compileCuda(graph), module: await moduleForAll() });
      errors.push(`${assertOutputs(got, want, 1e-4).toExponential(1)} ${c.title}`);
    });
  }

  test('grids folded onto a second dimension give the same results', async () => {
    const c = cases.find((x) => x.title === 'BertForMaskedLM with labels')!;
    const graph = compileCase(c);
    const inputs = caseInputs(c, graph, 5);
    const weights = caseWeights(graph);
    const opts = { program: compileCuda(graph), module: await moduleForAll() };
    const flat = await runGraphEmulated(graph, inputs, weights, opts);
    const folded = await runGraphEmulated(graph, inputs, weights, { ...opts, maxGridX: 2 });
    assertOutputs(folded, flat, 0);
    assertOutputs(flat, runGraph(graph, inputs, weights), 1e-4);
    console.log(`\n  largest relative error per case:\n${errors.map((e) => `    ${e}`).join('\n')}`);
  });
}

/** Runs one hand-written kernel on one block of `threads` with an f32 output of `n` elements. */
async function runOne(k: KernelBuilder, n: number, uniforms: number[] = [], grid: [number, number] = [1, 1]): Promise<Float32Array> {
  const kernel = cudaKernelOf(k.build());
  const module = await buildEmulatedModule([kernel]);
  const [out] = await emulate(module, {
    regions: [{ bytes: 4 * n }],
    launches: [{ entry: kernel.entry, grid, block: kernel.workgroup, args: [{ region: 0 }, ...uniforms.map((u32) => ({ u32 }))] }],
    outputs: [{ region: 0, bytes: 4 * n }],
  });
  return new Float32Array(out!);
}

if (reason) {
  skipBecause('the emulation reports broken kernels', reason);
} else {
  test('emulation check: a barrier that only some threads of a block reach', async () => {
    const k = new KernelBuilder('early_exit', 64);
    const y = k.buffer('y', 'f32', true);
    k.if(E.ge(k.local, E.u32(32)), () => k.return());
    k.barrier();
    k.store(y, k.local, E.f32(1));
    await rejects(() => runOne(k, 64), /early_exit_\w+, block \(0, 0\): barrier at line \d+ reached by 32 threads after 32 threads of the block returned/);
  });

  test('emulation check: threads waiting at different barriers', async () => {
    const k = new KernelBuilder('two_barriers', 64);
    const y = k.buffer('y', 'f32', true);
    k.if(E.lt(k.local, E.u32(16)), () => k.barrier(), () => k.barrier());
    k.store(y, k.local, E.f32(1));
    await rejects(() => runOne(k, 64), /divergent barrier: threads wait at lines \d+ and \d+/);
  });

  test('emulation check: shared memory no thread wrote this block reads as NaN, even if an earlier block wrote it', async () => {
    const k = new KernelBuilder('half_written', 64);
    const y = k.buffer('y', 'f32', true);
    const s = k.workgroupArray('tile', 'f32', 64);
    const block = k.let('block', k.group);
    k.if(E.or(E.eq(block, E.u32(0)), E.lt(k.local, E.u32(32))), () => k.store(s, k.local, E.f32(2)));
    k.barrier();
    k.store(y, E.add(E.mul(block, E.u32(64)), k.local), k.load(s, E.sub(E.u32(63), k.local)));
    const out = await runOne(k, 128, [], [2, 1]);
    assert.ok(out.slice(0, 64).every((v) => v === 2), 'block 0 wrote all of it');
    assert.ok(out.slice(64, 96).every(Number.isNaN), 'block 1 reads what only block 0 wrote');
    assert.ok(out.slice(96).every((v) => v === 2));
  });

  test('emulation check: a store past the end of a buffer faults and is reported', async () => {
    const k = new KernelBuilder('off_by_one', 64);
    const y = k.buffer('y', 'f32', true);
    k.store(y, E.add(k.global, E.u32(1)), E.f32(1));
    await rejects(() => runOne(k, 64), /off_by_one_\w+: out-of-bounds access at byte 256 of a 256-byte buffer in block \(0, 0\) thread 63/);
  });

  test('emulation check: u32 division by a zero size faults (on a GPU it gives an unspecified value)', async () => {
    const k = new KernelBuilder('div_by_size', 64);
    const y = k.buffer('y', 'f32', true);
    k.store(y, k.local, E.cast('f32', E.div(k.local, k.uniform('n'))));
    await rejects(() => runOne(k, 64, [0]), /div_by_size_\w+: arithmetic fault/);
    assert.equal([...(await runOne(k, 64, [16])).slice(14, 18)], [0, 0, 1, 1]);
  });
}

test.run();
