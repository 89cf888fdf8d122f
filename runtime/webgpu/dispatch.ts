/// <reference types="@webgpu/types" />
/**
 * Turning a program's launches into GPU work for one set of symbol values: uniform blocks (one 256-byte block per
 * launch in one buffer, written when the symbol values change), bind groups (rebuilt only when a buffer was
 * reallocated), grid sizes, and the readback of outputs through one staging buffer.
 *
 * Grids: a launch asks for W workgroups in total; W above the per-dimension limit (65535) is folded onto x and y
 * as evenly as possible, and kernels skip the few groups past W (they number groups as x + y * width).
 */
import type { WgslProgram } from '../../backends/wgsl/program.ts';
import { type Dim, dimEval, dimParse } from '../../compiler/ir/dim.ts';
import { type DeviceBuffers, USAGE } from './buffers.ts';
import type { CompiledKernel, GpuContext } from './context.ts';
import { createBuffer, destroyBuffer } from './stats.ts';

const UNIFORM_BLOCK = 256; // minUniformBufferOffsetAlignment is at most 256 on every device
const MAP_READ = 1; // GPUMapMode.READ

type Env = Readonly<Record<string, number>>;

/** A copy between a program buffer and a buffer of its own (a DeviceTensor's). */
export interface DeviceCopy {
  readonly buffer: number;
  readonly device: GPUBuffer;
  readonly bytes: number;
}

/** [x, y] workgroups for W in total, each at most `max`; [0, 0] for an empty launch. */
export function foldGrid(total: number, max: number): [number, number] {
  if (total === 0) return [0, 0];
  const y = Math.ceil(total / max);
  if (y > max) throw new Error(`WebGPU: a launch needs ${total} workgroups, more than ${max}² a dispatch can have`);
  return [Math.ceil(total / y), y];
}

export class Dispatcher {
  private readonly uniforms: GPUBuffer;
  private readonly launchDims: { uniforms: Dim[]; groups: [Dim, number][] }[];
  private bindGroups: GPUBindGroup[] | undefined;
  private grids: [number, number][] = [];
  private outputs: { buffer: number; offset: number; bytes: number }[] = [];
  private staging: GPUBuffer | undefined;
  private envKey: string | undefined;

  constructor(
    private readonly context: GpuContext,
    private readonly program: WgslProgram,
    private readonly buffers: DeviceBuffers,
    private readonly kernels: readonly CompiledKernel[],
  ) {
    for (const k of program.kernels) {
      if (4 * k.uniforms > UNIFORM_BLOCK) throw new Error(`WebGPU: kernel ${k.name} has ${k.uniforms} uniforms, more than a ${UNIFORM_BLOCK}-byte block holds`);
    }
    const bytes = Math.max(1, program.launches.length) * UNIFORM_BLOCK;
    this.uniforms = createBuffer(context.device, { size: bytes, usage: USAGE.UNIFORM | USAGE.COPY_DST, label: 'uniforms' });
    this.launchDims = program.launches.map((l) => ({
      uniforms: l.uniforms.map(dimParse),
      groups: l.groups.map(([d, per]) => [dimParse(d), per]),
    }));
  }

  /** Sizes buffers, uniforms, grids and the staging buffer for `env`; cheap when `env` is the previous one. */
  prepare(env: Env): void {
    const key = JSON.stringify(Object.entries(env).sort());
    if (key === this.envKey) return;
    const device = this.context.device;
    const replaced = this.buffers.fit(env);
    if (replaced || !this.bindGroups) this.bindGroups = this.program.launches.map((l, i) => this.bindGroup(i, l.buffers));

    const words = new Uint32Array((this.program.launches.length * UNIFORM_BLOCK) / 4);
    this.launchDims.forEach((l, i) =>
      l.uniforms.forEach((d, j) => {
        const v = dimEval(d, env);
        if (!(v >= 0 && v <= 0xffffffff)) throw new Error(`WebGPU: size ${v} of launch ${i} does not fit a u32`);
        words[(i * UNIFORM_BLOCK) / 4 + j] = v;
      }),
    );
    device.queue.writeBuffer(this.uniforms, 0, words);
    const max = this.context.maxGroupsPerDimension;
    this.grids = this.launchDims.map((l) => foldGrid(l.groups.reduce((n, [d, per]) => n * Math.ceil(dimEval(d, env) / per), 1), max));

    let offset = 0;
    const seen = new Map<number, { buffer: number; offset: number; bytes: number }>();
    for (const o of this.program.outputs) {
      if (seen.has(o.buffer)) continue;
      const bytes = 4 * dimEval(dimParse(this.program.buffers[o.buffer]!.size), env);
      seen.set(o.buffer, { buffer: o.buffer, offset, bytes });
      offset += bytes;
    }
    this.outputs = [...seen.values()];
    if (!this.staging || this.staging.size < offset) {
      if (this.staging) destroyBuffer(this.staging);
      this.staging = undefined; // never left pointing at a destroyed buffer
      this.staging = createBuffer(device, { size: Math.max(16, offset), usage: USAGE.MAP_READ | USAGE.COPY_DST, label: 'readback' });
    }
    this.envKey = key;
  }

