/**
 * Op.AddNorm: layer_norm(x₀ + x₁ + …) as one workgroup per row, like the LayerNorm kernel (lower-rows.ts), except
 * that each element is the sum of the terms, read where they lie: a broadcast term through its strides, a gather the
 * schedule left unmaterialised (`cx.gatheredFrom`) as the table row its id picks. The row is summed twice (once for
 * Welford's statistics, once to write) instead of being written to scratch memory between the two passes.
 */
import { type Dim, shapeSize } from '../ir/dim.ts';
import type { Node } from '../ir/graph.ts';
import { Op } from '../ir/ops.ts';
import * as E from './expr.ts';
import { broadcastStrides, strideExpr, stridedOffsets } from './indexing.ts';
import type { Expr } from './ir.ts';
import { type Launch, LaunchBuilder, storageOf } from './launch.ts';
import type { LowerContext } from './lower.ts';
import { ROW_WORKGROUP } from './lower-reduce.ts';
import { combineWelford, workgroupReduce } from './workgroup.ts';

export function lowerAddNorm(node: Node, cx: LowerContext): Launch {
  const terms = node.src.slice(0, -2);
  const [w, b] = node.src.slice(-2) as [Node, Node];
  const eps = node.arg['eps'] as number;
  const gathered = terms.map((x) => cx.gatheredFrom(x));
  const lb = new LaunchBuilder(`add_norm_${node.dtype}_${gathered.map((g) => (g ? (g[1].op === Op.Arange ? 'a' : 'g') : 'x')).join('')}`, ROW_WORKGROUP);
  const k = lb.k;
  const rowsShape = node.shape.slice(0, -1);
  const row = k.let('row', k.group);
  k.if(E.ge(row, lb.size('rows', shapeSize(rowsShape))), () => k.return());
  const len = lb.size('n', node.shape[node.shape.length - 1]!);
  // per term: the offset of this row (into the ids for a gather, into the term otherwise) and the column stride
  const viewOf = (x: Node, g: readonly [Node, Node] | undefined): Dim[] => (g ? broadcastStrides(g[1].shape, rowsShape) : broadcastStrides(x.shape, node.shape).slice(0, -1));
  const rowOffsets = stridedOffsets(lb, row, rowsShape, terms.map((x, i) => viewOf(x, gathered[i])));
  const reads = terms.map((x, i): ((j: Expr) => Expr) => {
    const g = gathered[i];
    if (g) {
      const [table, ids] = g;
      const T = lb.bind(`table${i}`, storageOf(table.dtype), cx.buffer(table));
      // arange ids are their own index (the schedule gives such an arange no buffer)
      const raw = ids.op === Op.Arange ? E.cast('i32', rowOffsets[i]!) : k.load(lb.bind(`ids${i}`, 'i32', cx.buffer(ids)), rowOffsets[i]!);
      const last = E.sub(E.cast('i32', lb.size(`v${i}`, table.shape[0]!)), E.i32(1));
      const id = k.let(`id${i}`, E.cast('u32', E.call('clamp', raw, E.i32(0), last)));
      const at = k.let(`row${i}`, E.mul(id, len));
      return (j) => k.load(T, E.add(at, j));
    }
    const X = lb.bind(`x${i}`, storageOf(x.dtype), cx.buffer(x));
    const colStride = strideExpr(lb, `cs${i}`, broadcastStrides(x.shape, node.shape)[node.shape.length - 1]!);
    const at = k.let(`row${i}`, rowOffsets[i]!);
    return (j) => k.load(X, E.add(at, E.mul(j, colStride)));
  });
  // each operand in its own storage (narrow ones widen into f32 registers: the sum and statistics stay f32)
  const weight = lb.bind('w', storageOf(w.dtype), cx.buffer(w));
  const bias = lb.bind('b', storageOf(b.dtype), cx.buffer(b));
  const y = lb.bind('y', storageOf(node.dtype), cx.buffer(node), true);
  const value = (j: Expr): Expr => reads.slice(1).reduce((s, r) => E.add(s, r(j)), reads[0]!(j)); // the graph's order
  const base = k.let('base', E.mul(row, len));

  const cnt = k.var('cnt', 'f32', E.f32(0));
  const mean = k.var('mean', 'f32', E.f32(0));
  const m2 = k.var('m2', 'f32', E.f32(0));
  k.for('j', k.local, len, E.u32(ROW_WORKGROUP), (j) => {
    const v = k.let('v', value(j));
    cnt.set(E.add(cnt.get, E.f32(1)));
    const d = k.let('d', E.sub(v, mean.get));
    mean.set(E.add(mean.get, E.div(d, cnt.get)));
    m2.set(E.add(m2.get, E.mul(d, E.sub(v, mean.get))));
  });
  const [, mu, q] = workgroupReduce(k, [cnt.get, mean.get, m2.get], combineWelford, cx.warpShuffles);
  const rstd = k.let('rstd', E.div(E.f32(1), E.call('sqrt', E.add(E.div(q!, E.cast('f32', len)), E.f32(eps)))));
  k.for('j', k.local, len, E.u32(ROW_WORKGROUP), (j) => {
    const normed = E.mul(E.sub(value(j), mu!), rstd);
    k.store(y, E.add(base, j), E.add(E.mul(normed, k.load(weight, j)), k.load(bias, j)));
  });
  return lb.finish(node, [{ dim: shapeSize(rowsShape), per: 1 }]);
}
