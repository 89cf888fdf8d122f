/**
 * Op.Attention's operand layouts, in one place for the validator, the CPU reference and the kernel. `bhsd` (the
 * default) holds q [B,h,S,D], k [B,h,T,D], v [B,h,T,Dv] and the result [B,h,S,Dv]; `bshd` holds every one of them
 * with the head axis second-to-last ([B,S,h,D]...), which is how a Linear's output already lies, so the fused graph
 * needs no head-splitting permutes. `packed` (with `bshd`, made by passes/fuse-qkv.ts) reads q, k and v from one
 * [B,S,3h,D] operand, a fused QKV projection's output: q is heads [0, h), k [h, 2h), v [2h, 3h). Mask and bias
 * always index the scores as [B,h,S,T].
 */
import { type Dim, dimConst } from './dim.ts';
import type { Node } from './graph.ts';

export interface AttentionDims {
  readonly bshd: boolean;
  /** Heads each operand holds: h, or 3h when packed. */
  readonly stored: Dim;
  readonly packed: boolean;
  readonly b: Dim;
  readonly h: Dim;
  readonly s: Dim;
  readonly t: Dim;
  readonly d: Dim;
  readonly dv: Dim;
}

export function attentionDims(node: Node): AttentionDims {
  const [q, k, v] = node.src as [Node, Node, Node];
  const bshd = node.arg['layout'] === 'bshd';
  const packed = bshd && node.arg['packed'] === true;
  const [hAxis, sAxis] = bshd ? [2, 1] : [1, 2];
  const h = packed ? node.shape[2]! : q.shape[hAxis]!;
  return { bshd, packed, stored: q.shape[hAxis]!, b: q.shape[0]!, h, s: q.shape[sAxis]!, t: k.shape[sAxis]!, d: q.shape[3]!, dv: packed ? node.shape[3]! : v.shape[3]! };
}

/** Element offset of operand `which` (0 q, 1 k, 2 v) in its buffer: non-zero only for packed k and v. */
export function attentionOffset(a: AttentionDims, which: 0 | 1 | 2, width: Dim, mul: (x: Dim, y: Dim) => Dim): Dim {
  return mul(mul(a.h, width), dimConst(a.packed ? which : 0));
}

/** Element strides of (batch, head, position) for a [.., .., L, width] operand in the node's layout. */
export function attentionStrides(a: AttentionDims, len: Dim, width: Dim, mul: (x: Dim, y: Dim) => Dim): [Dim, Dim, Dim] {
  return a.bshd
    ? [mul(mul(len, a.stored), width), width, mul(a.stored, width)]
    : [mul(mul(a.h, len), width), mul(len, width), width];
}
