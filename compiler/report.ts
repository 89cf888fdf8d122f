/**
 * What a compiled entry point costs, for `dslc build --report`: kernels per encoder layer, dispatches, FLOPs and the
 * least bytes a forward must move at given symbol values, the memory plan's peak, and which fusions fired.
 *
 * @example
 * const { graph, fired } = optimizeGraph(compileGraph(src, opts));
 * const { schedule, plan } = compileKernels(graph);
 * const r = reportOf(graph, schedule, plan, { B: 1, S: 128 }, fired);
 * r.kernelsPerLayer; // 9 for BERT with fusion on
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
  if (n.op === Op.MatMul || n.op === Op.MatMulEpilogue) {
    const a = n.src[0]!;
    return 2 * size(n.shape) * dimEval(a.shape[a.shape.length - 1]!, env) + (n.src.length - 2 + (n.arg['act'] ? 1 : 0)) * size(n.shape);
  }
  if (n.op === Op.Attention) return dimEval(attentionFlops(n), env);
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
