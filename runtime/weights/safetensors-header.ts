/**
 * Parsing and validation of the safetensors header, shared by the file reader and the in-memory reader.
 *
 * Layout: an 8-byte little-endian u64 N, N bytes of UTF-8 JSON, then the data buffer. Every check happens here, before
 * any tensor is read, so a corrupt or truncated checkpoint fails at open time with a message that says where.
 */
import { UserError } from '../../dsl/errors.ts';
import { jsonErrorIndex } from './json-error.ts';
import { showValue } from './names.ts';

/** Element types dslc reads from safetensors files. */
export type Dtype = 'F32' | 'F16' | 'BF16' | 'I64' | 'I32';

/** Where one tensor lives in a safetensors file. */
export interface TensorInfo {
  readonly name: string;
  readonly dtype: Dtype;
  readonly shape: number[];
  /** Absolute byte offset of the tensor's first byte in the file (not relative to the data buffer). */
  readonly byteOffset: number;
  readonly byteLength: number;
}

/** Bytes per element of each supported dtype. */
export const ITEM_SIZE: Readonly<Record<Dtype, number>> = { F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4 };

const SUPPORTED = Object.keys(ITEM_SIZE).join(', ');

// Dtypes the safetensors format defines but dslc does not read; named so the message can say "unsupported", not "bad".
const UNSUPPORTED = new Set([
  'F64', 'I8', 'U8', 'I16', 'U16', 'U32', 'U64', 'BOOL', 'C64',
  'F8_E4M3', 'F8_E5M2', 'F8_E8M0', 'F6_E2M3', 'F6_E3M2', 'F4',
]);

/** Headers above this size are rejected: real ones are kilobytes, and a wrong file can claim up to 2^64 bytes. */
export const MAX_HEADER_BYTES = 100_000_000;

/** The validated contents of a safetensors header. */
export interface ParsedHeader {
  /** Absolute offset of the data buffer: 8 + header length. */
  readonly dataStart: number;
  readonly metadata: Record<string, string>;
  readonly tensors: Map<string, TensorInfo>;
}

/**
 * Validates the 8-byte length prefix against the file size and returns the header length.
 * `prefix` holds the first min(8, fileSize) bytes of the file.
 */
export function readHeaderLength(prefix: Uint8Array, fileSize: number, label: string): number {
  if (fileSize < 8) {
    throw new UserError(
      `${label}: not a safetensors file: it is ${fileSize} bytes long, shorter than the 8-byte header length at byte offset 0`,
    );
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  // Zip magic: the usual way to get here is pointing dslc at a PyTorch .bin checkpoint.
  const hint = prefix[0] === 0x50 && prefix[1] === 0x4b ? ' (this looks like a zip archive, e.g. a PyTorch .bin checkpoint)' : '';
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new UserError(
      `${label}: not a safetensors file: the header length at byte offset 0 is ${n} bytes, over the ${MAX_HEADER_BYTES} byte limit${hint}`,
    );
  }
  const len = Number(n);
  if (8 + len > fileSize) {
    throw new UserError(
      `${label}: truncated or not a safetensors file: the header length at byte offset 0 says ${len} bytes of header follow, ` +
        `but only ${fileSize - 8} do (expected at least ${8 + len} bytes, got ${fileSize})${hint}`,
    );
  }
  return len;
}

/** Parses and validates the JSON header (the N bytes after the prefix) of a file of `fileSize` bytes. */
export function parseHeader(headerBytes: Uint8Array, fileSize: number, label: string): ParsedHeader {
  const dataStart = 8 + headerBytes.byteLength;
  const where = `the header (byte offsets 8..${dataStart})`;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw new UserError(`${label}: not a safetensors file: ${where} is not valid UTF-8`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const index = jsonErrorIndex(text);
    // The scanner gives a character index; the byte offset in the file is what a hex dump shows.
    const at = index < 0 ? '' : ` at byte offset ${8 + new TextEncoder().encode(text.slice(0, index)).byteLength}`;
    throw new UserError(
      `${label}: not a safetensors file: ${where} is not valid JSON${at} (${(e as Error).message}); it starts with ${showValue(text.slice(0, 40))}`,
    );
  }
  if (!isObject(json)) throw new UserError(`${label}: ${where} must be a JSON object, got ${showValue(json)}`);

  let metadata: Record<string, string> = {};
  const tensors = new Map<string, TensorInfo>();
  for (const [name, entry] of Object.entries(json)) {
    if (name === '__metadata__') metadata = parseMetadata(entry, label);
    else tensors.set(name, parseEntry(name, entry, dataStart, label));
  }
  checkLayout([...tensors.values()], dataStart, fileSize, label);
  return { dataStart, metadata, tensors };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function parseMetadata(entry: unknown, label: string): Record<string, string> {
  if (!isObject(entry)) throw new UserError(`${label}: header "__metadata__" must be an object of strings, got ${showValue(entry)}`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(entry)) {
    if (typeof v !== 'string') {
      throw new UserError(`${label}: header "__metadata__" must be an object of strings; "${k}" is ${showValue(v)}`);
    }
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true }); // k may be "__proto__"
  }
  return out;
}

