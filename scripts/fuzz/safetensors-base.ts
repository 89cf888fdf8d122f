/**
 * The safetensors fuzzer's starting point: a valid file of a few small tensors (F32, F16, BF16, I64, I32, an empty
 * one, a scalar), its header as JSON, and the helpers and edge values the mutations build on.
 */
import type { ExpectedParam } from '../../runtime/weights/bind.ts';
import { encodeSafetensors, type TensorToWrite } from '../../runtime/weights/safetensors-writer.ts';
import type { Rng } from './rng.ts';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface Spec {
  readonly name: string;
  readonly dtype: TensorToWrite['dtype'];
  readonly shape: number[];
  readonly param: 'f32' | 'i32';
}

export const SPECS: readonly Spec[] = [
  { name: 'embeddings.word_embeddings.weight', dtype: 'F32', shape: [6, 4], param: 'f32' },
  { name: 'embeddings.LayerNorm.weight', dtype: 'F32', shape: [4], param: 'f32' },
  { name: 'embeddings.LayerNorm.bias', dtype: 'F32', shape: [4], param: 'f32' },
  { name: 'encoder.layer.0.dense.weight', dtype: 'F16', shape: [4, 4], param: 'f32' },
  { name: 'encoder.layer.0.dense.bias', dtype: 'BF16', shape: [4], param: 'f32' },
  { name: 'position_ids', dtype: 'I64', shape: [1, 6], param: 'i32' },
  { name: 'token_type_ids', dtype: 'I32', shape: [2], param: 'i32' },
  { name: 'empty', dtype: 'F32', shape: [0, 4], param: 'f32' },
  { name: 'scale', dtype: 'F32', shape: [], param: 'f32' },
];

export const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** A valid file: the specs above with random data, optionally under a prefix or with legacy LayerNorm names. */
export function baseFile(rng: Rng): { bytes: Uint8Array; names: string[]; expected: ExpectedParam[]; variant: string; changed: boolean } {
  const prefix = rng.chance(0.2) ? 'bert.' : '';
  const legacy = rng.chance(0.15);
  const tensors: Record<string, TensorToWrite> = {};
  const names: string[] = [];
  for (const s of SPECS) {
    let name = `${prefix}${s.name}`;
    if (legacy && name.endsWith('LayerNorm.weight')) name = name.replace(/weight$/, 'gamma');
    if (legacy && name.endsWith('LayerNorm.bias')) name = name.replace(/bias$/, 'beta');
    const n = count(s.shape);
    const data =
      s.dtype === 'I64' ? BigInt64Array.from({ length: n }, () => BigInt(rng.range(-1000, 1000)))
      : s.dtype === 'I32' ? Int32Array.from({ length: n }, () => rng.range(-1000, 1000))
      : Float32Array.from({ length: n }, () => (rng.next() - 0.5) * 10 ** rng.range(-4, 4));
    tensors[name] = { dtype: s.dtype, shape: s.shape, data };
    names.push(name);
  }
  const metadata = rng.chance(0.5) ? { format: 'pt' } : undefined;
  const bytes = encodeSafetensors(tensors, metadata);
  const expected: ExpectedParam[] = SPECS.map((s) => ({ name: s.name, shape: s.shape, dtype: s.param }));
  // Now and then the model asks for something the file lacks, or another shape/dtype: bind errors must be clear too.
  let changed = false;
  if (rng.chance(0.05)) {
    expected.push({ name: 'pooler.dense.weight', shape: [4, 4], dtype: 'f32' });
    changed = true;
  }
  if (rng.chance(0.05)) {
    expected[0] = { ...expected[0]!, shape: [4, 6] };
    changed = true;
  }
  if (rng.chance(0.05)) {
    expected[5] = { ...expected[5]!, dtype: 'f32' };
    changed = true;
  }
  // a tied parameter found through its alias: still binds
  if (rng.chance(0.03)) expected.push({ ...expected[1]!, name: 'tied.weight', aliases: [SPECS[1]!.name] });
  const variant = `${prefix ? 'prefixed ' : ''}${legacy ? 'legacy-named ' : ''}file${changed ? ' (model expects other tensors)' : ''}`;
  return { bytes, names, expected, variant, changed };
}

