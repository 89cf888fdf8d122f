/**
 * Fused graphs (compiler/passes) on WebGPU against the unfused graph on the CPU reference: attention with every
 * position embedding type and a decoder; fp32 relative error ≤ 1e-4. Prints fused vs unfused forward times.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runGraph } from '../../../backends/cpu/index.ts';
import { Op } from '../../../compiler/ir/ops.ts';
import { loadWebGpuModel } from '../../../runtime/webgpu/index.ts';
import { bert, countOp, fused, inputsFor, weightsFor } from '../../compiler/passes/helpers.ts';
import { assertMatches, gpu } from './helpers.ts';

const CASES: [string, Record<string, unknown>, string[], Record<string, number>, string?][] = [
  ['BertModel', { position_embedding_type: 'absolute', max_position_embeddings: 80 }, [], { B: 2, S: 70 }],
  ['BertModel', { position_embedding_type: 'relative_key_query', max_position_embeddings: 80 }, [], { B: 2, S: 67 }],
  ['BertLMHeadModel', { is_decoder: true, add_cross_attention: true, position_embedding_type: 'relative_key' }, ['encoder_hidden_states'], { B: 2, S: 5, T: 3 }],
  ['BertLMHeadModel', { is_decoder: true, hidden_act: 'gelu_new' }, [], { B: 2, S: 3, P: 4 }, 'decode'],
  ['BertForSequenceClassification', { hidden_act: 'relu', num_attention_heads: 2 }, [], { B: 3, S: 9 }],
  // the embeddings' AddNorm with a dense term (inputs_embeds), and with every lookup's ids bound (position_ids)
  ['BertModel', {}, ['inputs_embeds'], { B: 2, S: 6 }],
  ['BertModel', {}, ['position_ids'], { B: 2, S: 6 }],
];

async function timed(f: () => Promise<unknown>, runs = 3): Promise<number> {
  await f();
  const t = performance.now();
  for (let i = 0; i < runs; i++) await f();
  return (performance.now() - t) / runs;
}

for (const [entry, config, inputs, env, fn] of CASES) {
  test(`WebGPU fused = CPU unfused: ${entry}${fn ? `.${fn}` : ''} ${JSON.stringify(config)}`, async () => {
    if (!(await gpu())) return;
    const g = bert(entry, config, inputs, fn);
    const f = fused(g);
    assert.ok(countOp(f, Op.Attention) > 0);
    const weights = weightsFor(g, 11);
    const x = inputsFor(g, env, 5);
    const want = runGraph(g, x, weights);
    const fusedModel = await loadWebGpuModel(f, weights);
    const plainModel = await loadWebGpuModel(g, weights);
    try {
      const got = await fusedModel.forward(x);
      for (const name of Object.keys(want)) assertMatches(name, got[name]!, want[name]!, 1e-4);
      const tf = await timed(() => fusedModel.forward(x));
      const tu = await timed(() => plainModel.forward(x));
      console.log(`\n  ${entry} ${JSON.stringify(env)}: fused ${tf.toFixed(1)} ms, unfused ${tu.toFixed(1)} ms`);
    } finally {
      fusedModel.dispose();
      plainModel.dispose();
    }
  });
}

// The measurement behind fuse-norm's default: LayerNorm inside the matmul (workgroups own rows) vs a separate launch.
for (const [hidden, heads, env] of [[48, 4, { B: 2, S: 33 }], [256, 4, { B: 1, S: 64 }]] as const) {
  test(`fuse-norm on WebGPU: = CPU unfused, and its timing (hidden ${hidden})`, async () => {
    if (!(await gpu())) return;
    const g = bert('BertModel', { hidden_size: hidden, num_attention_heads: heads, intermediate_size: 2 * hidden + 3, max_position_embeddings: 64 });
    const withNorm = fused(g);
    assert.is(countOp(withNorm, Op.MatMulNorm), 4);
    const weights = weightsFor(g, 3);
    const x = inputsFor(g, env, 8);
    const want = runGraph(g, x, weights);
    const normModel = await loadWebGpuModel(withNorm, weights);
    const plainModel = await loadWebGpuModel(fused(g, { fuseNorm: false }), weights);
    try {
      const got = await normModel.forward(x);
      for (const name of Object.keys(want)) assertMatches(name, got[name]!, want[name]!, 1e-4);
      const tn = await timed(() => normModel.forward(x));
      const tp = await timed(() => plainModel.forward(x));
      console.log(`\n  hidden ${hidden} ${JSON.stringify(env)}: LayerNorm in matmul ${tn.toFixed(1)} ms, separate ${tp.toFixed(1)} ms`);
    } finally {
      normModel.dispose();
      plainModel.dispose();
    }
  });
}

test.run();
