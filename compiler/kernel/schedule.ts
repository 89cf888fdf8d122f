/**
 * Graph IR → schedule: the ordered list of kernel launches that computes a graph, and the buffers they use.
 *
 * Buffers are numbered here and nowhere else. Inputs, parameters and constant-shape constants get their own buffers
 * (filled per run, at load, at load); every other node gets a `temp` buffer, except a reshape, which aliases its
 * source (dense row-major data does not move when only the shape changes), and a transpose read only by matmuls,
 * which has none (the matmul reads its source transposed), nor has a gather read only by AddNorm kernels (they look the
 * rows up). Which temps may share memory is decided
 * afterwards, from this order, by memory-plan.ts. Equal kernels are interned, so a twelve-layer model has each
 * kernel once.
 */
import { dimEq, dimValue, type Dim, shapeSize } from '../ir/dim.ts';
import { type Graph, graphNodes, type Node } from '../ir/graph.ts';
import { isFloat, Op } from '../ir/ops.ts';
import type { Kernel } from './ir.ts';
import { type Launch, type Storage, storageOf } from './launch.ts';
import { constValue } from './lower-elementwise.ts';
import { lowerNode } from './lower.ts';
import type { Tuning } from './tuning.ts';
import { validateKernel } from './validate.ts';

export type BufferKind = 'input' | 'param' | 'const' | 'temp';

export interface BufferSpec {
  readonly id: number;
  readonly kind: BufferKind;
  readonly storage: Storage;
  /** Elements (4 bytes each). */
  readonly size: Dim;
  /** The graph node whose value it holds; absent for a lowering's scratch buffer. */
  readonly node?: number;
  /** Input or checkpoint name. */
  readonly name?: string;
  /** The fill value of a `const` buffer (booleans as 0/1). */
  readonly value?: number;
  /**
   * For an int8 weight (`quant: 'int8'` on its Param): its buffer holds the int8 values (storage `i8`), and a second
   * `param` buffer of the same node and name, marked `scales`, holds one f32 scale per row. Runtimes make both from
   * the f32 checkpoint tensor when they load it (backends/cpu/precision.ts's quantizeRows).
   */
  readonly quant?: 'scales';
}

export interface Schedule {
  readonly graph: Graph;
  readonly buffers: readonly BufferSpec[];
  readonly launches: readonly Launch[];
  /** Distinct kernels, in first-use order. */
  readonly kernels: readonly Kernel[];
  /** Buffer of every graph node that has a value (aliases share one). */
  readonly nodeBuffer: ReadonlyMap<number, number>;
  readonly outputs: readonly { readonly name: string; readonly buffer: number; readonly node: Node }[];
}

/**
 * What JSON prints as `null`, in the order JSON.stringify prints it: real nulls as 'null', non-finite numbers spelled
 * (`-Infinity`, `NaN`), array holes, undefined and functions as 'null'. With the plain text, this tells every kernel
 * apart that the spelled-out text would.
 */
function nullsOf(v: unknown, inArray: boolean, out: string[]): void {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) out.push(String(v));
  } else if (v === null || ((v === undefined || typeof v === 'function' || typeof v === 'symbol') && inArray)) {
    out.push('null');
  } else if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) nullsOf(v[i], true, out);
  } else if (typeof v === 'object') {
    for (const key of Object.keys(v)) nullsOf((v as Record<string, unknown>)[key], false, out);
  }
}

/**
 * Structural identity of a kernel (JSON prints -Infinity and NaN literals alike, as null). Kernels run to ~100 kB of
 * JSON and every launch is keyed, so the text is the plain JSON (no JS callback per value), followed, when it holds a
 * `null`, by what each null stood for.
 */
export function kernelKey(kernel: Kernel): string {
  const plain = JSON.stringify(kernel);
  if (!plain.includes('null')) return plain;
  const nulls: string[] = [];
  nullsOf(kernel, false, nulls);
  return `${plain}\0${nulls.join(',')}`;
}

