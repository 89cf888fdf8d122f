/// <reference types="@webgpu/types" />
/**
 * Device buffers of one model, laid out by the compiler's memory plan: parameters and constants have a buffer each
 * (written once, at load), inputs have a buffer each, and every intermediate lives in its plan slot. Input and slot
 * buffers are sized for the symbol values of a run and only ever grow, so a model that sees its largest batch first
 * never reallocates.
 */
import { type Dim, dimEval, dimParse } from '../../compiler/ir/dim.ts';
import type { WgslProgram } from '../../backends/wgsl/program.ts';
import type { TensorData } from '../../backends/tensor.ts';
import { createBuffer, destroyBuffer } from './stats.ts';

/** GPUBufferUsage flags (spec-fixed numbers). */
export const USAGE = { MAP_READ: 1, COPY_SRC: 4, COPY_DST: 8, UNIFORM: 64, STORAGE: 128 } as const;

type Env = Readonly<Record<string, number>>;

/** Buffers are whole 16-byte words (vec4 kernels bind them as array<vec4>), and never empty. */
export const roundBytes = (bytes: number): number => Math.max(16, Math.ceil(bytes / 16) * 16);

/** The 4-byte words a tensor is stored as on the device (booleans become i32 0/1). */
export function deviceWords(data: TensorData): Float32Array | Int32Array {
  return data instanceof Uint8Array ? Int32Array.from(data) : data;
}

export class DeviceBuffers {
  private readonly own: (GPUBuffer | undefined)[];
  private readonly slots: (GPUBuffer | undefined)[];
  private readonly sizes: Dim[];
  private readonly slotSizes: Dim[][];
  private destroyed = false;

  constructor(
    private readonly device: GPUDevice,
    private readonly program: WgslProgram,
    private readonly maxBytes: number,
  ) {
    this.own = program.buffers.map(() => undefined);
    this.slots = program.slots.map(() => undefined);
    this.sizes = program.buffers.map((b) => dimParse(b.size));
    this.slotSizes = program.slots.map((s) => s.map(dimParse));
  }

  private create(bytes: number, label: string): GPUBuffer {
    if (bytes > this.maxBytes) {
      throw new Error(`WebGPU: buffer ${label} needs ${bytes} bytes, more than this device allows in one binding (${this.maxBytes})`);
    }
    return createBuffer(this.device, { size: roundBytes(bytes), usage: USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST, label });
  }

  /** Creates a fixed-size buffer (parameter or constant) holding `data`. */
  upload(id: number, data: Float32Array | Int32Array | Uint16Array | Int8Array): void {
    const spec = this.program.buffers[id]!;
    const buffer = this.create(data.byteLength, spec.name ?? `const ${id}`);
    this.own[id] = buffer; // before the write, so that destroy() frees it if the write throws
    this.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  }

  /** Writes an input's data into its buffer (sized by `fit`). */
  write(id: number, data: Float32Array | Int32Array): void {
    if (data.byteLength > 0) this.device.queue.writeBuffer(this.get(id), 0, data.buffer, data.byteOffset, data.byteLength);
  }

  /** Makes input and slot buffers large enough for `env`; true when any buffer object was replaced. */
  fit(env: Env): boolean {
    let changed = false;
    const grow = (current: GPUBuffer | undefined, bytes: number, label: string): GPUBuffer => {
      if (current && current.size >= bytes) return current;
      if (current) destroyBuffer(current);
      changed = true;
      return this.create(bytes, label);
    };
    this.program.buffers.forEach((b, id) => {
      if (b.kind === 'input') this.own[id] = grow(this.own[id], 4 * dimEval(this.sizes[id]!, env), b.name ?? `input ${id}`);
    });
    this.slotSizes.forEach((sizes, slot) => {
      const bytes = 4 * Math.max(0, ...sizes.map((d) => dimEval(d, env)));
      this.slots[slot] = grow(this.slots[slot], bytes, `slot ${slot}`);
    });
    return changed;
  }

  /** The device buffer behind a program buffer id. */
  get(id: number): GPUBuffer {
    const slot = this.program.slotOf[id]!;
    const buffer = slot >= 0 ? this.slots[slot] : this.own[id];
    if (!buffer) throw new Error(`WebGPU: buffer ${id} (${this.program.buffers[id]!.kind}) has no device memory yet`);
    return buffer;
  }

  /** Bytes held on the device now. */
  get bytes(): number {
    return [...this.own, ...this.slots].reduce((n, b) => n + (b ? b.size : 0), 0);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const b of [...this.own, ...this.slots]) if (b) destroyBuffer(b);
    this.own.fill(undefined);
    this.slots.fill(undefined);
  }
}
