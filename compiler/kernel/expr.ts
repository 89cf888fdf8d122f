/**
 * Typed expression constructors for the kernel IR. They check operand types (a mismatch is a bug in a lowering,
 * caught when the kernel is built rather than by a shader compiler) and fold the trivial u32 arithmetic that index
 * computations produce (`i * 1`, `x + 0`, literal products), so rendered kernels read like hand-written ones.
 */
import type { BinaryOp, Expr, MathFn, Scalar, ThreadIndex, Type } from './ir.ts';
import { isVector, laneType } from './ir.ts';

export const lit = (t: Scalar, v: number | boolean): Expr => ({ k: 'lit', t, v });
export const u32 = (v: number): Expr => lit('u32', v);
export const i32 = (v: number): Expr => lit('i32', v);
export const f32 = (v: number): Expr => lit('f32', v);
export const bool = (v: boolean): Expr => lit('bool', v);

export const uniform = (name: string): Expr => ({ k: 'uniform', t: 'u32', name });
export const thread = (which: ThreadIndex): Expr => ({ k: 'thread', t: 'u32', which });
export const ref = (name: string, t: Type): Expr => ({ k: 'ref', t, name });

const litValue = (e: Expr): number | undefined => (e.k === 'lit' && typeof e.v === 'number' ? e.v : undefined);

function sameType(op: string, a: Expr, b: Expr): void {
  if (a.t !== b.t) throw new Error(`kernel IR: ${op} of ${a.t} and ${b.t}`);
}

const COMPARE = new Set<BinaryOp>(['<', '<=', '>', '>=', '==', '!=']);

export function bin(op: BinaryOp, a: Expr, b: Expr): Expr {
  sameType(op, a, b);
  if ((op === '&&' || op === '||') && a.t !== 'bool') throw new Error(`kernel IR: ${op} of ${a.t}`);
  const x = litValue(a);
  const y = litValue(b);
  if (a.t === 'u32') {
    if (x !== undefined && y !== undefined && (op === '+' || op === '*')) return u32(op === '+' ? x + y : x * y);
    if (x !== undefined && y !== undefined && op === '-' && x >= y) return u32(x - y);
    if (op === '+' && x === 0) return b;
    if ((op === '+' || op === '-') && y === 0) return a;
    if (op === '*' && (x === 0 || y === 0)) return u32(0);
    if (op === '*' && x === 1) return b;
    if ((op === '*' || op === '/') && y === 1) return a;
    if (op === '%' && y === 1) return u32(0);
  }
  const t: Type = COMPARE.has(op) ? (isVector(a.t) ? a.t : 'bool') : a.t;
  return { k: 'bin', t, op, a, b };
}

export const add = (a: Expr, b: Expr): Expr => bin('+', a, b);
export const sub = (a: Expr, b: Expr): Expr => bin('-', a, b);
export const mul = (a: Expr, b: Expr): Expr => bin('*', a, b);
export const div = (a: Expr, b: Expr): Expr => bin('/', a, b);
export const mod = (a: Expr, b: Expr): Expr => bin('%', a, b);
export const lt = (a: Expr, b: Expr): Expr => bin('<', a, b);
export const le = (a: Expr, b: Expr): Expr => bin('<=', a, b);
export const gt = (a: Expr, b: Expr): Expr => bin('>', a, b);
export const ge = (a: Expr, b: Expr): Expr => bin('>=', a, b);
export const eq = (a: Expr, b: Expr): Expr => bin('==', a, b);
export const ne = (a: Expr, b: Expr): Expr => bin('!=', a, b);
export const and = (a: Expr, b: Expr): Expr => bin('&&', a, b);
export const or = (a: Expr, b: Expr): Expr => bin('||', a, b);

export const neg = (a: Expr): Expr => ({ k: 'un', t: a.t, op: 'neg', a });
export const not = (a: Expr): Expr => {
  if (a.t !== 'bool') throw new Error(`kernel IR: not of ${a.t}`);
  return { k: 'un', t: 'bool', op: 'not', a };
};

export function call(fn: MathFn, ...args: Expr[]): Expr {
  for (const x of args.slice(1)) sameType(fn, args[0]!, x);
  return { k: 'call', t: args[0]!.t, fn, args };
}

/** Value conversion: float→int truncates toward zero, bool→number is 0/1, number→bool is "not zero". */
export function cast(t: Scalar, a: Expr): Expr {
  if (a.t === t) return a;
  const x = litValue(a);
  if (x !== undefined && a.t !== 'f32' && t !== 'bool' && x >= 0) return lit(t, x);
  return { k: 'cast', t, a };
}

/** `c ? a : b`, both branches evaluated (so only for values safe to compute either way). */
export function select(c: Expr, a: Expr, b: Expr): Expr {
  sameType('select', a, b);
  if (c.t !== 'bool') throw new Error(`kernel IR: select condition is ${c.t}`);
  return { k: 'select', t: a.t, c, a, b };
}

export function lane(a: Expr, i: number): Expr {
  if (!isVector(a.t)) throw new Error(`kernel IR: lane of scalar ${a.t}`);
  return { k: 'lane', t: laneType(a.t), a, i };
}

/** ceil(a / b) for u32. */
export const ceilDiv = (a: Expr, b: Expr): Expr => div(add(a, sub(b, u32(1))), b);
