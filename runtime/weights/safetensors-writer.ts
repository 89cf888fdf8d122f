/**
 * Writer for the safetensors format, producing files that Hugging Face's `safetensors` library reads as its own.
 *
 * Like the reference writer, the JSON header is padded with spaces to a multiple of 8 and the tensors are contiguous.
 * Tensors are ordered by item size (largest first), then by name; the reference orders by dtype then name for the same
 * reason: every tensor then starts at a multiple of its item size, so readers can view the data without copying.
 */
import fs from 'node:fs';
import { UserError } from '../../dsl/errors.ts';
import { f32ArrayToBf16, f32ArrayToF16 } from './half.ts';
import { ITEM_SIZE, type Dtype } from './safetensors-header.ts';
import { fsReason } from './safetensors.ts';

/**
 * One tensor to write. Accepted data per dtype: F32 ← Float32Array; F16/BF16 ← Float32Array (rounded to nearest even)
 * or Uint16Array (raw bit patterns); I32 ← Int32Array; I64 ← BigInt64Array or Int32Array (sign-extended).
 */
export interface TensorToWrite {
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  readonly data: Float32Array | Int32Array | BigInt64Array | Uint16Array;
}

interface Planned {
  readonly name: string;
  readonly tensor: TensorToWrite;
  readonly begin: number;
  readonly end: number;
}

/** Encodes tensors (and optional string metadata) as the bytes of a safetensors file. */
export function encodeSafetensors(tensors: Record<string, TensorToWrite>, metadata?: Record<string, string>): Uint8Array {
  const { header, planned, dataLength } = plan(tensors, metadata);
  const out = new Uint8Array(header.byteLength + dataLength);
  out.set(header, 0);
  for (const p of planned) out.set(toBytes(p.name, p.tensor), header.byteLength + p.begin);
  return out;
}

/** Writes tensors to a safetensors file at `path`, one tensor at a time so the whole file is never built in memory. */
export function writeSafetensors(path: string, tensors: Record<string, TensorToWrite>, metadata?: Record<string, string>): void {
  const { header, planned } = plan(tensors, metadata);
  let fd: number;
  try {
    fd = fs.openSync(path, 'w');
  } catch (e) {
    throw new UserError(`cannot write safetensors file ${path}: ${fsReason(e)}`);
  }
  try {
    writeFully(fd, header, path);
    for (const p of planned) writeFully(fd, toBytes(p.name, p.tensor), path);
  } finally {
    fs.closeSync(fd);
  }
}

function writeFully(fd: number, bytes: Uint8Array, path: string): void {
  let done = 0;
  try {
    while (done < bytes.byteLength) done += fs.writeSync(fd, bytes, done, bytes.byteLength - done);
  } catch (e) {
    throw new UserError(`cannot write safetensors file ${path}: ${fsReason(e)}`);
  }
}

function plan(tensors: Record<string, TensorToWrite>, metadata?: Record<string, string>) {
  const names = Object.keys(tensors);
  for (const name of names) validate(name, tensors[name]!);
  names.sort((a, b) => ITEM_SIZE[tensors[b]!.dtype] - ITEM_SIZE[tensors[a]!.dtype] || (a < b ? -1 : a > b ? 1 : 0));

  const json: Record<string, unknown> = {};
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new UserError(`safetensors metadata "${k}" must be a string, got ${typeof v}`);
    }
    json['__metadata__'] = metadata;
  }
  const planned: Planned[] = [];
  let offset = 0;
  for (const name of names) {
    const tensor = tensors[name]!;
    const byteLength = elementCount(tensor.shape) * ITEM_SIZE[tensor.dtype];
    planned.push({ name, tensor, begin: offset, end: offset + byteLength });
    // defineProperty, not assignment: a tensor named "__proto__" must become a key, not replace the prototype.
    const entry = { dtype: tensor.dtype, shape: [...tensor.shape], data_offsets: [offset, offset + byteLength] };
    Object.defineProperty(json, name, { value: entry, enumerable: true, writable: true, configurable: true });
    offset += byteLength;
  }
  const text = new TextEncoder().encode(JSON.stringify(json));
  const padded = Math.ceil(text.byteLength / 8) * 8;
  const header = new Uint8Array(8 + padded).fill(0x20, 8 + text.byteLength);
  new DataView(header.buffer).setBigUint64(0, BigInt(padded), true);
  header.set(text, 8);
  return { header, planned, dataLength: offset };
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function validate(name: string, t: TensorToWrite): void {
  const at = `cannot write tensor "${name}"`;
  if (name === '__metadata__') throw new UserError(`${at}: the name is reserved for the header metadata`);
  if (t === null || typeof t !== 'object') throw new UserError(`${at}: expected { dtype, shape, data }`);
  if (!Object.hasOwn(ITEM_SIZE, t.dtype)) throw new UserError(`${at}: unsupported dtype ${JSON.stringify(t.dtype)}`);
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new UserError(`${at}: shape must be an array of non-negative integers, got ${JSON.stringify(t.shape)}`);
  }
  const ok =
    t.dtype === 'F32' ? t.data instanceof Float32Array
    : t.dtype === 'I32' ? t.data instanceof Int32Array
    : t.dtype === 'I64' ? t.data instanceof BigInt64Array || t.data instanceof Int32Array
    : t.data instanceof Float32Array || t.data instanceof Uint16Array;
  if (!ok) throw new UserError(`${at}: ${t.dtype} data cannot be given as ${t.data?.constructor?.name ?? typeof t.data}`);
  const count = elementCount(t.shape);
  if (t.data.length !== count) {
    throw new UserError(`${at}: shape [${t.shape.join(', ')}] has ${count} elements but the data has ${t.data.length}`);
  }
}

/** The tensor's bytes in file order (little-endian), converting where the dtype asks for it. */
function toBytes(name: string, t: TensorToWrite): Uint8Array {
  let data: Float32Array | Int32Array | BigInt64Array | Uint16Array = t.data;
  if ((t.dtype === 'F16' || t.dtype === 'BF16') && data instanceof Float32Array) {
    data = t.dtype === 'F16' ? f32ArrayToF16(data) : f32ArrayToBf16(data);
  } else if (t.dtype === 'I64' && data instanceof Int32Array) {
    data = BigInt64Array.from(data, (v) => BigInt(v));
  }
  if (data.byteLength !== elementCount(t.shape) * ITEM_SIZE[t.dtype]) {
    throw new Error(`internal: tensor "${name}" encoded to ${data.byteLength} bytes`);
  }
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (HOST_LITTLE_ENDIAN) return bytes;
  const copy = bytes.slice();
  const size = ITEM_SIZE[t.dtype];
  for (let i = 0; i < copy.length; i += size) copy.subarray(i, i + size).reverse();
  return copy;
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
