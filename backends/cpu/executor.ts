/**
 * The CPU reference executor: evaluates a graph node by node on host tensors. It is the oracle every other backend
 * is compared against, so it favours plain, checkable code over speed.
 *
 * Order: validate and bind the inputs (bind.ts), then walk `graphNodes(graph)` (producers before consumers),
 * evaluating each node and dropping an intermediate right after its last consumer ran.
 */
import { UserError } from '../../dsl/errors.ts';
import { type Dim, dimEval, dimParse, shapeToString } from '../../compiler/ir/dim.ts';
import { BINARY_OPS, Op, REDUCE_OPS, UNARY_OPS } from '../../compiler/ir/ops.ts';
import { graphNodes, type Graph, type Node } from '../../compiler/ir/graph.ts';
import { allocData, formatShape, type HostTensor, type TensorData } from '../tensor.ts';
import { bindInputs, loadParam, type Env } from './bind.ts';
import { attention } from './attention.ts';
import { binary, unary, where } from './elementwise.ts';
import { matmul } from './matmul.ts';
import { concat, expand, gather, permute, reshape, slice } from './movement.ts';
import { int8RoundTrip, roundStorage, type Accumulate } from './precision.ts';
import { reduce } from './reduce.ts';
import { crossEntropy, layerNorm, softmax } from './rows.ts';

export interface RunOptions {
  /** How sums accumulate (see precision.ts); 'f64' by default. */
  readonly accumulate?: Accumulate;
  /**
   * Intermediate nodes to keep: each node it accepts is also returned, under the key `%<node id>` (for comparing a
   * backend against the oracle node by node). Kept nodes are not freed early.
   */
  readonly keep?: (node: Node) => boolean;
}

type Weights = ReadonlyMap<string, Float32Array | Int32Array>;

function argNumber(node: Node, key: string): number {
  const v = node.arg[key];
  if (typeof v !== 'number') throw new Error(`cpu backend: ${node.op} node %${node.id} has no numeric arg "${key}"`);
  return v;
}

/** A dim-valued arg: a Dim, its string form (JSON IR), or a plain number. */
function argDim(node: Node, key: string, env: Env): number {
  const v = node.arg[key];
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return dimEval(dimParse(v), env);
  if (typeof v === 'object' && v !== null && 'terms' in v) return dimEval(v as Dim, env);
  throw new Error(`cpu backend: ${node.op} node %${node.id} has no dim arg "${key}"`);
}

/** Evaluates one non-Input node from its sources' values; the result's shape is checked by the caller. */
function evaluate(node: Node, src: HostTensor[], shape: number[], env: Env, weights: Weights, acc: Accumulate): HostTensor {
  const t = (data: TensorData, s: number[] = shape): HostTensor => ({ dtype: node.dtype, shape: s, data });
  const moved = (r: { shape: number[]; data: TensorData }): HostTensor => t(r.data, r.shape);
  const [a, b, c] = src as [HostTensor, HostTensor, HostTensor];
  if (UNARY_OPS.has(node.op)) return t(unary(node.op, node.dtype, a));
  if (BINARY_OPS.has(node.op)) return t(binary(node.op, node.dtype, shape, a, b));
  if (REDUCE_OPS.has(node.op)) return t(reduce(node.op, node.dtype, a, argNumber(node, 'axis'), acc));
  switch (node.op) {
    case Op.Param: {
      const t = loadParam(node, shape, weights);
      // an int8 weight (compiler/passes/lower-precision.ts) holds the values its quantisation gives back
      if (node.arg['quant'] !== 'int8') return t;
      return { ...t, data: int8RoundTrip(t.data as Float32Array, shape[0]!, shape[1]!) };
    }
    case Op.Const: {
      const value = node.arg['value'];
      if (typeof value !== 'number' && typeof value !== 'boolean') throw new Error(`cpu backend: const %${node.id} has no value`);
      const data = allocData(node.dtype, shape.reduce((n, d) => n * d, 1));
      data.fill(Number(value));
      return t(data);
    }
    case Op.Arange: {
      const data = allocData(node.dtype, shape[0] ?? 0);
      for (let i = 0; i < data.length; i++) data[i] = i;
      return t(data);
    }
    case Op.Where:
      return t(where(node.dtype, shape, a, b, c));
    case Op.Softmax:
      return t(softmax(node.dtype, a, argNumber(node, 'axis'), acc));
    case Op.LayerNorm:
      return t(layerNorm(node.dtype, a, b, c, argNumber(node, 'eps'), acc));
    case Op.MatMul:
      return moved(matmul(a, b, acc));
    case Op.Gather: {
      const what = typeof node.arg['what'] === 'string' ? (node.arg['what'] as string) : 'gather';
      return moved(gather(node.dtype, a, b, what));
    }
    case Op.Reshape:
      return t(reshape(node.dtype, a, shape));
    case Op.Permute:
      return moved(permute(node.dtype, a, node.arg['perm'] as number[]));
    case Op.Expand:
      return t(expand(node.dtype, a, shape));
    case Op.Slice:
      return moved(slice(node.dtype, a, argNumber(node, 'axis'), argDim(node, 'start', env), argDim(node, 'end', env)));
    case Op.Concat:
      return moved(concat(node.dtype, src, argNumber(node, 'axis')));
    case Op.MatMulEpilogue: {
      // exactly the unfused ops in their order, so fusion changes no bit of the result
      let y = moved(matmul(a, b, acc));
      for (const addend of src.slice(2)) y = t(binary(Op.Add, node.dtype, shape, y, addend));
      const act = node.arg['act'] as Op | null;
      return act ? t(unary(act, node.dtype, y)) : y;
    }
    case Op.MatMulNorm: {
      let y = moved(matmul(a, b, acc));
      for (const addend of src.slice(2, -2)) y = t(binary(Op.Add, node.dtype, shape, y, addend));
      return t(layerNorm(node.dtype, y, src[src.length - 2]!, src[src.length - 1]!, argNumber(node, 'eps'), acc));
    }
    case Op.AddNorm: {
      // the unfused adds in their order, then the LayerNorm: fusion changes no bit
      let y = a;
      for (const term of src.slice(1, -2)) y = t(binary(Op.Add, node.dtype, shape, y, term));
      return t(layerNorm(node.dtype, y, src[src.length - 2]!, src[src.length - 1]!, argNumber(node, 'eps'), acc));
    }
    case Op.Attention:
      return t(attention(node, env, a, b, c, src[3]!, src[4], acc));
    case Op.CrossEntropy: {
      const ignore = node.arg['ignoreIndex'];
      return t(crossEntropy(node.dtype, a, b, typeof ignore === 'number' ? ignore : -100, acc));
    }
    default:
      throw new Error(`cpu backend: op ${node.op} is not implemented`);
  }
}

