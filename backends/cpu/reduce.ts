/**
 * Reductions over one axis (sum, max, mean).
 *
 * A tensor is viewed as [outer, n, inner] around the reduced axis; sums run over k in order, one accumulator per
 * (outer, inner) position, in doubles ('f64') or with every partial sum rounded to f32 ('f32').
 * Integer and bool sums are always exact (doubles hold every i32 sum a real model makes); storing wraps to i32.
 */
import { Op, isFloat, type DType } from '../../compiler/ir/ops.ts';
import { allocData, type HostTensor, type TensorData } from '../tensor.ts';
import { splitAxis } from './indexing.ts';
import type { Accumulate } from './precision.ts';

/** ReduceMax: NaN anywhere in the reduced slice gives NaN (like torch.amax); an empty slice gives -Infinity. */
function reduceMax(dtype: DType, x: HostTensor, axis: number): TensorData {
  const [outer, n, inner] = splitAxis(x.shape, axis);
  const src = x.data;
  const out = allocData(dtype, outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let m = -Infinity;
      for (let k = 0; k < n; k++) {
        const v = src[(o * n + k) * inner + i]!;
        if (Number.isNaN(v)) {
          m = NaN;
          break;
        }
        if (v > m) m = v;
      }
      out[o * inner + i] = m;
    }
  }
  return out;
}

/** ReduceSum and ReduceMean. */
function reduceSum(dtype: DType, x: HostTensor, axis: number, mean: boolean, acc: Accumulate): TensorData {
  const [outer, n, inner] = splitAxis(x.shape, axis);
  const src = x.data;
  const out = allocData(dtype, outer * inner);
  // Storing into a Float32Array row rounds each partial sum to f32: exactly the 'f32' accumulation rule.
  const row = acc === 'f32' && isFloat(x.dtype) ? new Float32Array(inner) : new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    row.fill(0);
    for (let k = 0; k < n; k++) {
      const base = (o * n + k) * inner;
      for (let i = 0; i < inner; i++) row[i] += src[base + i]!;
    }
    for (let i = 0; i < inner; i++) out[o * inner + i] = mean ? row[i]! / n : row[i]!;
  }
  return out;
}

export function reduce(op: Op, dtype: DType, x: HostTensor, axis: number, acc: Accumulate): TensorData {
  switch (op) {
    case Op.ReduceMax:
      return reduceMax(dtype, x, axis);
    case Op.ReduceSum:
      return reduceSum(dtype, x, axis, false, acc);
    case Op.ReduceMean:
      return reduceSum(dtype, x, axis, true, acc);
    default:
      throw new Error(`cpu backend: ${op} is not a reduction`);
  }
}
