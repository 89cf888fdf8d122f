/**
 * Reader for the safetensors checkpoint format (what Hugging Face publishes as model.safetensors).
 *
 * Opening reads and validates only the header; each tensor is read when asked for, so loading a 440 MB BERT checkpoint
 * holds each tensor once (as the converted array) instead of the whole file plus the arrays.
 */
import fs from 'node:fs';
import { UserError } from '../../dsl/errors.ts';
import { bf16ArrayToF32, f16ArrayToF32 } from './half.ts';
import { closestNames, listNames } from './names.ts';
import { parseHeader, readHeaderLength, type ParsedHeader, type TensorInfo } from './safetensors-header.ts';

export type { Dtype, TensorInfo } from './safetensors-header.ts';

/** An opened safetensors file (on disk or in memory). */
export interface SafetensorsFile {
  /** The path, or the label given to `parseSafetensors`; used in every error message. */
  readonly label: string;
  /** The header's `__metadata__` (e.g. `{ format: 'pt' }`); empty when absent. */
  readonly metadata: Record<string, string>;
  /** Every tensor in the file, by name, in header order. */
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  /** Reads one tensor: floats (F32, F16, BF16) as a Float32Array, integers (I32, I64) as an Int32Array. */
  read(name: string): Float32Array | Int32Array;
  /** The tensor's stored bytes (little-endian, as in the file). */
  readRaw(name: string): Uint8Array;
  /** Releases the file handle; later reads throw. Safe to call twice. */
  close(): void;
}

/**
 * Opens a safetensors file on disk: reads and validates the header now, tensor data later, per tensor, at its offset.
 * The file stays open until `close()`.
 */
export function openSafetensors(path: string): SafetensorsFile {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(path);
  } catch (e) {
    throw new UserError(`cannot open safetensors file ${path}: ${fsReason(e)}`);
  }
  // Checked before opening because opening a FIFO blocks until a writer appears, and a device could stream forever.
  if (stat.isDirectory()) throw new UserError(`${path} is a directory, not a safetensors file (use openCheckpoint for a model directory)`);
  if (!stat.isFile()) throw new UserError(`${path} is not a regular file, so it cannot be a safetensors file`);
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    throw new UserError(`cannot open safetensors file ${path}: ${fsReason(e)}`);
  }
  try {
    const size = fs.fstatSync(fd).size;
    const prefix = new Uint8Array(Math.min(8, size));
    readFully(fd, prefix, 0, path);
    const headerLength = readHeaderLength(prefix, size, path);
    const headerBytes = new Uint8Array(headerLength);
    readFully(fd, headerBytes, 8, path);
    const header = parseHeader(headerBytes, size, path);
    let open = true;
    return makeFile(path, header, (info) => {
      if (!open) throw new UserError(`${path}: cannot read tensor "${info.name}": the file was closed`);
      const bytes = new Uint8Array(info.byteLength);
      readFully(fd, bytes, info.byteOffset, path);
      return bytes;
    }, () => {
      if (open) fs.closeSync(fd);
      open = false;
    });
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}

/**
 * Reads a safetensors file already in memory (fetched, or read by other means).
 * Where alignment allows, F32 and I32 tensors and `readRaw` results are views into `bytes`, not copies, so writing to
 * them writes to `bytes`.
 */
export function parseSafetensors(bytes: Uint8Array, label = '<in-memory safetensors>'): SafetensorsFile {
  if (!(bytes instanceof Uint8Array)) throw new UserError(`${label}: expected the file's bytes as a Uint8Array`);
  const size = bytes.byteLength;
  const headerLength = readHeaderLength(bytes.subarray(0, 8), size, label);
  const header = parseHeader(bytes.subarray(8, 8 + headerLength), size, label);
  return makeFile(label, header, (info) => bytes.subarray(info.byteOffset, info.byteOffset + info.byteLength), () => {});
}

