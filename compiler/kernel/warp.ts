/**
 * Workgroup reductions for targets with warp shuffles (CUDA): each warp combines its threads' partial tuples by a
 * butterfly of `shuffleXor` steps (log2(32) exchanges in registers), one thread per warp writes its warp's tuple to
 * workgroup memory, and after the one barrier every thread combines those few tuples in warp order. Against the
 * shared-memory tree of workgroup.ts that is one barrier instead of log2(workgroup) + 1, and 32× fewer
 * workgroup-memory slots. Every thread ends with the same bits: the last stage reads the same values in the same order.
 */
import type { KernelBuilder } from './builder.ts';
import * as E from './expr.ts';
import { type Expr, WARP } from './ir.ts';
import type { Combine } from './workgroup.ts';

/** The tuple combined over the thread's warp, in every lane of it (up to rounding: lanes combine in mirrored order). */
export function warpButterfly(k: KernelBuilder, parts: Expr[], combine: Combine): Expr[] {
  let mine = parts;
  for (let xor = WARP / 2; xor >= 1; xor /= 2) {
    const other = mine.map((p, j) => k.shuffleXor(`o${j}`, p, xor));
    mine = combine(mine, other).map((v, j) => k.let(`w${j}`, v));
  }
  return mine;
}

/** The tuple combined over the whole workgroup (a multiple of WARP threads), visible to every thread. */
export function warpWorkgroupReduce(k: KernelBuilder, parts: Expr[], combine: Combine): Expr[] {
  const warps = k.workgroup / WARP;
  if (!Number.isInteger(warps)) throw new Error(`warp reduction needs whole warps of ${WARP}, not a workgroup of ${k.workgroup}`);
  const arrays = parts.map((p, j) => {
    if (p.t !== 'f32' && p.t !== 'i32' && p.t !== 'u32') throw new Error(`warp reduction of ${p.t}`);
    return k.workgroupArray(`warp${j}`, p.t, warps);
  });
  const perWarp = warpButterfly(k, parts, combine);
  k.if(E.eq(E.mod(k.local, E.u32(WARP)), E.u32(0)), () => {
    const w = E.div(k.local, E.u32(WARP));
    arrays.forEach((a, j) => k.store(a, w, perWarp[j]!));
  });
  k.barrier();
  let total = arrays.map((a, j) => k.let(`total${j}`, k.load(a, E.u32(0))));
  for (let w = 1; w < warps; w++) {
    const next = arrays.map((a, j) => k.load(a, E.u32(w)));
    total = combine(total, next).map((v, j) => k.let(`total${j}`, v));
  }
  return total;
}
