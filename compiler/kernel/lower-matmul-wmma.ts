/**
 * MatMul (and MatMulEpilogue) of f16 or bf16 operands on tensor cores: the CUDA-only variant of lower-matmul.ts's
 * GEMM, chosen by the schedule when the target asks for tensor cores (`tensorCores`, set by backends/cuda) and both
 * operands are stored in the same narrow float type. int8 weights and mixed f32 × f16 products stay on the portable
 * kernel.
 *
 * A block of 4 warps owns a 64×64 tile of C; each warp owns a 32×32 quarter as 2×2 accumulator fragments of 16×16
 * (f32). Per 32-deep k slab all 128 threads copy A and B into shared memory (zero outside the matrices, so M, N and K
 * need not be multiples of 16), then each warp runs 2 k steps of 2×2 `mma`s. Each operand keeps its memory layout in
 * shared memory, so global reads stay contiguous: a transposed operand (Linear's `x @ Wᵀ`, attention's `q @ kᵀ`) is
 * staged as it lies and loaded as a column-major fragment. Rows are padded by 8 halves (4 floats) against bank
 * conflicts, which keeps every fragment pointer 32-byte aligned. The epilogue (addends in the graph's order, then
 * the activation) runs after the accumulators are stored to a shared f32 tile, one coalesced output element per
 * thread per step, exactly as the portable kernel computes it.
 */
import { dimValue, shapeSize } from '../ir/dim.ts';
import type { Node } from '../ir/graph.ts';
import { Op } from '../ir/ops.ts';
import * as E from './expr.ts';
import { stridedOffsets } from './indexing.ts';
import type { ArrayRef } from './builder.ts';
import { type Expr, storageVectorOf } from './ir.ts';
import { type Launch, LaunchBuilder, storageOf } from './launch.ts';
import { batchLayout, epilogue, tileOf } from './lower-matmul.ts';
import type { LowerContext } from './lower.ts';
import type { FragmentType, FragmentUse, TileLayout } from './wmma.ts';

const TILE = 64;
const SLAB = 32;
const WARPS = 4;
const THREADS = WARPS * 32;
const PAD_HALVES = 8;
const PAD_FLOATS = 4;
const F = 16; // fragment side

/**
 * One operand as its TILE × SLAB slab is copied to shared memory (zero outside the matrix). `o` is its non-k
 * index (m of A, n of B) within the tile, `kk` the depth: `global(o, kk)` is its element in memory (`bound` the
 * extent of o), `tileAt(o, kk)` its (row, col) in the tile. `kFast`: k is the contiguous axis, in memory and in the
 * tile alike; `vec` then reads 4 at a time.
 */
interface Operand {
  readonly src: ArrayRef;
  readonly tile: ArrayRef;
  readonly ld: number;
  readonly layout: TileLayout;
  readonly kFast: boolean;
  readonly vec: boolean;
  readonly off: Expr;
  readonly bound: Expr;
  readonly o0: Expr;
  global(o: Expr, kk: Expr): Expr;
  tileAt(o: Expr, kk: Expr): [Expr, Expr];
}

/** The narrow float both operands are stored in, when the node can run on tensor cores. */
export function tensorCoreOperands(node: Node, cx: LowerContext): 'f16' | 'bf16' | undefined {
  if (!cx.tensorCores || (node.op !== Op.MatMul && node.op !== Op.MatMulEpilogue)) return undefined;
  const [a, b] = node.src as [Node, Node];
  if (cx.scaleOf(cx.transposedFrom(b) ?? b) !== undefined) return undefined;
  const [sa, sb] = [storageOf(a.dtype), storageOf(b.dtype)];
  return (sa === 'f16' || sa === 'bf16') && sa === sb ? sa : undefined;
}

