/// <reference types="@webgpu/types" />
/**
 * A device and its compiled pipelines, shared by every model of the process.
 *
 * Pipeline creation is the slow part of loading on a software driver (SwiftShader: 80–560 ms per kernel), and
 * models of one family share most kernels (every size is a uniform), so pipelines are cached by WGSL text for as
 * long as the device lives. `closeWebGpu()` destroys the shared device; models loaded later get a new one.
 */
import type { WgslKernel } from '../../backends/wgsl/program.ts';
import { UserError } from '../../dsl/errors.ts';
import { adapterName, requestAdapter, requestDevice } from './device.ts';
import { countDevice } from './stats.ts';

/** GPUShaderStage.COMPUTE: the numeric constants are spec-fixed; Dawn in Node does not define the globals. */
const COMPUTE = 4;

export interface CompiledKernel {
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
}

/** Numbered source lines around a compiler message, for error reports. */
function excerpt(source: string, line: number): string {
  const lines = source.split('\n');
  const from = Math.max(0, line - 3);
  return lines.slice(from, line + 2).map((l, i) => `${String(from + i + 1).padStart(4)} | ${l}`).join('\n');
}

export class GpuContext {
  private readonly pipelines = new Map<string, Promise<CompiledKernel>>();
  private destroyed = false;
  private lostInfo: { reason: string; message: string } | undefined;

  constructor(
    readonly device: GPUDevice,
    /** e.g. "SwiftShader driver 5.0.0 (google, swiftshader)". */
    readonly adapterName: string,
  ) {
    countDevice(1);
    void device.lost.then((info) => {
      this.lostInfo = { reason: String(info.reason), message: info.message };
      this.pipelines.clear();
      countDevice(-1);
    });
  }

  /** Why the device was lost (`device.lost`'s reason and message), once it was; undefined while it works. */
  get lost(): { readonly reason: string; readonly message: string } | undefined {
    return this.lostInfo;
  }

  /** The UserError to report for work on a lost device; undefined while the device works. */
  lostError(): UserError | undefined {
    const info = this.lostInfo;
    if (!info) return undefined;
    const why = info.message ? `${info.reason}: ${info.message}` : info.reason;
    return new UserError(
      `the WebGPU device was lost (${why}) on ${this.adapterName}; load the model again to run it on a new device`,
    );
  }

  /** Waits at most `ms` for `device.lost` to settle (Dawn reports a loss a moment after the failing call), then `lostError()`. */
  async lostErrorSoon(ms = 50): Promise<UserError | undefined> {
    if (!this.lostInfo) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([this.device.lost, new Promise((r) => (timer = setTimeout(r, ms)))]);
      clearTimeout(timer);
      await Promise.resolve(); // lets the constructor's handler record the info
    }
    return this.lostError();
  }

  get maxGroupsPerDimension(): number {
    return this.device.limits.maxComputeWorkgroupsPerDimension;
  }

  /** Whether the device runs WGSL's native `f16` (`shader-f16`); kernels with f16 buffers then use that variant. */
  get shaderF16(): boolean {
    return this.device.features.has('shader-f16');
  }

  /** The WGSL this device runs for a kernel: its `shader-f16` variant when there is one and the device has the feature. */
  codeOf(kernel: WgslKernel): string {
    return kernel.codeF16 !== undefined && this.shaderF16 ? kernel.codeF16 : kernel.code;
  }

  /** The pipeline of a kernel, compiled once per WGSL text; WGSL errors throw with the offending lines. */
  pipeline(kernel: WgslKernel): Promise<CompiledKernel> {
    const code = this.codeOf(kernel);
    let found = this.pipelines.get(code);
    if (!found) {
      found = this.compile(kernel, code);
      this.pipelines.set(code, found);
      found.catch(() => this.pipelines.delete(code));
    }
    return found;
  }

  get pipelineCount(): number {
    return this.pipelines.size;
  }

  private async compile(kernel: WgslKernel, code: string): Promise<CompiledKernel> {
    const device = this.device;
    const module = device.createShaderModule({ code, label: kernel.name });
    const info = await module.getCompilationInfo();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length > 0) {
      const e = errors[0]!;
      throw new Error(`WGSL kernel ${kernel.name} does not compile: ${e.lineNum}:${e.linePos} ${e.message.split('\n')[0]}\n${excerpt(code, e.lineNum)}`);
    }
    const entries: GPUBindGroupLayoutEntry[] = kernel.writes.map((write, binding) => ({
      binding,
      visibility: COMPUTE,
      buffer: { type: write ? 'storage' : 'read-only-storage' },
    }));
    if (kernel.uniforms > 0) entries.push({ binding: kernel.writes.length, visibility: COMPUTE, buffer: { type: 'uniform' } });
    const layout = device.createBindGroupLayout({ entries, label: kernel.name });
    try {
      const pipeline = await device.createComputePipelineAsync({
        layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
        compute: { module, entryPoint: 'main' },
        label: kernel.name,
      });
      return { pipeline, layout };
    } catch (e) {
      throw new Error(`WebGPU cannot create the pipeline of kernel ${kernel.name}: ${(e as Error).message}`);
    }
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.pipelines.clear();
    this.device.destroy();
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }
}

let shared: Promise<GpuContext> | undefined;

/**
 * The process-wide context, created on first use and again after its device was lost or destroyed. Throws a
 * UserError explaining what to install when no adapter exists.
 */
export async function webgpuContext(): Promise<GpuContext> {
  for (;;) {
    const current = sharedContext();
    const context = await current;
    if (!context.lost && !context.isDestroyed) return context;
    if (shared === current) shared = undefined; // a lost device is never handed out again
  }
}

function sharedContext(): Promise<GpuContext> {
  if (!shared) {
    const made = (async () => {
      const adapter = await requestAdapter();
      const device = await requestDevice(adapter);
      const context = new GpuContext(device, adapterName(adapter));
      void device.lost.then(() => {
        if (shared === made) shared = undefined; // a lost device is never handed out again
      });
      return context;
    })();
    shared = made;
    made.catch(() => {
      if (shared === made) shared = undefined;
    });
  }
  return shared;
}

/** Destroys the shared device (models still using it stop working); the next model creates a new one. */
export async function closeWebGpu(): Promise<void> {
  const current = shared;
  shared = undefined;
  if (current) (await current.catch(() => undefined))?.destroy();
}
