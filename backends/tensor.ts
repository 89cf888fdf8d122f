/**
 * Host tensors: the one in-memory tensor type every backend and the runtime exchange.
 *
 * Storage by dtype: f32, f16 and bf16 live in a Float32Array (half-precision values are kept as the f32 numbers they
 * round to), i32 in an Int32Array, bool in a Uint8Array of 0/1. Data is dense and row-major.
 */
import type { DType } from '../compiler/ir/ops.ts';

export type TensorData = Float32Array | Int32Array | Uint8Array;

export interface HostTensor {
  readonly dtype: DType;
  readonly shape: number[];
  readonly data: TensorData;
}

/** Number of elements of a shape (1 for a scalar `[]`). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides in elements: the last axis has stride 1. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** The typed-array class that stores a dtype. */
export function storageOf(dtype: DType): Float32ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor {
  switch (dtype) {
    case 'f32':
    case 'f16':
    case 'bf16':
      return Float32Array;
    case 'i32':
      return Int32Array;
    case 'bool':
      return Uint8Array;
  }
}

/** A zero-filled array able to hold `n` elements of `dtype`. */
export function allocData(dtype: DType, n: number): TensorData {
  return new (storageOf(dtype))(n);
}

/** True when `data` is the storage class of `dtype`. */
export function isStorageOf(dtype: DType, data: TensorData): boolean {
  return data instanceof storageOf(dtype);
}

/**
 * Makes a host tensor; without `data` it is zero-filled. A plain number array is copied into the right storage.
 * Throws a RangeError when the data length does not match the shape.
 */
export function hostTensor(dtype: DType, shape: readonly number[], data?: TensorData | readonly number[]): HostTensor {
  const n = sizeOf(shape);
  let stored: TensorData;
  if (data === undefined) stored = allocData(dtype, n);
  else if (Array.isArray(data)) stored = (storageOf(dtype) as Float32ArrayConstructor).from(data as number[]);
  else stored = data as TensorData;
  if (stored.length !== n) {
    throw new RangeError(`tensor data has ${stored.length} elements but shape [${shape.join(', ')}] needs ${n}`);
  }
  return { dtype, shape: [...shape], data: stored };
}

/** Multi-index `[i, j, ...]` of flat position `flat` in a row-major `shape`, for error messages. */
export function unravelIndex(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    idx[i] = d === 0 ? 0 : flat % d;
    flat = d === 0 ? 0 : Math.floor(flat / d);
  }
  return idx;
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
