/**
 * Invariants of the graph IR, checked after elaboration and after every pass in tests.
 *
 * A violation is a bug in dslc (a pass built a malformed node), never a user mistake: it throws a plain Error
 * naming the node, so the stack trace is kept.
 */
import { dimConst, dimEq, dimMul, dimValue, shapeEq, shapeSize, shapeToString, type Dim } from './dim.ts';
import { attentionDims } from './attention.ts';
import { type Graph, graphNodes, type Node } from './graph.ts';
import { BINARY_OPS, COMPARE_OPS, FLOAT_DTYPES, Op, REDUCE_OPS, UNARY_OPS } from './ops.ts';

const LEAVES = new Set([Op.Input, Op.Param, Op.Const, Op.Arange]);

function broadcastable(out: readonly Dim[], inp: readonly Dim[]): boolean {
  if (inp.length > out.length) return false;
  return inp.every((d, i) => dimValue(d) === 1 || dimEq(d, out[out.length - inp.length + i]!));
}

function check(n: Node): string | undefined {
  const [a, b] = n.src;
  if (LEAVES.has(n.op)) return n.src.length === 0 ? undefined : 'a leaf has operands';
  if (UNARY_OPS.has(n.op)) return n.src.length === 1 && shapeEq(a!.shape, n.shape) ? undefined : 'unary op changes shape';
  if (BINARY_OPS.has(n.op) || n.op === Op.Where) {
    if (!n.src.every((s) => broadcastable(n.shape, s.shape))) return 'operands do not broadcast to the result';
    if (COMPARE_OPS.has(n.op) && n.dtype !== 'bool') return 'comparison does not produce bool';
    return undefined;
  }
  if (REDUCE_OPS.has(n.op)) {
    const axis = n.arg['axis'] as number;
    return axis >= 0 && axis < a!.shape.length ? undefined : `axis ${axis} out of range`;
  }
  switch (n.op) {
    case Op.Softmax:
      return n.arg['axis'] === n.shape.length - 1 && shapeEq(a!.shape, n.shape) ? undefined : 'softmax must be over the last axis';
    case Op.LayerNorm:
      return n.src.length === 3 && shapeEq(a!.shape, n.shape) && FLOAT_DTYPES.has(n.dtype) ? undefined : 'bad layer_norm';
    case Op.AddNorm:
      if (n.src.length < 4 || !n.src.slice(0, -2).every((s) => broadcastable(n.shape, s.shape) && FLOAT_DTYPES.has(s.dtype))) return 'add_norm terms do not broadcast to the result';
      return FLOAT_DTYPES.has(n.dtype) && typeof n.arg['eps'] === 'number' ? undefined : 'bad add_norm';
    case Op.MatMulEpilogue:
      if (!n.src.slice(2).every((s) => broadcastable(n.shape, s.shape))) return 'epilogue addends do not broadcast to the result';
      if (n.arg['act'] !== null && !UNARY_OPS.has(n.arg['act'] as Op)) return 'epilogue activation is not a unary op';
      return check({ ...n, op: Op.MatMul, src: n.src.slice(0, 2) });
    case Op.MatMulNorm:
      if (n.src.length < 4 || typeof n.arg['eps'] !== 'number') return 'matmul_norm takes a, b, addends, weight and bias, and eps';
      return check({ ...n, op: Op.MatMulEpilogue, src: n.src.slice(0, -2), arg: { act: null } });
    case Op.MatMul: {
      const k1 = a!.shape[a!.shape.length - 2 + 1];
      const k2 = b!.shape[b!.shape.length - 2];
      return k1 && k2 && dimEq(k1, k2) ? undefined : 'matmul inner dimensions differ';
    }
    case Op.Reshape:
      return dimEq(shapeSize(a!.shape), shapeSize(n.shape)) ? undefined : 'reshape changes the element count';
    case Op.Permute: {
      const perm = n.arg['perm'] as number[];
      return perm.length === n.shape.length && perm.every((p, i) => dimEq(a!.shape[p]!, n.shape[i]!)) ? undefined : 'bad permutation';
    }
    case Op.Expand:
      return broadcastable(n.shape, a!.shape) ? undefined : 'expand target does not broadcast';
    case Op.Gather:
      return b!.dtype === 'i32' ? undefined : 'gather indices must be i32';
    case Op.Slice:
    case Op.Concat:
      return (n.arg['axis'] as number) < n.shape.length ? undefined : 'axis out of range';
    case Op.Attention: {
      const [q, k, v, mask, bias] = n.src as Node[];
      if (n.src.length < 4 || n.src.length > 5 || [q, k, v].some((x) => x!.shape.length !== 4)) return 'attention takes q, k, v of rank 4, a mask and an optional bias';
      const a = attentionDims(n);
      const [hAxis, sAxis] = a.bshd ? [2, 1] : [1, 2];
      if (a.packed && (q !== k || q !== v || !dimEq(q!.shape[2]!, dimMul(dimConst(3), a.h)))) return 'packed attention takes one [B,S,3h,D] operand as q, k and v';
      const agree = [k!, v!].every((x) => dimEq(x.shape[0]!, a.b) && dimEq(x.shape[hAxis]!, a.stored) && dimEq(x.shape[sAxis]!, a.t));
      if (!agree || !dimEq(k!.shape[3]!, a.d)) return 'attention q/k/v dims differ';
      const scores = [a.b, a.h, a.s, a.t];
      if (!broadcastable(scores, mask!.shape) || (bias && !broadcastable(scores, bias.shape))) return 'attention mask or bias does not broadcast to the scores';
      const out = a.bshd ? [a.b, a.s, a.h, a.dv] : [a.b, a.h, a.s, a.dv];
      return typeof n.arg['scale'] === 'number' && shapeEq(n.shape, out) ? undefined : 'bad attention result';
    }
    case Op.CrossEntropy:
      return n.shape.length === 0 ? undefined : 'cross entropy must be a scalar';
    default:
      return `unknown op ${n.op}`;
  }
}

export function validateGraph(g: Graph): void {
  const names = new Set<string>();
  for (const o of g.outputs) {
    if (names.has(o.name)) throw new Error(`graph ${g.entry}: output '${o.name}' appears twice`);
    names.add(o.name);
  }
  for (const n of graphNodes(g)) {
    const problem = check(n);
    if (problem) throw new Error(`graph ${g.entry}: node ${n.id} (${n.op} ${n.dtype}${shapeToString(n.shape)}): ${problem}`);
  }
}
