/**
 * The safetensors fuzzer's mutations, one region each: the JSON header structurally (wrong types, missing fields,
 * edge-value dims and offsets, dtype strings, duplicate/unicode/huge names, metadata, deep nesting, many entries) or
 * as text, the 8-byte length, truncation, random bytes, and bit flips in the data (which must still load).
 */
import { assemble, deepNest, DTYPE_STRINGS, EDGE_INTS, type Json, type Mutation, ODD_NAMES, randomJson, tensorEntries, toJson, withEntries } from './safetensors-base.ts';

export const HEADER_MUTATIONS: Mutation[] = [
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

export const OTHER_MUTATIONS: Mutation[] = [
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
