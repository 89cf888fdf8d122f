/**
 * Data movement: gather, and permute / expand / slice / concat as index-remapping copies.
 *
 * The last four are one kernel shape: walk an iteration space, read at one strided view, write at another. Permute,
 * expand and slice walk the output (written contiguously) and read the source through permuted, zero or offset
 * strides; concat walks each input (read contiguously) and writes it into its band of the output, one launch per
 * input. Reshape has no kernel at all: it is an alias of its source's buffer (schedule.ts).
 */
import { type Dim, dimAdd, dimConst, dimMul, dimParse, dimValue, shapeSize } from '../ir/dim.ts';
import type { Node } from '../ir/graph.ts';
import { Op } from '../ir/ops.ts';
import * as E from './expr.ts';
import { broadcastStrides, collapse, contiguousStrides, stridedOffsets, strideExpr } from './indexing.ts';
import { type Launch, LaunchBuilder, storageOf } from './launch.ts';
import { ELEMENTWISE_WORKGROUP as WG } from './lower-elementwise.ts';
import type { LowerContext } from './lower.ts';

/** table [V, ...rest] indexed by ids [...]; ids are clamped into [0, V) (inputs are range-checked before a run). */
export function lowerGather(node: Node, cx: LowerContext): Launch {
  const [table, ids] = node.src as [Node, Node];
  const row = shapeSize(table.shape.slice(1));
  const n = shapeSize(node.shape);
  const store = storageOf(node.dtype, node);
  const from = storageOf(table.dtype, table);
  const lb = new LaunchBuilder(`gather_${from === store ? '' : `${table.dtype}_to_`}${node.dtype}`, WG);
  const k = lb.k;
  const src = lb.bind('table', from, cx.buffer(table));
  const idx = lb.bind('ids', 'i32', cx.buffer(ids));
  const y = lb.bind('y', store, cx.buffer(node), true);
  const i = k.let('i', k.global);
  k.if(E.ge(i, lb.size('n', n)), () => k.return());
  const rowLen = dimValue(row) === 1 ? E.u32(1) : lb.size('row', row);
  const last = E.sub(E.cast('i32', lb.size('v', table.shape[0]!)), E.i32(1));
  const id = k.let('id', E.cast('u32', E.call('clamp', k.load(idx, E.div(i, rowLen)), E.i32(0), last)));
  k.store(y, i, k.load(src, E.add(E.mul(id, rowLen), E.mod(i, rowLen))));
  return lb.finish(node, [{ dim: n, per: WG }]);
}

/**
 * Copies over the iteration `shape`: with `gatherSide` the output is written at the thread's own index and `x` read
 * at `base + strides`; otherwise `x` is read at the thread's index and the output written at `base + strides`.
 */
function copyLaunch(node: Node, cx: LowerContext, x: Node, shape: Dim[], strides: Dim[], base: Dim, gatherSide: boolean): Launch {
  const flat = contiguousStrides(shape);
  const c = collapse(shape, [flat, strides]);
  const n = shapeSize(shape);
  const store = storageOf(node.dtype, node);
  // a narrow value copied into an f32 output (the precision pass keeps outputs f32) widens on the way
  const from = storageOf(x.dtype, x);
  const lb = new LaunchBuilder(`copy_${from === store ? '' : `${from}_to_`}${store}_${gatherSide ? 'read' : 'write'}_r${c.shape.length}`, WG);
  const k = lb.k;
  const src = lb.bind('x', from, cx.buffer(x));
  const y = lb.bind('y', store, cx.buffer(node), true);
  const i = k.let('i', k.global);
  k.if(E.ge(i, lb.size('n', n)), () => k.return());
  const [off] = stridedOffsets(lb, i, c.shape, [c.strides[1]!], [strideExpr(lb, 'base', base)]);
  const at = k.let('at', off!);
  if (gatherSide) k.store(y, i, k.load(src, at));
  else k.store(y, at, k.load(src, i));
  return lb.finish(node, [{ dim: n, per: WG }]);
}

/** A dim-valued arg: a Dim, its string form (JSON IR), or a number. */
function argDim(node: Node, key: string): Dim {
  const v = node.arg[key];
  if (typeof v === 'number') return dimConst(v);
  if (typeof v === 'string') return dimParse(v);
  if (typeof v === 'object' && v !== null && 'terms' in v) return v as Dim;
  throw new Error(`kernel lowering: ${node.op} node %${node.id} has no dim arg "${key}"`);
}

export function lowerMovement(node: Node, cx: LowerContext): Launch[] {
  const x = node.src[0]!;
  const strides = contiguousStrides(x.shape);
  const zero = dimConst(0);
  switch (node.op) {
    case Op.Reshape: // a storage change: a contiguous copy
      return [copyLaunch(node, cx, x, [...node.shape], contiguousStrides(node.shape), zero, true)];
    case Op.Permute: {
      const perm = node.arg['perm'] as number[];
      return [copyLaunch(node, cx, x, [...node.shape], perm.map((p) => strides[p]!), zero, true)];
    }
    case Op.Expand:
      return [copyLaunch(node, cx, x, [...node.shape], broadcastStrides(x.shape, node.shape), zero, true)];
    case Op.Slice: {
      const axis = node.arg['axis'] as number;
      return [copyLaunch(node, cx, x, [...node.shape], strides, dimMul(argDim(node, 'start'), strides[axis]!), true)];
    }
    case Op.Concat: {
      const axis = node.arg['axis'] as number;
      const outStrides = contiguousStrides(node.shape);
      let offset = zero;
      const launches: Launch[] = [];
      for (const part of node.src) {
        const base = dimMul(offset, outStrides[axis]!);
        if (dimValue(shapeSize(part.shape)) !== 0) launches.push(copyLaunch(node, cx, part, [...part.shape], outStrides, base, false));
        offset = dimAdd(offset, part.shape[axis]!);
      }
      return launches;
    }
    default:
      throw new Error(`kernel lowering: ${node.op} is not a movement op`);
  }
}
