/**
 * Forward time of one BERT entry point at fp32, fp16 and bf16 storage on the WebGPU adapter (SwiftShader here: no
 * shader-f16, so fp16 runs the packed-u32 kernels), side by side in one run: median milliseconds per forward after a
 * warm-up, the ratio to fp32, device bytes held, and the relative error of the output against the fp32 run. The
 * three models are loaded together and their forwards interleaved, so a busy machine slows all three alike.
 *
 *   node --import tsx scripts/bench-precision.ts [--entry BertModel] [--hidden 256] [--layers 2] [--b 2] [--s 64] [--runs 5]
 */
import { parseArgs } from 'node:util';
import type { HostTensor } from '../backends/tensor.ts';
import { compileGraph, optimizeGraph, readSource } from '../compiler/pipeline.ts';
import { expectedParams } from '../runtime/cpu-model.ts';
import { closeWebGpu, loadWebGpuModel, webgpuContext } from '../runtime/webgpu/index.ts';
import { randomTensors } from '../runtime/weights/random-checkpoint.ts';

const { values } = parseArgs({
  options: {
    entry: { type: 'string', default: 'BertModel' },
    hidden: { type: 'string', default: '256' },
    layers: { type: 'string', default: '2' },
    b: { type: 'string', default: '2' },
    s: { type: 'string', default: '64' },
    runs: { type: 'string', default: '5' },
  },
});
const hidden = Number(values.hidden);
const config = {
  hidden_size: hidden, num_attention_heads: Math.max(1, hidden / 64), num_hidden_layers: Number(values.layers),
  intermediate_size: 4 * hidden, vocab_size: 1000, max_position_embeddings: 512,
};
const [B, S, runs] = [Number(values.b), Number(values.s), Number(values.runs)];
const graph = compileGraph(readSource('specs/bert.dsl'), { entry: values.entry!, config });
const weights = new Map(Object.entries(randomTensors(expectedParams(graph), { seed: 1, std: 0.02 })).map(([k, t]) => [k, t.data as Float32Array]));
const ids = Int32Array.from({ length: B * S }, (_, i) => (i * 7919) % config.vocab_size);
const inputs: Record<string, HostTensor> = { input_ids: { dtype: 'i32', shape: [B, S], data: ids } };

const context = await webgpuContext();
console.log(`${values.entry} hidden ${hidden}, ${config.num_hidden_layers} layers, B=${B}, S=${S} on ${context.adapterName} (shader-f16: ${context.shaderF16 ? 'yes' : 'no, packed halves'})`);
console.log('precision  ms/forward  vs fp32  device MiB  rel. error vs fp32');
const precisions = ['fp32', 'fp16', 'bf16'] as const;
const models = await Promise.all(precisions.map((precision) => loadWebGpuModel(optimizeGraph(graph, { precision }).graph, weights)));
const firsts = [];
for (const model of models) firsts.push(await model.forward(inputs)); // warm-up: pipelines, buffers, uniforms
const times: number[][] = models.map(() => []);
for (let r = 0; r < runs; r++) {
  for (const [m, model] of models.entries()) {
    const t = performance.now();
    await model.forward(inputs);
    times[m]!.push(performance.now() - t);
  }
}
let base: { ms: number; out: Float32Array } | undefined;
for (const [m, precision] of precisions.entries()) {
  const model = models[m]!;
  const ms = times[m]!.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
  const out = Object.values(firsts[m]!)[0]!.data as Float32Array;
  base ??= { ms, out };
  let num = 0;
  let den = 0;
  out.forEach((v, i) => ((num += (v - base!.out[i]!) ** 2), (den += base!.out[i]! ** 2)));
  const row = [precision.padEnd(9), ms.toFixed(1).padStart(10), `${(ms / base.ms).toFixed(2)}×`.padStart(8), (model.deviceBytes / 2 ** 20).toFixed(2).padStart(10), Math.sqrt(num / den).toExponential(1).padStart(19)];
  console.log(row.join('  '));
  model.dispose();
}
await closeWebGpu();
