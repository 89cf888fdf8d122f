/**
 * Row ops: softmax, LayerNorm and cross-entropy, each a small pass over one row at a time.
 *
 * Written with explicit `add`/`r` (round) steps so the 'f32' mode rounds exactly where an f32 GPU kernel would:
 * after every partial sum and every intermediate; in 'f64' mode both are plain double arithmetic.
 */
import { UserError } from '../../dsl/errors.ts';
import type { DType } from '../../compiler/ir/ops.ts';
import { allocData, sizeOf, type HostTensor, type TensorData } from '../tensor.ts';
import { splitAxis } from './indexing.ts';
import { adder, rounder, type Accumulate } from './precision.ts';

/**
 * Max-subtracted softmax along `axis`. A row whose maximum is -Infinity (fully masked with -Infinity) gives the
 * uniform distribution instead of 0/0 = NaN: the same answer a finite mask such as -3.4e38 (HF's finfo.min) gives,
 * which falls out of subtracting the max. A row holding NaN or +Infinity gives NaN, as in torch.
 */
export function softmax(dtype: DType, x: HostTensor, axis: number, acc: Accumulate): TensorData {
  const [outer, n, inner] = splitAxis(x.shape, axis);
  const add = adder(acc);
  const r = rounder(acc);
  const src = x.data;
  const out = allocData(dtype, src.length);
  const e = new Float64Array(n);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (k: number): number => (o * n + k) * inner + i;
      let m = -Infinity;
      for (let k = 0; k < n; k++) m = Math.max(m, src[at(k)]!);
      if (m === -Infinity) {
        for (let k = 0; k < n; k++) out[at(k)] = 1 / n;
        continue;
      }
      let sum = 0;
      for (let k = 0; k < n; k++) {
        e[k] = r(Math.exp(r(src[at(k)]! - m)));
        sum = add(sum, e[k]!);
      }
      for (let k = 0; k < n; k++) out[at(k)] = e[k]! / sum;
    }
  }
  return out;
}

/** LayerNorm over the last axis: (x - mean) / sqrt(var + eps) * weight + bias with the biased variance (like torch). */
export function layerNorm(
  dtype: DType,
  x: HostTensor,
  weight: HostTensor,
  bias: HostTensor,
  eps: number,
  acc: Accumulate,
): TensorData {
  const h = x.shape[x.shape.length - 1] ?? 1;
  if (weight.data.length !== h || bias.data.length !== h) {
    throw new Error(`cpu backend: layer_norm weight/bias have ${weight.data.length}/${bias.data.length} elements, not ${h}`);
  }
  const add = adder(acc);
  const r = rounder(acc);
  const src = x.data;
  const out = allocData(dtype, src.length);
  const rows = h === 0 ? 0 : src.length / h;
  for (let row = 0; row < rows; row++) {
    const base = row * h;
    let sum = 0;
    for (let j = 0; j < h; j++) sum = add(sum, src[base + j]!);
    const mean = r(sum / h);
    let sq = 0;
    for (let j = 0; j < h; j++) {
      const d = r(src[base + j]! - mean);
      sq = add(sq, r(d * d));
    }
    const variance = r(sq / h);
    const rstd = r(1 / r(Math.sqrt(r(variance + eps))));
    for (let j = 0; j < h; j++) {
      const normed = r(r(src[base + j]! - mean) * rstd);
      out[base + j] = r(normed * weight.data[j]!) + bias.data[j]!;
    }
  }
  return out;
}

/**
 * Mean over rows whose label is not `ignoreIndex` of logsumexp(logits[row]) - logits[row][label]; a scalar.
 * With no kept row the mean is 0/0 = NaN, as torch's `cross_entropy(reduction='mean')` gives.
 * A kept label outside [0, C) is a UserError (torch raises too).
 */
export function crossEntropy(
  dtype: DType,
  logits: HostTensor,
  labels: HostTensor,
  ignoreIndex: number,
  acc: Accumulate,
): TensorData {
  if (logits.shape.length !== 2 || labels.shape.length !== 1 || labels.shape[0] !== logits.shape[0]) {
    throw new Error(`cpu backend: cross_entropy expects logits [N, C] and labels [N]`);
  }
  const [rows, c] = logits.shape as [number, number];
  const add = adder(acc);
  const r = rounder(acc);
  const x = logits.data;
  let total = 0;
  let kept = 0;
  for (let row = 0; row < rows; row++) {
    const label = labels.data[row]!;
    if (label === ignoreIndex) continue;
    if (!(label >= 0 && label < c)) {
      throw new UserError(`cross_entropy: label ${label} at [${row}] is outside [0, ${c}) (ignore index ${ignoreIndex})`);
    }
    const base = row * c;
    let m = -Infinity;
    for (let j = 0; j < c; j++) m = Math.max(m, x[base + j]!);
    let sum = 0;
    for (let j = 0; j < c; j++) sum = add(sum, r(Math.exp(r(x[base + j]! - m))));
    const lse = r(m + r(Math.log(sum)));
    total = add(total, r(lse - x[base + label]!));
    kept++;
  }
  const out = allocData(dtype, sizeOf([]));
  out[0] = total / kept;
  return out;
}
