/**
 * Hugging Face-compatible BERT tokenizers. See README.md in this folder for the HF → TS name mapping and the known
 * deviations from HF.
 *
 * @example
 * import { BertTokenizerFast } from './runtime/tokenizer/index.ts';
 * const tok = await BertTokenizerFast.fromPretrained('./bert-base-uncased');
 * const enc = tok.encode('The capital of France is [MASK].');
 * tok.decode(enc.input_ids, { skipSpecialTokens: true }); // 'the capital of france is.'
 */
export { BertTokenizer, type VocabContents } from './bert-tokenizer.ts';
export { BertTokenizerFast, type TokenizerJsonContents } from './bert-tokenizer-fast.ts';
export { BertTokenizerBase, type BatchInput } from './base.ts';
export type { BatchEncoding, Encoding } from './encoding.ts';
export type { DecodeOptions, EncodeOptions, TokenizerOptions } from './options.ts';
export type { IdList } from './decode.ts';
export { cleanUpTokenization } from './decode.ts';
