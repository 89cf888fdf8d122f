/**
 * Row ops over the last axis — softmax, LayerNorm, cross-entropy — as one workgroup per row.
 *
 * Each is one pass over the row for its statistics (online max-and-sum for softmax and logsumexp, Welford for mean
 * and variance) combined across the group by a tree, then one pass that writes. The row is read twice and never
 * written to scratch memory. Cross-entropy adds a second, single-workgroup launch that averages the kept rows.
 */
import { dimConst, shapeSize } from '../ir/dim.ts';
import type { Node } from '../ir/graph.ts';
import * as E from './expr.ts';
import type { Expr } from './ir.ts';
import { type Launch, LaunchBuilder, storageOf } from './launch.ts';
import type { LowerContext } from './lower.ts';
import { ROW_WORKGROUP } from './lower-reduce.ts';
import { lowerLayerNormX4 } from './lower-layer-norm-x4.ts';
import { multipleOf4 } from './vector-tile.ts';
import { combineMaxSum, combineWelford, NEG_INF, workgroupReduce } from './workgroup.ts';

/** Starts a row kernel: binds nothing, returns the row index, the row length and the row's base offset. */
export function rowStart(lb: LaunchBuilder, x: Node): { row: Expr; len: Expr; base: Expr } {
  const k = lb.k;
  const row = k.let('row', k.group);
  k.if(E.ge(row, lb.size('rows', shapeSize(x.shape.slice(0, -1)))), () => k.return());
  const len = lb.size('n', x.shape[x.shape.length - 1]!);
  return { row, len, base: k.let('base', E.mul(row, len)) };
}

/** Per-thread online (max, Σ exp(x - max)) over the thread's share of a row. */
function rowMaxSum(lb: LaunchBuilder, read: (j: Expr) => Expr, len: Expr, cx: LowerContext): Expr[] {
  const k = lb.k;
  const m = k.var('m', 'f32', NEG_INF);
  const s = k.var('s', 'f32', E.f32(0));
  k.for('j', k.local, len, E.u32(ROW_WORKGROUP), (j) => {
    const v = k.let('v', read(j));
    k.if(
      E.gt(v, m.get),
      () => {
        s.set(E.add(E.mul(s.get, E.call('exp', E.sub(m.get, v))), E.f32(1)));
        m.set(v);
      },
      () => k.if(E.gt(m.get, NEG_INF), () => s.set(E.add(s.get, E.call('exp', E.sub(v, m.get))))),
    );
  });
  return workgroupReduce(k, [m.get, s.get], combineMaxSum, cx.warpShuffles);
}

/** A row whose max is -Infinity becomes uniform (1/n), the answer a finite mask gives; see backends/cpu/rows.ts. */
export function lowerSoftmax(node: Node, cx: LowerContext): Launch {
  const x = node.src[0]!;
  const lb = new LaunchBuilder('softmax_f32', ROW_WORKGROUP);
  const k = lb.k;
  const src = lb.bind('x', storageOf(x.dtype, x), cx.buffer(x));
  const y = lb.bind('y', storageOf(node.dtype, node), cx.buffer(node), true);
  const { len, base } = rowStart(lb, x);
  const [m, s] = rowMaxSum(lb, (j) => k.load(src, E.add(base, j)), len, cx);
  const uniform = k.let('uniform', E.div(E.f32(1), E.cast('f32', len)));
  k.for('j', k.local, len, E.u32(ROW_WORKGROUP), (j) => {
    const at = k.let('at', E.add(base, j));
    const p = E.div(E.call('exp', E.sub(k.load(src, at), m!)), s!);
    k.store(y, at, E.select(E.gt(m!, NEG_INF), p, uniform));
  });
  return lb.finish(node, [{ dim: shapeSize(x.shape.slice(0, -1)), per: 1 }]);
}

