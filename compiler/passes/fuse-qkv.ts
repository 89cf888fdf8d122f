/**
 * QKV fusion: Linears that read one input — self-attention's query, key and value, or cross-attention's key and
 * value — become one matmul against their weights concatenated ([n·N, K], read transposed) plus one concatenated
 * bias, and each former result is a slice of the fused one. The concatenated weight is a *derived parameter*: a Param
 * whose arg lists its checkpoint parts (`ParamArg.concat`), which every loader materialises once at load time
 * (backends/cpu/bind.ts `loadParam`), while checkpoints keep HF's tensor names. Found by the dataflow (siblings of one
 * input, same shapes, bias and no activation), not by module names.
 *
 * Then the slices need not exist: an Attention (layout `bshd`) whose q, k and v are the three head-split slices of
 * one fused product reads that product directly (`packed`, compiler/ir/attention.ts): one [B, S, 3h, D] operand.
 */
import { type Dim, dimConst, dimEq, dimMul, dimValue } from '../ir/dim.ts';
import type { Node, ParamArg } from '../ir/graph.ts';
import { Op } from '../ir/ops.ts';
import { pat, type RewriteContext, type Rule } from './rewrite.ts';

export const summary = 'Linears sharing an input (q, k, v) → one matmul on load-time concatenated weights; attention reads it packed';

const isWeightTranspose = (n: Node): boolean => n.op === Op.Permute && JSON.stringify(n.arg['perm']) === '[1,0]' && n.src[0]!.op === Op.Param;

/** A Linear as fused by fuse-epilogue: a · Wᵀ + bias, no activation, constant sizes, f32. */
function isLinear(n: Node): boolean {
  if (n.op !== Op.MatMulEpilogue || n.arg['act'] !== null || n.src.length !== 3 || n.dtype !== 'f32') return false;
  const [, b, bias] = n.src as [Node, Node, Node];
  const w = b.src[0];
  return isWeightTranspose(b) && w!.dtype === 'f32' && !w!.arg['concat'] && bias.op === Op.Param && bias.dtype === 'f32' && bias.shape.length === 1 &&
    [...w!.shape, ...bias.shape].every((d) => dimValue(d) !== undefined);
}

/** The Linears that read `a` with the same weight shape as `n`, in graph order (ids follow the source). */
function siblings(n: Node, cx: RewriteContext): Node[] {
  const w = n.src[1]!.src[0]!;
  const same = (m: Node) => isLinear(m) && m.src[0] === n.src[0] && m.src[1]!.src[0]!.shape.every((d, i) => dimEq(d, w.shape[i]!));
  return [...new Set(cx.consumers(n.src[0]!))].filter(same).sort((x, y) => x.id - y.id);
}

function derived(parts: readonly Node[], cx: RewriteContext): Node {
  const args = parts.map((p) => p.arg as unknown as ParamArg);
  const rows = parts.reduce((acc, p) => acc + dimValue(p.shape[0]!)!, 0);
  const concat = { axis: 0, parts: args.map((a, i) => ({ ...a, shape: parts[i]!.shape.map((d) => dimValue(d)!) })) };
  const arg = { name: `concat(${args.map((a) => a.name).join(', ')})`, concat };
  return cx.make(Op.Param, 'f32', [dimConst(rows), ...parts[0]!.shape.slice(1)], [], arg, parts[0]!.origin);
}

function fuseLinears(n: Node, cx: RewriteContext): Node | undefined {
  const group = siblings(n, cx);
  if (group.length < 2) return undefined;
  const w = derived(group.map((m) => m.src[1]!.src[0]!), cx);
  const bias = derived(group.map((m) => m.src[2]!), cx);
  const wt = cx.make(Op.Permute, 'f32', [w.shape[1]!, w.shape[0]!], [w], { perm: [1, 0] });
  const last = n.shape.length - 1;
  const fusedShape = [...n.shape.slice(0, -1), w.shape[0]!];
  const product = cx.make(Op.MatMulEpilogue, 'f32', fusedShape, [cx.get(n.src[0]!), wt, bias], { act: null });
  const N = dimValue(n.shape[last]!)!;
  const i = group.indexOf(n);
  return cx.make(Op.Slice, 'f32', n.shape, [product], { axis: last, start: String(i * N), end: String((i + 1) * N) });
}

/** The fused product and part index behind a head-split operand `reshape(slice(product))`. */
function slicePart(x: Node): { product: Node; part: number } | undefined {
  const s = x.src[0];
  if (x.op !== Op.Reshape || s?.op !== Op.Slice || s.src[0]!.op !== Op.MatMulEpilogue) return undefined;
  const width = dimValue(s.shape[s.shape.length - 1]!);
  const start = Number(s.arg['start']);
  if (width === undefined || s.arg['axis'] !== s.shape.length - 1 || start % width !== 0) return undefined;
  return { product: s.src[0]!, part: start / width };
}

function packAttention(att: Node, cx: RewriteContext): Node | undefined {
  if (att.arg['layout'] !== 'bshd' || att.arg['packed']) return undefined;
  const [q, k, v, ...rest] = att.src as [Node, Node, Node, ...Node[]];
  const parts = [q, k, v].map(slicePart);
  const product = parts[0]?.product;
  if (!parts.every((p, i) => p && p.product === product && p.part === i)) return undefined;
  const total = dimValue(product!.shape[product!.shape.length - 1]!);
  const [b, s, h, d] = q.shape as [Dim, Dim, Dim, Dim];
  if (total !== 3 * dimValue(h)! * dimValue(d)! || !dimEq(v.shape[3]!, d) || !dimEq(k.shape[1]!, s)) return undefined;
  if (product!.shape.length !== 3 || !dimEq(product!.shape[0]!, b) || !dimEq(product!.shape[1]!, s)) return undefined;
  const packedShape = [b, s, dimMul(dimConst(3), h), d];
  const packed = cx.make(Op.Reshape, 'f32', packedShape, [cx.get(product!)]);
  return cx.make(Op.Attention, 'f32', att.shape, [packed, packed, packed, ...rest.map(cx.get)], { ...att.arg, packed: true });
}

export const rules: readonly Rule[] = [
  [pat(Op.MatMulEpilogue, undefined, undefined, isLinear), (_m, cx, n) => fuseLinears(n, cx)],
  [pat(Op.Attention), (_m, cx, n) => packAttention(n, cx)],
];
