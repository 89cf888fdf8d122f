/**
 * Elementwise kernels (unary, binary, where, cast) and the leaves computed on the device (arange, and constants whose
 * shape is symbolic): one thread per output element.
 *
 * Each operand is read one of three ways, decided from its broadcast strides after axes are collapsed: `same`
 * (offset = the thread's own index), `scalar` (offset 0) or `strided` (offset computed from the coordinates).
 * When every operand is `same` or `scalar` and the element count is a multiple of 4 for every value of the symbols,
 * threads move four elements at a time with 16-byte loads and stores.
 */
import { type Dim, dimConst, dimDiv, shapeSize } from '../ir/dim.ts';
import type { Node } from '../ir/graph.ts';
import { Op } from '../ir/ops.ts';
import * as E from './expr.ts';
import { broadcastStrides, collapse, contiguousStrides, isContiguous, isZero, stridedOffsets } from './indexing.ts';
import { type Expr, registerOf, storageVectorOf, type Vector } from './ir.ts';
import { fromStorage, type Launch, LaunchBuilder, storageOf, toStorage, valueOf } from './launch.ts';
import { elementwiseValue } from './math.ts';
import type { LowerContext } from './lower.ts';

export const ELEMENTWISE_WORKGROUP = 256;

type Access = 'same' | 'scalar' | 'strided';
type VectorLane = Parameters<typeof storageVectorOf>[0];

/** True when every term's coefficient is a multiple of 4, so the count is for any symbol values. */
const multipleOf4 = (d: Dim): boolean => d.terms.length > 0 && d.terms.every(([, c]) => c % 4 === 0);

export function lowerElementwise(node: Node, cx: LowerContext): Launch {
  const out = node.shape;
  const n = shapeSize(out);
  const { shape, strides } = collapse(out, node.src.map((s) => broadcastStrides(s.shape, out)));
  const access: Access[] = strides.map((s) => (s.every(isZero) ? 'scalar' : isContiguous(shape, s) ? 'same' : 'strided'));
  const store = storageOf(node.dtype, node);
  // four elements a thread: 16-byte words, or four halves (CUDA's half2 pairs; whole u32 words in packed WGSL)
  const vectorizable = [store, ...node.src.map((s) => storageOf(s.dtype, s))].every((t) => t !== 'i8');
  const vec = vectorizable && access.every((a) => a !== 'strided') && access.includes('same') && multipleOf4(n);
  const letter = { same: 'c', scalar: 'b', strided: 's' } as const; // contiguous, broadcast scalar, strided
  const name = `${node.op}_${node.dtype}_${access.map((a) => letter[a]).join('')}${vec ? '_x4' : ''}`;
  const lb = new LaunchBuilder(name, ELEMENTWISE_WORKGROUP);
  const k = lb.k;
  const ins = node.src.map((s, o) => {
    const st = storageOf(s.dtype, s);
    return lb.bind(`x${o}`, vec && access[o] === 'same' ? storageVectorOf(st as VectorLane) : st, cx.buffer(s));
  });
  const y = lb.bind('y', vec ? storageVectorOf(store as VectorLane) : store, cx.buffer(node), true);
  const count = vec ? dimDiv(n, dimConst(4))! : n;
  const i = k.let('i', k.global);
  k.if(E.ge(i, lb.size('n', count)), () => k.return());
  const dtypes = node.src.map((s) => s.dtype);

  if (vec) {
    const loaded = ins.map((x, o) => k.let(`v${o}`, k.load(x, access[o] === 'same' ? i : E.u32(0))));
    const lanes = [0, 1, 2, 3].map((l) => {
      const xs = loaded.map((v, o) => fromStorage(access[o] === 'same' ? E.lane(v, l) : v, dtypes[o]!));
      return k.let(`r${l}`, toStorage(elementwiseValue(k, node.op, node.dtype, xs, dtypes), node.dtype));
    });
    k.store(y, i, { k: 'vec', t: registerOf(y.t) as Vector, parts: lanes });
  } else {
    const stridedIdx = access.flatMap((a, o) => (a === 'strided' ? [o] : []));
    const offsets = stridedOffsets(lb, i, shape, stridedIdx.map((o) => strides[o]!));
    const xs = ins.map((x, o) => {
      const at = access[o] === 'same' ? i : access[o] === 'scalar' ? E.u32(0) : offsets[stridedIdx.indexOf(o)]!;
      return fromStorage(k.let(`v${o}`, k.load(x, at)), dtypes[o]!);
    });
    k.store(y, i, toStorage(elementwiseValue(k, node.op, node.dtype, xs, dtypes), node.dtype));
  }
  return lb.finish(node, [{ dim: count, per: ELEMENTWISE_WORKGROUP }]);
}

/** Arange, or a constant of symbolic shape (constant shapes are filled once, when a model is loaded). */
export function lowerFill(node: Node, cx: LowerContext): Launch {
  const n = shapeSize(node.shape);
  const store = storageOf(node.dtype, node);
  const lb = new LaunchBuilder(`${node.op}_${node.dtype}`, ELEMENTWISE_WORKGROUP);
  const k = lb.k;
  const y = lb.bind('y', store, cx.buffer(node), true);
  const i = k.let('i', k.global);
  k.if(E.ge(i, lb.size('n', n)), () => k.return());
  let v: Expr;
  if (node.op === Op.Arange) v = E.cast(valueOf(node.dtype), i);
  else v = E.lit(valueOf(node.dtype), constValue(node));
  k.store(y, i, toStorage(v, node.dtype));
  return lb.finish(node, [{ dim: n, per: ELEMENTWISE_WORKGROUP }]);
}

export function constValue(node: Node): number | boolean {
  const v = node.arg['value'];
  if (typeof v !== 'number' && typeof v !== 'boolean') throw new Error(`kernel lowering: const %${node.id} has no value`);
  return node.dtype === 'bool' ? Boolean(v) : node.dtype === 'i32' ? Math.trunc(Number(v)) : Number(v);
}
