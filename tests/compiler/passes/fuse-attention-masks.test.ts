/**
 * fuse-attention on the mask forms of specs/bert.dsl: a 3-D attention mask ([B, S, T], per query) and a 3-D
 * encoder mask still give an additive [B, 1, S, T] mask on the scores, so the pass fires and fused = unfused on the
 * CPU reference (fp32 relative error ≤ 1e-4), for an encoder, a cross-attending decoder and a cached decode step.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Op } from '../../../compiler/ir/ops.ts';
import { compileGraph } from '../../../compiler/pipeline.ts';
import { validateGraph } from '../../../compiler/ir/validate.ts';
import { BERT_SOURCE } from '../../specs/bert-helpers.ts';
import { assertFusedMatches, countOp, fused, SMALL } from './helpers.ts';

const CASES: [string, Record<string, unknown>, string[], Record<string, number>, string | undefined, Record<string, number>][] = [
  ['BertModel', {}, [], { attention_mask: 3 }, undefined, { B: 2, S: 5 }],
  ['BertModel', { position_embedding_type: 'relative_key_query' }, [], { attention_mask: 3 }, undefined, { B: 2, S: 5 }],
  ['BertLMHeadModel', { is_decoder: true, add_cross_attention: true }, ['encoder_hidden_states', 'encoder_attention_mask'], { attention_mask: 3, encoder_attention_mask: 3 }, undefined, { B: 2, S: 5, T: 3 }],
  ['BertLMHeadModel', { is_decoder: true, position_embedding_type: 'relative_key' }, [], { attention_mask: 3 }, 'decode', { B: 2, S: 2, P: 3 }],
];

for (const [entry, config, inputs, ranks, fn, env] of CASES) {
  test(`3-D masks: attention fused, fused = unfused: ${entry}${fn ? `.${fn}` : ''} ${JSON.stringify(config)}`, () => {
    const g = compileGraph(BERT_SOURCE, { entry, config: { ...SMALL, ...config }, inputs, ranks, ...(fn ? { fn } : {}) });
    const f = fused(g);
    validateGraph(f);
    assert.is(countOp(f, Op.Softmax), 0, 'no softmax left');
    assert.ok(countOp(f, Op.Attention) >= 2, 'attention fused');
    assertFusedMatches(g, f, env);
  });
}

test.run();
