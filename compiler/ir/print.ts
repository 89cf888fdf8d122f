/**
 * Text and JSON forms of the graph IR (`dslc ir`): nodes numbered in execution order, one per line, with the
 * source position that made each one, so a dump can be read side by side with the model source.
 */
import { dimParse, dimToString, shapeToString } from './dim.ts';
import { type Graph, graphNodes, type Node, NodeFactory, type Origin } from './graph.ts';
import type { DType, Op } from './ops.ts';

function argText(n: Node): string {
  const entries = Object.entries(n.arg).filter(([k]) => k !== 'name');
  if (entries.length === 0) return '';
  return ` {${entries.map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')}}`;
}

export function printGraph(g: Graph): string {
  const nodes = graphNodes(g);
  const num = new Map(nodes.map((n, i) => [n.id, i]));
  const lines = [`graph ${g.entry} [${g.symbols.join(', ')}]`];
  const cfg = Object.entries(g.config).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  if (cfg.length) lines.push(`  config ${cfg.join(' ')}`);
  for (const c of g.constraints) lines.push(`  require ${dimToString(c.dim)} <= ${c.max}  "${c.message}"`);
  for (const n of nodes) {
    const name = typeof n.arg['name'] === 'string' ? ` "${n.arg['name']}"` : '';
    const src = n.src.map((s) => `%${num.get(s.id)}`).join(', ');
    const at = n.origin ? `  # ${n.origin.file.split('/').pop()}:${n.origin.line}:${n.origin.col}` : '';
    lines.push(`  %${num.get(n.id)} = ${n.op}${name}(${src})${argText(n)} : ${n.dtype}${shapeToString(n.shape)}${at}`);
  }
  for (const o of g.outputs) lines.push(`  return ${o.name} = %${num.get(o.node.id)}`);
  return lines.join('\n');
}

export interface GraphJson {
  entry: string;
  config: Record<string, unknown>;
  symbols: string[];
  constraints: { dim: string; max: number; message: string }[];
  nodes: { op: Op; dtype: DType; shape: string[]; src: number[]; arg: Record<string, unknown>; origin?: Origin }[];
  inputs: number[];
  outputs: { name: string; node: number }[];
}

export function graphToJson(g: Graph): GraphJson {
  const nodes = graphNodes(g);
  const num = new Map(nodes.map((n, i) => [n.id, i]));
  return {
    entry: g.entry,
    config: { ...g.config },
    symbols: [...g.symbols],
    constraints: g.constraints.map((c) => ({ dim: dimToString(c.dim), max: c.max, message: c.message })),
    nodes: nodes.map((n) => ({
      op: n.op,
      dtype: n.dtype,
      shape: n.shape.map(dimToString),
      src: n.src.map((s) => num.get(s.id)!),
      arg: { ...n.arg },
      ...(n.origin ? { origin: n.origin } : {}),
    })),
    inputs: g.inputs.map((n) => num.get(n.id)!),
    outputs: g.outputs.map((o) => ({ name: o.name, node: num.get(o.node.id)! })),
  };
}

export function graphFromJson(j: GraphJson): Graph {
  const f = new NodeFactory();
  const nodes: Node[] = [];
  for (const n of j.nodes) {
    nodes.push(f.make(n.op, n.dtype, n.shape.map(dimParse), n.src.map((i) => nodes[i]!), n.arg, n.origin));
  }
  return {
    entry: j.entry,
    config: j.config,
    symbols: j.symbols,
    constraints: j.constraints.map((c) => ({ dim: dimParse(c.dim), max: c.max, message: c.message })),
    inputs: j.inputs.map((i) => nodes[i]!),
    outputs: j.outputs.map((o) => ({ name: o.name, node: nodes[o.node]! })),
  };
}
