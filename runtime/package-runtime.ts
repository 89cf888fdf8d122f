/**
 * The runtime of generated packages (declared in package-api.ts): loads a package's graph and manifest, opens the
 * checkpoint, checks each call's inputs by their API names, and runs the executor of the manifest's target.
 *
 * Backend-agnostic: an executor is whatever binds the weights once and runs the graph per call; a backend plugs in by
 * adding itself to EXECUTORS, and reads what it compiled at build time through the PackageReader it is given.
 */
import type { HostTensor } from '../backends/tensor.ts';
import { isUserError, UserError } from '../dsl/errors.ts';
import type * as Api from './package-api.ts';
import { checkInputs } from './package-inputs.ts';
import { openCheckpointSource, readPackageBytes, readPackageText } from './package-sources.ts';
import { readCheckpointTexts, type CheckpointTexts } from './pipelines/files.ts';
import { PipelineModel } from './pipelines/model.ts';
import type { SafetensorsFile } from './weights/safetensors-bytes.ts';

export { UserError };

/** A graph bound to its weights on one backend. */
export interface Executor {
  /** Inputs are checked host tensors keyed by source name; omitted ones with a fill value are absent. */
  run(inputs: Readonly<Record<string, HostTensor>>): Promise<Record<string, HostTensor>>;
  dispose(): void;
  /** What runs the graph, when there is more to say than the target (e.g. `webgpu: <adapter name>`). */
  readonly device?: string;
}

/**
 * Reads one of the package's own files (e.g. `program.json`) as text, or with `.bytes` as bytes (e.g. a cubin): what a
 * target compiled at build time.
 */
export interface PackageReader {
  (name: string): Promise<string>;
  bytes(name: string): Promise<Uint8Array>;
}

/** A target's `program.json`: parsed, and refused with a rebuild hint when it is not JSON or not of `format`. */
export async function readProgramJson<T extends { readonly format: string }>(read: PackageReader, format: T['format']): Promise<T> {
  let packaged: T;
  try {
    packaged = JSON.parse(await read('program.json')) as T;
  } catch (e) {
    throw e instanceof SyntaxError ? new UserError(`program.json: invalid JSON (${e.message}); rebuild the package`) : e;
  }
  if (packaged.format !== format) throw new UserError(`program.json: format is ${JSON.stringify(packaged.format)}, expected ${JSON.stringify(format)} (rebuild the package)`);
  return packaged;
}

/** Makes an executor from the graph JSON and the opened checkpoint files (closed by the caller afterwards). */
export type ExecutorFactory = (
  graph: unknown,
  manifest: Api.Manifest,
  files: readonly SafetensorsFile[],
  opts: Api.LoadOptions,
  read: PackageReader,
) => Promise<Executor>;

/** Loaded on demand, so a package evaluates only the backend it was built for. */
const EXECUTORS: Readonly<Record<string, () => Promise<ExecutorFactory>>> = {
  cpu: async () => (await import('../backends/cpu/glue.ts')).cpuExecutor,
  webgpu: async () => (await import('../backends/wgsl/glue.ts')).webgpuExecutor,
  cuda: async () => (await import('../backends/cuda/glue.ts')).cudaExecutor,
};

function checkManifest(m: unknown): Api.Manifest {
  const format = (m as { format?: unknown } | null)?.format;
  if (format !== 'dslc-package/1') throw new UserError(`manifest.json: format is ${JSON.stringify(format)}, expected "dslc-package/1" (rebuild the package)`);
  return m as Api.Manifest;
}

async function loadPackageFiles(pkg: Api.PackageSource): Promise<{ graph: unknown; manifest: Api.Manifest }> {
  if (!(pkg instanceof URL)) return { graph: pkg.graph, manifest: checkManifest(pkg.manifest) };
  const parse = async (name: string): Promise<unknown> => {
    const text = await readPackageText(pkg, name);
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new UserError(`${new URL(name, pkg).href}: invalid JSON (${(e as Error).message}); rebuild the package`);
    }
  };
  const [manifest, graph] = await Promise.all([parse('manifest.json'), parse('graph.json')]);
  return { graph, manifest: checkManifest(manifest) };
}

