/**
 * The value of each elementwise graph op as a kernel IR expression, one table entry per op (the CPU backend's
 * elementwise.ts is the specification).
 *
 * Targets' math libraries differ at the edges, so the edges are written out here rather than left to a renderer:
 * NaN propagates through max/min/relu as in torch, tanh's argument is clamped where f32 tanh is already ±1 (some
 * implementations compute it as a ratio of exponentials that overflows), erf has no builtin anywhere and uses
 * Eigen's f32 rational approximation (error near 1 ulp on [-4, 4], ±1 outside).
 */
import { Op, isFloat, type DType } from '../ir/ops.ts';
import type { KernelBuilder } from './builder.ts';
import * as E from './expr.ts';
import type { Expr, Scalar } from './ir.ts';
import { valueOf } from './launch.ts';

const f = E.f32;
const isNan = (x: Expr): Expr => E.ne(x, x);

/** erf(x) = x p(x²) / q(x²) on the clamped argument (Eigen's generic_fast_erf_float). */
export function erf(k: KernelBuilder, x: Expr): Expr {
  const c = k.let('erf_x', E.call('clamp', x, f(-4), f(4)));
  const x2 = k.let('erf_x2', E.mul(c, c));
  const horner = (coeffs: number[]): Expr => coeffs.slice(1).reduce((acc, a) => E.add(E.mul(x2, acc), f(a)), f(coeffs[0]!) as Expr);
  const p = horner([-2.72614225801306e-10, 2.77068142495902e-8, -2.10102402082508e-6, -5.69250639462346e-5, -7.34990630326855e-4, -2.95459980854025e-3, -1.60960333262415e-2]);
  const q = horner([-1.45660718464996e-5, -2.13374055278905e-4, -1.68282697438203e-3, -7.37332916720468e-3, -1.42647390514189e-2]);
  return E.div(E.mul(c, p), q);
}

const sigmoid = (x: Expr): Expr => E.div(f(1), E.add(f(1), E.call('exp', E.neg(x))));
const tanh = (x: Expr): Expr => E.call('tanh', E.call('clamp', x, f(-10), f(10)));

/** max/min for floats that give NaN when either side is NaN (targets leave it unspecified). */
function nanMinMax(fn: 'max' | 'min', a: Expr, b: Expr): Expr {
  return a.t === 'f32' ? E.select(E.or(isNan(a), isNan(b)), E.add(a, b), E.call(fn, a, b)) : E.call(fn, a, b);
}

/** C's pow: pow(1, y) = pow(x, 0) = 1, negative bases with integral exponents keep their sign, others give NaN. */
function cPow(k: KernelBuilder, a: Expr, b: Expr): Expr {
  const mag = k.let('pow_m', E.call('pow', E.call('abs', a), b));
  const integral = E.eq(E.call('floor', b), b);
  const odd = E.eq(E.sub(b, E.mul(f(2), E.call('floor', E.mul(b, f(0.5))))), f(1));
  const negative = E.select(integral, E.select(odd, E.neg(mag), mag), f(NaN));
  const signed = E.select(E.lt(a, f(0)), negative, mag);
  return E.select(E.or(E.eq(a, f(1)), E.eq(b, f(0))), f(1), signed);
}

/** The common type two operands of a comparison are compared in. */
const compareType = (dtypes: DType[]): Scalar => (dtypes.some(isFloat) ? 'f32' : 'i32');

/**
 * The value of `op` on operand values `xs` (already converted from storage, dtypes `dtypes`) for a result of `dtype`.
 * Statements it needs (named temporaries) are emitted into `k`.
 */
export function elementwiseValue(k: KernelBuilder, op: Op, dtype: DType, xs: Expr[], dtypes: DType[]): Expr {
  const t = valueOf(dtype);
  const [a, b, c] = xs.map((x) => E.cast(t, x)) as [Expr, Expr, Expr];
  const x = a;
  switch (op) {
    case Op.Cast: return E.cast(t, xs[0]!);
    case Op.Neg: return E.neg(x);
    case Op.Abs: return E.call('abs', x);
    case Op.Exp: return E.call('exp', x);
    case Op.Log: return E.call('log', x);
    case Op.Sqrt: return E.call('sqrt', x);
    case Op.Rsqrt: return E.div(f(1), E.call('sqrt', x));
    case Op.Tanh: return tanh(x);
    case Op.Erf: return erf(k, x);
    case Op.Sigmoid: return sigmoid(x);
    case Op.Relu: return E.select(E.or(E.gt(x, E.lit(t, 0)), isNan(x)), x, E.lit(t, 0));
    case Op.Gelu: {
      const v = k.let('x', x);
      return E.mul(E.mul(v, f(0.5)), E.add(f(1), erf(k, E.mul(v, f(Math.SQRT1_2)))));
    }
    case Op.GeluTanh: {
      const v = k.let('x', x);
      const inner = E.mul(f(Math.sqrt(2 / Math.PI)), E.add(v, E.mul(f(0.044715), E.mul(v, E.mul(v, v)))));
      return E.mul(E.mul(f(0.5), v), E.add(f(1), tanh(inner)));
    }
    case Op.Silu: {
      const v = k.let('x', x);
      return E.mul(v, sigmoid(v));
    }
    case Op.Not: return E.not(E.cast('bool', xs[0]!));
    case Op.Add: return E.add(a, b);
    case Op.Sub: return E.sub(a, b);
    case Op.Mul: return E.mul(a, b);
    case Op.Div: return E.div(a, b);
    case Op.Max: return nanMinMax('max', a, b);
    case Op.Min: return nanMinMax('min', a, b);
    case Op.Pow:
      if (t === 'f32') return cPow(k, a, b);
      return E.cast('i32', cPow(k, E.cast('f32', a), E.cast('f32', b)));
    case Op.And: return E.and(E.cast('bool', xs[0]!), E.cast('bool', xs[1]!));
    case Op.Or: return E.or(E.cast('bool', xs[0]!), E.cast('bool', xs[1]!));
    case Op.Where: return E.select(E.cast('bool', xs[0]!), b, c);
    case Op.Lt: case Op.Le: case Op.Gt: case Op.Ge: case Op.Eq: case Op.Ne: {
      const ct = compareType(dtypes);
      const [p, q] = xs.map((v) => E.cast(ct, v)) as [Expr, Expr];
      const sym = { [Op.Lt]: '<', [Op.Le]: '<=', [Op.Gt]: '>', [Op.Ge]: '>=', [Op.Eq]: '==', [Op.Ne]: '!=' } as const;
      return E.bin(sym[op], p, q);
    }
    default:
      throw new Error(`kernel lowering: ${op} is not an elementwise op`);
  }
}
