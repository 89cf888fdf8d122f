/**
 * Forward time on WebGPU (SwiftShader on a CPU-only machine) of one BERT graph compiled three ways, side by side in
 * one run: every pass (LayerNorm inside the matmul), every pass but fuse-norm (LayerNorm as its own launch), and no
 * pass at all. Each model is checked against the CPU reference first (fp32, relative error).
 *
 *   node --import tsx scripts/bench-fusion.ts [hidden=768] [layers=2] [S=128] [runs=3]
 */
import { runGraph } from '../backends/cpu/index.ts';
import { compileGraph, compileKernels, optimizeGraph, type PassOptions } from '../compiler/pipeline.ts';
import { reportOf } from '../compiler/report.ts';
import { closeWebGpu, loadWebGpuModel } from '../runtime/webgpu/index.ts';
import { inputsFor, weightsFor } from '../tests/compiler/passes/helpers.ts';
import { BERT_SOURCE } from '../tests/specs/bert-helpers.ts';
import { assertMatches } from '../tests/runtime/webgpu/helpers.ts';

const [hidden = 768, layers = 2, S = 128, runs = 3] = process.argv.slice(2).map(Number);
const heads = hidden / 64 >= 1 ? Math.max(1, Math.round(hidden / 64)) : 1;
const config = { hidden_size: hidden, num_attention_heads: heads, num_hidden_layers: layers, intermediate_size: 4 * hidden, vocab_size: 1000, max_position_embeddings: 512 };
const env = { B: 1, S };
const graph = compileGraph(BERT_SOURCE, { entry: 'BertModel', config, inputs: [] });
const weights = weightsFor(graph, 3);
const inputs = inputsFor(graph, env, 8);
const want = runGraph(graph, inputs, weights);

const variants: [string, PassOptions][] = [
  ['every pass (LayerNorm in the matmul)', {}],
  ['every pass but fuse-norm', { fuseNorm: false }],
  ['no pass', { fuseAttention: false, fuseEpilogue: false, fuseQkv: false, fuseNorm: false }],
];
console.log(`BertModel hidden ${hidden}, ${heads} heads, ${layers} layers, B=1 S=${S}, ${runs} runs each`);
console.log('variant                              kernels/layer  dispatches  ms/forward  rel.err');
for (const [name, opts] of variants) {
  const g = optimizeGraph(graph, opts).graph;
  const { schedule, plan } = compileKernels(g);
  const r = reportOf(g, schedule, plan, env);
  const model = await loadWebGpuModel(g, weights);
  try {
    const got = await model.forward(inputs);
    const err = Math.max(...Object.keys(want).map((k) => assertMatches(k, got[k]!, want[k]!, 1e-4)));
    const t = performance.now();
    for (let i = 0; i < runs; i++) await model.forward(inputs);
    const ms = (performance.now() - t) / runs;
    console.log(`${name.padEnd(37)}${String(r.kernelsPerLayer).padStart(13)}${String(r.dispatches).padStart(12)}${ms.toFixed(0).padStart(12)}  ${err.toExponential(1)}`);
  } finally {
    model.dispose();
  }
}
await closeWebGpu();
