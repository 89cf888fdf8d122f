/**
 * Op.Attention's operand layouts, in one place for the validator, the CPU reference and the kernel. `bhsd` (the
 * default) holds q [B,h,S,D], k [B,h,T,D], v [B,h,T,Dv] and the result [B,h,S,Dv]; `bshd` holds every one of them
 * with the head axis second-to-last ([B,S,h,D]...), which is how a Linear's output already lies, so the fused graph
 * needs no head-splitting permutes. Mask and bias always index the scores as [B,h,S,T].
 */
import type { Dim } from './dim.ts';
import type { Node } from './graph.ts';

export interface AttentionDims {
  readonly bshd: boolean;
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
  const [hAxis, sAxis] = bshd ? [2, 1] : [1, 2];
  return { bshd, b: q.shape[0]!, h: q.shape[hAxis]!, s: q.shape[sAxis]!, t: k.shape[sAxis]!, d: q.shape[3]!, dv: v.shape[3]! };
}

/** Element strides of (batch, head, position) for a [.., .., L, width] operand in the node's layout. */
export function attentionStrides(a: AttentionDims, len: Dim, width: Dim, mul: (x: Dim, y: Dim) => Dim): [Dim, Dim, Dim] {
  return a.bshd
    ? [mul(mul(len, a.h), width), width, mul(a.h, width)]
    : [mul(mul(a.h, len), width), mul(len, width), width];
}
