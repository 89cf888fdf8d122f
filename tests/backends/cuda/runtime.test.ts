/**
 * The koffi CUDA runtime (runtime/cuda) end to end without a GPU: the same driver calls, against a stand-in
 * libcuda that runs kernels on the host emulation (backends/cuda/host-emulation/emu_libcuda.cpp). This checks the
 * FFI declarations, argument packing for cuLaunchKernel, memory management across batch sizes, grid folding and the
 * model's checks; it cannot check the real driver's behaviour (asynchrony, JIT, errors a GPU raises) — gpu.test.ts
 * does that where a GPU is lent.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runGraph } from '../../../backends/cpu/index.ts';
import { buildEmulatedModule, buildStandInLibcuda, emulatedImage, emulationUnavailable } from '../../../backends/cuda/host-emulation/build.ts';
import { compileCuda } from '../../../backends/cuda/program.ts';
import { foldGrid } from '../../../backends/cuda/binding.ts';
import { CudaContext, pickImage } from '../../../runtime/cuda/context.ts';
import { cudaAvailable, CudaDriver, CudaError } from '../../../runtime/cuda/driver.ts';
import { CudaModel } from '../../../runtime/cuda/model.ts';
import { bertCases, caseInputs, caseWeights, compileCase, ENV } from './bert-cases.ts';
import { assertOutputs, rejects, skipBecause } from './helpers.ts';

test('cudaAvailable says why not when there is no driver, and never claims a device it cannot open', () => {
  const status = cudaAvailable();
  assert.ok(status === true || /^no CUDA device: /.test(status), String(status));
  assert.throws(() => CudaDriver.open('/nonexistent/libcuda.so.1'), /^no CUDA device: \/nonexistent\/libcuda\.so\.1 not found$/);
});

test('module images: the newest cubin of the device major not above it, else the newest PTX it can JIT', () => {
  const img = (t: string) => new TextEncoder().encode(t);
  const images = new Map([['compute_80', img('ptx')], ['sm_80', img('a100')], ['sm_90', img('h100')]] as const);
  assert.is(pickImage(images, [8, 0]).target, 'sm_80');
  assert.is(pickImage(images, [8, 9]).target, 'sm_80'); // sm_80 cubins run on 8.6 and 8.9
  assert.is(pickImage(images, [9, 0]).target, 'sm_90');
  assert.is(pickImage(images, [10, 0]).target, 'compute_80'); // a newer major JIT-compiles the PTX
  assert.throws(() => pickImage(images, [7, 5]), /no image for compute capability 7\.5/);
});

test('grids fold onto y within the x limit, with at most one row of blocks to spare', () => {
  assert.equal(foldGrid(0), [0, 0]);
  assert.equal(foldGrid(5), [5, 1]);
  assert.equal(foldGrid(10, 3), [3, 4]);
  assert.equal(foldGrid(2 ** 31, 2 ** 31 - 1), [2 ** 30, 2]);
  assert.throws(() => foldGrid(4 * 65536, 3), /more than a grid can have/);
});

const reason = emulationUnavailable();
const pick = (title: string) => bertCases().find((c) => c.title === title)!;

let moduleForAll: Promise<string> | undefined;

/** A context on the stand-in driver, and the image of one module with every case's kernels (as emulation.test.ts). */
async function standIn(maxGridX?: number): Promise<{ context: CudaContext; image: () => Promise<Uint8Array> }> {
  const driver = CudaDriver.open(await buildStandInLibcuda());
  if (maxGridX !== undefined) process.env['DSLC_EMU_MAX_GRID_X'] = String(maxGridX);
  try {
    const context = CudaContext.open(0, driver);
    moduleForAll ??= buildEmulatedModule(bertCases().flatMap((c) => compileCuda(compileCase(c)).kernels));
    const image = async () => emulatedImage(await moduleForAll!);
    return { context, image };
  } finally {
    delete process.env['DSLC_EMU_MAX_GRID_X'];
  }
}

