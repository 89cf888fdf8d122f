/**
 * HF parity beyond logits, against the independent float64 reference: every head's loss, attentions and hidden
 * states, head_mask, position_ids, cross-attention, and incremental decoding with a KV cache.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HostTensor } from '../../backends/tensor.ts';
import { makeReferenceCase, type ReferenceCaseOptions } from '../reference/reference.ts';
import { inputsOf, loadBertFolder, readTensors, relativeError } from './bert-helpers.ts';

const SMALL = { hidden_size: 32, num_attention_heads: 4, num_hidden_layers: 2, intermediate_size: 48, vocab_size: 61, max_position_embeddings: 32, type_vocab_size: 2 };

function close(name: string, got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-5) {
  const err = relativeError(got, want);
  assert.ok(err <= tol, `${name}: relative error ${err.toExponential(2)} > ${tol}`);
}

/** Our stacked [L, ...] outputs vs the reference's per-layer `name.{i}` tensors. */
function closeStacked(name: string, got: HostTensor, expected: Map<string, { data: ArrayLike<number> }>) {
  const layers = got.shape[0]!;
  const per = got.data.length / layers;
  for (let i = 0; i < layers; i++) close(`${name}.${i}`, got.data.subarray(i * per, (i + 1) * per), expected.get(`${name}.${i}`)!.data);
}

function run(opts: ReferenceCaseOptions, fn = 'forward', feed?: (inputs: Record<string, HostTensor>) => Record<string, HostTensor>) {
  const dir = makeReferenceCase({ batch: 3, seq: 7, pad: true, ...opts, config: { ...SMALL, ...opts.config } });
  let inputs = inputsOf(dir);
  if (feed) inputs = feed(inputs);
  const model = loadBertFolder(dir, opts.head, {}, fn, Object.keys(inputs));
  return { outputs: model.forward(inputs), expected: readTensors(join(dir, 'expected.safetensors')) };
}

const LOSS_CASES: [string, Partial<ReferenceCaseOptions>][] = [
  ['BertForMaskedLM', {}],
  ['BertForPreTraining', {}],
  ['BertForNextSentencePrediction', {}],
  ['BertForSequenceClassification', {}],
  ['BertForSequenceClassification', { config: { num_labels: 1 } }],
  ['BertForSequenceClassification', { problemType: 'multi_label_classification', config: { num_labels: 3 } }],
  ['BertForSequenceClassification', { problemType: 'regression', config: { num_labels: 3 } }],
  ['BertForMultipleChoice', { choices: 3 }],
  ['BertForTokenClassification', { config: { num_labels: 5 } }],
  ['BertForQuestionAnswering', {}],
  ['BertLMHeadModel', { config: { is_decoder: true } }],
];

LOSS_CASES.forEach(([head, extra], i) => {
  test(`${head} loss ${JSON.stringify(extra)} matches HF's`, () => {
    const { outputs, expected } = run({ head, seed: 300 + i, labels: true, ...extra, config: { ...SMALL, ...extra.config } });
    assert.ok(outputs['loss'], 'a loss is returned when labels are given');
    assert.equal(outputs['loss']!.shape, []);
    close('loss', outputs['loss']!.data, expected.get('loss')!.data);
  });
});

test('no labels, no loss', () => {
  const { outputs } = run({ head: 'BertForMaskedLM', seed: 1 });
  assert.not.ok('loss' in outputs);
});

test('attentions and hidden states (output_attentions, output_hidden_states) with a per-layer head_mask', () => {
  for (const position of ['absolute', 'relative_key_query']) {
    const config = { output_attentions: true, output_hidden_states: true, position_embedding_type: position };
    const { outputs, expected } = run({ head: 'BertModel', seed: 11, outputAttentions: true, headMask: 'per-layer', config });
    closeStacked('attentions', outputs['attentions']!, expected);
    closeStacked('hidden_states', outputs['hidden_states']!, expected);
    close('last_hidden_state', outputs['last_hidden_state']!.data, expected.get('last_hidden_state')!.data);
  }
});

test('inputs_embeds in place of input_ids (BertModel)', () => {
  const dir = makeReferenceCase({ head: 'BertModel', seed: 14, batch: 2, seq: 6, pad: true, inputsEmbeds: true, config: SMALL });
  const inputs = inputsOf(dir);
  const out = loadBertFolder(dir, 'BertModel', {}, 'forward').forward(inputs);
  const expected = readTensors(join(dir, 'expected.safetensors'));
  close('last_hidden_state', out['last_hidden_state']!.data, expected.get('last_hidden_state')!.data);
  close('pooler_output', out['pooler_output']!.data, expected.get('pooler_output')!.data);
});