/** Swaps exactly the last two axes. */
function isLastTwoSwap(node: Node): boolean {
  if (node.op !== Op.Permute) return false;
  const perm = node.arg['perm'] as number[];
  const r = perm.length;
  return r >= 2 && perm[r - 2] === r - 1 && perm[r - 1] === r - 2 && perm.slice(0, -2).every((p, i) => p === i);
}

/** A matmul reads `n` as a or b (an epilogue's addends are read plainly, so a transpose there needs its buffer). */
const readsAsMatMulOperand = (c: Node, n: Node): boolean =>
  c.op === Op.MatMul || ((c.op === Op.MatMulEpilogue || c.op === Op.MatMulNorm) && c.src.lastIndexOf(n) < 2);

/** Transposes that need no buffer: every consumer is a matmul (which reads the source transposed) and none is an output. */
function elidedTransposes(graph: Graph, nodes: readonly Node[]): Set<number> {
  const outputs = new Set(graph.outputs.map((o) => o.node.id));
  const consumers = new Map<number, Node[]>();
  for (const n of nodes) for (const s of n.src) consumers.set(s.id, [...(consumers.get(s.id) ?? []), n]);
  return new Set(
    nodes
      .filter((n) => isLastTwoSwap(n) && !outputs.has(n.id) && (consumers.get(n.id) ?? []).every((c) => readsAsMatMulOperand(c, n)))
      .map((n) => n.id),
  );
}

/** Gathers of table rows read only by AddNorm kernels, which look the rows up themselves (and their arange ids). */
function elidedGathers(graph: Graph, nodes: readonly Node[]): Set<number> {
  const outputs = new Set(graph.outputs.map((o) => o.node.id));
  const consumers = new Map<number, Node[]>();
  for (const n of nodes) for (const s of n.src) consumers.set(s.id, [...(consumers.get(s.id) ?? []), n]);
  const rowGather = (n: Node) => n.op === Op.Gather && isFloat(n.dtype) && n.dtype === n.src[0]!.dtype && n.src[0]!.shape.length === 2;
  const readsRows = (c: Node, n: Node) => c.op === Op.AddNorm && c.src.indexOf(n) < c.src.length - 2 && dimEq(c.shape[c.shape.length - 1]!, n.shape[n.shape.length - 1]!);
  const gathers = nodes.filter((n) => rowGather(n) && !outputs.has(n.id) && (consumers.get(n.id) ?? []).every((c) => readsRows(c, n)));
  // an arange read only by those gathers is the row index itself
  const gone = new Set(gathers.map((n) => n.id));
  const ranges = nodes.filter((n) => n.op === Op.Arange && !outputs.has(n.id) && (consumers.get(n.id) ?? []).every((c) => gone.has(c.id)));
  return new Set([...gone, ...ranges.map((n) => n.id)]);
}

/**
 * Runtimes exchange f32, i32 and bool with their callers; half-precision values live only inside a program (the
 * precision pass keeps inputs and outputs f32).
 */
function checkBoundaryDtypes(graph: Graph): void {
  for (const node of [...graph.inputs, ...graph.outputs.map((o) => o.node)]) {
    if (node.dtype === 'f32' || node.dtype === 'i32' || node.dtype === 'bool') continue;
    throw new Error(`kernel lowering: ${node.dtype} graph inputs and outputs are not supported (node %${node.id} ${node.op}); only f32, i32 and bool`);
  }
}

/** What the target offers that changes the kernels it gets (the same graph gives each target its own schedule). */
export interface ScheduleOptions {
  /** Tile sizes of the GEMM and attention kernels (compiler/kernel/tuning.ts); defaults when absent. */
  readonly tuning?: Tuning;
  /** Warps of WARP threads with shuffles (CUDA): reductions combine inside warps in registers (warp.ts). */
  readonly warpShuffles?: boolean;
  /** 16-byte loads pay (CUDA): matmul tiles are filled by f32x4 where the operand's runs are aligned (vector-tile.ts). */
  readonly vectorLoads?: boolean;
  /** Tensor cores (CUDA, sm_80+): GEMMs of two f16 or two bf16 operands use WMMA (lower-matmul-wmma.ts). */
  readonly tensorCores?: boolean;
}

