/** One small graph per op and dtype variant, symbolic where a real model would be, for kernel-level tests. */
import type { Graph } from '../../../compiler/ir/graph.ts';
import { BINARY_OPS, COMPARE_OPS, type DType, Op, UNARY_OPS } from '../../../compiler/ir/ops.ts';
import { Builder, type ShapeSpec } from '../../backends/cpu/helpers.ts';

function oneOp(op: Op, dtype: DType, out: ShapeSpec, srcs: [DType, ShapeSpec][], arg: Record<string, unknown> = {}): Graph {
  const b = new Builder();
  const xs = srcs.map(([t, s], i) => b.input(`x${i}`, t, s));
  return b.graph({ out: b.op(op, dtype, out, xs, arg) });
}

export function opGraphs(): [string, Graph][] {
  const g: [string, Graph][] = [];
  for (const op of UNARY_OPS) {
    if (op === Op.Not) g.push([op, oneOp(op, 'bool', ['S'], [['bool', ['S']]])]);
    else if (op === Op.Cast) {
      for (const [from, to] of [['f32', 'i32'], ['i32', 'f32'], ['bool', 'f32'], ['f32', 'bool']] as const) g.push([`cast ${from}→${to}`, oneOp(op, to, ['S', 3], [[from, ['S', 3]]])]);
    } else g.push([op, oneOp(op, 'f32', ['B', 'S', 5], [['f32', ['B', 'S', 5]]])]);
  }
  for (const op of BINARY_OPS) {
    const logical = op === Op.And || op === Op.Or;
    const t: DType = logical ? 'bool' : 'f32';
    const out: DType = COMPARE_OPS.has(op) || logical ? 'bool' : 'f32';
    g.push([op, oneOp(op, out, ['B', 'S', 8], [[t, ['B', 'S', 8]], [t, [8]]])]);
    if (!logical) g.push([`${op} i32`, oneOp(op, COMPARE_OPS.has(op) ? 'bool' : 'i32', ['B', 4], [['i32', ['B', 4]], ['i32', ['B', 1]]])]);
  }
  g.push(['where', oneOp(Op.Where, 'f32', ['B', 'S'], [['bool', ['B', 1]], ['f32', ['B', 'S']], ['f32', []]])]);
  for (const op of [Op.ReduceSum, Op.ReduceMax, Op.ReduceMean]) {
    g.push([`${op} last`, oneOp(op, 'f32', ['B', 1], [['f32', ['B', 'S']]], { axis: 1, keepdim: true })]);
    g.push([`${op} first`, oneOp(op, 'f32', ['S'], [['f32', ['B', 'S']]], { axis: 0, keepdim: false })]);
  }
  g.push(['reduce_sum i32', oneOp(Op.ReduceSum, 'i32', ['B'], [['bool', ['B', 'S']]], { axis: 1, keepdim: false })]);
  g.push(['reduce_max i32', oneOp(Op.ReduceMax, 'i32', ['B'], [['i32', ['B', 'S']]], { axis: 1, keepdim: false })]);
  g.push(['softmax', oneOp(Op.Softmax, 'f32', ['B', 'S'], [['f32', ['B', 'S']]], { axis: 1 })]);
  g.push(['layer_norm', oneOp(Op.LayerNorm, 'f32', ['B', 'S', 7], [['f32', ['B', 'S', 7]], ['f32', [7]], ['f32', [7]]], { eps: 1e-12 })]);
  g.push(['matmul', oneOp(Op.MatMul, 'f32', ['B', 'S', 'S'], [['f32', ['B', 'S', 4]], ['f32', ['B', 4, 'S']]])]);
  g.push(['gather', oneOp(Op.Gather, 'f32', ['B', 'S', 4], [['f32', [9, 4]], ['i32', ['B', 'S']]])]);
  g.push(['permute', oneOp(Op.Permute, 'i32', ['S', 'B', 3], [['i32', ['B', 'S', 3]]], { perm: [1, 0, 2] })]);
  g.push(['expand', oneOp(Op.Expand, 'f32', ['B', 'S'], [['f32', ['B', 1]]])]);
  g.push(['slice', oneOp(Op.Slice, 'f32', ['B', 'S - 1'], [['f32', ['B', 'S']]], { axis: 1, start: 1, end: 'S' })]);
  g.push(['concat', oneOp(Op.Concat, 'f32', ['B', 'S + 2'], [['f32', ['B', 'S']], ['f32', ['B', 2]]], { axis: 1 })]);
  g.push(['cross_entropy', oneOp(Op.CrossEntropy, 'f32', [], [['f32', ['N', 5]], ['i32', ['N']]], { ignoreIndex: -100 })]);
  const b = new Builder();
  const x = b.input('x', 'f32', ['S']);
  const filled = b.op(Op.Add, 'f32', ['S'], [x, b.op(Op.Cast, 'f32', ['S'], [b.op(Op.Arange, 'i32', ['S'], [])])]);
  g.push(['arange and a symbolic constant', b.graph({ out: b.op(Op.Mul, 'f32', ['S'], [filled, b.op(Op.Const, 'f32', ['S'], [], { value: 2 })]) })]);
  return g;
}
