/**
 * The inputs HF accepts in more than one form, against the independent float64 reference: 3-D attention masks
 * [B, S, T] (and encoder masks [B, S, Se]) at every entry point that takes a mask, and a head_mask of [heads]
 * (broadcast to every layer) as well as [L, heads]. Each form is chosen at compile time by the input's rank.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HostTensor } from '../../backends/tensor.ts';
import { compileGraph } from '../../compiler/pipeline.ts';
import { UserError } from '../../dsl/errors.ts';
import { loadCpuModel } from '../../runtime/cpu-model.ts';
import { readJsonConfig } from '../../runtime/weights/hf-config.ts';
import { makeReferenceCase, type ReferenceCaseOptions } from '../reference/reference.ts';
import { BERT_SOURCE, inputsOf, optionalInputs, readTensors, relativeError } from './bert-helpers.ts';

const SMALL = { hidden_size: 24, num_attention_heads: 3, num_hidden_layers: 2, intermediate_size: 40, vocab_size: 53, max_position_embeddings: 24, type_vocab_size: 2 };

function close(name: string, got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-5) {
  const err = relativeError(got, want);
  assert.ok(err <= tol, `${name}: relative error ${err.toExponential(2)} > ${tol}`);
}

/** Compiles `entry.fn` for a reference case's config with its inputs' ranks, and runs it on `inputs`. */
function runCase(dir: string, entry: string, fn: string, inputs: Record<string, HostTensor>): Record<string, HostTensor> {
  const ranks = Object.fromEntries(Object.entries(inputs).map(([name, t]) => [name, t.shape.length]));
  const optional = optionalInputs(entry, fn).filter((n) => n in inputs);
  const graph = compileGraph(BERT_SOURCE, { entry, fn, config: readJsonConfig(join(dir, 'config.json')), inputs: optional, ranks });
  return loadCpuModel(graph, dir).forward(inputs);
}

function reference(opts: Partial<ReferenceCaseOptions> & { head: string; seed: number }) {
  const dir = makeReferenceCase({ batch: 2, seq: 6, pad: true, ...opts, config: { ...SMALL, ...opts.config } });
  return { dir, inputs: inputsOf(dir), expected: readTensors(join(dir, 'expected.safetensors')) };
}

const MAIN_OUTPUT: Record<string, string[]> = {
  BertModel: ['last_hidden_state', 'pooler_output'],
  BertForPreTraining: ['prediction_logits', 'seq_relationship_logits'],
  BertForQuestionAnswering: ['start_logits', 'end_logits'],
};

const HEADS_3D: [string, Partial<ReferenceCaseOptions>][] = [
  ['BertModel', {}],
  ['BertForPreTraining', { labels: true }],
  ['BertForMaskedLM', { labels: true }],
  ['BertLMHeadModel', { labels: true, config: { is_decoder: true } }],
  ['BertForNextSentencePrediction', {}],
  ['BertForSequenceClassification', { labels: true, config: { num_labels: 3 } }],
  ['BertForTokenClassification', { config: { num_labels: 4 } }],
  ['BertForQuestionAnswering', {}],
];

HEADS_3D.forEach(([head, extra], i) => {
  test(`${head}: a 3-D attention_mask [B, S, S] matches HF's`, () => {
    const { dir, inputs, expected } = reference({ head, seed: 700 + i, mask3d: true, ...extra });
    assert.equal(inputs['attention_mask']!.shape.length, 3);
    const out = runCase(dir, head, 'forward', inputs);
    for (const name of [...(MAIN_OUTPUT[head] ?? ['logits']), ...(extra.labels ? ['loss'] : [])]) close(name, out[name]!.data, expected.get(name)!.data);
  });
});

test('a 3-D mask changes the result (it is not read as padding only)', () => {
  const { dir, inputs, expected } = reference({ head: 'BertForTokenClassification', seed: 720, mask3d: true });
  const m = inputs['attention_mask']!;
  const [b, s] = m.shape as [number, number, number];
  // the same keys for every query: the first row of each batch entry's mask, broadcast
  const rows = new Int32Array(m.data.length);
  for (let i = 0; i < b; i++) for (let q = 0; q < s; q++) rows.set((m.data as Int32Array).subarray(i * s * s, i * s * s + s), (i * s + q) * s);
  const out = runCase(dir, 'BertForTokenClassification', 'forward', { ...inputs, attention_mask: { ...m, data: rows } });
  assert.ok(relativeError(out['logits']!.data, expected.get('logits')!.data) > 1e-3);
});

