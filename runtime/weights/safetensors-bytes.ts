/**
 * The safetensors format over bytes from anywhere (in memory, fetched, or read from a file handle by safetensors.ts).
 *
 * Kept free of Node APIs so a generated package can load checkpoints in a browser: only safetensors.ts touches fs.
 */
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

/** A SafetensorsFile whose tensor bytes come from `fetch`; `close` releases whatever holds them. */
export function makeFile(
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
