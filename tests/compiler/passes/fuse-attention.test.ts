/**
 * fuse-attention: before/after graph checks (contains Attention, no Softmax; the unfused path kept where the
 * probabilities are needed) and fused vs unfused on the CPU reference, fp32 relative error ≤ 1e-4, for every
 * position embedding type, a decoder with cross-attention and a cached decode step.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Op } from '../../../compiler/ir/ops.ts';
import { graphFromJson, graphToJson, printGraph } from '../../../compiler/ir/print.ts';
import { validateGraph } from '../../../compiler/ir/validate.ts';
import { passOptions } from '../../../compiler/pipeline.ts';
import { assertFusedMatches, bert, countOp, fused } from './helpers.ts';

test('BertModel: every softmax becomes an Attention op', () => {
  const g = bert('BertModel');
  const f = fused(g);
  validateGraph(f);
  assert.is(countOp(g, Op.Softmax), 2);
  assert.is(countOp(f, Op.Softmax), 0);
  assert.is(countOp(f, Op.Attention), 2);
});

test('output_attentions and head_mask keep the unfused path', () => {
  const withProbs = fused(bert('BertModel', { output_attentions: true }));
  assert.is(countOp(withProbs, Op.Softmax), 2);
  assert.is(countOp(withProbs, Op.Attention), 0);
  const withHeadMask = fused(bert('BertModel', {}, ['head_mask']));
  assert.is(countOp(withHeadMask, Op.Attention), 0);
});

test('with the passes off the graph is unchanged', () => {
  const g = bert('BertModel');
  assert.is(fused(g, passOptions('none')), g);
  assert.is(countOp(fused(g, { fuseAttention: false }), Op.Softmax), 2);
});

test('q, k and v are read where the Linear wrote them: no head-splitting permutes are left', () => {
  const f = fused(bert('BertModel'), { fuseEpilogue: false });
  assert.is(countOp(f, Op.Permute), countOp(bert('BertModel'), Op.Permute) - 5 * 2, 'q, k, v and the context permutes, per layer');
});

test('a fused graph survives JSON (how packages carry it)', () => {
  const f = fused(bert('BertModel', { position_embedding_type: 'relative_key' }));
  const back = graphFromJson(graphToJson(f));
  validateGraph(back);
  assert.is(printGraph(back), printGraph(f));
  assert.match(printGraph(f), /attention\(.*\) \{scale: [0-9.]+, layout: "bshd", packed: true\}/, 'q, k and v read from the fused QKV product');
});

const CASES: [string, Record<string, unknown>, string[], string | undefined, Record<string, number>][] = [
  ['BertModel', { position_embedding_type: 'absolute' }, [], undefined, { B: 2, S: 5 }],
  ['BertModel', { position_embedding_type: 'relative_key' }, [], undefined, { B: 2, S: 5 }],
  ['BertModel', { position_embedding_type: 'relative_key_query', hidden_act: 'gelu_new' }, [], undefined, { B: 2, S: 5 }],
  ['BertLMHeadModel', { is_decoder: true, add_cross_attention: true }, ['encoder_hidden_states'], undefined, { B: 2, S: 5, T: 3 }],
  ['BertLMHeadModel', { is_decoder: true, position_embedding_type: 'relative_key' }, [], 'decode', { B: 2, S: 2, P: 3 }],
];

for (const [entry, config, inputs, fn, env] of CASES) {
  test(`fused = unfused on the CPU: ${entry}${fn ? `.${fn}` : ''} ${JSON.stringify(config)}`, () => {
    const g = bert(entry, config, inputs, fn);
    const f = fused(g);
    assert.ok(countOp(f, Op.Attention) > 0, 'attention fused');
    assertFusedMatches(g, f, env);
  });
}

test.run();