if (reason) {
  skipBecause('CudaModel on the stand-in libcuda', reason);
} else {
  test('CudaModel on the stand-in driver matches the CPU reference, across batch and sequence sizes', async () => {
    const { context, image } = await standIn();
    assert.is(context.info.name, 'dslc host emulation');
    assert.equal(context.info.computeCapability, [8, 0]);
    for (const title of ['BertModel', 'BertForMaskedLM with labels', 'BertForMultipleChoice']) {
      const c = pick(title);
      const graph = compileCase(c);
      const weights = caseWeights(graph);
      const model = await CudaModel.load(graph, weights, { program: compileCuda(graph), image: await image(), context });
      try {
        // Smaller then larger than the first run: buffers are reused, then grown.
        for (const [seed, env] of [[1, ENV], [2, { ...ENV, B: 1, S: 3 }], [3, { ...ENV, B: 3, S: 7 }]] as const) {
          const inputs = caseInputs(c, graph, seed, env);
          assertOutputs(await model.forward(inputs), runGraph(graph, inputs, weights), 1e-4);
        }
      } finally {
        model.dispose();
      }
    }
  });

  test('grids folded by the device limit (stand-in with 3 blocks in x) still match', async () => {
    const { context, image } = await standIn(3);
    assert.is(context.info.maxGridX, 3);
    const c = pick('BertForSequenceClassification with labels');
    const graph = compileCase(c);
    const weights = caseWeights(graph);
    const inputs = caseInputs(c, graph, 4);
    const model = await CudaModel.load(graph, weights, { program: compileCuda(graph), image: await image(), context });
    assertOutputs(await model.forward(inputs), runGraph(graph, inputs, weights), 1e-4);
    assert.ok((await model.time(inputs, 2, 1)) > 0, 'event timing');
    assert.ok(model.kernelAttributes().every((k) => k.entry.length > 0));
    model.dispose();
    await rejects(() => model.forward(inputs), /this model was disposed/);
  });

  test('inputs and weights are checked on the host with the CPU reference messages', async () => {
    const { context, image } = await standIn();
    const c = pick('BertModel');
    const graph = compileCase(c);
    const weights = caseWeights(graph);
    const program = compileCuda(graph);
    const model = await CudaModel.load(graph, weights, { program, image: await image(), context });
    const inputs = caseInputs(c, graph);
    const bad = { ...inputs, input_ids: { ...inputs['input_ids']!, data: Int32Array.from(inputs['input_ids']!.data, (v, i) => (i === 3 ? 999 : v)) } };
    let cpu = '';
    try {
      runGraph(graph, bad, weights);
    } catch (e) {
      cpu = (e as Error).message;
    }
    assert.ok(cpu.length > 0);
    await rejects(() => model.forward(bad), new RegExp(cpu.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    model.dispose();
    const [first] = weights.keys();
    const missing = new Map([...weights].slice(1));
    let cpuLoad = '';
    try {
      runGraph(graph, inputs, missing);
    } catch (e) {
      cpuLoad = (e as Error).message;
    }
    const img = await image();
    await rejects(() => CudaModel.load(graph, missing, { program, image: img, context }), new RegExp(first!.replace(/\./g, '\\.')));
    assert.ok(cpuLoad.includes(first!), cpuLoad);
  });

  test('driver errors carry the driver call, error name and text', async () => {
    const { context, image } = await standIn();
    const module = context.loadModule(await image());
    try {
      context.kernel(module, 'no_such_kernel');
      assert.unreachable();
    } catch (e) {
      assert.instance(e, CudaError);
      assert.match((e as Error).message, /^cuModuleGetFunction failed: CUDA_ERROR_NOT_FOUND \(500\)/);
    }
    context.unloadModule(module);
    assert.throws(() => context.loadModule(new TextEncoder().encode('.version 9.0\n\0')), /cuModuleLoadData failed: CUDA_ERROR_INVALID_IMAGE/);
  });
}

test.run();
