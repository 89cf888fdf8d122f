/**
 * transformers' own unit tests for BERT tokenization (tests/models/bert/test_tokenization_bert.py), with their
 * expected values, run against the port (BasicTokenizer / WordpieceTokenizer) and both tokenizers.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BasicTokenizer, WordpieceTokenizer, type BasicTokenizerOptions } from '../../../runtime/tokenizer/basic-tokenizer.ts';
import { BertTokenizer, BertTokenizerFast, type TokenizerOptions } from '../../../runtime/tokenizer/index.ts';
import { isControl, isPunctuation, isWhitespace } from '../../../runtime/tokenizer/unicode.ts';

const basic = (o: Partial<BasicTokenizerOptions> = {}) =>
  new BasicTokenizer({ doLowerCase: true, stripAccents: undefined, tokenizeChineseChars: true, neverSplit: new Set(), ...o });

/** HF's test vocabulary. */
const VOCAB = ['[UNK]', '[CLS]', '[SEP]', '[PAD]', '[MASK]', 'want', '##want', '##ed', 'wa', 'un', 'runn', '##ing', ',', 'low', 'lowest'];
const both = (opts?: TokenizerOptions) => {
  const text = VOCAB.join('\n') + '\n';
  return [BertTokenizer.fromVocab(text, opts), BertTokenizerFast.fromContents({ vocab: text }, opts)] as const;
};

test('test_chinese', () => {
  assert.equal(basic().tokenize('ah\u535A\u63A8zz'), ['ah', '\u535A', '\u63A8', 'zz']);
});

test('test_basic_tokenizer_lower (+ strip_accents default / true / false)', () => {
  assert.equal(basic().tokenize(' \tHeLLo!how  \n Are yoU?  '), ['hello', '!', 'how', 'are', 'you', '?']);
  assert.equal(basic().tokenize('H\u00E9llo'), ['hello']);
  assert.equal(basic({ stripAccents: false }).tokenize(' \tHäLLo!how  \n Are yoU?  '), ['hällo', '!', 'how', 'are', 'you', '?']);
  assert.equal(basic({ stripAccents: false }).tokenize('H\u00E9llo'), ['h\u00E9llo']);
  assert.equal(basic({ stripAccents: true }).tokenize(' \tHäLLo!how  \n Are yoU?  '), ['hallo', '!', 'how', 'are', 'you', '?']);
  assert.equal(basic({ stripAccents: true }).tokenize('H\u00E9llo'), ['hello']);
  assert.equal(basic().tokenize(' \tHäLLo!how  \n Are yoU?  '), ['hallo', '!', 'how', 'are', 'you', '?']);
});

test('test_basic_tokenizer_no_lower (+ strip_accents false / true)', () => {
  assert.equal(basic({ doLowerCase: false }).tokenize(' \tHeLLo!how  \n Are yoU?  '), ['HeLLo', '!', 'how', 'Are', 'yoU', '?']);
  assert.equal(basic({ doLowerCase: false, stripAccents: false }).tokenize(' \tHäLLo!how  \n Are yoU?  '), ['HäLLo', '!', 'how', 'Are', 'yoU', '?']);
  assert.equal(basic({ doLowerCase: false, stripAccents: true }).tokenize(' \tHäLLo!how  \n Are yoU?  '), ['HaLLo', '!', 'how', 'Are', 'yoU', '?']);
});

test('test_basic_tokenizer_respects_never_split_tokens', () => {
  const t = basic({ doLowerCase: false, neverSplit: new Set(['[UNK]']) });
  assert.equal(t.tokenize(' \tHeLLo!how  \n Are yoU? [UNK]'), ['HeLLo', '!', 'how', 'Are', 'yoU', '?', '[UNK]']);
});

test('test_basic_tokenizer_splits_on_punctuation', () => {
  assert.equal(basic().tokenize("a\n'll !!to?'d of, can't"), ['a', "'", 'll', '!', '!', 'to', '?', "'", 'd', 'of', ',', 'can', "'", 't']);
});

test('test_wordpiece_tokenizer', () => {
  const vocab = new Map(['[UNK]', '[CLS]', '[SEP]', 'want', '##want', '##ed', 'wa', 'un', 'runn', '##ing'].map((t, i) => [t, i]));
  const wp = new WordpieceTokenizer(vocab, '[UNK]');
  assert.equal(wp.tokenize(''), []);
  assert.equal(wp.tokenize('unwanted running'), ['un', '##want', '##ed', 'runn', '##ing']);
  assert.equal(wp.tokenize('unwantedX running'), ['[UNK]', 'runn', '##ing']);
});

