/**
 * The public API shared by `BertTokenizer` and `BertTokenizerFast`. Subclasses supply only how a stretch of text
 * without special/added tokens becomes WordPiece tokens; everything after that (special tokens, truncation, padding,
 * masks, decoding) is here, once, with HF's semantics.
 *
 * Naming: HF's snake_case methods become camelCase (`build_inputs_with_special_tokens` → `buildInputsWithSpecialTokens`);
 * HF's `__call__` / `encode_plus` is `encode`, `batch_encode_plus` / `__call__` on a list is `encodeBatch`, and HF's
 * bare `encode(text)` (ids only) is `encode(text).input_ids` or `textToIds(text)` (no special tokens).
 */
import { UserError } from '../../dsl/errors.ts';
import type { ResolvedConfig } from './config.ts';
import { cleanUpTokenization, idsToTokens, idToToken, tokensToString, type IdList } from './decode.ts';
import { buildInputs, padAndSelect, planEncoding, prepareForModel, specialTokensMask, tokenTypeIds, type BatchEncoding, type Encoding } from './encoding.ts';
import { checkOptionKeys, DECODE_OPTION_KEYS, readOption, type DecodeOptions, type EncodeOptions } from './options.ts';

/** One batch item: a text, or a `[text, textPair]` pair. */
export type BatchInput = string | readonly [string, string];

export abstract class BertTokenizerBase {
  /** Special and added tokens, longest first so the longest wins when two match at the same place. */
  private readonly noSplit: readonly string[];

  protected constructor(readonly config: ResolvedConfig) {
    this.noSplit = [...config.noSplitTokens].sort((a, b) => b.length - a.length);
  }

  /** Appends the ids of `text`, which holds no special/added token. */
  protected abstract segmentIds(text: string, out: number[]): void;
  /** The WordPiece tokens of `text`, which holds no special/added token. */
  protected abstract segmentTokens(text: string): string[];

  get vocabSize(): number {
    return this.config.vocab.size;
  }
  get unkToken(): string {
    return this.config.unkToken;
  }
  get unkTokenId(): number {
    return this.config.unkId;
  }
  get clsTokenId(): number | undefined {
    return this.config.cls?.id;
  }
  get sepTokenId(): number | undefined {
    return this.config.sep?.id;
  }
  get padTokenId(): number | undefined {
    return this.config.pad?.id;
  }
  get maskTokenId(): number | undefined {
    return this.config.mask?.id;
  }
  get allSpecialTokens(): readonly string[] {
    return this.config.allSpecialTokens;
  }
  get allSpecialIds(): number[] {
    return [...this.config.allSpecialIds];
  }
  get modelMaxLength(): number {
    return this.config.modelMaxLength;
  }

  /** Token → id, including added tokens (HF `get_vocab`). */
  getVocab(): Map<string, number> {
    return new Map(this.config.vocab);
  }

  /**
   * HF `tokenize`: the WordPiece tokens of a text, special tokens written in it (`[MASK]`) kept whole.
   * @example
   * tok.tokenize('Hello, my dog is cute'); // ['hello', ',', 'my', 'dog', 'is', 'cute']
   */
  tokenize(text: string, pair?: string, options?: { addSpecialTokens?: boolean; add_special_tokens?: boolean }): string[] {
    const add = options?.addSpecialTokens ?? options?.add_special_tokens ?? false;
    const one = (t: string) => {
      const out: string[] = [];
      this.forEachSegment(checkText(t, 'tokenize'), (seg) => out.push(...this.segmentTokens(seg)), (tok) => out.push(tok));
      return out;
    };
    if (!add) return pair === undefined ? one(text) : [...one(text), ...one(pair)];
    return this.convertIdsToTokens(this.encode(text, pair).input_ids);
  }

  /**
   * The WordPiece ids of a text without special tokens (HF `encode(text, add_special_tokens=False)`).
   * @example
   * tok.textToIds('dog'); // [3899]
   */
  textToIds(text: string): number[] {
    const out: number[] = [];
    this.forEachSegment(checkText(text, 'textToIds'), (seg) => this.segmentIds(seg, out), (tok) => out.push(this.config.vocab.get(tok)!));
    return out;
  }

