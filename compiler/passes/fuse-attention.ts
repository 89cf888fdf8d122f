/**
 * Attention fusion. Finds, by the shape of the dataflow and not by module names,
 * `matmul(softmax((matmul(q, kᵀ) [+ terms]) / c + mask), v)` — also `* c` — and replaces it with one `Op.Attention`
 * node `softmax((q·kᵀ + Σ terms) · scale + mask) · v`, whose kernel never writes the S×T scores (see
 * kernel/lower-attention.ts). The additive terms are BERT's relative-position scores (kept as the op's bias source);
 * a mask given as an `expand` is taken from before the expand, since the op broadcasts it anyway. The rewrite fires
 * only when the softmax feeds nothing but that matmul: with `output_attentions` (probs are an output) or `head_mask`
 * (probs are multiplied first) the unfused path stays, with no special case for either.
 *
 * Two layout rules follow: an Attention whose q, k and v are all head-splitting permutes ([B,S,h,D] → [B,h,S,D]) reads
 * their sources directly (`layout: 'bshd'`, compiler/ir/attention.ts) and permutes its result back, and a permute
 * of a permute that composes to the identity is dropped — so the context's merge-heads permute cancels too.
 */
import { type Dim, dimEq, dimValue } from '../ir/dim.ts';
import type { Node } from '../ir/graph.ts';
import { Op } from '../ir/ops.ts';
import { any, pat, type RewriteContext, type Rule } from './rewrite.ts';

export const summary = 'matmul(softmax(scores · scale + mask), v) → one flash-style Attention op';

/** Swaps exactly the last two axes (how `transpose(k, -1, -2)` arrives in the graph). */
function isLastTwoSwap(n: Node): boolean {
  const perm = n.arg['perm'] as number[] | undefined;
  const r = perm?.length ?? 0;
  return n.op === Op.Permute && r >= 2 && perm![r - 2] === r - 1 && perm![r - 1] === r - 2 && perm!.slice(0, -2).every((p, i) => p === i);
}

/** The value of a scalar (all dims 1) float constant. */
function scalarValue(n: Node): number | undefined {
  const v = n.arg['value'];
  return n.op === Op.Const && typeof v === 'number' && n.shape.every((d) => dimValue(d) === 1) ? v : undefined;
}

/** The leaves of a tree of adds (an add used elsewhere is a leaf: its value is needed anyway). */
function addTerms(n: Node, cx: RewriteContext, top = true): Node[] {
  if (n.op !== Op.Add || (!top && cx.uses(n) !== 1)) return [n];
  return n.src.flatMap((s) => addTerms(s, cx, false));
}

function broadcasts(inp: readonly Dim[], out: readonly Dim[]): boolean {
  return inp.length <= out.length && inp.every((d, i) => dimValue(d) === 1 || dimEq(d, out[out.length - inp.length + i]!));
}

function fuse(scaled: Node, mask: Node, v: Node, cx: RewriteContext): Node | undefined {
  const [scores, c] = scaled.src as [Node, Node];
  const cv = scalarValue(c);
  if (cv === undefined || (scaled.op === Op.Div && cv === 0)) return undefined;
  const terms = addTerms(scores, cx);
  const qk = terms.find((t) => t.op === Op.MatMul && isLastTwoSwap(t.src[1]!) && t.src[0]!.shape.length === 4);
  if (!qk || [qk, v, mask, ...terms].some((t) => t.dtype !== 'f32')) return undefined;
  const q = qk.src[0]!;
  const k = qk.src[1]!.src[0]!;
  if (k.shape.length !== 4 || v.shape.length !== 4) return undefined;
  // q, k and v must agree on [B, h] (no broadcast batch): the kernel indexes them as dense [B, h, *, D] rows.
  if (![k, v].every((t) => t.shape.slice(0, 2).every((d, i) => dimEq(d, q.shape[i]!)))) return undefined;
  const scale = scaled.op === Op.Div ? 1 / cv : cv;
  const rest = terms.filter((t) => t !== qk).map(cx.get);
  const shape = scores.shape;
  const bias = rest.reduce<Node | undefined>((acc, t) => (acc ? cx.make(Op.Add, 'f32', shape, [acc, t]) : t), undefined);
  const m = mask.op === Op.Expand ? mask.src[0]! : mask;
  if (!broadcasts(m.shape, scores.shape) || rest.some((t) => !broadcasts(t.shape, scores.shape))) return undefined;
  const src = [cx.get(q), cx.get(k), cx.get(v), cx.get(m), ...(bias ? [bias] : [])];
  return cx.make(Op.Attention, 'f32', [...q.shape.slice(0, 3), v.shape[3]!], src, { scale });
}

const scaledPat = (name: string) => pat([Op.Div, Op.Mul], [any('scores'), any('c', (n) => n.op === Op.Const)], name);
const probsOnlyHere = (probs: Node, cx: RewriteContext) => cx.uses(probs) === 1;

const SPLIT_HEADS = [0, 2, 1, 3];
const isSplitHeads = (n: Node): boolean => n.op === Op.Permute && JSON.stringify(n.arg['perm']) === JSON.stringify(SPLIT_HEADS);

function absorbLayout(att: Node, cx: RewriteContext): Node | undefined {
  const [q, k, v, ...rest] = att.src as [Node, Node, Node, ...Node[]];
  if (att.arg['layout'] === 'bshd' || ![q, k, v].every(isSplitHeads)) return undefined;
  const [b, h, s, dv] = att.shape as [Dim, Dim, Dim, Dim];
  const src = [q, k, v].map((x) => cx.get(x.src[0]!)).concat(rest.map(cx.get));
  const inner = cx.make(Op.Attention, 'f32', [b, s, h, dv], src, { ...att.arg, layout: 'bshd' });
  return cx.make(Op.Permute, 'f32', att.shape, [inner], { perm: SPLIT_HEADS });
}

function cancelPermutes(outer: Node, cx: RewriteContext): Node | undefined {
  const inner = outer.src[0]!;
  const p1 = inner.arg['perm'] as number[];
  const p2 = outer.arg['perm'] as number[];
  return p2.every((p, i) => p1[p] === i) ? cx.get(inner.src[0]!) : undefined;
}

export const rules: readonly Rule[] = [
  [pat(Op.Attention), (_m, cx, n) => absorbLayout(n, cx)],
  [pat(Op.Permute, [pat(Op.Permute)]), (_m, cx, n) => cancelPermutes(n, cx)],
  // mask added on the right (BERT's order) or on the left
  [
    pat(Op.MatMul, [pat(Op.Softmax, [pat(Op.Add, [scaledPat('scaled'), any('mask')])], 'probs'), any('v')]),
    (m, cx) => (probsOnlyHere(m['probs']!, cx) ? fuse(m['scaled']!, m['mask']!, m['v']!, cx) : undefined),
  ],
  [
    pat(Op.MatMul, [pat(Op.Softmax, [pat(Op.Add, [any('mask'), scaledPat('scaled')])], 'probs'), any('v')]),
    (m, cx) => (probsOnlyHere(m['probs']!, cx) ? fuse(m['scaled']!, m['mask']!, m['v']!, cx) : undefined),
  ],
];
