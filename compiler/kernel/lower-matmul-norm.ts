/**
 * Op.MatMulNorm: layer_norm(a·b + addends) as one kernel in which a workgroup owns ROWS whole output rows, so the
 * row statistics can be taken before anything is written (a tiled matmul's workgroup sees only 64 columns of a row).
 *
 * Register blocking, no barrier in the k loop: the 256 threads are RT × CT (row threads × column threads); each keeps
 * RB rows × ceil(N / CT) columns of accumulators and, per k, reads RB values of a and its columns of b straight from
 * global memory (CPU drivers cache them; a workgroup barrier per slab costs more there than the reuse it buys, see
 * ../shared/notes/webgpu-on-cpu.md). The statistics are two passes over per-thread partials in workgroup memory
 * (mean, then the centred sum of squares), four barriers per workgroup in all. With warp shuffles (CUDA) each warp
 * sums its 32 partials in registers first, so a row's sum is CT / WARP loads instead of CT, one barrier per pass.
 */
import { dimValue, shapeSize } from '../ir/dim.ts';
import type { Node } from '../ir/graph.ts';
import * as E from './expr.ts';
import { type Expr, WARP } from './ir.ts';
import { type Launch, LaunchBuilder, storageOf } from './launch.ts';
import { isFloat } from '../ir/ops.ts';
import type { LowerContext } from './lower.ts';
import { epilogue } from './lower-matmul.ts';
import { warpButterfly } from './warp.ts';

const RT = 4; // row threads
const RB = 4; // rows per thread
const CT = 64; // column threads
const ROWS = RT * RB;

