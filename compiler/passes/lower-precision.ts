/**
 * Precision lowering: stores weights and the activations computed from them as f16 or bf16, so every kernel reads
 * and writes half the bytes, while arithmetic stays f32 (kernels widen what they load and round what they store:
 * kernel/ir.ts). What must stay accurate keeps f32 storage: softmax (its probabilities), reductions and
 * losses, the attention mask and whatever else is computed from inputs rather than weights (BERT's mask is
 * (1 - mask) · finfo(f32).min, which a half cannot hold), and the graph's outputs, which callers read as f32.
 * LayerNorm's statistics and every accumulator are f32 registers in the kernels whatever the storage.
 *
 * The rule is dataflow, not op names: a parameter becomes narrow; an op whose float operands (constants aside) are
 * all narrow becomes narrow too, for the ops that move or combine values elementwise, the products, attention and
 * LayerNorm. It runs last, after the fusions (they match f32 graphs), and the CPU reference runs its result
 * directly: an f16 node holds the values its storage rounds to (backends/cpu/precision.ts).
 */
import type { Node } from '../ir/graph.ts';
import { COMPARE_OPS, type DType, ELEMENTWISE_OPS, Op } from '../ir/ops.ts';
import { any, type RewriteContext, type Rule } from './rewrite.ts';

export const summary = 'f16 / bf16 storage of weights and the activations computed from them (f32 arithmetic)';

/** `fp32` leaves the graph as it is. */
export type Precision = 'fp32' | 'fp16' | 'bf16';
export const PRECISIONS: readonly Precision[] = ['fp32', 'fp16', 'bf16'];

/** The storage dtype a precision gives weights and activations. */
export const narrowDtype = (p: Precision): DType => (p === 'fp16' ? 'f16' : p === 'bf16' ? 'bf16' : 'f32');

const MOVEMENT: ReadonlySet<Op> = new Set([Op.Reshape, Op.Permute, Op.Expand, Op.Slice, Op.Concat]);

/** Which operands must be narrow for `n` to become narrow (the others may be anything). */
function narrowingOperands(n: Node): readonly Node[] | undefined {
  if (n.op === Op.Cast || COMPARE_OPS.has(n.op)) return undefined; // a cast says its dtype; comparisons give bool
  if (ELEMENTWISE_OPS.has(n.op) || MOVEMENT.has(n.op)) return n.src.filter((s) => s.op !== Op.Const && s.dtype !== 'bool' && s.dtype !== 'i32');
  switch (n.op) {
    case Op.Gather:
      return [n.src[0]!];
    case Op.MatMul:
    case Op.MatMulEpilogue:
      return n.src.slice(0, 2);
    case Op.Attention:
      return n.src.slice(0, 3);
    case Op.LayerNorm:
      return [n.src[0]!];
    default:
      return undefined;
  }
}

/** A graph output: used more often than it has consumer nodes. */
const isOutput = (n: Node, cx: RewriteContext): boolean => cx.uses(n) > cx.consumers(n).length;

/** The rules of one precision. */
export function precisionRules(precision: Precision): readonly Rule[] {
  if (precision === 'fp32') return [];
  const low = narrowDtype(precision);
  const lower = (n: Node, cx: RewriteContext): Node | undefined => {
    if (n.dtype !== 'f32' || isOutput(n, cx)) return undefined;
    if (n.op !== Op.Param) {
      const need = narrowingOperands(n)?.map(cx.get);
      if (!need || need.length === 0 || !need.every((s) => s.dtype === low)) return undefined;
    }
    return cx.make(n.op, low, n.shape, n.src.map(cx.get), n.arg, n.origin);
  };
  return [[any('n'), (_m, cx, n) => lower(n, cx)]];
}
