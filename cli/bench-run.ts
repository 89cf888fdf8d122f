/**
 * One variant of `dslc bench`: a graph compiled to WGSL with given tiles, loaded with random weights, run on random
 * token ids and profiled launch by launch; the launches' FLOPs and bytes (compiler/report.ts) turn the times into
 * rates, arithmetic intensity and a share of the device's measured roofline, per kernel and in total.
 */
import type { HostTensor } from '../backends/tensor.ts';
import { programOf } from '../backends/wgsl/program.ts';
import { dimEval } from '../compiler/ir/dim.ts';
import type { Graph } from '../compiler/ir/graph.ts';
import type { Schedule } from '../compiler/kernel/schedule.ts';
import { compileKernels } from '../compiler/pipeline.ts';
import { launchCosts } from '../compiler/report.ts';
import { type Tuning, tuningText } from '../compiler/kernel/tuning.ts';
import { expectedParams } from '../runtime/cpu-model.ts';
import { launchMedians, median, type Profile } from '../runtime/profile.ts';
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
  /** The GEMM and attention tiles the variant ran with. */
  readonly tiles: string;
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
  readonly timer?: 'timestamp' | 'submit';
}

/** A variant compiled and loaded with random weights, ready to be profiled a repetition at a time. */
export interface LoadedVariant {
  readonly opts: VariantOptions;
  readonly graph: Graph;
  readonly schedule: Schedule;
  readonly model: WebGpuModel;
  readonly inputs: Record<string, HostTensor>;
}

export async function loadVariant(context: GpuContext, graph: Graph, opts: VariantOptions): Promise<LoadedVariant> {
  const { schedule, plan } = compileKernels(graph, { tuning: opts.tuning });
  const weights = new Map(Object.entries(randomTensors(expectedParams(graph), { seed: 1 })).map(([k, t]) => [k, t.data as Float32Array | Int32Array]));
  const model = await WebGpuModel.load(graph, programOf(schedule, plan), weights, { context });
  return { opts, graph, schedule, model, inputs: benchInputs(graph, opts.dims) };
}

/**
 * Profiles the variants `reps` times, taking turns (one repetition of each, then the next), so that a slow spell of
 * a shared machine falls on all of them alike and their ratios stay meaningful; then summarises each.
 */
export async function profileVariants(variants: readonly LoadedVariant[], reps: number, warmup: number, roofline?: Roofline): Promise<VariantResult[]> {
  const runs: Profile[][] = variants.map(() => []);
  for (let r = 0; r < reps; r++) {
    for (const [i, v] of variants.entries()) {
      runs[i]!.push(await v.model.profile(v.inputs, { reps: 1, warmup: r === 0 ? warmup : 0, ...(v.opts.timer ? { timer: v.opts.timer } : {}) }));
    }
  }
  return variants.map((v, i) => summarise(v, mergeProfiles(runs[i]!), roofline));
}

/** Profiles of one repetition each → one profile with every sample and the medians. */
export function mergeProfiles(runs: readonly Profile[]): Profile {
  const first = runs[0]!;
  const samples = first.launches.map((_, j) => runs.flatMap((p) => p.launches[j]!.samples));
  return { timer: first.timer, reps: runs.length, launches: launchMedians(first.launches.map((l) => l.launch), samples), forwardMs: median(runs.map((p) => p.forwardMs)) };
}

function summarise(v: LoadedVariant, profile: Profile, roofline?: Roofline): VariantResult {
  const costs = launchCosts(v.schedule, v.opts.dims);
  const launches = profile.launches.map((l) => ({ ...costs[l.launch]!, ms: l.ms }));
  const kernels = kernelRows(launches, roofline);
  const flops = launches.reduce((s, l) => s + l.flops, 0);
  const kernelMs = launches.reduce((s, l) => s + l.ms, 0);
  return {
    label: v.opts.label,
    entry: v.graph.entry,
    dims: v.opts.dims,
    timer: profile.timer,
    reps: profile.reps,
    tiles: tuningText(v.opts.tuning),
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
