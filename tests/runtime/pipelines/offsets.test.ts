/**
 * Token offsets (runtime/pipelines/offsets.ts) against HF's Rust tokenizer's offset mapping on the real
 * bert-base-uncased vocabulary, uncased and cased: English sentences and random text over many scripts (accents that
 * are stripped or composed, marks, CJK, emoji, [UNK]s). Rust counts code points where JavaScript counts UTF-16 units,
 * so its offsets are converted; texts whose ids Rust computes differently (Unicode-version differences, pinned in
 * tests/runtime/tokenizer/deviations.test.ts) are skipped, but the ids must always be the tokenizer's own.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tokenSpans } from '../../../runtime/pipelines/offsets.ts';
import { BertTokenizerFast } from '../../../runtime/tokenizer/index.ts';
import { englishSentences, seededRandom } from '../../../runtime/tokenizer/sample-text.ts';
import { bertTokenizerJson, realVocabTxt, rustTokenizer } from '../tokenizer/reference.ts';

const RANGES: [number, number][] = [
  [0x20, 0x7e], [0xa0, 0xff], [0x100, 0x24f], [0x300, 0x36f], [0x370, 0x3a2], [0x3a4, 0x3ff], [0x400, 0x4ff], [0x590, 0x5ff],
  [0x600, 0x6ff], [0x900, 0x97f], [0xe00, 0xe7f], [0x1100, 0x11ff], [0x1e00, 0x1eff], [0x2000, 0x200a], [0x2010, 0x2027],
  [0x3000, 0x30ff], [0x4e00, 0x9fff], [0xac00, 0xd7a3], [0xff00, 0xffef], [0x1f300, 0x1f6ff],
];
const rnd = seededRandom(7);
const randInt = (n: number) => Math.floor(rnd() * n);
/** Assigned characters only: Python drops unassigned ones as controls, Rust keeps them (a known deviation). */
function randomChar(): string {
  for (;;) {
    const [lo, hi] = RANGES[randInt(RANGES.length)]!;
    const c = String.fromCodePoint(lo + randInt(hi - lo + 1));
    if (!/^\p{Cn}$/u.test(c) && c !== 'Σ') return c;
  }
}
function randomText(maxLen: number): string {
  let s = '';
  for (let n = randInt(maxLen + 1), k = 0; k < n; k++) {
    const r = rnd();
    s += r < 0.45 ? 'etaoinshrdlucmfwypvbgkqjxzETAOIN'[randInt(32)] : r < 0.6 ? ' ' : r < 0.68 ? '.,!?\'"-#[]()'[randInt(12)] : randomChar();
  }
  return s;
}

const TEXTS = [
  'Hello, my dog is cute',
  'Héllo, wörld! 😀 x naïve café über',
  'unaffable [MASK] tokenization[SEP]and [CLS]',
  '中文字 and Ōkubo İstanbul ΟΔΟΣ e\u0301te\u0301',
  'a\u200bb don\'t \u0000 stop\ttabs\nnewlines',
  ...englishSentences(300, 3),
  ...Array.from({ length: 1500 }, (_, k) => randomText(k % 10 === 0 ? 200 : 40)),
];

for (const lowercase of [true, false]) {
  test(`${lowercase ? 'uncased' : 'cased'}: ids are the tokenizer's, offsets are HF's on ${TEXTS.length} texts`, async () => {
    const tok = BertTokenizerFast.fromTokenizerJson(bertTokenizerJson(realVocabTxt(), lowercase));
    const rust = rustTokenizer(lowercase);
    rust.disableTruncation();
    rust.disablePadding();
    let compared = 0;
    for (const text of TEXTS) {
      const spans = tokenSpans(tok, text);
      assert.equal(spans.map((s) => s.id), tok.textToIds(text), `ids of ${JSON.stringify(text)}`);
      const ref = await rust.encode(text, null, { addSpecialTokens: false });
      if (JSON.stringify(ref.getIds()) !== JSON.stringify(spans.map((s) => s.id))) continue;
      const utf16 = [0];
      for (const c of text) utf16.push(utf16.at(-1)! + c.length);
      const want = ref.getOffsets().map(([a, b]) => [utf16[a!], utf16[b!]]);
      assert.equal(spans.map((s) => [s.start, s.end]), want, `offsets of ${JSON.stringify(text)}`);
      compared++;
    }
    assert.ok(compared > 0.97 * TEXTS.length, `${compared} of ${TEXTS.length} texts compared`);
  });
}

test('special tokens written in the text keep their place; the words around them are aligned as usual', () => {
  const tok = BertTokenizerFast.fromTokenizerJson(bertTokenizerJson(realVocabTxt()));
  const text = 'Paris is the [MASK] of France.';
  const spans = tokenSpans(tok, text);
  assert.equal(spans.map((s) => text.slice(s.start, s.end)), ['Paris', 'is', 'the', '[MASK]', 'of', 'France', '.']);
  assert.equal(tokenSpans(tok, ''), []);
  assert.equal(tokenSpans(tok, ' \u0000 '), []);
});

test.run();
