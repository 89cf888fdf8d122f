/**
 * A graph compiled to CUDA and bound to weights on a GPU: the CUDA counterpart of WebGpuModel, with the same API
 * and the same host-side checks (the CPU reference's weight and input checks, same messages).
 *
 * Loading checks the weights, loads the module image (a cubin for the device's architecture or PTX the driver
 * compiles), and uploads parameters and constants. The program and images are compiled beforehand (load.ts's
 * `loadCudaModel` compiles them on the fly; a generated package reads them from its files), so this file and what it
 * imports hold no compiler and can go into a package bundle. A forward binds the inputs,
 * sizes inputs and memory-plan slots for the bound symbols (growing only), queues every launch on the context's
 * stream, and copies the outputs back.
 *
 * @example
 * const model = await CudaModel.load(graph, weights, { program, images }); // or loadCudaModel(graph, weights)
 * const { last_hidden_state } = await model.forward({ input_ids: ids });
 * model.dispose();
 */
import { bindInputs, loadParam } from '../../backends/cpu/bind.ts';
import { paramDeviceData } from '../weights/device-storage.ts';
import { bindProgram, type BoundProgram, constWords, hostTensorOf, roundBytes } from '../../backends/cuda/binding.ts';
import type { CudaTarget } from '../../backends/cuda/compile.ts';
import type { CudaProgram } from '../../backends/cuda/program.ts';
import type { HostTensor } from '../../backends/tensor.ts';
import { dimEval, dimParse, dimValue } from '../../compiler/ir/dim.ts';
import { type Graph, graphNodes } from '../../compiler/ir/graph.ts';
import { UserError } from '../../dsl/errors.ts';
import { DeviceTensor, splitDeviceInputs } from '../device-tensor.ts';
import { indexChecks, type IndexCheck } from '../webgpu/checks.ts';
import { type CudaContext, cudaContext, type KernelArgs, packArgs, pickImage } from './context.ts';
import type { DevicePtr, Handle } from './driver.ts';

export type Weights = ReadonlyMap<string, Float32Array | Int32Array>;
type Env = Record<string, number>;

export interface CudaLoadOptions {
  /** The graph's program (`compileCuda(graph)`); loadCudaModel compiles it when absent. */
  readonly program?: CudaProgram;
  /** Images built earlier (`compileCudaSource(cudaModuleSource(program.kernels)).images`); loadCudaModel builds them with nvcc. */
  readonly images?: ReadonlyMap<CudaTarget, Uint8Array>;
  /** One module image to load as it is, whatever the device (for tests: the host emulation's stand-in driver). */
  readonly image?: Uint8Array;
  readonly context?: CudaContext;
}

const words = (data: Float32Array | Int32Array | Uint8Array): Float32Array | Int32Array => (data instanceof Uint8Array ? Int32Array.from(data) : data);
const DISPOSED = 'this model was disposed; load it again to run it';

export interface CudaForwardOptions {
  /** Outputs to keep on the device as DeviceTensors (e.g. a decoder's `past_key_values`) instead of downloading. */
  readonly keepOnDevice?: readonly string[];
}

type Inputs = Readonly<Record<string, HostTensor | DeviceTensor>>;

export class CudaModel {
  private disposed = false;
  private chain: Promise<unknown> = Promise.resolve();
  /** Device memory by region key (binding.ts): parameters and constants from load, inputs and slots as needed. */
  private readonly memory = new Map<string, { ptr: DevicePtr; bytes: number }>();
  private prepared: { key: string; bound: BoundProgram; args: KernelArgs[] } | undefined;
  /** Outputs kept on the device that are not disposed yet: freed with the model. */
  private readonly resident = new Set<DeviceTensor<DevicePtr>>();

  private constructor(
    readonly graph: Graph,
    readonly program: CudaProgram,
    readonly context: CudaContext,
    readonly target: string,
    private readonly module: Handle,
    private readonly kernels: readonly Handle[],
    private readonly checks: readonly IndexCheck[],
  ) {}

