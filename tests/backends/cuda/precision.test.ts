/**
 * Narrow storage in the CUDA backend: kernels hold `__half` / `__nv_bfloat16` buffers (cuda_fp16.h, cuda_bf16.h)
 * or int8 weights (`signed char`, dequantised by the matmul) and compute in f32. Checked without a GPU: the host
 * emulation's half types convert exactly as the reference formats do (every f16 bit pattern widened, rounding ties,
 * subnormals, overflow, NaN); fp16 and bf16 BERT programs run on the emulation within 1e-2 of the fp32 CPU
 * reference; int8w keeps ≥ 99% of fp32's top-1 predictions; and nvcc compiles every such kernel for compute_80,
 * sm_80 and sm_90 with no warning and no spill.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { roundBf16, roundF16, runGraph } from '../../../backends/cpu/index.ts';
import { compileCudaSource, nvccUnavailable } from '../../../backends/cuda/compile.ts';
import { buildEmulatedModule, emulationUnavailable } from '../../../backends/cuda/host-emulation/build.ts';
import { emulate, runGraphEmulated } from '../../../backends/cuda/host-emulation/emulate.ts';
import { compileCuda, cudaKernelOf, cudaModuleSource } from '../../../backends/cuda/program.ts';
import { KernelBuilder } from '../../../compiler/kernel/builder.ts';
import * as E from '../../../compiler/kernel/expr.ts';
import type { NarrowType } from '../../../compiler/kernel/ir.ts';
import { optimizeGraph } from '../../../compiler/pipeline.ts';
import { bf16BitsToF32, f16BitsToF32 } from '../../../runtime/weights/half.ts';
import { relativeError } from '../../specs/bert-helpers.ts';
import { argmaxRows, hfWeights } from '../../compiler/passes/helpers.ts';
import { bertCases, caseInputs, compileCase } from './bert-cases.ts';
import { skipBecause } from './helpers.ts';

const PRECISIONS = ['fp16', 'bf16'] as const;
// with outputs that reshape (QA's start/end logits, multiple choice) or concatenate (the decoder's cache) narrow values
const cases = bertCases().filter((c) =>
  ['BertModel', 'BertForMaskedLM with labels', 'BertForSequenceClassification with labels', 'BertForQuestionAnswering', 'BertForMultipleChoice', 'BertLMHeadModel'].includes(c.title),
);

/** Two kernels: narrow[i] = x[i] (rounds), then wide[i] = narrow[i] (widens); returns what came back. */
async function roundTrip(t: NarrowType, x: Float32Array): Promise<{ rounded: Float32Array; bits: Uint16Array }> {
  const store = new KernelBuilder(`store_${t}`, 64);
  const src = store.buffer('x', 'f32');
  const dst = store.buffer('h', t, true);
  const i = store.let('i', store.global);
  store.if(E.ge(i, store.uniform('n')), () => store.return());
  store.store(dst, i, store.load(src, i));
  const load = new KernelBuilder(`load_${t}`, 64);
  const h = load.buffer('h', t);
  const y = load.buffer('y', 'f32', true);
  const j = load.let('i', load.global);
  load.if(E.ge(j, load.uniform('n')), () => load.return());
  load.store(y, j, load.load(h, j));
  const kernels = [cudaKernelOf(store.build()), cudaKernelOf(load.build())];
  const module = await buildEmulatedModule(kernels);
  const n = x.length;
  const grid: [number, number] = [Math.ceil(n / 64), 1];
  const [half, wide] = await emulate(module, {
    regions: [{ bytes: 4 * n, init: x }, { bytes: 2 * n + 2 }, { bytes: 4 * n }],
    launches: [
      { entry: kernels[0]!.entry, grid, block: 64, args: [{ region: 0 }, { region: 1 }, { u32: n }] },
      { entry: kernels[1]!.entry, grid, block: 64, args: [{ region: 1 }, { region: 2 }, { u32: n }] },
    ],
    outputs: [{ region: 1, bytes: 2 * n }, { region: 2, bytes: 4 * n }],
  });
  return { bits: new Uint16Array(half!), rounded: new Float32Array(wide!) };
}

