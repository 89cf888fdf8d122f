/**
 * Graph-node constructors with shape and dtype inference: the typing rules of the op library.
 *
 * Each rule either returns the new node or fails with a diagnostic at the call's span that states both shapes, so
 * shape errors point at the line of the model source that made them.
 */
import type { Span } from '../../dsl/ast.ts';
import { type Dim, dimAdd, dimConst, dimSub, dimDiv, dimEq, dimToString, dimValue, shapeEq, shapeSize, shapeToString } from '../ir/dim.ts';
import type { Node } from '../ir/graph.ts';
import { COMPARE_OPS, type DType, isFloat, Op } from '../ir/ops.ts';
import { type Elaboration, originOf } from './context.ts';

const ONE = dimConst(1);
const isOne = (d: Dim): boolean => dimValue(d) === 1;
const typeOf = (n: Node): string => `${n.dtype}${shapeToString(n.shape)}`;

export function make(
  cx: Elaboration,
  span: Span,
  op: Op,
  dtype: DType,
  shape: readonly Dim[],
  src: readonly Node[],
  arg: Record<string, unknown> = {},
): Node {
  return cx.factory.make(op, dtype, shape, src, arg, originOf(span));
}

export function constant(cx: Elaboration, span: Span, value: number, dtype: DType, shape: readonly Dim[] = []): Node {
  return make(cx, span, Op.Const, dtype, shape, [], { value });
}

/** Normalises a possibly negative axis against a rank. */
export function axisOf(cx: Elaboration, span: Span, axis: number, rank: number, what = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(axis) || a < 0 || a >= rank) {
    cx.fail(span, `${what} ${axis} is out of range for a tensor of rank ${rank}`, `valid axes are ${-rank}..${rank - 1}`);
  }
  return a;
}

export function broadcastShapes(cx: Elaboration, span: Span, shapes: readonly (readonly Dim[])[]): Dim[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let d: Dim = ONE;
    for (const s of shapes) {
      const e = s[s.length - rank + i] ?? ONE;
      if (isOne(e)) continue;
      if (isOne(d)) d = e;
      else if (!dimEq(d, e)) {
        cx.fail(
          span,
          `shapes ${shapes.map(shapeToString).join(' and ')} cannot be broadcast together`,
          `dimension ${i - rank} is ${dimToString(d)} in one and ${dimToString(e)} in the other`,
        );
      }
    }
    out.push(d);
  }
  return out;
}

export function unary(cx: Elaboration, span: Span, op: Op, x: Node): Node {
  if (op !== Op.Not && op !== Op.Neg && op !== Op.Abs && !isFloat(x.dtype)) {
    cx.fail(span, `${op} needs a float tensor, got ${typeOf(x)}`, 'convert with cast(x, f32)');
  }
  if (op === Op.Not && x.dtype !== 'bool') cx.fail(span, `not needs a bool tensor, got ${typeOf(x)}`);
  return make(cx, span, op, x.dtype, x.shape, [x]);
}

export function binary(cx: Elaboration, span: Span, op: Op, a: Node, b: Node): Node {
  if (a.dtype !== b.dtype) {
    cx.fail(span, `${op} of ${typeOf(a)} and ${typeOf(b)}: dtypes differ`, `convert one side with cast(x, ${a.dtype})`);
  }
  const logical = op === Op.And || op === Op.Or;
  if (logical !== (a.dtype === 'bool')) {
    cx.fail(span, `${op} is not defined for ${a.dtype} tensors`, logical ? 'use comparisons to make bool tensors' : undefined);
  }
  const shape = broadcastShapes(cx, span, [a.shape, b.shape]);
  return make(cx, span, op, COMPARE_OPS.has(op) ? 'bool' : a.dtype, shape, [a, b]);
}

export function where(cx: Elaboration, span: Span, cond: Node, a: Node, b: Node): Node {
  if (cond.dtype !== 'bool') cx.fail(span, `where needs a bool condition, got ${typeOf(cond)}`, 'compare to make one, e.g. mask == 0');
  if (a.dtype !== b.dtype) cx.fail(span, `where's branches have different dtypes: ${typeOf(a)} and ${typeOf(b)}`);
  return make(cx, span, Op.Where, a.dtype, broadcastShapes(cx, span, [cond.shape, a.shape, b.shape]), [cond, a, b]);
}

