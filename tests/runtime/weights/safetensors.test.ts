import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bf16BitsToF32, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from '../../../runtime/weights/half.ts';
import { openSafetensors, parseSafetensors, type SafetensorsFile } from '../../../runtime/weights/safetensors.ts';
import { encodeSafetensors, writeSafetensors, type TensorToWrite } from '../../../runtime/weights/safetensors-writer.ts';
import { randomFloats, rawFile, rng, tempDir, throwsUser } from './helpers.ts';

const dir = tempDir();

function sample(): Record<string, TensorToWrite> {
  const r = rng(42);
  const ints = Int32Array.from({ length: 12 }, () => Math.floor((r() - 0.5) * 2 ** 32));
  ints[0] = 2 ** 31 - 1;
  ints[1] = -(2 ** 31);
  const longs = BigInt64Array.from({ length: 6 }, () => BigInt(Math.floor((r() - 0.5) * 2 ** 32)));
  longs[0] = 2n ** 31n - 1n;
  longs[1] = -(2n ** 31n);
  const rawHalf = Uint16Array.from({ length: 5 }, () => Math.floor(r() * 0x7c00));
  return {
    'encoder.weight': { dtype: 'F32', shape: [3, 4], data: randomFloats(12, 1) },
    'encoder.half': { dtype: 'F16', shape: [7], data: randomFloats(7, 2) },
    'encoder.half_bits': { dtype: 'F16', shape: [5], data: rawHalf },
    'encoder.brain': { dtype: 'BF16', shape: [2, 3], data: randomFloats(6, 3) },
    'ids.i32': { dtype: 'I32', shape: [12], data: ints },
    'ids.i64': { dtype: 'I64', shape: [2, 3], data: longs },
    'ids.i64_from_i32': { dtype: 'I64', shape: [3], data: new Int32Array([-5, 0, 123456]) },
    scalar: { dtype: 'F32', shape: [], data: new Float32Array([2.5]) },
    empty: { dtype: 'F32', shape: [0, 3], data: new Float32Array(0) },
  };
}

function checkSample(f: SafetensorsFile, src: Record<string, TensorToWrite>): void {
  assert.equal([...f.tensors.keys()].sort(), Object.keys(src).sort());
  for (const [name, t] of Object.entries(src)) {
    const info = f.tensors.get(name)!;
    assert.is(info.dtype, t.dtype, name);
    assert.equal(info.shape, [...t.shape], name);
  }
  assert.equal(f.read('encoder.weight'), src['encoder.weight']!.data);
  const half = src['encoder.half']!.data as Float32Array;
  assert.equal(f.read('encoder.half'), Float32Array.from(half, (x) => f16BitsToF32(f32ToF16Bits(x))));
  const bits = src['encoder.half_bits']!.data as Uint16Array;
  assert.equal(f.read('encoder.half_bits'), Float32Array.from(bits, f16BitsToF32));
  assert.equal(new Uint16Array(f.readRaw('encoder.half_bits').slice().buffer), bits);
  const brain = src['encoder.brain']!.data as Float32Array;
  assert.equal(f.read('encoder.brain'), Float32Array.from(brain, (x) => bf16BitsToF32(f32ToBf16Bits(x))));
  assert.equal(f.read('ids.i32'), src['ids.i32']!.data);
  assert.equal(f.read('ids.i64'), Int32Array.from(src['ids.i64']!.data as BigInt64Array, Number));
  assert.equal(f.read('ids.i64_from_i32'), new Int32Array([-5, 0, 123456]));
  assert.equal(f.read('scalar'), new Float32Array([2.5]));
  assert.is(f.read('empty').length, 0);
  assert.equal(f.metadata, { format: 'pt', note: 'round trip' });
}

test('every dtype round-trips through a file on disk', () => {
  const src = sample();
  const file = path.join(dir, 'all.safetensors');
  writeSafetensors(file, src, { format: 'pt', note: 'round trip' });
  const f = openSafetensors(file);
  checkSample(f, src);
  assert.is(f.label, file);
  f.close();
  f.close(); // idempotent
  throwsUser(() => f.read('scalar'), file, '"scalar"', 'closed');
});

