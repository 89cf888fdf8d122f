/**
 * The safetensors fuzz target: bytes through `parseSafetensors` (or `openSafetensors` from a temp file), reading every
 * tensor (`read` and `readRaw`), then `bindWeights` against a small list of expected parameters.
 *
 * Every case starts from a valid file of a few small tensors (F32, F16, BF16, I64, I32, an empty one, a scalar) and
 * changes one region: the JSON header (structurally: wrong types, missing fields, edge-value dims and offsets, dtype
 * strings, duplicate, unicode and huge names, metadata, deep nesting, many entries; or as text), the 8-byte length,
 * a truncation in any region, random bytes, or bit flips in the data (which must still load: data is opaque).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bindWeights, type ExpectedParam } from '../../runtime/weights/bind.ts';
import { openSafetensors, parseSafetensors, type SafetensorsFile } from '../../runtime/weights/safetensors.ts';
import { encodeSafetensors, type TensorToWrite } from '../../runtime/weights/safetensors-writer.ts';
import { judgeError, OK, type Outcome } from './outcome.ts';
import type { Profile } from './dsl.ts';
import type { Rng } from './rng.ts';

export interface SafetensorsCase {
  readonly bytes: Uint8Array;
  readonly desc: string;
  readonly expected: readonly ExpectedParam[];
  /** The tensor the mutation was aimed at: a header error about it must name it. */
  readonly blame?: string;
  /** The file is valid (e.g. only data bits flipped): it must load, unless an I64 value no longer fits in int32. */
  readonly mustLoad: boolean;
  /** The file is valid and the expected parameters match it: binding must succeed too. */
  readonly mustBind: boolean;
  /** Read through a temp file with openSafetensors instead of from memory. */
  readonly onDisk: boolean;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface Spec {
  readonly name: string;
  readonly dtype: TensorToWrite['dtype'];
  readonly shape: number[];
  readonly param: 'f32' | 'i32';
}

const SPECS: readonly Spec[] = [
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

const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** A valid file: the specs above with random data, optionally under a prefix or with legacy LayerNorm names. */
function baseFile(rng: Rng): { bytes: Uint8Array; names: string[]; expected: ExpectedParam[]; variant: string; changed: boolean } {
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

function headerOf(bytes: Uint8Array): { length: number; json: Record<string, Json>; text: string } {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + length));
  return { length, json: JSON.parse(text) as Record<string, Json>, text };
}

/** A file from header text and data, with the 8-byte length set to the header's length unless `declared` is given. */
function assemble(header: string | Uint8Array, data: Uint8Array, declared?: bigint): Uint8Array {
  const h = typeof header === 'string' ? new TextEncoder().encode(header) : header;
  const out = new Uint8Array(8 + h.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, declared ?? BigInt(h.byteLength), true);
  out.set(h, 8);
  out.set(data, 8 + h.byteLength);
  return out;
}

/** JSON text for a header object; keys are set with defineProperty so "__proto__" stays a key. */
function toJson(entries: [string, Json][]): string {
  const obj: Record<string, Json> = {};
  for (const [k, v] of entries) Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
  return JSON.stringify(obj);
}

function deepNest(depth: number, open: string, close: string, inner = '1'): string {
  return `${open.repeat(depth)}${inner}${close.repeat(depth)}`;
}

function randomJson(rng: Rng, depth = 0): Json {
  return rng.weighted<() => Json>([
    [2, () => null],
    [2, () => rng.chance(0.5)],
    [3, () => rng.pick([0, 1, -1, 0.5, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, 2 ** 64, 4.9e-324, 1e21])],
    [3, () => rng.pick(['', 'F32', 'f32', 'x', '0', '[]', '😀', '\u0000', 'a'.repeat(rng.pick([10, 1000, 100_000]))])],
    [depth < 3 ? 2 : 0, () => Array.from({ length: rng.size(5) }, () => randomJson(rng, depth + 1))],
    [depth < 3 ? 2 : 0, () => Object.fromEntries(Array.from({ length: rng.size(4) }, (_, i) => [`k${i}`, randomJson(rng, depth + 1)]))],
  ])();
}

