/**
 * Sum-into-LayerNorm fusion: `layer_norm(x₀ + x₁ + …)` whose adds feed nothing else becomes one `Op.AddNorm`, a row
 * kernel that adds the terms as it reads them (kernel/lower-add-norm.ts). Gathered terms are read straight from
 * their tables (the schedule gives a gather read only here no buffer), so BERT's embeddings — word, token type and
 * position lookups, their sum and the LayerNorm — are one launch. Runs after fuse-norm: a LayerNorm after a matmul
 * belongs there. WebGPU guarantees 8 storage buffers per kernel, so when the terms need more bindings the first ones
 * are summed by an add before it (BERT with explicit position_ids).
 */
import { type Dim, dimEq, dimValue } from '../ir/dim.ts';
import type { Node } from '../ir/graph.ts';
import { Op } from '../ir/ops.ts';
import { any, pat, type RewriteContext, type Rule } from './rewrite.ts';

export const summary = 'layer_norm(x₀ + x₁ + …), gathers included → one row kernel (BERT embeddings: one launch)';

function broadcasts(inp: readonly Dim[], out: readonly Dim[]): boolean {
  return inp.length <= out.length && inp.every((d, i) => dimValue(d) === 1 || dimEq(d, out[out.length - inp.length + i]!));
}

/** The leaves of a tree of same-shape-or-broadcast adds; an add used elsewhere is a leaf (its value is needed anyway). */
function terms(n: Node, cx: RewriteContext, top = true): Node[] {
  if (n.op !== Op.Add || n.dtype !== 'f32' || (!top && cx.uses(n) !== 1)) return [n];
  return n.src.flatMap((s) => terms(s, cx, false));
}

/** WebGPU's guaranteed storage buffers per shader stage: the kernel binds each term (a gather: table and ids), w, b, y. */
const MAX_BINDINGS = 8;
const bindings = (x: Node): number => (x.op === Op.Gather && x.src[1]!.op !== Op.Arange ? 2 : 1); // arange ids are the row index

/** Numpy's broadcast of two shapes (both broadcast to the LayerNorm's input, so each axis agrees or is 1). */
function broadcastShape(a: readonly Dim[], b: readonly Dim[]): Dim[] {
  const [long, short] = a.length >= b.length ? [a, b] : [b, a];
  return long.map((d, i) => {
    const e = short[i - (long.length - short.length)];
    return e !== undefined && dimValue(d) === 1 ? e : d;
  });
}

/** The terms as the kernel gets them: the first ones summed beforehand (in the same order) while they need too many bindings. */
function withinBindings(xs: Node[], cx: RewriteContext): Node[] {
  let [acc, ...rest] = xs.map(cx.get) as [Node, ...Node[]];
  while (bindings(acc) + rest.reduce((n, x) => n + bindings(x), 0) + 3 > MAX_BINDINGS) {
    const next = rest.shift()!;
    acc = cx.make(Op.Add, 'f32', broadcastShape(acc.shape, next.shape), [acc, next]);
  }
  return [acc, ...rest];
}

export const rules: readonly Rule[] = [
  [
    pat(Op.LayerNorm, [pat(Op.Add, undefined, 'sum'), any('w'), any('b')]),
    (m, cx, n) => {
      const sum = m['sum']!;
      if (cx.uses(sum) !== 1 || n.dtype !== 'f32') return undefined;
      const xs = terms(sum, cx);
      if (!xs.every((x) => x.dtype === 'f32' && broadcasts(x.shape, n.shape))) return undefined;
      const ts = withinBindings(xs, cx);
      if (ts.length < 2) return undefined;
      return cx.make(Op.AddNorm, 'f32', n.shape, [...ts, cx.get(m['w']!), cx.get(m['b']!)], { eps: n.arg['eps'] });
    },
  ],
];