function makeFile(
  label: string,
  header: ParsedHeader,
  fetch: (info: TensorInfo) => Uint8Array,
  close: () => void,
): SafetensorsFile {
  const lookup = (name: string): TensorInfo => {
    const info = header.tensors.get(name);
    if (info !== undefined) return info;
    if (header.tensors.size === 0) throw new UserError(`${label}: no tensor named "${name}": the file has no tensors`);
    const near = closestNames(name, header.tensors.keys());
    const hint = near.length > 0 ? `similar names: ${listNames(near)}` : `it has ${header.tensors.size} tensors, e.g. ${listNames([...header.tensors.keys()], 3)}`;
    throw new UserError(`${label}: no tensor named "${name}"; ${hint}`);
  };
  return {
    label,
    metadata: header.metadata,
    tensors: header.tensors,
    read: (name) => {
      const info = lookup(name);
      return decode(info, fetch(info), label);
    },
    readRaw: (name) => fetch(lookup(name)),
    close,
  };
}

function decode(info: TensorInfo, bytes: Uint8Array, label: string): Float32Array | Int32Array {
  switch (info.dtype) {
    case 'F32':
      return view(bytes, Float32Array);
    case 'I32':
      return view(bytes, Int32Array);
    case 'F16':
      return f16ArrayToF32(view(bytes, Uint16Array));
    case 'BF16':
      return bf16ArrayToF32(view(bytes, Uint16Array));
    case 'I64':
      return narrowI64(view(bytes, Int32Array), info, label);
  }
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

type ViewCtor<T> = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): T; readonly BYTES_PER_ELEMENT: number };

/** Little-endian bytes as a typed array: a view when aligned on a little-endian host, otherwise a fixed-up copy. */
function view<T>(bytes: Uint8Array, Ctor: ViewCtor<T>): T {
  const size = Ctor.BYTES_PER_ELEMENT;
  if (HOST_LITTLE_ENDIAN && bytes.byteOffset % size === 0) return new Ctor(bytes.buffer, bytes.byteOffset, bytes.byteLength / size);
  const copy = bytes.slice();
  if (!HOST_LITTLE_ENDIAN) for (let i = 0; i < copy.length; i += size) copy.subarray(i, i + size).reverse();
  return new Ctor(copy.buffer, 0, copy.byteLength / size);
}

/** I64 values as i32: dslc indexes with i32, and token/position ids always fit; a value that does not is an error. */
function narrowI64(words: Int32Array, info: TensorInfo, label: string): Int32Array {
  const out = new Int32Array(words.length / 2);
  for (let i = 0; i < out.length; i++) {
    const lo = words[2 * i]!;
    const hi = words[2 * i + 1]!;
    // The value fits iff the high word is just the sign extension of the low word.
    if (hi !== lo >> 31) {
      const value = (BigInt(hi) << 32n) + BigInt(lo >>> 0);
      throw new UserError(
        `${label}: tensor "${info.name}" (I64) element ${i} is ${value}, which does not fit in int32 (byte offset ${info.byteOffset + 8 * i})`,
      );
    }
    out[i] = lo;
  }
  return out;
}

/** Fills `buf` from `fd` at `position`; readSync may return short counts, and 0 means the file ended early. */
function readFully(fd: number, buf: Uint8Array, position: number, label: string): void {
  let done = 0;
  while (done < buf.byteLength) {
    let n: number;
    try {
      // Chunked because a single read is limited to 2 GiB.
      n = fs.readSync(fd, buf, done, Math.min(buf.byteLength - done, 1 << 30), position + done);
    } catch (e) {
      throw new UserError(`${label}: cannot read at byte offset ${position + done}: ${fsReason(e)}`);
    }
    if (n === 0) {
      throw new UserError(
        `${label}: unexpected end of file at byte offset ${position + done} (expected ${buf.byteLength - done} more bytes; did the file change while open?)`,
      );
    }
    done += n;
  }
}

/** The short reason from a Node fs error ("no such file or directory"), without its stack. */
export function fsReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const codes: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EISDIR: 'it is a directory',
    ENOTDIR: 'a parent path is not a directory',
  };
  return (err.code !== undefined ? codes[err.code] : undefined) ?? err.message ?? String(e);
}
