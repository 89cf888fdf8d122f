/**
 * MatMul: a [..., M, K] x b [..., K, N] -> [..., M, N], batch dims broadcast numpy-style.
 *
 * Each output row is accumulated in a row buffer with i-k-j loops (the inner loop walks a row of b and the
 * accumulator contiguously). The buffer is a Float64Array in 'f64' mode and a Float32Array in 'f32' mode: storing
 * `acc + a*b` into a Float32Array rounds the partial sum to f32 (the product of two f32 values is exact in a double,
 * so each step rounds about once, like a fused multiply-add on a GPU).
 */
import { formatShape, sizeOf, type HostTensor } from '../tensor.ts';
import { broadcastShapes, broadcastStrides, viewOffsets } from './indexing.ts';
import type { Accumulate } from './precision.ts';

/** One [M, K] x [K, N] product into `out` at `outOff`; `acc` is a scratch row of length N. */
function matmul2d(
  a: Float32Array,
  aOff: number,
  b: Float32Array,
  bOff: number,
  out: Float32Array,
  outOff: number,
  m: number,
  k: number,
  n: number,
  acc: Float64Array | Float32Array,
): void {
  for (let i = 0; i < m; i++) {
    acc.fill(0);
    const aRow = aOff + i * k;
    for (let p = 0; p < k; p++) {
      const av = a[aRow + p]!;
      const bRow = bOff + p * n;
      for (let j = 0; j < n; j++) acc[j] += av * b[bRow + j]!;
    }
    const outRow = outOff + i * n;
    for (let j = 0; j < n; j++) out[outRow + j] = acc[j]!;
  }
}

/** Batched matmul of float tensors; returns f32 storage of shape [...batch, M, N]. */
export function matmul(a: HostTensor, b: HostTensor, acc: Accumulate): { shape: number[]; data: Float32Array } {
  if (a.shape.length < 2 || b.shape.length < 2) {
    throw new Error(`cpu backend: matmul needs rank >= 2 operands, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  if (!(a.data instanceof Float32Array) || !(b.data instanceof Float32Array)) {
    throw new Error(`cpu backend: matmul operands must be float tensors, got ${a.dtype} and ${b.dtype}`);
  }
  const [m, k] = a.shape.slice(-2) as [number, number];
  const [k2, n] = b.shape.slice(-2) as [number, number];
  if (k !== k2) {
    throw new Error(`cpu backend: matmul inner dims differ: ${formatShape(a.shape)} x ${formatShape(b.shape)}`);
  }
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const batch = broadcastShapes(aBatch, bBatch);
  // Offsets of each batch's matrix in a and b (strides in units of whole matrices, 0 where broadcast).
  const aOffs = viewOffsets(batch, broadcastStrides(aBatch, batch).map((s) => s * m * k));
  const bOffs = viewOffsets(batch, broadcastStrides(bBatch, batch).map((s) => s * k * n));
  const out = new Float32Array(sizeOf(batch) * m * n);
  const row = acc === 'f32' ? new Float32Array(n) : new Float64Array(n);
  for (let t = 0; t < aOffs.length; t++) matmul2d(a.data, aOffs[t]!, b.data, bOffs[t]!, out, t * m * n, m, k, n, row);
  return { shape: [...batch, m, n], data: out };
}