export function lowerMatMulNorm(node: Node, cx: LowerContext): Launch {
  const [a, b] = node.src as [Node, Node];
  const addends = node.src.slice(2, -2);
  const [w, bias] = node.src.slice(-2) as [Node, Node];
  const N = dimValue(node.shape[node.shape.length - 1]!);
  if (N === undefined || !isFloat(a.dtype)) throw new Error('kernel lowering: matmul_norm needs floats and a constant row length');
  const bSource = cx.transposedFrom(b);
  const cols = Math.ceil(N / CT);
  // an int8 weight: i8 values and one f32 scale per output column, dequantised as b is read
  const bScales = cx.scaleOf(bSource ?? b);
  const q8 = bScales !== undefined ? '_q8' : '';
  const lb = new LaunchBuilder(`matmul_norm_${node.dtype}_${bSource ? 't' : 'n'}_n${N}${q8}_epi${addends.length}`, RT * CT);
  const k = lb.k;
  const u = E.u32;
  // each operand in its own storage (narrow ones widen into f32 registers: precision lowering)
  const bind = (name: string, x: Node, write = false) => lb.bind(name, storageOf(x.dtype), cx.buffer(x), write);
  const A = bind('a', a);
  const B = bScales !== undefined ? lb.bind('b', 'i8', cx.buffer(bSource ?? b)) : bind('b', bSource ?? b);
  const scaleB = bScales !== undefined ? lb.bind('b_scale', 'f32', bScales) : undefined;
  const Y = bind('y', node, true);
  const adds = addends.map((x, i) => bind(`add${i}`, x));
  const W = bind('w', w);
  const Bb = bind('bias', bias);
  const rowsDim = shapeSize(node.shape.slice(0, -1));
  const M = lb.size('m', rowsDim);
  const K = lb.size('k', a.shape[a.shape.length - 1]!);
  const tx = k.let('tx', E.mod(k.local, u(CT)));
  const ty = k.let('ty', E.div(k.local, u(CT)));
  const rowFirst = k.let('row_first', E.add(E.mul(k.group, u(ROWS)), E.mul(ty, u(RB))));
  // rows past M redo row M-1 and store nothing, so every thread reaches every barrier
  const rows = [...Array(RB).keys()].map((r) => k.let(`r${r}`, E.call('min', E.add(rowFirst, u(r)), E.sub(M, u(1)))));
  const col = [...Array(cols).keys()].map((i) => k.let(`c${i}`, E.add(tx, u(i * CT))));
  const colRead = col.map((c) => (N % CT === 0 ? c : k.let('c_read', E.call('min', c, u(N - 1)))));
  const inRow = (i: number): Expr | undefined => ((i + 1) * CT <= N ? undefined : E.lt(col[i]!, u(N)));
  const acc = rows.map((_, r) => col.map((_, i) => k.var(`acc${r}_${i}`, 'f32', E.f32(0))));
  const aRow = rows.map((r) => k.let('a_row', E.mul(r, K)));

  k.for('kk', u(0), K, u(1), (kk) => {
    const av = aRow.map((r) => k.let('av', k.load(A, E.add(r, kk))));
    const bv = colRead.map((c) => {
      const v = k.load(B, bSource ? E.add(E.mul(c, K), kk) : E.add(E.mul(kk, u(N)), c));
      return k.let('bv', scaleB ? E.mul(v, k.load(scaleB, c)) : v);
    });
    acc.forEach((row, r) => row.forEach((x, i) => x.set(E.add(x.get, E.mul(av[r]!, bv[i]!)))));
  });

  // finished values (bias, residual) replace the accumulators; columns past N count as 0 in the sums
  acc.forEach((row, r) => row.forEach((x, i) => x.set(epilogue(lb, node, addends, adds, null, x.get, E.add(E.mul(rows[r]!, u(N)), colRead[i]!), colRead[i]!))));
  const masked = (r: number, i: number, v: Expr): Expr => (inRow(i) ? E.select(inRow(i)!, v, E.f32(0)) : v);
  const useWarps = cx.warpShuffles && CT % WARP === 0;
  const partials = useWarps ? undefined : k.workgroupArray('row_part', 'f32', ROWS * CT);
  const slot = (r: number) => E.add(E.mul(E.add(E.mul(ty, u(RB)), u(r)), u(CT)), tx);
  /** Σ over the row of f(value, column) — each thread's partial, then every thread sums its rows' CT partials. */
  const rowSums = (name: string, f: (r: number, i: number) => Expr): Expr[] => {
    rows.forEach((_, r) => k.store(partials!, slot(r), acc[r]!.reduce<Expr>((s, _x, i) => E.add(s, masked(r, i, f(r, i))), E.f32(0))));
    k.barrier();
    const sums = rows.map((_, r) => {
      const s = k.var(`${name}${r}`, 'f32', E.f32(0));
      const base = k.let('part_at', E.mul(E.add(E.mul(ty, u(RB)), u(r)), u(CT)));
      k.for('p', u(0), u(CT), u(1), (p) => s.set(E.add(s.get, k.load(partials!, E.add(base, p)))));
      return s.get;
    });
    k.barrier();
    return sums;
  };
  const warps = CT / WARP;
  /** The same sums with warp shuffles: a fresh array per pass, so no barrier guards its reuse. */
  const warpRowSums = (name: string, f: (r: number, i: number) => Expr): Expr[] => {
    const mine = rows.map((_, r) => acc[r]!.reduce<Expr>((s, _x, i) => E.add(s, masked(r, i, f(r, i))), E.f32(0)));
    const perWarp = warpButterfly(k, mine, (x, y) => x.map((v, j) => E.add(v, y[j]!)));
    const sums = k.workgroupArray(`${name}_warps`, 'f32', ROWS * warps);
    const at = (r: number, w: Expr) => E.add(E.mul(E.add(E.mul(ty, u(RB)), u(r)), u(warps)), w);
    k.if(E.eq(E.mod(tx, u(WARP)), u(0)), () => rows.forEach((_, r) => k.store(sums, at(r, E.div(tx, u(WARP))), perWarp[r]!)));
    k.barrier();
    return rows.map((_, r) => k.let(`${name}${r}`, [...Array(warps).keys()].map((w) => k.load(sums, at(r, u(w)))).reduce((s, v) => E.add(s, v))));
  };
  const mean = (useWarps ? warpRowSums : rowSums)('sum', (r, i) => acc[r]![i]!.get).map((s, r) => k.let(`mean${r}`, E.div(s, E.f32(N))));
  const sq = (useWarps ? warpRowSums : rowSums)('sq', (r, i) => {
    const d = E.sub(acc[r]![i]!.get, mean[r]!);
    return E.mul(d, d);
  });
  const eps = E.f32(node.arg['eps'] as number);
  rows.forEach((row, r) => {
    const rstd = k.let('rstd', E.div(E.f32(1), E.call('sqrt', E.add(E.div(sq[r]!, E.f32(N)), eps))));
    k.if(E.lt(E.add(rowFirst, u(r)), M), () =>
      acc[r]!.forEach((x, i) => {
        const store = () => {
          const y = E.add(E.mul(E.mul(E.sub(x.get, mean[r]!), rstd), k.load(W, col[i]!)), k.load(Bb, col[i]!));
          k.store(Y, E.add(E.mul(row, u(N)), col[i]!), y);
        };
        if (inRow(i)) k.if(inRow(i)!, store);
        else store();
      }),
    );
  });
  return lb.finish(node, [{ dim: rowsDim, per: ROWS }]);
}
