/**
 * Warp shuffles: the kernel IR's `shuffleXor`, as CUDA renders it and the host emulation runs it (each lane gets its
 * partner's value once all 32 lanes of the warp reach the shuffle; other warps run on), and the reductions built on
 * it (compiler/kernel/warp.ts) against the CPU reference on random rows of odd lengths, fp32 ≤ 1e-4.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runGraph } from '../../../backends/cpu/index.ts';
import { buildEmulatedModule, emulationUnavailable } from '../../../backends/cuda/host-emulation/build.ts';
import { emulate, runGraphEmulated } from '../../../backends/cuda/host-emulation/emulate.ts';
import { compileCuda, CUDA_SCHEDULE, cudaKernelOf } from '../../../backends/cuda/program.ts';
import type { Stmt } from '../../../compiler/kernel/ir.ts';
import { optimizeGraph } from '../../../compiler/pipeline.ts';
import { bert } from '../../compiler/passes/helpers.ts';
import { renderWgsl } from '../../../backends/wgsl/renderer.ts';
import { hostTensor } from '../../../backends/tensor.ts';
import type { Graph } from '../../../compiler/ir/graph.ts';
import { Op } from '../../../compiler/ir/ops.ts';
import { KernelBuilder } from '../../../compiler/kernel/builder.ts';
import * as E from '../../../compiler/kernel/expr.ts';
import { scheduleGraph } from '../../../compiler/kernel/schedule.ts';
import { validateKernel } from '../../../compiler/kernel/validate.ts';
import { Builder, f32, randoms } from '../../backends/cpu/helpers.ts';
import { assertOutputs, rejects, skipBecause } from './helpers.ts';

/** Runs one hand-written kernel on one block with an f32 output of `n` elements. */
async function runOne(k: KernelBuilder, n: number): Promise<Float32Array> {
  const kernel = cudaKernelOf(k.build());
  const module = await buildEmulatedModule([kernel]);
  const [out] = await emulate(module, {
    regions: [{ bytes: 4 * n }],
    launches: [{ entry: kernel.entry, grid: [1, 1], block: kernel.workgroup, args: [{ region: 0 }] }],
    outputs: [{ region: 0, bytes: 4 * n }],
  });
  return new Float32Array(out!);
}

const XORS = [16, 8, 4, 2, 1];
const valueOf = (t: number) => t * 1.5 + 0.25;

test('shuffleXor renders as a full-warp __shfl_xor_sync, is checked by the validator, and WGSL refuses it', () => {
  const k = new KernelBuilder('shuffle_render', 64);
  const y = k.buffer('y', 'f32', true);
  k.store(y, k.local, k.shuffleXor('o', E.cast('f32', k.local), 8));
  const kernel = k.build();
  validateKernel(kernel);
  assert.match(cudaKernelOf(kernel).source, 'const float o = __shfl_xor_sync(0xffffffffu, static_cast<float>(threadIdx.x), 8);');
  assert.throws(() => renderWgsl(kernel), /no warp shuffles \(shuffle o\)/);
  const bad = new KernelBuilder('shuffle_bad', 48);
  bad.store(bad.buffer('y', 'f32', true), bad.local, bad.shuffleXor('o', E.f32(1), 32));
  assert.throws(() => validateKernel(bad.build()), /exchanges with lane \^ 32, outside a warp of 32/);
});

test('WGSL schedules keep the shared-memory tree; CUDA ones shuffle and keep one barrier', () => {
  const g = rowGraph(Op.LayerNorm);
  const kernelOf = (s: ReturnType<typeof scheduleGraph>) => s.kernels.find((k) => k.name.startsWith('layer_norm'))!;
  const plain = kernelOf(scheduleGraph(g));
  const warp = kernelOf(scheduleGraph(g, { warpShuffles: true }));
  const count = (ss: typeof plain.body, k: string): number => ss.reduce((n, s) => n + (s.k === k ? 1 : 0) + (s.k === 'if' ? count(s.then, k) + count(s.else, k) : s.k === 'for' ? count(s.body, k) : 0), 0);
  assert.is(count(plain.body, 'shuffleXor'), 0);
  assert.is(count(plain.body, 'barrier'), 7, 'log2(64) + 1 barriers in the tree');
  assert.is(count(warp.body, 'shuffleXor'), 3 * 5, 'three Welford terms, five butterfly steps');
  assert.is(count(warp.body, 'barrier'), 1);
  assert.match(renderWgsl(plain), 'workgroupBarrier()');
});

test("the fused BERT's add_norm and matmul_norm shuffle on CUDA (f32 and f16 storage), not on WGSL", () => {
  const g = bert('BertModel');
  const shuffles = (ss: readonly Stmt[]): number => ss.reduce((n, s) => n + (s.k === 'shuffleXor' ? 1 : 0) + (s.k === 'if' ? shuffles(s.then) + shuffles(s.else) : s.k === 'for' ? shuffles(s.body) : 0), 0);
  for (const precision of ['fp32', 'fp16'] as const) {
    const graph = optimizeGraph(g, { precision }).graph;
    for (const [opts, want] of [[CUDA_SCHEDULE, true], [{}, false]] as const) {
      const fused = scheduleGraph(graph, opts).kernels.filter((k) => /^(add_norm|matmul_norm)_/.test(k.name));
      assert.ok(fused.some((k) => k.name.startsWith('add_norm')) && fused.some((k) => k.name.startsWith('matmul_norm')), precision);
      for (const k of fused) assert.is(shuffles(k.body) > 0, want, `${precision} ${k.name} ${want ? 'CUDA' : 'WGSL'}`);
    }
  }
});

