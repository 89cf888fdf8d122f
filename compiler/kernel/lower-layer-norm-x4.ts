/**
 * LayerNorm for targets where 16-byte loads pay (CUDA, `vectorLoads`) and rows whose length is a multiple of 4: the
 * kernel of lower-rows.ts reading and writing the row, the weight and the bias as f32x4, so each thread takes 4
 * contiguous elements per step (one 128-bit load each) instead of 1. Row starts are aligned since the row length is a
 * multiple of 4. The statistics are one Welford pass over quads: each quad's mean and M2 merged by Chan's formula.
 */
import { shapeSize } from '../ir/dim.ts';
import type { Node } from '../ir/graph.ts';
import * as E from './expr.ts';
import type { Expr } from './ir.ts';
import { LaunchBuilder, type Launch } from './launch.ts';
import type { LowerContext } from './lower.ts';
import { ROW_WORKGROUP } from './lower-reduce.ts';
import { rowStart } from './lower-rows.ts';
import { combineWelford, workgroupReduce } from './workgroup.ts';

const LANES = [0, 1, 2, 3];

export function lowerLayerNormX4(node: Node, cx: LowerContext): Launch {
  const [x, w, b] = node.src as [Node, Node, Node];
  const eps = node.arg['eps'] as number;
  const lb = new LaunchBuilder('layer_norm_f32_x4', ROW_WORKGROUP);
  const k = lb.k;
  const src = lb.bind('x', 'f32x4', cx.buffer(x));
  const weight = lb.bind('w', 'f32x4', cx.buffer(w));
  const bias = lb.bind('b', 'f32x4', cx.buffer(b));
  const y = lb.bind('y', 'f32x4', cx.buffer(node), true);
  const { len, base } = rowStart(lb, x);
  const quads = k.let('quads', E.div(len, E.u32(4)));
  const first = k.let('first', E.div(base, E.u32(4)));
  const cnt = k.var('cnt', 'f32', E.f32(0));
  const mean = k.var('mean', 'f32', E.f32(0));
  const m2 = k.var('m2', 'f32', E.f32(0));
  k.for('j', k.local, quads, E.u32(ROW_WORKGROUP), (j) => {
    const v4 = k.let('v4', k.load(src, E.add(first, j)));
    // the quad's own mean and M2, merged into the running ones by Chan's formula: one division per quad
    const quadMean = k.let('quad_mean', E.mul(LANES.map((l) => E.lane(v4, l)).reduce((a, v) => E.add(a, v)), E.f32(0.25)));
    const dev = LANES.map((l) => k.let('dev', E.sub(E.lane(v4, l), quadMean)));
    const quadM2 = dev.map((d) => E.mul(d, d)).reduce((a, v) => E.add(a, v));
    cnt.set(E.add(cnt.get, E.f32(4)));
    const share = k.let('share', E.div(E.f32(4), cnt.get));
    const d = k.let('d', E.sub(quadMean, mean.get));
    mean.set(E.add(mean.get, E.mul(d, share)));
    m2.set(E.add(E.add(m2.get, quadM2), E.mul(E.mul(E.mul(d, d), E.sub(cnt.get, E.f32(4))), share)));
  });
  const [, mu, q] = workgroupReduce(k, [cnt.get, mean.get, m2.get], combineWelford, cx.warpShuffles);
  const variance = k.let('variance', E.div(q!, E.cast('f32', len)));
  const rstd = k.let('rstd', E.div(E.f32(1), E.call('sqrt', E.add(variance, E.f32(eps)))));
  k.for('j', k.local, quads, E.u32(ROW_WORKGROUP), (j) => {
    const at = k.let('at', E.add(first, j));
    const [xv, wv, bv] = [k.load(src, at), k.load(weight, j), k.load(bias, j)].map((v, i) => k.let(`${'xwb'[i]}4`, v)) as [Expr, Expr, Expr];
    const lanes = LANES.map((l) => E.add(E.mul(E.mul(E.sub(E.lane(xv, l), mu!), rstd), E.lane(wv, l)), E.lane(bv, l)));
    k.store(y, at, { k: 'vec', t: 'f32x4', parts: lanes });
  });
  return lb.finish(node, [{ dim: shapeSize(x.shape.slice(0, -1)), per: 1 }]);
}