const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

const emulation = emulationUnavailable();
if (emulation) {
  skipBecause('the emulated half types convert exactly; fp16/bf16 BERT on the emulation', emulation);
} else {
  test('emulated __half and __nv_bfloat16: every f16 pattern widens exactly; rounding to nearest even', async () => {
    // every f16 bit pattern, as its f32 value: rounding it back must be exact, and so must widening
    const all = Float32Array.from({ length: 65536 }, (_, b) => f16BitsToF32(b));
    const edges = [0.1, -0.1, 65504, 65519.99, 65520, 1e6, -1e6, 2 ** -24, 2 ** -25, 3 * 2 ** -26, 2 ** -14 - 2 ** -25, 1 + 2 ** -11, 1 + 3 * 2 ** -11, -0, Infinity, -Infinity, NaN, 3.4e38];
    const random = Array.from({ length: 4000 }, (_, i) => Math.fround(Math.sin(i * 12.9898) * 43758.5453 % 1) * 2 ** ((i % 40) - 20));
    const x = Float32Array.from([...all, ...edges, ...random]);
    for (const [t, round, decode] of [['f16', roundF16, f16BitsToF32], ['bf16', roundBf16, bf16BitsToF32]] as const) {
      const { rounded, bits } = await roundTrip(t, x);
      const bad = [...x.keys()].filter((i) => !same(rounded[i]!, round(x[i]!)) || !same(decode(bits[i]!), rounded[i]!));
      assert.is(bad.length, 0, `${t}: ${bad.slice(0, 5).map((i) => `${x[i]} → ${rounded[i]} (bits ${bits[i]!.toString(16)}), want ${round(x[i]!)}`).join('; ')}`);
    }
  });

  for (const c of cases) {
    test(`${c.title}: fp16 and bf16 on the host emulation within 1e-2 of the fp32 CPU reference`, async () => {
      const g = compileCase(c);
      const inputs = caseInputs(c, g);
      const weights = hfWeights(g, 5);
      const want = runGraph(optimizeGraph(g).graph, inputs, weights);
      for (const precision of PRECISIONS) {
        const lowered = optimizeGraph(g, { precision }).graph;
        const program = compileCuda(lowered);
        assert.ok(program.kernels.some((k) => k.buffers.some((b) => b.t === (precision === 'fp16' ? 'f16' : 'bf16'))));
        const reference = runGraph(lowered, inputs, weights);
        const got = await runGraphEmulated(lowered, inputs, weights, { program });
        for (const name of Object.keys(want)) {
          const data = Array.from(got[name]!.data);
          const err = relativeError(data, Array.from(want[name]!.data));
          assert.ok(err <= 1e-2, `${precision} ${name}: relative error ${err.toExponential(2)} vs fp32`);
          const toLowered = relativeError(data, Array.from(reference[name]!.data));
          assert.ok(toLowered <= 1e-4, `${precision} ${name}: ${toLowered.toExponential(2)} from the ${precision} CPU reference`);
        }
      }
    });
  }
}

