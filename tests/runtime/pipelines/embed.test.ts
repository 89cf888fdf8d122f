/**
 * embed on BertModel against the hidden states written out: [CLS], the mean over real tokens (a padded batch must
 * give what each text gives alone), the pooler, unit length; and a package built without the pooler.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { close, reference, rejects, row, slow, tinyPackage, type Package } from './helpers.ts';

let base: Package;
let noPooler: Package;

test.before(async () => {
  base = await tinyPackage('BertModel');
  noPooler = await tinyPackage('BertModel', { args: { add_pooling_layer: false } });
});

const H = 32;
const TEXTS = ['The quick brown fox.', 'A dog sat on the mat and the cat sat on the moon.', 'Hello'];

/** Each text alone, unpadded: its hidden states and pooler output from the CPU model. */
function alone(text: string) {
  const ids = slow.encode(text).input_ids;
  const out = reference(base, { input_ids: [ids] });
  const hidden = out['last_hidden_state']!;
  const mean = new Array<number>(H).fill(0);
  for (let s = 0; s < ids.length; s++) for (let h = 0; h < H; h++) mean[h]! += hidden.data[s * H + h]! / ids.length;
  return { cls: row(hidden, 0, H), mean, pooler: row(out['pooler_output']!, 0, H) };
}

function sameVector(got: Float32Array, want: number[], what: string, tol = 1e-5): void {
  assert.is(got.length, want.length, `${what}: length`);
  want.forEach((x, h) => close(got[h]!, x, `${what}[${h}]`, tol));
}

test('mean (default), cls and pooler, batched with padding, each as its text alone gives it', async () => {
  const model = await base.loadBert(base.ckpt);
  const want = TEXTS.map(alone);
  const lengths = TEXTS.map((t) => slow.encode(t).input_ids.length);
  assert.ok(Math.min(...lengths) < Math.max(...lengths), 'the batch needs padding');
  const mean = await model.embed(TEXTS);
  const cls = await model.embed(TEXTS, { pooling: 'cls' });
  const pooler = await model.embed(TEXTS, { pooling: 'pooler' });
  TEXTS.forEach((_, b) => {
    sameVector(mean[b]!, want[b]!.mean, `mean ${b}`);
    sameVector(cls[b]!, want[b]!.cls, `cls ${b}`);
    sameVector(pooler[b]!, want[b]!.pooler, `pooler ${b}`);
  });
  const one = await model.embed(TEXTS[1]!);
  assert.ok(one instanceof Float32Array && one.length === H);
  sameVector(one, want[1]!.mean, 'one text');
  assert.equal(await model.embed([]), []);
  model.dispose();
});

test('normalize: unit length, same direction', async () => {
  const model = await base.loadBert(base.ckpt);
  const [raw, unit] = [await model.embed(TEXTS[0]!, { pooling: 'cls' }), await model.embed(TEXTS[0]!, { pooling: 'cls', normalize: true })];
  const norm = Math.hypot(...raw);
  close(Math.hypot(...unit), 1, 'norm', 1e-6);
  sameVector(unit, Array.from(raw, (x) => x / norm), 'direction');
  model.dispose();
});

test('bad input; a package without the pooler refuses pooling: pooler only', async () => {
  const model = await base.loadBert(base.ckpt);
  await rejects(base, () => model.embed(['ok', '']), 'embed: texts[1] is empty');
  await rejects(base, () => model.embed('x', { pooling: 'max' } as never), "embed: pooling must be 'cls' or 'mean' or 'pooler'");
  await rejects(base, () => model.embed('x', { normalize: 'yes' } as never), 'embed: normalize must be true or false');
  await rejects(base, () => model.nextSentence('a', 'b'), 'nextSentence is not available for BertModel', 'BertForNextSentencePrediction');
  model.dispose();
  const bare = await noPooler.loadBert(noPooler.ckpt);
  assert.is((await bare.embed('Hello', { pooling: 'cls' })).length, H);
  await rejects(noPooler, () => bare.embed('Hello', { pooling: 'pooler' }), 'add_pooling_layer=false');
  bare.dispose();
});

test.run();
