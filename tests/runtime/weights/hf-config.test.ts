import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyConfig, readJsonConfig, withNumLabels, type ConfigFieldSchema } from '../../../runtime/weights/hf-config.ts';
import { jsonErrorIndex } from '../../../runtime/weights/json-error.ts';
import { tempDir, throwsUser } from './helpers.ts';

const dir = tempDir();

const BERT: readonly ConfigFieldSchema[] = [
  { name: 'vocab_size', type: 'int', optional: false },
  { name: 'hidden_size', type: 'int', optional: false, default: 768 },
  { name: 'num_hidden_layers', type: 'int', optional: false, default: 12 },
  { name: 'layer_norm_eps', type: 'float', optional: false, default: 1e-12 },
  { name: 'hidden_act', type: 'str', optional: false, choices: ['gelu', 'relu', 'gelu_new'], default: 'gelu' },
  { name: 'is_decoder', type: 'bool', optional: false, default: false },
  { name: 'classifier_dropout', type: 'float', optional: true },
  { name: 'pad_token_id', type: 'int', optional: true, default: 0 },
];

// The config.json of bert-base-uncased, as published.
const HF_BERT = {
  architectures: ['BertForMaskedLM'],
  attention_probs_dropout_prob: 0.1,
  gradient_checkpointing: false,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  hidden_size: 768,
  initializer_range: 0.02,
  intermediate_size: 3072,
  layer_norm_eps: 1e-12,
  max_position_embeddings: 512,
  model_type: 'bert',
  num_attention_heads: 12,
  num_hidden_layers: 12,
  pad_token_id: 0,
  position_embedding_type: 'absolute',
  transformers_version: '4.6.0.dev0',
  type_vocab_size: 2,
  use_cache: true,
  vocab_size: 30522,
  id2label: { '0': 'NEG', '1': 'POS' },
};

test('a real HF config applies: known fields typed, unknown keys ignored, defaults and nulls filled in', () => {
  const out = applyConfig(BERT, HF_BERT, 'config.json');
  assert.equal(out, {
    vocab_size: 30522,
    hidden_size: 768,
    num_hidden_layers: 12,
    layer_norm_eps: 1e-12,
    hidden_act: 'gelu',
    is_decoder: false,
    classifier_dropout: null,
    pad_token_id: 0,
  });
});

test('json values override defaults; 12.0 is an int; floats accept integers; optional fields accept null', () => {
  const out = applyConfig(BERT, { vocab_size: 100, num_hidden_layers: 2.0, layer_norm_eps: 1, is_decoder: true, classifier_dropout: 0.25, pad_token_id: null }, 'c');
  assert.is(out['num_hidden_layers'], 2);
  assert.is(out['layer_norm_eps'], 1);
  assert.is(out['is_decoder'], true);
  assert.is(out['classifier_dropout'], 0.25);
  assert.is(out['pad_token_id'], null);
  assert.is(out['hidden_size'], 768);
});

test('type errors name the field, the expected type and the value', () => {
  const base = { vocab_size: 10 };
  const msg = throwsUser(() => applyConfig(BERT, { ...base, num_hidden_layers: 'twelve' }, 'config.json'));
  assert.is(msg, 'config.json: field "num_hidden_layers" must be an int, got "twelve"');
  throwsUser(() => applyConfig(BERT, { ...base, num_hidden_layers: 12.5 }, 'config.json'), '"num_hidden_layers"', 'an int', '12.5');
  throwsUser(() => applyConfig(BERT, { ...base, layer_norm_eps: '1e-12' }, 'config.json'), '"layer_norm_eps"', 'a float', '"1e-12"');
  throwsUser(() => applyConfig(BERT, { ...base, is_decoder: 'false' }, 'config.json'), '"is_decoder"', 'a bool', '"false"');
  throwsUser(() => applyConfig(BERT, { ...base, is_decoder: 0 }, 'config.json'), '"is_decoder"', 'a bool', 'got 0');
  throwsUser(() => applyConfig(BERT, { ...base, hidden_act: ['gelu'] }, 'config.json'), '"hidden_act"', 'a string');
  throwsUser(() => applyConfig(BERT, { ...base, hidden_size: { value: 768 } }, 'config.json'), '"hidden_size"', 'an int');
});

