/**
 * Tensor cores for f16/bf16 GEMMs (compiler/kernel/lower-matmul-wmma.ts): chosen only when the CUDA backend asks and
 * both operands are narrow; the WMMA intrinsics are CUDA-only in the IR (validator, WGSL renderer); BERT with WMMA
 * GEMMs runs on the host emulation (per-thread whole-tile fragments) within 1e-2 of the fp32 CPU reference and
 * within 1e-4 of the lowered CPU reference, at odd sizes (M, N, K not multiples of 16, several tiles, batched
 * attention products with kᵀ read in place); nvcc compiles the kernels for sm_80 and sm_90 with no spill, and the
 * SASS has HMMA instructions.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runGraph } from '../../../backends/cpu/index.ts';
import { compileCudaSource, nvccUnavailable } from '../../../backends/cuda/compile.ts';
import { emulationUnavailable } from '../../../backends/cuda/host-emulation/build.ts';
import { runGraphEmulated } from '../../../backends/cuda/host-emulation/emulate.ts';
import { compileCuda, cudaModuleSource } from '../../../backends/cuda/program.ts';
import { renderWgsl } from '../../../backends/wgsl/renderer.ts';
import { KernelBuilder } from '../../../compiler/kernel/builder.ts';
import { scheduleGraph } from '../../../compiler/kernel/schedule.ts';
import { validateKernel } from '../../../compiler/kernel/validate.ts';
import { optimizeGraph, type PassOptions } from '../../../compiler/pipeline.ts';
import { relativeError } from '../../specs/bert-helpers.ts';
import { hfWeights } from '../../compiler/passes/helpers.ts';
import { type BertCase, caseInputs, compileCase, ENV, SMALL } from './bert-cases.ts';
import { skipBecause } from './helpers.ts';

// hidden 40 (K of the projections), intermediate 50, head 10 (K of q·kᵀ), S = 19 (K of p·v), vocab 83: no size a
// multiple of 16, several 64-wide tiles in M (B·S = 57 and 46 rows, 2 tiles of 64 in the vocab's N = 83)
const ODD = { ...SMALL, hidden_size: 40, num_attention_heads: 4, intermediate_size: 50, vocab_size: 83, max_position_embeddings: 32 };
// No LayerNorm-in-matmul, so every projection is a GEMM with an epilogue (bias; bias + GELU; bias + residual).
// BertModel also leaves attention unfused,
// for the batched q·kᵀ product (kᵀ read in place).
const PASSES: PassOptions = { fuseNorm: false };
// titles unlike bert-cases.ts' ones: compileCase caches graphs by title across the test files of one process
const CASES: (BertCase & { passes: PassOptions })[] = [
  { title: 'BertModel, odd sizes, attention unfused', entry: 'BertModel', config: ODD, inputs: [], env: { ...ENV, B: 3, S: 19 }, passes: { ...PASSES, fuseAttention: false } },
  { title: 'BertForMaskedLM with labels, odd sizes', entry: 'BertForMaskedLM', config: ODD, inputs: ['labels'], env: { ...ENV, B: 2, S: 23 }, passes: PASSES },
];

const wmmaKernels = (p: ReturnType<typeof compileCuda>) => p.kernels.filter((k) => k.name.startsWith('matmul_wmma'));

test('tensor cores only when the CUDA backend asks, and only for narrow operands', () => {
  const g = compileCase(CASES[0]!);
  const names = (passes: PassOptions, tc: boolean) => scheduleGraph(optimizeGraph(g, { ...passes, precision: 'fp16' }).graph, { tensorCores: tc }).kernels.map((k) => k.name);
  const wanted = [
    [PASSES, ['matmul_wmma_f16_f16_nt_b0_epi1', 'matmul_wmma_f16_f16_nt_b0_epi1_gelu', 'matmul_wmma_f16_f16_nt_b0_epi2']],
    [CASES[0]!.passes, ['matmul_wmma_f16_f16_nt_b1']],
  ] as const;
  for (const [passes, list] of wanted) for (const name of list) assert.ok(names(passes, true).includes(name), `${name} in ${names(passes, true).join(' ')}`);
  // K = 40 (hidden) reads x and W four halves at a time; K = 50 (intermediate) and 10 (head) one by one
  const operands = scheduleGraph(optimizeGraph(g, { ...PASSES, precision: 'fp16' }).graph, { tensorCores: true }).kernels.filter((k) => k.target).map((k) => k.buffers[0]!.t);
  assert.ok(operands.includes('f16x4') && operands.includes('f16'), `operand storage ${operands.join(' ')}`);
  const portable = names(CASES[0]!.passes, false);
  assert.not.ok(portable.some((n) => n.includes('wmma')), 'the portable schedule (WGSL) has none');
  // f32 × f16 products (the pooler, p·v after an f32 softmax) keep the portable kernel: rounding the f32 side would
  // change what the graph computes
  assert.ok(names(CASES[0]!.passes, true).some((n) => n.startsWith('matmul_f32_')));
  const fp32 = scheduleGraph(optimizeGraph(g, CASES[0]!.passes).graph, { tensorCores: true }).kernels;
  assert.not.ok(fp32.some((k) => k.target), 'fp32 GEMMs stay portable');
  const int8 = scheduleGraph(optimizeGraph(g, { ...CASES[0]!.passes, precision: 'int8w' }).graph, { tensorCores: true }).kernels;
  assert.not.ok(int8.some((k) => k.target), 'int8 weights stay portable');
});

test('WMMA statements are CUDA-only: the validator and the WGSL renderer refuse them elsewhere', () => {
  const k = new KernelBuilder('not_cuda', 32);
  assert.throws(() => k.intrinsic({ k: 'wmma_zero', frag: 'x' }), /not marked target-specific/);
  assert.throws(() => k.workgroupArray('h', 'f16', 256), /workgroup array h of f16/);
  const wmma = scheduleGraph(optimizeGraph(compileCase(CASES[0]!), { ...PASSES, precision: 'fp16' }).graph, { tensorCores: true }).kernels.find((x) => x.target === 'cuda')!;
  assert.throws(() => validateKernel({ ...wmma, target: undefined as never }), /not marked for CUDA/);
  assert.throws(() => renderWgsl(wmma), /cannot print wmma_|f16/);
  const broken = { ...wmma, body: wmma.body.filter((s) => s.k !== 'wmma_fragment') };
  assert.throws(() => validateKernel(broken), /fragment \w+ is not declared/);
});

const emulation = emulationUnavailable();
if (emulation) skipBecause('BERT with WMMA GEMMs on the host emulation', emulation);
else {
  for (const c of CASES) {
    test(`${c.title}: fp16 and bf16 WMMA GEMMs on the host emulation within 1e-2 of fp32`, async () => {
      const g = compileCase(c);
      const inputs = caseInputs(c, g, 3);
      const weights = hfWeights(g, 11);
      const want = runGraph(optimizeGraph(g, c.passes).graph, inputs, weights);
      for (const precision of ['fp16', 'bf16'] as const) {
        const lowered = optimizeGraph(g, { ...c.passes, precision }).graph;
        const program = compileCuda(lowered);
        assert.ok(wmmaKernels(program).length >= 2, `${precision}: WMMA kernels in the program`);
        const reference = runGraph(lowered, inputs, weights);
        const got = await runGraphEmulated(lowered, inputs, weights, { program });
        for (const name of Object.keys(want)) {
          const data = Array.from(got[name]!.data);
          const err = relativeError(data, Array.from(want[name]!.data));
          assert.ok(err <= 1e-2, `${precision} ${name}: relative error ${err.toExponential(2)} vs fp32`);
          const toLowered = relativeError(data, Array.from(reference[name]!.data));
          // the tensor cores sum in another order than the CPU reference: a value on a rounding boundary may round to the
          // other neighbour, an ulp of 2^-11 (f16) or 2^-8 (bf16) relative, that later layers carry along
          const bound = precision === 'fp16' ? 1e-4 : 1e-3;
          assert.ok(toLowered <= bound, `${precision} ${name}: ${toLowered.toExponential(2)} from the ${precision} CPU reference`);
        }
      }
    });
  }
}

const nvcc = nvccUnavailable();
const cuobjdump = '/usr/local/cuda/bin/cuobjdump';
if (nvcc) skipBecause('WMMA kernels compile for sm_80 and sm_90 with no spill; tensor-core PTX', nvcc);
else {
  test('WMMA kernels compile for compute_80, sm_80 and sm_90 with no warning or spill; tensor-core PTX', async () => {
    const programs = CASES.flatMap((c) => (['fp16', 'bf16'] as const).map((precision) => compileCuda(optimizeGraph(compileCase(c), { ...c.passes, precision }).graph)));
    const kernels = programs.flatMap(wmmaKernels);
    const source = cudaModuleSource(kernels);
    assert.match(source, /#include <mma.h>/);
    assert.match(source, /nvcuda::wmma::fragment<nvcuda::wmma::matrix_b, 16, 16, 16, __nv_bfloat16, nvcuda::wmma::col_major>/);
    const build = await compileCudaSource(source);
    const entries = new Set(kernels.map((k) => k.entry));
    for (const arch of ['sm_80', 'sm_90']) {
      const rows = build.resources.filter((r) => r.arch === arch && entries.has(r.entry));
      assert.is(rows.length, entries.size, `every WMMA kernel in the ${arch} report`);
      const spilling = rows.filter((r) => r.spillStores + r.spillLoads + r.localBytes > 0);
      assert.is(spilling.length, 0, `spills on ${arch}: ${spilling.map((r) => r.entry).join(', ')}`);
    }
    // the portable PTX: every WMMA kernel's products are m16n16k16 tensor-core instructions with f32 accumulators
    const ptx = Buffer.from(build.images.get('compute_80')!).toString('latin1');
    assert.match(ptx, /wmma\.mma\.sync\.aligned\.row\.col\.m16n16k16\.f32\.f32/, 'f16 × f16 + f32 (PTX names only the f32 types)');
    assert.match(ptx, /wmma\.mma\.sync\.aligned\.row\.col\.m16n16k16\.f32\.bf16\.bf16\.f32/, 'bf16 × bf16 + f32');
  });
}
if (!nvcc && !existsSync(cuobjdump)) skipBecause('HMMA instructions in the sm_80 and sm_90 SASS', `${cuobjdump} not found`);
else if (!nvcc) {
  test('HMMA instructions in the sm_80 and sm_90 SASS of the WMMA kernels', async () => {
    const kernels = CASES.flatMap((c) => (['fp16', 'bf16'] as const).flatMap((precision) => wmmaKernels(compileCuda(optimizeGraph(compileCase(c), { ...c.passes, precision }).graph))));
    const entries = new Set(kernels.map((k) => k.entry));
    const build = await compileCudaSource(cudaModuleSource(kernels));
    const dir = mkdtempSync(join(tmpdir(), 'dslc-wmma-'));
    try {
      for (const arch of ['sm_80', 'sm_90'] as const) {
        writeFileSync(join(dir, `${arch}.cubin`), build.images.get(arch)!);
        const { stdout } = await promisify(execFile)(cuobjdump, ['-sass', join(dir, `${arch}.cubin`)], { maxBuffer: 64 << 20 });
        const hmma = stdout.split('\n').filter((l) => /HMMA\.16816\.F32/.test(l)).length;
        assert.ok(hmma >= 8 * entries.size, `${arch}: ${hmma} HMMA.16816.F32 instructions for ${entries.size} kernels`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
