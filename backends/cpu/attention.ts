/**
 * Op.Attention on the CPU: the reference for the fused kernel, written as the unfused ops it replaces compute it
 * (scores row, softmax with the same -Infinity rule as rows.ts, then probs · v), so fused and unfused graphs agree
 * to rounding.
 */
import { attentionDims, attentionOffset, attentionStrides } from '../../compiler/ir/attention.ts';
import { type Dim, dimConst, dimEval } from '../../compiler/ir/dim.ts';
import type { Node } from '../../compiler/ir/graph.ts';
import { allocData, type HostTensor, type TensorData } from '../tensor.ts';
import { broadcastStrides } from './indexing.ts';
import type { Env } from './bind.ts';
import { adder, type Accumulate } from './precision.ts';

/** softmax((q·kᵀ + bias) · scale + mask) · v in the node's layout (compiler/ir/attention.ts); mask and bias broadcast. */
export function attention(node: Node, env: Env, q: HostTensor, k: HostTensor, v: HostTensor, mask: HostTensor, bias: HostTensor | undefined, acc: Accumulate): TensorData {
  const a = attentionDims(node);
  const [B, H, S, T, D, Dv] = [a.b, a.h, a.s, a.t, a.d, a.dv].map((d) => dimEval(d, env)) as number[] as [number, number, number, number, number, number];
  const scale = node.arg['scale'] as number;
  // (batch, head, position) strides of each operand: the layout is all the kernel and this loop disagree on
  const mul = (x: Dim, y: Dim) => dimConst(dimEval(x, env) * dimEval(y, env));
  const [qs, ks, vs] = [[a.s, a.d], [a.t, a.d], [a.t, a.dv]].map(([l, w]) => attentionStrides(a, l!, w!, mul).map((d) => dimEval(d, env)));
  const os = attentionStrides({ ...a, stored: a.h }, a.s, a.dv, mul).map((d) => dimEval(d, env));
  const [qo, ko, vo] = ([0, 1, 2] as const).map((i) => dimEval(attentionOffset(a, i, i === 2 ? a.dv : a.d, mul), env)) as [number, number, number];
  const scoreShape = [B, H, S, T];
  const ms = broadcastStrides(mask.shape, scoreShape);
  const bs = bias ? broadcastStrides(bias.shape, scoreShape) : [0, 0, 0, 0];
  const add = adder(acc);
  const out = allocData('f32', B * H * S * Dv);
  const p = new Float64Array(T);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let s = 0; s < S; s++) {
        const qRow = qo + b * qs[0]! + h * qs[1]! + s * qs[2]!;
        let m = -Infinity;
        for (let t = 0; t < T; t++) {
          let dot = 0;
          for (let d = 0; d < D; d++) dot = add(dot, q.data[qRow + d]! * k.data[ko + b * ks[0]! + h * ks[1]! + t * ks[2]! + d]!);
          const at = (st: number[]) => b * st[0]! + h * st[1]! + s * st[2]! + t * st[3]!;
          const score = (dot + (bias ? bias.data[at(bs)]! : 0)) * scale + mask.data[at(ms)]!;
          p[t] = score;
          m = Math.max(m, score);
        }
        let sum = 0;
        for (let t = 0; t < T; t++) {
          p[t] = m === -Infinity ? 1 : Math.exp(p[t]! - m);
          sum = add(sum, p[t]!);
        }
        const oRow = b * os[0]! + h * os[1]! + s * os[2]!;
        for (let d = 0; d < Dv; d++) {
          let o = 0;
          for (let t = 0; t < T; t++) o = add(o, p[t]! * v.data[vo + b * vs[0]! + h * vs[1]! + t * vs[2]! + d]!);
          out[oRow + d] = o / sum;
        }
      }
    }
  }
  return out;
}