  private bindGroup(launch: number, ids: readonly number[]): GPUBindGroup {
    const l = this.program.launches[launch]!;
    const kernel = this.program.kernels[l.kernel]!;
    const entries: GPUBindGroupEntry[] = ids.map((id, binding) => ({ binding, resource: { buffer: this.buffers.get(id) } }));
    if (kernel.uniforms > 0) {
      const size = Math.ceil((4 * kernel.uniforms) / 16) * 16;
      entries.push({ binding: ids.length, resource: { buffer: this.uniforms, offset: launch * UNIFORM_BLOCK, size } });
    }
    return this.context.device.createBindGroup({ layout: this.kernels[l.kernel]!.layout, entries, label: kernel.name });
  }

  /** Whether launch `i` has workgroups to run at the prepared sizes. */
  hasWork(i: number): boolean {
    return this.grids[i]![0] > 0;
  }

  /** Encodes launch `i` into `pass` (after `prepare`); false for a launch with no workgroups, which encodes nothing. */
  encodeLaunch(pass: GPUComputePassEncoder, i: number): boolean {
    const [x, y] = this.grids[i]!;
    if (x === 0) return false;
    pass.setPipeline(this.kernels[this.program.launches[i]!.kernel]!.pipeline);
    pass.setBindGroup(0, this.bindGroups![i]!);
    pass.dispatchWorkgroups(x, y);
    return true;
  }

  /**
   * Encodes every launch and the output copies, submits, and resolves with each output buffer's bytes. Device-side
   * inputs are copied into their input buffers first (`copyIn`), and outputs kept on the device are copied out to
   * their own buffers (`keep`) instead of being read back.
   */
  async encodeAndSubmit(copyIn: readonly DeviceCopy[] = [], keep: readonly DeviceCopy[] = []): Promise<Map<number, ArrayBuffer>> {
    const device = this.context.device;
    const encoder = device.createCommandEncoder();
    for (const c of copyIn) if (c.bytes > 0) encoder.copyBufferToBuffer(c.device, 0, this.buffers.get(c.buffer), 0, c.bytes);
    const pass = encoder.beginComputePass();
    this.program.launches.forEach((_l, i) => this.encodeLaunch(pass, i));
    pass.end();
    const staging = this.staging!;
    for (const c of keep) if (c.bytes > 0) encoder.copyBufferToBuffer(this.buffers.get(c.buffer), 0, c.device, 0, c.bytes);
    const kept = new Set(keep.map((c) => c.buffer));
    const read = this.outputs.filter((o) => !kept.has(o.buffer));
    for (const o of read) if (o.bytes > 0) encoder.copyBufferToBuffer(this.buffers.get(o.buffer), 0, staging, o.offset, o.bytes);
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(MAP_READ);
    try {
      const mapped = staging.getMappedRange();
      return new Map(read.map((o) => [o.buffer, mapped.slice(o.offset, o.offset + o.bytes)]));
    } finally {
      staging.unmap();
    }
  }

  destroy(): void {
    destroyBuffer(this.uniforms);
    if (this.staging) destroyBuffer(this.staging);
    this.staging = undefined;
    this.bindGroups = undefined;
  }
}