export function cast(cx: Elaboration, span: Span, x: Node, dtype: DType): Node {
  return x.dtype === dtype ? x : make(cx, span, Op.Cast, dtype, x.shape, [x]);
}

export function matmul(cx: Elaboration, span: Span, a: Node, b: Node): Node {
  if (a.shape.length < 2 || b.shape.length < 2) {
    cx.fail(span, `matmul needs tensors of rank 2 or more, got ${typeOf(a)} and ${typeOf(b)}`);
  }
  if (a.dtype !== b.dtype || !isFloat(a.dtype)) cx.fail(span, `matmul of ${typeOf(a)} and ${typeOf(b)}: needs equal float dtypes`);
  const [m, k] = a.shape.slice(-2) as [Dim, Dim];
  const [k2, n] = b.shape.slice(-2) as [Dim, Dim];
  if (!dimEq(k, k2)) {
    cx.fail(
      span,
      `matmul of ${typeOf(a)} and ${typeOf(b)}: inner dimensions ${dimToString(k)} and ${dimToString(k2)} differ`,
      'the last dim of the left operand must equal the second-to-last of the right; transpose one of them?',
    );
  }
  const batch = broadcastShapes(cx, span, [a.shape.slice(0, -2), b.shape.slice(0, -2)]);
  return make(cx, span, Op.MatMul, a.dtype, [...batch, m, n], [a, b]);
}

export function reshape(cx: Elaboration, span: Span, x: Node, target: readonly (Dim | 'infer')[]): Node {
  const known = target.filter((d): d is Dim => d !== 'infer');
  if (target.length - known.length > 1) cx.fail(span, 'reshape can infer at most one dimension (-1)');
  const total = shapeSize(x.shape);
  let shape: Dim[];
  if (known.length < target.length) {
    const inferred = dimDiv(total, shapeSize(known));
    if (!inferred) cx.fail(span, `cannot reshape ${typeOf(x)} to ${shapeToString(known)} with one inferred dimension`);
    shape = target.map((d) => (d === 'infer' ? inferred : d));
  } else shape = [...known];
  if (!dimEq(shapeSize(shape), total)) {
    cx.fail(span, `cannot reshape ${typeOf(x)} to ${shapeToString(shape)}: sizes ${dimToString(total)} and ${dimToString(shapeSize(shape))} differ`);
  }
  return shapeEq(shape, x.shape) ? x : make(cx, span, Op.Reshape, x.dtype, shape, [x]);
}

export function permute(cx: Elaboration, span: Span, x: Node, perm: readonly number[]): Node {
  const rank = x.shape.length;
  const fits = perm.length === rank && perm.every((a) => Number.isInteger(a) && a >= -rank && a < rank);
  const p = fits ? perm.map((a) => (a < 0 ? a + rank : a)) : [];
  if (!fits || new Set(p).size !== rank) {
    cx.fail(span, `permutation [${perm.join(', ')}] does not fit a tensor of rank ${rank}`, 'list every axis exactly once');
  }
  if (p.every((a, i) => a === i)) return x;
  return make(cx, span, Op.Permute, x.dtype, p.map((a) => x.shape[a]!), [x], { perm: p });
}

export function expand(cx: Elaboration, span: Span, x: Node, shape: readonly Dim[]): Node {
  const out = broadcastShapes(cx, span, [x.shape, shape]);
  if (!shapeEq(out, shape)) cx.fail(span, `cannot expand ${typeOf(x)} to ${shapeToString(shape)}`);
  return shapeEq(out, x.shape) ? x : make(cx, span, Op.Expand, x.dtype, out, [x]);
}

export function reduce(cx: Elaboration, span: Span, op: Op, x: Node, axis: number, keepdim: boolean): Node {
  const a = axisOf(cx, span, axis, x.shape.length);
  if (op !== Op.ReduceMax && !isFloat(x.dtype) && x.dtype !== 'i32') cx.fail(span, `${op} of ${typeOf(x)} is not defined`);
  const shape = keepdim ? x.shape.map((d, i) => (i === a ? ONE : d)) : x.shape.filter((_, i) => i !== a);
  return make(cx, span, op, x.dtype, shape, [x], { axis: a, keepdim });
}