const DTYPE_STRINGS = [
  'F32', 'F16', 'BF16', 'I64', 'I32', 'F64', 'I8', 'U8', 'BOOL', 'F8_E4M3', 'C64', 'U64', 'f32', 'float32', 'F 32', '', 'F32 ', 'Ｆ32',
  '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'F32\u0000', 'x'.repeat(10_000),
];
const EDGE_INTS = [0, 1, -1, 2, 3, 7, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 32 + 1, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 2 ** 64, 1e308, -1e308, 0.5, 1.5, 4.000001, -0, 1e-7];
const ODD_NAMES = [
  '', ' ', '__proto__', '__metadata__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '😀', 'é.weight', 'a\u0000b', 'a\nb', 'a"b', 'a\\b',
  '\ud800', '\udfff', '\u2028', '\uFEFF', '.', '..', '.weight', 'weight.', 'embeddings..weight', 'bert.', 'bert.bert.x', `${'n'.repeat(100_000)}`,
  `${'a.'.repeat(5000)}b`,
];

type Mutation = (rng: Rng, ctx: Ctx) => { bytes: Uint8Array; what: string; blame?: string; mustLoad?: boolean };

interface Ctx {
  readonly base: Uint8Array;
  readonly names: string[];
  readonly header: { length: number; json: Record<string, Json>; text: string };
  readonly data: Uint8Array;
}

/** Rebuilds the file after `edit` changed the header entries. */
function withEntries(ctx: Ctx, edit: (entries: [string, Json][]) => void): Uint8Array {
  const entries = Object.entries(ctx.header.json) as [string, Json][];
  edit(entries);
  return assemble(toJson(entries), ctx.data);
}

const tensorEntries = (entries: [string, Json][]) => entries.filter(([k]) => k !== '__metadata__');