export function headerOf(bytes: Uint8Array): { length: number; json: Record<string, Json>; text: string } {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + length));
  return { length, json: JSON.parse(text) as Record<string, Json>, text };
}

/** A file from header text and data, with the 8-byte length set to the header's length unless `declared` is given. */
export function assemble(header: string | Uint8Array, data: Uint8Array, declared?: bigint): Uint8Array {
  const h = typeof header === 'string' ? new TextEncoder().encode(header) : header;
  const out = new Uint8Array(8 + h.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, declared ?? BigInt(h.byteLength), true);
  out.set(h, 8);
  out.set(data, 8 + h.byteLength);
  return out;
}

/** JSON text for a header object; keys are set with defineProperty so "__proto__" stays a key. */
export function toJson(entries: [string, Json][]): string {
  const obj: Record<string, Json> = {};
  for (const [k, v] of entries) Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
  return JSON.stringify(obj);
}

export function deepNest(depth: number, open: string, close: string, inner = '1'): string {
  return `${open.repeat(depth)}${inner}${close.repeat(depth)}`;
}

export function randomJson(rng: Rng, depth = 0): Json {
  return rng.weighted<() => Json>([
    [2, () => null],
    [2, () => rng.chance(0.5)],
    [3, () => rng.pick([0, 1, -1, 0.5, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, 2 ** 64, 4.9e-324, 1e21])],
    [3, () => rng.pick(['', 'F32', 'f32', 'x', '0', '[]', '😀', '\u0000', 'a'.repeat(rng.pick([10, 1000, 100_000]))])],
    [depth < 3 ? 2 : 0, () => Array.from({ length: rng.size(5) }, () => randomJson(rng, depth + 1))],
    [depth < 3 ? 2 : 0, () => Object.fromEntries(Array.from({ length: rng.size(4) }, (_, i) => [`k${i}`, randomJson(rng, depth + 1)]))],
  ])();
}

export const DTYPE_STRINGS = [
  'F32', 'F16', 'BF16', 'I64', 'I32', 'F64', 'I8', 'U8', 'BOOL', 'F8_E4M3', 'C64', 'U64', 'f32', 'float32', 'F 32', '', 'F32 ', 'Ｆ32',
  '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'F32\u0000', 'x'.repeat(10_000),
];
export const EDGE_INTS = [0, 1, -1, 2, 3, 7, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 32 + 1, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 2 ** 64, 1e308, -1e308, 0.5, 1.5, 4.000001, -0, 1e-7];
export const ODD_NAMES = [
  '', ' ', '__proto__', '__metadata__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '😀', 'é.weight', 'a\u0000b', 'a\nb', 'a"b', 'a\\b',
  '\ud800', '\udfff', '\u2028', '\uFEFF', '.', '..', '.weight', 'weight.', 'embeddings..weight', 'bert.', 'bert.bert.x', `${'n'.repeat(100_000)}`,
  `${'a.'.repeat(5000)}b`,
];

export type Mutation = (rng: Rng, ctx: Ctx) => { bytes: Uint8Array; what: string; blame?: string; mustLoad?: boolean };

export interface Ctx {
  readonly base: Uint8Array;
  readonly names: string[];
  readonly header: { length: number; json: Record<string, Json>; text: string };
  readonly data: Uint8Array;
}

/** Rebuilds the file after `edit` changed the header entries. */
export function withEntries(ctx: Ctx, edit: (entries: [string, Json][]) => void): Uint8Array {
  const entries = Object.entries(ctx.header.json) as [string, Json][];
  edit(entries);
  return assemble(toJson(entries), ctx.data);
}

export const tensorEntries = (entries: [string, Json][]) => entries.filter(([k]) => k !== '__metadata__');
