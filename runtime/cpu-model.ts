/**
 * A compiled graph bound to checkpoint weights and run by the CPU reference executor.
 *
 * This is the oracle path: slow, simple, and what every other backend is compared with. Input checking lives here
 * (and in the executor) so bad arguments are reported by their API names before any work is done.
 */
import { runGraph } from '../backends/cpu/index.ts';
import { hostTensor, type HostTensor } from '../backends/tensor.ts';
import { dimValue, shapeToString } from '../compiler/ir/dim.ts';
import { type Graph, graphParams, type Node, type ParamArg } from '../compiler/ir/graph.ts';
import { UserError } from '../dsl/errors.ts';
import { bindWeights, type ExpectedParam } from './weights/bind.ts';
import { openCheckpoint } from './weights/checkpoint.ts';
import type { SafetensorsFile } from './weights/safetensors.ts';

/** Nested arrays (`[[101, 2023, 102]]`), or a flat typed array with its shape. */
export type InputValue = HostTensor | readonly number[] | readonly (readonly number[])[] | readonly (readonly (readonly number[])[])[];

export interface LoadOptions {
  readonly accumulate?: 'f64' | 'f32';
  readonly onProgress?: (done: number, total: number, name: string) => void;
}

/** The parameters a graph needs, with the concrete shapes the checkpoint must have. */
export function expectedParams(graph: Graph): ExpectedParam[] {
  const dtype = (n: Node): 'i32' | 'f32' => (n.dtype === 'i32' ? 'i32' : 'f32');
  // a derived parameter (ParamArg.concat) needs its parts; parts shared with plain parameters are listed once
  const all = graphParams(graph).flatMap((n): ExpectedParam[] => {
    const concat = (n.arg as unknown as ParamArg).concat;
    if (concat) return concat.parts.map((p) => ({ name: p.name, ...(p.aliases ? { aliases: p.aliases } : {}), shape: [...p.shape], dtype: dtype(n) }));
    const shape = n.shape.map((d) => dimValue(d));
    if (shape.some((d) => d === undefined)) throw new Error(`parameter ${String(n.arg['name'])} has a symbolic shape ${shapeToString(n.shape)}`);
    const aliases = n.arg['aliases'] as string[] | undefined;
    return [{ name: n.arg['name'] as string, ...(aliases ? { aliases } : {}), shape: shape as number[], dtype: dtype(n) }];
  });
  return [...new Map(all.map((p) => [p.name, p])).values()];
}

/** Converts API-friendly input values to host tensors, naming the argument in every error. */
export function toHostTensor(name: string, value: InputValue, dtype: 'f32' | 'i32' | 'bool'): HostTensor {
  if (value && typeof value === 'object' && 'data' in value && 'shape' in value) return value;
  if (!Array.isArray(value)) throw new UserError(`argument ${name}: expected a nested array of numbers or { dtype, shape, data }`);
  const shape: number[] = [];
  for (let level: unknown = value; Array.isArray(level); level = level[0]) shape.push(level.length);
  const flat = (value as unknown[]).flat(shape.length) as unknown[];
  const size = shape.reduce((a, b) => a * b, 1);
  if (flat.length !== size || flat.some((v) => typeof v !== 'number')) {
    throw new UserError(`argument ${name}: rows have different lengths or hold non-numbers (shape would be [${shape.join(', ')}])`);
  }
  if (dtype !== 'f32' && flat.some((v) => !Number.isInteger(v))) throw new UserError(`argument ${name}: expected integers, got ${flat.find((v) => !Number.isInteger(v))}`);
  return hostTensor(dtype, shape, flat as number[]);
}

export class CpuModel {
  private disposed = false;

  constructor(
    readonly graph: Graph,
    private weights: Map<string, Float32Array | Int32Array> | undefined,
    private readonly opts: LoadOptions = {},
    /** Checkpoint tensors the graph did not use (HF reports these too). */
    readonly unusedWeights: readonly string[] = [],
  ) {}

  /** Runs the graph; inputs are named as in the model source (`input_ids`, `attention_mask`, ...). */
  forward(inputs: Readonly<Record<string, InputValue>>): Record<string, HostTensor> {
    if (this.disposed || !this.weights) throw new UserError('this model was disposed; load it again to run it');
    const known = new Map(this.graph.inputs.map((n) => [n.arg['name'] as string, n]));
    const host: Record<string, HostTensor> = {};
    for (const [name, value] of Object.entries(inputs)) {
      if (value === undefined) continue;
      const node = known.get(name);
      if (!node) throw new UserError(`unknown input '${name}'; ${this.graph.entry} takes ${[...known.keys()].join(', ')}`);
      host[name] = toHostTensor(name, value, node.dtype as 'f32' | 'i32' | 'bool');
    }
    for (const t of Object.values(host)) {
      if (t.shape.some((d) => d === 0)) throw new UserError(`empty batch: an input has shape [${t.shape.join(', ')}]; every dimension must be at least 1`);
    }
    return runGraph(this.graph, host, this.weights, this.opts.accumulate ? { accumulate: this.opts.accumulate } : {});
  }

  dispose(): void {
    this.disposed = true;
    this.weights = undefined;
  }
}

/** Binds a graph to a checkpoint directory (model.safetensors or shards) or to already-opened files. */
export function loadCpuModel(graph: Graph, checkpoint: string | readonly SafetensorsFile[], opts: LoadOptions = {}): CpuModel {
  const files = typeof checkpoint === 'string' ? openCheckpoint(checkpoint) : checkpoint;
  try {
    const bound = bindWeights(expectedParams(graph), files, opts.onProgress ? { onProgress: opts.onProgress } : {});
    return new CpuModel(graph, bound.tensors, opts, bound.unused);
  } finally {
    if (typeof checkpoint === 'string') for (const f of files) f.close();
  }
}
