/**
 * What a generated package needs from the WebGPU backend: an executor that reads the program compiled at build time
 * (`program.json` and `kernels/*.wgsl`, written by package.ts), binds the checkpoint's tensors exactly as the CPU
 * target does, and runs the graph with runtime/webgpu's WebGpuModel on the process-wide device (Dawn from the npm
 * `webgpu` package in Node, `navigator.gpu` in a browser).
 *
 * Only runtime/webgpu/model.ts is imported, not its index: the index also brings the on-the-fly compiler, which a
 * package must not contain (the bundler checks).
 */
import { graphFromJson, type GraphJson } from '../../compiler/ir/print.ts';
import { type ExecutorFactory, type PackageReader, readProgramJson } from '../../runtime/package-runtime.ts';
import { WebGpuModel } from '../../runtime/webgpu/model.ts';
import { bindWeights } from '../../runtime/weights/bind.ts';
import type { WgslKernel, WgslProgram } from './program.ts';

/** `program.json`: a WgslProgram whose kernels name their `.wgsl` file instead of holding the text. */
export type PackagedProgram = Omit<WgslProgram, 'kernels'> & {
  readonly kernels: readonly (Omit<WgslKernel, 'code' | 'codeF16'> & { readonly file: string; readonly fileF16?: string })[];
};

async function readProgram(read: PackageReader): Promise<WgslProgram> {
  const packaged = await readProgramJson<PackagedProgram>(read, 'dslc-wgsl/1');
  const kernels = await Promise.all(
    packaged.kernels.map(async ({ file, fileF16, ...k }) => ({ ...k, code: await read(file), ...(fileF16 ? { codeF16: await read(fileF16) } : {}) })),
  );
  return { ...packaged, kernels };
}

export const webgpuExecutor: ExecutorFactory = async (graphJson, manifest, files, opts, read) => {
  const graph = graphFromJson(graphJson as GraphJson);
  const program = await readProgram(read);
  const onProgress = opts.onProgress;
  const bound = bindWeights(manifest.params, files, onProgress ? { onProgress: (done, total, name) => onProgress({ done, total, name }) } : {});
  const model = await WebGpuModel.load(graph, program, bound.tensors);
  return {
    device: `webgpu: ${model.adapterName}`,
    run: (inputs) => model.forward(inputs),
    dispose: () => model.dispose(),
  };
};
