/**
 * LayerNorm-into-matmul fusion: `layer_norm(matmul(a, W) + addends)` — BERT's dense + bias + residual + LayerNorm —
 * becomes one `Op.MatMulNorm`, whose kernel owns whole rows so it can normalise before writing (one launch and one
 * write of the row instead of two launches, a write and a read). Owning rows costs the matmul its 2-D tiling; the
 * register-blocked kernel (kernel/lower-matmul-norm.ts) still wins on SwiftShader at BERT-base sizes, so the pass is
 * on by default (`scripts/bench-fusion.ts` measures it side by side). Only for weights without batch dims and a row
 * length known at compile time (the kernel keeps the row in registers).
 */
import { dimValue } from '../ir/dim.ts';
import type { Node } from '../ir/graph.ts';
import { Op } from '../ir/ops.ts';
import { any, pat, type Rule } from './rewrite.ts';

export const summary = 'matmul (+ addends) + LayerNorm → one matmul whose workgroups own whole rows';

const MAX_ROW = 4096;

const fusable = (mm: Node): boolean => {
  const b = mm.src[1]!;
  const n = dimValue(mm.shape[mm.shape.length - 1]!);
  return mm.dtype === 'f32' && (mm.op === Op.MatMul || mm.arg['act'] === null) && b.shape.length === 2 && n !== undefined && n <= MAX_ROW &&
    mm.src[0]!.op !== Op.Permute; // a transposed a is read in place by the tiled kernel only
};

export const rules: readonly Rule[] = [
  [
    pat(Op.LayerNorm, [pat([Op.MatMul, Op.MatMulEpilogue], undefined, 'mm'), any('w'), any('b')]),
    (m, cx, n) => {
      const mm = m['mm']!;
      if (!fusable(mm) || cx.uses(mm) !== 1) return undefined;
      return cx.make(Op.MatMulNorm, 'f32', mm.shape, [...mm.src.map(cx.get), cx.get(m['w']!), cx.get(m['b']!)], { eps: n.arg['eps'] });
    },
  ],
];
