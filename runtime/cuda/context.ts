/**
 * One CUDA device as a model uses it: its primary context (shared with any other CUDA user in the process, as the
 * runtime API shares it), one stream that every launch and copy goes on in order, memory, modules and events.
 *
 * Kernel arguments follow cuLaunchKernel's convention: an array of pointers, the i-th pointing at the i-th
 * argument's value. `packArgs` lays the values out 8 bytes apart in one buffer and the pointers in another; both
 * must stay alive until cuLaunchKernel returns (it copies the values).
 */
import * as koffi from 'koffi';
import type { CudaTarget } from '../../backends/cuda/compile.ts';
import { type CudaDriver, cudaDriver, type DeviceInfo, type DevicePtr, FUNC_ATTR, type Handle } from './driver.ts';

export interface KernelArgs {
  readonly values: Buffer;
  readonly pointers: Buffer;
}

/** Pointer arguments (device addresses) then u32 arguments, packed for cuLaunchKernel. */
export function packArgs(ptrs: readonly DevicePtr[], u32s: readonly number[]): KernelArgs {
  const n = ptrs.length + u32s.length;
  // An explicit ArrayBuffer lives outside V8's heap, so the address taken below stays valid (a small typed array
  // created on its own may live inside the heap, where the garbage collector moves it).
  const values = Buffer.from(new ArrayBuffer(8 * Math.max(1, n)));
  ptrs.forEach((p, i) => values.writeBigUInt64LE(p, 8 * i));
  u32s.forEach((u, i) => values.writeUInt32LE(u, 8 * (ptrs.length + i)));
  const base = koffi.address(values);
  const pointers = Buffer.alloc(8 * Math.max(1, n));
  for (let i = 0; i < n; i++) pointers.writeBigUInt64LE(base + BigInt(8 * i), 8 * i);
  return { values, pointers };
}

/**
 * The module image for a device: the newest cubin of the device's major architecture not newer than the device
 * (cubins run on later minor versions), else PTX for the newest virtual architecture the device supports, which the
 * driver compiles at load.
 */
export function pickImage(images: ReadonlyMap<CudaTarget, Uint8Array>, [major, minor]: readonly [number, number]): { target: CudaTarget; image: Uint8Array } {
  const cc = major * 10 + minor;
  const entries = [...images.entries()].map(([t, image]) => ({ t, image, v: Number(/\d+$/.exec(t)![0]) }));
  const cubin = entries.filter((e) => e.t.startsWith('sm_') && Math.floor(e.v / 10) === major && e.v <= cc).sort((a, b) => b.v - a.v)[0];
  const ptx = entries.filter((e) => e.t.startsWith('compute_') && e.v <= cc).sort((a, b) => b.v - a.v)[0];
  const pick = cubin ?? ptx;
  if (!pick) throw new Error(`CUDA: no image for compute capability ${major}.${minor} among ${[...images.keys()].join(', ')}`);
  return { target: pick.t, image: pick.image };
}

export class CudaContext {
  private closed = false;

  private constructor(
    readonly driver: CudaDriver,
    readonly info: DeviceInfo,
    private readonly ctx: Handle,
    readonly stream: Handle,
  ) {}

  static open(ordinal = 0, driver = cudaDriver()): CudaContext {
    const info = driver.device(ordinal);
    const ctx: (Handle | null)[] = [null];
    driver.call('cuDevicePrimaryCtxRetain', ctx, info.ordinal);
    driver.call('cuCtxSetCurrent', ctx[0]);
    const stream: (Handle | null)[] = [null];
    driver.call('cuStreamCreate', stream, 0);
    return new CudaContext(driver, info, ctx[0]!, stream[0]!);
  }

  /** Makes this context current on the calling thread (koffi calls run on the JS thread). */
  use(): void {
    if (this.closed) throw new Error('CUDA: this context was closed');
    this.driver.call('cuCtxSetCurrent', this.ctx);
  }

  alloc(bytes: number): DevicePtr {
    const p: (bigint | number)[] = [0n];
    this.driver.call('cuMemAlloc', p, bytes);
    return BigInt(p[0]!);
  }

  free(ptr: DevicePtr): void {
    this.driver.call('cuMemFree', ptr);
  }

  upload(dst: DevicePtr, data: ArrayBufferView): void {
    if (data.byteLength > 0) this.driver.call('cuMemcpyHtoD', dst, data, data.byteLength);
  }

  /** Queues a device-to-device copy on the stream (after the launches queued before it). */
  copy(dst: DevicePtr, src: DevicePtr, bytes: number): void {
    if (bytes > 0) this.driver.call('cuMemcpyDtoDAsync', dst, src, bytes, this.stream);
  }

  /** Copies after everything queued on the stream has run. */
  download(src: DevicePtr, bytes: number): ArrayBuffer {
    this.synchronize();
    const out = new Uint8Array(bytes);
    if (bytes > 0) this.driver.call('cuMemcpyDtoH', out, src, bytes);
    return out.buffer;
  }

  loadModule(image: Uint8Array): Handle {
    const m: (Handle | null)[] = [null];
    this.driver.call('cuModuleLoadData', m, image);
    return m[0]!;
  }

  unloadModule(module: Handle): void {
    this.driver.call('cuModuleUnload', module);
  }

  kernel(module: Handle, entry: string): Handle {
    const f: (Handle | null)[] = [null];
    this.driver.call('cuModuleGetFunction', f, module, entry);
    return f[0]!;
  }

  /** Registers and local (spill) bytes per thread of a loaded kernel, as the driver reports them. */
  kernelAttributes(fn: Handle): { registers: number; localBytes: number; sharedBytes: number } {
    const get = (a: number) => {
      const v = [0];
      this.driver.call('cuFuncGetAttribute', v, a, fn);
      return v[0]!;
    };
    return { registers: get(FUNC_ATTR.NUM_REGS), localBytes: get(FUNC_ATTR.LOCAL_BYTES), sharedBytes: get(FUNC_ATTR.SHARED_BYTES) };
  }

  launch(fn: Handle, grid: readonly [number, number], block: number, args: KernelArgs): void {
    this.driver.call('cuLaunchKernel', fn, grid[0], grid[1], 1, block, 1, 1, 0, this.stream, args.pointers, null);
  }

  synchronize(): void {
    this.driver.call('cuStreamSynchronize', this.stream);
  }

  event(): Handle {
    const e: (Handle | null)[] = [null];
    this.driver.call('cuEventCreate', e, 0);
    return e[0]!;
  }

  record(event: Handle): void {
    this.driver.call('cuEventRecord', event, this.stream);
  }

  /** Milliseconds between two recorded events, once the second has happened. */
  elapsed(start: Handle, end: Handle): number {
    this.driver.call('cuEventSynchronize', end);
    const ms = [0];
    this.driver.call('cuEventElapsedTime', ms, start, end);
    return ms[0]!;
  }

  destroyEvent(event: Handle): void {
    this.driver.call('cuEventDestroy', event);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.driver.call('cuStreamDestroy', this.stream);
    this.driver.call('cuDevicePrimaryCtxRelease', this.info.ordinal);
  }
}

let shared: CudaContext | undefined;

/** The process-wide context on device 0; throws the reason when CUDA cannot be used. */
export function cudaContext(): CudaContext {
  shared ??= CudaContext.open();
  return shared;
}

/** Closes the process-wide context (models still using it must be disposed first). */
export function closeCuda(): void {
  shared?.close();
  shared = undefined;
}
