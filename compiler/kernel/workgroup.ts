/**
 * Cooperative reductions inside one workgroup: each thread contributes a tuple of partial results (a sum, or a
 * running max with its rescaled sum, or Welford's count/mean/M2) and a tree in workgroup memory combines them in
 * log2(workgroup) steps. The tree is unrolled here, so the kernel has no loop around its barriers and every barrier
 * sits in control flow that is uniform across the group.
 */
import type { KernelBuilder } from './builder.ts';
import * as E from './expr.ts';
import type { Expr } from './ir.ts';
import { warpWorkgroupReduce } from './warp.ts';

/** Combines two partial tuples into one; emits any temporaries it needs into the builder. */
export type Combine = (a: Expr[], b: Expr[]) => Expr[];

/**
 * The combined tuple, visible to every thread of the group. The workgroup size must be a power of two. With
 * `warpShuffles` (a target whose warps are WARP wide, see LowerContext) warps combine in registers first (warp.ts).
 */
export function workgroupReduce(k: KernelBuilder, parts: Expr[], combine: Combine, warpShuffles = false): Expr[] {
  if (warpShuffles) return warpWorkgroupReduce(k, parts, combine);
  const size = k.workgroup;
  if ((size & (size - 1)) !== 0) throw new Error(`workgroup reduction needs a power-of-two workgroup, not ${size}`);
  const arrays = parts.map((p, j) => {
    if (p.t !== 'f32' && p.t !== 'i32' && p.t !== 'u32') throw new Error(`workgroup reduction of ${p.t}`);
    return k.workgroupArray(`red${j}`, p.t, size);
  });
  const lid = k.local;
  arrays.forEach((a, j) => k.store(a, lid, parts[j]!));
  k.barrier();
  for (let stride = size / 2; stride >= 1; stride /= 2) {
    k.if(E.lt(lid, E.u32(stride)), () => {
      const mine = arrays.map((a, j) => k.let(`a${j}`, k.load(a, lid)));
      const other = arrays.map((a, j) => k.let(`b${j}`, k.load(a, E.add(lid, E.u32(stride)))));
      const out = combine(mine, other);
      arrays.forEach((a, j) => k.store(a, lid, out[j]!));
    });
    k.barrier();
  }
  return arrays.map((a, j) => k.let(`total${j}`, k.load(a, E.u32(0))));
}

/** -Infinity as a value the kernel can start a max from. */
export const NEG_INF = E.f32(-Infinity);

/** max that lets NaN win, as torch.amax does. */
export const maxKeepNan = (a: Expr, b: Expr): Expr => E.select(E.or(E.gt(b, a), E.ne(b, b)), b, a);

/**
 * Online softmax statistics: (m, s) means "s = Σ exp(x - m)". Merging rescales both sums to the larger max; a side
 * that has seen only -Infinity (m = -inf) contributes nothing, which keeps exp(-inf - -inf) = NaN out.
 */
export const combineMaxSum: Combine = ([m1, s1], [m2, s2]) => {
  const m = E.call('max', m1!, m2!);
  const part = (mi: Expr, si: Expr) => E.select(E.gt(mi, NEG_INF), E.mul(si, E.call('exp', E.sub(mi, m))), E.f32(0));
  return [m, E.add(part(m1!, s1!), part(m2!, s2!))];
};

/** Welford/Chan merge of (count, mean, M2) tuples; empty sides (count 0) are skipped. */
export const combineWelford: Combine = ([na, ma, qa], [nb, mb, qb]) => {
  const n = E.add(na!, nb!);
  const d = E.sub(mb!, ma!);
  const safeN = E.call('max', n, E.f32(1));
  const mean = E.add(ma!, E.div(E.mul(d, nb!), safeN));
  const m2 = E.add(E.add(qa!, qb!), E.div(E.mul(E.mul(d, d), E.mul(na!, nb!)), safeN));
  return [n, mean, m2];
};
