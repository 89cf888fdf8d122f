/**
 * The graph IR: one immutable node type `{ op, dtype, shape, src, arg }`.
 *
 * Nodes are made through `NodeFactory.make`, which interns structurally equal nodes, so equality is identity and
 * common subexpressions merge for free (the twelve layers' identical mask computations become one node).
 */
import { type Dim, dimToString, shapeToString } from './dim.ts';
import { type DType, Op } from './ops.ts';

/** Where a node came from in the model source, for error messages and dumps. */
export interface Origin {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export interface InputArg {
  readonly name: string;
  /** Value the runtime fills when the caller omits this input (e.g. attention_mask = 1). */
  readonly fill?: number;
  /** Valid integer range [lo, hi) checked before running (token ids < vocab_size). */
  readonly range?: readonly [number, number];
}

export interface ParamArg {
  /** Checkpoint tensor name as written in the model source, e.g. `bert.encoder.layer.3.output.dense.weight`. */
  readonly name: string;
  /** Other names the same tensor has in checkpoints (e.g. `cls.predictions.decoder.bias`). */
  readonly aliases?: readonly string[];
  /**
   * A derived parameter (made by compiler/passes/fuse-qkv.ts): the concatenation of checkpoint tensors along `axis`,
   * done once at load time by every loader; `name` is then only a label.
   */
  readonly concat?: { readonly axis: number; readonly parts: readonly ParamPart[] };
}

/** One checkpoint tensor of a derived parameter, with its concrete shape. */
export interface ParamPart {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly shape: readonly number[];
}

export interface Node {
  readonly id: number;
  readonly op: Op;
  readonly dtype: DType;
  readonly shape: readonly Dim[];
  readonly src: readonly Node[];
  /** Op-specific, JSON-serialisable attributes (see Op's comments). */
  readonly arg: Readonly<Record<string, unknown>>;
  readonly origin?: Origin;
}

/** A runtime condition on symbolic dims, e.g. S <= max_position_embeddings. */
export interface DimConstraint {
  readonly dim: Dim;
  readonly max: number;
  readonly message: string;
}

export interface Graph {
  readonly entry: string;
  /** Config values and module arguments the graph was specialised for. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Symbolic dims, bound at run time from input shapes. */
  readonly symbols: readonly string[];
  readonly inputs: readonly Node[];
  readonly outputs: readonly { readonly name: string; readonly node: Node }[];
  readonly constraints: readonly DimConstraint[];
}

function argKey(arg: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(arg, (_k, v) => (v && typeof v === 'object' && 'terms' in v ? dimToString(v as Dim) : v));
}

/** Creates interned nodes; one factory per graph under construction. */
export class NodeFactory {
  private readonly interned = new Map<string, Node>();
  private nextId = 0;

  make(
    op: Op,
    dtype: DType,
    shape: readonly Dim[],
    src: readonly Node[],
    arg: Readonly<Record<string, unknown>> = {},
    origin?: Origin,
  ): Node {
    const key = `${op}|${dtype}|${shapeToString(shape)}|${src.map((s) => s.id).join(',')}|${argKey(arg)}`;
    const found = this.interned.get(key);
    if (found) return found;
    const node: Node = { id: this.nextId++, op, dtype, shape, src, arg, ...(origin ? { origin } : {}) };
    this.interned.set(key, node);
    return node;
  }
}

/** All nodes reachable from the outputs, producers before consumers (stable: by id within a level). */
export function topoSort(outputs: readonly Node[]): Node[] {
  const seen = new Set<number>();
  const order: Node[] = [];
  const stack: [Node, boolean][] = outputs.map((n) => [n, false] as [Node, boolean]).reverse();
  while (stack.length > 0) {
    const [node, expanded] = stack.pop()!;
    if (expanded) {
      if (!seen.has(node.id)) {
        seen.add(node.id);
        order.push(node);
      }
      continue;
    }
    if (seen.has(node.id)) continue;
    stack.push([node, true]);
    for (let i = node.src.length - 1; i >= 0; i--) if (!seen.has(node.src[i]!.id)) stack.push([node.src[i]!, false]);
  }
  return order;
}

export function graphNodes(g: Graph): Node[] {
  return topoSort([...g.inputs, ...g.outputs.map((o) => o.node)]);
}

export function graphParams(g: Graph): Node[] {
  return graphNodes(g).filter((n) => n.op === Op.Param);
}
