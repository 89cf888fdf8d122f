/** A gallery of broken safetensors files: each must fail with a UserError that says what and where. */
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UserError } from '../../../dsl/errors.ts';
import { openSafetensors, parseSafetensors } from '../../../runtime/weights/safetensors.ts';
import { encodeSafetensors } from '../../../runtime/weights/safetensors-writer.ts';
import { randomFloats, rawFile, rng, tempDir, throwsUser } from './helpers.ts';

const dir = tempDir();
let counter = 0;

/** Checks both readers: from memory, and from a file on disk (whose path must be in the message). */
function bothFail(bytes: Uint8Array, ...parts: string[]): void {
  throwsUser(() => parseSafetensors(bytes, 'bad.safetensors'), 'bad.safetensors', ...parts);
  const file = path.join(dir, `bad-${counter++}.safetensors`);
  fs.writeFileSync(file, bytes);
  throwsUser(() => openSafetensors(file), file, ...parts);
}

const f32 = (n: number) => new Uint8Array(randomFloats(n, n).buffer);
const valid = () => encodeSafetensors({ a: { dtype: 'F32', shape: [4], data: randomFloats(4, 1) }, b: { dtype: 'F32', shape: [2, 2], data: randomFloats(4, 2) } });

test('a file shorter than the 8-byte length prefix', () => {
  bothFail(new Uint8Array(0), '0 bytes', '8-byte header length');
  bothFail(new Uint8Array([1, 2, 3, 4, 5]), '5 bytes', 'byte offset 0');
});

test('a header length that lies (claims more than the file holds)', () => {
  bothFail(rawFile({}, new Uint8Array(0), 1000n), 'truncated', 'says 1000 bytes', 'expected at least 1008 bytes, got 10');
});

test('a truncated header', () => {
  const bytes = valid();
  bothFail(bytes.subarray(0, 40), 'truncated', 'expected at least', 'got 40');
});

test('an absurd header length, and a zip file (PyTorch .bin) passed by mistake', () => {
  bothFail(rawFile({}, new Uint8Array(0), 2n ** 40n), String(2n ** 40n), 'limit', 'byte offset 0');
  const zip = new Uint8Array(64);
  zip.set([0x50, 0x4b, 0x03, 0x04], 0);
  bothFail(zip, 'not a safetensors file', 'zip archive');
});

test('a header that is not JSON, not UTF-8, or not an object', () => {
  bothFail(rawFile('{"a": {"dtype": "F32",'), 'not valid JSON at byte offset 30', 'byte offsets 8..30');
  bothFail(rawFile('garbage'), 'not valid JSON', 'garbage');
  bothFail(rawFile('[1, 2, 3]'), 'must be a JSON object', '[1,2,3]');
  bothFail(rawFile('null'), 'must be a JSON object');
  bothFail(rawFile('['.repeat(100_000) + ']'.repeat(100_000)), 'must be a JSON object', 'deeply nested');
  bothFail(rawFile('{"w": ' + '['.repeat(100_000) + ']'.repeat(100_000) + '}'), 'tensor "w"', 'must be an object');
  const bad = rawFile('{"x": 1}  ');
  bad[10] = 0xff;
  bothFail(bad, 'not valid UTF-8');
});

test('tensor entries with missing fields or fields of the wrong type', () => {
  bothFail(rawFile({ w: 5 }), 'tensor "w"', 'must be an object');
  bothFail(rawFile({ w: { shape: [1], data_offsets: [0, 4] } }, f32(1)), 'tensor "w"', 'no "dtype"');
  bothFail(rawFile({ w: { dtype: 'F32', data_offsets: [0, 4] } }, f32(1)), 'tensor "w"', 'no "shape"');
  bothFail(rawFile({ w: { dtype: 'F32', shape: [1] } }, f32(1)), 'tensor "w"', 'no "data_offsets"');
  bothFail(rawFile({ w: { dtype: 32, shape: [1], data_offsets: [0, 4] } }, f32(1)), 'tensor "w"', '"dtype" must be a string');
  bothFail(rawFile({ w: { dtype: 'F32', shape: '1', data_offsets: [0, 4] } }, f32(1)), 'tensor "w"', '"shape" must be an array');
  bothFail(rawFile({ w: { dtype: 'F32', shape: [2, -2], data_offsets: [0, 4] } }, f32(1)), 'tensor "w"', 'non-negative integers', '[2,-2]');
  bothFail(rawFile({ w: { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] } }, f32(1)), 'tensor "w"', 'non-negative integers');
  bothFail(rawFile({ w: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, f32(1)), 'tensor "w"', 'begin <= end', '[4,0]');
  bothFail(rawFile({ w: { dtype: 'F32', shape: [1], data_offsets: [0] } }, f32(1)), 'tensor "w"', '"data_offsets" must be [begin, end]');
  bothFail(rawFile({ w: { dtype: 'F32', shape: [1], data_offsets: ['0', '4'] } }, f32(1)), 'tensor "w"', 'data_offsets');
  bothFail(rawFile({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 2 ** 60] } }, f32(1)), 'tensor "w"', 'data_offsets');
  bothFail(rawFile({ __metadata__: { format: 1 } }), '__metadata__', '"format"');
});

