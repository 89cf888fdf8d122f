/**
 * MatMul a [..., M, K] x b [..., K, N] with numpy-broadcast batch dims, as a tiled kernel.
 *
 * A workgroup of 16x16 threads owns a 64x64 tile of the output; each thread keeps a 4x4 block of it in registers
 * (register blocking: per k step a thread reads 4 + 4 values and does 16 multiply-adds). A and B go through
 * workgroup memory in 64x16 and 16x64 slabs that all 256 threads load together. On CPU drivers register blocking
 * is what pays (barriers are expensive there), so the slabs are deep in k rather than many.
 * When b has no batch dims, a's batch is folded into M ([B, S, H] x [H, N] is one [B*S, H] x [H, N] product).
 * An operand that is a transpose of its last two axes is read from its source with swapped strides (Linear's
 * `x @ W^T`, attention's `q @ k^T`), so neither a weight nor a key is ever copied to be transposed.
 */
import { type Dim, dimEq, dimMul, dimValue, shapeSize } from '../ir/dim.ts';
import type { Node } from '../ir/graph.ts';
import * as E from './expr.ts';
import { broadcastStrides, collapse, contiguousStrides, isContiguous, stridedOffsets } from './indexing.ts';
import { type Expr, storageVectorOf } from './ir.ts';
import type { ArrayRef } from './builder.ts';
import { type Launch, LaunchBuilder, storageOf } from './launch.ts';
import type { LowerContext } from './lower.ts';
import { elementwiseValue } from './math.ts';
import { isFloat, Op } from '../ir/ops.ts';
import { DEFAULT_TUNING, matmulSuffix, matmulThreads, matmulTilesProblem } from './tuning.ts';
import { loadVectorTile, multipleOf4 } from './vector-tile.ts';


export interface Batch {
  readonly shape: Dim[];
  /** Per batch axis: strides of out, a, b in elements. */
  readonly strides: Dim[][];
  readonly m: Dim;
}

export function batchLayout(node: Node, foldable: boolean): Batch {
  const [a, b] = node.src as [Node, Node];
  const m = a.shape[a.shape.length - 2]!;
  const k = a.shape[a.shape.length - 1]!;
  const n = b.shape[b.shape.length - 1]!;
  const outBatch = node.shape.slice(0, -2);
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  if (foldable && bBatch.every((d) => dimValue(d) === 1)) return { shape: [], strides: [[], [], []], m: dimMul(shapeSize(aBatch), m) };
  const scale = (s: Dim[], by: Dim) => s.map((d) => dimMul(d, by));
  const { shape, strides } = collapse(outBatch, [
    scale(contiguousStrides(outBatch), dimMul(m, n)),
    scale(broadcastStrides(aBatch, outBatch), dimMul(m, k)),
    scale(broadcastStrides(bBatch, outBatch), dimMul(k, n)),
  ]);
  return { shape, strides, m };
}

/**
 * The output tile a workgroup owns, for GEMM kernels of TILE×TILE tiles: groups run over N's tiles fastest, then M's,
 * then the batch, and a group past the last batch returns (uniformly, before any barrier). Its tile's row and column
 * indices and the batch's offsets into C, A and B.
 */
export function tileOf(lb: LaunchBuilder, batch: Batch, M: Expr, N: Expr, TILE: number): { tm: Expr; tn: Expr; cOff: Expr; aOff: Expr; bOff: Expr } {
  const k = lb.k;
  const u = E.u32;
  const tilesN = k.let('tiles_n', E.ceilDiv(N, u(TILE)));
  const tn = k.let('tn', E.mod(k.group, tilesN));
  const rest = k.let('rest', E.div(k.group, tilesN));
  const tilesM = k.let('tiles_m', E.ceilDiv(M, u(TILE)));
  const tm = k.let('tm', E.mod(rest, tilesM));
  const bi = k.let('bi', E.div(rest, tilesM));
  k.if(E.ge(bi, lb.size('batches', shapeSize(batch.shape))), () => k.return());
  const [cOff, aOff, bOff] = stridedOffsets(lb, bi, batch.shape, batch.strides) as [Expr, Expr, Expr];
  return { tm, tn, cOff, aOff, bOff };
}

