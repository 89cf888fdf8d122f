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
import { deviceWords, DeviceBuffers } from './buffers.ts';
import { indexChecks, type IndexCheck } from './checks.ts';
import { type CompiledKernel, type GpuContext, webgpuContext } from './context.ts';
import { Dispatcher } from './dispatch.ts';

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

export class WebGpuModel {
  private disposed = false;
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly graph: Graph,
    readonly program: WgslProgram,
    readonly context: GpuContext,
    private readonly buffers: DeviceBuffers,
    private readonly dispatcher: Dispatcher,
    private readonly checks: readonly IndexCheck[],
  ) {}

  /** `program` is `compileWgsl(graph)`, made by the compiler (this file never imports it, so bundles stay small). */
  static async load(graph: Graph, program: WgslProgram, weights: Weights, opts: WebGpuLoadOptions = {}): Promise<WebGpuModel> {
    const nodes = new Map(graphNodes(graph).map((n) => [n.id, n]));
    // Weights are checked before any device work, so a wrong checkpoint fails fast and with the CPU's message.
    const params = program.buffers.flatMap((b, id) => {
      if (b.kind !== 'param') return [];
      const node = nodes.get(b.node!)!;
      const shape = node.shape.map((d) => dimValue(d)!);
      return [[id, deviceWords(loadParam(node, shape, weights).data)] as const];
    });
    const context = opts.context ?? (await webgpuContext());
    const device = context.device;
    const kernels: CompiledKernel[] = await Promise.all(program.kernels.map((k) => context.pipeline(k)));
    return scoped(device, 'loading the model', () => {
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
    });
  }

  get adapterName(): string {
    return this.context.adapterName;
  }

  /** Device bytes this model holds now (parameters, constants, inputs and the planned pool). */
  get deviceBytes(): number {
    return this.buffers.bytes;
  }

  /** Runs the graph; inputs and outputs as for the CPU reference's `runGraph`. Calls run one at a time. */
  forward(inputs: Readonly<Record<string, HostTensor>>): Promise<Record<string, HostTensor>> {
    if (this.disposed) return Promise.reject(new UserError('this model was disposed; load it again to run it'));
    let bound: ReturnType<typeof bindInputs>;
    try {
      bound = bindInputs(this.graph, inputs);
      for (const c of this.checks) c.check(bound.values, bound.env);
    } catch (e) {
      return Promise.reject(e);
    }
    const run = this.chain.then(() => {
      if (this.disposed) throw new UserError('this model was disposed; load it again to run it');
      return this.run(bound.env, bound.values);
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async run(env: Record<string, number>, values: Map<number, HostTensor>): Promise<Record<string, HostTensor>> {
    const device = this.context.device;
    const words = await scoped(device, 'running the model', () => {
      this.dispatcher.prepare(env);
      this.program.buffers.forEach((b, id) => {
        if (b.kind === 'input') this.buffers.write(id, deviceWords(values.get(b.node!)!.data));
      });
      return this.dispatcher.encodeAndSubmit();
    });
    const out: Record<string, HostTensor> = {};
    for (const o of this.program.outputs) {
      const node = this.graph.outputs.find((g) => g.name === o.name)!.node;
      out[o.name] = hostTensorOf(node, node.shape.map((d) => dimEval(d, env)), words.get(o.buffer)!);
    }
    return out;
  }

  /** Frees the model's device memory (after a forward in flight, if any); the shared device stays. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    void this.chain.then(() => {
      this.buffers.destroy();
      this.dispatcher.destroy();
    });
  }
}

function hostTensorOf(node: Node, shape: number[], words: ArrayBuffer): HostTensor {
  const data = node.dtype === 'f32' ? new Float32Array(words) : node.dtype === 'bool' ? Uint8Array.from(new Int32Array(words)) : new Int32Array(words);
  return { dtype: node.dtype, shape, data };
}
