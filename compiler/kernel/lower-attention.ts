/**
 * Op.Attention as one flash-style kernel (FlashAttention's first form): a workgroup owns ROWS query rows of one
 * (batch, head), a thread per row. The keys and values are walked in tiles of `kt` that the group loads together into
 * workgroup memory (each key is read from global memory once per ROWS queries, not once per query); every thread then
 * runs the online softmax over the tile for its own row, keeping the running max m, the running sum l and the output
 * row scaled to m in registers. The S×T score matrix never exists anywhere, not even a row of it.
 * Head sizes are compile-time constants, so q and the accumulator are unrolled into registers.
 *
 * A row whose every score is -Infinity gets the mean of v, the answer the unfused softmax gives (backends/cpu/rows.ts):
 * while the running max is -Infinity every key weighs 1, and the first finite score rescales that away (exp(-inf) = 0).
 */
import { attentionDims, attentionOffset, attentionStrides } from '../ir/attention.ts';
import { type Dim, dimConst, dimMul, dimValue, shapeSize } from '../ir/dim.ts';
import type { Node } from '../ir/graph.ts';
import * as E from './expr.ts';
import { broadcastStrides, strideExpr } from './indexing.ts';
import type { Expr } from './ir.ts';
import { type Launch, LaunchBuilder, storageOf } from './launch.ts';
import type { LowerContext } from './lower.ts';
import { attentionSuffix, DEFAULT_TUNING } from './tuning.ts';
import { NEG_INF } from './workgroup.ts';

/** Workgroup memory for one K and one V tile, in floats: 8 KiB, half of WebGPU's guaranteed 16 KiB. */
const TILE_FLOATS = 2048;

function constDim(d: Dim, what: string): number {
  const v = dimValue(d);
  if (v === undefined) throw new Error(`kernel lowering: attention ${what} must be a compile-time constant`);
  return v;
}

