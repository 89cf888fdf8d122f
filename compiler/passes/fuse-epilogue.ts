/**
 * Epilogue fusion. A matmul whose only consumer adds something to it (Linear's bias, then a residual) or applies an
 * activation (gelu, gelu_tanh, relu, silu) becomes one `Op.MatMulEpilogue`: act(a·b + addend₀ + addend₁ …), so the
 * product is written once, already finished, instead of once per elementwise op. The rules grow the op one step at a
 * time (matmul + x, then + y, then act) and the engine repeats them to a fixpoint. Addends keep the graph's order,
 * so fused and unfused results are bit-identical on the CPU reference; after an activation nothing more is added
 * (act(x) + r is not act(x + r)).
 */
import { type Dim, dimEq, dimValue } from '../ir/dim.ts';
import type { Node } from '../ir/graph.ts';
import { Op } from '../ir/ops.ts';
import { any, pat, type RewriteContext, type Rule } from './rewrite.ts';

export const summary = 'matmul + bias (+ residual) (+ activation) → one matmul whose kernel finishes its output';

const ACTS: readonly Op[] = [Op.Gelu, Op.GeluTanh, Op.Relu, Op.Silu];

function broadcasts(inp: readonly Dim[], out: readonly Dim[]): boolean {
  return inp.length <= out.length && inp.every((d, i) => dimValue(d) === 1 || dimEq(d, out[out.length - inp.length + i]!));
}

/** A product (plain, or an epilogue with no activation yet) that feeds only `user`, in f32. */
const growable = (n: Node, cx: RewriteContext): boolean =>
  n.dtype === 'f32' && cx.uses(n) === 1 && (n.op === Op.MatMul || (n.op === Op.MatMulEpilogue && n.arg['act'] === null));

function withAddend(mm: Node, x: Node, sum: Node, cx: RewriteContext): Node | undefined {
  // the add must not broadcast the product itself (the kernel writes exactly the product's elements)
  if (!growable(mm, cx) || x.dtype !== 'f32' || sum.dtype !== 'f32' || !broadcasts(x.shape, mm.shape) || sum.shape.length !== mm.shape.length) return undefined;
  if (!sum.shape.every((d, i) => dimEq(d, mm.shape[i]!))) return undefined;
  return cx.make(Op.MatMulEpilogue, 'f32', mm.shape, [...mm.src.map(cx.get), cx.get(x)], { act: null });
}

const product = (name: string) => pat([Op.MatMul, Op.MatMulEpilogue], undefined, name);

export const rules: readonly Rule[] = [
  [pat(Op.Add, [product('mm'), any('x')]), (m, cx, n) => withAddend(m['mm']!, m['x']!, n, cx)],
  // x + product: float addition commutes exactly (only regrouping changes bits), so this is the same sum
  [pat(Op.Add, [any('x'), product('mm')]), (m, cx, n) => withAddend(m['mm']!, m['x']!, n, cx)],
  [
    pat(ACTS, [product('mm')]),
    (m, cx, n) => {
      const mm = m['mm']!;
      if (!growable(mm, cx)) return undefined;
      return cx.make(Op.MatMulEpilogue, 'f32', mm.shape, mm.src.map(cx.get), { act: n.op });
    },
  ],
];
