/**
 * What every pipeline shares: the context it runs in (tokenizer, labels, the model), argument checks whose messages
 * name the pipeline and the argument, and the small numerics of post-processing (in float64, as HF's numpy does).
 */
import type { HostTensor } from '../../backends/tensor.ts';
import { UserError } from '../../dsl/errors.ts';
import type { BertTokenizerFast } from '../tokenizer/bert-tokenizer-fast.ts';

export interface PipelineContext {
  /** The entry's module, e.g. `BertForMaskedLM`. */
  readonly entry: string;
  readonly tokenizer: BertTokenizerFast;
  /** The longest input in tokens: the model's position limit and the tokenizer's `model_max_length`. */
  readonly maxLength: number;
  /** The config the package was compiled for. */
  readonly config: Readonly<Record<string, unknown>>;
  /** `id2label[i]` from the checkpoint's config.json, else `LABEL_<i>` (HF's default). */
  label(i: number): string;
  /** Runs the model on token ids of shape `shape` (`[B, S]`, or `[B, C, S]` for multiple choice). */
  run(shape: readonly number[], rows: RowInputs): Promise<Record<string, HostTensor>>;
}

/** Flattened rows of token ids with their masks, as the tokenizer returns them (already padded). */
export interface RowInputs {
  readonly input_ids: readonly (readonly number[])[];
  readonly attention_mask?: readonly (readonly number[])[] | undefined;
  readonly token_type_ids?: readonly (readonly number[])[] | undefined;
}

/** A string with something in it; `what` is e.g. `fillMask: text`. */
export function checkText(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new UserError(`${what} must be a string, got ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`);
  if (v.trim() === '') throw new UserError(`${what} is empty`);
  return v;
}

export function checkPositiveInt(v: unknown, what: string): number {
  if (!Number.isInteger(v) || (v as number) < 1) throw new UserError(`${what} must be a positive integer, got ${JSON.stringify(v)}`);
  return v as number;
}

/** Rejects unknown option keys, so a typo (`top_k` for `topK`) does not silently do nothing. */
export function checkOptions<T extends object>(opts: T | undefined, known: readonly string[], what: string): Partial<T> {
  if (opts === undefined || opts === null) return {};
  if (typeof opts !== 'object' || Array.isArray(opts)) throw new UserError(`${what}: options must be an object, got ${Array.isArray(opts) ? 'an array' : typeof opts}`);
  for (const key of Object.keys(opts)) {
    if (!known.includes(key)) throw new UserError(`${what}: unknown option '${key}' (known: ${known.join(', ')})`);
  }
  return opts;
}

/** One of `choices`, or `dflt` when undefined. */
export function checkChoice<T extends string>(v: unknown, choices: readonly T[], dflt: T, what: string): T {
  if (v === undefined) return dflt;
  if (!choices.includes(v as T)) throw new UserError(`${what} must be ${choices.map((c) => `'${c}'`).join(' or ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

/** The output a pipeline reads, by API name; the package was built without it when absent. */
export function outputOf(out: Record<string, HostTensor>, names: readonly string[], ctx: PipelineContext): HostTensor {
  for (const n of names) if (out[n] !== undefined) return out[n]!;
  throw new UserError(`${ctx.entry} returned none of ${names.join(', ')}; rebuild the package from an unmodified spec`);
}

/** Softmax of `data[from .. from+n)` in float64. */
export function softmax(data: ArrayLike<number>, from: number, n: number): Float64Array {
  const out = new Float64Array(n);
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, data[from + i]!);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += out[i] = Math.exp(data[from + i]! - max);
  for (let i = 0; i < n; i++) out[i] /= sum;
  return out;
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Indices of the `k` largest scores, largest first; ties keep the lower index first (numpy's stable argsort). */
export function topIndices(scores: ArrayLike<number>, k: number): number[] {
  const idx = Array.from({ length: scores.length }, (_, i) => i);
  idx.sort((a, b) => scores[b]! - scores[a]! || a - b);
  return idx.slice(0, Math.min(k, idx.length));
}

/** The first index of the largest value (numpy's argmax). */
export function argmax(scores: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i]! > scores[best]!) best = i;
  return best;
}

/** Refuses token sequences the model cannot take, before running it. */
export function checkLength(n: number, ctx: PipelineContext, what: string): void {
  if (n > ctx.maxLength) throw new UserError(`${what} is ${n} tokens long with [CLS] and [SEP]; this model takes at most ${ctx.maxLength}`);
}
