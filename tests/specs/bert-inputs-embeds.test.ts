/**
 * HF's heads take inputs_embeds instead of input_ids (`inputs_embeds: ...? replaces input_ids` in specs/bert.dsl):
 * every head's logits and loss against the independent float64 reference, a decode step, and the errors.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileGraph } from '../../compiler/pipeline.ts';
import { UserError } from '../../dsl/errors.ts';
import { makeReferenceCase, type ReferenceCaseOptions } from '../reference/reference.ts';
import { BERT_SOURCE, inputsOf, loadBertFolder, readTensors, relativeError } from './bert-helpers.ts';

const SMALL = { hidden_size: 24, num_attention_heads: 3, num_hidden_layers: 2, intermediate_size: 40, vocab_size: 53, max_position_embeddings: 24, type_vocab_size: 2 };

function close(name: string, got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-5) {
  const err = relativeError(got, want);
  assert.ok(err <= tol, `${name}: relative error ${err.toExponential(2)} > ${tol}`);
}

const HEADS: [string, string[], Partial<ReferenceCaseOptions>][] = [
  ['BertForPreTraining', ['prediction_logits', 'seq_relationship_logits'], {}],
  ['BertForMaskedLM', ['logits'], {}],
  ['BertLMHeadModel', ['logits'], { config: { is_decoder: true } }],
  ['BertForNextSentencePrediction', ['logits'], {}],
  ['BertForSequenceClassification', ['logits'], { config: { num_labels: 3 } }],
  ['BertForMultipleChoice', ['logits'], { choices: 3 }],
  ['BertForTokenClassification', ['logits'], { config: { num_labels: 4 } }],
  ['BertForQuestionAnswering', ['start_logits', 'end_logits'], {}],
];

HEADS.forEach(([head, outputs, extra], i) => {
  test(`${head}: inputs_embeds in place of input_ids matches HF's logits and loss`, () => {
    const dir = makeReferenceCase({ head, seed: 800 + i, batch: 2, seq: 5, pad: true, inputsEmbeds: true, labels: true, ...extra, config: { ...SMALL, ...extra.config } });
    const inputs = inputsOf(dir);
    assert.not.ok('input_ids' in inputs);
    const model = loadBertFolder(dir, head);
    assert.not.ok(model.graph.inputs.some((n) => n.arg['name'] === 'input_ids'), 'input_ids is not an input');
    const out = model.forward(inputs);
    const expected = readTensors(join(dir, 'expected.safetensors'));
    for (const name of [...outputs, 'loss']) close(name, out[name]!.data, expected.get(name)!.data);
  });
});

test('a decode step with inputs_embeds equals the full forward', () => {
  const P = 3;
  const S = 2;
  const dir = makeReferenceCase({ head: 'BertLMHeadModel', seed: 820, batch: 2, seq: S, pastLength: P, inputsEmbeds: true, config: { ...SMALL, is_decoder: true } });
  const inputs = inputsOf(dir);
  const expected = readTensors(join(dir, 'expected.safetensors'));
  const L = SMALL.num_hidden_layers;
  const parts = Array.from({ length: L }, (_, i) => [expected.get(`past_key_values.${i}.key`)!, expected.get(`past_key_values.${i}.value`)!]).flat();
  const past = new Float32Array(parts.reduce((n, p) => n + p.data.length, 0));
  parts.reduce((at, p) => (past.set(p.data, at), at + p.data.length), 0);
  const embeds = inputs['inputs_embeds']!;
  const H = SMALL.hidden_size;
  const newEmbeds = new Float32Array(2 * S * H);
  for (let b = 0; b < 2; b++) newEmbeds.set((embeds.data as Float32Array).subarray((b * (P + S) + P) * H, (b + 1) * (P + S) * H), b * S * H);
  const types = inputs['token_type_ids']!;
  const newTypes = new Int32Array(2 * S);
  for (let b = 0; b < 2; b++) newTypes.set((types.data as Int32Array).subarray(b * (P + S) + P, (b + 1) * (P + S)), b * S);
  const step = loadBertFolder(dir, 'BertLMHeadModel', {}, 'decode', ['past_key_values', 'inputs_embeds']);
  const out = step.forward({
    past_key_values: { dtype: 'f32', shape: [L, 2, ...parts[0]!.shape], data: past },
    inputs_embeds: { dtype: 'f32', shape: [2, S, H], data: newEmbeds },
    token_type_ids: { dtype: 'i32', shape: [2, S], data: newTypes },
    attention_mask: inputs['attention_mask']!,
  });
  close('logits (incremental)', out['logits']!.data, expected.get('logits_incremental')!.data);
});

test('without inputs_embeds the entry takes input_ids as before', () => {
  const g = compileGraph(BERT_SOURCE, { entry: 'BertForMaskedLM', config: SMALL });
  const names = g.inputs.map((n) => n.arg['name']);
  assert.ok(names.includes('input_ids'));
  assert.not.ok(names.includes('inputs_embeds'));
});

test('inputs_embeds is an optional input of every head; asking for an unknown one names the choices', () => {
  assert.throws(() => compileGraph(BERT_SOURCE, { entry: 'BertForMaskedLM', config: SMALL, inputs: ['input_embeds'] }), (e: unknown) =>
    e instanceof UserError && /no optional input 'input_embeds'/.test(e.message) && /inputs_embeds/.test(e.message));
});

test.run();
