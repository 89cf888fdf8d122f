/**
 * Elementwise ops: unary, binary (numpy broadcasting) and where.
 *
 * Values are computed in doubles and stored into the output's typed array, which rounds floats to f32 and wraps
 * integers to i32 (the executor narrows f16/bf16 afterwards). Integer add/sub/mul/neg/abs therefore wrap like torch's
 * int32 arithmetic, and i32 div truncates toward zero; comparisons, `not`, `and`, `or` produce bool 0/1.
 */
import { UserError } from '../../dsl/errors.ts';
import { Op } from '../../compiler/ir/ops.ts';
import type { DType } from '../../compiler/ir/ops.ts';
import { allocData, sizeOf, type HostTensor, type TensorData } from '../tensor.ts';
import { broadcastOffsets } from './indexing.ts';
import { erf, gelu, geluTanh, sigmoid, silu } from './math.ts';

type Fn1 = (x: number) => number;
type Fn2 = (a: number, b: number) => number;

const UNARY: Partial<Record<Op, Fn1>> = {
  [Op.Neg]: (x) => -x,
  [Op.Abs]: Math.abs,
  [Op.Exp]: Math.exp,
  [Op.Log]: Math.log,
  [Op.Sqrt]: Math.sqrt,
  [Op.Rsqrt]: (x) => 1 / Math.sqrt(x),
  [Op.Tanh]: Math.tanh,
  [Op.Erf]: erf,
  [Op.Sigmoid]: sigmoid,
  [Op.Relu]: (x) => (x > 0 ? x : Number.isNaN(x) ? x : 0),
  [Op.Gelu]: gelu,
  [Op.GeluTanh]: geluTanh,
  [Op.Silu]: silu,
  [Op.Not]: (x) => (x === 0 ? 1 : 0),
};

/** C's pow, which JS's `**` differs from at pow(1, NaN), pow(x, ±0) with x NaN, and pow(-1, ±Infinity). */
function cPow(a: number, b: number): number {
  if (a === 1 || b === 0) return 1;
  if (a === -1 && !Number.isFinite(b) && !Number.isNaN(b)) return 1;
  return a ** b;
}

function intDiv(a: number, b: number): number {
  if (b === 0) throw new UserError(`integer division by zero (${a} / 0)`);
  return Math.trunc(a / b);
}

const BINARY: Partial<Record<Op, Fn2>> = {
  [Op.Add]: (a, b) => a + b,
  [Op.Sub]: (a, b) => a - b,
  [Op.Mul]: (a, b) => a * b,
  [Op.Div]: (a, b) => a / b,
  [Op.Max]: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a > b ? a : b),
  [Op.Min]: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a < b ? a : b),
  [Op.Pow]: cPow,
  [Op.Lt]: (a, b) => (a < b ? 1 : 0),
  [Op.Le]: (a, b) => (a <= b ? 1 : 0),
  [Op.Gt]: (a, b) => (a > b ? 1 : 0),
  [Op.Ge]: (a, b) => (a >= b ? 1 : 0),
  [Op.Eq]: (a, b) => (a === b ? 1 : 0),
  [Op.Ne]: (a, b) => (a !== b ? 1 : 0),
  [Op.And]: (a, b) => (a !== 0 && b !== 0 ? 1 : 0),
  [Op.Or]: (a, b) => (a !== 0 || b !== 0 ? 1 : 0),
};

/** Integer versions where the double result would not be the i32 one (sums and differences wrap on store). */
const BINARY_I32: Partial<Record<Op, Fn2>> = {
  [Op.Mul]: Math.imul,
  [Op.Div]: intDiv,
  [Op.Pow]: (a, b) => Math.trunc(cPow(a, b)),
};

/** Cast to `dtype`: the typed-array store truncates floats toward zero for i32; bool is "not zero" (NaN is true). */
function castFn(dtype: DType): Fn1 {
  return dtype === 'bool' ? (x) => (x !== 0 ? 1 : 0) : (x) => x;
}

export function unary(op: Op, dtype: DType, x: HostTensor): TensorData {
  const fn = op === Op.Cast ? castFn(dtype) : UNARY[op];
  if (fn === undefined) throw new Error(`cpu backend: ${op} is not a unary op`);
  const src = x.data;
  const out = allocData(dtype, src.length);
  for (let i = 0; i < src.length; i++) out[i] = fn(src[i]!);
  return out;
}

export function binary(op: Op, dtype: DType, shape: readonly number[], a: HostTensor, b: HostTensor): TensorData {
  const fn = (dtype === 'i32' ? BINARY_I32[op] : undefined) ?? BINARY[op];
  if (fn === undefined) throw new Error(`cpu backend: ${op} is not a binary op`);
  const n = sizeOf(shape);
  const ia = broadcastOffsets(a.shape, shape);
  const ib = broadcastOffsets(b.shape, shape);
  const ad = a.data;
  const bd = b.data;
  const out = allocData(dtype, n);
  for (let i = 0; i < n; i++) out[i] = fn(ad[ia === undefined ? i : ia[i]!]!, bd[ib === undefined ? i : ib[i]!]!);
  return out;
}

/** where(cond, a, b) with all three broadcast to `shape`. */
export function where(dtype: DType, shape: readonly number[], cond: HostTensor, a: HostTensor, b: HostTensor): TensorData {
  const n = sizeOf(shape);
  const ic = broadcastOffsets(cond.shape, shape);
  const ia = broadcastOffsets(a.shape, shape);
  const ib = broadcastOffsets(b.shape, shape);
  const out = allocData(dtype, n);
  for (let i = 0; i < n; i++) {
    const c = cond.data[ic === undefined ? i : ic[i]!]!;
    out[i] = c !== 0 ? a.data[ia === undefined ? i : ia[i]!]! : b.data[ib === undefined ? i : ib[i]!]!;
  }
  return out;
}