  /**
   * HF `__call__` / `encode_plus` on one text or pair.
   * @example
   * tok.encode('Who was Jim Henson?', 'Jim Henson was a nice puppet', { returnSpecialTokensMask: true });
   * // { input_ids: [101, 2040, 2001, ...], token_type_ids: [0, ..., 1], attention_mask: [1, ...], special_tokens_mask: [1, 0, ...] }
   */
  encode(text: string, pair?: string | null, options?: EncodeOptions): Encoding {
    const batch = this.encodeBatch([pair === undefined || pair === null ? text : [text, pair]], options);
    const one: Encoding = { input_ids: batch.input_ids[0]! };
    if (batch.token_type_ids) one.token_type_ids = batch.token_type_ids[0]!;
    if (batch.attention_mask) one.attention_mask = batch.attention_mask[0]!;
    if (batch.special_tokens_mask) one.special_tokens_mask = batch.special_tokens_mask[0]!;
    return one;
  }

  /**
   * HF `__call__` on a list: texts or `[text, pair]` items, or texts and a parallel list of pairs.
   * @example
   * tok.encodeBatch(['a short one', 'and a longer second sentence'], { padding: true });
   * tok.encodeBatch([prompt, prompt], [choice0, choice1], { padding: 'max_length', maxLength: 64, truncation: 'only_second' });
   */
  encodeBatch(inputs: readonly BatchInput[], pairsOrOptions?: readonly string[] | EncodeOptions, options?: EncodeOptions): BatchEncoding {
    const pairs = Array.isArray(pairsOrOptions) ? (pairsOrOptions as readonly string[]) : undefined;
    const opts = pairs ? options : (pairsOrOptions as EncodeOptions | undefined);
    if (!Array.isArray(inputs)) throw new UserError(`encodeBatch: expected an array of texts, got ${typeof inputs}`);
    if (pairs && pairs.length !== inputs.length) {
      throw new UserError(`encodeBatch: ${inputs.length} texts but ${pairs.length} text pairs; the lists must be the same length`);
    }
    const plan = planEncoding(opts, this.config);
    const rows = inputs.map((item, k) => {
      let text: unknown = item;
      let pair: unknown = pairs?.[k];
      if (Array.isArray(item)) {
        if (pairs || item.length !== 2) throw new UserError(`encodeBatch: item ${k} must be a text or a [text, pair] array of two texts`);
        [text, pair] = item;
      }
      const ids = this.textToIds(checkText(text, `encodeBatch item ${k}`));
      const pairIds = pair === undefined ? undefined : this.textToIds(checkText(pair, `encodeBatch item ${k} pair`));
      return prepareForModel(this.config, plan, ids, pairIds);
    });
    return padAndSelect(this.config, plan, rows);
  }

  /**
   * HF `decode`: ids to text; `skipSpecialTokens` drops [CLS]/[SEP]/[PAD]/…, clean-up fixes " ." and " n't"-style spaces.
   * @example
   * tok.decode([101, 7592, 1010, 2026, 3899, 102]); // '[CLS] hello, my dog [SEP]'
   * tok.decode([101, 7592, 1010, 2026, 3899, 102], { skipSpecialTokens: true }); // 'hello, my dog'
   */
  decode(ids: IdList, options?: DecodeOptions): string {
    checkOptionKeys(options, DECODE_OPTION_KEYS, 'decode options');
    const skip = readOption<boolean>(options, 'skipSpecialTokens', 'decode options') ?? false;
    const clean = readOption<boolean>(options, 'cleanUpTokenizationSpaces', 'decode options') ?? this.config.cleanUpTokenizationSpaces;
    const text = tokensToString(this.config, idsToTokens(this.config, ids, skip, 'decode'));
    return clean ? cleanUpTokenization(text) : text;
  }

  /**
   * HF `batch_decode`.
   * @example
   * tok.batchDecode(enc.input_ids, { skipSpecialTokens: true });
   */
  batchDecode(batch: readonly IdList[], options?: DecodeOptions): string[] {
    if (!Array.isArray(batch)) throw new UserError('batchDecode: expected an array of id lists');
    return batch.map((ids) => this.decode(ids, options));
  }

