/**
 * Where HF's Rust tokenizer (transformers' BertTokenizerFast) and HF's Python BertTokenizer disagree, both our
 * tokenizers follow the Python one. Each case pins our result and that Rust really differs, so a change on either
 * side is noticed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { truncateSequences } from '../../../runtime/tokenizer/encoding.ts';
import { bertBaseUncased } from './helpers.ts';
import { referenceBatch, referenceDecode } from './reference.ts';

async function rustTokens(text: string): Promise<string[]> {
  const { fast } = await bertBaseUncased();
  return fast.convertIdsToTokens((await referenceBatch([text])).input_ids[0]!);
}

test('final sigma: Python lower-cases whole words (ς), Rust per character (σ)', async () => {
  const { slow, fast } = await bertBaseUncased();
  const python = ['ο', '##δ', '##υ', '##σ', '##σ', '##ε', '##υ', '##ς'];
  assert.equal(slow.tokenize('ΟΔΥΣΣΕΥΣ'), python);
  assert.equal(fast.tokenize('ΟΔΥΣΣΕΥΣ'), python);
  assert.equal((await rustTokens('ΟΔΥΣΣΕΥΣ')).slice(1, -1).at(-1), '##σ');
});

test('unassigned code points: Python drops them as controls (category Cn), Rust keeps them', async () => {
  const { slow, fast } = await bertBaseUncased();
  for (const c of ['\ufff0', '\u03a2', '\ufaed']) {
    assert.equal(fast.tokenize(`a${c}b`), ['ab']);
    assert.equal(slow.tokenize(`a${c}b`), ['ab']);
    assert.not.equal((await rustTokens(`a${c}b`)).slice(1, -1), ['ab'], `U+${c.codePointAt(0)!.toString(16)}`);
  }
});

test("characters newer than the Rust crate's Unicode tables: punctuation and nonspacing marks", async () => {
  const { fast } = await bertBaseUncased();
  assert.equal(fast.tokenize('hi\u2e52there'), ['hi', '[UNK]', 'there'], 'U+2E52 is Po since Unicode 13');
  assert.equal(await rustTokens('hi\u2e52there'), ['[CLS]', '[UNK]', '[SEP]']);
  assert.equal(fast.tokenize('b\u1df8'), ['b'], 'U+1DF8 is Mn since Unicode 14, stripped with the accents');
  assert.equal(await rustTokens('b\u1df8'), ['[CLS]', '[UNK]', '[SEP]']);
});

/** transformers' slow `truncate_sequences` for longest_first, transcribed: one token at a time, the pair on ties. */
function hfLongestFirst(a: number, b: number, remove: number): [number, number] {
  for (let k = 0; k < remove; k++) {
    if (a > b) a = Math.max(0, a - 1);
    else b = Math.max(0, b - 1);
  }
  return [a, b];
}

test("longest_first equals HF's token-at-a-time loop for every length combination", () => {
  for (let a = 0; a <= 12; a++) {
    for (let b = 0; b <= 12; b++) {
      for (let remove = 0; remove <= a + b + 2; remove++) {
        const ids = Array.from({ length: a }, (_, k) => k);
        const pair = Array.from({ length: b }, (_, k) => 100 + k);
        const [x, y] = truncateSequences(ids, pair, remove, 'longest_first', 'right');
        const [wa, wb] = hfLongestFirst(a, b, remove);
        assert.equal([x, y], [ids.slice(0, wa), pair.slice(0, wb)], `a=${a} b=${b} remove=${remove}`);
        const [lx, ly] = truncateSequences(ids, pair, remove, 'longest_first', 'left');
        assert.equal([lx, ly], [ids.slice(a - wa), pair.slice(b - wb)], `left a=${a} b=${b} remove=${remove}`);
      }
    }
  }
});

test('longest_first ties: Python gives the spare token to the first text, Rust to the originally longer one', async () => {
  const { fast } = await bertBaseUncased();
  const short = 'alpha beta gamma delta epsilon'; // 5 tokens
  const long = 'one two three four five six seven eight nine ten eleven twelve'; // 12 tokens
  const ours = fast.encode(short, long, { truncation: 'longest_first', maxLength: 8 });
  assert.equal(fast.convertIdsToTokens(ours.input_ids), ['[CLS]', 'alpha', 'beta', 'gamma', '[SEP]', 'one', 'two', '[SEP]']);
  const rust = await referenceBatch([[short, long]], { truncation: 'longest_first', maxLength: 8 });
  assert.equal(fast.convertIdsToTokens(rust.input_ids[0]!), ['[CLS]', 'alpha', 'beta', '[SEP]', 'one', 'two', 'three', '[SEP]']);
});

test('a pair without special tokens: Python types both texts 0, Rust types the second 1', async () => {
  const { slow, fast } = await bertBaseUncased();
  const opts = { addSpecialTokens: false };
  assert.equal(fast.encode('hello there', 'dog', opts).token_type_ids, [0, 0, 0]);
  assert.equal(slow.encode('hello there', 'dog', opts).token_type_ids, [0, 0, 0]);
  const rust = await referenceBatch([['hello there', 'dog']], opts);
  assert.equal(rust.token_type_ids, [[0, 0, 1]]);
});

test('decode without clean-up: Python keeps " ,", the Rust WordPiece decoder still glues "," "." "!" "?"', async () => {
  const { fast } = await bertBaseUncased();
  const ids = fast.textToIds("hello , world . isn't it ?");
  assert.is(fast.decode(ids, { cleanUpTokenizationSpaces: false }), "hello , world . isn ' t it ?");
  assert.is(await referenceDecode(ids, false, false), "hello, world. isn ' t it?");
});

test('ids outside the vocabulary: a UserError here; Python maps them to [UNK], Rust drops them', async () => {
  const { fast } = await bertBaseUncased();
  assert.throws(() => fast.decode([101, 30522, 102]), /30522 is not in the vocabulary/);
  assert.is(await referenceDecode([7592, 30522, 3899], false), 'hello dog');
});

test.run();
