/**
 * The CUDA driver API through koffi: just the calls a model needs (init, device and primary context, memory,
 * modules, launches, streams, events), each checked, with the driver's own error name and text in the message.
 *
 * The library is libcuda.so.1 (the driver, installed with the NVIDIA kernel module, not the toolkit), or
 * $DSLC_LIBCUDA: the tests point that at the host emulation's stand-in (backends/cuda/host-emulation/emu_libcuda.cpp)
 * to run this file and the model on a machine without a GPU.
 */
import * as koffi from 'koffi';

type Library = ReturnType<typeof koffi.load>;
type Fn = ReturnType<Library['func']>;

export const LIBCUDA = 'libcuda.so.1';

export class CudaError extends Error {
  override readonly name = 'CudaError';
  constructor(
    readonly call: string,
    readonly code: number,
    readonly codeName: string,
    detail: string,
  ) {
    super(`${call} failed: ${codeName} (${code}): ${detail}`);
  }
}

/** Opaque driver handles (CUcontext, CUmodule, ...) are pointers, which koffi gives as BigInt. */
export type Handle = bigint;
export type DevicePtr = bigint;

const ATTR = { MAX_GRID_DIM_X: 5, MAX_GRID_DIM_Y: 6, CLOCK_RATE: 13, SM_COUNT: 16, CC_MAJOR: 75, CC_MINOR: 76 } as const;
export const FUNC_ATTR = { MAX_THREADS: 0, SHARED_BYTES: 1, LOCAL_BYTES: 3, NUM_REGS: 4 } as const;

function bind(lib: Library) {
  const f = (decl: string) => lib.func(decl);
  // cuEventElapsedTime is cuEventElapsedTime_v2 in CUDA 12.8+ headers; older drivers have only the first.
  let elapsed: Fn;
  try {
    elapsed = f('int cuEventElapsedTime_v2(_Out_ float *ms, void *start, void *end)');
  } catch {
    elapsed = f('int cuEventElapsedTime(_Out_ float *ms, void *start, void *end)');
  }
  return {
    cuInit: f('int cuInit(unsigned int flags)'),
    cuDriverGetVersion: f('int cuDriverGetVersion(_Out_ int *v)'),
    cuGetErrorName: f('int cuGetErrorName(int err, _Out_ const char **s)'),
    cuGetErrorString: f('int cuGetErrorString(int err, _Out_ const char **s)'),
    cuDeviceGetCount: f('int cuDeviceGetCount(_Out_ int *n)'),
    cuDeviceGet: f('int cuDeviceGet(_Out_ int *dev, int ordinal)'),
    cuDeviceGetName: f('int cuDeviceGetName(_Out_ char *name, int len, int dev)'),
    cuDeviceGetAttribute: f('int cuDeviceGetAttribute(_Out_ int *v, int attr, int dev)'),
    cuDeviceTotalMem: f('int cuDeviceTotalMem_v2(_Out_ size_t *bytes, int dev)'),
    cuDevicePrimaryCtxRetain: f('int cuDevicePrimaryCtxRetain(_Out_ void **ctx, int dev)'),
    cuDevicePrimaryCtxRelease: f('int cuDevicePrimaryCtxRelease_v2(int dev)'),
    cuCtxSetCurrent: f('int cuCtxSetCurrent(void *ctx)'),
    cuMemAlloc: f('int cuMemAlloc_v2(_Out_ uint64_t *ptr, size_t bytes)'),
    cuMemFree: f('int cuMemFree_v2(uint64_t ptr)'),
    cuMemcpyHtoD: f('int cuMemcpyHtoD_v2(uint64_t dst, const void *src, size_t bytes)'),
    cuMemcpyDtoH: f('int cuMemcpyDtoH_v2(void *dst, uint64_t src, size_t bytes)'),
    cuMemcpyDtoDAsync: f('int cuMemcpyDtoDAsync_v2(uint64_t dst, uint64_t src, size_t bytes, void *stream)'),
    cuModuleLoadData: f('int cuModuleLoadData(_Out_ void **mod, const void *image)'),
    cuModuleUnload: f('int cuModuleUnload(void *mod)'),
    cuModuleGetFunction: f('int cuModuleGetFunction(_Out_ void **fn, void *mod, const char *name)'),
    cuFuncGetAttribute: f('int cuFuncGetAttribute(_Out_ int *v, int attr, void *fn)'),
    cuLaunchKernel: f(
      'int cuLaunchKernel(void *fn, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by, unsigned int bz, unsigned int shmem, void *stream, void *params, void *extra)',
    ),
    cuStreamCreate: f('int cuStreamCreate(_Out_ void **stream, unsigned int flags)'),
    cuStreamSynchronize: f('int cuStreamSynchronize(void *stream)'),
    cuStreamDestroy: f('int cuStreamDestroy_v2(void *stream)'),
    cuEventCreate: f('int cuEventCreate(_Out_ void **event, unsigned int flags)'),
    cuEventRecord: f('int cuEventRecord(void *event, void *stream)'),
    cuEventSynchronize: f('int cuEventSynchronize(void *event)'),
    cuEventElapsedTime: elapsed,
    cuEventDestroy: f('int cuEventDestroy_v2(void *event)'),
  };
}