test('test_is_whitespace / test_is_control / test_is_punctuation', () => {
  for (const c of [' ', '\t', '\r', '\n', '\u00A0']) assert.ok(isWhitespace(c), JSON.stringify(c));
  for (const c of ['A', '-']) assert.not.ok(isWhitespace(c), c);
  assert.ok(isControl('\u0005'));
  for (const c of ['A', ' ', '\t', '\r']) assert.not.ok(isControl(c), JSON.stringify(c));
  for (const c of ['-', '$', '`', '.']) assert.ok(isPunctuation(c), c);
  for (const c of ['A', ' ']) assert.not.ok(isPunctuation(c), JSON.stringify(c));
});

test('test_clean_text: the soft hyphen (Cf) disappears', () => {
  for (const tok of both()) assert.equal(['Test', '\xad', 'test'].map((t) => tok.tokenize(t)), [['[UNK]'], [], ['[UNK]']]);
});

test('test_full_tokenizer', () => {
  for (const tok of both()) {
    const tokens = tok.tokenize('UNwant\u00E9d,running');
    assert.equal(tokens, ['un', '##want', '##ed', ',', 'runn', '##ing']);
    assert.equal(tok.convertTokensToIds(tokens), [9, 6, 7, 12, 10, 11]);
  }
});

test('test_chinese with the full tokenizers, and tokenize_chinese_chars=false', () => {
  const vocab = ['[UNK]', '[CLS]', '[SEP]', '[PAD]', '[MASK]', 'ah', '##zz', '\u535A', '\u63A8', 'zz', '##\u535A', '##\u63A8'];
  for (const tok of [BertTokenizer.fromVocab(vocab.join('\n')), BertTokenizerFast.fromContents({ vocab: vocab.join('\n') })]) {
    assert.equal(tok.tokenize('ah\u535A\u63A8zz'), ['ah', '\u535A', '\u63A8', 'zz']);
  }
  const off = { tokenizeChineseChars: false };
  for (const tok of [BertTokenizer.fromVocab(vocab.join('\n'), off), BertTokenizerFast.fromContents({ vocab: vocab.join('\n') }, off)]) {
    assert.equal(tok.tokenize('ah\u535A\u63A8zz'), ['ah', '##\u535A', '##\u63A8', '##zz']);
  }
});

test('never_split keeps a whole word un-lowercased and out of WordPiece (BertTokenizer._tokenize)', () => {
  const [slow, fast] = both({ neverSplit: ['Want!', 'lowest'], doLowerCase: true });
  // HF's slow tokenize() returns the never-split word itself; its id is [UNK]'s when the vocabulary lacks it.
  assert.equal(slow.tokenize('Want! want!'), ['Want!', 'want', '[UNK]']);
  assert.equal(fast.tokenize('Want! want!'), ['[UNK]', 'want', '[UNK]']);
  for (const tok of [slow, fast]) {
    assert.equal(tok.textToIds('Want! want!'), [0, 5, 0]);
    assert.equal(tok.tokenize('LOWEST lowest'), ['lowest', 'lowest']);
  }
});

test('cased (do_lower_case=false) with NFC: a decomposed é composes, as HF does before splitting', () => {
  const vocab = ['[UNK]', '[CLS]', '[SEP]', '[PAD]', '[MASK]', 'caf', '##é', '##e', 'Caf'];
  for (const tok of [BertTokenizer.fromVocab(vocab.join('\n'), { doLowerCase: false }), BertTokenizerFast.fromContents({ vocab: vocab.join('\n') }, { doLowerCase: false })]) {
    assert.equal(tok.tokenize('caf\u00e9 cafe\u0301 Caf\u00e9'), ['caf', '##é', 'caf', '##é', 'Caf', '##é']);
  }
});

test('test_sequence_builders', () => {
  for (const tok of both()) {
    const a = tok.textToIds('sequence builders');
    const b = tok.textToIds('multi-sequence build');
    assert.equal(tok.buildInputsWithSpecialTokens(a), [1, ...a, 2]);
    assert.equal(tok.buildInputsWithSpecialTokens(a, b), [1, ...a, 2, ...b, 2]);
  }
});

test.run();