  /**
   * HF `convert_tokens_to_ids`: unknown tokens give the unk id.
   * @example
   * tok.convertTokensToIds(['[CLS]', 'hello']); // [101, 7592]
   */
  convertTokensToIds(tokens: string): number;
  convertTokensToIds(tokens: readonly string[]): number[];
  convertTokensToIds(tokens: string | readonly string[]): number | number[] {
    const one = (t: string) => this.config.vocab.get(t) ?? this.config.unkId;
    return typeof tokens === 'string' ? one(tokens) : tokens.map(one);
  }

  /**
   * HF `convert_ids_to_tokens`; an id outside the vocabulary is a UserError.
   * @example
   * tok.convertIdsToTokens([101, 7592]); // ['[CLS]', 'hello']
   */
  convertIdsToTokens(ids: number, skipSpecialTokens?: boolean): string;
  convertIdsToTokens(ids: IdList, skipSpecialTokens?: boolean): string[];
  convertIdsToTokens(ids: number | IdList, skipSpecialTokens = false): string | string[] {
    if (typeof ids === 'number') return idToToken(this.config, ids, 'convertIdsToTokens');
    return idsToTokens(this.config, ids, skipSpecialTokens, 'convertIdsToTokens');
  }

  /** HF `convert_tokens_to_string`: joins `##` pieces. @example tok.convertTokensToString(['un', '##aff', '##able']); // 'unaffable' */
  convertTokensToString(tokens: readonly string[]): string {
    return tokensToString(this.config, tokens);
  }

  /** HF `build_inputs_with_special_tokens`. @example tok.buildInputsWithSpecialTokens([7592]); // [101, 7592, 102] */
  buildInputsWithSpecialTokens(ids: readonly number[], pair?: readonly number[]): number[] {
    return buildInputs(this.config, ids, pair);
  }

  /**
   * HF `get_special_tokens_mask`: 1 where `buildInputsWithSpecialTokens` puts a special token; with
   * `alreadyHasSpecialTokens`, 1 for every special id already in `ids`.
   * @example
   * tok.getSpecialTokensMask([7592], [3899]); // [1, 0, 1, 0, 1]
   * tok.getSpecialTokensMask([101, 7592, 102], undefined, true); // [1, 0, 1]
   */
  getSpecialTokensMask(ids: readonly number[], pair?: readonly number[] | null, alreadyHasSpecialTokens = false): number[] {
    if (alreadyHasSpecialTokens) {
      if (pair) throw new UserError('getSpecialTokensMask: pass one list of ids when it already has special tokens');
      return ids.map((id) => (this.config.allSpecialIds.has(id) ? 1 : 0));
    }
    return specialTokensMask(ids, pair ?? undefined);
  }

  /** HF `create_token_type_ids_from_sequences`. @example tok.createTokenTypeIdsFromSequences([7592], [3899]); // [0, 0, 0, 1, 1] */
  createTokenTypeIdsFromSequences(ids: readonly number[], pair?: readonly number[] | null): number[] {
    return tokenTypeIds(ids, pair ?? undefined);
  }

  /** HF `num_special_tokens_to_add`. @example tok.numSpecialTokensToAdd(true); // 3 */
  numSpecialTokensToAdd(pair = false): number {
    return pair ? 3 : 2;
  }

  /** Calls `onText` for stretches between special/added tokens and `onToken` for each such token (leftmost, longest). */
  private forEachSegment(text: string, onText: (segment: string) => void, onToken: (token: string) => void): void {
    const tokens = this.noSplit;
    let pos = 0;
    const next = tokens.map((t) => text.indexOf(t));
    for (;;) {
      let best = -1;
      for (let k = 0; k < tokens.length; k++) {
        if (next[k]! >= 0 && next[k]! < pos) next[k] = text.indexOf(tokens[k]!, pos);
        if (next[k]! >= 0 && (best < 0 || next[k]! < next[best]!)) best = k;
      }
      if (best < 0) break;
      const at = next[best]!;
      if (at > pos) onText(text.slice(pos, at));
      onToken(tokens[best]!);
      pos = at + tokens[best]!.length;
    }
    if (pos === 0) onText(text);
    else if (pos < text.length) onText(text.slice(pos));
  }
}

function checkText(text: unknown, where: string): string {
  if (typeof text !== 'string') throw new UserError(`${where}: expected a string, got ${text === null ? 'null' : typeof text}`);
  return text;
}