test('BertModel with inputs_embeds, a 3-D mask and a per-head head_mask', () => {
  const { dir, inputs, expected } = reference({ head: 'BertModel', seed: 730, mask3d: true, inputsEmbeds: true, headMask: 'per-head' });
  assert.equal(inputs['head_mask']!.shape, [SMALL.num_attention_heads]);
  const out = runCase(dir, 'BertModel', 'forward', inputs);
  close('last_hidden_state', out['last_hidden_state']!.data, expected.get('last_hidden_state')!.data);
});

test('cross-attention with 3-D self and encoder masks ([B, S, S] and [B, S, Se])', () => {
  const { dir, inputs, expected } = reference({ head: 'BertLMHeadModel', seed: 740, mask3d: true, crossAttention: true, outputAttentions: true, config: { output_attentions: true } });
  assert.equal(inputs['encoder_attention_mask']!.shape, [2, 6, 9]);
  const out = runCase(dir, 'BertLMHeadModel', 'forward', inputs);
  close('logits', out['logits']!.data, expected.get('logits')!.data);
  close('cross_attentions.1', out['cross_attentions']!.data.subarray(out['cross_attentions']!.data.length / 2), expected.get('cross_attentions.1')!.data);
});

test('incremental decoding with a 3-D mask [B, S, P + S] equals the full forward', () => {
  const P = 4;
  const S = 2;
  const { dir, inputs, expected } = reference({ head: 'BertLMHeadModel', seed: 750, seq: S, pastLength: P, mask3d: true, config: { is_decoder: true } });
  const L = SMALL.num_hidden_layers;
  const parts = Array.from({ length: L }, (_, i) => [expected.get(`past_key_values.${i}.key`)!, expected.get(`past_key_values.${i}.value`)!]).flat();
  const past = new Float32Array(parts.reduce((n, p) => n + p.data.length, 0));
  parts.reduce((at, p) => (past.set(p.data, at), at + p.data.length), 0);
  const last = (t: HostTensor, axis: number): HostTensor => {
    const shape = [...t.shape];
    const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const n = shape[axis]!;
    const data = new Int32Array(outer * S * inner);
    for (let o = 0; o < outer; o++) data.set((t.data as Int32Array).subarray((o * n + n - S) * inner, (o * n + n) * inner), o * S * inner);
    shape[axis] = S;
    return { dtype: 'i32', shape, data };
  };
  const out = runCase(dir, 'BertLMHeadModel', 'decode', {
    past_key_values: { dtype: 'f32', shape: [L, 2, ...parts[0]!.shape], data: past },
    input_ids: last(inputs['input_ids']!, 1),
    token_type_ids: last(inputs['token_type_ids']!, 1),
    attention_mask: last(inputs['attention_mask']!, 1),
  });
  close('logits (incremental)', out['logits']!.data, expected.get('logits_incremental')!.data);
});

for (const head of ['BertForMaskedLM', 'BertForMultipleChoice', 'BertLMHeadModel']) {
  test(`${head}: a per-head head_mask [heads] applies to every layer, as HF's get_head_mask does`, () => {
    const config = head === 'BertLMHeadModel' ? { is_decoder: true, output_attentions: true } : { output_attentions: true };
    const { dir, inputs, expected } = reference({ head, seed: 760, headMask: 'per-head', outputAttentions: true, config, ...(head === 'BertForMultipleChoice' ? { choices: 2 } : {}) });
    const out = runCase(dir, head, 'forward', inputs);
    close('logits', out['logits']!.data, expected.get('logits')!.data);
    const a = out['attentions']!.data;
    close('attentions.1', a.subarray(a.length / 2), expected.get('attentions.1')!.data);
  });
}

test('an input rank that is not among its forms is a clear error naming the input', () => {
  const config = { ...SMALL };
  assert.throws(() => compileGraph(BERT_SOURCE, { entry: 'BertModel', config, ranks: { attention_mask: 4 } }), (e: unknown) =>
    e instanceof UserError && /attention_mask/.test(e.message) && /rank 4/.test(e.message) && /2, 3/.test(e.message));
  assert.throws(() => compileGraph(BERT_SOURCE, { entry: 'BertModel', config, ranks: { attention_masks: 3 } }), (e: unknown) =>
    e instanceof UserError && /no input 'attention_masks'/.test(e.message));
});

test('ranks: { attention_mask: 3 } compiles a [B, S, S] input; the default is the first form, [B, S]', () => {
  const graph = compileGraph(BERT_SOURCE, { entry: 'BertModel', config: SMALL, ranks: { attention_mask: 3 } });
  const mask = graph.inputs.find((n) => n.arg['name'] === 'attention_mask')!;
  assert.is(mask.shape.length, 3);
  const plain = compileGraph(BERT_SOURCE, { entry: 'BertModel', config: SMALL });
  assert.is(plain.inputs.find((n) => n.arg['name'] === 'attention_mask')!.shape.length, 2);
});

test.run();
