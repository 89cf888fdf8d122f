/** Loading, configuration precedence, the helper methods, option spellings and the errors users see. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BertTokenizer, BertTokenizerFast } from '../../../runtime/tokenizer/index.ts';
import { bertBaseUncased, rejectsUser, throwsUser } from './helpers.ts';
import { bertBaseUncasedDir, bertTokenizerJson, realVocabTxt } from './reference.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dslc-tokenizer-api-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const TINY = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'hello', 'world', '##s', ',', '.', '<s>', '</s>'].join('\n') + '\n';

test('fromPretrained, fromContents, fromVocab and fromTokenizerJson build the same tokenizer', async () => {
  const { fast } = await bertBaseUncased();
  const dir = bertBaseUncasedDir();
  const vocab = realVocabTxt();
  const json = fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8');
  const text = 'Hello, my dog is cute';
  const want = fast.encode(text);
  for (const tok of [
    BertTokenizer.fromVocab(vocab),
    BertTokenizer.fromContents({ vocab, tokenizerConfig: '{"do_lower_case": true}' }),
    BertTokenizerFast.fromTokenizerJson(json),
    BertTokenizerFast.fromTokenizerJson(JSON.parse(json)),
    BertTokenizerFast.fromContents({ vocab }),
  ]) {
    assert.equal(tok.encode(text), want);
    assert.is(tok.vocabSize, 30522);
  }
  // No tokenizer.json: BertTokenizerFast falls back to vocab.txt, as HF converts the slow tokenizer.
  const onlyVocab = path.join(tmp, 'only-vocab');
  fs.mkdirSync(onlyVocab);
  fs.writeFileSync(path.join(onlyVocab, 'vocab.txt'), vocab);
  assert.equal((await BertTokenizerFast.fromPretrained(onlyVocab)).encode(text), want);
  assert.is(fast.modelMaxLength, 512, 'from tokenizer_config.json');
});

test('settings precedence: options > special_tokens_map.json > tokenizer_config.json > tokenizer.json', () => {
  const json = bertTokenizerJson(TINY);
  const fast = BertTokenizerFast.fromContents({ tokenizerJson: json, tokenizerConfig: { do_lower_case: false } });
  assert.equal(fast.tokenize('Hello hello'), ['[UNK]', 'hello'], 'tokenizer_config do_lower_case overrides the normalizer');
  const both = { vocab: TINY, tokenizerConfig: { cls_token: '<s>', sep_token: { content: '</s>', special: true } }, specialTokensMap: { cls_token: '[CLS]' } };
  const slow = BertTokenizer.fromContents(both);
  assert.equal(slow.encode('hello').input_ids, [2, 5, 11], 'map wins for cls, config gives sep');
  assert.equal(BertTokenizer.fromContents(both, { clsToken: '<s>' }).encode('hello').input_ids, [10, 5, 11]);
  const noMask = BertTokenizer.fromVocab(TINY.replace('[MASK]', '[NOPE]'), { maskToken: null });
  assert.is(noMask.maskTokenId, undefined);
  assert.equal(BertTokenizer.fromVocab(TINY, { model_max_length: 4 }).encode('hello world hello', null, { truncation: true }).input_ids, [2, 5, 6, 3]);
});

test('added tokens (added_tokens_decoder) are cut out of raw text and decode back', () => {
  const tok = BertTokenizerFast.fromContents({ vocab: TINY, tokenizerConfig: { added_tokens_decoder: { '12': { content: '<extra>', special: true } } } });
  assert.equal(tok.encode('hello<extra>world').input_ids, [2, 5, 12, 6, 3]);
  assert.is(tok.decode([5, 12, 6]), 'hello <extra> world');
  assert.is(tok.decode([5, 12, 6], { skipSpecialTokens: true }), 'hello world');
});

test('helper methods mirror HF', async () => {
  const { fast, slow } = await bertBaseUncased();
  for (const tok of [fast, slow]) {
    assert.equal(tok.buildInputsWithSpecialTokens([7592]), [101, 7592, 102]);
    assert.equal(tok.buildInputsWithSpecialTokens([7592], [3899, 2003]), [101, 7592, 102, 3899, 2003, 102]);
    assert.equal(tok.getSpecialTokensMask([7592], [3899, 2003]), [1, 0, 1, 0, 0, 1]);
    assert.equal(tok.getSpecialTokensMask([101, 7592, 102, 0, 103], null, true), [1, 0, 1, 1, 1]);
    assert.equal(tok.createTokenTypeIdsFromSequences([7592], [3899, 2003]), [0, 0, 0, 1, 1, 1]);
    assert.equal(tok.createTokenTypeIdsFromSequences([7592, 7592]), [0, 0, 0, 0]);
    assert.equal(tok.convertTokensToIds(['[CLS]', 'hello', 'notatoken!']), [101, 7592, 100]);
    assert.is(tok.convertTokensToIds('dog'), 3899);
    assert.equal(tok.convertIdsToTokens([101, 7592, 102], true), ['hello']);
    assert.is(tok.convertIdsToTokens(7592), 'hello');
    assert.is(tok.convertTokensToString(['un', '##aff', '##able']), 'unaffable');
    assert.equal(tok.tokenize('Hello', 'dog', { addSpecialTokens: true }), ['[CLS]', 'hello', '[SEP]', 'dog', '[SEP]']);
    assert.equal([tok.clsTokenId, tok.sepTokenId, tok.padTokenId, tok.maskTokenId, tok.unkTokenId], [101, 102, 0, 103, 100]);
    assert.equal(tok.allSpecialTokens, ['[UNK]', '[SEP]', '[PAD]', '[CLS]', '[MASK]']);
    assert.is(tok.numSpecialTokensToAdd(true), 3);
  }
  const ids = fast.encode('Hello, my dog').input_ids;
  assert.is(fast.decode(Int32Array.from(ids)), '[CLS] hello, my dog [SEP]');
  assert.is(fast.decode(ids.map(BigInt)), '[CLS] hello, my dog [SEP]');
  assert.equal(fast.batchDecode([ids, [7592]], { skip_special_tokens: true }), ['hello, my dog', 'hello']);
});

test('options: snake_case equals camelCase; return_* switches; left padding', async () => {
  const { fast } = await bertBaseUncased();
  const texts = ['hello', 'hello my dog'];
  const camel = fast.encodeBatch(texts, { padding: 'max_length', maxLength: 8, padToMultipleOf: 4, paddingSide: 'left', returnSpecialTokensMask: true });
  const snake = fast.encodeBatch(texts, { padding: 'max_length', max_length: 8, pad_to_multiple_of: 4, padding_side: 'left', return_special_tokens_mask: true });
  assert.equal(snake, camel);
  assert.equal(camel.input_ids[0], [0, 0, 0, 0, 0, 101, 7592, 102]);
  assert.equal(camel.special_tokens_mask![0], [1, 1, 1, 1, 1, 1, 0, 1]);
  const bare = fast.encode('hello', null, { return_attention_mask: false, returnTokenTypeIds: false });
  assert.equal(bare, { input_ids: [101, 7592, 102] });
  assert.equal(fast.encode('hello', null, { addSpecialTokens: false }).input_ids, [7592]);
  const left = fast.encode('hello my dog is cute', null, { maxLength: 4, truncationSide: 'left' });
  assert.equal(left.input_ids, [101, 2003, 10140, 102]);
});

test('errors: missing and malformed files', async () => {
  await rejectsUser(() => BertTokenizer.fromPretrained(path.join(tmp, 'nope')), 'does not exist');
  const empty = path.join(tmp, 'empty');
  fs.mkdirSync(empty);
  await rejectsUser(() => BertTokenizer.fromPretrained(empty), 'vocab.txt is missing');
  await rejectsUser(() => BertTokenizerFast.fromPretrained(empty), 'neither tokenizer.json nor vocab.txt');
  throwsUser(() => BertTokenizer.fromVocab(''), 'vocab.txt is empty');
  throwsUser(() => BertTokenizer.fromVocab('hello\nworld\n'), 'unk token "[UNK]" is not in the vocabulary');
  throwsUser(() => BertTokenizerFast.fromTokenizerJson('{\n  "model": {,}\n}'), 'tokenizer.json:2:13', 'invalid JSON');
  throwsUser(() => BertTokenizerFast.fromTokenizerJson({ model: { type: 'BPE', vocab: {} } }), 'model type is "BPE"');
  throwsUser(() => BertTokenizerFast.fromTokenizerJson({ model: { type: 'WordPiece' } }), '"model.vocab" must be an object');
  throwsUser(() => BertTokenizerFast.fromTokenizerJson({ model: { vocab: { a: -1 } } }), 'not an integer ≥ 0');
  throwsUser(() => BertTokenizerFast.fromTokenizerJson({ ...bertTokenizerJson(TINY), normalizer: { type: 'NFC' } }), 'normalizer type "NFC" is not supported');
  throwsUser(() => BertTokenizer.fromContents({ vocab: TINY, tokenizerConfig: '[1]' }), 'tokenizer_config.json', 'JSON object');
  throwsUser(() => BertTokenizer.fromVocab(TINY, { paddingSide: 'middle' as 'left' }), 'padding_side must be "right" or "left"');
  throwsUser(() => BertTokenizer.fromVocab(TINY, { doLowerCase: true, do_lower_case: false }), "both 'doLowerCase' and 'do_lower_case'");
  throwsUser(() => BertTokenizer.fromVocab(TINY, { lowercase: true } as object), "unknown option 'lowercase'");
});

test('errors: bad ids, impossible lengths, bad options', async () => {
  const { fast, slow } = await bertBaseUncased();
  for (const tok of [fast, slow]) {
    throwsUser(() => tok.decode([101, 30522]), 'token id 30522 is not in the vocabulary', '0..30521');
    throwsUser(() => tok.decode([-1]), 'token id -1');
    throwsUser(() => tok.decode([1.5]), 'token id 1.5');
    throwsUser(() => tok.convertIdsToTokens(99999), 'token id 99999');
    throwsUser(() => tok.encode('hello', null, { truncation: true, maxLength: 1 }), 'maxLength 1 is smaller than the 2 special tokens');
    throwsUser(() => tok.encode('a', 'b', { truncation: true, maxLength: 2 }), 'smaller than the 3 special tokens a pair needs');
    throwsUser(() => tok.encode('hello there', null, { truncation: 'only_second', maxLength: 3 }), "'only_second' needs a text pair");
    throwsUser(() => tok.encode('hello there you', 'dog', { truncation: 'only_second', maxLength: 5 }), "cannot truncate with 'only_second'", 'has only 1');
    throwsUser(() => tok.encode('hello', null, { padding: 'max_length', maxLength: 10, truncation: true, padToMultipleOf: 4 }), 'not a multiple of padToMultipleOf');
    throwsUser(() => tok.encode('hello', null, { padding: 'sideways' as 'longest' }), 'padding must be');
    throwsUser(() => tok.encode('hello', null, { maxLength: 0 }), 'maxLength must be a positive integer');
    throwsUser(() => tok.encode('hello', null, { paddding: true } as object), "unknown option 'paddding'");
    throwsUser(() => tok.encode(42 as unknown as string), 'expected a string, got number');
    throwsUser(() => tok.encodeBatch(['a', 'b'], ['c']), '2 texts but 1 text pairs');
  }
  const noMax = BertTokenizer.fromVocab(TINY);
  throwsUser(() => noMax.encode('hello', null, { padding: 'max_length' }), "padding: 'max_length' needs maxLength");
  throwsUser(() => noMax.encode('hello', null, { truncation: true }), 'needs maxLength');
  const noPad = BertTokenizer.fromVocab(TINY, { padToken: null });
  throwsUser(() => noPad.encodeBatch(['hello', 'hello world'], { padding: true }), 'padding needs a pad token');
});

test.run();
