/**
 * Our side of the race: the same BertModel graph, optimised with the passes `dslc build` runs by default, bound to
 * the checkpoint and run by the WebGPU runtime (Dawn from the npm `webgpu` package, over SwiftShader here), or by the
 * CPU reference interpreter (the oracle every peer's output is compared with).
 */
import type { HostTensor } from '../../../backends/tensor.ts';
import { optimizeGraph, passOptions } from '../../../compiler/pipeline.ts';
import { expectedParams, loadCpuModel } from '../../../runtime/cpu-model.ts';
import { loadWebGpuModel } from '../../../runtime/webgpu/index.ts';
import { bindWeights } from '../../../runtime/weights/bind.ts';
import { openCheckpoint } from '../../../runtime/weights/checkpoint.ts';
import type { SameModel } from './same-model.ts';

export interface Runner {
  /** The device in words, e.g. `webgpu: SwiftShader Device (Subzero) ...`. */
  readonly device: string;
  /** Runs one forward pass and returns last_hidden_state. */
  run(): Promise<Float32Array>;
  close(): Promise<void>;
}

/** The passes `dslc build` runs unless told otherwise. */
export const BUILD_PASSES = 'all';

export async function oursWebGpu(m: SameModel, passes = BUILD_PASSES): Promise<Runner> {
  const graph = optimizeGraph(m.graph, passOptions(passes)).graph;
  const files = openCheckpoint(m.dir);
  let weights: Map<string, Float32Array | Int32Array>;
  try {
    weights = bindWeights(expectedParams(graph), files).tensors;
  } finally {
    for (const f of files) f.close();
  }
  const model = await loadWebGpuModel(graph, weights);
  return {
    device: `webgpu: ${model.adapterName}`,
    run: async () => (await model.forward(m.inputs as Record<string, HostTensor>))['last_hidden_state']!.data as Float32Array,
    close: async () => model.dispose(),
  };
}

/** The CPU reference's last_hidden_state (float64 accumulation), the oracle for every row's error. */
export function oursCpuReference(m: SameModel): Float32Array {
  return loadCpuModel(m.graph, m.dir).forward(m.inputs)['last_hidden_state']!.data as Float32Array;
}