/** The tensor-core GEMM for `node`, or undefined when it does not qualify (see tensorCoreOperands). */
export function lowerMatMulWmma(node: Node, cx: LowerContext): Launch | undefined {
  const t = tensorCoreOperands(node, cx);
  if (!t) return undefined;
  const [a, b] = node.src as [Node, Node];
  const aSource = cx.transposedFrom(a);
  const bSource = cx.transposedFrom(b);
  const batch = batchLayout(node, !aSource);
  const addends = node.src.slice(2);
  const act = node.op === Op.MatMulEpilogue ? (node.arg['act'] as Op | null) : null;
  const epi = addends.length > 0 || act ? `_epi${addends.length}${act ? `_${act}` : ''}` : '';
  const layout = `${aSource ? 't' : 'n'}${bSource ? 't' : 'n'}`;
  const lb = new LaunchBuilder(`matmul_wmma_${node.dtype}_${t}_${layout}_b${batch.shape.length}${epi}`, THREADS);
  const k = lb.k;
  k.onlyFor('cuda');
  // Operands contiguous along k (A plain, B transposed: Linear's x @ Wᵀ) with K a multiple of 4 are read four
  // halves at a time (8-byte loads); the others one by one.
  const aLayout: TileLayout = aSource ? 'col' : 'row';
  const bLayout: TileLayout = bSource ? 'col' : 'row';
  const kValue = dimValue(a.shape[a.shape.length - 1]!);
  const aVec = aLayout === 'row' && kValue !== undefined && kValue % 4 === 0;
  const bVec = bLayout === 'col' && kValue !== undefined && kValue % 4 === 0;
  const A = lb.bind('a', aVec ? storageVectorOf(t) : t, cx.buffer(aSource ?? a));
  const B = lb.bind('b', bVec ? storageVectorOf(t) : t, cx.buffer(bSource ?? b));
  const C = lb.bind('c', storageOf(node.dtype), cx.buffer(node), true);
  const adds = addends.map((x, i) => lb.bind(`add${i}`, storageOf(x.dtype), cx.buffer(x)));
  const M = lb.size('m', batch.m);
  const K = lb.size('k', a.shape[a.shape.length - 1]!);
  const N = lb.size('n', b.shape[b.shape.length - 1]!);
  const batches = shapeSize(batch.shape);
  const u = E.u32;

  const { tm, tn, cOff, aOff, bOff } = tileOf(lb, batch, M, N, TILE);
  const lid = k.local;
  const warp = k.let('warp', E.div(lid, u(32)));
  const wm = k.let('wm', E.mul(E.div(warp, u(2)), u(TILE / 2)));
  const wn = k.let('wn', E.mul(E.mod(warp, u(2)), u(TILE / 2)));
  const row0 = k.let('row0', E.mul(tm, u(TILE)));
  const col0 = k.let('col0', E.mul(tn, u(TILE)));

  // A's slab holds (m, kk) for m < TILE, kk < SLAB; B's (kk, n). Row layout: the second index is contiguous.
  const aLd = (aLayout === 'row' ? SLAB : TILE) + PAD_HALVES;
  const bLd = (bLayout === 'row' ? TILE : SLAB) + PAD_HALVES;
  const As = k.workgroupArray('a_tile', t, (aLayout === 'row' ? TILE : SLAB) * aLd);
  const Bs = k.workgroupArray('b_tile', t, (bLayout === 'row' ? SLAB : TILE) * bLd);
  const cLd = TILE + PAD_FLOATS;
  const Cs = k.workgroupArray('c_tile', 'f32', TILE * cLd);
  /** Tile element (r, c) of a tile stored in `lay` with leading dimension `ld`. */
  const tileIndex = (lay: TileLayout, ld: number, r: Expr, c: Expr): Expr => (lay === 'row' ? E.add(E.mul(r, u(ld)), c) : E.add(E.mul(c, u(ld)), r));

  /** Copies `op`'s slab at depth k0 into its shared tile (see Operand). */
  const stage = (op: Operand, k0: Expr) => {
    const per = op.vec ? 4 : 1;
    const fast = op.kFast ? SLAB / per : TILE;
    k.for('r', u(0), u((TILE * SLAB) / per / THREADS), u(1), (r) => {
      const e = k.let('e', E.add(lid, E.mul(r, u(THREADS))));
      const [o, kk] = op.kFast ? [E.div(e, u(fast)), E.mul(E.mod(e, u(fast)), u(per))] : [E.mod(e, u(fast)), E.div(e, u(fast))];
      const go = k.let('go', E.add(op.o0, o));
      const gk = k.let('gk', E.add(k0, kk));
      const inside = E.and(E.lt(go, op.bound), E.lt(gk, K)); // with 4 at a time, K % 4 == 0 keeps all four inside
      const at = (i: number) => tileIndex(op.layout, op.ld, ...op.tileAt(o, E.add(kk, u(i))));
      if (!op.vec) {
        const v = k.var('v', 'f32', E.f32(0));
        k.if(inside, () => v.set(k.load(op.src, E.add(op.off, op.global(go, gk)))));
        k.store(op.tile, at(0), v.get);
        return;
      }
      const v = k.var('v4', 'f32x4', { k: 'vec', t: 'f32x4', parts: [0, 1, 2, 3].map(() => E.f32(0)) });
      k.if(inside, () => v.set(k.load(op.src, E.div(E.add(op.off, op.global(go, gk)), u(4)))));
      for (let i = 0; i < 4; i++) k.store(op.tile, at(i), E.lane(v.get, i));
    });
  };
  const aOperand: Operand = {
    src: A, tile: As, ld: aLd, layout: aLayout, kFast: aLayout === 'row', vec: aVec, off: aOff, bound: M, o0: row0,
    global: (m, kk) => (aSource ? E.add(E.mul(kk, M), m) : E.add(E.mul(m, K), kk)),
    tileAt: (m, kk) => [m, kk],
  };
  const bOperand: Operand = {
    src: B, tile: Bs, ld: bLd, layout: bLayout, kFast: bLayout === 'col', vec: bVec, off: bOff, bound: N, o0: col0,
    global: (n, kk) => (bSource ? E.add(E.mul(n, K), kk) : E.add(E.mul(kk, N), n)),
    tileAt: (n, kk) => [kk, n],
  };

  const fragment = (name: string, use: FragmentUse, ft: FragmentType, lay: TileLayout): string => {
    const n = k.fresh(name);
    k.intrinsic({ k: 'wmma_fragment', name: n, use, t: ft, layout: lay });
    return n;
  };
  const acc = [0, 1].map((i) => [0, 1].map((j) => fragment(`acc${i}${j}`, 'acc', 'f32', 'row')));
  acc.flat().forEach((f) => k.intrinsic({ k: 'wmma_zero', frag: f }));
  const fa = [0, 1].map((i) => fragment(`fa${i}`, 'a', t, aLayout));
  const fb = [0, 1].map((j) => fragment(`fb${j}`, 'b', t, bLayout));

  k.for('k0', u(0), K, u(SLAB), (k0) => {
    stage(aOperand, k0);
    stage(bOperand, k0);
    k.barrier();
    for (let ks = 0; ks < SLAB; ks += F) {
      fa.forEach((f, i) => k.intrinsic({ k: 'wmma_load', frag: f, array: As.name, at: tileIndex(aLayout, aLd, E.add(wm, u(i * F)), u(ks)), ld: aLd }));
      fb.forEach((f, j) => k.intrinsic({ k: 'wmma_load', frag: f, array: Bs.name, at: tileIndex(bLayout, bLd, u(ks), E.add(wn, u(j * F))), ld: bLd }));
      acc.forEach((row, i) => row.forEach((f, j) => k.intrinsic({ k: 'wmma_mma', acc: f, a: fa[i]!, b: fb[j]! })));
    }
    k.barrier();
  });

  acc.forEach((row, i) => row.forEach((f, j) => k.intrinsic({ k: 'wmma_store', array: Cs.name, at: tileIndex('row', cLd, E.add(wm, u(i * F)), E.add(wn, u(j * F))), ld: cLd, frag: f })));
  k.barrier();
  k.for('r', u(0), u((TILE * TILE) / THREADS), u(1), (r) => {
    const e = k.let('e', E.add(lid, E.mul(r, u(THREADS))));
    const [cr, cc] = [k.let('cr', E.div(e, u(TILE))), k.let('cc', E.mod(e, u(TILE)))];
    const gm = k.let('om', E.add(row0, cr));
    const gn = k.let('on', E.add(col0, cc));
    k.if(E.and(E.lt(gm, M), E.lt(gn, N)), () => {
      const o = k.let('at', E.add(cOff, E.add(E.mul(gm, N), gn)));
      k.store(C, o, epilogue(lb, node, addends, adds, act, k.load(Cs, tileIndex('row', cLd, cr, cc)), o, gn));
    });
  });
  return lb.finish(node, [
    { dim: batches, per: 1 },
    { dim: batch.m, per: TILE },
    { dim: b.shape[b.shape.length - 1]!, per: TILE },
  ]);
}
