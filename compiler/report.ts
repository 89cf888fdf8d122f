/**
 * What a compiled entry point costs, for `dslc build --report`: kernels per encoder layer, dispatches, FLOPs and the
 * least bytes a forward must move at given symbol values, the memory plan's peak, and which fusions fired.
 *
 * @example
 * const { graph, fired } = optimizeGraph(compileGraph(src, opts));
 * const { schedule, plan } = compileKernels(graph);
 * const r = reportOf(graph, schedule, plan, { B: 1, S: 128 }, fired);
 * r.kernelsPerLayer; // 5 for BERT with every fusion on, 26 with none
 */
import { dimEval } from './ir/dim.ts';
import { type Graph, graphNodes, type Node } from './ir/graph.ts';
import { ELEMENTWISE_OPS, Op } from './ir/ops.ts';
import { attentionFlops } from './kernel/lower-attention.ts';
import { bufferWords, memoryReport, type MemoryPlan, WORD } from './kernel/memory-plan.ts';
import type { Schedule } from './kernel/schedule.ts';

export interface Report {
  readonly entry: string;
  /** Launches computing encoder layer 0 alone (what each of the identical layers costs); undefined with no layers. */
  readonly kernelsPerLayer?: number;
  /** Kernel names of layer 0's launches, in order. */
  readonly layerKernels: readonly string[];
  readonly dispatches: number;
  readonly distinctKernels: number;
  readonly flops: number;
  /** Every launch reading each buffer it binds once and writing its output once. */
  readonly minBytes: number;
  /** Pooled intermediates + parameters + constants + inputs, bytes. */
  readonly peakBytes: number;
  /** Intermediates as the memory plan pools them (the sum of its slots), bytes. */
  readonly activationBytes: number;
  /** Memory plan slots (buffers that intermediates share). */
  readonly slots: number;
  /** The largest set of intermediates live at once (the least any plan could pool), bytes. */
  readonly liveBytes: number;
  /** Parameters and constants, bytes. */
  readonly paramBytes: number;
  /** Inputs, bytes. */
  readonly inputBytes: number;
  readonly fusions: Readonly<Record<string, number>>;
}

const LAYER = /(?:^|\.)layer\.(\d+)\./;

/**
 * Each node's layer: the highest encoder layer whose parameters it depends on (-1 for none). Layer 0's nodes are then
 * exactly its own work: anything downstream of layer 0 also reads layer 1's weights (or is the head, past the last).
 */
function layersOf(nodes: readonly Node[]): Map<number, number> {
  const layer = new Map<number, number>();
  for (const n of nodes) {
    const own = n.op === Op.Param ? Number(LAYER.exec(String(n.arg['name']))?.[1] ?? -1) : -1;
    layer.set(n.id, Math.max(own, ...n.src.map((s) => layer.get(s.id) ?? -1)));
  }
  return layer;
}

function flopsOf(n: Node, env: Readonly<Record<string, number>>): number {
  const size = (shape: Node['shape']) => shape.reduce((acc, d) => acc * dimEval(d, env), 1);
  if (n.op === Op.MatMul || n.op === Op.MatMulEpilogue || n.op === Op.MatMulNorm) {
    const a = n.src[0]!;
    const after = n.op === Op.MatMulNorm ? n.src.length - 4 + 8 : n.src.length - 2 + (n.arg['act'] ? 1 : 0); // addends, then act or LayerNorm
    return 2 * size(n.shape) * dimEval(a.shape[a.shape.length - 1]!, env) + after * size(n.shape);
  }
  if (n.op === Op.Attention) return dimEval(attentionFlops(n), env);
  if (n.op === Op.AddNorm) return size(n.shape) * (n.src.length - 3 + 8);
  if (ELEMENTWISE_OPS.has(n.op) || n.op === Op.Softmax || n.op === Op.LayerNorm) return size(n.shape) * (n.op === Op.LayerNorm ? 8 : n.op === Op.Softmax ? 4 : 1);
  return 0;
}

export function reportOf(graph: Graph, schedule: Schedule, plan: MemoryPlan, env: Readonly<Record<string, number>>, fired: Readonly<Record<string, number>> = {}): Report {
  const nodes = graphNodes(graph);
  const layer = layersOf(nodes);
  const hasLayers = [...layer.values()].some((l) => l >= 0);
  const layer0 = schedule.launches.filter((l) => layer.get(l.node) === 0);
  const bytes = (id: number) => WORD * dimEval(bufferWords(schedule.buffers[id]!), env);
  const mem = memoryReport(schedule, plan, env);
  const fusions: Record<string, number> = { ...fired };
  fusions['attention ops'] = nodes.filter((n) => n.op === Op.Attention).length;
  fusions['matmul epilogues'] = nodes.filter((n) => n.op === Op.MatMulEpilogue).length;
  fusions['matmul norms'] = nodes.filter((n) => n.op === Op.MatMulNorm).length;
  fusions['sum norms'] = nodes.filter((n) => n.op === Op.AddNorm).length;
  fusions['joined projections'] = nodes.filter((n) => n.op === Op.Param && n.arg['concat'] && n.shape.length === 2).length;
  return {
    entry: graph.entry,
    ...(hasLayers ? { kernelsPerLayer: layer0.length } : {}),
    layerKernels: layer0.map((l) => l.kernel.name),
    dispatches: schedule.launches.length,
    distinctKernels: schedule.kernels.length,
    flops: nodes.reduce((acc, n) => acc + flopsOf(n, env), 0),
    minBytes: schedule.launches.reduce((acc, l) => acc + [...new Set(l.buffers)].reduce((s, id) => s + bytes(id), 0), 0),
    peakBytes: mem.pooled + mem.params + mem.consts + mem.inputs,
    activationBytes: mem.pooled,
    slots: mem.slots,
    liveBytes: mem.liveMax,
    paramBytes: mem.params + mem.consts,
    inputBytes: mem.inputs,
    fusions,
  };
}

/** What one launch of a schedule costs at given symbol values: its node's FLOPs and the bytes it binds. */
export interface LaunchCost {
  readonly kernel: string;
  readonly flops: number;
  /** Each distinct buffer the launch binds, read or written once. */
  readonly bytes: number;
}

/**
 * FLOPs and least bytes of each launch (a gather counts the table rows it reads), in schedule order (a node lowered to several launches has its FLOPs on
 * the first), for per-kernel rates and arithmetic intensity in `dslc bench`.
 */
export function launchCosts(schedule: Schedule, env: Readonly<Record<string, number>>): LaunchCost[] {
  const nodes = new Map(graphNodes(schedule.graph).map((n) => [n.id, n]));
  const counted = new Set<number>();
  return schedule.launches.map((l) => {
    const first = !counted.has(l.node);
    counted.add(l.node);
    const node = nodes.get(l.node)!;
    // a gather reads only the rows it picks (as many elements as it writes), not its whole table
    const table = node.op === Op.Gather ? schedule.nodeBuffer.get(node.src[0]!.id) : undefined;
    const size = (id: number) => WORD * dimEval(id === table ? schedule.buffers[schedule.nodeBuffer.get(node.id)!]!.size : schedule.buffers[id]!.size, env);
    const bytes = [...new Set(l.buffers)].reduce((s, id) => s + size(id), 0);
    return { kernel: l.kernel.name, flops: first ? flopsOf(node, env) : 0, bytes };
  });
}
