/**
 * fp16 and bf16 storage on the WebGPU adapter (SwiftShader here: no shader-f16, so the packed-u32 kernels run),
 * against the fp32 CPU reference: relative error ≤ 1e-2 (weights as HF initialises them, std 0.02) on every output of BertModel and BertForMaskedLM (with its
 * loss), at a config whose sizes are odd (hidden 30, FFN 45, vocab 53, S = 7), so words hold halves of two rows
 * and two threads write the halves of one word. Against the CPU reference of the lowered graph (same roundings) the
 * error is far smaller, which shows the kernels round where the reference does. int8w: top-1 agreement of the MLM
 * logits with fp32 ≥ 99%.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runGraph } from '../../../backends/cpu/index.ts';
import { optimizeGraph } from '../../../compiler/pipeline.ts';
import { loadWebGpuModel } from '../../../runtime/webgpu/index.ts';
import { argmaxRows, bert, hfWeights, inputsFor } from '../../compiler/passes/helpers.ts';
import { relativeError } from '../../specs/bert-helpers.ts';
import { gpu } from './helpers.ts';

const ODD = { hidden_size: 30, num_attention_heads: 3, num_hidden_layers: 2, intermediate_size: 45, vocab_size: 53 };
const ENV = { B: 2, S: 7 };

const cases: [string, string[], Record<string, unknown>][] = [
  ['BertModel', [], {}],
  ['BertForMaskedLM', ['labels'], {}],
  // outputs that reshape narrow values: a widening copy each
  ['BertForQuestionAnswering', [], { num_labels: 2 }],
];

for (const [entry, optional, config] of cases) {
  test(`${entry}: fp16 and bf16 on WebGPU within 1e-2 of the fp32 CPU reference`, async () => {
    const context = await gpu();
    if (!context) return;
    const g = bert(entry, { ...ODD, ...config }, optional);
    const inputs = inputsFor(g, ENV, 11);
    const weights = hfWeights(g, 12);
    const want = runGraph(optimizeGraph(g).graph, inputs, weights);
    const lines: string[] = [];
    for (const precision of ['fp16', 'bf16'] as const) {
      const lowered = optimizeGraph(g, { precision }).graph;
      const same = runGraph(lowered, inputs, weights);
      const model = await loadWebGpuModel(lowered, weights);
      try {
        const got = await model.forward(inputs);
        for (const name of Object.keys(want)) {
          const data = Array.from(got[name]!.data);
          const err = relativeError(data, Array.from(want[name]!.data));
          const toLowered = relativeError(data, Array.from(same[name]!.data));
          assert.ok(err <= 1e-2, `${precision} ${name}: relative error ${err.toExponential(2)} vs fp32`);
          assert.ok(toLowered < err / 2 || toLowered < 1e-4, `${precision} ${name}: ${toLowered.toExponential(2)} from the lowered reference, ${err.toExponential(2)} from fp32`);
          lines.push(`${precision} ${name}: ${err.toExponential(1)} vs fp32, ${toLowered.toExponential(1)} vs the ${precision} reference`);
        }
      } finally {
        model.dispose();
      }
    }
    console.log(`\n  ${entry} on ${context.adapterName}${context.shaderF16 ? ' (shader-f16)' : ' (packed f16)'}:\n${lines.map((l) => `    ${l}`).join('\n')}`);
  });
}

test('int8w on WebGPU: top-1 agreement with fp32 ≥ 99%, and the kernels dequantise as the CPU reference does', async () => {
  const context = await gpu();
  if (!context) return;
  const g = bert('BertForMaskedLM', { ...ODD, vocab_size: 97 });
  let agree = 0;
  let rows = 0;
  let worst = 0;
  for (const seed of [1, 2]) {
    const inputs = inputsFor(g, { B: 4, S: 16 }, seed);
    const weights = hfWeights(g, seed + 20);
    const want = runGraph(optimizeGraph(g).graph, inputs, weights)['logits']!.data;
    const lowered = optimizeGraph(g, { precision: 'int8w' }).graph;
    const reference = runGraph(lowered, inputs, weights)['logits']!.data;
    const model = await loadWebGpuModel(lowered, weights);
    try {
      const got = (await model.forward(inputs))['logits']!.data;
      worst = Math.max(worst, relativeError(Array.from(got), Array.from(reference)));
      const [a, b] = [argmaxRows(got, 97), argmaxRows(want, 97)];
      agree += a.filter((v, i) => v === b[i]).length;
      rows += a.length;
    } finally {
      model.dispose();
    }
  }
  console.log(`\n  int8w BertForMaskedLM on ${context.adapterName}: top-1 agreement ${agree}/${rows}, ${worst.toExponential(1)} from the int8w CPU reference`);
  assert.ok(agree / rows >= 0.99, `top-1 agreement ${agree}/${rows}`);
  assert.ok(worst <= 1e-4, `relative error ${worst.toExponential(2)} from the int8w CPU reference`);
});

test.run();