test('explicit position_ids', () => {
  const { outputs, expected } = run({ head: 'BertForTokenClassification', seed: 12, positionIds: true });
  close('logits', outputs['logits']!.data, expected.get('logits')!.data);
});

test('cross-attention: encoder_hidden_states with a padded encoder_attention_mask', () => {
  for (const head of ['BertModel', 'BertLMHeadModel']) {
    const config = { output_attentions: true };
    const { outputs, expected } = run({ head, seed: 13, crossAttention: true, outputAttentions: true, config });
    const name = head === 'BertModel' ? 'last_hidden_state' : 'logits';
    close(name, outputs[name]!.data, expected.get(name)!.data);
    closeStacked('cross_attentions', outputs['cross_attentions']!, expected);
  }
});

/** The reference's per-layer caches stacked as our decode step takes them: [L, 2, B, heads, P, head_size]. */
function stackedPast(expected: Map<string, { shape: number[]; data: Float32Array | Int32Array }>, layers: number): HostTensor {
  const parts = Array.from({ length: layers }, (_, i) => [expected.get(`past_key_values.${i}.key`)!, expected.get(`past_key_values.${i}.value`)!]).flat();
  const data = new Float32Array(parts.reduce((n, p) => n + p.data.length, 0));
  let at = 0;
  for (const p of parts) data.set(p.data, (at += p.data.length) - p.data.length);
  return { dtype: 'f32', shape: [layers, 2, ...parts[0]!.shape], data };
}

/** Positions [from, to) of a [B, N] tensor. */
function positions(t: HostTensor, from: number, to: number): HostTensor {
  const [b, n] = t.shape as [number, number];
  const data = new Int32Array(b * (to - from));
  for (let i = 0; i < b; i++) data.set((t.data as Int32Array).subarray(i * n + from, i * n + to), i * (to - from));
  return { dtype: 'i32', shape: [b, to - from], data };
}

const lastPositions = (t: HostTensor, s: number): HostTensor => positions(t, t.shape[1]! - s, t.shape[1]!);

for (const position of ['absolute', 'relative_key', 'relative_key_query']) {
  test(`incremental decoding with a KV cache equals the full forward (${position})`, () => {
    const P = 5;
    const S = 3;
    const dir = makeReferenceCase({ head: 'BertLMHeadModel', seed: 21, batch: 2, seq: S, pad: true, pastLength: P, config: { ...SMALL, is_decoder: true, position_embedding_type: position } });
    const expected = readTensors(join(dir, 'expected.safetensors'));
    const all = inputsOf(dir);
    const step = loadBertFolder(dir, 'BertLMHeadModel', {}, 'decode', ['past_key_values']);
    const out = step.forward({
      past_key_values: stackedPast(expected, SMALL.num_hidden_layers),
      input_ids: lastPositions(all['input_ids']!, S),
      token_type_ids: lastPositions(all['token_type_ids']!, S),
      attention_mask: all['attention_mask']!,
    });
    close('logits (incremental)', out['logits']!.data, expected.get('logits_incremental')!.data);
    assert.equal(out['past_key_values']!.shape, [SMALL.num_hidden_layers, 2, 2, 4, P + S, 8]);

    // and our own cache: a forward over the first P tokens returns past_key_values; decoding the S new tokens with
    // it gives the full forward's logits
    const prefix = loadBertFolder(dir, 'BertLMHeadModel', {}, 'forward', []).forward({
      input_ids: positions(all['input_ids']!, 0, P),
      token_type_ids: positions(all['token_type_ids']!, 0, P),
      attention_mask: positions(all['attention_mask']!, 0, P),
    });
    const again = step.forward({
      past_key_values: prefix['past_key_values']!,
      input_ids: lastPositions(all['input_ids']!, S),
      token_type_ids: lastPositions(all['token_type_ids']!, S),
      attention_mask: all['attention_mask']!,
    });
    close('logits (our cache)', again['logits']!.data, expected.get('logits_incremental')!.data);
  });
}

test('a decoder of 0 layers returns an empty past_key_values ([0, 2, B, heads, S, head_size]), as HF returns ()', () => {
  const config = { ...SMALL, num_hidden_layers: 0, is_decoder: true, output_attentions: true };
  const { outputs, expected } = run({ head: 'BertLMHeadModel', seed: 31, config });
  close('logits', outputs['logits']!.data, expected.get('logits')!.data);
  assert.equal(outputs['past_key_values']!.shape, [0, 2, 3, 4, 7, 8]);
  assert.equal(outputs['past_key_values']!.data.length, 0);
  assert.equal(outputs['attentions']!.shape, [0, 3, 4, 7, 7]);
});

test.run();
