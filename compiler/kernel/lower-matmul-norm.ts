/**
 * Op.MatMulNorm: layer_norm(a·b + addends) as one kernel in which a workgroup owns ROWS whole output rows, so the
 * row statistics can be taken before anything is written (a tiled matmul's workgroup sees only 64 columns of a row).
 * Each of the 256 threads keeps ceil(N / 256) columns of every owned row in registers; a's rows go through workgroup
 * memory in slabs of SLAB, b is read straight from global memory (once per ROWS rows: the price of owning rows,
 * which is what the fuse-norm measurement weighs against the separate LayerNorm launch it saves).
 */
import { dimValue, shapeSize } from '../ir/dim.ts';
import type { Node } from '../ir/graph.ts';
import * as E from './expr.ts';
import { type Launch, LaunchBuilder, storageOf } from './launch.ts';
import { isFloat } from '../ir/ops.ts';
import type { LowerContext } from './lower.ts';
import { epilogue } from './lower-matmul.ts';
import { combineWelford, workgroupReduce } from './workgroup.ts';

const THREADS = 256;
const ROWS = 4; // each row's reduction takes 3 KiB of workgroup memory: 4 rows stay within WebGPU's 16 KiB
const SLAB = 16;

export function lowerMatMulNorm(node: Node, cx: LowerContext): Launch {
  const [a, b] = node.src as [Node, Node];
  const addends = node.src.slice(2, -2);
  const [w, bias] = node.src.slice(-2) as [Node, Node];
  const N = dimValue(node.shape[node.shape.length - 1]!);
  if (N === undefined || !isFloat(a.dtype)) throw new Error('kernel lowering: matmul_norm needs floats and a constant row length');
  const bSource = cx.transposedFrom(b);
  const cols = Math.ceil(N / THREADS);
  const lb = new LaunchBuilder(`matmul_norm_f32_${bSource ? 't' : 'n'}_n${N}_epi${addends.length}`, THREADS);
  const k = lb.k;
  const u = E.u32;
  // each operand in its own storage (narrow ones widen into f32 registers: precision lowering)
  const bind = (name: string, x: Node, write = false) => lb.bind(name, storageOf(x.dtype), cx.buffer(x), write);
  const A = bind('a', a);
  const B = bind('b', bSource ?? b);
  const Y = bind('y', node, true);
  const adds = addends.map((x, i) => bind(`add${i}`, x));
  const W = bind('w', w);
  const Bb = bind('bias', bias);
  const rowsDim = shapeSize(node.shape.slice(0, -1));
  const M = lb.size('m', rowsDim);
  const K = lb.size('k', a.shape[a.shape.length - 1]!);
  const row0 = k.let('row0', E.mul(k.group, u(ROWS)));
  const col = [...Array(cols).keys()].map((i) => k.let(`c${i}`, E.add(k.local, u(i * THREADS))));
  const colRead = col.map((c) => (N % THREADS === 0 ? c : k.let('c_read', E.call('min', c, u(N - 1)))));
  const acc = [...Array(ROWS)].map((_, r) => col.map((_, i) => k.var(`acc${r}_${i}`, 'f32', E.f32(0))));
  const As = k.workgroupArray('a_slab', 'f32', ROWS * SLAB);

  k.for('k0', u(0), K, u(SLAB), (k0) => {
    k.if(E.lt(k.local, u(ROWS * SLAB)), () => {
      const r = k.let('r', E.add(row0, E.div(k.local, u(SLAB))));
      const kk = k.let('kk', E.add(k0, E.mod(k.local, u(SLAB))));
      const av = k.var('av', 'f32', E.f32(0));
      k.if(E.and(E.lt(r, M), E.lt(kk, K)), () => av.set(k.load(A, E.add(E.mul(r, K), kk))));
      k.store(As, k.local, av.get);
    });
    k.barrier();
    k.for('kk', u(0), E.call('min', u(SLAB), E.sub(K, k0)), u(1), (kk) => {
      const kg = k.let('kg', E.add(k0, kk));
      const bv = colRead.map((c) => k.let('bv', k.load(B, bSource ? E.add(E.mul(c, K), kg) : E.add(E.mul(kg, u(N)), c))));
      acc.forEach((row, r) => {
        const av = k.let('av', k.load(As, E.add(u(r * SLAB), kk)));
        row.forEach((x, i) => x.set(E.add(x.get, E.mul(av, bv[i]!))));
      });
    });
    k.barrier();
  });

  acc.forEach((row, r) => {
    const gr = k.let('gr', E.call('min', E.add(row0, u(r)), E.sub(M, u(1)))); // rows past M redo row M-1, unstored
    // the finished values, then Welford over this thread's columns of the row
    const vals = row.map((x, i) => k.let('v', epilogue(lb, node, addends, adds, null, x.get, E.add(E.mul(gr, u(N)), colRead[i]!), colRead[i]!)));
    const cnt = k.var('cnt', 'f32', E.f32(0));
    const mean = k.var('mean', 'f32', E.f32(0));
    const m2 = k.var('m2', 'f32', E.f32(0));
    vals.forEach((v, i) => {
      const step = () => {
        cnt.set(E.add(cnt.get, E.f32(1)));
        const d = k.let('d', E.sub(v, mean.get));
        mean.set(E.add(mean.get, E.div(d, cnt.get)));
        m2.set(E.add(m2.get, E.mul(d, E.sub(v, mean.get))));
      };
      if ((i + 1) * THREADS <= N) step();
      else k.if(E.lt(col[i]!, u(N)), step);
    });
    const [, mu, q] = workgroupReduce(k, [cnt.get, mean.get, m2.get], combineWelford);
    const rstd = k.let('rstd', E.div(E.f32(1), E.call('sqrt', E.add(E.div(q!, E.f32(N)), E.f32(node.arg['eps'] as number)))));
    k.if(E.lt(E.add(row0, u(r)), M), () =>
      vals.forEach((v, i) =>
        k.if(E.lt(col[i]!, u(N)), () => {
          const y = E.add(E.mul(E.mul(E.sub(v, mu!), rstd), k.load(W, col[i]!)), k.load(Bb, col[i]!));
          k.store(Y, E.add(E.mul(gr, u(N)), col[i]!), y);
        }),
      ),
    );
  });
  return lb.finish(node, [{ dim: rowsDim, per: ROWS }]);
}
