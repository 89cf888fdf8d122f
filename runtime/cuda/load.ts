/**
 * CudaModel with the compiler at hand: compiles the graph's CUDA program and builds its module images with nvcc
 * (cached, compile.ts) when the caller has none. Kept apart from model.ts so a generated package, which ships its
 * program and images, bundles the model without the compiler.
 */
import { compileCudaSource } from '../../backends/cuda/compile.ts';
import { compileCuda, cudaModuleSource } from '../../backends/cuda/program.ts';
import type { HostTensor } from '../../backends/tensor.ts';
import type { Graph } from '../../compiler/ir/graph.ts';
import { type CudaLoadOptions, CudaModel, type Weights } from './model.ts';

/** CudaModel.load, compiling the program and images first when `opts` lacks them. */
export async function loadCudaModel(graph: Graph, weights: Weights, opts: CudaLoadOptions = {}): Promise<CudaModel> {
  const program = opts.program ?? compileCuda(graph);
  const images = opts.images ?? (opts.image ? undefined : (await compileCudaSource(cudaModuleSource(program.kernels))).images);
  return CudaModel.load(graph, weights, { ...opts, program, ...(images ? { images } : {}) });
}

/** Loads, runs once and disposes: the CUDA counterpart of the CPU reference's `runGraph`. */
export async function runGraphCuda(graph: Graph, inputs: Readonly<Record<string, HostTensor>>, weights: Weights, opts: CudaLoadOptions = {}) {
  const model = await loadCudaModel(graph, weights, opts);
  try {
    return await model.forward(inputs);
  } finally {
    model.dispose();
  }
}
