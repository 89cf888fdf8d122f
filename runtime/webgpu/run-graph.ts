/**
 * Compile-and-run conveniences for Node, tests and tools: they bring the WGSL compiler along, which
 * `WebGpuModel` alone does not (a generated package ships a compiled program instead).
 */
import type { HostTensor } from '../../backends/tensor.ts';
import { compileWgsl } from '../../backends/wgsl/program.ts';
import type { Graph } from '../../compiler/ir/graph.ts';
import { type WebGpuLoadOptions, WebGpuModel, type Weights } from './model.ts';

/** Compiles `graph` to WGSL and loads it with `weights`. */
export function loadWebGpuModel(graph: Graph, weights: Weights, opts: WebGpuLoadOptions = {}): Promise<WebGpuModel> {
  return WebGpuModel.load(graph, compileWgsl(graph), weights, opts);
}

/** Compiles, loads, runs once and disposes: the WebGPU counterpart of the CPU reference's `runGraph`. */
export async function runGraphWebGPU(
  graph: Graph,
  inputs: Readonly<Record<string, HostTensor>>,
  weights: Weights,
  opts: WebGpuLoadOptions = {},
): Promise<Record<string, HostTensor>> {
  const model = await loadWebGpuModel(graph, weights, opts);
  try {
    return await model.forward(inputs);
  } finally {
    model.dispose();
  }
}