if (!emulation) {
  test('fp16 with the opt-in matmul + LayerNorm fusion on the host emulation within 1e-2 of fp32', async () => {
    const c = cases.find((x) => x.title === 'BertModel')!;
    const g = compileCase(c);
    const inputs = caseInputs(c, g);
    const weights = hfWeights(g, 9);
    const want = runGraph(optimizeGraph(g).graph, inputs, weights);
    const lowered = optimizeGraph(g, { fuseNorm: true, precision: 'fp16' });
    assert.ok(lowered.fired['fuse-norm']! > 0);
    const program = compileCuda(lowered.graph);
    assert.ok(program.kernels.some((k) => k.name.startsWith('matmul_norm') && k.buffers.some((b) => b.t === 'f16')));
    const got = await runGraphEmulated(lowered.graph, inputs, weights, { program });
    for (const name of Object.keys(want)) {
      const err = relativeError(Array.from(got[name]!.data), Array.from(want[name]!.data));
      assert.ok(err <= 1e-2, `${name}: relative error ${err.toExponential(2)} vs fp32`);
    }
  });

  test('int8w on the host emulation: top-1 agreement with fp32 ≥ 99%, dequantised as the CPU reference does', async () => {
    const c = cases.find((x) => x.title === 'BertForMaskedLM with labels')!;
    const g = compileCase(c);
    const vocab = c.config['vocab_size'] as number;
    let agree = 0;
    let rows = 0;
    for (const seed of [1, 2, 3]) {
      const inputs = caseInputs(c, g, seed, { B: 4, S: 12 });
      const weights = hfWeights(g, seed + 30);
      const want = runGraph(optimizeGraph(g).graph, inputs, weights)['logits']!.data;
      const lowered = optimizeGraph(g, { precision: 'int8w' }).graph;
      const program = compileCuda(lowered);
      assert.ok(program.kernels.some((k) => k.buffers.some((b) => b.t === 'i8')) && program.buffers.some((b) => b.quant === 'scales'));
      const got = (await runGraphEmulated(lowered, inputs, weights, { program }))['logits']!.data;
      const reference = runGraph(lowered, inputs, weights)['logits']!.data;
      assert.ok(relativeError(Array.from(got), Array.from(reference)) <= 1e-4, 'matches the int8w CPU reference');
      const [a, b] = [argmaxRows(got, vocab), argmaxRows(want, vocab)];
      agree += a.filter((v, i) => v === b[i]).length;
      rows += a.length;
    }
    assert.ok(agree / rows >= 0.99, `top-1 agreement ${agree}/${rows}`);
  });
}

const nvcc = nvccUnavailable();
if (nvcc) {
  skipBecause('fp16/bf16/int8w kernels compile for compute_80, sm_80 and sm_90 with no warning or spill', nvcc);
} else {
  test('fp16/bf16/int8w kernels compile for compute_80, sm_80 and sm_90 with no warning or spill', async () => {
    const programs = cases.flatMap((c) => [...PRECISIONS, 'int8w' as const].map((precision) => compileCuda(optimizeGraph(compileCase(c), { precision }).graph)));
    programs.push(compileCuda(optimizeGraph(compileCase(cases[0]!), { fuseNorm: true, precision: 'fp16' }).graph));
    const source = cudaModuleSource(programs.flatMap((p) => p.kernels));
    assert.match(source, /#ifndef DSLC_HOST_EMULATION\n#include <cuda_fp16.h>\n#include <cuda_bf16.h>\n(#include <mma.h>\n)?#endif/);
    assert.match(source, /const __half\* __restrict__/);
    assert.match(source, /__float2bfloat16_rn\(/);
    // contiguous elementwise kernels move four halves a thread as two half2 / bfloat162
    assert.match(source, /const __half2\* __restrict__ x0/);
    assert.match(source, /dslc_load_h4\(x0, i\)/);
    assert.match(source, /dslc_store_b4\(y, i, make_float4\(/);
    const build = await compileCudaSource(source); // throws on any error or warning
    assert.match(source, /const signed char\* __restrict__ b,/);
    const entries = new Set(programs.flatMap((p) => p.kernels.filter((k) => k.buffers.some((b) => b.t === 'f16' || b.t === 'bf16' || b.t === 'i8')).map((k) => k.entry)));
    for (const arch of ['sm_80', 'sm_90']) {
      const rows = build.resources.filter((r) => r.arch === arch && entries.has(r.entry));
      assert.is(rows.length, entries.size, `every narrow kernel in the ${arch} report`);
      const spilling = rows.filter((r) => r.spillStores + r.spillLoads + r.localBytes > 0);
      assert.is(spilling.length, 0, `spills on ${arch}: ${spilling.map((r) => r.entry).join(', ')}`);
    }
  });
}

test.run();