test('every dtype round-trips in memory, and the file and memory encodings are identical', () => {
  const src = sample();
  const bytes = encodeSafetensors(src, { format: 'pt', note: 'round trip' });
  checkSample(parseSafetensors(bytes, 'mem'), src);
  const file = path.join(dir, 'same.safetensors');
  writeSafetensors(file, src, { format: 'pt', note: 'round trip' });
  assert.ok(Buffer.from(bytes).equals(fs.readFileSync(file)));
});

test('layout follows the reference writer: padded header, contiguous aligned data, size then name order', () => {
  const bytes = encodeSafetensors(sample());
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.is(n % 8, 0);
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  assert.ok(text.startsWith('{"'), 'no leading padding');
  assert.ok(/^[^ ]* *$/.test(text.replace(/"[^"]*"/g, '""')), 'padding is trailing spaces only');
  const header = JSON.parse(text) as Record<string, { dtype: string; data_offsets: [number, number] }>;
  assert.not.ok('__metadata__' in header, 'no metadata key without metadata');
  const entries = Object.entries(header).sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
  let offset = 0;
  const sizes: Record<string, number> = { I64: 8, F32: 4, I32: 4, F16: 2, BF16: 2 };
  for (const [name, e] of entries) {
    assert.is(e.data_offsets[0], offset, `${name} starts where the previous tensor ended`);
    assert.is(e.data_offsets[0] % sizes[e.dtype]!, 0, `${name} is aligned`);
    offset = e.data_offsets[1];
  }
  assert.is(8 + n + offset, bytes.byteLength);
  assert.equal(entries.map(([k]) => k).slice(0, 3), ['ids.i64', 'ids.i64_from_i32', 'empty']);
});

test('in-memory reads are zero-copy when aligned and copies when not', () => {
  const weights = randomFloats(16, 9);
  const bytes = encodeSafetensors({ w: { dtype: 'F32', shape: [16], data: weights } });
  const f = parseSafetensors(bytes);
  const w = f.read('w');
  assert.is(w.buffer, bytes.buffer);
  // Shifted by one byte, as a Node Buffer slice of a larger read can be: the data is misaligned and must be copied.
  const shifted = new Uint8Array(bytes.byteLength + 1);
  shifted.set(bytes, 1);
  const g = parseSafetensors(shifted.subarray(1));
  const v = g.read('w');
  assert.is.not(v.buffer, shifted.buffer);
  assert.equal(v, weights);
});

test('a header that is not padded (odd data start) still reads correctly', () => {
  const data = new Uint8Array(new Float32Array([1.5, -2.25]).buffer);
  const bytes = rawFile({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, __metadata__: { a: 'b' } }, data);
  assert.ok((bytes.byteLength - 8) % 4 !== 0);
  const file = path.join(dir, 'odd.safetensors');
  fs.writeFileSync(file, bytes);
  assert.equal(parseSafetensors(bytes).read('w'), new Float32Array([1.5, -2.25]));
  const f = openSafetensors(file);
  assert.equal(f.read('w'), new Float32Array([1.5, -2.25]));
  assert.is(f.tensors.get('w')!.byteOffset, bytes.byteLength - 8);
  assert.equal(f.metadata, { a: 'b' });
  f.close();
});

test('an I64 value outside int32 is an error naming the tensor and the element', () => {
  const longs = new BigInt64Array([1n, 2n, 3n, 2n ** 31n]);
  const f = parseSafetensors(encodeSafetensors({ position_ids: { dtype: 'I64', shape: [4], data: longs } }), 'ids.safetensors');
  throwsUser(() => f.read('position_ids'), 'ids.safetensors', '"position_ids"', 'element 3', '2147483648', 'int32');
  const g = parseSafetensors(encodeSafetensors({ neg: { dtype: 'I64', shape: [1], data: new BigInt64Array([-(2n ** 40n)]) } }));
  throwsUser(() => g.read('neg'), '"neg"', 'element 0', String(-(2n ** 40n)));
});

test('reading an unknown tensor lists close names', () => {
  const f = parseSafetensors(encodeSafetensors(sample()), 'ckpt.safetensors');
  throwsUser(() => f.read('encoder.weights'), 'ckpt.safetensors', 'no tensor named "encoder.weights"', '"encoder.weight"');
  throwsUser(() => f.readRaw('zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz'), 'no tensor named');
  throwsUser(() => parseSafetensors(encodeSafetensors({})).read('x'), 'no tensors');
});

test('the reader is lazy: one small tensor of a 3 GB (sparse) file reads only its bytes', () => {
  const big = 750_000_000; // F32 elements: 3 GB, more than readFileSync can hold, never written to disk
  const small = new Float32Array([0.5, -1, 3.25, 42]);
  const header = { big: { dtype: 'F32', shape: [big], data_offsets: [0, 4 * big] }, small: { dtype: 'F32', shape: [4], data_offsets: [4 * big, 4 * big + 16] } };
  const head = rawFile(header);
  const file = path.join(dir, 'sparse.safetensors');
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, head, 0, head.byteLength, 0);
  fs.writeSync(fd, new Uint8Array(small.buffer), 0, 16, head.byteLength + 4 * big);
  fs.closeSync(fd);

  const realRead = fs.readSync;
  const realReadFile = fs.readFileSync;
  let bytesRead = 0;
  fs.readSync = ((...args: Parameters<typeof fs.readSync>) => {
    const n = (realRead as (...a: unknown[]) => number)(...args);
    bytesRead += n;
    return n;
  }) as typeof fs.readSync;
  fs.readFileSync = (() => assert.unreachable('readFileSync must not be used')) as unknown as typeof fs.readFileSync;
  try {
    const f = openSafetensors(file);
    assert.is(f.tensors.get('big')!.byteLength, 4 * big);
    assert.equal(f.read('small'), small);
    f.close();
  } finally {
    fs.readSync = realRead;
    fs.readFileSync = realReadFile;
  }
  assert.ok(bytesRead > 0, 'the spy saw the reads');
  assert.is(bytesRead, head.byteLength + 16, 'header plus one tensor, nothing else');
  fs.rmSync(file);
});

test('odd names survive a round trip, "__proto__" included', () => {
  const names = ['__proto__', 'constructor', 'with space', 'ünïcødé.weight', 'a"quote', ''];
  const src = Object.fromEntries(names.map((n, i) => [n, { dtype: 'F32', shape: [1], data: new Float32Array([i]) } as TensorToWrite]));
  const f = parseSafetensors(encodeSafetensors(src));
  assert.equal([...f.tensors.keys()].sort(), [...names].sort());
  names.forEach((n, i) => assert.equal(f.read(n), new Float32Array([i]), n));
});

test('write errors name the tensor or the path', () => {
  throwsUser(() => encodeSafetensors({ w: { dtype: 'F32', shape: [2, 3], data: new Float32Array(5) } }), '"w"', '6 elements', '5');
  throwsUser(() => encodeSafetensors({ w: { dtype: 'I32', shape: [1], data: new Float32Array(1) } }), '"w"', 'I32', 'Float32Array');
  throwsUser(() => encodeSafetensors({ w: { dtype: 'F64' as 'F32', shape: [1], data: new Float32Array(1) } }), '"w"', 'unsupported dtype');
  throwsUser(() => encodeSafetensors({ w: { dtype: 'F32', shape: [-1], data: new Float32Array(1) } }), '"w"', 'non-negative');
  throwsUser(() => encodeSafetensors({ __metadata__: { dtype: 'F32', shape: [], data: new Float32Array(1) } }), 'reserved');
  throwsUser(() => writeSafetensors(path.join(dir, 'no/such/dir/x.safetensors'), {}), 'no/such/dir/x.safetensors', 'no such file');
});

test.run();
