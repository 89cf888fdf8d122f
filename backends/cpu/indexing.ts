/**
 * Strided views: the one indexing idea behind broadcasting, permute, expand and slice.
 *
 * A view of a dense source is an output shape plus, per output axis, the source stride to step along it (0 for a
 * broadcast axis) and a base offset. `viewOffsets` lists the source offset of every output element in row-major
 * order, so kernels read `src[offsets[i]]` with no per-element index arithmetic.
 */
import { formatShape, sizeOf, stridesOf } from '../tensor.ts';

/** Broadcast shape of numpy-style aligned-right shapes; throws a RangeError when they are incompatible. */
export function broadcastShapes(...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i]!;
      if (d === out[o] || d === 1) continue;
      if (out[o] !== 1) throw new RangeError(`shapes ${shapes.map(formatShape).join(' and ')} do not broadcast`);
      out[o] = d;
    }
  }
  return out;
}

/** Source strides, one per axis of `outShape`, that broadcast `inShape` (aligned right) to `outShape`. */
export function broadcastStrides(inShape: readonly number[], outShape: readonly number[]): number[] {
  const inStrides = stridesOf(inShape);
  const lead = outShape.length - inShape.length;
  if (lead < 0) throw new RangeError(`cannot broadcast ${formatShape(inShape)} to ${formatShape(outShape)}`);
  return outShape.map((d, o) => {
    const i = o - lead;
    if (i < 0) return 0;
    const s = inShape[i]!;
    if (s === d) return s === 1 ? 0 : inStrides[i]!;
    if (s === 1) return 0;
    throw new RangeError(`cannot broadcast ${formatShape(inShape)} to ${formatShape(outShape)}`);
  });
}

/** Source offset of each element of the view (`outShape`, `strides`, `base`), in row-major output order. */
export function viewOffsets(outShape: readonly number[], strides: readonly number[], base = 0): Int32Array {
  const n = sizeOf(outShape);
  const rank = outShape.length;
  const offsets = new Int32Array(n);
  const idx = new Array<number>(rank).fill(0);
  let off = base;
  for (let i = 0; i < n; i++) {
    offsets[i] = off;
    // Odometer step: advance the last axis, carrying into earlier ones.
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      off += strides[d]!;
      if (idx[d]! < outShape[d]!) break;
      off -= strides[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
  return offsets;
}

/**
 * Offsets that read `inShape` broadcast to `outShape`, or undefined when the shapes are equal (offset = position),
 * which keeps the common same-shape case free of an index array.
 */
export function broadcastOffsets(inShape: readonly number[], outShape: readonly number[]): Int32Array | undefined {
  const same = inShape.length === outShape.length && inShape.every((d, i) => d === outShape[i]);
  return same ? undefined : viewOffsets(outShape, broadcastStrides(inShape, outShape));
}

/** Splits `shape` around `axis` into [outer, n, inner] so element (o, k, i) sits at (o * n + k) * inner + i. */
export function splitAxis(shape: readonly number[], axis: number): [number, number, number] {
  if (!Number.isInteger(axis) || axis < 0 || axis >= shape.length) {
    throw new RangeError(`axis ${axis} is out of range for shape ${formatShape(shape)}`);
  }
  return [sizeOf(shape.slice(0, axis)), shape[axis]!, sizeOf(shape.slice(axis + 1))];
}
