/**
 * Weights as a device stores them, converted once, when a model is loaded: f32 and i32 words as they are (booleans
 * as i32 0/1), f16 and bf16 as their 16-bit patterns (rounded to nearest even from the f32 values the checkpoint
 * reader produced, whatever the checkpoint's own format), padded to whole 4-byte words so every upload API accepts
 * them (WebGPU's writeBuffer wants multiples of 4; WGSL reads halves two per word).
 */
import { quantizeRows } from '../../backends/cpu/precision.ts';
import type { TensorData } from '../../backends/tensor.ts';
import { f32ArrayToBf16, f32ArrayToF16 } from './half.ts';

/** How a buffer stores its elements (kernel/launch.ts's `Storage`, restated so runtimes need no compiler import). */
export type DeviceStorage = 'f32' | 'i32' | 'f16' | 'bf16' | 'i8';

export type DeviceData = Float32Array | Int32Array | Uint16Array | Int8Array;

/** The bytes a buffer of `storage` holds for `data`. */
export function toDeviceStorage(storage: DeviceStorage, data: TensorData): DeviceData {
  if (data instanceof Uint8Array) return Int32Array.from(data);
  if (storage === 'f16' || storage === 'bf16') {
    const f32 = data instanceof Float32Array ? data : Float32Array.from(data);
    const padded = new Float32Array(f32.length + (f32.length % 2)); // the pad half is 0
    padded.set(f32);
    return storage === 'f16' ? f32ArrayToF16(padded) : f32ArrayToBf16(padded);
  }
  if (storage === 'i8') throw new Error('device storage: i8 weights are quantised by their loader, not converted here');
  return data;
}

/**
 * A parameter buffer's contents from the checkpoint tensor of its node (`shape` its constant shape): for an int8
 * weight, its quantised values (storage `i8`, padded to whole words) or its per-row scales (`quant: 'scales'`), by
 * the quantisation the CPU reference models; otherwise `toDeviceStorage`.
 */
export function paramDeviceData(b: { readonly storage: DeviceStorage; readonly quant?: 'scales' }, shape: readonly number[], data: TensorData): DeviceData {
  if (b.storage !== 'i8' && b.quant !== 'scales') return toDeviceStorage(b.storage, data);
  const { q, scales } = quantizeRows(data as Float32Array, shape[0]!, shape[1]!);
  if (b.quant === 'scales') return scales;
  const padded = new Int8Array(Math.ceil(q.length / 4) * 4);
  padded.set(q);
  return padded;
}

/** Decodes device bytes of `storage` back to f32 values (reading outputs, tests). */
export { bf16ArrayToF32, f16ArrayToF32 } from './half.ts';