export function lowerAttention(node: Node, cx: LowerContext): Launch {
  const [q, k, v, mask, bias] = node.src as [Node, Node, Node, Node, Node | undefined];
  const a = attentionDims(node);
  const D = constDim(a.d, 'head size');
  const Dv = constDim(a.dv, 'value head size');
  const ROWS = (cx.tuning?.attention ?? DEFAULT_TUNING.attention).rows; // a parameter: see compiler/kernel/tuning.ts
  const kt = Math.max(1, Math.min(ROWS, 2 ** Math.floor(Math.log2(TILE_FLOATS / (D + Dv)))));
  const scale = node.arg['scale'] as number;
  const lb = new LaunchBuilder(`attention_${node.dtype}_${a.packed ? 'packed' : a.bshd ? 'bshd' : 'bhsd'}_d${D}_v${Dv}${bias ? '_bias' : ''}${attentionSuffix({ rows: ROWS })}`, ROWS);
  const kb = lb.k;
  const u = E.u32;
  const bind = (name: string, x: Node, write = false) => lb.bind(name, storageOf(x.dtype), cx.buffer(x), write);
  const Q = bind('q', q);
  const K = bind('k', k);
  const V = bind('v', v);
  const M = bind('mask', mask);
  const Bi = bias ? bind('bias', bias) : undefined;
  const O = bind('out', node, true);
  const scores = [a.b, a.h, a.s, a.t];
  const heads = dimMul(a.b, a.h);

  const S = lb.size('s_len', a.s);
  const T = lb.size('t_len', a.t);
  const blocks = kb.let('blocks', E.ceilDiv(S, u(ROWS)));
  const bh = kb.let('bh', E.div(kb.group, blocks));
  kb.if(E.ge(bh, lb.size('heads_total', heads)), () => kb.return());
  const H = lb.size('heads', a.h);
  const b = kb.let('b', E.div(bh, H));
  const h = kb.let('h', E.mod(bh, H));
  const s = kb.let('s', E.add(E.mul(E.mod(kb.group, blocks), u(ROWS)), kb.local));
  const live = kb.let('live', E.lt(s, S));
  const sr = kb.let('s_read', E.call('min', s, E.sub(S, u(1)))); // idle threads read row S-1 and store nothing
  /** Offset of (b, h, 0) in an operand of `len` positions and `width` features, and its stride per position. */
  const base = (name: string, len: Dim, width: Dim, which?: 0 | 1 | 2, dims = a): [Expr, Expr] => {
    const [sb, sh, sp] = attentionStrides(dims, len, width, dimMul).map((d, i) => strideExpr(lb, `${name}${i}`, d)) as [Expr, Expr, Expr];
    const at = E.add(E.mul(b, sb), E.mul(h, sh));
    const packedAt = which && dims.packed ? E.add(at, strideExpr(lb, `${name}_off`, attentionOffset(a, which, width, dimMul))) : at;
    return [kb.let(`${name}_base`, packedAt), sp];
  };
  const [qBase, qStep] = base('qs', a.s, a.d);
  const [kBase, kStep] = base('ks', a.t, a.d, 1);
  const [vBase, vStep] = base('vs', a.t, a.dv, 2);
  const [oBase, oStep] = base('os', a.s, a.dv, undefined, { ...a, stored: a.h }); // the result holds h heads
  /** Element (b, h, s_read, t) of a tensor broadcast to the scores. */
  const at = (name: string, shape: readonly Dim[], t: Expr): Expr => {
    const c = [b, h, sr, t];
    return broadcastStrides(shape, scores).reduce<Expr>((acc, d, i) => E.add(acc, E.mul(c[i]!, strideExpr(lb, `${name}${i}`, d))), u(0));
  };

  const qRow = kb.let('q_at', E.add(qBase, E.mul(sr, qStep)));
  const qv = [...Array(D).keys()].map((d) => kb.let(`q${d}`, kb.load(Q, E.add(qRow, u(d)))));
  const m = kb.var('m', 'f32', NEG_INF);
  const l = kb.var('l', 'f32', E.f32(0));
  const acc = [...Array(Dv).keys()].map((d) => kb.var(`o${d}`, 'f32', E.f32(0)));
  const Ks = kb.workgroupArray('k_tile', 'f32', kt * D);
  const Vs = kb.workgroupArray('v_tile', 'f32', kt * Dv);
  const loadTile = (tile: ReturnType<typeof kb.workgroupArray>, src: typeof K, at0: Expr, step: Expr, width: number, t0: Expr) =>
    kb.for('e', kb.local, u(kt * width), u(ROWS), (e) => {
      const t = kb.let('t', E.add(t0, E.div(e, u(width))));
      const x = kb.var('x', 'f32', E.f32(0));
      kb.if(E.lt(t, T), () => x.set(kb.load(src, E.add(E.add(at0, E.mul(t, step)), E.mod(e, u(width))))));
      kb.store(tile, e, x.get);
    });

  kb.for('t0', u(0), T, u(kt), (t0) => {
    loadTile(Ks, K, kBase, kStep, D, t0);
    loadTile(Vs, V, vBase, vStep, Dv, t0);
    kb.barrier();
    kb.for('j', u(0), E.call('min', u(kt), E.sub(T, t0)), u(1), (j) => {
      const t = kb.let('t', E.add(t0, j));
      const kRow = kb.let('k_at', E.mul(j, u(D)));
      const dot = qv.reduce<Expr>((sum, qd, d) => E.add(sum, E.mul(qd, kb.load(Ks, E.add(kRow, u(d))))), E.f32(0));
      const biased = Bi ? E.add(kb.let('dot', dot), kb.load(Bi, at('bs', bias!.shape, t))) : dot;
      const score = kb.let('score', E.add(E.mul(biased, E.f32(scale)), kb.load(M, at('ms', mask.shape, t))));
      const mNew = kb.let('m_new', E.call('max', m.get, score));
      const finite = kb.let('finite', E.gt(mNew, NEG_INF));
      const corr = kb.let('corr', E.select(finite, E.call('exp', E.sub(m.get, mNew)), E.f32(1)));
      const p = kb.let('p', E.select(finite, E.call('exp', E.sub(score, mNew)), E.f32(1)));
      l.set(E.add(E.mul(l.get, corr), p));
      const vRow = kb.let('v_at', E.mul(j, u(Dv)));
      acc.forEach((o, d) => o.set(E.add(E.mul(o.get, corr), E.mul(p, kb.load(Vs, E.add(vRow, u(d)))))));
      m.set(mNew);
    });
    kb.barrier();
  });

  kb.if(live, () => {
    const oRow = kb.let('o_at', E.add(oBase, E.mul(s, oStep)));
    acc.forEach((o, d) => kb.store(O, E.add(oRow, u(d)), E.div(o.get, l.get)));
  });
  return lb.finish(node, [
    { dim: heads, per: 1 },
    { dim: a.s, per: ROWS },
  ]);
}

/** Floating-point operations of one Attention node (two products of S·T·D multiply-adds), for reports. */
export function attentionFlops(node: Node): Dim {
  const a = attentionDims(node);
  return shapeSize([dimConst(2), a.b, a.h, a.s, a.t, dimConst(constDim(a.d, 'D') + constDim(a.dv, 'Dv'))]);
}
