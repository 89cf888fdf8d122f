/// <reference types="@webgpu/types" />
/**
 * A graph compiled to WGSL and bound to weights on a WebGPU device.
 *
 * Loading checks the weights (the CPU backend's checks, same messages), compiles every kernel (cached by text for
 * the device's life), and uploads parameters and constants. A forward checks and binds the inputs exactly as the CPU
 * reference does, sizes the buffers for the bound symbols (growing only), writes the uniforms once per distinct
 * symbol values, encodes every launch into one command encoder, and reads all outputs back with one map.
 *
 * @example
 * const model = await WebGpuModel.load(graph, compileWgsl(graph), weights);
 * const { last_hidden_state } = await model.forward({ input_ids: ids });
 * model.dispose();
 */
import { bindInputs, loadParam } from '../../backends/cpu/bind.ts';
import type { HostTensor } from '../../backends/tensor.ts';
import type { WgslProgram } from '../../backends/wgsl/program.ts';
import { dimEval, dimParse, dimValue } from '../../compiler/ir/dim.ts';
import { type Graph, graphNodes, type Node } from '../../compiler/ir/graph.ts';
import { UserError } from '../../dsl/errors.ts';
import { deviceWords, DeviceBuffers, roundBytes, USAGE } from './buffers.ts';
import { type DeviceData, paramDeviceData } from '../weights/device-storage.ts';
import { indexChecks, type IndexCheck } from './checks.ts';
import { type CompiledKernel, type GpuContext, webgpuContext } from './context.ts';
import { DeviceTensor, splitDeviceInputs } from '../device-tensor.ts';
import { type DeviceCopy, Dispatcher } from './dispatch.ts';
import type { Profile } from '../profile.ts';
import { timeLaunches, type WebGpuProfileOptions } from './profile.ts';
import { countModel, createBuffer, destroyBuffer } from './stats.ts';

export type Weights = ReadonlyMap<string, Float32Array | Int32Array>;

export interface WebGpuLoadOptions {
  /** The device to run on; the process-wide shared one (`webgpuContext()`) by default. */
  readonly context?: GpuContext;
}

/**
 * Runs `fn` inside validation and out-of-memory error scopes and throws what they caught. An exception of `fn`
 * itself wins: it is the cause, the scope's error usually a consequence.
 */
export async function scoped<T>(device: GPUDevice, what: string, fn: () => Promise<T> | T): Promise<T> {
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  let result: { value: T } | { error: unknown };
  try {
    result = { value: await fn() };
  } catch (e) {
    result = { error: e };
  }
  const validation = await device.popErrorScope();
  const memory = await device.popErrorScope();
  if ('error' in result) throw result.error;
  const error = memory ?? validation;
  if (error) throw new Error(`WebGPU error while ${what}: ${error.message}`);
  return result.value;
}

const disposedError = (): UserError => new UserError('this model was disposed; load it again to run it');

export interface ForwardOptions {
  /** Outputs to keep on the device as DeviceTensors (e.g. a decoder's `past_key_values`) instead of reading back. */
  readonly keepOnDevice?: readonly string[];
}

type Inputs = Readonly<Record<string, HostTensor | DeviceTensor>>;

export class WebGpuModel {
  private disposed = false;
  private freed = false;
  /** Forwards accepted and not settled yet; they run one at a time, in call order, through `chain`. */
  private pending = 0;
  private chain: Promise<unknown> = Promise.resolve();
  /** Outputs kept on the device that are not disposed yet: freed with the model. */
  private readonly resident = new Set<DeviceTensor>();

  private constructor(
    readonly graph: Graph,
    readonly program: WgslProgram,
    /** The device this model runs on (tests reach `context.device` to simulate a device loss). */
    readonly context: GpuContext,
    private readonly buffers: DeviceBuffers,
    private readonly dispatcher: Dispatcher,
    private readonly checks: readonly IndexCheck[],
  ) {
    countModel(1);
  }