type Api = ReturnType<typeof bind>;

export interface DeviceInfo {
  readonly ordinal: number;
  readonly name: string;
  readonly computeCapability: readonly [number, number];
  readonly multiprocessors: number;
  /** SM clock in kHz, as the driver reports it (0 where it does not). */
  readonly clockKHz: number;
  readonly totalBytes: number;
  readonly maxGridX: number;
  readonly maxGridY: number;
  readonly driverVersion: number;
}

/** The loaded driver: every call checked (`call` throws CudaError), plus the first device's description. */
export class CudaDriver {
  private constructor(
    readonly api: Api,
    readonly library: string,
  ) {}

  /** Loads and initialises the driver; throws with the reason CUDA cannot be used (see `cudaAvailable`). */
  static open(library = process.env['DSLC_LIBCUDA'] ?? LIBCUDA): CudaDriver {
    let lib: Library;
    try {
      lib = koffi.load(library);
    } catch {
      throw new Error(`no CUDA device: ${library} not found`);
    }
    const driver = new CudaDriver(bind(lib), library);
    const init = driver.api.cuInit(0) as number;
    if (init !== 0) throw new Error(`no CUDA device: cuInit failed with ${driver.errorText(init)}`);
    const n = [0];
    driver.call('cuDeviceGetCount', n);
    if (n[0] === 0) throw new Error('no CUDA device: the driver reports 0 devices');
    return driver;
  }

  errorText(code: number): string {
    const name: (string | null)[] = [null];
    const text: (string | null)[] = [null];
    this.api.cuGetErrorName(code, name);
    this.api.cuGetErrorString(code, text);
    return `${name[0] ?? `CUDA error ${code}`} (${text[0] ?? 'no description'})`;
  }

  /** Calls a driver function and throws CudaError unless it returns CUDA_SUCCESS. */
  call<K extends keyof Api>(fn: K, ...args: unknown[]): void {
    const code = (this.api[fn] as (...a: unknown[]) => number)(...args);
    if (code === 0) return;
    const name: (string | null)[] = [null];
    const text: (string | null)[] = [null];
    this.api.cuGetErrorName(code, name);
    this.api.cuGetErrorString(code, text);
    throw new CudaError(fn, code, name[0] ?? `CUDA error ${code}`, text[0] ?? 'no description');
  }

  device(ordinal = 0): DeviceInfo {
    const dev = [0];
    this.call('cuDeviceGet', dev, ordinal);
    const attr = (a: number) => {
      const v = [0];
      this.call('cuDeviceGetAttribute', v, a, dev[0]);
      return v[0]!;
    };
    const name = Buffer.alloc(256);
    this.call('cuDeviceGetName', name, name.length, dev[0]);
    const total = [0];
    this.call('cuDeviceTotalMem', total, dev[0]);
    const version = [0];
    this.call('cuDriverGetVersion', version);
    return {
      ordinal: dev[0]!,
      name: name.toString('utf8', 0, name.indexOf(0)),
      computeCapability: [attr(ATTR.CC_MAJOR), attr(ATTR.CC_MINOR)],
      multiprocessors: attr(ATTR.SM_COUNT),
      clockKHz: attr(ATTR.CLOCK_RATE),
      totalBytes: Number(total[0]),
      maxGridX: attr(ATTR.MAX_GRID_DIM_X),
      maxGridY: attr(ATTR.MAX_GRID_DIM_Y),
      driverVersion: version[0]!,
    };
  }
}

let probe: { driver?: CudaDriver; reason?: string } | undefined;

/** The process-wide driver, loaded once; throws the reason when there is none. */
export function cudaDriver(): CudaDriver {
  probe ??= (() => {
    try {
      return { driver: CudaDriver.open() };
    } catch (e) {
      return { reason: (e as Error).message };
    }
  })();
  if (!probe.driver) throw new Error(probe.reason);
  return probe.driver;
}

/**
 * `true` when a CUDA device can be used, otherwise why not ("no CUDA device: libcuda.so.1 not found"). Both are
 * truthy: test with `=== true`.
 */
export function cudaAvailable(): true | string {
  try {
    cudaDriver();
    return true;
  } catch (e) {
    return (e as Error).message;
  }
}
