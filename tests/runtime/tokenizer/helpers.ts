/** Shared helpers for the tokenizer tests: the two tokenizers on bert-base-uncased, and reference comparisons. */
import * as assert from 'uvu/assert';
import { UserError } from '../../../dsl/errors.ts';
import { BertTokenizer, BertTokenizerFast, type BatchEncoding, type EncodeOptions } from '../../../runtime/tokenizer/index.ts';
import { bertBaseUncasedDir, referenceBatch, type RefCall } from './reference.ts';

let loaded: { slow: BertTokenizer; fast: BertTokenizerFast } | undefined;

/** `BertTokenizer` and `BertTokenizerFast` loaded from the bert-base-uncased directory, once per test file. */
export async function bertBaseUncased(): Promise<{ slow: BertTokenizer; fast: BertTokenizerFast }> {
  if (!loaded) {
    const dir = bertBaseUncasedDir();
    loaded = { slow: await BertTokenizer.fromPretrained(dir), fast: await BertTokenizerFast.fromPretrained(dir) };
  }
  return loaded;
}

/**
 * Encodes `inputs` with both tokenizers (options `ours`) and with HF's Rust tokenizer (the same request, `ref`), and
 * asserts all four arrays agree. Returns the fast result.
 */
export async function sameAsReference(inputs: (string | [string, string])[], ours: EncodeOptions = {}, ref: RefCall = {}, label = ''): Promise<BatchEncoding> {
  const { slow, fast } = await bertBaseUncased();
  const opts: EncodeOptions = { ...ours, returnSpecialTokensMask: true };
  const f = fast.encodeBatch(inputs, opts);
  const s = slow.encodeBatch(inputs, opts);
  const r = await referenceBatch(inputs, ref);
  const what = label || JSON.stringify(inputs).slice(0, 120);
  assert.equal(f.input_ids, r.input_ids, `input_ids vs HF: ${what}`);
  assert.equal(f.token_type_ids, r.token_type_ids, `token_type_ids vs HF: ${what}`);
  assert.equal(f.attention_mask, r.attention_mask, `attention_mask vs HF: ${what}`);
  assert.equal(f.special_tokens_mask, r.special_tokens_mask, `special_tokens_mask vs HF: ${what}`);
  assert.equal(s, f, `BertTokenizer vs BertTokenizerFast: ${what}`);
  return f;
}

/** Asserts `fn` throws a UserError whose message contains every one of `parts`. */
export function throwsUser(fn: () => unknown, ...parts: string[]): string {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof UserError)) assert.unreachable(`expected a UserError, got ${e instanceof Error ? e.stack : String(e)}`);
    const message = (e as UserError).message;
    for (const p of parts) assert.ok(message.includes(p), `message ${JSON.stringify(message)} lacks ${JSON.stringify(p)}`);
    return message;
  }
  return assert.unreachable(`expected a UserError containing ${JSON.stringify(parts)}, but nothing was thrown`) as never;
}

/** The async twin of `throwsUser`. */
export async function rejectsUser(fn: () => Promise<unknown>, ...parts: string[]): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof UserError)) assert.unreachable(`expected a UserError, got ${e instanceof Error ? e.stack : String(e)}`);
    for (const p of parts) assert.ok((e as UserError).message.includes(p), `message ${JSON.stringify((e as UserError).message)} lacks ${JSON.stringify(p)}`);
    return;
  }
  assert.unreachable(`expected a UserError containing ${JSON.stringify(parts)}, but nothing was thrown`);
}
