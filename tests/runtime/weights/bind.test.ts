import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bindWeights, type ExpectedParam } from '../../../runtime/weights/bind.ts';
import { openCheckpoint, readShardIndex } from '../../../runtime/weights/checkpoint.ts';
import { parseSafetensors, type SafetensorsFile } from '../../../runtime/weights/safetensors.ts';
import { encodeSafetensors, writeSafetensors, type TensorToWrite } from '../../../runtime/weights/safetensors-writer.ts';
import { randomFloats, tempDir, throwsUser } from './helpers.ts';

const dir = tempDir();
let seed = 100;

const f32 = (...shape: number[]): TensorToWrite => ({ dtype: 'F32', shape, data: randomFloats(shape.reduce((a, b) => a * b, 1), seed++) });
const i64 = (...values: number[]): TensorToWrite => ({ dtype: 'I64', shape: [values.length], data: BigInt64Array.from(values, BigInt) });
const file = (tensors: Record<string, TensorToWrite>, label = 'model.safetensors'): SafetensorsFile =>
  parseSafetensors(encodeSafetensors(tensors), label);
const param = (name: string, shape: number[], extra: Partial<ExpectedParam> = {}): ExpectedParam => ({ name, shape, dtype: 'f32', ...extra });

/** A tiny BERT-shaped parameter list, named as a bare BertModel names them. */
const BASE: ExpectedParam[] = [
  param('embeddings.word_embeddings.weight', [10, 4]),
  param('embeddings.LayerNorm.weight', [4]),
  param('embeddings.LayerNorm.bias', [4]),
  param('encoder.layer.0.attention.self.query.weight', [4, 4]),
  param('encoder.layer.0.attention.self.query.bias', [4]),
];
const baseTensors = () => Object.fromEntries(BASE.map((p) => [p.name, f32(...p.shape)]));
const prefixed = (prefix: string, t: Record<string, TensorToWrite>) => Object.fromEntries(Object.entries(t).map(([k, v]) => [`${prefix}${k}`, v]));

test('exact names bind, values are the checkpoint values, extra tensors are reported unused', () => {
  const tensors: Record<string, TensorToWrite> = { ...baseTensors(), 'embeddings.position_ids': i64(0, 1, 2) };
  const bound = bindWeights(BASE, [file(tensors)]);
  for (const p of BASE) assert.equal(bound.tensors.get(p.name), tensors[p.name]!.data, p.name);
  assert.equal(bound.unused, ['embeddings.position_ids']);
  assert.is(bound.prefixNote, undefined);
});

test('a head checkpoint ("bert." prefix) binds to a bare model, and says so', () => {
  const tensors: Record<string, TensorToWrite> = { ...prefixed('bert.', baseTensors()), 'cls.predictions.bias': f32(10) };
  const bound = bindWeights(BASE, [file(tensors)]);
  assert.is(bound.tensors.size, BASE.length);
  assert.equal(bound.tensors.get('embeddings.LayerNorm.weight'), tensors['bert.embeddings.LayerNorm.weight']!.data);
  assert.equal(bound.unused, ['cls.predictions.bias']);
  assert.ok(bound.prefixNote!.includes('"bert."'), bound.prefixNote);
});

test('a bare checkpoint binds to a model with a head, and heads not in it are reported missing', () => {
  const model = BASE.map((p) => ({ ...p, name: `bert.${p.name}` }));
  const bound = bindWeights(model, [file(baseTensors())]);
  assert.is(bound.tensors.size, BASE.length);
  assert.ok(bound.tensors.has('bert.embeddings.word_embeddings.weight'));
  assert.ok(bound.prefixNote!.includes('no "bert." prefix'), bound.prefixNote);
  const withHead = [...model, param('cls.predictions.bias', [10])];
  throwsUser(() => bindWeights(withHead, [file(baseTensors())]), 'missing 1 of', '"cls.predictions.bias"', 'no "bert." prefix');
});

test('the prefix is not hard-coded: any first segment works, both ways', () => {
  const bound = bindWeights(BASE, [file(prefixed('roberta.', baseTensors()))]);
  assert.is(bound.tensors.size, BASE.length);
  assert.ok(bound.prefixNote!.includes('"roberta."'));
  const model = BASE.map((p) => ({ ...p, name: `electra.${p.name}` }));
  assert.is(bindWeights(model, [file(baseTensors())]).tensors.size, BASE.length);
});

test('ties between mappings keep the names as they are', () => {
  // Both "a.x" as-is and "x" with "a." stripped exist: as-is must win.
  const tensors = { 'a.x': f32(2), x: f32(2) };
  const bound = bindWeights([param('a.x', [2])], [file(tensors)]);
  assert.equal(bound.tensors.get('a.x'), tensors['a.x']!.data);
  assert.is(bound.prefixNote, undefined);
  assert.equal(bound.unused, ['x']);
});