export function lowerMatMul(node: Node, cx: LowerContext): Launch {
  const [a, b] = node.src as [Node, Node];
  if (!isFloat(a.dtype) || !isFloat(b.dtype)) throw new Error(`kernel lowering: matmul of ${a.dtype} and ${b.dtype}`);
  const aSource = cx.transposedFrom(a);
  const bSource = cx.transposedFrom(b);
  const batch = batchLayout(node, !aSource); // a transposed A has no contiguous rows to fold
  const layout = `${aSource ? 't' : 'n'}${bSource ? 't' : 'n'}`;
  const addends = node.src.slice(2);
  const act = node.op === Op.MatMulEpilogue ? (node.arg['act'] as Op | null) : null;
  const epi = addends.length > 0 || act ? `_epi${addends.length}${act ? `_${act}` : ''}` : '';
  // tile sizes are parameters (compiler/kernel/tuning.ts): the best ones depend on the device
  const tiles = cx.tuning?.matmul ?? DEFAULT_TUNING.matmul;
  const problem = matmulTilesProblem(tiles);
  if (problem) throw new Error(`kernel lowering: matmul tiles ${JSON.stringify(tiles)}: ${problem}`);
  const { tile: TILE, slab: SLAB, per: PER } = tiles;
  const SIDE = TILE / PER; // threads per tile side
  const THREADS = matmulThreads(tiles);
  // an int8 weight: i8 values and one f32 scale per output column, dequantised as the B slab is loaded
  const bScales = cx.scaleOf(bSource ?? b);
  const aStorage = storageOf(a.dtype);
  const bStorage = bScales !== undefined ? 'i8' : storageOf(b.dtype);
  // 16-byte tile loads (CUDA) of f32 operands whose contiguous axis (k of a plain A or a transposed B, n of a plain B)
  // is a multiple of 4; batch strides are multiples of it too, so every run of 4 is aligned. Narrow and int8 operands
  // keep their scalar typed loads; a tile shape that is not one run of 4 per thread keeps them too.
  const kDim = a.shape[a.shape.length - 1]!;
  const oneRunEach = TILE * SLAB === 4 * THREADS && SLAB % 4 === 0;
  const vecA = cx.vectorLoads && oneRunEach && aStorage === 'f32' && !aSource && multipleOf4(kDim);
  const vecB = cx.vectorLoads && oneRunEach && bStorage === 'f32' && multipleOf4(bSource ? kDim : b.shape[b.shape.length - 1]!);
  const vecLoads = vecA || vecB ? `_v4${vecA ? 'a' : ''}${vecB ? 'b' : ''}` : '';
  // A narrow output with a row length that is a multiple of 4: each thread's 4 adjacent columns are stored as one
  // 8-byte vector (CUDA: two half2; packed WGSL: two whole u32 words, no atomics).
  const out = storageOf(node.dtype);
  const nValue = dimValue(b.shape[b.shape.length - 1]!);
  const vecOut = (out === 'f16' || out === 'bf16') && nValue !== undefined && nValue % 4 === 0 && PER % 4 === 0;
  const suffix = `${bScales !== undefined ? '_q8' : ''}${epi}${vecLoads}${vecOut ? '_v4' : ''}`;
  const lb = new LaunchBuilder(`matmul_${node.dtype}_${layout}_b${batch.shape.length}${suffix}${matmulSuffix(tiles)}`, THREADS);
  const k = lb.k;
  // storage follows each operand's dtype; loads widen into the f32 tiles and accumulators, the store rounds
  const A = lb.bind('a', vecA ? 'f32x4' : aStorage, cx.buffer(aSource ?? a));
  const B = lb.bind('b', vecB ? 'f32x4' : bStorage, cx.buffer(bSource ?? b));
  const scaleB = bScales !== undefined ? lb.bind('b_scale', 'f32', bScales) : undefined;
  const C = lb.bind('c', vecOut ? storageVectorOf(out as 'f16' | 'bf16') : out, cx.buffer(node), true);
  const adds = addends.map((x, i) => lb.bind(`add${i}`, storageOf(x.dtype), cx.buffer(x)));
  const M = lb.size('m', batch.m);
  const K = lb.size('k', a.shape[a.shape.length - 1]!);
  const N = lb.size('n', b.shape[b.shape.length - 1]!);
  const batches = shapeSize(batch.shape);
  const u = E.u32;

  const { tm, tn, cOff, aOff, bOff } = tileOf(lb, batch, M, N, TILE);
  const lid = k.local;
  const tx = k.let('tx', E.mod(lid, u(SIDE)));
  const ty = k.let('ty', E.div(lid, u(SIDE)));
  const row0 = k.let('row0', E.mul(tm, u(TILE)));
  const col0 = k.let('col0', E.mul(tn, u(TILE)));
  const As = k.workgroupArray('a_tile', 'f32', TILE * SLAB);
  const Bs = k.workgroupArray('b_tile', 'f32', SLAB * TILE);
  const grid = (f: (i: number, j: number) => void) => {
    for (let i = 0; i < PER; i++) for (let j = 0; j < PER; j++) f(i, j);
  };
  const acc: ReturnType<typeof k.var>[][] = [...Array(PER)].map(() => []);
  grid((i, j) => acc[i]!.push(k.var(`acc${i}${j}`, 'f32', E.f32(0))));

  k.for('k0', u(0), K, u(SLAB), (k0) => {
    // A slab [TILE][SLAB] and B slab [SLAB][TILE], both row-major; zero outside the matrices.
    const aAt = (gm: Expr, gka: Expr) => E.add(aOff, aSource ? E.add(E.mul(gka, M), gm) : E.add(E.mul(gm, K), gka));
    const bAt = (gkb: Expr, gn: Expr) => E.add(bOff, bSource ? E.add(E.mul(gn, K), gkb) : E.add(E.mul(gkb, N), gn));
    if (vecA) {
      const at = (r: Expr, c: Expr) => [E.add(row0, r), E.add(k0, c)] as const;
      loadVectorTile(k, { dst: As, rows: TILE, cols: SLAB, alongRows: false, src: A, at: (r, c) => aAt(...at(r, c)), inside: (r, c) => E.and(E.lt(at(r, c)[0], M), E.lt(at(r, c)[1], K)) });
    }
    if (vecB) {
      const at = (r: Expr, c: Expr) => [E.add(k0, r), E.add(col0, c)] as const;
      loadVectorTile(k, { dst: Bs, rows: SLAB, cols: TILE, alongRows: !!bSource, src: B, at: (r, c) => bAt(...at(r, c)), inside: (r, c) => E.and(E.lt(at(r, c)[0], K), E.lt(at(r, c)[1], N)) });
    }
    for (let r = 0; r < (TILE * SLAB) / THREADS && !(vecA && vecB); r++) {
      const e = k.let('e', E.add(lid, u(THREADS * r)));
      if (!vecA) {
        const gm = k.let('gm', E.add(row0, E.div(e, u(SLAB))));
        const gka = k.let('gka', E.add(k0, E.mod(e, u(SLAB))));
        const av = k.var('av', 'f32', E.f32(0));
        k.if(E.and(E.lt(gm, M), E.lt(gka, K)), () => av.set(k.load(A, aAt(gm, gka))));
        k.store(As, e, av.get);
      }
      if (!vecB) {
        const gkb = k.let('gkb', E.add(k0, E.div(e, u(TILE))));
        const gn = k.let('gn', E.add(col0, E.mod(e, u(TILE))));
        const bv = k.var('bv', 'f32', E.f32(0));
        const bLoad = (): Expr => {
          const v = k.load(B, bAt(gkb, gn));
          return scaleB ? E.mul(v, k.load(scaleB, gn)) : v;
        };
        k.if(E.and(E.lt(gkb, K), E.lt(gn, N)), () => bv.set(bLoad()));
        k.store(Bs, e, bv.get);
      }
    }
    k.barrier();
    k.for('kk', u(0), u(SLAB), u(1), (kk) => {
      const av = [...Array(PER).keys()].map((i) => k.let(`a${i}`, k.load(As, E.add(E.mul(E.add(E.mul(ty, u(PER)), u(i)), u(SLAB)), kk))));
      const bv = [...Array(PER).keys()].map((j) => k.let(`b${j}`, k.load(Bs, E.add(E.mul(kk, u(TILE)), E.add(E.mul(tx, u(PER)), u(j))))));
      grid((i, j) => acc[i]![j]!.set(E.add(acc[i]![j]!.get, E.mul(av[i]!, bv[j]!))));
    });
    k.barrier();
  });

  if (vecOut) {
    // runs of 4 adjacent columns, each stored as one 8-byte vector (a thread owns PER / 4 of them per row)
    for (let i = 0; i < PER; i++) {
      for (let q = 0; q < PER; q += 4) {
        const gm = k.let('om', E.add(row0, E.add(E.mul(ty, u(PER)), u(i))));
        const gn = k.let('on', E.add(col0, E.add(E.mul(tx, u(PER)), u(q))));
        k.if(E.and(E.lt(gm, M), E.lt(gn, N)), () => {
          const at = k.let('at', E.add(cOff, E.add(E.mul(gm, N), gn)));
          const parts = acc[i]!.slice(q, q + 4).map((x, j) => k.let('r', epilogue(lb, node, addends, adds, act, x.get, E.add(at, u(j)), E.add(gn, u(j)))));
          k.store(C, E.div(at, u(4)), { k: 'vec', t: 'f32x4', parts });
        });
      }
    }
  } else grid((i, j) => {
    const gm = k.let('om', E.add(row0, E.add(E.mul(ty, u(PER)), u(i))));
    const gn = k.let('on', E.add(col0, E.add(E.mul(tx, u(PER)), u(j))));
    k.if(E.and(E.lt(gm, M), E.lt(gn, N)), () => {
      const at = k.let('at', E.add(cOff, E.add(E.mul(gm, N), gn)));
      k.store(C, at, epilogue(lb, node, addends, adds, act, acc[i]![j]!.get, at, gn));
    });
  });
  return lb.finish(node, [
    { dim: batches, per: 1 },
    { dim: batch.m, per: TILE },
    { dim: b.shape[b.shape.length - 1]!, per: TILE },
  ]);
}

/**
 * act(c + addend₀ + …) for output element `at` (flat, row-major) in column `gn`, added in the graph's order so the
 * fused result equals the unfused ops'. A bias [N] is read by column, a same-shape residual by `at`; anything else
 * through its broadcast strides.
 */
export function epilogue(lb: LaunchBuilder, node: Node, addends: readonly Node[], adds: ArrayRef[], act: Op | null, c: Expr, at: Expr, gn: Expr): Expr {
  const k = lb.k;
  let v = c;
  addends.forEach((x, i) => {
    const view = collapse(node.shape, [broadcastStrides(x.shape, node.shape)]);
    const last = x.shape[x.shape.length - 1];
    const byColumn = last !== undefined && dimEq(last, node.shape[node.shape.length - 1]!) && x.shape.slice(0, -1).every((d) => dimValue(d) === 1);
    const off = isContiguous(view.shape, view.strides[0]!) ? at : byColumn ? gn : stridedOffsets(lb, at, view.shape, view.strides)[0]!;
    v = E.add(v, k.load(adds[i]!, off));
  });
  return act ? elementwiseValue(k, act, 'f32', [v], ['f32']) : v;
}
