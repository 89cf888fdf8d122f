/**
 * Number formats of the CPU reference: how f16/bf16 values are stored and how sums accumulate.
 *
 * Every float tensor is a Float32Array; an f16 or bf16 node holds the f32 numbers its values round to. Rounding goes
 * through f32 first (the value a GPU kernel has in a register before it stores a half), then to the narrower format
 * with round-to-nearest-even, overflow to ±Infinity, and NaN kept.
 */
import type { DType } from '../../compiler/ir/ops.ts';

/**
 * How sums (matmul, reductions, softmax and LayerNorm statistics, cross-entropy) accumulate:
 * - 'f64': in JS doubles, rounded to f32 once when stored (the most accurate answer: the oracle's default);
 * - 'f32': every partial sum is rounded to f32, as a GPU kernel accumulating in f32 registers would.
 */
export type Accumulate = 'f64' | 'f32';

/** Rounds `x` (taken as an f32) to a binary format with `precision` significand bits and `minExp` least normal exponent. */
function roundToFormat(x: number, precision: number, minExp: number, maxFinite: number): number {
  const v = Math.fround(x);
  if (v === 0 || !Number.isFinite(v)) return v;
  const a = Math.abs(v);
  let e = Math.floor(Math.log2(a));
  // log2 may be off by one next to powers of two; fix it so 2^e <= a < 2^(e+1).
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  const ulp = 2 ** (Math.max(e, minExp) - (precision - 1)); // subnormals share the least normal exponent's ulp
  const q = a / ulp; // exact: scaling by a power of two
  let r = Math.floor(q);
  const frac = q - r;
  if (frac > 0.5 || (frac === 0.5 && r % 2 === 1)) r++;
  const rounded = r * ulp;
  return Math.sign(v) * (rounded > maxFinite ? Infinity : rounded);
}

/** The value of the IEEE binary16 nearest to `x` (after rounding `x` to f32). */
export function roundF16(x: number): number {
  return roundToFormat(x, 11, -14, 65504);
}

/** The value of the bfloat16 nearest to `x` (after rounding `x` to f32). */
export function roundBf16(x: number): number {
  return roundToFormat(x, 8, -126, 3.3895313892515355e38);
}

/** Rounds a float tensor's storage in place to its dtype's precision (f32 storage is already exact). */
export function roundStorage(dtype: DType, data: Float32Array): void {
  const round = dtype === 'f16' ? roundF16 : dtype === 'bf16' ? roundBf16 : undefined;
  if (round === undefined) return;
  for (let i = 0; i < data.length; i++) data[i] = round(data[i]!);
}

/** Adds in the accumulation format: `fround` after every partial sum in 'f32' mode, plain doubles in 'f64'. */
export function adder(acc: Accumulate): (a: number, b: number) => number {
  return acc === 'f32' ? (a, b) => Math.fround(a + b) : (a, b) => a + b;
}

/** Rounds an intermediate result to the accumulation format (identity in 'f64' mode). */
export function rounder(acc: Accumulate): (x: number) => number {
  return acc === 'f32' ? Math.fround : (x) => x;
}

/**
 * Int8 weight-only quantisation of a [rows, cols] matrix with one f32 scale per row (per output channel of a
 * Linear's [out, in] weight): scale = max|row| / 127 (1 for an all-zero row), q = round-half-even(w / scale)
 * clamped to [-127, 127]. Kernels compute q · scale in f32, which `int8RoundTrip` reproduces exactly.
 */
export function quantizeRows(w: Float32Array, rows: number, cols: number): { q: Int8Array; scales: Float32Array } {
  const q = new Int8Array(rows * cols);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let max = 0;
    for (let c = 0; c < cols; c++) max = Math.max(max, Math.abs(w[r * cols + c]!));
    const scale = max > 0 && Number.isFinite(max) ? Math.fround(max / 127) : 1;
    scales[r] = scale;
    for (let c = 0; c < cols; c++) {
      const x = w[r * cols + c]! / scale;
      let n = Math.round(x);
      if (n - x === 0.5 && n % 2 !== 0) n--; // Math.round sends halves up; ties go to even
      q[r * cols + c] = Math.max(-127, Math.min(127, Number.isNaN(n) ? 0 : n));
    }
  }
  return { q, scales };
}

/** The values an int8-quantised weight has in a kernel: f32(q) · scale, rounded to f32. */
export function int8RoundTrip(w: Float32Array, rows: number, cols: number): Float32Array {
  const { q, scales } = quantizeRows(w, rows, cols);
  return Float32Array.from(q, (v, i) => Math.fround(v * scales[Math.floor(i / cols)]!));
}
