/**
 * Correctness (not timing: see runtime/tokenizer/bench.ts) on the benchmark's 10,000 English sentences: both
 * tokenizers against HF's Rust tokenizer, as one padded and truncated batch.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { englishSentences } from '../../../runtime/tokenizer/sample-text.ts';
import { bertBaseUncased } from './helpers.ts';
import { referenceBatch } from './reference.ts';

const sentences = englishSentences(10_000, 1);

test('10,000 sentences: ids, token types, masks equal HF Rust (padding longest, truncation 64)', async () => {
  const { slow, fast } = await bertBaseUncased();
  const opts = { padding: true, truncation: true, maxLength: 64, returnSpecialTokensMask: true } as const;
  const ours = fast.encodeBatch(sentences, opts);
  const ref = await referenceBatch(sentences, { padding: 'longest', truncation: 'longest_first', maxLength: 64 });
  assert.is(ours.input_ids.length, 10_000);
  for (let k = 0; k < sentences.length; k++) {
    const what = `sentence ${k}: ${sentences[k]}`;
    assert.equal(ours.input_ids[k], ref.input_ids[k], what);
    assert.equal(ours.token_type_ids![k], ref.token_type_ids[k], what);
    assert.equal(ours.attention_mask![k], ref.attention_mask[k], what);
    assert.equal(ours.special_tokens_mask![k], ref.special_tokens_mask[k], what);
  }
  assert.equal(slow.encodeBatch(sentences, opts), ours, 'BertTokenizer == BertTokenizerFast');
});

test('2,000 sentence pairs without padding, and decode back', async () => {
  const { fast } = await bertBaseUncased();
  const pairs = sentences.slice(0, 2000).map((s, k): [string, string] => [s, sentences[(k * 7919) % sentences.length]!]);
  const ours = fast.encodeBatch(pairs);
  const ref = await referenceBatch(pairs);
  assert.equal(ours.input_ids, ref.input_ids);
  assert.equal(ours.token_type_ids, ref.token_type_ids);
  // Lower-cased, accents stripped, punctuation re-attached by the clean-up: decode gives the normalised text back.
  const decoded = fast.batchDecode(fast.encodeBatch(sentences.slice(0, 200)).input_ids, { skipSpecialTokens: true });
  decoded.forEach((d, k) => assert.ok(d.length > 0 && !d.includes('##'), `${k}: ${d}`));
});

test.run();