test('legacy LayerNorm names gamma/beta bind to weight/bias, with or without a prefix', () => {
  const t = baseTensors();
  const legacy = Object.fromEntries(Object.entries(t).map(([k, v]) => [k.replace('LayerNorm.weight', 'LayerNorm.gamma').replace('LayerNorm.bias', 'LayerNorm.beta'), v]));
  assert.ok('embeddings.LayerNorm.gamma' in legacy);
  const bound = bindWeights(BASE, [file(legacy)]);
  assert.equal(bound.tensors.get('embeddings.LayerNorm.weight'), t['embeddings.LayerNorm.weight']!.data);
  assert.equal(bound.tensors.get('embeddings.LayerNorm.bias'), t['embeddings.LayerNorm.bias']!.data);
  assert.equal(bound.unused, []);
  assert.is(bindWeights(BASE, [file(prefixed('bert.', legacy))]).tensors.size, BASE.length);
});

test('aliases bind (a tied decoder weight stored only as the embedding) and share the array', () => {
  const decoder = param('cls.predictions.decoder.weight', [10, 4], { aliases: ['bert.embeddings.word_embeddings.weight'] });
  const model = [...BASE.map((p) => ({ ...p, name: `bert.${p.name}` })), decoder];
  const tensors = prefixed('bert.', baseTensors());
  const bound = bindWeights(model, [file(tensors)]);
  assert.is(bound.tensors.get('cls.predictions.decoder.weight'), bound.tensors.get('bert.embeddings.word_embeddings.weight'));
  // The same alias still resolves when the checkpoint is a bare base model.
  const bare = bindWeights(model, [file(baseTensors())]);
  assert.ok(bare.tensors.has('cls.predictions.decoder.weight'));
  // And an exact decoder tensor wins over the alias.
  const own = f32(10, 4);
  const exact = bindWeights(model, [file({ ...tensors, 'cls.predictions.decoder.weight': own })]);
  assert.equal(exact.tensors.get('cls.predictions.decoder.weight'), own.data);
});

test('all missing tensors are listed in one error, capped at 20', () => {
  const t = baseTensors();
  delete t['embeddings.LayerNorm.bias'];
  delete t['encoder.layer.0.attention.self.query.bias'];
  throwsUser(() => bindWeights(BASE, [file(t, 'ckpt/model.safetensors')]), 'ckpt/model.safetensors', 'missing 2 of the model\'s 5',
    '"embeddings.LayerNorm.bias", "encoder.layer.0.attention.self.query.bias"', 'closest checkpoint names');
  const many = Array.from({ length: 25 }, (_, i) => param(`layer.${i}.w`, [1]));
  const msg = throwsUser(() => bindWeights(many, [file({ other: f32(1) })]), 'missing 25', '"layer.19.w"', 'and 5 more');
  assert.not.ok(msg.includes('"layer.20.w"'));
});

test('shape mismatches name the tensor, the file and both shapes', () => {
  const t = prefixed('bert.', baseTensors());
  t['bert.embeddings.word_embeddings.weight'] = f32(12, 4);
  const model = BASE.map((p) => ({ ...p, name: `bert.${p.name}` }));
  throwsUser(() => bindWeights(model, [file(t, 'weights.safetensors')]), 'weights.safetensors', 'tensor "bert.embeddings.word_embeddings.weight"', 'shape [12, 4]', 'expects [10, 4]');
  const u = baseTensors();
  u['embeddings.LayerNorm.bias'] = f32(1, 4);
  u['embeddings.LayerNorm.weight'] = f32(5);
  const msg = throwsUser(() => bindWeights(model, [file(u)]), '"embeddings.LayerNorm.bias"', '[1, 4]', 'parameter "bert.embeddings.LayerNorm.bias" expects [4]', '[5]');
  assert.ok(msg.includes('no "bert." prefix'), 'the prefix note helps explain the renamed tensors');
});

test('a checkpoint mixing prefixed and exact names still binds every parameter', () => {
  const t = prefixed('bert.', baseTensors());
  const exact = t['bert.embeddings.LayerNorm.bias']!;
  delete t['bert.embeddings.LayerNorm.bias'];
  t['embeddings.LayerNorm.bias'] = exact;
  const bound = bindWeights(BASE, [file(t)]);
  assert.equal(bound.tensors.get('embeddings.LayerNorm.bias'), exact.data);
  assert.ok(bound.prefixNote!.includes('"bert."'));
});

test('dtypes convert within their kind and are rejected across kinds', () => {
  const ids = { name: 'embeddings.position_ids', shape: [3], dtype: 'i32' } as const;
  const half: TensorToWrite = { dtype: 'F16', shape: [4], data: new Float32Array([0.5, -1, 2, 4]) };
  const bound = bindWeights([ids, param('h', [4])], [file({ 'embeddings.position_ids': i64(0, 1, 2), h: half })]);
  assert.equal(bound.tensors.get('embeddings.position_ids'), new Int32Array([0, 1, 2]));
  assert.equal(bound.tensors.get('h'), new Float32Array([0.5, -1, 2, 4]));
  throwsUser(() => bindWeights([param('embeddings.position_ids', [3])], [file({ 'embeddings.position_ids': i64(0, 1, 2) })]),
    'tensor "embeddings.position_ids"', 'dtype I64', 'expects floats');
  throwsUser(() => bindWeights([ids], [file({ 'embeddings.position_ids': f32(3) })]), 'dtype F32', 'expects integers');
});