export function softmax(cx: Elaboration, span: Span, x: Node, axis: number): Node {
  const a = axisOf(cx, span, axis, x.shape.length);
  if (!isFloat(x.dtype)) cx.fail(span, `softmax needs a float tensor, got ${typeOf(x)}`);
  if (a !== x.shape.length - 1) {
    const perm = x.shape.map((_, i) => i);
    [perm[a], perm[perm.length - 1]] = [perm[perm.length - 1]!, perm[a]!];
    const moved = permute(cx, span, x, perm);
    return permute(cx, span, make(cx, span, Op.Softmax, x.dtype, moved.shape, [moved], { axis: moved.shape.length - 1 }), perm);
  }
  return make(cx, span, Op.Softmax, x.dtype, x.shape, [x], { axis: a });
}

export function layerNorm(cx: Elaboration, span: Span, x: Node, w: Node, b: Node, eps: number): Node {
  const h = x.shape[x.shape.length - 1];
  for (const [name, p] of [['weight', w], ['bias', b]] as const) {
    if (!h || p.shape.length !== 1 || !dimEq(p.shape[0]!, h)) {
      cx.fail(span, `layer_norm ${name} has shape ${shapeToString(p.shape)} but the normalised dimension is ${h ? dimToString(h) : 'missing'}`);
    }
  }
  if (!isFloat(x.dtype)) cx.fail(span, `layer_norm needs a float tensor, got ${typeOf(x)}`);
  if (!(eps > 0)) cx.fail(span, `layer_norm eps must be positive, got ${eps}`);
  return make(cx, span, Op.LayerNorm, x.dtype, x.shape, [x, w, b], { eps });
}

export function gather(cx: Elaboration, span: Span, table: Node, ids: Node, what: string): Node {
  if (ids.dtype !== 'i32') cx.fail(span, `gather needs i32 indices, got ${typeOf(ids)}`, 'token ids are i32 tensors');
  if (table.shape.length < 1) cx.fail(span, `gather needs a table of rank 1 or more, got ${typeOf(table)}`);
  return make(cx, span, Op.Gather, table.dtype, [...ids.shape, ...table.shape.slice(1)], [table, ids], { what });
}

export function slice(cx: Elaboration, span: Span, x: Node, axis: number, start: Dim, end: Dim): Node {
  const a = axisOf(cx, span, axis, x.shape.length);
  const len = x.shape[a]!;
  const s = dimValue(start);
  const e = dimValue(end);
  const n = dimValue(len);
  if ((s !== undefined && s < 0) || (s !== undefined && e !== undefined && e < s) || (e !== undefined && n !== undefined && e > n)) {
    cx.fail(span, `slice ${dimToString(start)}..${dimToString(end)} is out of range for dimension ${a} of ${typeOf(x)}`);
  }
  if (s === 0 && dimEq(end, len)) return x;
  const shape = x.shape.map((d, i) => (i === a ? dimSub(end, start) : d));
  return make(cx, span, Op.Slice, x.dtype, shape, [x], { axis: a, start: dimToString(start), end: dimToString(end) });
}

export function concat(cx: Elaboration, span: Span, xs: readonly Node[], axis: number): Node {
  if (xs.length === 0) cx.fail(span, 'concat needs at least one tensor');
  const first = xs[0]!;
  if (xs.length === 1) return first;
  const a = axisOf(cx, span, axis, first.shape.length);
  let total: Dim = dimConst(0);
  for (const x of xs) {
    const same = x.shape.length === first.shape.length && x.shape.every((d, i) => i === a || dimEq(d, first.shape[i]!));
    if (!same || x.dtype !== first.dtype) cx.fail(span, `concat of ${typeOf(first)} and ${typeOf(x)} along axis ${a}: other dimensions differ`);
    total = dimAdd(total, x.shape[a]!);
  }
  return make(cx, span, Op.Concat, first.dtype, first.shape.map((d, i) => (i === a ? total : d)), xs, { axis: a });
}