  static async load(graph: Graph, weights: Weights, opts: CudaLoadOptions = {}): Promise<CudaModel> {
    const program = opts.program;
    if (!program || !(opts.images || opts.image)) throw new Error('CudaModel.load needs a compiled program and module images (loadCudaModel compiles them)');
    const nodes = new Map(graphNodes(graph).map((n) => [n.id, n]));
    // Weights are checked before any device work, so a wrong checkpoint fails fast and with the CPU's message.
    const params = program.buffers.flatMap((b, id) => {
      if (b.kind !== 'param') return [];
      const node = nodes.get(b.node!)!;
      const shape = node.shape.map((d) => dimValue(d)!);
      return [[id, paramDeviceData(b, shape, loadParam(node, shape, weights).data)] as const];
    });
    const context = opts.context ?? cudaContext();
    context.use();
    let picked: { target: string; image: Uint8Array };
    if (opts.image) picked = { target: 'given', image: opts.image };
    else picked = pickImage(opts.images!, context.info.computeCapability);
    const module = context.loadModule(picked.image);
    const model = new CudaModel(graph, program, context, picked.target, module, [], indexChecks(graph));
    try {
      (model.kernels as Handle[]).push(...program.kernels.map((k) => context.kernel(module, k.entry)));
      for (const [id, data] of params) model.own(`b${id}`, data.byteLength).upload(data);
      program.buffers.forEach((b, id) => {
        if (b.kind === 'const') model.own(`b${id}`, 4 * dimValue(dimParse(b.size))!).upload(constWords(program, id, {}));
      });
    } catch (e) {
      model.release();
      throw e;
    }
    return model;
  }

  /** Memory for a region key of at least `bytes`, reallocated (contents lost) when it is too small. */
  private own(key: string, bytes: number): { ptr: DevicePtr; upload: (data: ArrayBufferView) => void } {
    const want = roundBytes(bytes);
    let m = this.memory.get(key);
    if (!m || m.bytes < want) {
      if (m) this.context.free(m.ptr);
      this.memory.delete(key);
      m = { ptr: this.context.alloc(want), bytes: want };
      this.memory.set(key, m);
      this.prepared = undefined;
    }
    const ptr = m.ptr;
    return { ptr, upload: (data) => this.context.upload(ptr, data) };
  }

  /** Device bytes this model holds now. */
  get deviceBytes(): number {
    return [...this.memory.values()].reduce((n, m) => n + m.bytes, 0);
  }

  /** Registers, local memory and static shared memory of each kernel as loaded on this device. */
  kernelAttributes(): { entry: string; registers: number; localBytes: number; sharedBytes: number }[] {
    return this.program.kernels.map((k, i) => ({ entry: k.entry, ...this.context.kernelAttributes(this.kernels[i]!) }));
  }