test('progress is reported once per parameter', () => {
  const seen: string[] = [];
  bindWeights(BASE, [file(baseTensors())], { onProgress: (done, total, name) => seen.push(`${done}/${total} ${name}`) });
  assert.equal(seen, BASE.map((p, i) => `${i + 1}/${BASE.length} ${p.name}`));
});

test('a tensor present in two files is ambiguous; no files is an error', () => {
  throwsUser(() => bindWeights(BASE, [file(baseTensors(), 'a.safetensors'), file({ 'embeddings.LayerNorm.bias': f32(4) }, 'b.safetensors')]),
    '"embeddings.LayerNorm.bias"', 'a.safetensors', 'b.safetensors');
  throwsUser(() => bindWeights(BASE, []), 'no checkpoint files');
});

function shardedDir(name: string, index: object | undefined, shards: Record<string, Record<string, TensorToWrite>>): string {
  const d = path.join(dir, name);
  fs.mkdirSync(d);
  for (const [f, t] of Object.entries(shards)) writeSafetensors(path.join(d, f), t);
  if (index !== undefined) fs.writeFileSync(path.join(d, 'model.safetensors.index.json'), JSON.stringify(index));
  return d;
}

test('sharded checkpoints: the index is read and all shards bind together', () => {
  const t = prefixed('bert.', baseTensors());
  const names = Object.keys(t);
  const s1 = Object.fromEntries(names.slice(0, 2).map((n) => [n, t[n]!]));
  const s2 = Object.fromEntries(names.slice(2).map((n) => [n, t[n]!]));
  const weightMap = Object.fromEntries(names.map((n, i) => [n, i < 2 ? 'model-00001-of-00002.safetensors' : 'model-00002-of-00002.safetensors']));
  const d = shardedDir('sharded', { metadata: { total_size: 123 }, weight_map: weightMap }, { 'model-00001-of-00002.safetensors': s1, 'model-00002-of-00002.safetensors': s2 });
  const index = readShardIndex(d);
  assert.equal(index.shards, ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
  assert.is(index.weightMap.get(names[3]!), 'model-00002-of-00002.safetensors');
  assert.equal(index.metadata, { total_size: 123 });
  const files = openCheckpoint(d);
  assert.is(files.length, 2);
  const bound = bindWeights(BASE, files);
  for (const p of BASE) assert.equal(bound.tensors.get(p.name), t[`bert.${p.name}`]!.data);
  for (const f of files) f.close();
});

test('openCheckpoint: a single file, a directory with model.safetensors, and clear errors otherwise', () => {
  const single = shardedDir('single', undefined, { 'model.safetensors': baseTensors() });
  assert.is(openCheckpoint(single)[0]!.label, path.join(single, 'model.safetensors'));
  assert.is(openCheckpoint(path.join(single, 'model.safetensors')).length, 1);
  const empty = shardedDir('empty', undefined, {});
  throwsUser(() => openCheckpoint(empty), empty, 'no model.safetensors or model.safetensors.index.json');
  fs.writeFileSync(path.join(empty, 'pytorch_model.bin'), 'PK');
  throwsUser(() => openCheckpoint(empty), 'pytorch_model.bin', 'cannot read', 'safe_serialization');
  throwsUser(() => openCheckpoint(path.join(dir, 'nowhere')), 'nowhere', 'no such file');
});

test('broken shard indexes: missing shard, wrong shard, bad names, bad JSON', () => {
  const t = { a: f32(2), b: f32(3) };
  const missing = shardedDir('missing-shard', { weight_map: { a: 's1.safetensors', b: 's2.safetensors' } }, { 's1.safetensors': { a: t.a } });
  throwsUser(() => openCheckpoint(missing), 'model.safetensors.index.json', 's2.safetensors', 'does not exist');
  const wrong = shardedDir('wrong-shard', { weight_map: { a: 's1.safetensors', b: 's1.safetensors' } }, { 's1.safetensors': { a: t.a }, 's2.safetensors': { b: t.b } });
  throwsUser(() => openCheckpoint(wrong), 'tensor "b"', 's1.safetensors', 'no such tensor');
  const escape = shardedDir('escape', { weight_map: { a: '../x.safetensors' } }, {});
  throwsUser(() => readShardIndex(escape), 'tensor "a"', 'shard file name', '../x.safetensors');
  const noMap = shardedDir('no-map', { metadata: {} }, {});
  throwsUser(() => openCheckpoint(noMap), '"weight_map"');
  const badJson = shardedDir('bad-json', undefined, {});
  fs.writeFileSync(path.join(badJson, 'model.safetensors.index.json'), '{\n  "weight_map": {\n    "a": "s1.safetensors",\n  }\n}');
  throwsUser(() => openCheckpoint(badJson), 'model.safetensors.index.json:4:3', 'invalid JSON');
});

test.run();
