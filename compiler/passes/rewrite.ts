/**
 * The one rewrite engine every graph pass uses: a pass is a list of rules `[pattern, rewrite]`; `graphRewrite` walks
 * the graph producers-first, tries the rules on each node, and rebuilds everything through a fresh NodeFactory (nodes
 * are immutable and interned, so a rewrite never edits a node: it makes the replacement, and every consumer is
 * rebuilt on top of it). Sweeps repeat until no rule fires, so one rule's output can be another's input.
 *
 * Patterns match the *old* graph, where every node's consumers are known (fusions must ask "is this value used
 * anywhere else?"); rewrites build the *new* graph through `cx`, mapping captured old nodes with `cx.get`.
 *
 * @example
 * const dropDoubleNeg: Rule = [pat(Op.Neg, [pat(Op.Neg, [any('x')])]), (m, cx) => cx.get(m['x']!)];
 * const g2 = graphRewrite(g, [dropDoubleNeg]);
 */
import type { Dim } from '../ir/dim.ts';
import { type Graph, graphNodes, type Node, NodeFactory, type Origin } from '../ir/graph.ts';
import type { DType, Op } from '../ir/ops.ts';

/** A structural pattern: op (or ops), operand patterns (all of them, in order), a capture name and a guard. */
export interface Pattern {
  readonly op?: Op | readonly Op[];
  readonly src?: readonly Pattern[];
  readonly name?: string;
  readonly where?: (n: Node) => boolean;
}

/** Captured old-graph nodes by pattern name. */
export type Match = Readonly<Record<string, Node>>;

export interface RewriteContext {
  /** The new-graph node that stands for an old one (its sources already rewritten). */
  get(old: Node): Node;
  /** Makes a node of the new graph; without an origin it takes the origin of the node being rewritten. */
  make(op: Op, dtype: DType, shape: readonly Dim[], src: readonly Node[], arg?: Readonly<Record<string, unknown>>, origin?: Origin): Node;
  /** Old-graph consumers of an old node; graph outputs count as one consumer each. */
  uses(old: Node): number;
  consumers(old: Node): readonly Node[];
}

/** Returns the replacement for the matched node, or undefined to leave it (a guard that needs the context). */
export type Rewrite = (m: Match, cx: RewriteContext, node: Node) => Node | undefined;
export type Rule = readonly [Pattern, Rewrite];

export const pat = (op: Op | readonly Op[], src?: readonly Pattern[], name?: string, where?: (n: Node) => boolean): Pattern => ({
  op,
  ...(src ? { src } : {}),
  ...(name ? { name } : {}),
  ...(where ? { where } : {}),
});
/** Any node, captured under `name`. */
export const any = (name: string, where?: (n: Node) => boolean): Pattern => ({ name, ...(where ? { where } : {}) });

export function match(p: Pattern, n: Node, into: Record<string, Node> = {}): Match | undefined {
  if (p.op !== undefined && (typeof p.op === 'string' ? p.op !== n.op : !p.op.includes(n.op))) return undefined;
  if (p.where && !p.where(n)) return undefined;
  if (p.src) {
    if (p.src.length !== n.src.length) return undefined;
    for (let i = 0; i < p.src.length; i++) if (!match(p.src[i]!, n.src[i]!, into)) return undefined;
  }
  if (p.name) {
    if (into[p.name] && into[p.name] !== n) return undefined; // a name used twice must bind one node
    into[p.name] = n;
  }
  return into;
}

/** Statistics of a rewrite: how often each rule fired, by its index in the list. */
export interface RewriteStats {
  fired: number[];
}

/** Rewrites `graph` with `rules` to a fixpoint (at most `maxSweeps` sweeps); returns the input itself when nothing fired. */
export function graphRewrite(graph: Graph, rules: readonly Rule[], stats?: RewriteStats, maxSweeps = 16): Graph {
  let g = graph;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    const next = rewriteOnce(g, rules, stats);
    if (!next) return g;
    g = next;
  }
  throw new Error(`graph rewrite of ${graph.entry}: no fixpoint after ${maxSweeps} sweeps (rules undo each other?)`);
}

function rewriteOnce(g: Graph, rules: readonly Rule[], stats?: RewriteStats): Graph | undefined {
  const nodes = graphNodes(g);
  const consumers = new Map<number, Node[]>();
  for (const n of nodes) for (const s of n.src) consumers.set(s.id, [...(consumers.get(s.id) ?? []), n]);
  const outputUses = new Map<number, number>();
  for (const o of g.outputs) outputUses.set(o.node.id, (outputUses.get(o.node.id) ?? 0) + 1);
  const factory = new NodeFactory();
  const done = new Map<number, Node>();
  let current: Node | undefined; // the node the rules are looking at: fused nodes point at its source line
  const cx: RewriteContext = {
    get: (old) => {
      const n = done.get(old.id);
      if (!n) throw new Error(`graph rewrite: node %${old.id} (${old.op}) used before it was rebuilt`);
      return n;
    },
    make: (op, dtype, shape, src, arg = {}, origin = current?.origin) => factory.make(op, dtype, shape, src, arg, origin),
    uses: (old) => (consumers.get(old.id)?.length ?? 0) + (outputUses.get(old.id) ?? 0),
    consumers: (old) => consumers.get(old.id) ?? [],
  };
  let fired = 0;
  for (const n of nodes) {
    current = n;
    let out: Node | undefined;
    for (let r = 0; r < rules.length && !out; r++) {
      const m = match(rules[r]![0], n);
      out = m && rules[r]![1](m, cx, n);
      if (out && stats) stats.fired[r] = (stats.fired[r] ?? 0) + 1;
    }
    if (out) fired++;
    done.set(n.id, out ?? factory.make(n.op, n.dtype, n.shape, n.src.map(cx.get), n.arg, n.origin));
  }
  if (fired === 0) return undefined;
  return {
    ...g,
    inputs: g.inputs.map(cx.get),
    outputs: g.outputs.map((o) => ({ name: o.name, node: cx.get(o.node) })),
  };
}