const HEADER_MUTATIONS: Mutation[] = [
  // an entry's field given a value of the wrong type or an edge value, or deleted
  (rng, ctx) => {
    const field = rng.pick(['dtype', 'shape', 'data_offsets']);
    let target = '';
    let what = '';
    const bytes = withEntries(ctx, (entries) => {
      const e = rng.pick(tensorEntries(entries));
      target = e[0];
      const entry = { ...(e[1] as Record<string, Json>) };
      const mode = rng.int(4);
      if (mode === 0) {
        delete entry[field];
        what = `delete "${field}"`;
      } else {
        const v = mode === 1 ? randomJson(rng) : field === 'dtype' ? rng.pick(DTYPE_STRINGS) : rng.pick([[], [rng.pick(EDGE_INTS)], [rng.pick(EDGE_INTS), rng.pick(EDGE_INTS)], [1, 2, 3], ['0', '4'], [null, 1]]);
        entry[field] = v;
        what = `"${field}" = ${JSON.stringify(v)?.slice(0, 60)}`;
      }
      e[1] = entry;
    });
    return { bytes, what: `tensor "${target.slice(0, 40)}": ${what}`, blame: target };
  },
  // a dim changed (offsets kept: the size check must catch it), or dims added/removed
  (rng, ctx) => {
    let target = '';
    let what = '';
    const bytes = withEntries(ctx, (entries) => {
      const e = rng.pick(tensorEntries(entries));
      target = e[0];
      const entry = { ...(e[1] as Record<string, Json>) };
      const shape = [...(entry['shape'] as number[])];
      const mode = rng.int(4);
      if (mode === 0 && shape.length > 0) shape[rng.int(shape.length)] = rng.pick(EDGE_INTS);
      else if (mode === 1) shape.push(rng.pick([1, 0, 2, 2 ** 53, 2 ** 40]));
      else if (mode === 2) shape.pop();
      else shape.push(...Array.from({ length: rng.pick([100, 10_000]) }, () => 1));
      entry['shape'] = shape;
      e[1] = entry;
      what = `shape -> [${shape.slice(0, 6).join(', ')}${shape.length > 6 ? `, … (${shape.length} dims)` : ''}]`;
    });
    return { bytes, what: `tensor "${target}": ${what}`, blame: target };
  },
  // offsets moved: negative, huge, swapped, fractional, past the end, overlapping another tensor
  (rng, ctx) => {
    let target = '';
    let what = '';
    const bytes = withEntries(ctx, (entries) => {
      const ts = tensorEntries(entries);
      const e = rng.pick(ts);
      target = e[0];
      const entry = { ...(e[1] as Record<string, Json>) };
      const [b, en] = entry['data_offsets'] as [number, number];
      const other = (rng.pick(ts)[1] as Record<string, Json>)['data_offsets'] as [number, number];
      const choices: [string, Json][] = [
        ['swapped', [en, b]],
        ['begin -1', [-1, en]],
        ['shifted by 1', [b + 1, en + 1]],
        ['shifted past the end', [b + ctx.data.byteLength, en + ctx.data.byteLength]],
        ['end huge', [b, 2 ** 53]],
        ['both huge', [2 ** 53 - 8, 2 ** 53]],
        ['past 2^53', [2 ** 60, 2 ** 60 + (en - b)]],
        ['fractional', [b + 0.5, en + 0.5]],
        ['overlapping another tensor', [other[0], other[0] + (en - b)]],
        ['same as another tensor', [...other]],
        ['single value', [b]],
        ['three values', [b, en, en]],
        ['strings', [String(b), String(en)]],
        ['1e308', [0, 1e308]],
      ];
      const [label, v] = rng.pick(choices);
      entry['data_offsets'] = v;
      e[1] = entry;
      what = `data_offsets ${label}: ${JSON.stringify(v)}`;
    });
    return { bytes, what: `tensor "${target}": ${what}`, blame: target };
  },
  // a tensor renamed (unicode, empty, reserved or huge names)
  (rng, ctx) => {
    const name = rng.pick(ODD_NAMES);
    let target = '';
    const bytes = withEntries(ctx, (entries) => {
      const ts = tensorEntries(entries);
      const e = rng.pick(ts);
      target = e[0];
      e[0] = name;
    });
    const shown = name.length > 40 ? `${JSON.stringify(name.slice(0, 20))}…(${name.length} chars)` : JSON.stringify(name);
    return { bytes, what: `tensor "${target}" renamed to ${shown}`, blame: name };
  },
  // a duplicate key (JSON.parse keeps the last one)
  (rng, ctx) => {
    const ts = tensorEntries(Object.entries(ctx.header.json) as [string, Json][]);
    const [name, entry] = rng.pick(ts);
    const other = rng.pick(ts)[1];
    const dup = `${JSON.stringify(name)}:${JSON.stringify(rng.chance(0.5) ? other : entry)}`;
    const text = ctx.header.text.trimEnd();
    const bytes = assemble(`${text.slice(0, -1)},${dup}}`, ctx.data);
    return { bytes, what: `tensor "${name}" listed twice`, blame: name };
  },
  // __metadata__ of the wrong shape
  (rng, ctx) => {
    const meta: Json = rng.pick<() => Json>([
      () => randomJson(rng),
      () => ({ format: 1 }),
      () => ({ format: null }),
      () => ({ nested: { a: 'b' } }),
      () => [],
      () => 'pt',
      () => ({ ['__proto__']: 'x' }),
      () => ({ big: 'm'.repeat(100_000) }),
    ])();
    const entries = (Object.entries(ctx.header.json) as [string, Json][]).filter(([k]) => k !== '__metadata__');
    entries.unshift(['__metadata__', meta]);
    return { bytes: assemble(toJson(entries), ctx.data), what: `__metadata__ = ${JSON.stringify(meta)?.slice(0, 60)}` };
  },
  // the whole header replaced: not an object, deeply nested, many entries
  (rng, ctx) => {
    const depth = rng.pick([1000, 100_000, 1_000_000]);
    const [text, what] = rng.pick<() => [string, string]>([
      () => ['[]', 'header is []'],
      () => ['null', 'header is null'],
      () => ['"F32"', 'header is a string'],
      () => ['1e999', 'header is 1e999'],
      () => ['{}', 'header is {}'],
      () => ['', 'header is empty'],
      () => [deepNest(depth, '[', ']'), `header is ${depth} nested arrays`],
      () => [`{"__metadata__": ${deepNest(depth, '[', ']')}}`, `__metadata__ is ${depth} nested arrays`],
      () => [`{"t": ${deepNest(depth, '{"a":', '}')}}`, `an entry is ${depth} nested objects`],
      () => [`{"t": {"dtype": "F32", "shape": ${deepNest(depth, '[', ']', '0')}, "data_offsets": [0, 0]}}`, `shape is ${depth} nested arrays`],
      () => [deepNest(depth, '[', ''), `header is ${depth} unclosed brackets`],
      () => {
        const n = rng.pick([1000, 20_000]);
        const entries: [string, Json][] = Array.from({ length: n }, (_, i) => [`t${i}.w${i % 7}`, { dtype: 'F32', shape: [0], data_offsets: [0, 0] }]);
        return [toJson(entries), `${n} empty tensors`];
      },
      () => {
        const n = rng.pick([1000, 20_000]);
        const entries: [string, Json][] = Array.from({ length: n }, (_, i) => [`layer.${i}.weight`, { dtype: 'F32', shape: [1], data_offsets: [0, 4] }]);
        return [toJson(entries), `${n} tensors sharing the same 4 bytes`];
      },
    ])();
    return { bytes: assemble(text, rng.chance(0.5) ? ctx.data : new Uint8Array(0)), what };
  },
  // header edited as text (possibly breaking the JSON or the UTF-8)
  (rng, ctx) => {
    let h = new TextEncoder().encode(ctx.header.text);
    const n = rng.range(1, 4);
    const steps: string[] = [];
    for (let k = 0; k < n; k++) {
      const at = rng.int(h.byteLength + 1);
      const mode = rng.int(5);
      if (mode === 0 && h.byteLength > 0) {
        const i = Math.min(at, h.byteLength - 1);
        h = h.slice();
        h[i] = h[i]! ^ (1 << rng.int(8));
        steps.push(`bit flip at header byte ${i}`);
      } else if (mode === 1) {
        const end = Math.min(h.byteLength, at + rng.size(40));
        h = Uint8Array.from([...h.subarray(0, at), ...h.subarray(end)]);
        steps.push(`delete header bytes ${at}..${end}`);
      } else if (mode === 2) {
        const ins = rng.pick([[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xef, 0xbb, 0xbf], [0], [0x2c], [0x7d], [0x5b], [0x22]]);
        h = Uint8Array.from([...h.subarray(0, at), ...ins, ...h.subarray(at)]);
        steps.push(`insert ${ins.map((b) => b.toString(16)).join(' ')} at header byte ${at}`);
      } else if (mode === 3) {
        // padding with NULs or other junk instead of spaces
        h = Uint8Array.from([...h, ...new Array<number>(rng.range(1, 8)).fill(rng.pick([0, 0x20, 0x0a, 0x09, 0xa0]))]);
        steps.push('header padded');
      } else {
        h = h.subarray(0, at);
        steps.push(`header cut at ${at}`);
      }
    }
    return { bytes: assemble(h, ctx.data), what: steps.join('; ') };
  },
];

