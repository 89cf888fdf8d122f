/**
 * What a generated package needs from the CPU backend: an executor that binds the checkpoint's tensors to the graph's
 * parameters once at load, then evaluates the graph with the reference executor on each call, exactly as
 * runtime/cpu-model.ts does (so a package's outputs are bit-identical to `dslc run`'s).
 */
import { graphFromJson, type GraphJson } from '../../compiler/ir/print.ts';
import { UserError } from '../../dsl/errors.ts';
import type { ExecutorFactory } from '../../runtime/package-runtime.ts';
import { bindWeights } from '../../runtime/weights/bind.ts';
import { runGraph } from './executor.ts';

export const cpuExecutor: ExecutorFactory = async (graphJson, manifest, files, opts) => {
  const graph = graphFromJson(graphJson as GraphJson);
  const onProgress = opts.onProgress;
  const bound = bindWeights(manifest.params, files, onProgress ? { onProgress: (done, total, name) => onProgress({ done, total, name }) } : {});
  let weights: Map<string, Float32Array | Int32Array> | undefined = bound.tensors;
  return {
    run: async (inputs) => {
      if (!weights) throw new UserError('this model was disposed');
      return runGraph(graph, inputs, weights);
    },
    dispose: () => {
      weights = undefined;
    },
  };
};
