/**
 * classify (single-label, multi-label, regression), nextSentence and chooseAnswer against the computation written
 * out: the slow tokenizer, the CPU model, and HF's post-processing; batches are padded and must agree with one-by-one.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { close, reference, rejects, row, slow, softmaxOf, tinyPackage, type Package } from './helpers.ts';

let single: Package;
let multi: Package;
let regression: Package;
let nsp: Package;
let mc: Package;

test.before(async () => {
  single = await tinyPackage('BertForSequenceClassification', { config: { id2label: { 0: 'NEGATIVE', 1: 'POSITIVE' } } });
  multi = await tinyPackage('BertForSequenceClassification', {
    config: { num_labels: 3, problem_type: 'multi_label_classification', id2label: { 0: 'sports', 1: 'music', 2: 'film' } },
  });
  regression = await tinyPackage('BertForSequenceClassification', { config: { num_labels: 1, problem_type: 'regression' }, tokenizer: 'vocab' });
  nsp = await tinyPackage('BertForNextSentencePrediction');
  mc = await tinyPackage('BertForMultipleChoice');
});

/** The logits of `items` run one by one (unpadded), by the slow tokenizer and the CPU model. */
function logitsOf(p: Package, items: (string | [string, string])[]): number[][] {
  return items.map((x) => {
    const enc = typeof x === 'string' ? slow.encode(x) : slow.encode(x[0], x[1]);
    const t = reference(p, { input_ids: [enc.input_ids], token_type_ids: [enc.token_type_ids!] })['logits']!;
    return row(t, 0, t.shape[1]!);
  });
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

test('single-label: softmax, labels from id2label, best first; a padded batch with a pair agrees item by item', async () => {
  const model = await single.loadBert(single.ckpt);
  const items: (string | [string, string])[] = ['I loved this film!', 'A bad film.', ['Is it raining?', 'The sun is out.']];
  const want = logitsOf(single, items).map(softmaxOf);
  const got = await model.classify(items, { topK: 2 });
  assert.is(got.length, 3);
  got.forEach((labels, b) => {
    const order = want[b]![0]! >= want[b]![1]! ? [0, 1] : [1, 0];
    assert.equal(labels.map((l) => l.label), order.map((i) => ['NEGATIVE', 'POSITIVE'][i]), `item ${b}`);
    labels.forEach((l, k) => close(l.score, want[b]![order[k]!]!, `item ${b} label ${k}`, 1e-5));
  });
  // The same, one at a time and in the other spellings of a pair.
  const [one] = await model.classify('I loved this film!');
  close(one!.score, got[0]![0]!.score, 'alone vs in a batch', 1e-5);
  const pair = await model.classify({ text: 'Is it raining?', textPair: 'The sun is out.' });
  assert.is(pair[0]!.label, got[2]![0]!.label);
  close(pair[0]!.score, got[2]![0]!.score, 'pair', 1e-5);
  assert.equal(await model.classify([]), []);
  model.dispose();
});

test('multi-label: sigmoid per label; functionToApply overrides; topK beyond the labels gives them all', async () => {
  const model = await multi.loadBert(multi.ckpt);
  const [logits] = logitsOf(multi, ['The man plays guitar in a film.']);
  const got = await model.classify('The man plays guitar in a film.', { topK: 10 });
  assert.is(got.length, 3);
  const byLabel = Object.fromEntries(got.map((l) => [l.label, l.score]));
  ['sports', 'music', 'film'].forEach((name, i) => close(byLabel[name]!, sigmoid(logits![i]!), name));
  assert.ok(got[0]!.score >= got[1]!.score && got[1]!.score >= got[2]!.score, 'best first');
  const soft = await model.classify('The man plays guitar in a film.', { topK: 3, functionToApply: 'softmax' });
  close(soft.reduce((s, l) => s + l.score, 0), 1, 'softmax sums to 1');
  model.dispose();
});

test('regression: the raw score; no id2label in config.json means LABEL_0 (tokenizer from vocab.txt)', async () => {
  const model = await regression.loadBert(regression.ckpt);
  const [logits] = logitsOf(regression, ['A nice big house.']);
  const [got] = await model.classify('A nice big house.');
  assert.is(got!.label, 'LABEL_0');
  close(got!.score, logits![0]!, 'raw logit');
  model.dispose();
});

test('classify: bad input', async () => {
  const model = await single.loadBert(single.ckpt);
  await rejects(single, () => model.classify(''), 'classify: input is empty');
  await rejects(single, () => model.classify(['fine', '']), 'classify: inputs[1] is empty');
  await rejects(single, () => model.classify([['a', 'b', 'c']] as never), 'classify: inputs[0] must be a text', 'got an array of 3');
  await rejects(single, () => model.classify({ text: 'a', pair: 'b' } as never), "classify: input: unknown key 'pair'");
  await rejects(single, () => model.classify(7 as never), 'classify: input must be a text or { text, textPair }');
  await rejects(single, () => model.classify('a', { functionToApply: 'relu' } as never), "classify: functionToApply must be 'softmax' or 'sigmoid' or 'none'");
  await rejects(single, () => model.answer('q', 'c'), 'answer is not available for BertForSequenceClassification', '--entry BertForQuestionAnswering');
  model.dispose();
});

test('nextSentence: softmax of the NSP logits, label 0 = is next', async () => {
  const model = await nsp.loadBert(nsp.ckpt);
  for (const [a, b] of [['I went to the shop.', 'I bought some milk.'], ['The cat sat on the mat.', 'Paris is in France.']] as const) {
    const [logits] = logitsOf(nsp, [[a, b]]);
    const [p0, p1] = softmaxOf(logits!);
    const got = await model.nextSentence(a, b);
    close(got.score, p0!, `${a} / ${b}`);
    assert.is(got.isNext, p0! >= p1!);
  }
  await rejects(nsp, () => model.nextSentence('a', ''), 'nextSentence: b is empty');
  model.dispose();
});

test('chooseAnswer: the prompt paired with each choice, padded into one [1, C, S] row; softmax over choices', async () => {
  const model = await mc.loadBert(mc.ckpt);
  const prompt = 'The cat sat on the';
  const choices = ['mat.', 'big red house.', 'moon.'];
  const enc = slow.encodeBatch(choices.map((c) => [prompt, c] as [string, string]), { padding: true });
  assert.ok(new Set(choices.map((c) => slow.encode(prompt, c).input_ids.length)).size > 1, 'the choices need padding');
  const logits = reference(mc, { input_ids: [enc.input_ids], attention_mask: [enc.attention_mask!], token_type_ids: [enc.token_type_ids!] })['logits']!;
  const want = softmaxOf(logits.data);
  const got = await model.chooseAnswer(prompt, choices);
  want.forEach((p, i) => close(got.scores[i]!, p, `choice ${i}`));
  const best = want.indexOf(Math.max(...want));
  assert.equal([got.index, got.choice], [best, choices[best]]);
  await rejects(mc, () => model.chooseAnswer(prompt, []), 'chooseAnswer: choices is empty');
  await rejects(mc, () => model.chooseAnswer(prompt, 'mat' as never), 'chooseAnswer: choices must be an array of texts');
  await rejects(mc, () => model.chooseAnswer('', ['a']), 'chooseAnswer: prompt is empty');
  model.dispose();
});

test.run();
