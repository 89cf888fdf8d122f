/**
 * Shared by the WebGPU tests: the device (or, without one, a loud failure in CI and a printed skip elsewhere), and
 * running a graph on the GPU next to the CPU reference.
 */
import * as assert from 'uvu/assert';
import { runGraph } from '../../../backends/cpu/index.ts';
import type { HostTensor } from '../../../backends/tensor.ts';
import type { Graph } from '../../../compiler/ir/graph.ts';
import { closeWebGpu, type GpuContext, loadWebGpuModel, webgpuContext } from '../../../runtime/webgpu/index.ts';

export type Weights = Map<string, Float32Array | Int32Array>;

const inCI = (): boolean => /^(1|true|yes)$/i.test(process.env['CI'] ?? '');
let announced = false;

/**
 * The shared WebGPU context, or undefined when this machine has no adapter and we are not in CI (the caller then
 * returns early). In CI a missing adapter fails the test with the runtime's explanation.
 */
export async function gpu(): Promise<GpuContext | undefined> {
  try {
    const context = await webgpuContext();
    if (!announced) console.log(`\n  WebGPU adapter: ${context.adapterName}`);
    announced = true;
    return context;
  } catch (e) {
    if (inCI()) throw e;
    if (!announced) console.log(`\n  SKIPPING WebGPU tests (set CI=true to make this a failure): ${(e as Error).message}`);
    announced = true;
    return undefined;
  }
}

// One device for the whole test process (pipelines are cached on it); destroyed when the process is about to exit.
process.once('beforeExit', () => void closeWebGpu());

/** Compares two outputs: floats by relative error (‖a − b‖ / ‖b‖), integers and booleans exactly; returns the error. */
export function assertMatches(name: string, got: HostTensor, want: HostTensor, tol = 1e-4): number {
  assert.equal(got.shape, want.shape, `${name}: shape`);
  assert.is(got.dtype, want.dtype, `${name}: dtype`);
  assert.is(got.data.constructor, want.data.constructor, `${name}: storage`);
  if (got.dtype !== 'f32') {
    const bad = want.data.findIndex((v, i) => got.data[i] !== v);
    assert.is(bad, -1, `${name}: first difference at ${bad}: ${got.data[bad]} vs ${want.data[bad]}`);
    return 0;
  }
  // ‖got − want‖ / ‖want‖ over the positions where want is not NaN (NaN must then be NaN on both sides)
  let num = 0;
  let den = 0;
  for (let i = 0; i < want.data.length; i++) {
    const w = want.data[i]!;
    const g = got.data[i]!;
    if (Number.isNaN(w) || Number.isNaN(g)) {
      assert.ok(Number.isNaN(w) && Number.isNaN(g), `${name}: NaN at ${i} on one side only (${g} vs ${w})`);
      continue;
    }
    num += (g - w) ** 2;
    den += w ** 2;
  }
  const err = num === 0 ? 0 : Math.sqrt(num / den);
  assert.ok(err <= tol, `${name}: relative error ${err.toExponential(2)} > ${tol}`);
  return err;
}

/** Runs `graph` on the CPU reference and on a WebGPU model, compares every output and returns the worst error. */
export async function compareWithCpu(graph: Graph, inputs: Record<string, HostTensor>, weights: Weights = new Map(), tol = 1e-4): Promise<number> {
  if (!(await gpu())) return 0;
  const want = runGraph(graph, inputs, weights);
  const model = await loadWebGpuModel(graph, weights);
  try {
    const got = await model.forward(inputs);
    assert.equal(Object.keys(got).sort(), Object.keys(want).sort(), 'output names');
    return Math.max(0, ...Object.keys(want).map((name) => assertMatches(name, got[name]!, want[name]!, tol)));
  } finally {
    model.dispose();
  }
}

/** The same error (class name and message) from the CPU reference and from the WebGPU model. */
export async function sameError(graph: Graph, inputs: Record<string, HostTensor>, weights: Weights = new Map()): Promise<string> {
  let cpu: Error | undefined;
  try {
    runGraph(graph, inputs, weights);
  } catch (e) {
    cpu = e as Error;
  }
  assert.ok(cpu, 'the CPU reference accepted the inputs');
  if (!(await gpu())) return cpu!.message;
  let gpuError: Error | undefined;
  try {
    const model = await loadWebGpuModel(graph, weights);
    try {
      await model.forward(inputs);
    } finally {
      model.dispose();
    }
  } catch (e) {
    gpuError = e as Error;
  }
  assert.ok(gpuError, `WebGPU accepted what the CPU rejected: ${cpu!.message}`);
  assert.is(gpuError!.name, cpu!.name);
  assert.is(gpuError!.message, cpu!.message);
  return cpu!.message;
}
