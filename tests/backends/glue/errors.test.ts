/**
 * Mistakes an app can make at a generated package's API come back as UserErrors whose message names the argument
 * the way the app wrote it (`inputIds`, not `input_ids`), never as an internal error. Run through the bundle with
 * plain node, as an app would.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildSmall, runApp, SMALL } from './helpers.ts';

interface Caught {
  readonly call: string;
  readonly name?: string;
  readonly isUserError?: boolean;
  readonly message?: string;
}

/** Each entry is a JS expression run inside the app with `model` loaded; it must reject. */
const CALLS: Record<string, string> = {
  unknownName: `model.forward({ input_ids: [[1, 2]] })`,
  unknownOther: `model.forward({ inputIds: [[1]], tokenTypes: [[0]] })`,
  missing: `model.forward({ attentionMask: [[1, 1]] })`,
  notObject: `model.forward([[1, 2]])`,
  wrongArray: `model.forward({ inputIds: new Float32Array([1, 2]) })`,
  wrongTensorData: `model.forward({ inputIds: { shape: [1, 2], data: new Float64Array(2) } })`,
  tensorSize: `model.forward({ inputIds: { shape: [2, 3], data: new Int32Array(5) } })`,
  tooFlat: `model.forward({ inputIds: [1, 2, 3] })`,
  ragged: `model.forward({ inputIds: [[1, 2, 3], [4, 5]] })`,
  notNumber: `model.forward({ inputIds: [[1, '2']] })`,
  notInteger: `model.forward({ inputIds: [[1, 2.5]] })`,
  shapes: `model.forward({ inputIds: [[1, 2, 3, 4], [5, 6, 7, 8]], attentionMask: [[1, 1, 1], [1, 1, 1]] })`,
  batch: `model.forward({ inputIds: [[1, 2]], tokenTypeIds: [[0, 0], [0, 0]] })`,
  vocab: `model.forward({ inputIds: [[1, 2, 3], [4, 5, ${SMALL.vocab_size}]] })`,
  negative: `model.forward({ inputIds: [[-1]] })`,
  mask: `model.forward({ inputIds: [[1, 2]], attentionMask: [[1, 2]] })`,
  tooLong: `model.forward({ inputIds: [Array(${SMALL.max_position_embeddings + 1}).fill(1)] })`,
  emptyBatch: `model.forward({ inputIds: [] })`,
  emptyRow: `model.forward({ inputIds: [[]] })`,
  disposed: `(async () => { const m = await loadBert('./ckpt'); m.dispose(); m.dispose(); return m.forward({ inputIds: [[1]] }); })()`,
  noCheckpoint: `loadBert('./no-such-dir')`,
  badCheckpointArg: `loadBert(42)`,
  noSafetensors: `loadBert({ 'config.json': new Uint8Array(2) })`,
  badProgress: `loadBert('./ckpt', { onProgress: 'yes' })`,
};

const APP = `
import { loadBert, UserError } from './pkg/index.js';
const model = await loadBert('./ckpt');
const calls = ${JSON.stringify(CALLS)};
const out = {};
for (const [key, code] of Object.entries(calls)) {
  try {
    await eval(code);
    out[key] = { call: code };
  } catch (e) {
    out[key] = { call: code, name: e.name, isUserError: e instanceof UserError, message: e.message };
  }
}
console.log(JSON.stringify(out));
`;

