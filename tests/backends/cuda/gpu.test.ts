/**
 * The CUDA backend on a real GPU: every BERT program of bert-cases.ts loaded by CudaModel (cubin for the device's
 * architecture, else PTX) and compared with the CPU reference, fp32 relative error ≤ 1e-4; then BERT-base width at
 * S = 128, and the kernels' registers and local memory as the driver loaded them.
 *
 * Needs libcuda.so.1 and a device (`cudaAvailable()`), and nvcc or a .cache/cuda built where nvcc is. Without a
 * device every test is skipped with the reason. DSLC_CUDA_STAND_IN=1 runs the same tests on the host emulation's
 * stand-in driver, to check this file itself on a machine without a GPU (the BERT-base test is skipped there).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runGraph } from '../../../backends/cpu/index.ts';
import { compileCudaSource, type CudaTarget } from '../../../backends/cuda/compile.ts';
import { buildEmulatedModule, buildStandInLibcuda, emulatedImage } from '../../../backends/cuda/host-emulation/build.ts';
import { compileCuda, cudaModuleSource } from '../../../backends/cuda/program.ts';
import { CudaContext, cudaContext } from '../../../runtime/cuda/context.ts';
import { cudaAvailable, CudaDriver } from '../../../runtime/cuda/driver.ts';
import { CudaModel, type CudaLoadOptions } from '../../../runtime/cuda/model.ts';
import { BERT_BASE, type BertCase, bertCases, caseInputs, caseWeights, compileCase } from './bert-cases.ts';
import { assertOutputs, skipBecause } from './helpers.ts';

const standIn = process.env['DSLC_CUDA_STAND_IN'] === '1';
const status = standIn ? true : cudaAvailable();
const cases = bertCases();
const BASE_CASE: BertCase = { title: 'BertModel at BERT-base width (2 layers), B = 2, S = 128', entry: 'BertModel', config: { ...BERT_BASE, num_hidden_layers: 2 }, inputs: [], env: { B: 2, S: 128 } };

/** The context, and load options carrying one module with every kernel the tests need (built once). */
let setup: Promise<{ context: CudaContext; load: () => Promise<Partial<CudaLoadOptions>> }> | undefined;
function gpu() {
  setup ??= (async () => {
    const all = [...cases, BASE_CASE].flatMap((c) => compileCuda(compileCase(c)).kernels);
    if (standIn) {
      const context = CudaContext.open(0, CudaDriver.open(await buildStandInLibcuda()));
      const image = emulatedImage(await buildEmulatedModule(all));
      return { context, load: async () => ({ image, context }) };
    }
    const context = cudaContext();
    const images: ReadonlyMap<CudaTarget, Uint8Array> = (await compileCudaSource(cudaModuleSource(all))).images;
    const { name, computeCapability: [major, minor], multiprocessors, driverVersion } = context.info;
    console.log(`\n  CUDA device: ${name} (sm_${major}${minor}, ${multiprocessors} SMs, driver ${driverVersion})`);
    return { context, load: async () => ({ images, context }) };
  })();
  return setup;
}

if (status !== true) {
  skipBecause('every BERT program on the GPU matches the CPU reference', status);
  skipBecause('BERT-base width on the GPU matches the CPU reference', status);
  skipBecause('GEMM and softmax kernels use no local memory as loaded', status);
} else {
  for (const c of cases) {
    test(`${c.title}: CUDA on ${standIn ? 'the stand-in driver' : 'the GPU'} matches the CPU reference`, async () => {
      const { load } = await gpu();
      const graph = compileCase(c);
      const program = compileCuda(graph);
      const weights = caseWeights(graph);
      const model = await CudaModel.load(graph, weights, { program, ...(await load()) });
      try {
        for (const seed of [1, 2]) {
          const inputs = caseInputs(c, graph, seed);
          assertOutputs(await model.forward(inputs), runGraph(graph, inputs, weights), 1e-4);
        }
      } finally {
        model.dispose();
      }
    });
  }

  if (standIn) skipBecause('BERT-base width on the GPU matches the CPU reference', 'too slow on the stand-in driver');
  else {
    test(`${BASE_CASE.title}: CUDA matches the CPU reference`, async () => {
      const { load } = await gpu();
      const graph = compileCase(BASE_CASE);
      const program = compileCuda(graph);
      const weights = caseWeights(graph);
      const inputs = caseInputs(BASE_CASE, graph, 3);
      const model = await CudaModel.load(graph, weights, { program, ...(await load()) });
      try {
        console.log(`  image: ${model.target}`);
        assertOutputs(await model.forward(inputs), runGraph(graph, inputs, weights), 1e-4);
      } finally {
        model.dispose();
      }
    });
  }

  test('GEMM and softmax kernels use no local memory (no spills) as the driver loaded them', async () => {
    const { load } = await gpu();
    const graph = compileCase(cases[0]!);
    const program = compileCuda(graph);
    const model = await CudaModel.load(graph, caseWeights(graph), { program, ...(await load()) });
    try {
      const attrs = model.kernelAttributes();
      for (const a of attrs.filter((x) => /^(matmul|softmax)/.test(x.entry))) assert.is(a.localBytes, 0, `${a.entry} local memory`);
      if (!standIn) console.log(`  registers as loaded: ${attrs.map((a) => `${a.entry.replace(/_[0-9a-f]{10}$/, '')} ${a.registers}`).join(', ')}`);
    } finally {
      model.dispose();
    }
  });
}

test.run();
