/**
 * The API of the runtime that generated packages call: declarations only, no code.
 *
 * `dslc build` copies this file verbatim into every package as `runtime.d.ts`, where it types the glue (`index.ts`)
 * and its users; runtime/package-runtime.ts implements it and is checked against it. So this file holds only what a
 * .d.ts may hold (interfaces, types, `declare`), imports nothing, and names nothing of the compiler.
 */

/** Element types. f16 and bf16 values are stored as the f32 numbers they round to. */
export type DType = 'f32' | 'f16' | 'bf16' | 'i32' | 'bool';

/** The typed array that holds each dtype. */
export interface StorageOf {
  f32: Float32Array;
  f16: Float32Array;
  bf16: Float32Array;
  i32: Int32Array;
  bool: Uint8Array;
}

/**
 * A dense, row-major tensor: element `[i, j]` of a `[R, C]` tensor is `data[i * C + j]`.
 *
 * @example
 * const { logits } = await model.forward({ inputIds: [[101, 7592, 102]] });
 * const [B, S, V] = logits.shape;
 * const row = logits.data.subarray((0 * S + 1) * V, (0 * S + 2) * V); // scores of batch 0, position 1
 */
export interface Tensor<D extends DType = DType> {
  readonly dtype: D;
  readonly shape: readonly number[];
  readonly data: StorageOf[D];
}

/** A tensor passed as an input; `dtype`, when given, must be the input's. */
export interface InputTensor<D extends DType = DType> {
  readonly dtype?: D;
  readonly shape: readonly number[];
  readonly data: StorageOf[D];
}

/** One input of the compiled entry point. */
export interface ManifestInput {
  /** The name in the model source, e.g. `input_ids`. */
  readonly name: string;
  /** The name in the package API, e.g. `inputIds`. */
  readonly jsName: string;
  readonly dtype: DType;
  /** Dimensions as written in the source once config values are known: symbols (`B`, `S`) or numbers. */
  readonly shape: readonly string[];
  /** The value an omitted input is filled with; absent when the input is required. */
  readonly fill?: number;
  /** Values must lie in `[lo, hi)`. */
  readonly range?: readonly [number, number];
  /** The range as the source writes it, e.g. `0..c.vocab_size`, for error messages. */
  readonly rangeText?: string;
}

/** One output of the compiled entry point. */
export interface ManifestOutput {
  readonly name: string;
  readonly jsName: string;
  readonly dtype: DType;
  readonly shape: readonly string[];
}

/** A checkpoint tensor the model needs, with its concrete shape. */
export interface ManifestParam {
  readonly name: string;
  /** Other checkpoint names that hold the same tensor. */
  readonly aliases?: readonly string[];
  readonly dtype: 'f32' | 'i32';
  readonly shape: readonly number[];
}

/** A condition on the symbolic dims checked before running, e.g. `S <= 512`. */
export interface ManifestConstraint {
  readonly dim: string;
  readonly max: number;
  readonly message: string;
}

/** `manifest.json`: what a package computes and what it needs, readable without the compiler. */
export interface Manifest {
  readonly format: 'dslc-package/1';
  /** The package name (from the model source's file name). */
  readonly name: string;
  /** The loader function the glue exports, e.g. `loadBert`. */
  readonly loader: string;
  /** The model source's file name, e.g. `bert.dsl`. */
  readonly source: string;
  /** The backend that runs the graph, e.g. `cpu`. */
  readonly target: string;
  /** The compiled function, e.g. `BertForMaskedLM.forward`. */
  readonly entry: string;
  /** Config values and module arguments the graph was specialised for. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly inputs: readonly ManifestInput[];
  readonly outputs: readonly ManifestOutput[];
  readonly constraints: readonly ManifestConstraint[];
  readonly params: readonly ManifestParam[];
}

/** Reported after each checkpoint tensor is read. */
export interface LoadProgress {
  readonly done: number;
  readonly total: number;
  /** The parameter just read, e.g. `bert.encoder.layer.0.attention.self.query.weight`. */
  readonly name: string;
}

export interface LoadOptions {
  readonly onProgress?: (progress: LoadProgress) => void;
}

/**
 * Where the weights are, in Hugging Face's layout (`model.safetensors`, or shards listed by
 * `model.safetensors.index.json`): a directory path (Node only), a directory or file URL (fetched; `file:` in Node),
 * or the files' bytes by file name. The pipelines also read `tokenizer.json` (or `vocab.txt`),
 * `tokenizer_config.json`, `special_tokens_map.json` and `config.json` from the same place when they are there.
 */
export type CheckpointSource = string | URL | Readonly<Record<string, Uint8Array | ArrayBuffer>>;

/** The package itself: its folder's URL (holding graph.json and manifest.json), or their parsed contents. */
export type PackageSource = URL | { readonly graph: unknown; readonly manifest: Manifest };

/** A loaded model. `I` and `O` are the glue's typed inputs and outputs; `C` its config. */
export interface PackageModel<I extends object, O extends object, C = Readonly<Record<string, unknown>>> {
  readonly manifest: Manifest;
  readonly config: C;
  /** What runs the graph: the target (`cpu`), or for WebGPU the adapter too, e.g. `webgpu: SwiftShader Device (…)`. */
  readonly device: string;
  /** Checks the inputs, then runs the graph; rejects with a UserError naming the argument on a bad input. */
  forward(inputs: I): Promise<O>;
  /** Releases the weights; later `forward` calls reject. Safe to call twice. */
  dispose(): void;
}

/**
 * Loads a package's graph, opens the checkpoint and binds its tensors with the executor of the manifest's target; the
 * checkpoint's tokenizer files and config.json are read too, for the pipelines. The generated glue calls this with
 * its own types (`P`: the tokenizer and the pipelines of its entry, from pipelines.d.ts); call the glue's loader
 * (e.g. `loadBert`) instead.
 *
 * @example
 * const model = await openPackage<MyInputs, MyOutputs>(new URL('./', import.meta.url), '/models/bert-base-uncased');
 */
export declare function openPackage<I extends object, O extends object, C = Readonly<Record<string, unknown>>, P extends object = object>(
  pkg: PackageSource,
  checkpoint: CheckpointSource,
  opts?: LoadOptions,
): Promise<PackageModel<I, O, C> & P>;

/** A mistake in what the caller passed (inputs, checkpoint, options); its message names the argument. */
export declare class UserError extends Error {
  readonly name: 'UserError';
}