const EXPECTED: Record<string, RegExp> = {
  unknownName: /^unknown input input_ids \(did you mean inputIds\?\); BertForMaskedLM takes inputIds, attentionMask, tokenTypeIds$/,
  unknownOther: /^unknown input tokenTypes; BertForMaskedLM takes inputIds, attentionMask, tokenTypeIds$/,
  missing: /^missing input inputIds \(i32 \[B, S\]\)$/,
  notObject: /^forward expects an object of named inputs \(inputIds, attentionMask, tokenTypeIds\), got an array of 1$/,
  wrongArray: /^inputIds \(i32 \[B, S\]\) must be 2-d nested arrays of integers, a flat Int32Array \(one row\), or \{ shape, data: Int32Array \}; got a Float32Array$/,
  wrongTensorData: /^inputIds.data must be an Int32Array \(i32\), got a Float64Array$/,
  tensorSize: /^inputIds.data has 5 values but shape \[2, 3\] needs 6$/,
  tooFlat: /^inputIds\[0\] is the number 1, but inputIds is a 2-d array \[B, S\]$/,
  ragged: /^inputIds\[1\] has 2 values but inputIds\[0\] has 3 values; rows must all have the same length \(pad the shorter ones\)$/,
  notNumber: /^inputIds\[0\]\[1\] is the string "2", not a number$/,
  notInteger: /^inputIds\[0\]\[1\] is 2.5, but i32 values must be integers$/,
  shapes: /^attentionMask has shape \[2, 3\], but \[B, S\] = \[2, 4\] is expected \(S = 4 from inputIds\)$/,
  batch: /^tokenTypeIds has shape \[2, 2\], but \[B, S\] = \[1, 2\] is expected \(B = 1 from inputIds\)$/,
  vocab: new RegExp(`^inputIds\\[1\\]\\[2\\] is ${SMALL.vocab_size}, outside \\[0, ${SMALL.vocab_size}\\) \\(the model declares input_ids in 0\\.\\.c\\.vocab_size\\)$`),
  negative: /^inputIds\[0\]\[0\] is -1, outside \[0, 97\)/,
  mask: /^attentionMask\[0\]\[1\] is 2, outside \[0, 2\)/,
  tooLong: /^sequence is longer than max_position_embeddings: S = 17 \(from inputIds\), at most 16$/,
  emptyBatch: /^inputIds is empty \(shape \[0, 0\], \[B, S\]\): every dimension needs at least 1; an empty batch cannot run$/,
  emptyRow: /^inputIds is empty \(shape \[1, 0\], \[B, S\]\)/,
  disposed: /^this model was disposed; call loadBert\(\) again to run it$/,
  noCheckpoint: /^cannot open checkpoint \.\/no-such-dir: no such file or directory$/,
  badCheckpointArg: /^checkpoint must be a directory path, a URL, or \{ 'model.safetensors': bytes \}; got number$/,
  noSafetensors: /^checkpoint: no \.safetensors file among the given files \(config.json\)/,
  badProgress: /^opts.onProgress must be a function$/,
};

test('every bad argument rejects with a UserError that names it in the API’s terms', async () => {
  const { dir } = await buildSmall('BertForMaskedLM');
  const out = runApp<Record<string, Caught>>(dir, 'errors-app.mjs', APP);
  assert.equal(Object.keys(EXPECTED).sort(), Object.keys(CALLS).sort());
  for (const [key, re] of Object.entries(EXPECTED)) {
    const c = out[key]!;
    assert.ok(c.message !== undefined, `${c.call} did not reject`);
    assert.ok(c.isUserError && c.name === 'UserError', `${c.call} rejected with ${c.name}: ${c.message}`);
    assert.match(c.message!, re, `${key}: ${c.call}`);
    assert.not.match(c.message!, /"input_ids"|"attention_mask"|"token_type_ids"/, `${key} uses the source's names`);
  }
});

test('a checkpoint for another config is refused at load, naming the tensors', async () => {
  const { dir } = await buildSmall('BertForMaskedLM');
  const base = await buildSmall('BertModel');
  const out = runApp<{ message: string; isUserError: boolean }>(dir, 'mismatch-app.mjs', `
    import { loadBert, UserError } from './pkg/index.js';
    // A BertModel checkpoint lacks the MLM head.
    try { await loadBert(${JSON.stringify(base.ckpt)}); } catch (e) { console.log(JSON.stringify({ message: e.message, isUserError: e instanceof UserError })); }
  `);
  assert.ok(out.isUserError);
  assert.match(out.message, /checkpoint is missing \d+ of the model's 42 tensors: .*cls\.predictions/);
});

test.run();