test('a str field with choices lists them', () => {
  throwsUser(() => applyConfig(BERT, { vocab_size: 10, hidden_act: 'swish' }, 'config.json'),
    'config.json: field "hidden_act" must be one of "gelu", "relu", "gelu_new", got "swish"');
});

test('null is rejected for non-optional fields', () => {
  throwsUser(() => applyConfig(BERT, { vocab_size: null }, 'config.json'), '"vocab_size"', 'got null', 'not optional');
  throwsUser(() => applyConfig(BERT, { vocab_size: 1, hidden_size: null }, 'config.json'), '"hidden_size"', 'got null');
});

test('a number beyond a double (1e400 in the file) is reported as an overflow, not as null', () => {
  const file = path.join(dir, 'overflow.json');
  fs.writeFileSync(file, '{"vocab_size": 1e400, "layer_norm_eps": -1e400}');
  const json = readJsonConfig(file);
  const message = throwsUser(() => applyConfig(BERT, json, 'config.json'), 'field "vocab_size"', 'overflows a double');
  assert.not.ok(message.includes('null'), message);
  throwsUser(() => applyConfig(BERT, { ...json, vocab_size: 3 }, 'config.json'), 'field "layer_norm_eps"', 'overflows a double');
});

test('a required field without default that is absent is an error', () => {
  throwsUser(() => applyConfig(BERT, { hidden_size: 768 }, 'my/config.json'), 'my/config.json', 'required field "vocab_size"', 'missing');
});

test('readJsonConfig reads objects and reports syntax errors with file and line:col', () => {
  const good = path.join(dir, 'config.json');
  fs.writeFileSync(good, '\ufeff' + JSON.stringify(HF_BERT, null, 2));
  assert.equal(readJsonConfig(good), withNumLabels(HF_BERT));

  const bad = path.join(dir, 'bad.json');
  fs.writeFileSync(bad, '{\n  "hidden_size": 768,\n  "vocab_size": ,\n}\n');
  throwsUser(() => readJsonConfig(bad), `${bad}:3:17`, 'invalid JSON');

  const cut = path.join(dir, 'cut.json');
  fs.writeFileSync(cut, '{\n  "hidden_size": 768,\n');
  throwsUser(() => readJsonConfig(cut), cut, 'invalid JSON');

  const arr = path.join(dir, 'arr.json');
  fs.writeFileSync(arr, '[1, 2]');
  throwsUser(() => readJsonConfig(arr), arr, 'JSON object');

  throwsUser(() => readJsonConfig(path.join(dir, 'nope.json')), 'nope.json', 'no such file');
});

test('the JSON error locator accepts what JSON.parse accepts and points at the first bad character', () => {
  const valid = ['{}', '[]', ' 1 ', '-0.5e+3', '"a\\u00e9\\n"', 'null', JSON.stringify(HF_BERT, null, 2), '[[[{"a":[true,false,null]}]]]'];
  for (const text of valid) {
    JSON.parse(text);
    assert.is(jsonErrorIndex(text), -1, text);
  }
  const cases: [string, number][] = [
    ['{"a": ,}', 6],
    ['{"a": 1,}', 8],
    ["{'a': 1}", 1],
    ['[1 2]', 3],
    ['01', 1],
    ['{"a": 1', 7],
    ['', 0],
    ['{"a": tru}', 6],
    ['"escaped\\ttab"', -1], // backslash-t inside a string is fine
    ['"raw\ttab"', 4], // a literal tab character is not
    ['"bad \\x escape"', 6],
  ];
  for (const [text, index] of cases) {
    if (index >= 0) assert.throws(() => JSON.parse(text));
    else JSON.parse(text);
    assert.is(jsonErrorIndex(text), index, JSON.stringify(text));
  }
  assert.is(jsonErrorIndex('['.repeat(1_000_000)), -1); // too deep for the scanner: no position, no crash
});

test('num_labels comes from id2label as in HF, unless given', () => {
  assert.is(withNumLabels({ id2label: { 0: 'O', 1: 'B-PER', 2: 'I-PER' } })['num_labels'], 3);
  assert.is(withNumLabels({ id2label: { 0: 'a', 1: 'b' }, num_labels: 5 })['num_labels'], 5);
  assert.is(withNumLabels({ hidden_size: 8 })['num_labels'], undefined);
});

test.run();