test('unknown and unsupported dtypes name the tensor', () => {
  bothFail(rawFile({ w: { dtype: 'F13', shape: [1], data_offsets: [0, 4] } }, f32(1)), 'tensor "w"', 'unknown dtype "F13"', 'F32, F16, BF16, I64, I32');
  for (const dtype of ['F64', 'I8', 'U8', 'BOOL']) {
    bothFail(rawFile({ 'x.y': { dtype, shape: [1], data_offsets: [0, 1] } }, f32(1)), 'tensor "x.y"', `unsupported dtype ${dtype}`);
  }
});

test('a byte length that does not match shape times item size', () => {
  bothFail(
    rawFile({ w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 20] } }, f32(5)),
    'tensor "w"', 'shape [2, 3]', 'needs 24 bytes', 'span 20 bytes', 'byte offsets',
  );
  bothFail(rawFile({ h: { dtype: 'F16', shape: [3], data_offsets: [0, 12] } }, f32(3)), 'tensor "h"', 'needs 6 bytes');
  // A shape whose product passes 2^53 is reported with its exact size.
  bothFail(rawFile({ w: { dtype: 'F32', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 4] } }, f32(1)), 'tensor "w"', `needs ${4n * 2n ** 80n} bytes`);
});

test('truncated data: offsets beyond the end of the file', () => {
  const bytes = valid();
  const cut = bytes.subarray(0, bytes.byteLength - 10);
  const msg = throwsUser(() => parseSafetensors(cut, 'cut.safetensors'), 'cut.safetensors', 'truncated', 'tensor "b"');
  assert.ok(msg.includes(`expected at least ${bytes.byteLength} bytes, got ${cut.byteLength}`), msg);
  bothFail(rawFile({ w: { dtype: 'F32', shape: [4], data_offsets: [100, 116] } }, f32(4)), 'truncated', 'tensor "w"', 'byte offset');
});

test('overlapping tensors name both tensors and the offset', () => {
  const header = { a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] }, b: { dtype: 'F32', shape: [4], data_offsets: [8, 24] } };
  const bytes = rawFile(header, f32(6));
  const headerEnd = bytes.byteLength - 24;
  bothFail(bytes, '"a"', '"b"', 'overlap', `byte offset ${headerEnd + 8}`, '[0, 16]', '[8, 24]');
  // Zero-length tensors own no bytes, so one "inside" another is fine.
  const ok = rawFile({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] }, e: { dtype: 'F32', shape: [0], data_offsets: [8, 8] } }, f32(4));
  assert.is(parseSafetensors(ok).tensors.size, 2);
});

test('paths that are not safetensors files', () => {
  throwsUser(() => openSafetensors(path.join(dir, 'missing.safetensors')), 'missing.safetensors', 'no such file');
  throwsUser(() => openSafetensors(dir), dir, 'is a directory');
});

test('no prefix of a valid file is accepted, and random corruption never escapes as a non-UserError', () => {
  const bytes = valid();
  for (let n = 0; n < bytes.byteLength; n++) {
    assert.throws(() => parseSafetensors(bytes.subarray(0, n)), (e: unknown) => e instanceof UserError, `prefix of ${n} bytes`);
  }
  const r = rng(3);
  for (let trial = 0; trial < 3000; trial++) {
    const copy = bytes.slice();
    for (let k = 0; k < 1 + Math.floor(r() * 3); k++) copy[Math.floor(r() * Math.min(copy.length, 120))] = Math.floor(r() * 256);
    try {
      const f = parseSafetensors(copy);
      for (const name of f.tensors.keys()) f.read(name);
    } catch (e) {
      if (!(e instanceof UserError)) assert.unreachable(`trial ${trial}: ${(e as Error).stack}`);
    }
  }
});

test.run();