/** (x - mean) / sqrt(var + eps) * weight + bias with the biased variance, statistics by Welford's one pass. */
export function lowerLayerNorm(node: Node, cx: LowerContext): Launch {
  const [x, w, b] = node.src as [Node, Node, Node];
  // 16-byte loads of f32 rows; narrow storages keep the scalar typed loads below
  const allF32 = [x, w, b, node].every((n) => storageOf(n.dtype) === 'f32');
  if (cx.vectorLoads && allF32 && multipleOf4(x.shape[x.shape.length - 1]!)) return lowerLayerNormX4(node, cx);
  const eps = node.arg['eps'] as number;
  const lb = new LaunchBuilder(`layer_norm_${node.dtype}`, ROW_WORKGROUP);
  const k = lb.k;
  // statistics are f32 registers whatever the storage
  const src = lb.bind('x', storageOf(x.dtype), cx.buffer(x));
  const weight = lb.bind('w', storageOf(w.dtype), cx.buffer(w));
  const bias = lb.bind('b', storageOf(b.dtype), cx.buffer(b));
  const y = lb.bind('y', storageOf(node.dtype), cx.buffer(node), true);
  const { len, base } = rowStart(lb, x);
  const cnt = k.var('cnt', 'f32', E.f32(0));
  const mean = k.var('mean', 'f32', E.f32(0));
  const m2 = k.var('m2', 'f32', E.f32(0));
  k.for('j', k.local, len, E.u32(ROW_WORKGROUP), (j) => {
    const v = k.let('v', k.load(src, E.add(base, j)));
    cnt.set(E.add(cnt.get, E.f32(1)));
    const d = k.let('d', E.sub(v, mean.get));
    mean.set(E.add(mean.get, E.div(d, cnt.get)));
    m2.set(E.add(m2.get, E.mul(d, E.sub(v, mean.get))));
  });
  const [, mu, q] = workgroupReduce(k, [cnt.get, mean.get, m2.get], combineWelford, cx.warpShuffles);
  const variance = k.let('variance', E.div(q!, E.cast('f32', len)));
  const rstd = k.let('rstd', E.div(E.f32(1), E.call('sqrt', E.add(variance, E.f32(eps)))));
  k.for('j', k.local, len, E.u32(ROW_WORKGROUP), (j) => {
    const at = k.let('at', E.add(base, j));
    const normed = E.mul(E.sub(k.load(src, at), mu!), rstd);
    k.store(y, at, E.add(E.mul(normed, k.load(weight, j)), k.load(bias, j)));
  });
  return lb.finish(node, [{ dim: shapeSize(x.shape.slice(0, -1)), per: 1 }]);
}

/**
 * Mean over kept rows of logsumexp(row) - row[label]. Labels are checked against [0, C) before anything runs (the
 * runtime does it for labels that come from inputs); here they are clamped so a computed one cannot read outside.
 */
export function lowerCrossEntropy(node: Node, cx: LowerContext): Launch[] {
  const [logits, labels] = node.src as [Node, Node];
  const ignore = typeof node.arg['ignoreIndex'] === 'number' ? (node.arg['ignoreIndex'] as number) : -100;
  const rows = logits.shape[0]!;
  const loss = cx.temp('f32', rows);
  const kept = cx.temp('i32', rows);

  const lb = new LaunchBuilder('cross_entropy_rows', ROW_WORKGROUP);
  const k = lb.k;
  const src = lb.bind('x', storageOf(logits.dtype), cx.buffer(logits));
  const lab = lb.bind('labels', 'i32', cx.buffer(labels));
  const lossOut = lb.bind('loss', 'f32', loss, true);
  const keptOut = lb.bind('kept', 'i32', kept, true);
  const { row, len, base } = rowStart(lb, logits);
  const [m, s] = rowMaxSum(lb, (j) => k.load(src, E.add(base, j)), len, cx);
  const label = k.let('label', k.load(lab, row));
  const keep = k.let('keep', E.ne(label, E.i32(ignore)));
  const col = k.let('col', E.cast('u32', E.call('clamp', label, E.i32(0), E.sub(E.cast('i32', len), E.i32(1)))));
  const lse = E.add(m!, E.call('log', s!));
  k.if(E.eq(k.local, E.u32(0)), () => {
    k.store(lossOut, row, E.select(keep, E.sub(lse, k.load(src, E.add(base, col))), E.f32(0)));
    k.store(keptOut, row, E.select(keep, E.i32(1), E.i32(0)));
  });
  const perRow = lb.finish(node, [{ dim: rows, per: 1 }]);

  const mb = new LaunchBuilder('cross_entropy_mean', ROW_WORKGROUP);
  const km = mb.k;
  const lossIn = mb.bind('loss', 'f32', loss);
  const keptIn = mb.bind('kept', 'i32', kept);
  const y = mb.bind('y', 'f32', cx.buffer(node), true);
  const total = km.var('total', 'f32', E.f32(0));
  const count = km.var('count', 'i32', E.i32(0));
  km.for('r', km.local, mb.size('rows', rows), E.u32(ROW_WORKGROUP), (r) => {
    total.set(E.add(total.get, km.load(lossIn, r)));
    count.set(E.add(count.get, km.load(keptIn, r)));
  });
  const [t, c] = workgroupReduce(km, [total.get, count.get], ([a1, a2], [b1, b2]) => [E.add(a1!, b1!), E.add(a2!, b2!)], cx.warpShuffles);
  km.if(E.eq(km.local, E.u32(0)), () => km.store(y, E.u32(0), E.div(t!, E.cast('f32', c!))));
  return [perRow, mb.finish(node, [{ dim: dimConst(1), per: 1 }])];
}
