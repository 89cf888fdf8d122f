/**
 * Tuned GEMM and attention kernels compute what the default ones do: every tile candidate of compiler/kernel/tuning.ts
 * on WebGPU against the CPU reference at odd sizes (batched, transposed, with an epilogue), and a small fused BERT
 * with non-default tiles. fp32 relative error ≤ 1e-4.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runGraph } from '../../../backends/cpu/index.ts';
import type { HostTensor } from '../../../backends/tensor.ts';
import { compileWgsl } from '../../../backends/wgsl/program.ts';
import type { Graph } from '../../../compiler/ir/graph.ts';
import { Op } from '../../../compiler/ir/ops.ts';
import { optimizeGraph } from '../../../compiler/pipeline.ts';
import { ATTENTION_CANDIDATES, DEFAULT_TUNING, MATMUL_CANDIDATES, type Tuning } from '../../../compiler/kernel/tuning.ts';
import { expectedParams } from '../../../runtime/cpu-model.ts';
import { WebGpuModel } from '../../../runtime/webgpu/model.ts';
import { randomTensors } from '../../../runtime/weights/random-checkpoint.ts';
import { Builder, randoms } from '../../backends/cpu/helpers.ts';
import { compileBert } from '../../specs/bert-helpers.ts';
import { assertMatches, gpu, type Weights } from './helpers.ts';

async function compareTuned(graph: Graph, inputs: Record<string, HostTensor>, tuning: Tuning, weights: Weights = new Map()): Promise<void> {
  const context = await gpu();
  if (!context) return;
  const want = runGraph(graph, inputs, weights);
  const program = compileWgsl(graph, { tuning });
  const model = await WebGpuModel.load(graph, program, weights, { context });
  try {
    const got = await model.forward(inputs);
    for (const name of Object.keys(want)) assertMatches(`${name} with ${JSON.stringify(tuning)}`, got[name]!, want[name]!);
  } finally {
    model.dispose();
  }
}

const f32 = (shape: number[], seed: number): HostTensor => ({ dtype: 'f32', shape, data: Float32Array.from(randoms(shape.reduce((a, b) => a * b, 1), seed)) });

/** [2, 37, 50] · [50, 29]ᵀ-read weight + bias (epilogue), and a batched [2, 37, 50] · [2, 50, 19]. */
function gemmGraphs(): [Graph, Record<string, HostTensor>][] {
  const b = new Builder();
  const x = b.input('x', 'f32', [2, 37, 50]);
  const w = b.input('w', 'f32', [29, 50]);
  const bias = b.input('bias', 'f32', [29]);
  const wt = b.op(Op.Permute, 'f32', [50, 29], [w], { perm: [1, 0] });
  const y = b.op(Op.Add, 'f32', [2, 37, 29], [b.op(Op.MatMul, 'f32', [2, 37, 29], [x, wt]), bias]);
  const fused = optimizeGraph(b.graph({ y })).graph;
  const c = new Builder();
  const p = c.input('p', 'f32', [2, 37, 50]);
  const q = c.input('q', 'f32', [2, 50, 19]);
  const batched = c.graph({ z: c.op(Op.MatMul, 'f32', [2, 37, 19], [p, q]) });
  return [
    [fused, { x: f32([2, 37, 50], 1), w: f32([29, 50], 2), bias: f32([29], 3) }],
    [batched, { p: f32([2, 37, 50], 4), q: f32([2, 50, 19], 5) }],
  ];
}

test('every GEMM tile candidate matches the CPU reference (epilogue, transposed weight, batched)', async () => {
  if (!(await gpu())) return;
  const graphs = gemmGraphs();
  assert.ok(graphs[0]![0].outputs[0]!.node.op === Op.MatMulEpilogue, 'the bias was fused into the GEMM');
  for (const matmul of MATMUL_CANDIDATES) for (const [g, inputs] of graphs) await compareTuned(g, inputs, { ...DEFAULT_TUNING, matmul });
});

test('every attention candidate matches the CPU reference (19 queries, head size 8, masked keys)', async () => {
  if (!(await gpu())) return;
  const b = new Builder();
  const [h, s, d] = [3, 19, 8];
  const q = b.input('q', 'f32', [1, h, s, d]);
  const k = b.input('k', 'f32', [1, h, s, d]);
  const v = b.input('v', 'f32', [1, h, s, d]);
  const mask = b.input('mask', 'f32', [1, 1, 1, s]);
  const g = b.graph({ o: b.op(Op.Attention, 'f32', [1, h, s, d], [q, k, v, mask], { scale: 0.35 }) });
  const maskData = Float32Array.from({ length: s }, (_, i) => (i % 5 === 4 ? -1e4 : 0));
  const inputs = { q: f32([1, h, s, d], 6), k: f32([1, h, s, d], 7), v: f32([1, h, s, d], 8), mask: { dtype: 'f32', shape: [1, 1, 1, s], data: maskData } as HostTensor };
  for (const attention of ATTENTION_CANDIDATES) await compareTuned(g, inputs, { ...DEFAULT_TUNING, attention });
});

test('a small fused BERT with non-default tiles matches the CPU reference', async () => {
  if (!(await gpu())) return;
  const traced = compileBert('BertModel', { hidden_size: 32, num_attention_heads: 2, num_hidden_layers: 1, intermediate_size: 48, vocab_size: 50, max_position_embeddings: 16 });
  const graph = optimizeGraph(traced).graph;
  const weights = new Map(Object.entries(randomTensors(expectedParams(graph), { seed: 3, std: 0.2 })).map(([n, t]) => [n, t.data as Float32Array]));
  const ids: HostTensor = { dtype: 'i32', shape: [2, 11], data: Int32Array.from({ length: 22 }, (_, i) => (i * 13 + 5) % 50) };
  await compareTuned(graph, { input_ids: ids }, { matmul: { tile: 32, per: 2, slab: 16 }, attention: { rows: 16 } }, weights);
});

test('fp16 BERT: every GEMM tile candidate (narrow vector stores of 4 or 8 columns a thread) matches the lowered CPU reference', async () => {
  if (!(await gpu())) return;
  const traced = compileBert('BertModel', { hidden_size: 32, num_attention_heads: 2, num_hidden_layers: 1, intermediate_size: 48, vocab_size: 50, max_position_embeddings: 16 });
  const graph = optimizeGraph(traced, { precision: 'fp16' }).graph;
  const weights = new Map(Object.entries(randomTensors(expectedParams(graph), { seed: 4, std: 0.2 })).map(([n, t]) => [n, t.data as Float32Array]));
  const ids: HostTensor = { dtype: 'i32', shape: [2, 11], data: Int32Array.from({ length: 22 }, (_, i) => (i * 7 + 3) % 50) };
  for (const matmul of MATMUL_CANDIDATES) await compareTuned(graph, { input_ids: ids }, { ...DEFAULT_TUNING, matmul }, weights);
});

test.run();
