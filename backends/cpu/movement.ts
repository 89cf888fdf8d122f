/**
 * Data movement: reshape, permute, expand, slice, concat, gather. Every result is a fresh dense array (never a view
 * of its source), so tensors handed out by the executor never alias each other.
 */
import { UserError } from '../../dsl/errors.ts';
import type { DType } from '../../compiler/ir/ops.ts';
import { allocData, formatShape, sizeOf, stridesOf, unravelIndex, type HostTensor, type TensorData } from '../tensor.ts';
import { broadcastStrides, viewOffsets } from './indexing.ts';

/** out[i] = src[offsets[i]]. */
function take(dtype: DType, src: TensorData, offsets: Int32Array): TensorData {
  const out = allocData(dtype, offsets.length);
  for (let i = 0; i < offsets.length; i++) out[i] = src[offsets[i]!]!;
  return out;
}

/** Same elements in the same row-major order, new shape. */
export function reshape(dtype: DType, x: HostTensor, shape: readonly number[]): TensorData {
  if (sizeOf(shape) !== x.data.length) {
    throw new Error(`cpu backend: cannot reshape ${formatShape(x.shape)} to ${formatShape(shape)}`);
  }
  const out = allocData(dtype, x.data.length);
  out.set(x.data);
  return out;
}

/** Output axis d is input axis perm[d]. */
export function permute(dtype: DType, x: HostTensor, perm: readonly number[]): { shape: number[]; data: TensorData } {
  const sorted = [...perm].sort((a, b) => a - b);
  if (perm.length !== x.shape.length || sorted.some((p, i) => p !== i)) {
    throw new Error(`cpu backend: [${perm.join(', ')}] is not a permutation of the axes of ${formatShape(x.shape)}`);
  }
  const strides = stridesOf(x.shape);
  const shape = perm.map((p) => x.shape[p]!);
  return { shape, data: take(dtype, x.data, viewOffsets(shape, perm.map((p) => strides[p]!))) };
}

/** Broadcasts x (aligned right) to `shape`. */
export function expand(dtype: DType, x: HostTensor, shape: readonly number[]): TensorData {
  return take(dtype, x.data, viewOffsets(shape, broadcastStrides(x.shape, shape)));
}

/** Elements start..end-1 along `axis`. */
export function slice(dtype: DType, x: HostTensor, axis: number, start: number, end: number): { shape: number[]; data: TensorData } {
  const size = x.shape[axis];
  if (size === undefined) throw new Error(`cpu backend: slice axis ${axis} is out of range for ${formatShape(x.shape)}`);
  if (!(0 <= start && start <= end && end <= size)) {
    throw new UserError(`slice [${start}, ${end}) is outside axis ${axis} of size ${size} (tensor ${formatShape(x.shape)})`);
  }
  const strides = stridesOf(x.shape);
  const shape = x.shape.map((d, i) => (i === axis ? end - start : d));
  return { shape, data: take(dtype, x.data, viewOffsets(shape, strides, start * strides[axis]!)) };
}

/** Joins tensors along `axis`; all other dims must agree. */
export function concat(dtype: DType, xs: readonly HostTensor[], axis: number): { shape: number[]; data: TensorData } {
  const first = xs[0];
  if (first === undefined) throw new Error('cpu backend: concat of no tensors');
  for (const x of xs) {
    if (x.shape.length !== first.shape.length || x.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
      throw new Error(`cpu backend: cannot concat ${xs.map((t) => formatShape(t.shape)).join(', ')} on axis ${axis}`);
    }
  }
  const total = xs.reduce((s, x) => s + x.shape[axis]!, 0);
  const shape = first.shape.map((d, i) => (i === axis ? total : d));
  const outer = sizeOf(first.shape.slice(0, axis));
  const inner = sizeOf(first.shape.slice(axis + 1));
  const out = allocData(dtype, sizeOf(shape));
  let offset = 0; // position of the current input along the axis
  for (const x of xs) {
    const chunk = x.shape[axis]! * inner;
    for (let o = 0; o < outer; o++) {
      const dst = (o * total + offset) * inner;
      for (let i = 0; i < chunk; i++) out[dst + i] = x.data[o * chunk + i]!;
    }
    offset += x.shape[axis]!;
  }
  return { shape, data: out };
}

/** table [V, ...rest] indexed by integer ids [...] -> [...ids, ...rest]; an id outside [0, V) is a UserError. */
export function gather(dtype: DType, table: HostTensor, ids: HostTensor, what: string): { shape: number[]; data: TensorData } {
  const v = table.shape[0];
  if (v === undefined) throw new Error('cpu backend: gather from a scalar table');
  const rest = table.shape.slice(1);
  const row = sizeOf(rest);
  const out = allocData(dtype, ids.data.length * row);
  for (let t = 0; t < ids.data.length; t++) {
    const id = ids.data[t]!;
    if (!(Number.isInteger(id) && id >= 0 && id < v)) {
      throw new UserError(`${what}: index ${id} at [${unravelIndex(t, ids.shape).join(', ')}] is outside [0, ${v})`);
    }
    for (let j = 0; j < row; j++) out[t * row + j] = table.data[id * row + j]!;
  }
  return { shape: [...ids.shape, ...rest], data: out };
}