const OTHER_MUTATIONS: Mutation[] = [
  // the 8-byte length
  (rng, ctx) => {
    const n = BigInt(ctx.header.length);
    const v = rng.pick([0n, 1n, 2n, n - 1n, n + 1n, n - 8n, n + 8n, BigInt(ctx.base.byteLength - 8), BigInt(ctx.base.byteLength), 100_000_000n, 100_000_001n, 2n ** 32n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n, BigInt(rng.int(2 ** 30))]);
    const bytes = ctx.base.slice();
    new DataView(bytes.buffer).setBigUint64(0, v < 0n ? 0n : v, true);
    return { bytes, what: `header length set to ${v}` };
  },
  // truncation in each region
  (rng, ctx) => {
    const h = 8 + ctx.header.length;
    const [at, region] = rng.pick<() => [number, string]>([
      () => [rng.int(8), 'length prefix'],
      () => [8 + rng.int(ctx.header.length), 'header'],
      () => [h, 'end of header'],
      () => [h + rng.int(Math.max(1, ctx.data.byteLength)), 'data'],
      () => [ctx.base.byteLength - 1, 'last byte'],
    ])();
    return { bytes: ctx.base.slice(0, at), what: `truncated at ${at} (${region})` };
  },
  // random bytes, with or without a plausible length prefix
  (rng) => {
    const n = rng.size(300);
    const bytes = rng.bytes(n);
    if (n >= 8 && rng.chance(0.5)) new DataView(bytes.buffer).setBigUint64(0, BigInt(rng.int(n - 7)), true);
    return { bytes, what: `${n} random bytes` };
  },
  // data bit flips: must still load
  (rng, ctx) => {
    const bytes = ctx.base.slice();
    const start = 8 + ctx.header.length;
    const n = rng.range(1, 32);
    for (let k = 0; k < n && bytes.byteLength > start; k++) {
      const i = start + rng.int(bytes.byteLength - start);
      bytes[i] = bytes[i]! ^ (1 << rng.int(8));
    }
    return { bytes, what: `${n} bit flips in the data`, mustLoad: true };
  },
  // extra bytes after the data (allowed), or an untouched file
  (rng, ctx) => {
    if (rng.chance(0.5)) return { bytes: ctx.base, what: 'unchanged', mustLoad: true };
    const tail = rng.bytes(rng.size(100));
    return { bytes: Uint8Array.from([...ctx.base, ...tail]), what: `${tail.byteLength} trailing bytes`, mustLoad: true };
  },
];

