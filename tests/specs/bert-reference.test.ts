/**
 * specs/bert.dsl on the CPU reference vs the independent float64 numpy implementation of HF's BERT
 * (tests/reference/bert_ref.py): every head, every hidden_act, every position_embedding_type, random small
 * configs, random (never zero) weights and ids, with and without padding. Relative error ≤ 1e-5.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeReferenceCase } from '../reference/reference.ts';
import { inputsOf, loadBertFolder, readTensors, relativeError } from './bert-helpers.ts';

const ACTS = ['gelu', 'gelu_new', 'relu', 'silu', 'tanh'];
const POSITIONS = ['absolute', 'relative_key', 'relative_key_query'];
const HEADS = [
  'BertModel', 'BertForPreTraining', 'BertForMaskedLM', 'BertLMHeadModel', 'BertForNextSentencePrediction',
  'BertForSequenceClassification', 'BertForMultipleChoice', 'BertForTokenClassification', 'BertForQuestionAnswering',
];

/** A small random config from a seed: hidden 32–128, 1–4 layers, 2–4 heads. */
function randomConfig(seed: number, act: string, position: string): Record<string, unknown> {
  let s = seed * 2654435761 % 2 ** 32;
  const next = (n: number) => ((s = (s * 1664525 + 1013904223) % 2 ** 32), s % n);
  const heads = 2 + next(3);
  const headSize = [8, 12, 16, 20, 32][next(5)]!;
  const hidden = Math.min(128, Math.max(32, heads * headSize));
  return {
    hidden_size: hidden - (hidden % heads),
    num_attention_heads: heads,
    num_hidden_layers: 1 + next(4),
    intermediate_size: 48 + next(80),
    vocab_size: 50 + next(60),
    max_position_embeddings: 24 + next(16),
    type_vocab_size: 2 + next(2),
    hidden_act: act,
    position_embedding_type: position,
    layer_norm_eps: [1e-12, 1e-5][next(2)],
    num_labels: 2 + next(3),
  };
}

function checkCase(head: string, seed: number, config: Record<string, unknown>, pad: boolean, extra: { seq?: number; choices?: number } = {}) {
  const dir = makeReferenceCase({ head, seed, config, pad, batch: 3, seq: extra.seq ?? 9, ...(extra.choices ? { choices: extra.choices } : {}) });
  const model = loadBertFolder(dir, head);
  // HF layout, both ways: every tensor of HF's checkpoint is used, except the absolute position table that
  // relative position types keep but never read (HF keeps it too).
  const unusedOk = config['position_embedding_type'] === 'absolute' ? [] : [/position_embeddings\.weight$/];
  const unused = model.unusedWeights.filter((n) => !unusedOk.some((r) => r.test(n)));
  assert.equal(unused, [], `checkpoint tensors the model did not use: ${unused.join(', ')}`);
  const outputs = model.forward(inputsOf(dir));
  const expected = readTensors(join(dir, 'expected.safetensors'));
  const names = Object.keys(outputs);
  assert.ok(names.length > 0);
  for (const name of names) {
    // decoders also return their key/value cache; it is checked by the incremental-decoding tests
    if (name === 'past_key_values' && !expected.has(name)) continue;
    const want = expected.get(name);
    assert.ok(want, `reference has no output '${name}' (has ${[...expected.keys()].join(', ')})`);
    assert.equal(outputs[name]!.shape, want!.shape, `${name} shape`);
    const err = relativeError(outputs[name]!.data, want!.data);
    assert.ok(err <= 1e-5, `${head} ${name}: relative error ${err.toExponential(2)} > 1e-5 (config ${JSON.stringify(config)}, dir ${dir})`);
  }
}

HEADS.forEach((head, i) => {
  const act = ACTS[i % ACTS.length]!;
  const position = POSITIONS[i % POSITIONS.length]!;
  const config = { ...randomConfig(100 + i, act, position), ...(head === 'BertForQuestionAnswering' ? { num_labels: 2 } : {}), ...(head === 'BertLMHeadModel' ? { is_decoder: true } : {}) };
  test(`${head} (${act}, ${position}, padded) matches the float64 reference`, () => checkCase(head, 100 + i, config, true, head === 'BertForMultipleChoice' ? { choices: 3 } : {}));
});

for (const act of ACTS) {
  for (const position of POSITIONS) {
    const seed = 7 * ACTS.indexOf(act) + POSITIONS.indexOf(position);
    test(`BertModel with ${act} and ${position} matches the float64 reference (unpadded and padded)`, () => {
      checkCase('BertModel', seed, randomConfig(seed, act, position), seed % 2 === 0);
    });
  }
}

test('a decoder (is_decoder: causal mask) with relative_key_query matches the reference', () => {
  checkCase('BertForMaskedLM', 42, { ...randomConfig(42, 'gelu', 'relative_key_query'), is_decoder: true }, true);
});

test('sequence of length 1 and of max_position_embeddings both work', () => {
  const config = randomConfig(5, 'gelu', 'relative_key');
  checkCase('BertModel', 5, config, false, { seq: 1 });
  checkCase('BertModel', 6, config, true, { seq: config['max_position_embeddings'] as number });
});

test.run();
