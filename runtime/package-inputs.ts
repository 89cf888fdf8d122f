/**
 * Checking what a package user passes to `forward`, by the API's names (`inputIds`), before any backend runs.
 *
 * Backends check their inputs too, but in the model source's names and the IR's terms; the package's users should
 * read "inputIds[1][3] is 1200, outside [0, 1000)", not a message about node `input_ids`. This runs once per call for
 * every target, so each backend receives well-formed host tensors keyed by source name.
 */
import { dimEval, dimParse, dimSymbols } from '../compiler/ir/dim.ts';
import type { HostTensor, TensorData } from '../backends/tensor.ts';
import { UserError } from '../dsl/errors.ts';
import type { DType, Manifest, ManifestInput } from './package-api.ts';

const STORAGE = { f32: Float32Array, f16: Float32Array, bf16: Float32Array, i32: Int32Array, bool: Uint8Array } as const;

interface Given {
  readonly input: ManifestInput;
  readonly shape: number[];
  readonly data: TensorData;
}

const fmt = (shape: readonly (number | string)[]): string => `[${shape.join(', ')}]`;
const count = (n: number): string => `${n} value${n === 1 ? '' : 's'}`;

/** "a Float32Array", "a string", "null", "an object without shape and data" — what the caller passed, in words. */
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (ArrayBuffer.isView(v)) return /^[AEIOU]/.test(v.constructor.name) ? `an ${v.constructor.name}` : `a ${v.constructor.name}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}...` : v)}`;
  if (typeof v === 'object') return 'an object without shape and data';
  return `${typeof v === 'number' ? 'the number' : `a ${typeof v}`} ${String(v)}`;
}

function expected(input: ManifestInput): string {
  const rank = input.shape.length;
  const storage = STORAGE[input.dtype].name;
  const nested = rank === 0 ? 'a number' : `${rank === 1 ? 'an array' : `${rank}-d nested arrays`} of ${input.dtype === 'i32' || input.dtype === 'bool' ? 'integers' : 'numbers'}`;
  return `${input.jsName} (${input.dtype} ${fmt(input.shape)}) must be ${nested}, ${rank > 0 ? `a flat ${storage} (one row), ` : ''}or { shape, data: ${storage} }`;
}

/** Flattens nested arrays of rank `rank`, naming the first ragged row or bad element by its index path. */
function flatten(input: ManifestInput, value: readonly unknown[]): Given {
  const rank = input.shape.length;
  const shape: number[] = [];
  let level: unknown = value;
  for (let d = 0; d < rank; d++) {
    if (!Array.isArray(level)) {
      throw new UserError(`${input.jsName}${'[0]'.repeat(d)} is ${describe(level)}, but ${input.jsName} is a ${rank}-d array ${fmt(input.shape)}`);
    }
    shape.push(level.length);
    level = level[0];
    if (shape[d] === 0) break; // an empty batch: reported with its shape by checkShapes
  }
  while (shape.length < rank) shape.push(0);
  const data = new STORAGE[input.dtype](shape.reduce((a, b) => a * b, 1));
  const integer = input.dtype === 'i32' || input.dtype === 'bool';
  let at = 0;
  const walk = (v: unknown, d: number, path: string): void => {
    if (d === rank) {
      if (typeof v !== 'number') throw new UserError(`${input.jsName}${path} is ${describe(v)}, not a number`);
      if (integer && !Number.isInteger(v)) throw new UserError(`${input.jsName}${path} is ${v}, but ${input.dtype} values must be integers`);
      data[at++] = v;
      return;
    }
    if (!Array.isArray(v)) throw new UserError(`${input.jsName}${path} is ${describe(v)}, but ${input.jsName} is a ${rank}-d array ${fmt(input.shape)}`);
    if (v.length !== shape[d]) {
      const first = `${input.jsName}${path.replace(/\[\d+\]$/, '[0]')}`;
      throw new UserError(
        `${input.jsName}${path} has ${count(v.length)} but ${first} has ${count(shape[d]!)}; rows must all have the same length (pad the shorter ones)`,
      );
    }
    v.forEach((x, i) => walk(x, d + 1, `${path}[${i}]`));
  };
  walk(value, 0, '');
  return { input, shape, data };
}

/** One input value (nested arrays, a flat typed array, or `{ shape, data }`) as a tensor of the input's dtype. */
function toTensor(input: ManifestInput, value: unknown): Given {
  const rank = input.shape.length;
  const Storage = STORAGE[input.dtype];
  if (Array.isArray(value)) return flatten(input, value);
  if (rank === 0 && typeof value === 'number') return flatten(input, [value]);
  if (ArrayBuffer.isView(value)) {
    if (!(value instanceof Storage)) throw new UserError(`${expected(input)}; got ${describe(value)}`);
    return { input, shape: [...Array<number>(Math.max(rank - 1, 0)).fill(1), ...(rank > 0 ? [value.length] : [])], data: value };
  }
  if (typeof value !== 'object' || value === null || !('shape' in value) || !('data' in value)) {
    throw new UserError(`${expected(input)}; got ${describe(value)}`);
  }
  const t = value as { dtype?: unknown; shape: unknown; data: unknown };
  if (!Array.isArray(t.shape) || t.shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new UserError(`${input.jsName}.shape must be an array of non-negative integers, got ${JSON.stringify(t.shape)}`);
  }
  if (t.shape.length !== rank) throw new UserError(`${input.jsName}.shape is ${fmt(t.shape)} but ${input.jsName} is ${rank}-d ${fmt(input.shape)}`);
  if (t.dtype !== undefined && t.dtype !== input.dtype) throw new UserError(`${input.jsName}.dtype is ${String(t.dtype)} but ${input.jsName} is ${input.dtype}`);
  if (!(t.data instanceof Storage)) throw new UserError(`${input.jsName}.data must be ${describe(new Storage(0))} (${input.dtype}), got ${describe(t.data)}`);
  const size = (t.shape as number[]).reduce((a, b) => a * b, 1);
  if (t.data.length !== size) throw new UserError(`${input.jsName}.data has ${t.data.length} values but shape ${fmt(t.shape)} needs ${size}`);
  return { input, shape: [...(t.shape as number[])], data: t.data };
}

/** Binds the symbolic dims (B, S, ...) from the inputs' shapes; checks every input against them and the constraints. */
function checkShapes(manifest: Manifest, given: readonly Given[]): void {
  const env: Record<string, number> = {};
  const from: Record<string, string> = {};
  for (const g of given) {
    if (g.shape.some((d) => d === 0)) {
      throw new UserError(`${g.input.jsName} is empty (shape ${fmt(g.shape)}, ${fmt(g.input.shape)}): every dimension needs at least 1; an empty batch cannot run`);
    }
    g.input.shape.forEach((text, axis) => {
      const dim = dimParse(text);
      const syms = dimSymbols(dim);
      if (syms.length === 1 && text === syms[0] && env[text] === undefined) {
        env[text] = g.shape[axis]!;
        from[text] = g.input.jsName;
      }
      if (!syms.every((s) => env[s] !== undefined) || dimEval(dim, env) === g.shape[axis]) return;
      const want = g.input.shape.map((t) => {
        const d = dimParse(t);
        return dimSymbols(d).every((s) => env[s] !== undefined) ? dimEval(d, env) : t;
      });
      const why = syms.filter((s) => from[s] !== g.input.jsName).map((s) => `${s} = ${env[s]} from ${from[s]}`);
      throw new UserError(`${g.input.jsName} has shape ${fmt(g.shape)}, but ${fmt(g.input.shape)} = ${fmt(want)} is expected${why.length ? ` (${why.join(', ')})` : ''}`);
    });
  }
  for (const c of manifest.constraints) {
    const dim = dimParse(c.dim);
    const syms = dimSymbols(dim);
    if (!syms.every((s) => env[s] !== undefined)) continue;
    const v = dimEval(dim, env);
    if (v > c.max) throw new UserError(`${c.message}: ${c.dim} = ${v} (from ${syms.map((s) => from[s]).join(', ')}), at most ${c.max}`);
  }
}

/** Index path of flat position `i` in `shape`, as `[1][3]`. */
function indexPath(i: number, shape: readonly number[]): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(i % shape[d]!);
    i = Math.floor(i / shape[d]!);
  }
  return idx.map((k) => `[${k}]`).join('');
}

function checkValues(g: Given): void {
  const { input, data } = g;
  const [lo, hi] = input.range ?? [-Infinity, Infinity];
  const float = input.dtype === 'f32' || input.dtype === 'f16' || input.dtype === 'bf16';
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    const where = `${input.jsName}${indexPath(i, g.shape)} is ${v}`;
    if (float && !Number.isFinite(v)) throw new UserError(`${where}, but ${input.dtype} inputs must be finite`);
    if (input.dtype === 'bool' && v > 1) throw new UserError(`${where}, but bool values are 0 or 1`);
    if (v < lo || v >= hi) {
      throw new UserError(`${where}, outside [${lo}, ${hi})${input.rangeText ? ` (the model declares ${input.name} in ${input.rangeText})` : ''}`);
    }
  }
}

/**
 * Validates `forward`'s argument against the manifest and converts it to host tensors keyed by source name. Omitted
 * inputs with a fill value are left out: each backend fills them. Throws a UserError naming the argument.
 */
export function checkInputs(manifest: Manifest, inputs: unknown): Record<string, HostTensor> {
  const names = manifest.inputs.map((i) => i.jsName).join(', ');
  if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs) || ArrayBuffer.isView(inputs)) {
    throw new UserError(`forward expects an object of named inputs (${names}), got ${describe(inputs)}`);
  }
  const record = inputs as Readonly<Record<string, unknown>>;
  for (const key of Object.keys(record)) {
    if (manifest.inputs.some((i) => i.jsName === key)) continue;
    const same = manifest.inputs.find((i) => i.name === key || i.jsName.toLowerCase() === key.toLowerCase());
    throw new UserError(`unknown input ${key}${same ? ` (did you mean ${same.jsName}?)` : ''}; ${manifest.entry.split('.')[0]} takes ${names}`);
  }
  const given: Given[] = [];
  for (const input of manifest.inputs) {
    const value = record[input.jsName];
    if (value !== undefined) given.push(toTensor(input, value));
    else if (input.fill === undefined) throw new UserError(`missing input ${input.jsName} (${input.dtype} ${fmt(input.shape)})`);
  }
  checkShapes(manifest, given);
  for (const g of given) checkValues(g);
  return Object.fromEntries(given.map((g) => [g.input.name, { dtype: g.input.dtype as DType, shape: g.shape, data: g.data }]));
}
