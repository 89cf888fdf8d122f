/**
 * Single-kernel measurements on a WebGPU device, for the roofline of `dslc bench` and the tile search of `--tune`:
 * one GEMM or one attention op as a graph of its own, compiled with given tiles, run on random inputs and timed
 * (runtime/webgpu/profile.ts); and a large buffer copy for the memory bandwidth.
 */
import type { HostTensor } from '../backends/tensor.ts';
import { compileWgsl } from '../backends/wgsl/program.ts';
import { dimConst, dimValue } from '../compiler/ir/dim.ts';
import { type Graph, NodeFactory } from '../compiler/ir/graph.ts';
import { Op } from '../compiler/ir/ops.ts';
import { DEFAULT_TUNING, type Tuning } from '../compiler/kernel/tuning.ts';
import type { GpuContext } from '../runtime/webgpu/context.ts';
import { WebGpuModel } from '../runtime/webgpu/model.ts';
import { createBuffer, destroyBuffer } from '../runtime/webgpu/stats.ts';
import { normalSampler } from '../runtime/weights/random-checkpoint.ts';

const COPY_SRC = 0x4;
const COPY_DST = 0x8;

function graphOf(entry: string, inputs: [string, number[]][], make: (f: NodeFactory, xs: ReturnType<NodeFactory['make']>[]) => ReturnType<NodeFactory['make']>): Graph {
  const f = new NodeFactory();
  const xs = inputs.map(([name, shape]) => f.make(Op.Input, 'f32', shape.map(dimConst), [], { name }));
  return { entry, config: {}, symbols: [], inputs: xs, outputs: [{ name: 'out', node: make(f, xs) }], constraints: [] };
}

/** C [m, n] = A [m, k] · B [k, n]. */
export const matmulGraph = (m: number, k: number, n: number): Graph =>
  graphOf('gemm', [['a', [m, k]], ['b', [k, n]]], (f, [a, b]) => f.make(Op.MatMul, 'f32', [dimConst(m), dimConst(n)], [a!, b!]));

/** softmax(q kᵀ / √d + mask) v over [1, heads, s, d]. */
export const attentionGraph = (heads: number, s: number, d: number): Graph =>
  graphOf('attention', [['q', [1, heads, s, d]], ['k', [1, heads, s, d]], ['v', [1, heads, s, d]], ['mask', [1, 1, 1, s]]], (f, [q, k, v, mask]) =>
    f.make(Op.Attention, 'f32', [1, heads, s, d].map(dimConst), [q!, k!, v!, mask!], { scale: 1 / Math.sqrt(d) }),
  );

/** Random inputs (never zero) for a graph whose inputs are all f32 with constant shapes. */
export function randomInputs(graph: Graph, seed = 1): Record<string, HostTensor> {
  const normal = normalSampler(seed);
  return Object.fromEntries(
    graph.inputs.map((n) => {
      const shape = n.shape.map((d) => dimValue(d)!);
      const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 0.1 + Math.abs(normal()));
      return [String(n.arg['name']), { dtype: 'f32', shape, data }];
    }),
  );
}

export interface KernelRun {
  /** Median milliseconds of the graph's one launch. */
  readonly ms: number;
  /** The fastest repetition's milliseconds. */
  readonly bestMs: number;
  readonly outputs: Record<string, HostTensor>;
}

/** Compiles `graph` with `tuning`, runs it on `inputs` and times its (single) launch. */
export async function timeKernel(context: GpuContext, graph: Graph, inputs: Record<string, HostTensor>, tuning: Tuning = DEFAULT_TUNING, reps = 3): Promise<KernelRun> {
  const model = await WebGpuModel.load(graph, compileWgsl(graph, { tuning }), new Map(), { context });
  try {
    const outputs = await model.forward(inputs);
    const p = await model.profile(inputs, { reps, warmup: 0 });
    const sum = (f: (l: (typeof p.launches)[number]) => number) => p.launches.reduce((s, l) => s + f(l), 0);
    return { ms: sum((l) => l.ms), bestMs: sum((l) => Math.min(...l.samples)), outputs };
  } finally {
    model.dispose();
  }
}

/**
 * GFLOP/s of one m×k×n GEMM with `tuning`'s tiles, from its fastest of `reps` runs: a roof is what the device can do,
 * and on a shared machine the slow runs measure the neighbours.
 */
export async function gemmRate(context: GpuContext, size: readonly [number, number, number], tuning: Tuning, reps = 5): Promise<number> {
  const g = matmulGraph(...size);
  const { bestMs } = await timeKernel(context, g, randomInputs(g), tuning, reps);
  return (2 * size[0] * size[1] * size[2]) / (bestMs * 1e6);
}

/** GB/s of a device-side buffer copy of `bytes` (read once and written once), fastest of `reps`, wall clock. */
export async function copyBandwidth(context: GpuContext, bytes = 64 * 2 ** 20, reps = 5): Promise<number> {
  const device = context.device;
  const src = createBuffer(device, { size: bytes, usage: COPY_SRC | COPY_DST, label: 'bandwidth source' });
  const dst = createBuffer(device, { size: bytes, usage: COPY_SRC | COPY_DST, label: 'bandwidth target' });
  try {
    const once = async () => {
      const encoder = device.createCommandEncoder();
      encoder.copyBufferToBuffer(src, 0, dst, 0, bytes);
      const t0 = performance.now();
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
      return performance.now() - t0;
    };
    await once(); // first touch of the pages
    const ms: number[] = [];
    for (let r = 0; r < reps; r++) ms.push(await once());
    return (2 * bytes) / (Math.min(...ms) * 1e6);
  } finally {
    destroyBuffer(src);
    destroyBuffer(dst);
  }
}

export interface Roofline {
  /** Best GEMM rate measured, GFLOP/s. */
  readonly gflops: number;
  /** Copy bandwidth, GB/s. */
  readonly gbs: number;
  /** What each roof was measured with. */
  readonly gemm: string;
  readonly copy: string;
}

/** The device's measured roofline: a 64 MiB copy, and the best GEMM over the given tilings at 512³ (fastest runs). */
export async function measureRoofline(context: GpuContext, tunings: readonly Tuning[] = [DEFAULT_TUNING]): Promise<Roofline> {
  const size = [512, 512, 512] as const;
  let best = { rate: 0, tiles: DEFAULT_TUNING.matmul };
  for (const t of tunings) {
    const rate = await gemmRate(context, size, t);
    if (rate > best.rate) best = { rate, tiles: t.matmul };
  }
  const gbs = await copyBandwidth(context);
  const m = best.tiles;
  return { gflops: best.rate, gbs, gemm: `512³ GEMM, ${m.tile}×${m.tile} tiles ${m.per}×${m.per}/thread, best of 5`, copy: '64 MiB buffer copy, best of 5' };
}

/** Attainable GFLOP/s at `intensity` FLOP/byte under the roofline. */
export const attainable = (r: Roofline, intensity: number): number => Math.min(r.gflops, intensity * r.gbs);