export function generateSafetensors(rng: Rng, _profile: Profile): SafetensorsCase {
  const { bytes: base, names, expected, variant, changed } = baseFile(rng);
  const header = headerOf(base);
  const ctx: Ctx = { base, names, header, data: base.subarray(8 + header.length) };
  const m = rng.chance(0.6) ? rng.pick(HEADER_MUTATIONS) : rng.pick(OTHER_MUTATIONS);
  const r = m(rng, ctx);
  const c: SafetensorsCase = {
    bytes: r.bytes,
    desc: `${variant}: ${r.what}`,
    expected,
    mustLoad: r.mustLoad ?? false,
    mustBind: (r.mustLoad ?? false) && !changed,
    onDisk: rng.chance(0.1),
    ...(r.blame !== undefined ? { blame: r.blame } : {}),
  };
  return c;
}

let tmp: string | undefined;
function tempFile(): string {
  if (tmp === undefined) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dslc-fuzz-st-'));
    const dir = tmp;
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  return path.join(tmp, 'case.safetensors');
}

const MEM_LABEL = 'fuzz/case.safetensors';

export function runSafetensors(c: SafetensorsCase): Outcome {
  let label = MEM_LABEL;
  if (c.onDisk) {
    label = tempFile();
    fs.writeFileSync(label, c.bytes);
  }
  const where = (e: { message: string }): string | undefined => {
    if (!e.message.includes(label)) return `message does not name the file ${label}`;
    return undefined;
  };
  // An I64 value past int32 after a bit flip is a legitimate refusal.
  const legit = (o: Outcome, must = c.mustLoad): Outcome =>
    must && o.kind !== 'crash' && !/does not fit in int32/.test(o.message ?? '') ? { ...o, kind: 'wrong', reason: `a valid file was rejected: ${o.message}` } : o;

  let file: SafetensorsFile;
  try {
    file = c.onDisk ? openSafetensors(label) : parseSafetensors(c.bytes, label);
  } catch (e) {
    const o = judgeError(e, c.onDisk ? 'openSafetensors' : 'parseSafetensors', (err) => {
      const w = where(err);
      if (w) return w;
      // A header problem with the mutated tensor must name it (other problems may be found first, e.g. a bad length).
      if (c.blame !== undefined && /tensor/.test(err.message) && !err.message.includes(c.blame) && c.blame.length < 1000) {
        return `message about a tensor does not name "${c.blame.slice(0, 40)}"`;
      }
      return undefined;
    });
    return legit(o);
  }
  try {
    for (const [name, info] of file.tensors) {
      let data: Float32Array | Int32Array;
      let raw: Uint8Array;
      try {
        data = file.read(name);
        raw = file.readRaw(name);
      } catch (e) {
        return legit(judgeError(e, 'read', (err) => where(err) ?? (err.message.includes(name) ? undefined : `read error does not name "${name.slice(0, 40)}"`)));
      }
      const n = info.shape.reduce((a, b) => a * b, 1);
      if (data.length !== n) return { kind: 'wrong', stage: 'read', reason: `tensor "${name.slice(0, 40)}" ${info.dtype}[${info.shape.join(', ')}] read as ${data.length} elements` };
      if (raw.byteLength !== info.byteLength) return { kind: 'wrong', stage: 'read', reason: `readRaw of "${name.slice(0, 40)}" gave ${raw.byteLength} bytes, expected ${info.byteLength}` };
    }
    try {
      const bound = bindWeights(c.expected, [file]);
      for (const p of c.expected) if (!bound.tensors.has(p.name)) return { kind: 'wrong', stage: 'bindWeights', reason: `parameter "${p.name}" not bound` };
    } catch (e) {
      return legit(judgeError(e, 'bindWeights', where), c.mustBind);
    }
    return OK;
  } finally {
    file.close();
  }
}