/** One op over rows of symbolic length S (softmax, LayerNorm, a last-axis reduction). */
function rowGraph(op: Op): Graph {
  const b = new Builder();
  const x = b.input('x', 'f32', ['B', 'S']);
  if (op === Op.LayerNorm) {
    const w = b.input('w', 'f32', ['S']);
    const bias = b.input('bias', 'f32', ['S']);
    return b.graph({ out: b.op(op, 'f32', ['B', 'S'], [x, w, bias], { eps: 1e-12 }) });
  }
  if (op === Op.Softmax) return b.graph({ out: b.op(op, 'f32', ['B', 'S'], [x], { axis: 1 }) });
  return b.graph({ out: b.op(op, 'f32', ['B', 1], [x], { axis: 1, keepdim: true }) });
}

const reason = emulationUnavailable();
if (reason) {
  skipBecause('the host emulation runs warp shuffles and the reductions built on them', reason);
} else {
  test('emulation: each lane gets the value of lane ^ xor in its own warp, for every xor distance', async () => {
    const k = new KernelBuilder('shuffle_lanes', 64);
    const y = k.buffer('y', 'f32', true);
    const v = k.let('v', E.add(E.mul(E.cast('f32', k.local), E.f32(1.5)), E.f32(0.25)));
    XORS.forEach((xor, s) => k.store(y, E.add(E.mul(k.local, E.u32(XORS.length)), E.u32(s)), k.shuffleXor('o', v, xor)));
    const got = await runOne(k, 64 * XORS.length);
    for (let t = 0; t < 64; t++) XORS.forEach((xor, s) => assert.is(got[t * XORS.length + s], valueOf((t & ~31) | ((t & 31) ^ xor)), `thread ${t}, xor ${xor}`));
  });

  test('emulation: warps shuffle independently (warp 1 at another shuffle, then at a barrier with warp 0)', async () => {
    const k = new KernelBuilder('shuffle_warps', 64);
    const y = k.buffer('y', 'f32', true);
    const v = k.let('v', E.cast('f32', k.local));
    const out = k.var('out', 'f32', E.f32(0));
    k.if(E.lt(k.local, E.u32(32)), () => out.set(k.shuffleXor('a', v, 1)), () => out.set(E.neg(k.shuffleXor('b', v, 2))));
    k.barrier();
    k.store(y, k.local, out.get);
    const got = await runOne(k, 64);
    for (let t = 0; t < 64; t++) assert.is(got[t], t < 32 ? t ^ 1 : -(t ^ 2), `thread ${t}`);
  });

  test('emulation check: a shuffle that only some lanes of a warp reach', async () => {
    const k = new KernelBuilder('shuffle_partial', 64);
    const y = k.buffer('y', 'f32', true);
    k.if(E.lt(k.local, E.u32(16)), () => k.store(y, k.local, k.shuffleXor('o', E.f32(1), 1)));
    k.barrier();
    await rejects(() => runOne(k, 64), /shuffle_partial_\w+, block \(0, 0\): shuffle at line \d+ of warp 0 never completes: thread 16 waits at a barrier/);
  });

  // row lengths below, at and above a warp and the 64-thread group, and ones that leave threads without elements
  const lengths = [1, 5, 31, 33, 64, 100, 257];
  for (const op of [Op.ReduceSum, Op.ReduceMax, Op.ReduceMean, Op.Softmax, Op.LayerNorm]) {
    test(`${op}: warp-shuffle reduction on the host emulation matches the CPU reference at S = ${lengths.join(', ')}`, async () => {
      const g = rowGraph(op);
      const program = compileCuda(g);
      const module = await buildEmulatedModule(program.kernels);
      for (const [i, S] of lengths.entries()) {
        const B = 1 + (i % 3);
        const inputs = { x: f32([B, S], 11 + i, 3), w: f32([S], 5 + i), bias: f32([S], 7 + i) };
        const used = Object.fromEntries(g.inputs.map((n) => [n.arg['name'] as string, inputs[n.arg['name'] as keyof typeof inputs]]));
        const got = await runGraphEmulated(g, used, new Map(), { program, module });
        assertOutputs(got, runGraph(g, used, new Map()), 1e-4);
      }
    });
  }

  test('cross-entropy: per-row logsumexp and the mean over kept rows, with warp shuffles', async () => {
    const b = new Builder();
    const g = b.graph({ out: b.op(Op.CrossEntropy, 'f32', [], [b.input('x', 'f32', ['N', 37]), b.input('labels', 'i32', ['N'])], { ignoreIndex: -100 }) });
    const program = compileCuda(g);
    const N = 70;
    const labels = hostTensor('i32', [N], Int32Array.from(randoms(N, 3), (r, i) => (i % 9 === 4 ? -100 : Math.floor(Math.abs(r) * 37))));
    const inputs = { x: f32([N, 37], 2, 4), labels };
    assertOutputs(await runGraphEmulated(g, inputs, new Map(), { program }), runGraph(g, inputs, new Map()), 1e-4);
  });
}

test.run();
