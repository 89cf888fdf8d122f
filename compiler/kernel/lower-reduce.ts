/**
 * Reductions over one axis (sum, max, mean), viewing the input as [outer, n, inner] around the axis.
 *
 * Over the last axis (inner = 1) a workgroup reduces one row cooperatively: threads stride over the row, then a
 * tree combines their partials. Over any other axis one thread owns one output and walks the axis, which keeps
 * neighbouring threads on neighbouring addresses. Integer and bool sums accumulate in i32 (wrapping, like the
 * reference's store), float ones in f32; max lets NaN win and gives -Infinity for an empty axis.
 */
import { dimValue, shapeSize } from '../ir/dim.ts';
import type { Node } from '../ir/graph.ts';
import { Op } from '../ir/ops.ts';
import * as E from './expr.ts';
import type { Expr, Scalar } from './ir.ts';
import { fromStorage, type Launch, LaunchBuilder, storageOf, toStorage } from './launch.ts';
import { ELEMENTWISE_WORKGROUP } from './lower-elementwise.ts';
import type { LowerContext } from './lower.ts';
import { maxKeepNan, NEG_INF, workgroupReduce } from './workgroup.ts';

export const ROW_WORKGROUP = 64;

interface Reducer {
  readonly t: Scalar;
  readonly init: Expr;
  readonly step: (acc: Expr, v: Expr) => Expr;
}

function reducer(node: Node): Reducer {
  const src = node.src[0]!;
  if (node.op === Op.ReduceMax) {
    if (src.dtype === 'f32') return { t: 'f32', init: NEG_INF, step: maxKeepNan };
    return { t: 'i32', init: E.i32(-2147483648), step: (a, b) => E.call('max', a, b) };
  }
  const t: Scalar = src.dtype === 'f32' ? 'f32' : 'i32';
  return { t, init: E.lit(t, 0), step: E.add };
}

export function lowerReduce(node: Node, cx: LowerContext): Launch {
  const x = node.src[0]!;
  const axis = node.arg['axis'] as number;
  const outer = shapeSize(x.shape.slice(0, axis));
  const n = x.shape[axis]!;
  const inner = shapeSize(x.shape.slice(axis + 1));
  const r = reducer(node);
  const rowWise = dimValue(inner) === 1;
  const lb = new LaunchBuilder(`${node.op}_${x.dtype}_${rowWise ? 'row' : 'col'}`, rowWise ? ROW_WORKGROUP : ELEMENTWISE_WORKGROUP);
  const k = lb.k;
  const src = lb.bind('x', storageOf(x.dtype, x), cx.buffer(x));
  const y = lb.bind('y', storageOf(node.dtype, node), cx.buffer(node), true);
  const len = lb.size('n', n);
  const read = (at: Expr): Expr => E.cast(r.t, fromStorage(k.load(src, at), x.dtype));
  const finish = (total: Expr): Expr => {
    const v = node.op === Op.ReduceMean ? E.div(total, E.cast(r.t, len)) : total;
    return toStorage(v, node.dtype);
  };

  if (rowWise) {
    const row = k.let('row', k.group);
    k.if(E.ge(row, lb.size('rows', outer)), () => k.return());
    const base = k.let('base', E.mul(row, len));
    const acc = k.var('acc', r.t, r.init);
    k.for('j', k.local, len, E.u32(ROW_WORKGROUP), (j) => acc.set(r.step(acc.get, read(E.add(base, j)))));
    const [total] = workgroupReduce(k, [acc.get], ([a], [b]) => [r.step(a!, b!)], cx.warpShuffles);
    k.if(E.eq(k.local, E.u32(0)), () => k.store(y, row, finish(total!)));
    return lb.finish(node, [{ dim: outer, per: 1 }]);
  }

  const i = k.let('i', k.global);
  const count = shapeSize([outer, inner]);
  k.if(E.ge(i, lb.size('count', count)), () => k.return());
  const innerSize = lb.size('inner', inner);
  const o = k.let('o', E.div(i, innerSize));
  const base = k.let('base', E.add(E.mul(E.mul(o, len), innerSize), E.mod(i, innerSize)));
  const acc = k.var('acc', r.t, r.init);
  k.for('j', E.u32(0), len, E.u32(1), (j) => acc.set(r.step(acc.get, read(E.add(base, E.mul(j, innerSize))))));
  k.store(y, i, finish(acc.get));
  return lb.finish(node, [{ dim: count, per: ELEMENTWISE_WORKGROUP }]);
}