function parseEntry(name: string, entry: unknown, dataStart: number, label: string): TensorInfo {
  const at = `${label}: tensor "${name}"`;
  if (!isObject(entry)) {
    throw new UserError(`${at}: header entry must be an object with "dtype", "shape" and "data_offsets", got ${showValue(entry)}`);
  }
  for (const field of ['dtype', 'shape', 'data_offsets']) {
    if (!(field in entry)) throw new UserError(`${at}: header entry has no "${field}"`);
  }
  const { dtype, shape, data_offsets: offsets } = entry;
  if (typeof dtype !== 'string') throw new UserError(`${at}: "dtype" must be a string, got ${showValue(dtype)}`);
  if (UNSUPPORTED.has(dtype)) {
    throw new UserError(`${at} has unsupported dtype ${dtype}; dslc reads ${SUPPORTED} (convert the checkpoint, e.g. to F32)`);
  }
  if (!Object.hasOwn(ITEM_SIZE, dtype)) throw new UserError(`${at} has unknown dtype ${showValue(dtype)}; dslc reads ${SUPPORTED}`);
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw new UserError(`${at}: "shape" must be an array of non-negative integers, got ${showValue(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
    throw new UserError(
      `${at}: "data_offsets" must be [begin, end] with non-negative integers and begin <= end, got ${showValue(offsets)}`,
    );
  }
  const [begin, end] = offsets as [number, number];
  const d = dtype as Dtype;
  // BigInt so that an absurd shape (product past 2^53) is still reported with its exact size.
  const expected = shape.reduce((acc: bigint, dim: number) => acc * BigInt(dim), BigInt(ITEM_SIZE[d]));
  if (expected !== BigInt(end - begin)) {
    throw new UserError(
      `${at} (${d}, shape [${shape.join(', ')}]) needs ${expected} bytes, but its data_offsets [${begin}, ${end}] ` +
        `span ${end - begin} bytes (byte offsets ${dataStart + begin}..${dataStart + end} in the file)`,
    );
  }
  return Object.freeze({ name, dtype: d, shape: Object.freeze([...shape]) as number[], byteOffset: dataStart + begin, byteLength: end - begin });
}

function checkLayout(tensors: TensorInfo[], dataStart: number, fileSize: number, label: string): void {
  let last: TensorInfo | undefined;
  for (const t of tensors) if (last === undefined || end(t) > end(last)) last = t;
  if (last !== undefined && end(last) > fileSize) {
    throw new UserError(
      `${label}: file is truncated: tensor "${last.name}" occupies byte offsets ${last.byteOffset}..${end(last)}, ` +
        `past the end of the file (expected at least ${end(last)} bytes, got ${fileSize}; data_offsets are relative to byte offset ${dataStart})`,
    );
  }
  // Empty tensors own no bytes, so they cannot overlap anything.
  const sorted = tensors.filter((t) => t.byteLength > 0).sort((a, b) => a.byteOffset - b.byteOffset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (cur.byteOffset < end(prev)) {
      throw new UserError(
        `${label}: tensors "${prev.name}" (data_offsets [${prev.byteOffset - dataStart}, ${end(prev) - dataStart}]) and ` +
          `"${cur.name}" (data_offsets [${cur.byteOffset - dataStart}, ${end(cur) - dataStart}]) overlap at byte offset ${cur.byteOffset}`,
      );
    }
  }
}

function end(t: TensorInfo): number {
  return t.byteOffset + t.byteLength;
}