/** Reads the package's own files next to graph.json; a package given as objects has none. */
function packageReader(pkg: Api.PackageSource, manifest: Api.Manifest): PackageReader {
  if (pkg instanceof URL) return Object.assign((name: string) => readPackageText(pkg, name), { bytes: (name: string) => readPackageBytes(pkg, name) });
  const missing = async (name: string): Promise<never> => {
    throw new UserError(`a '${manifest.target}' package needs its file ${name}: load it from its folder's URL, not from objects`);
  };
  return Object.assign(missing, { bytes: missing });
}

/** Executors still name inputs as the source does; say them the way the caller wrote them. */
function inApiNames(e: unknown, manifest: Api.Manifest): unknown {
  if (!isUserError(e)) return e;
  let message = e.message;
  for (const i of manifest.inputs) message = message.split(`"${i.name}"`).join(i.jsName);
  return message === e.message ? e : new UserError(message);
}

/** A model with its weights bound; its pipelines (runtime/pipelines/) sit on top of `forward`. */
class LoadedModel extends PipelineModel {
  #executor: Executor | undefined;
  readonly device: string;

  constructor(
    readonly manifest: Api.Manifest,
    executor: Executor,
    files: CheckpointTexts,
  ) {
    super(files);
    this.#executor = executor;
    this.device = executor.device ?? manifest.target;
  }

  get config(): Readonly<Record<string, unknown>> {
    return this.manifest.config;
  }

  async forward(inputs: object): Promise<Record<string, HostTensor>> {
    const executor = this.#executor;
    if (!executor) throw new UserError(`this model was disposed; call ${this.manifest.loader}() again to run it`);
    const host = checkInputs(this.manifest, inputs);
    let out: Record<string, HostTensor>;
    try {
      out = await executor.run(host);
    } catch (e) {
      throw inApiNames(e, this.manifest);
    }
    const result: Record<string, HostTensor> = {};
    for (const o of this.manifest.outputs) if (out[o.name] !== undefined) result[o.jsName] = out[o.name]!;
    return result;
  }

  dispose(): void {
    this.#executor?.dispose();
    this.#executor = undefined;
  }
}

export async function openPackage<I extends object, O extends object, C = Readonly<Record<string, unknown>>, P extends object = object>(
  pkg: Api.PackageSource,
  checkpoint: Api.CheckpointSource,
  opts: Api.LoadOptions = {},
): Promise<Api.PackageModel<I, O, C> & P> {
  const { graph, manifest } = await loadPackageFiles(pkg);
  const executorOf = EXECUTORS[manifest.target];
  if (!executorOf) throw new UserError(`this package targets '${manifest.target}', which this runtime cannot run (it runs ${Object.keys(EXECUTORS).join(', ')})`);
  if (opts.onProgress !== undefined && typeof opts.onProgress !== 'function') throw new UserError('opts.onProgress must be a function');
  const factory = await executorOf();
  // A bundle holds its own target's executor only (backends/glue/bundle.ts): the others load as empty modules.
  if (typeof factory !== 'function') throw new UserError(`this package's bundle cannot run target '${manifest.target}'; rebuild the package`);
  const [files, texts] = await Promise.all([openCheckpointSource(checkpoint), readCheckpointTexts(checkpoint)]);
  try {
    // The glue states I, O, C and P from the same manifest the runtime checks every call against.
    return new LoadedModel(manifest, await factory(graph, manifest, files, opts, packageReader(pkg, manifest)), texts) as unknown as Api.PackageModel<I, O, C> & P;
  } finally {
    for (const f of files) f.close();
  }
}

// Keeps the implementation and the declarations shipped as runtime.d.ts in step.
openPackage satisfies typeof Api.openPackage;
UserError satisfies typeof Api.UserError;
