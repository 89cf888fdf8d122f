/**
 * tokenClassify against the computation written out (slow tokenizer, CPU model, per-token softmax and argmax, HF's
 * grouping rules), with character offsets checked against the words of the original text, [UNK]s and accents
 * included.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TokenEntity } from '../../../runtime/pipelines/api.ts';
import type { PipelineContext } from '../../../runtime/pipelines/common.ts';
import { groupEntities } from '../../../runtime/pipelines/token-classify.ts';
import { BertTokenizerFast } from '../../../runtime/tokenizer/index.ts';
import { tinyTokenizerJson } from '../../../scripts/examples/tiny-bert.ts';
import { close, reference, rejects, row, slow, softmaxOf, tinyPackage, type Package } from './helpers.ts';

const LABELS = ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC'];
let ner: Package;

test.before(async () => {
  ner = await tinyPackage('BertForTokenClassification', { config: { num_labels: 5, id2label: { ...LABELS } }, seed: 1 });
});

const TEXT = 'My name is  Wolfgang and I live in New York, playing guitar at Zürich.';
/** What each token stands for in TEXT, in order: `play` + `ing`; `at` and `Zürich` are not in the vocabulary. */
const PIECES = ['My', 'name', 'is', 'Wolfgang', 'and', 'I', 'live', 'in', 'New', 'York', ',', 'play', 'ing', 'guitar', 'at', 'Zürich', '.'];

/** The expected entities with `aggregation: 'none'` and nothing ignored: HF's gather_pre_entities + aggregate. */
function expected(): TokenEntity[] {
  const ids = slow.encode(TEXT).input_ids;
  const logits = reference(ner, { input_ids: [ids] })['logits']!;
  let at = 0;
  return PIECES.map((piece, k) => {
    const start = TEXT.indexOf(piece, at);
    at = start + piece.length;
    const index = k + 1;
    const probs = softmaxOf(row(logits, index * 5, index * 5 + 5));
    const best = probs.indexOf(Math.max(...probs));
    const id = ids[index]!;
    const word = id === slow.unkTokenId ? piece : slow.convertIdsToTokens(id);
    return { entity: LABELS[best]!, score: probs[best]!, index, word, start, end: start + piece.length };
  });
}

function same(got: readonly { score: number }[], want: readonly { score: number }[]): void {
  assert.equal(got.map(({ score: _, ...rest }) => rest), want.map(({ score: _, ...rest }) => rest));
  want.forEach((w, k) => close(got[k]!.score, w.score, `entity ${k}`));
}

test("aggregation 'none': each token's label, score and offsets into the original text", async () => {
  const model = await ner.loadBert(ner.ckpt);
  const want = expected();
  assert.equal(slow.encode(TEXT).input_ids.length, PIECES.length + 2, 'one token per piece');
  assert.ok(want.some((e) => e.word === 'Zürich') && want.some((e) => e.word === '##ing'), 'an [UNK] and a ## piece');
  same(await model.tokenClassify(TEXT, { ignoreLabels: [] }), want);
  same(await model.tokenClassify(TEXT), want.filter((e) => e.entity !== 'O'));
  assert.ok(want.some((e) => e.entity === 'O') && want.some((e) => e.entity !== 'O'), 'the random head gives a mix of labels');
  model.dispose();
});

/** HF's group_entities, written out again. */
function grouped(entities: TokenEntity[]) {
  const tagOf = (e: string) => (e.startsWith('B-') || e.startsWith('I-') ? [e[0], e.slice(2)] : ['I', e]);
  const groups: TokenEntity[][] = [];
  for (const e of entities) {
    const last = groups.at(-1)?.at(-1);
    const [bi, tag] = tagOf(e.entity);
    if (last && tagOf(last.entity)[1] === tag && bi !== 'B') groups.at(-1)!.push(e);
    else groups.push([e]);
  }
  return groups.map((g) => ({
    entityGroup: tagOf(g[0]!.entity)[1]!,
    score: g.reduce((s, e) => s + e.score, 0) / g.length,
    word: slow.convertTokensToString(g.map((e) => e.word)),
    start: g[0]!.start,
    end: g.at(-1)!.end,
  }));
}

test("aggregation 'simple': HF's B-/I- grouping over the same tokens; 'O' groups left out", async () => {
  const model = await ner.loadBert(ner.ckpt);
  const want = grouped(expected());
  same(await model.tokenClassify(TEXT, { aggregation: 'simple', ignoreLabels: [] }), want);
  const got = await model.tokenClassify(TEXT, { aggregation: 'simple' });
  same(got, want.filter((g) => g.entityGroup !== 'O'));
  for (const g of got) assert.ok(TEXT.slice(g.start, g.end).length > 0);
  model.dispose();
});

test('grouping rules on known labels: I- continues, B- starts anew, a new type starts anew, ## pieces rejoin', () => {
  const tokenizer = BertTokenizerFast.fromTokenizerJson(JSON.stringify(tinyTokenizerJson()));
  const ctx = { tokenizer } as unknown as PipelineContext;
  const e = (entity: string, word: string, start: number, end: number, score = 0.5) => ({ entity, score, index: 0, word, start, end });
  const groups = groupEntities(ctx, [
    e('B-PER', 'jim', 0, 3, 0.9), e('I-PER', 'henson', 4, 10, 0.7), e('B-PER', 'sarah', 11, 16), e('O', 'in', 17, 19),
    e('B-LOC', 'new', 20, 23), e('I-LOC', 'york', 24, 28), e('I-PER', 'play', 29, 33), e('I-PER', '##ing', 33, 36), e('LOC', 'paris', 37, 42),
  ]);
  assert.equal(groups.map((g) => [g.entityGroup, g.word, g.start, g.end]), [
    ['PER', 'jim henson', 0, 10], ['PER', 'sarah', 11, 16], ['O', 'in', 17, 19], ['LOC', 'new york', 20, 28], ['PER', 'playing', 29, 36],
    ['LOC', 'paris', 37, 42],
  ]);
  close(groups[0]!.score, 0.8, 'mean score');
});

test('special tokens written in the text are no entities; long texts are cut to what the model takes', async () => {
  const model = await ner.loadBert(ner.ckpt);
  const got = await model.tokenClassify('I live in [MASK] now', { ignoreLabels: [] });
  assert.equal(got.map((x) => x.word), ['i', 'live', 'in', 'now']);
  assert.equal(got.map((x) => x.index), [1, 2, 3, 5]);
  const long = Array.from({ length: 100 }, (_, i) => (i % 2 ? 'cat' : 'dog')).join(' ');
  const all = await model.tokenClassify(long, { ignoreLabels: [] });
  assert.is(all.length, 62, 'max_position_embeddings 64 less [CLS] and [SEP]');
  assert.is(all.at(-1)!.end, long.indexOf('cat', 60 * 4) + 3);
  model.dispose();
});

test('tokenClassify: bad input', async () => {
  const model = await ner.loadBert(ner.ckpt);
  await rejects(ner, () => model.tokenClassify(''), 'tokenClassify: text is empty');
  await rejects(ner, () => model.tokenClassify('x', { aggregation: 'first' } as never), "tokenClassify: aggregation must be 'none' or 'simple'");
  await rejects(ner, () => model.tokenClassify('x', { ignoreLabels: 'O' } as never), 'tokenClassify: ignoreLabels must be an array');
  await rejects(ner, () => model.fillMask('a [MASK]'), 'fillMask is not available for BertForTokenClassification', 'BertForMaskedLM and BertForPreTraining', '--entry BertForMaskedLM');
  model.dispose();
});

test.run();
