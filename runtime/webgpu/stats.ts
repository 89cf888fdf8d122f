/// <reference types="@webgpu/types" />
/**
 * Counters of what the WebGPU runtime holds, for leak tests and soak runs: live GPUBuffers it created (count and
 * bytes), loaded models not yet disposed, and devices not lost. Every buffer the runtime makes goes through
 * `createBuffer` and is freed through `destroyBuffer`; counting is a few integer updates, so it is always on.
 */

let buffers = 0;
let bytes = 0;
let models = 0;
let devices = 0;
const live = new WeakSet<GPUBuffer>();

export interface WebGpuStats {
  /** GPUBuffers created by the runtime and not destroyed yet. */
  readonly buffers: number;
  /** Their total size in bytes. */
  readonly bytes: number;
  /** Models loaded and not disposed. */
  readonly models: number;
  /** Devices (contexts) created and not lost or destroyed. */
  readonly devices: number;
}

/** A snapshot of the counters. */
export function webgpuStats(): WebGpuStats {
  return { buffers, bytes, models, devices };
}

export function createBuffer(device: GPUDevice, descriptor: GPUBufferDescriptor): GPUBuffer {
  const buffer = device.createBuffer(descriptor);
  live.add(buffer);
  buffers++;
  bytes += buffer.size;
  return buffer;
}

/** Destroys a buffer made by `createBuffer`; a second call for the same buffer changes nothing. */
export function destroyBuffer(buffer: GPUBuffer): void {
  if (live.delete(buffer)) {
    buffers--;
    bytes -= buffer.size;
  }
  buffer.destroy();
}

export const countModel = (delta: 1 | -1): void => {
  models += delta;
};

export const countDevice = (delta: 1 | -1): void => {
  devices += delta;
};