/**
 * Runs `graph` on `inputs` (by input name) with parameters from `weights` (by checkpoint name) and returns every
 * graph output by name (two names for one node share one tensor). Mistakes in the inputs or weights throw UserError;
 * anything else that throws is a bug in the graph or this backend.
 */
export function runGraph(
  graph: Graph,
  inputs: Readonly<Record<string, HostTensor>>,
  weights: Weights,
  opts: RunOptions = {},
): Record<string, HostTensor> {
  const acc = opts.accumulate ?? 'f64';
  if (acc !== 'f64' && acc !== 'f32') throw new UserError(`accumulate must be 'f64' or 'f32', not ${String(acc)}`);
  const { env, values: inputValues } = bindInputs(graph, inputs);
  const order = graphNodes(graph);

  // Position of each node's last consumer; outputs and kept nodes live to the end.
  const lastUse = new Map<number, number>();
  order.forEach((node, pos) => node.src.forEach((s) => lastUse.set(s.id, pos)));
  const pinned = new Set(graph.outputs.map((o) => o.node.id));
  const kept: Record<string, HostTensor> = {};

  const values = new Map<number, HostTensor>();
  order.forEach((node, pos) => {
    const shape = node.shape.map((d) => dimEval(d, env));
    let value: HostTensor;
    if (node.op === Op.Input) {
      value = inputValues.get(node.id)!;
    } else {
      const src = node.src.map((s) => values.get(s.id)!);
      value = evaluate(node, src, shape, env, weights, acc);
      if (value.data instanceof Float32Array && node.op !== Op.Param) roundStorage(node.dtype, value.data);
    }
    if (value.shape.length !== shape.length || value.shape.some((d, i) => d !== shape[i])) {
      throw new Error(
        `cpu backend: ${node.op} node %${node.id} produced shape ${formatShape(value.shape)} but the graph says ` +
          `${shapeToString(node.shape)} = ${formatShape(shape)}`,
      );
    }
    values.set(node.id, value);
    if (opts.keep?.(node)) {
      kept[`%${node.id}`] = value;
      pinned.add(node.id);
    }
    for (const s of node.src) if (lastUse.get(s.id) === pos && !pinned.has(s.id)) values.delete(s.id);
    if (!lastUse.has(node.id) && !pinned.has(node.id)) values.delete(node.id); // an unused input
  });

  const result: Record<string, HostTensor> = { ...kept };
  for (const o of graph.outputs) result[o.name] = values.get(o.node.id)!;
  return result;
}