  /** `program` is `compileWgsl(graph)`, made by the compiler (this file never imports it, so bundles stay small). */
  static async load(graph: Graph, program: WgslProgram, weights: Weights, opts: WebGpuLoadOptions = {}): Promise<WebGpuModel> {
    const nodes = new Map(graphNodes(graph).map((n) => [n.id, n]));
    // Weights are checked before any device work, so a wrong checkpoint fails fast and with the CPU's message.
    const params = program.buffers.flatMap((b, id) => {
      if (b.kind !== 'param') return [];
      const node = nodes.get(b.node!)!;
      const shape = node.shape.map((d) => dimValue(d)!);
      return [[id, paramDeviceData(b, shape, loadParam(node, shape, weights).data)] as const];
    });
    const context = opts.context ?? (await webgpuContext());
    const lost = context.lostError();
    if (lost) throw lost;
    const device = context.device;
    const made: WebGpuModel[] = [];
    try {
      const kernels: CompiledKernel[] = await Promise.all(program.kernels.map((k) => context.pipeline(k)));
      return await scoped(device, 'loading the model', () => {
        made.push(WebGpuModel.create(graph, program, context, params, kernels));
        return made[0]!;
      });
    } catch (e) {
      for (const m of made) m.dispose(); // the scope caught a device error after the model was made
      throw (await context.lostErrorSoon()) ?? e;
    }
  }

  private static create(
    graph: Graph,
    program: WgslProgram,
    context: GpuContext,
    params: readonly (readonly [number, DeviceData])[],
    kernels: CompiledKernel[],
  ): WebGpuModel {
    const device = context.device;
    const buffers = new DeviceBuffers(device, program, device.limits.maxStorageBufferBindingSize);
    try {
      for (const [id, data] of params) buffers.upload(id, data);
      program.buffers.forEach((b, id) => {
        if (b.kind !== 'const') return;
        const n = dimValue(dimParse(b.size))!;
        buffers.upload(id, b.storage === 'f32' ? new Float32Array(n).fill(b.value!) : new Int32Array(n).fill(b.value!));
      });
      const dispatcher = new Dispatcher(context, program, buffers, kernels);
      return new WebGpuModel(graph, program, context, buffers, dispatcher, indexChecks(graph));
    } catch (e) {
      buffers.destroy();
      throw e;
    }
  }

  get adapterName(): string {
    return this.context.adapterName;
  }

  /** Device bytes this model holds now (parameters, constants, inputs and the planned pool). */
  get deviceBytes(): number {
    return this.buffers.bytes;
  }

  /**
   * Runs the graph; inputs and outputs as for the CPU reference's `runGraph`. Calls run one at a time, in call order;
   * inputs are checked and copied when called, so the caller may reuse its arrays at once. Rejects with a UserError
   * after `dispose()` and once the device is lost. An input may be a DeviceTensor this model returned earlier (kept
   * with `keepOnDevice`): it is copied on the device, never through the host.
   */
  forward(inputs: Inputs): Promise<Record<string, HostTensor>>;
  forward(inputs: Inputs, opts: ForwardOptions): Promise<Record<string, HostTensor | DeviceTensor>>;
  forward(inputs: Inputs, opts: ForwardOptions = {}): Promise<Record<string, HostTensor | DeviceTensor>> {
    if (this.disposed) return Promise.reject(disposedError());
    const lost = this.context.lostError();
    if (lost) return Promise.reject(lost);
    let env: Record<string, number>;
    const words = new Map<number, Float32Array | Int32Array>();
    const fromDevice = new Map<number, [string, DeviceTensor]>();
    const keep = new Set(opts.keepOnDevice ?? []);
    try {
      const { host, resident } = splitDeviceInputs(this, inputs, this.graph.outputs.map((o) => o.name), keep);
      const bound = bindInputs(this.graph, host, resident);
      for (const c of this.checks) c.check(bound.values, bound.env);
      env = bound.env;
      this.program.buffers.forEach((b, id) => {
        if (b.kind !== 'input') return;
        const name = this.graph.inputs.find((n) => n.id === b.node)!.arg['name'] as string;
        const t = inputs[name];
        if (t instanceof DeviceTensor) return void fromDevice.set(id, [name, t]);
        const data = bound.values.get(b.node!)!.data;
        words.set(id, data instanceof Uint8Array ? deviceWords(data) : data.slice());
      });
    } catch (e) {
      return Promise.reject(e);
    }
    this.pending++;
    const run = this.chain.then(() => this.run(env, words, fromDevice, keep)); // accepted before dispose(): it still runs
    this.chain = run.then(
      () => this.settled(),
      () => this.settled(),
    );
    return run;
  }