export function scheduleGraph(graph: Graph, opts: ScheduleOptions = {}): Schedule {
  checkBoundaryDtypes(graph);
  const nodes = graphNodes(graph);
  const gathers = elidedGathers(graph, nodes);
  const elided = new Set([...elidedTransposes(graph, nodes), ...gathers]);
  const buffers: BufferSpec[] = [];
  const nodeBuffer = new Map<number, number>();
  const launches: Launch[] = [];
  const interned = new Map<string, Kernel>();
  const add = (spec: Omit<BufferSpec, 'id'>): number => {
    buffers.push({ id: buffers.length, ...spec });
    return buffers.length - 1;
  };
  const scales = new Map<number, number>();
  const cx = {
    scaleOf: (node: Node): number | undefined => scales.get(node.id),
    buffer: (node: Node): number => {
      const id = nodeBuffer.get(node.id);
      if (id === undefined) throw new Error(`schedule: node %${node.id} (${node.op}) is used before it has a buffer`);
      return id;
    },
    temp: (storage: Storage, size: Dim): number => add({ kind: 'temp', storage, size }),
    transposedFrom: (node: Node): Node | undefined => (elided.has(node.id) && node.op === Op.Permute ? node.src[0]! : undefined),
    gatheredFrom: (node: Node) => (gathers.has(node.id) && node.op === Op.Gather ? (node.src as [Node, Node]) : undefined),
    ...(opts.tuning ? { tuning: opts.tuning } : {}),
    warpShuffles: opts.warpShuffles ?? false,
    vectorLoads: opts.vectorLoads ?? false,
    ...(opts.tensorCores ? { tensorCores: true } : {}),
  };

  for (const node of nodes) {
    if (elided.has(node.id)) continue;
    const base = { storage: storageOf(node.dtype, node), size: shapeSize(node.shape), node: node.id };
    const name = typeof node.arg['name'] === 'string' ? (node.arg['name'] as string) : undefined;
    // a reshape is its source's buffer, unless it changes the storage (an f32 output of a narrow value): then a copy
    if (node.op === Op.Reshape && storageOf(node.dtype) === storageOf(node.src[0]!.dtype)) {
      nodeBuffer.set(node.id, cx.buffer(node.src[0]!));
      continue;
    }
    if (node.op === Op.Input || node.op === Op.Param) {
      const int8 = node.arg['quant'] === 'int8';
      nodeBuffer.set(node.id, add({ ...base, ...(int8 ? { storage: 'i8' } : {}), kind: node.op === Op.Input ? 'input' : 'param', name: name! }));
      if (int8) scales.set(node.id, add({ ...base, size: node.shape[0]!, kind: 'param', name: name!, quant: 'scales' }));
      continue;
    }
    if (node.op === Op.Const && node.shape.every((d) => dimValue(d) !== undefined)) {
      nodeBuffer.set(node.id, add({ ...base, kind: 'const', value: Number(constValue(node)) }));
      continue;
    }
    nodeBuffer.set(node.id, add({ ...base, kind: 'temp' }));
    for (const launch of lowerNode(node, cx)) {
      const key = kernelKey(launch.kernel);
      const kernel = interned.get(key) ?? launch.kernel;
      if (!interned.has(key)) {
        validateKernel(kernel);
        interned.set(key, kernel);
      }
      launches.push({ ...launch, kernel });
    }
  }
  const outputs = graph.outputs.map((o) => ({ name: o.name, buffer: cx.buffer(o.node), node: o.node }));
  return { graph, buffers, launches, kernels: [...interned.values()], nodeBuffer, outputs };
}