  /**
   * Runs the graph; inputs and outputs as for the CPU reference's `runGraph`. Calls run one at a time. An input may
   * be a DeviceTensor this model returned earlier (kept with `keepOnDevice`): it is copied on the device.
   */
  forward(inputs: Inputs): Promise<Record<string, HostTensor>>;
  forward(inputs: Inputs, opts: CudaForwardOptions): Promise<Record<string, HostTensor | DeviceTensor>>;
  forward(inputs: Inputs, opts: CudaForwardOptions = {}): Promise<Record<string, HostTensor | DeviceTensor>> {
    if (this.disposed) return Promise.reject(new UserError(DISPOSED));
    let bound: ReturnType<typeof bindInputs>;
    const fromDevice = new Map<string, DeviceTensor<DevicePtr>>();
    const keep = new Set(opts.keepOnDevice ?? []);
    try {
      const { host, resident } = splitDeviceInputs(this, inputs, this.graph.outputs.map((o) => o.name), keep);
      for (const [name, v] of Object.entries(resident)) fromDevice.set(name, v as DeviceTensor<DevicePtr>);
      bound = bindInputs(this.graph, host, resident);
      for (const c of this.checks) c.check(bound.values, bound.env);
    } catch (e) {
      return Promise.reject(e);
    }
    const run = this.chain.then(() => {
      if (this.disposed) throw new UserError(DISPOSED);
      this.upload(bound.env, bound.values, fromDevice);
      this.enqueue();
      return this.readOutputs(bound.env, keep);
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Milliseconds per forward on the device, by CUDA events around `iterations` back-to-back runs of every launch
   * (inputs uploaded once, outputs not copied back), after `warmup` untimed runs.
   */
  async time(inputs: Readonly<Record<string, HostTensor>>, iterations = 10, warmup = 2): Promise<number> {
    await this.forward(inputs);
    const { env, values } = bindInputs(this.graph, inputs);
    this.upload(env, values);
    for (let i = 0; i < warmup; i++) this.enqueue();
    const [start, end] = [this.context.event(), this.context.event()];
    try {
      this.context.record(start);
      for (let i = 0; i < iterations; i++) this.enqueue();
      this.context.record(end);
      return this.context.elapsed(start, end) / iterations;
    } finally {
      this.context.destroyEvent(start);
      this.context.destroyEvent(end);
    }
  }

  /**
   * Milliseconds of each launch of one forward (events between launches, after a warm-up run), with the kernel's
   * description, for finding where the time goes. Event resolution is about half a microsecond.
   */
  async profile(inputs: Readonly<Record<string, HostTensor>>): Promise<{ launch: number; kernel: string; ms: number }[]> {
    await this.forward(inputs);
    const { env, values } = bindInputs(this.graph, inputs);
    this.upload(env, values);
    const { bound, args } = this.prepared!;
    const live = bound.launches.flatMap((l, i) => (l.grid[0] > 0 ? [i] : []));
    const events = [this.context.event(), ...live.map(() => this.context.event())];
    try {
      this.context.record(events[0]!);
      live.forEach((i, j) => {
        const l = bound.launches[i]!;
        this.context.launch(this.kernels[l.kernel]!, l.grid, l.block, args[i]!);
        this.context.record(events[j + 1]!);
      });
      return live.map((i, j) => ({ launch: i, kernel: this.program.kernels[bound.launches[i]!.kernel]!.name, ms: this.context.elapsed(events[j]!, events[j + 1]!) }));
    } finally {
      events.forEach((e) => this.context.destroyEvent(e));
    }
  }

  private upload(env: Env, values: ReadonlyMap<number, HostTensor>, fromDevice: ReadonlyMap<string, DeviceTensor<DevicePtr>> = new Map()): void {
    this.context.use();
    const key = JSON.stringify(Object.entries(env).sort());
    const bound = this.prepared?.key === key ? this.prepared.bound : bindProgram(this.program, env, this.context.info.maxGridX);
    bound.regions.forEach((r) => {
      const b = r.buffer === undefined ? undefined : this.program.buffers[r.buffer]!;
      if (b?.kind === 'param' || b?.kind === 'const') return;
      const mem = this.own(r.key, r.bytes);
      if (b?.kind !== 'input') return;
      const name = this.graph.inputs.find((n) => n.id === b.node)!.arg['name'] as string;
      const t = fromDevice.get(name);
      // checked again: a device tensor may have been disposed while this forward waited its turn
      if (t) this.context.copy(mem.ptr, t.handleFor(this, name), t.bytes);
      else mem.upload(words(values.get(b.node!)!.data));
    });
    if (this.prepared?.key !== key) {
      const ptr = (region: number) => this.memory.get(bound.regions[region]!.key)!.ptr;
      this.prepared = { key, bound, args: bound.launches.map((l) => packArgs(l.regions.map(ptr), l.uniforms)) };
    }
  }

  private enqueue(): void {
    const { bound, args } = this.prepared!;
    bound.launches.forEach((l, i) => {
      if (l.grid[0] > 0) this.context.launch(this.kernels[l.kernel]!, l.grid, l.block, args[i]!);
    });
  }

  private readOutputs(env: Env, keep: ReadonlySet<string>): Record<string, HostTensor | DeviceTensor> {
    const { bound } = this.prepared!;
    const out: Record<string, HostTensor | DeviceTensor> = {};
    for (const t of this.resident) if (t.disposed) this.resident.delete(t);
    for (const o of this.program.outputs) {
      const node = this.graph.outputs.find((g) => g.name === o.name)!.node;
      const shape = node.shape.map((d) => dimEval(d, env));
      const ptr = this.memory.get(bound.regions[bound.regionOf[o.buffer]!]!.key)!.ptr;
      const bytes = 4 * shape.reduce((a, b) => a * b, 1);
      if (keep.has(o.name)) {
        // its own memory, copied on the stream after the launches: later forwards reuse the pool, not this
        const own = this.context.alloc(roundBytes(bytes));
        const t = new DeviceTensor(this, o.name, node.dtype, shape, own, bytes, (p: DevicePtr) => this.context.free(p));
        this.resident.add(t);
        this.context.copy(own, ptr, bytes);
        out[o.name] = t;
      } else out[o.name] = hostTensorOf(node, shape, this.context.download(ptr, bytes));
    }
    return out;
  }

  private release(): void {
    for (const t of this.resident) t.dispose();
    this.resident.clear();
    for (const m of this.memory.values()) this.context.free(m.ptr);
    this.memory.clear();
    this.prepared = undefined;
    this.context.unloadModule(this.module);
  }

  /** Frees the model's device memory and module (after a forward in flight, if any); the context stays. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    void this.chain.then(() => this.release());
  }
}
