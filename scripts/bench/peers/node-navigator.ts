/// <reference types="@webgpu/types" />
/**
 * `navigator.gpu` for browser libraries running in Node (onnxruntime-web, TensorFlow.js's WebGPU backend): Dawn from
 * the npm `webgpu` package, the same build and driver (SwiftShader) our runtime uses, created without our Dawn
 * toggles so the peers get stock WebGPU semantics.
 *
 * One adaptation: onnxruntime-web's wasm writes buffers from views of its SharedArrayBuffer memory, which Dawn's
 * Node binding refuses ("Invalid argument"); browsers accept them. Such a view is copied first, a cost the peer pays
 * in its timings (one memcpy of each upload).
 */
import { existsSync } from 'node:fs';
import { create, globals } from 'webgpu';
import { SWIFTSHADER_ICD } from '../../../runtime/webgpu/index.ts';

/**
 * Points the Vulkan loader at SwiftShader unless a driver was chosen: every WebGPU contestant (our Dawn, ORT's Dawn)
 * then sees the same single adapter. Must run before any of them creates a Vulkan instance.
 */
export function useSwiftShaderUnlessChosen(): string {
  const chosen = process.env['VK_ICD_FILENAMES'] ?? process.env['VK_DRIVER_FILES'];
  if (chosen) return chosen;
  if (existsSync(SWIFTSHADER_ICD)) process.env['VK_ICD_FILENAMES'] = SWIFTSHADER_ICD;
  return process.env['VK_ICD_FILENAMES'] ?? 'the registered Vulkan drivers';
}

let gpu: GPU | undefined;

export function installNavigatorGpu(): GPU {
  if (gpu) return gpu;
  useSwiftShaderUnlessChosen();
  Object.assign(globalThis, globals);
  const queue = (globals as unknown as { GPUQueue: { prototype: GPUQueue } }).GPUQueue.prototype;
  const writeBuffer = queue.writeBuffer;
  queue.writeBuffer = function (this: GPUQueue, buffer: GPUBuffer, offset: number, data: BufferSource, dataOffset?: number, size?: number) {
    let source = data;
    if (ArrayBuffer.isView(data) && data.buffer instanceof SharedArrayBuffer && !(data instanceof DataView)) {
      source = new (data.constructor as new (a: ArrayBufferView) => ArrayBufferView)(data) as BufferSource; // same elements, unshared
    }
    return dataOffset === undefined ? writeBuffer.call(this, buffer, offset, source) : writeBuffer.call(this, buffer, offset, source, dataOffset, size);
  } as GPUQueue['writeBuffer'];
  gpu = create([]) as GPU;
  // kept reachable for the process's life: Dawn aborts if V8 collects the instance while a device lives
  (globalThis as { __peersGpu?: GPU }).__peersGpu = gpu;
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu, userAgent: 'node' }, configurable: true });
  return gpu;
}
