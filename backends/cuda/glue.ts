/**
 * What a generated package needs from the CUDA backend: an executor that reads the program compiled at build time
 * (`program.json` and the module images, written by package.ts), loads libcuda through koffi, picks the cubin of the
 * device's architecture (else the PTX, which the driver JIT-compiles), binds the checkpoint's tensors exactly as the
 * CPU target does, and runs the graph with runtime/cuda's CudaModel.
 *
 * Only runtime/cuda/model.ts and its imports come along, loaded on demand: not load.ts, which brings the compiler.
 * Without a driver or device, loading fails with a UserError that starts "no CUDA device: ".
 */
import type { KernelResources } from './resources.ts';
import { graphFromJson, type GraphJson } from '../../compiler/ir/print.ts';
import { UserError } from '../../dsl/errors.ts';
import { type ExecutorFactory, readProgramJson } from '../../runtime/package-runtime.ts';
import { bindWeights } from '../../runtime/weights/bind.ts';
import type { CudaTarget } from './compile.ts';
import type { CudaKernel, CudaProgram } from './program.ts';

/** `program.json`: a CudaProgram without kernel sources (kernels.cu has them), with its image files by target. */
export type PackagedCudaProgram = Omit<CudaProgram, 'kernels'> & {
  readonly kernels: readonly Omit<CudaKernel, 'source'>[];
  readonly images: Readonly<Record<string, string>>;
  readonly nvcc: string;
  readonly resources: readonly KernelResources[];
};

const INSTEAD = 'this package was built with --target cuda; rebuild it with --target cpu or --target webgpu to run without an NVIDIA GPU';

/** The runtime's CUDA modules, or a UserError when koffi (the package's dependency) cannot be loaded. */
async function cudaRuntime() {
  try {
    const [driver, context, model] = await Promise.all([
      import('../../runtime/cuda/driver.ts'),
      import('../../runtime/cuda/context.ts'),
      import('../../runtime/cuda/model.ts'),
    ]);
    return { ...driver, ...context, ...model };
  } catch (e) {
    throw new UserError(`no CUDA device: the npm package koffi, which reaches libcuda, cannot be loaded (${(e as Error).message.split('\n')[0]}); install the package's dependencies, or ${INSTEAD.split('; ')[1]}`);
  }
}

export const cudaExecutor: ExecutorFactory = async (graphJson, manifest, files, opts, read) => {
  const cuda = await cudaRuntime();
  const status = cuda.cudaAvailable();
  if (status !== true) throw new UserError(`${status} (${INSTEAD})`);
  const graph = graphFromJson(graphJson as GraphJson);
  const packaged = await readProgramJson<PackagedCudaProgram>(read, 'dslc-cuda/1');
  const context = cuda.cudaContext();
  // Which image fits is decided from the names alone, so only that file is read.
  const names = new Map(Object.keys(packaged.images).map((t) => [t as CudaTarget, new Uint8Array()]));
  let target: CudaTarget;
  try {
    target = cuda.pickImage(names, context.info.computeCapability).target;
  } catch (e) {
    throw new UserError(`${(e as Error).message} (${context.info.name}); ${INSTEAD.split('; ')[1]}`);
  }
  const bytes = await read.bytes(packaged.images[target]!);
  const image = target.startsWith('compute_') ? Uint8Array.from([...bytes, 0]) : bytes;
  const program: CudaProgram = { ...packaged, kernels: packaged.kernels.map((k) => ({ ...k, source: '' })) };
  const onProgress = opts.onProgress;
  const bound = bindWeights(manifest.params, files, onProgress ? { onProgress: (done, total, name) => onProgress({ done, total, name }) } : {});
  const model = await cuda.CudaModel.load(graph, bound.tensors, { program, images: new Map([[target, image]]), context });
  const [major, minor] = context.info.computeCapability;
  return {
    device: `cuda: ${context.info.name} (sm_${major}${minor}, ${target.startsWith('compute_') ? `PTX ${target} JIT-compiled` : `cubin ${target}`})`,
    run: (inputs) => model.forward(inputs),
    dispose: () => model.dispose(),
  };
};
