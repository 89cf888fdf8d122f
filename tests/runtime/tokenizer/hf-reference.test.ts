/**
 * bert-base-uncased through BertTokenizer / BertTokenizerFast vs Hugging Face's Rust tokenizer (the engine of
 * transformers' BertTokenizerFast) on the classic examples, odd input and every padding/truncation mode.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bertBaseUncased, sameAsReference } from './helpers.ts';
import { BERT_BASE_UNCASED_VOCAB_SHA256, realVocabTxt, referenceDecode, sha256 } from './reference.ts';

test('the vocabulary is the real bert-base-uncased vocab.txt', () => {
  const vocab = realVocabTxt();
  assert.is(sha256(vocab), BERT_BASE_UNCASED_VOCAB_SHA256);
  assert.is(vocab.split('\n').length - 1, 30522);
});

test('"Hello, my dog is cute": the ids HF documents', async () => {
  const enc = await sameAsReference(['Hello, my dog is cute']);
  assert.equal(enc.input_ids, [[101, 7592, 1010, 2026, 3899, 2003, 10140, 102]]);
});

test('[MASK] written in the text stays one token', async () => {
  const enc = await sameAsReference(['The capital of France is [MASK].']);
  assert.equal(enc.input_ids, [[101, 1996, 3007, 1997, 2605, 2003, 103, 1012, 102]]);
  const { fast } = await bertBaseUncased();
  assert.equal(fast.tokenize('The capital of France is [MASK].'), ['the', 'capital', 'of', 'france', 'is', '[MASK]', '.']);
  // Only the exact spelling is special: HF matches added tokens on the raw text.
  await sameAsReference(['[mask] [MASK]x y[SEP]z [CLS][PAD][UNK]']);
});

test('a sentence pair: token types and special-tokens mask', async () => {
  const enc = await sameAsReference([['Who was Jim Henson?', 'Jim Henson was a nice puppet']]);
  assert.equal(enc.input_ids, [[101, 2040, 2001, 3958, 27227, 1029, 102, 3958, 27227, 2001, 1037, 3835, 13997, 102]]);
  assert.equal(enc.token_type_ids, [[0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]]);
  assert.equal(enc.special_tokens_mask, [[1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1]]);
});

test('multiple choice: the prompt paired with each choice, padded together', async () => {
  const prompt = 'In Italy, pizza served in formal settings, such as at a restaurant, is presented unsliced.';
  const choices = ['It is eaten with a fork and a knife.', 'It is eaten while held in the hand.'];
  const pairs: [string, string][] = choices.map((c) => [prompt, c]);
  const enc = await sameAsReference(pairs, { padding: true }, { padding: 'longest' });
  assert.is(enc.input_ids[0]!.length, enc.input_ids[1]!.length);
  assert.ok(enc.attention_mask![1]!.includes(0), 'the shorter choice is padded');
  await sameAsReference(pairs, { padding: 'max_length', maxLength: 48 }, { padding: 'max_length', maxLength: 48 });
  const { fast } = await bertBaseUncased();
  assert.equal(fast.encodeBatch([prompt, prompt], choices, { padding: true }), fast.encodeBatch(pairs, { padding: true }));
});

test('accents, CJK, emoji, controls, odd whitespace, empty strings', async () => {
  const texts = [
    'Héllò wörld',
    'naïve café, résumé, façade, Ångström',
    '我爱北京天安门',
    'I love 北京 and 東京!',
    '日本語のテキストと한국어',
    'emoji 😀👍🏽 ok 👨‍👩‍👧 ❤️',
    'a\u0000b\u0007c\ufffdd\u200be\u00adf',
    'tabs\tand\nnew\r\nlines\u00a0nbsp\u3000ideographic\u2028ls',
    '',
    '   ',
    '\u0000\u0001',
    'ﬁne Ǆ İstanbul ß',
    '##s ## ###',
    "don't I'm we've they're it's",
    'U.S.A. e-mail $5.00 50% a+b=c ~`^|<>',
    'x'.repeat(100),
    'x'.repeat(101),
  ];
  for (const t of texts) await sameAsReference([t]);
  await sameAsReference(texts, { padding: true }, { padding: 'longest' }, 'all odd texts as one padded batch');
  await sameAsReference([['', ''], ['', 'x'], ['我', '😀']]);
});

test('very long input: truncation to max_length, default and explicit', async () => {
  const long = 'The quick brown fox jumps over the lazy dog. '.repeat(200);
  const enc = await sameAsReference([long], { truncation: true }, { truncation: 'longest_first', maxLength: 512 });
  assert.is(enc.input_ids[0]!.length, 512, 'model_max_length from tokenizer_config.json');
  assert.is(enc.input_ids[0]!.at(-1), 102, 'ends with [SEP]');
  await sameAsReference([long], { maxLength: 16 }, { truncation: 'longest_first', maxLength: 16 }, 'maxLength alone truncates');
  await sameAsReference([long], { maxLength: 16, truncationSide: 'left' }, { truncation: 'longest_first', maxLength: 16, truncationSide: 'left' });
  await sameAsReference([long, 'short'], { maxLength: 20, truncation: true, padding: 'max_length' }, { truncation: 'longest_first', maxLength: 20, padding: 'max_length' });
  await sameAsReference(['one two three'], { truncation: true, maxLength: 2 }, { truncation: 'longest_first', maxLength: 2 }, 'only the specials fit');
});

test('pair truncation strategies', async () => {
  const { fast } = await bertBaseUncased();
  const a = 'one two three four five six seven eight nine ten eleven twelve';
  const b = 'alpha beta gamma delta epsilon';
  const len = (t: string) => fast.textToIds(t).length;
  for (const maxLength of [8, 11, 14, 17, 20, 40]) {
    for (const strategy of ['longest_first', 'only_first', 'only_second'] as const) {
      // With the longer text second, longest_first can hit the tie-break where HF's slow and fast tokenizers part
      // ways (deviations.test.ts); with the longer text first they agree.
      const orders: [string, string][] = strategy === 'longest_first' ? [[a, b]] : [[a, b], [b, a]];
      for (const [x, y] of orders) {
        const remove = len(x) + len(y) + 3 - maxLength;
        const target = strategy === 'only_second' ? len(y) : len(x);
        if (strategy !== 'longest_first' && remove >= target) continue; // an error in both; see api.test.ts
        await sameAsReference([[x, y]], { truncation: strategy, maxLength }, { truncation: strategy, maxLength }, `${strategy} ${maxLength}`);
      }
    }
  }
  await sameAsReference([[a, b]], { truncation: 'longest_first', maxLength: 12, truncationSide: 'left' }, { truncation: 'longest_first', maxLength: 12, truncationSide: 'left' });
});

test('padding modes: longest, max_length, pad_to_multiple_of, left side, no special tokens', async () => {
  const texts = ['short', 'a somewhat longer sentence here', 'mid length one'];
  await sameAsReference(texts, { padding: 'longest' }, { padding: 'longest' });
  await sameAsReference(texts, { padding: 'max_length', maxLength: 12 }, { padding: 'max_length', maxLength: 12 });
  await sameAsReference(texts, { padding: true, padToMultipleOf: 8 }, { padding: 'longest', padToMultipleOf: 8 });
  await sameAsReference(['one'], { padding: true, padToMultipleOf: 8 }, { padding: 'longest', padToMultipleOf: 8 }, 'single text rounded up');
  await sameAsReference(texts, { padding: true, paddingSide: 'left' }, { padding: 'longest', paddingSide: 'left' });
  await sameAsReference(texts, { padding: true, addSpecialTokens: false }, { padding: 'longest', addSpecialTokens: false });
});

test('decode matches transformers BertTokenizerFast.decode (Rust decoder + clean-up)', async () => {
  const { slow, fast } = await bertBaseUncased();
  const texts = ['Hello, my dog is cute', "I'm sure it isn't! They've said we're fine, haven't they?", 'unaffable tokenization ##s', 'The capital of France is [MASK].', 'a . b ? c ! d , e'];
  for (const t of texts) {
    const ids = fast.encode(t, 'Second text .').input_ids;
    for (const skip of [false, true]) {
      for (const clean of [true]) {
        const want = await referenceDecode(ids, skip, clean);
        assert.is(fast.decode(ids, { skipSpecialTokens: skip, cleanUpTokenizationSpaces: clean }), want, t);
        assert.is(slow.decode(ids, { skip_special_tokens: skip, clean_up_tokenization_spaces: clean }), want, t);
      }
    }
  }
  assert.is(fast.decode([101, 7592, 1010, 2026, 3899, 2003, 10140, 102]), '[CLS] hello, my dog is cute [SEP]');
  assert.is(fast.decode([101, 7592, 1010, 2026, 3899, 102], { cleanUpTokenizationSpaces: false }), '[CLS] hello , my dog [SEP]');
});

test.run();