  private settled(): void {
    this.pending--;
    if (this.disposed && this.pending === 0) this.free();
  }

  private async run(
    env: Record<string, number>,
    inputs: Map<number, Float32Array | Int32Array>,
    fromDevice: Map<number, [string, DeviceTensor]>,
    keep: ReadonlySet<string>,
  ): Promise<Record<string, HostTensor | DeviceTensor>> {
    const lost = this.context.lostError();
    if (lost) throw lost;
    const device = this.context.device;
    const out: Record<string, HostTensor | DeviceTensor> = {};
    const made: DeviceTensor[] = [];
    let words: Map<number, ArrayBuffer>;
    try {
      words = await scoped(device, 'running the model', () => {
        this.dispatcher.prepare(env);
        for (const [id, data] of inputs) this.buffers.write(id, data);
        // checked again: a device tensor may have been disposed while this forward waited its turn
        const copyIn: DeviceCopy[] = [...fromDevice].map(([buffer, [name, t]]) => ({ buffer, device: (t as DeviceTensor<GPUBuffer>).handleFor(this, name), bytes: t.bytes }));
        const copyOut: DeviceCopy[] = this.program.outputs.filter((o) => keep.has(o.name)).map((o) => {
          const node = this.graph.outputs.find((g) => g.name === o.name)!.node;
          const shape = node.shape.map((d) => dimEval(d, env));
          const bytes = 4 * shape.reduce((a, b) => a * b, 1);
          const buffer = createBuffer(device, { size: roundBytes(bytes), usage: USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST, label: o.name });
          const t = new DeviceTensor(this, o.name, node.dtype, shape, buffer, bytes, destroyBuffer);
          made.push(t);
          out[o.name] = t;
          return { buffer: o.buffer, device: buffer, bytes };
        });
        return this.dispatcher.encodeAndSubmit(copyIn, copyOut);
      });
    } catch (e) {
      for (const t of made) t.dispose();
      throw (await this.context.lostErrorSoon()) ?? e;
    }
    for (const t of this.resident) if (t.disposed) this.resident.delete(t);
    for (const t of made) this.resident.add(t);
    for (const o of this.program.outputs) {
      if (keep.has(o.name)) continue;
      const node = this.graph.outputs.find((g) => g.name === o.name)!.node;
      out[o.name] = hostTensorOf(node, node.shape.map((d) => dimEval(d, env)), words.get(o.buffer)!);
    }
    return out;
  }

  /**
   * Times each launch of a forward on these inputs on its own (runtime/webgpu/profile.ts): median milliseconds per
   * launch and per whole forward. Not to be overlapped with other calls of this model.
   */
  async profile(inputs: Readonly<Record<string, HostTensor>>, opts: WebGpuProfileOptions = {}): Promise<Profile> {
    // checks the inputs, sizes the buffers and leaves the inputs on the device; it is also the first warm-up forward
    await this.forward(inputs);
    const warmup = Math.max(0, (opts.warmup ?? 1) - 1);
    return scoped(this.context.device, 'profiling the model', () =>
      timeLaunches(this.context, this.dispatcher, this.program.launches.length, () => this.forward(inputs), { ...opts, warmup }),
    );
  }

  /**
   * Frees the model's device memory: at once, or once the forwards already accepted have finished (they complete
   * normally); later forwards reject. The shared device stays.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    countModel(-1);
    if (this.pending === 0) this.free();
  }

  private free(): void {
    if (this.freed) return;
    this.freed = true;
    for (const t of this.resident) t.dispose();
    this.resident.clear();
    this.buffers.destroy();
    this.dispatcher.destroy();
  }
}

function hostTensorOf(node: Node, shape: number[], words: ArrayBuffer): HostTensor {
  const data = node.dtype === 'f32' ? new Float32Array(words) : node.dtype === 'bool' ? Uint8Array.from(new Int32Array(words)) : new Int32Array(words);
  return { dtype: node.dtype, shape, data };
}
