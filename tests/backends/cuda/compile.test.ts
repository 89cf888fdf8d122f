/**
 * nvcc on the generated CUDA, without a GPU: every kernel of every BERT program (bert-cases.ts, plus BertModel at
 * BERT-base sizes) in one translation unit, compiled to PTX (compute_80) and to cubins for sm_80 (A100) and sm_90
 * (H100/H200), each target in one nvcc invocation, with any warning an error. ptxas's resource report is printed
 * and the GEMM and attention kernels must not spill. Builds are cached in .cache/cuda/, so only the first run (or
 * a changed kernel) pays for nvcc. Without nvcc the tests are skipped, saying why.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileCudaSource, CudaCompileError, type CudaBuild, kernelAtLine, nvccUnavailable, nvccVersion } from '../../../backends/cuda/compile.ts';
import { compileCuda, type CudaProgram, cudaModuleSource } from '../../../backends/cuda/program.ts';
import { parseResourceUsage, resourceTable } from '../../../backends/cuda/resources.ts';
import { compileGraph, optimizeGraph } from '../../../compiler/pipeline.ts';
import { BERT_SOURCE } from '../../specs/bert-helpers.ts';
import { BERT_BASE, bertCases, compileCase } from './bert-cases.ts';
import { skipBecause } from './helpers.ts';

const ARCHS = ['sm_80', 'sm_90'];

let built: Promise<{ programs: CudaProgram[]; base: CudaProgram; build: CudaBuild; seconds: number }> | undefined;
function buildAll() {
  built ??= (async () => {
    const programs = bertCases().map((c) => compileCuda(compileCase(c)));
    const graph = compileGraph(BERT_SOURCE, { entry: 'BertModel', config: BERT_BASE });
    // BERT-base unfused and through every pass: the heavy kernels of both must fit without spilling
    const unfused = compileCuda(graph);
    const fused = compileCuda(optimizeGraph(graph).graph);
    const base = { ...unfused, kernels: [...unfused.kernels, ...fused.kernels.filter((k) => !unfused.kernels.some((b) => b.entry === k.entry))] };
    const start = performance.now();
    const build = await compileCudaSource(cudaModuleSource([...programs, base].flatMap((p) => p.kernels)));
    return { programs, base, build, seconds: (performance.now() - start) / 1000 };
  })();
  return built;
}

const reason = nvccUnavailable();
if (reason) {
  skipBecause('every kernel of every BERT entry point compiles for compute_80, sm_80 and sm_90', reason);
  skipBecause('no register spills in the GEMM and attention kernels at BERT-base sizes', reason);
  skipBecause('a warning fails the build', reason);
} else {
  test('every kernel of every BERT entry point compiles for compute_80, sm_80 and sm_90, with no error or warning', async () => {
    const { programs, base, build, seconds } = await buildAll();
    const entries = new Set([...programs, base].flatMap((p) => p.kernels.map((k) => k.entry)));
    const cached = build.cached.length === 3 ? 'cached' : `${seconds.toFixed(1)} s`;
    console.log(`\n  ${await nvccVersion()}: ${entries.size} distinct kernels from ${programs.length + 1} programs (${cached})`);
    const ptx = new TextDecoder().decode(build.images.get('compute_80')!);
    assert.ok(ptx.includes('.target sm_80'), 'PTX for compute_80');
    for (const arch of ARCHS) {
      const cubin = build.images.get(arch as 'sm_80')!;
      assert.equal([...cubin.slice(0, 4)], [0x7f, 0x45, 0x4c, 0x46], `${arch} image is an ELF cubin`);
      const compiled = new Set(build.resources.filter((r) => r.arch === arch).map((r) => r.entry));
      for (const e of entries) {
        assert.ok(compiled.has(e), `${e} compiled for ${arch}`);
        assert.ok(ptx.includes(`.entry ${e}(`), `${e} in the PTX`);
      }
    }
    const rows = build.resources.filter((r) => entries.has(r.entry));
    const worst = rows.reduce((a, b) => (b.registers > a.registers ? b : a));
    const spilling = rows.filter((r) => r.spillStores + r.spillLoads + r.localBytes > 0);
    console.log(`  registers: max ${worst.registers} (${worst.entry}, ${worst.arch}); kernels that spill: ${spilling.length ? spilling.map((r) => `${r.entry} ${r.arch}`).join(', ') : 'none'}`);
    const shown = process.env['DSLC_CUDA_VERBOSE'] ? rows : rows.filter((r) => /^(matmul|softmax|layer_norm|cross_entropy)/.test(r.entry));
    console.log(resourceTable(shown).replace(/^/gm, '  '));
  });

  test('no register spills or local memory in the GEMM and attention kernels at BERT-base sizes', async () => {
    const { base, build } = await buildAll();
    const heavy = base.kernels.filter((k) => /^(matmul|softmax|attention)/.test(k.name));
    assert.ok(heavy.some((k) => k.name.startsWith('matmul')) && heavy.some((k) => k.name.startsWith('softmax')), 'BERT-base has GEMM and softmax kernels');
    for (const k of heavy) {
      for (const arch of ARCHS) {
        const r = build.resources.find((x) => x.entry === k.entry && x.arch === arch);
        assert.ok(r, `${k.entry} ${arch} in the report`);
        assert.is(r!.spillStores + r!.spillLoads, 0, `${k.entry} spills on ${arch}`);
        assert.is(r!.localBytes + r!.stackBytes, 0, `${k.entry} uses local memory on ${arch}`);
        // 64K registers per SM: a 256-thread GEMM block above 128 registers a thread could not be resident twice.
        assert.ok(r!.registers * k.workgroup <= 32768, `${k.entry} needs ${r!.registers} registers x ${k.workgroup} threads on ${arch}`);
      }
    }
  });

  test('a warning fails the build, and errors name the kernel they are in', async () => {
    const source = `extern "C" __global__ void __launch_bounds__(64) bad_kernel(float* __restrict__ y) {\n  const int unused = 1;\n  y[threadIdx.x] = 0.0f;\n}\n`;
    try {
      await compileCudaSource(source, { targets: ['sm_80'] });
      assert.unreachable('compiled with an unused variable');
    } catch (e) {
      assert.instance(e, CudaCompileError);
      assert.match((e as Error).message, /module\.cu\(2\) \[bad_kernel\]: error #177-D: variable "unused" was declared but never referenced/);
    }
  });
}

test('ptxas resource reports are read per entry and architecture, with absent fields as 0', () => {
  const log = [
    "ptxas info    : 0 bytes gmem",
    "ptxas info    : Compiling entry function 'k_a' for 'sm_90'",
    'ptxas info    : Function properties for k_a',
    '    8 bytes stack frame, 12 bytes spill stores, 16 bytes spill loads',
    'ptxas info    : Used 255 registers, used 1 barriers, 8192 bytes smem',
    "ptxas info    : Compiling entry function 'k_b' for 'sm_80'",
    'ptxas info    : Function properties for k_b',
    '    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads',
    'ptxas info    : Used 10 registers, 372 bytes cmem[0]',
  ].join('\n');
  const [a, b] = parseResourceUsage(log);
  assert.equal(a, { entry: 'k_a', arch: 'sm_90', registers: 255, sharedBytes: 8192, stackBytes: 8, spillStores: 12, spillLoads: 16, barriers: 1, constBytes: 0, localBytes: 0 });
  assert.equal(b, { entry: 'k_b', arch: 'sm_80', registers: 10, sharedBytes: 0, stackBytes: 0, spillStores: 0, spillLoads: 0, barriers: 0, constBytes: 372, localBytes: 0 });
  assert.is(kernelAtLine('// x\nextern "C" __global__ void __launch_bounds__(64) kk(\n  float* y\n) {\n}', 4), 'kk');
});

test.run();
