/** Shared by the pass tests: small BERT graphs with and without the passes, random weights and inputs. */
import * as assert from 'uvu/assert';
import { runGraph } from '../../../backends/cpu/index.ts';
import { hostTensor, type HostTensor } from '../../../backends/tensor.ts';
import { dimEval } from '../../../compiler/ir/dim.ts';
import { type Graph, graphNodes } from '../../../compiler/ir/graph.ts';
import type { Op } from '../../../compiler/ir/ops.ts';
import { compileGraph, optimizeGraph, type PassOptions } from '../../../compiler/pipeline.ts';
import { expectedParams } from '../../../runtime/cpu-model.ts';
import { normalSampler, randomTensors } from '../../../runtime/weights/random-checkpoint.ts';
import { BERT_SOURCE, relativeError } from '../../specs/bert-helpers.ts';

export type Weights = Map<string, Float32Array | Int32Array>;

export const SMALL = { hidden_size: 24, num_attention_heads: 3, num_hidden_layers: 2, intermediate_size: 40, vocab_size: 53, max_position_embeddings: 24, type_vocab_size: 2 };

export function bert(entry: string, config: Record<string, unknown> = {}, inputs: string[] = [], fn?: string): Graph {
  return compileGraph(BERT_SOURCE, { entry, config: { ...SMALL, ...config }, inputs, ...(fn ? { fn } : {}) });
}

export function fused(g: Graph, opts: PassOptions = {}): Graph {
  return optimizeGraph(g, opts).graph;
}

export const countOp = (g: Graph, op: Op): number => graphNodes(g).filter((n) => n.op === op).length;

export function weightsFor(graph: Graph, seed: number): Weights {
  return new Map(Object.entries(randomTensors(expectedParams(graph), { seed, std: 0.2 })).map(([k, t]) => [k, t.data as Float32Array]));
}

/**
 * Weights drawn as Hugging Face initialises BERT (normal, std = initializer_range = 0.02), for the precision tests.
 * With std 0.2 (the fp32 tests' choice, to make every op matter) bf16's 8-bit significand drifts to 1–2e-2 over two
 * layers on some configs.
 */
export function hfWeights(graph: Graph, seed: number): Weights {
  return new Map(Object.entries(randomTensors(expectedParams(graph), { seed, std: 0.02 })).map(([k, t]) => [k, t.data as Float32Array]));
}

/** The index of the largest value of each row of a [rows, width] tensor (top-1 predictions). */
export function argmaxRows(data: ArrayLike<number>, width: number): number[] {
  return Array.from({ length: data.length / width }, (_, r) => {
    let best = 0;
    for (let c = 1; c < width; c++) if (data[r * width + c]! > data[r * width + best]!) best = c;
    return best;
  });
}

/** Every input of the graph: ids in range, masks padded at the end of every other row, normal floats otherwise. */
export function inputsFor(graph: Graph, env: Record<string, number>, seed: number): Record<string, HostTensor> {
  const rand = normalSampler(seed);
  const out: Record<string, HostTensor> = {};
  for (const node of graph.inputs) {
    const name = node.arg['name'] as string;
    const shape = node.shape.map((d) => dimEval(d, env));
    const n = shape.reduce((a, b) => a * b, 1);
    const last = shape[shape.length - 1] ?? 1;
    const range = node.arg['range'] as [number, number] | undefined;
    const values = (i: number): number => {
      if (node.dtype === 'f32') return name === 'head_mask' ? Math.abs(rand()) : rand();
      if (name.endsWith('mask')) return Math.floor(i / last) % 2 === 1 && i % last >= last - 2 ? 0 : 1;
      return (Math.floor(Math.abs(rand() * 1e4)) % (range ? range[1] - range[0] : 2)) + (range?.[0] ?? 0);
    };
    out[name] = hostTensor(node.dtype, shape, Array.from({ length: n }, (_, i) => values(i)));
  }
  return out;
}

/**
 * The traced graph and its fused form on the CPU reference, same random weights (seed 7) and inputs (seed 3): every
 * f32 output within 1e-4 relative error.
 */
export function assertFusedMatches(g: Graph, f: Graph, env: Record<string, number>): void {
  const weights = weightsFor(g, 7);
  const x = inputsFor(g, env, 3);
  const want = runGraph(g, x, weights);
  const got = runGraph(f, x, weights);
  for (const name of Object.keys(want)) {
    if (want[name]!.dtype !== 'f32') continue;
    const err = relativeError(got[name]!.data, want[name]!.data);
    assert.ok(err <= 1e-4, `${name}: ${err}`);
  }
}
