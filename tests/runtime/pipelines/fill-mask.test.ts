/**
 * fillMask on BertForMaskedLM and BertForPreTraining against the computation written out: the slow tokenizer, the
 * CPU model, softmax at each mask, the top k, and the sequences decoded as HF's fill-mask pipeline does.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { FillMaskCandidate } from '../../../runtime/pipelines/api.ts';
import { close, reference, rejects, row, slow, softmaxOf, tinyPackage, type Package } from './helpers.ts';

let mlm: Package;
let pretraining: Package;

test.before(async () => {
  mlm = await tinyPackage('BertForMaskedLM');
  pretraining = await tinyPackage('BertForPreTraining');
});

/** HF FillMaskPipeline.postprocess, written out. */
function expected(p: Package, text: string, topK: number, output: string) {
  const ids = slow.encode(text).input_ids;
  const logits = reference(p, { input_ids: [ids] })[output]!;
  const V = logits.shape[2]!;
  const masks = ids.flatMap((id, i) => (id === slow.maskTokenId ? [i] : []));
  return masks.map((pos) => {
    const probs = softmaxOf(row(logits, pos * V, (pos + 1) * V));
    const order = probs.map((_, i) => i).sort((a, b) => probs[b]! - probs[a]! || a - b).slice(0, topK);
    return order.map((token) => {
      const filled = ids.map((id, i) => (i === pos ? token : id));
      const sequence =
        masks.length === 1
          ? slow.decode(filled, { skipSpecialTokens: true })
          : slow.decode(filled.filter((id, i) => i === pos || ![slow.clsTokenId, slow.sepTokenId, slow.padTokenId].includes(id)));
      return { score: probs[token]!, token, tokenStr: slow.convertIdsToTokens(token), sequence };
    });
  });
}

function same(g: FillMaskCandidate[][], want: ReturnType<typeof expected>): void {
  assert.is(g.length, want.length, 'one list per mask');
  want.forEach((cands, m) => {
    assert.equal(g[m]!.map((c) => [c.token, c.tokenStr, c.sequence]), cands.map((c) => [c.token, c.tokenStr, c.sequence]), `mask ${m}`);
    cands.forEach((c, k) => close(g[m]![k]!.score, c.score, `mask ${m} candidate ${k}`));
  });
}

test('one mask: the top 5 by softmax probability, with HF-decoded sequences', async () => {
  const model = await mlm.loadBert(mlm.ckpt);
  const text = 'Paris is the [MASK] of France.';
  const got = await model.fillMask(text);
  same(got, expected(mlm, text, 5, 'logits'));
  assert.is(got[0]!.length, 5);
  assert.ok(got[0]!.every((c, k) => k === 0 || c.score <= got[0]![k - 1]!.score), 'best first');
  assert.match(got[0]![0]!.sequence, /^paris is the \S+ of france\.$/);
  same(await model.fillMask(text, { topK: 2 }), expected(mlm, text, 2, 'logits'));
  model.dispose();
});

test('several masks: one list each; the other masks stay in each sequence, [CLS]/[SEP] do not', async () => {
  const model = await mlm.loadBert(mlm.ckpt);
  const text = 'The [MASK] sat on the [MASK].';
  const got = await model.fillMask(text, { topK: 3 });
  same(got, expected(mlm, text, 3, 'logits'));
  assert.ok(got[0]!.every((c) => c.sequence.startsWith('the') && c.sequence.endsWith(' sat on the [MASK].')), 'first mask filled');
  assert.ok(got[1]!.every((c) => c.sequence.startsWith('the [MASK] sat on the')), 'second mask filled');
  // topK beyond the vocabulary gives the whole vocabulary, as HF clamps it
  assert.is((await model.fillMask('a [MASK]', { topK: 10_000 }))[0]!.length, model.config['vocab_size']);
  model.dispose();
});

test('BertForPreTraining: fillMask reads prediction_logits; nextSentence its NSP head', async () => {
  const model = await pretraining.loadBert(pretraining.ckpt);
  const text = 'I live in [MASK].';
  same(await model.fillMask(text, { topK: 4 }), expected(pretraining, text, 4, 'prediction_logits'));
  const enc = slow.encode('I went to the shop.', 'I bought some milk.');
  const nsp = reference(pretraining, { input_ids: [enc.input_ids], token_type_ids: [enc.token_type_ids!] })['seq_relationship_logits']!;
  const [p0, p1] = softmaxOf(nsp.data);
  const got = await model.nextSentence('I went to the shop.', 'I bought some milk.');
  close(got.score, p0!, 'P(is next)');
  assert.is(got.isNext, p0! >= p1!);
  model.dispose();
});

test('bad input: no [MASK], empty or non-string text, bad topK, unknown option, too long, wrong entry', async () => {
  const model = await mlm.loadBert(mlm.ckpt);
  await rejects(mlm, () => model.fillMask('No mask here.'), 'fillMask: the text has no [MASK] token', 'Paris is the [MASK] of France.');
  await rejects(mlm, () => model.fillMask(''), 'fillMask: text is empty');
  await rejects(mlm, () => model.fillMask('   '), 'fillMask: text is empty');
  await rejects(mlm, () => model.fillMask(42 as never), 'fillMask: text must be a string, got number');
  await rejects(mlm, () => model.fillMask('a [MASK]', { topK: 0 }), 'fillMask: topK must be a positive integer, got 0');
  await rejects(mlm, () => model.fillMask('a [MASK]', { top_k: 3 } as never), "fillMask: unknown option 'top_k' (known: topK)");
  await rejects(mlm, () => model.fillMask(`${'the '.repeat(70)}[MASK]`), 'fillMask: text is 73 tokens long', 'at most 64');
  await rejects(mlm, () => model.classify('text'), 'classify is not available for BertForMaskedLM', 'BertForSequenceClassification', '--entry BertForSequenceClassification');
  await rejects(mlm, () => model.embed('text'), 'embed is not available for BertForMaskedLM', 'this one has fillMask');
  model.dispose();
  await rejects(mlm, () => model.fillMask('a [MASK]'), 'this model was disposed');
});

test.run();
