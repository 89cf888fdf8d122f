/**
 * answer against HF's question-answering post-processing written out: the slow tokenizer, the CPU model, every
 * non-context position masked before the softmaxes, the best P(start)·P(end) span within maxAnswerLength, and its
 * characters found in the context by hand. Long contexts are read in overlapping windows, each run here on its own.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { close, reference, rejects, row, slow, softmaxOf, tinyPackage, type Package } from './helpers.ts';

let qa: Package;

test.before(async () => {
  qa = await tinyPackage('BertForQuestionAnswering', { seed: 2 });
});

/** Character offsets of each token of an ASCII, one-token-per-word context, found by hand. */
function wordOffsets(context: string): [number, number][] {
  const lower = context.toLowerCase();
  let at = 0;
  return slow.tokenize(context).map((t) => {
    const start = lower.indexOf(t, at);
    at = start + t.length;
    return [start, at];
  });
}

interface Span {
  score: number;
  start: number;
  end: number;
}

/** The best span of one window `ctx[from, to)` of the context's tokens, as HF scores it. */
function bestInWindow(question: string, ctxIds: number[], from: number, to: number, maxAnswer: number): Span & { s: number; e: number } {
  const q = slow.textToIds(question);
  const ids = slow.buildInputsWithSpecialTokens(q, ctxIds.slice(from, to));
  const types = slow.createTokenTypeIdsFromSequences(q, ctxIds.slice(from, to));
  const out = reference(qa, { input_ids: [ids], token_type_ids: [types] });
  const first = q.length + 2;
  const last = first + (to - from) - 1;
  const probs = (name: string) => {
    const logits = row(out[name]!, 0, ids.length).map((x, p) => (p === 0 || (p >= first && p <= last) ? x : -10000));
    const p = softmaxOf(logits);
    p[0] = 0;
    return p;
  };
  const [ps, pe] = [probs('start_logits'), probs('end_logits')];
  let best = { score: -1, s: 0, e: 0, start: 0, end: 0 };
  for (let s = first; s <= last; s++) {
    for (let e = s; e <= last && e < s + maxAnswer; e++) {
      if (ps[s]! * pe[e]! > best.score) best = { score: ps[s]! * pe[e]!, s: s - first + from, e: e - first + from, start: 0, end: 0 };
    }
  }
  return best;
}

test('the best span of the context, never of the question; offsets cut the answer out of the context', async () => {
  const model = await qa.loadBert(qa.ckpt);
  const question = 'Where does Sarah live? My name is Sarah.';
  const context = 'My name is Sarah and I live in London.';
  const offsets = wordOffsets(context);
  for (const maxAnswerLength of [30, 3, 1]) {
    const want = bestInWindow(question, slow.textToIds(context), 0, offsets.length, maxAnswerLength);
    const got = await model.answer(question, context, { maxAnswerLength });
    assert.equal([got.start, got.end], [offsets[want.s]![0], offsets[want.e]![1]], `maxAnswerLength ${maxAnswerLength}`);
    assert.is(got.answer, context.slice(got.start, got.end));
    close(got.score, want.score, `score, maxAnswerLength ${maxAnswerLength}`);
    assert.ok(want.e - want.s < maxAnswerLength, 'no longer than maxAnswerLength');
  }
  model.dispose();
});

test('a long context is read in overlapping windows; the best span over all of them wins', async () => {
  const model = await qa.loadBert(qa.ckpt);
  const question = 'Who lives in Paris?';
  const context = 'Jim lives in London. Sarah lives in Berlin. Wolfgang lives in Paris. The cat sat on the mat. A man plays guitar.';
  const ctxIds = slow.textToIds(context);
  const offsets = wordOffsets(context);
  const maxSeqLength = 20;
  const room = maxSeqLength - slow.textToIds(question).length - 3;
  const stride = 4;
  const windows: [number, number][] = [];
  for (let from = 0; ; from += room - stride) {
    windows.push([from, Math.min(ctxIds.length, from + room)]);
    if (from + room >= ctxIds.length) break;
  }
  assert.ok(windows.length >= 3, `${windows.length} windows`);
  const spans = windows.map(([from, to]) => bestInWindow(question, ctxIds, from, to, 30));
  const want = spans.reduce((a, b) => (b.score > a.score ? b : a));
  const got = await model.answer(question, context, { maxSeqLength, docStride: stride });
  assert.equal([got.start, got.end], [offsets[want.s]![0], offsets[want.e]![1]]);
  close(got.score, want.score, 'score');
  assert.is(got.answer, context.slice(got.start, got.end));
  model.dispose();
});

test('answers keep the context as written: capitals, accents and [UNK] words', async () => {
  const model = await qa.loadBert(qa.ckpt);
  const context = 'Wolfgang lives at Zürich, NEW YORK!';
  for (const maxAnswerLength of [1, 2, 3, 30]) {
    const got = await model.answer('Where?', context, { maxAnswerLength });
    assert.is(context.slice(got.start, got.end), got.answer);
    assert.ok(['Wolfgang', 'lives', 'at', 'Zürich', ',', 'NEW', 'YORK', '!'].some((w) => got.answer.startsWith(w)), got.answer);
  }
  model.dispose();
});

test('answer: bad input', async () => {
  const model = await qa.loadBert(qa.ckpt);
  await rejects(qa, () => model.answer('', 'context'), 'answer: question is empty');
  await rejects(qa, () => model.answer('Who?', ' \n '), 'answer: context is empty');
  await rejects(qa, () => model.answer('Who?', '\u0000\u0001'), 'answer: context has no tokens');
  await rejects(qa, () => model.answer('the '.repeat(70), 'a cat'), 'answer: the question is 70 tokens long', 'no room for the context in 64');
  await rejects(qa, () => model.answer('Who?', 'me', { maxAnswerLength: -1 }), 'answer: maxAnswerLength must be a positive integer');
  await rejects(qa, () => model.answer('Who?', 'me', { max_answer_len: 3 } as never), "answer: unknown option 'max_answer_len'");
  await rejects(qa, () => model.chooseAnswer('a', ['b']), 'chooseAnswer is not available for BertForQuestionAnswering', 'BertForMultipleChoice');
  model.dispose();
});

test.run();
