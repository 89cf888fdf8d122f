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
 * LayerNorm, fused ones included (matmul + LayerNorm, the embeddings' sum + LayerNorm, packed q/k/v attention).
 * A derived parameter (fuse-qkv's concatenated weights) is a Param like any other: loaders convert it after they
 * concatenate, and int8w's per-row scales of a concatenation are its parts' scales, concatenated.
 * It runs last, after the fusions (they match f32 graphs), and the CPU reference runs its result directly: an f16
 * node holds the values its storage rounds to (backends/cpu/precision.ts).
 */
import type { Node } from '../ir/graph.ts';
import { COMPARE_OPS, type DType, ELEMENTWISE_OPS, Op } from '../ir/ops.ts';
import { any, type RewriteContext, type Rule } from './rewrite.ts';

export const summary = 'f16 / bf16 storage of weights and the activations computed from them (f32 arithmetic)';

/** `fp32` leaves the graph as it is; `int8w` quantises the weights of products only (activations stay f32). */
export type Precision = 'fp32' | 'fp16' | 'bf16' | 'int8w';
export const PRECISIONS: readonly Precision[] = ['fp32', 'fp16', 'bf16', 'int8w'];

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
    case Op.MatMulNorm:
      return n.src.slice(0, 2);
    case Op.Attention:
      return n.src.slice(0, 3);
    case Op.LayerNorm:
      return [n.src[0]!];
    case Op.AddNorm: // its terms (gathered embedding rows, residuals); the statistics stay f32 registers in the kernel
      return n.src.slice(0, -2);
    default:
      return undefined;
  }
}

const isLastTwoSwap = (n: Node): boolean => {
  const perm = n.arg['perm'] as number[] | undefined;
  return n.op === Op.Permute && perm?.length === 2 && perm[0] === 1 && perm[1] === 0;
};

const isActivation = (n: Node): boolean => n.op !== Op.Param && n.op !== Op.Const;

/** Adds a second activation to its input: a residual connection (a bias or constant is not one). */
function addsResidual(n: Node): boolean {
  if (n.op === Op.MatMulEpilogue || n.op === Op.MatMulNorm) return n.src.slice(2).some(isActivation);
  return n.op === Op.Add && n.src.every(isActivation);
}

/**
 * Whether `n`'s value reaches a graph output along some path that passes no residual connection: then an error in
 * it lands in the output undiluted (a head: pooler, classifier, the MLM transform before the logits).
 */
function reachesOutputDirectly(n: Node, cx: RewriteContext, memo: WeakMap<Node, boolean>): boolean {
  const known = memo.get(n);
  if (known !== undefined) return known;
  memo.set(n, false); // the graph is acyclic; this only guards the walk
  const result = !addsResidual(n) && (isOutput(n, cx) || cx.consumers(n).some((c) => reachesOutputDirectly(c, cx, memo)));
  memo.set(n, result);
  return result;
}

/** The products that read a Linear's weight transposed (the fused LayerNorm one included). */
const PRODUCTS: ReadonlySet<Op> = new Set([Op.MatMul, Op.MatMulEpilogue, Op.MatMulNorm]);

/**
 * int8w: a 2-D f32 weight read only as `x @ Wᵀ` (a Linear: every consumer is a transpose that only products read
 * as their right operand) gets `quant: 'int8'`: the schedule stores it as int8 with one f32 scale per row of W
 * (per output channel), and the product's kernel dequantises what it loads. A weight read any other way (the tied
 * word embeddings are also gathered) stays f32, and so do the heads' Linears, whose products reach an output without
 * a residual connection to dilute their error (int8 schemes keep the LM head in higher precision for the same
 * reason: quantising BERT's MLM transform alone flips ~2% of top-1 predictions of a random model).
 */
function quantise(n: Node, cx: RewriteContext, memo: WeakMap<Node, boolean>): Node | undefined {
  if (n.op !== Op.Param || n.dtype !== 'f32' || n.shape.length !== 2 || n.arg['quant'] !== undefined || isOutput(n, cx)) return undefined;
  const readers = cx.consumers(n);
  const products = (t: Node) => cx.consumers(t);
  const linear = (t: Node) =>
    isLastTwoSwap(t) && !isOutput(t, cx) && products(t).every((m) => PRODUCTS.has(m.op) && m.src.indexOf(t) === 1 && m.src.lastIndexOf(t) === 1);
  if (readers.length === 0 || !readers.every(linear)) return undefined;
  if (readers.some((t) => products(t).some((m) => reachesOutputDirectly(m, cx, memo)))) return undefined;
  return cx.make(n.op, n.dtype, n.shape, [], { ...n.arg, quant: 'int8' }, n.origin);
}

/** A graph output: used more often than it has consumer nodes. */
const isOutput = (n: Node, cx: RewriteContext): boolean => cx.uses(n) > cx.consumers(n).length;

/** The rules of one precision. */
export function precisionRules(precision: Precision): readonly Rule[] {
  if (precision === 'fp32') return [];
  if (precision === 'int8w') {
    const memo = new WeakMap<Node, boolean>();
    return [[any('n'), (_m, cx, n) => quantise(n, cx, memo)]];
  }
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
