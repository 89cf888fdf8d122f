/**
 * Forward time on WebGPU (SwiftShader on a CPU-only machine) of one BERT graph compiled three ways, side by side in
 * one run: every pass (LayerNorm inside the matmul), every pass but fuse-norm (LayerNorm as its own launch), and no
 * pass at all. The worst relative error of each against the float64 CPU reference is printed beside it.
 *
 *   node --import tsx scripts/bench-fusion.ts [hidden=768] [layers=2] [S=128] [runs=3]
 */
import { runGraph } from '../backends/cpu/index.ts';
import { compileGraph, compileKernels, optimizeGraph, type PassOptions } from '../compiler/pipeline.ts';
import { reportOf } from '../compiler/report.ts';
import { closeWebGpu, loadWebGpuModel } from '../runtime/webgpu/index.ts';
import { inputsFor, weightsFor } from '../tests/compiler/passes/helpers.ts';
import { BERT_SOURCE } from '../tests/specs/bert-helpers.ts';
import { relativeError } from '../tests/specs/bert-helpers.ts';

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
  ['no pass', { fuseAttention: false, fuseEpilogue: false, fuseQkv: false, fuseNorm: false, fuseAddNorm: false }],
];
console.log(`BertModel hidden ${hidden}, ${heads} heads, ${layers} layers, B=1 S=${S}, ${runs} runs each, the variants alternating`);
console.log('variant                              kernels/layer  dispatches  ms/forward  rel.err');
const graphs = variants.map(([, opts]) => optimizeGraph(graph, opts).graph);
const models = [];
for (const g of graphs) models.push(await loadWebGpuModel(g, weights));
const errs: number[] = [];
for (const m of models) {
  const got = await m.forward(inputs);
  errs.push(Math.max(...Object.keys(want).map((k) => relativeError(got[k]!.data, want[k]!.data))));
}
const ms = models.map(() => 0);
for (let i = 0; i < runs; i++) {
  for (const [v, m] of models.entries()) {
    const t = performance.now();
    await m.forward(inputs);
    ms[v]! += (performance.now() - t) / runs;
  }
}
variants.forEach(([name], v) => {
  const { schedule, plan } = compileKernels(graphs[v]!);
  const r = reportOf(graphs[v]!, schedule, plan, env);
  console.log(`${name.padEnd(37)}${String(r.kernelsPerLayer).padStart(13)}${String(r.dispatches).padStart(12)}${ms[v]!.toFixed(0).padStart(12)}  ${errs[v]!.toExponential(1)}`);
});
for (const m of models) m.dispose();
await closeWebGpu();
