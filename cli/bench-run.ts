/**
 * One variant of `dslc bench`: a graph compiled to WGSL with given tiles, loaded with random weights, run on random
 * token ids and profiled launch by launch; the launches' FLOPs and bytes (compiler/report.ts) turn the times into
 * rates, arithmetic intensity and a share of the device's measured roofline, per kernel and in total.
 */
import type { HostTensor } from '../backends/tensor.ts';
import { programOf } from '../backends/wgsl/program.ts';
import { dimEval } from '../compiler/ir/dim.ts';
import type { Graph } from '../compiler/ir/graph.ts';
import { compileKernels } from '../compiler/pipeline.ts';
import { launchCosts } from '../compiler/report.ts';
import type { Tuning } from '../compiler/kernel/tuning.ts';
import { expectedParams } from '../runtime/cpu-model.ts';
import type { Profile } from '../runtime/profile.ts';
import type { GpuContext } from '../runtime/webgpu/context.ts';
import { WebGpuModel } from '../runtime/webgpu/model.ts';
import { normalSampler, randomTensors } from '../runtime/weights/random-checkpoint.ts';
import { attainable, type Roofline } from './bench-kernels.ts';

export interface KernelRow {
  readonly kernel: string;
  readonly launches: number;
  /** Sum over the kernel's launches of their median milliseconds. */
  readonly ms: number;
  /** Of the sum over all launches. */
  readonly share: number;
  readonly flops: number;
  readonly bytes: number;
  readonly gflops: number;
  readonly gbs: number;
  /** FLOPs per byte moved. */
  readonly intensity: number;
  /** Achieved rate as a share of what the roofline allows at this intensity (bandwidth alone for kernels without FLOPs). */
  readonly roof: number | undefined;
}

export interface VariantResult {
  /** `baseline`, or the build flags of a --compare variant. */
  readonly label: string;
  readonly entry: string;
  readonly dims: Readonly<Record<string, number>>;
  readonly timer: Profile['timer'];
  readonly reps: number;
  readonly kernels: readonly KernelRow[];
  readonly totals: {
    readonly dispatches: number;
    /** Sum of the launches' medians. */
    readonly kernelMs: number;
    /** Median of whole forwards (one submission, outputs read back). */
    readonly forwardMs: number;
    readonly flops: number;
    readonly bytes: number;
    readonly gflops: number;
  };
}

/** Random inputs for every graph input at `env`: ids within their range, masks all ones, floats never zero. */
export function benchInputs(graph: Graph, env: Readonly<Record<string, number>>, seed = 7): Record<string, HostTensor> {
  const normal = normalSampler(seed);
  const out: Record<string, HostTensor> = {};
  for (const n of graph.inputs) {
    const shape = n.shape.map((d) => dimEval(d, env));
    const size = shape.reduce((a, b) => a * b, 1);
    const range = n.arg['range'] as readonly [number, number] | undefined;
    const fill = n.arg['fill'] as number | undefined;
    const name = String(n.arg['name']);
    if (n.dtype === 'f32') out[name] = { dtype: 'f32', shape, data: Float32Array.from({ length: size }, () => 0.1 + Math.abs(normal())) };
    else if (n.dtype === 'bool') out[name] = { dtype: 'bool', shape, data: new Uint8Array(size).fill(1) };
    else if (fill !== undefined) out[name] = { dtype: 'i32', shape, data: new Int32Array(size).fill(fill) };
    else {
      const [lo, hi] = range ?? [0, 2];
      out[name] = { dtype: 'i32', shape, data: Int32Array.from({ length: size }, (_, i) => lo + ((i * 7919 + 13) % (hi - lo))) };
    }
  }
  return out;
}

/** Per-kernel rows from per-launch times and costs, slowest first. */
export function kernelRows(launches: readonly { kernel: string; ms: number; flops: number; bytes: number }[], roofline?: Roofline): KernelRow[] {
  const total = launches.reduce((s, l) => s + l.ms, 0);
  const by = new Map<string, { launches: number; ms: number; flops: number; bytes: number }>();
  for (const l of launches) {
    const e = by.get(l.kernel) ?? { launches: 0, ms: 0, flops: 0, bytes: 0 };
    by.set(l.kernel, { launches: e.launches + 1, ms: e.ms + l.ms, flops: e.flops + l.flops, bytes: e.bytes + l.bytes });
  }
  return [...by]
    .map(([kernel, e]) => {
      const gflops = e.ms > 0 ? e.flops / (e.ms * 1e6) : 0;
      const gbs = e.ms > 0 ? e.bytes / (e.ms * 1e6) : 0;
      const intensity = e.bytes > 0 ? e.flops / e.bytes : 0;
      const roof = !roofline || e.ms === 0 ? undefined : e.flops > 0 ? gflops / attainable(roofline, intensity) : gbs / roofline.gbs;
      return { kernel, ...e, share: total > 0 ? e.ms / total : 0, gflops, gbs, intensity, roof };
    })
    .sort((a, b) => b.ms - a.ms);
}

export interface VariantOptions {
  readonly label: string;
  readonly dims: Readonly<Record<string, number>>;
  readonly tuning: Tuning;
  readonly reps: number;
  readonly warmup: number;
  readonly timer?: 'timestamp' | 'submit';
  readonly roofline?: Roofline;
}

/** Compiles, loads with random weights, profiles and summarises one variant's graph. */
export async function benchVariant(context: GpuContext, graph: Graph, opts: VariantOptions): Promise<VariantResult> {
  const { schedule, plan } = compileKernels(graph, { tuning: opts.tuning });
  const program = programOf(schedule, plan);
  const weights = new Map(Object.entries(randomTensors(expectedParams(graph), { seed: 1 })).map(([k, t]) => [k, t.data as Float32Array | Int32Array]));
  const model = await WebGpuModel.load(graph, program, weights, { context });
  let profile: Profile;
  try {
    profile = await model.profile(benchInputs(graph, opts.dims), { reps: opts.reps, warmup: opts.warmup, ...(opts.timer ? { timer: opts.timer } : {}) });
  } finally {
    model.dispose();
  }
  const costs = launchCosts(schedule, opts.dims);
  const launches = profile.launches.map((l) => ({ ...costs[l.launch]!, ms: l.ms }));
  const kernels = kernelRows(launches, opts.roofline);
  const flops = launches.reduce((s, l) => s + l.flops, 0);
  const kernelMs = launches.reduce((s, l) => s + l.ms, 0);
  return {
    label: opts.label,
    entry: graph.entry,
    dims: opts.dims,
    timer: profile.timer,
    reps: profile.reps,
    kernels,
    totals: {
      dispatches: launches.length,
      kernelMs,
      forwardMs: profile.forwardMs,
      flops,
      bytes: launches.reduce((s, l) => s + l.bytes, 0),
      gflops: kernelMs > 0 ? flops / (kernelMs * 1e6) : 0,
    },
  };
}
