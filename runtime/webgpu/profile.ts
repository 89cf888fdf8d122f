/// <reference types="@webgpu/types" />
/**
 * Timing each launch of a forward on its own, for `dslc bench`.
 *
 * Two timers: with the adapter's `timestamp-query` feature, every launch runs in its own compute pass whose
 * beginning and end write GPU timestamps, all passes of a forward in one submission (what the device spends on the
 * kernel, nothing else); without it, each launch is submitted alone and waited for (`onSubmittedWorkDone`), so the
 * time includes one submission's overhead. Each launch is timed `reps` times after `warmup` untimed forwards and the
 * median is kept, as is the median of whole forwards (every launch in one pass, outputs read back).
 *
 * @example
 * const context = await profilingContext();
 * const model = await WebGpuModel.load(graph, compileWgsl(graph), weights, { context });
 * const p = await model.profile(inputs, { reps: 5 });
 * p.launches[0].ms; // median milliseconds of the first launch
 */
import { launchMedians, median, type Profile, type ProfileOptions } from '../profile.ts';
import { USAGE } from './buffers.ts';
import { GpuContext } from './context.ts';
import { adapterName, requestAdapter } from './device.ts';
import type { Dispatcher } from './dispatch.ts';
import { createBuffer, destroyBuffer } from './stats.ts';

export interface WebGpuProfileOptions extends ProfileOptions {
  /** Default: timestamps when the device has the feature, submit-and-wait otherwise. */
  readonly timer?: 'timestamp' | 'submit';
}

const QUERY_RESOLVE = 0x200; // GPUBufferUsage.QUERY_RESOLVE (spec-fixed; Dawn in Node does not define the globals)
const MAP_READ = 1; // GPUMapMode.READ
/** Passes timed per query set (two timestamps each); WebGPU allows 4096 queries in a set. */
const PASSES_PER_SET = 2048;

export const hasTimestamps = (device: GPUDevice): boolean => device.features.has('timestamp-query');

/**
 * A device of its own for profiling, with `timestamp-query` when the adapter has it (the shared device asks for no
 * optional features). Destroy it when done.
 */
export async function profilingContext(): Promise<GpuContext> {
  const adapter = await requestAdapter();
  const features: GPUFeatureName[] = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
  const device = await adapter.requestDevice({
    requiredFeatures: features,
    requiredLimits: { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize, maxBufferSize: adapter.limits.maxBufferSize },
  });
  return new GpuContext(device, adapterName(adapter));
}

/** Milliseconds of `count` back-to-back passes, each given by `encode`, from one submission's timestamps. */
async function timestampPasses(device: GPUDevice, count: number, encode: (pass: GPUComputePassEncoder, i: number) => void): Promise<number[]> {
  const out: number[] = [];
  for (let from = 0; from < count; from += PASSES_PER_SET) {
    const n = Math.min(PASSES_PER_SET, count - from);
    const querySet = device.createQuerySet({ type: 'timestamp', count: 2 * n });
    const resolve = createBuffer(device, { size: 16 * n, usage: QUERY_RESOLVE | USAGE.COPY_SRC, label: 'timestamps' });
    const read = createBuffer(device, { size: 16 * n, usage: USAGE.MAP_READ | USAGE.COPY_DST, label: 'timestamps readback' });
    try {
      const encoder = device.createCommandEncoder();
      for (let j = 0; j < n; j++) {
        const pass = encoder.beginComputePass({ timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * j, endOfPassWriteIndex: 2 * j + 1 } });
        encode(pass, from + j);
        pass.end();
      }
      encoder.resolveQuerySet(querySet, 0, 2 * n, resolve, 0);
      encoder.copyBufferToBuffer(resolve, 0, read, 0, 16 * n);
      device.queue.submit([encoder.finish()]);
      await read.mapAsync(MAP_READ);
      const ticks = new BigInt64Array(read.getMappedRange().slice(0));
      read.unmap();
      for (let j = 0; j < n; j++) out.push(Math.max(0, Number(ticks[2 * j + 1]! - ticks[2 * j]!)) / 1e6);
    } finally {
      querySet.destroy();
      destroyBuffer(resolve);
      destroyBuffer(read);
    }
  }
  return out;
}

/** Milliseconds of each pass submitted alone and waited for. */
async function submitPasses(device: GPUDevice, count: number, encode: (pass: GPUComputePassEncoder, i: number) => void): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    encode(pass, i);
    pass.end();
    const commands = encoder.finish();
    const t0 = performance.now();
    device.queue.submit([commands]);
    await device.queue.onSubmittedWorkDone();
    out.push(performance.now() - t0);
  }
  return out;
}

/**
 * Times `launches` (those with work) of a dispatcher already prepared for the bound sizes, with inputs written.
 * `forward` runs one whole forward (untimed warm-up and the forward median).
 */
export async function timeLaunches(context: GpuContext, dispatcher: Dispatcher, launchCount: number, forward: () => Promise<unknown>, opts: WebGpuProfileOptions = {}): Promise<Profile> {
  const device = context.device;
  const timer = opts.timer ?? (hasTimestamps(device) ? 'timestamp' : 'submit');
  if (timer === 'timestamp' && !hasTimestamps(device)) throw new Error(`WebGPU: ${context.adapterName} has no timestamp-query (use the submit timer)`);
  const reps = Math.max(1, opts.reps ?? 5);
  for (let i = 0; i < (opts.warmup ?? 1); i++) await forward();
  const live = [...Array(launchCount).keys()].filter((i) => dispatcher.hasWork(i));
  const encode = (pass: GPUComputePassEncoder, j: number) => void dispatcher.encodeLaunch(pass, live[j]!);
  const samples: number[][] = live.map(() => []);
  const forwards: number[] = [];
  for (let r = 0; r < reps; r++) {
    const ms = timer === 'timestamp' ? await timestampPasses(device, live.length, encode) : await submitPasses(device, live.length, encode);
    ms.forEach((m, j) => samples[j]!.push(m));
    const t0 = performance.now();
    await forward();
    forwards.push(performance.now() - t0);
  }
  return { timer, reps, launches: launchMedians(live, samples), forwardMs: median(forwards) };
}
