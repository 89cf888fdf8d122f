/**
 * `BertTokenizerFast`: HF's Rust-backed BERT tokenizer, from a `tokenizer.json`. Same results as `BertTokenizer`
 * (the tests hold them equal), computed by `FastBertCore`.
 */
import { UserError } from '../../dsl/errors.ts';
import { BertTokenizerBase } from './base.ts';
import { resolveConfig, type ResolvedConfig } from './config.ts';
import { FastBertCore } from './fast-core.ts';
import { parseJsonObject, parseTokenizerJson, parseVocabTxt, type JsonInput } from './files.ts';
import { readTokenizerFiles } from './load.ts';
import type { TokenizerOptions } from './options.ts';

/** In-memory tokenizer files for `BertTokenizerFast.fromContents`: `tokenizer.json`, or a `vocab.txt` instead. */
export interface TokenizerJsonContents {
  tokenizerJson?: JsonInput;
  /** Used when there is no `tokenizerJson`, as HF converts a slow tokenizer's vocab.txt. */
  vocab?: string;
  tokenizerConfig?: JsonInput;
  specialTokensMap?: JsonInput;
}

/**
 * HF `BertTokenizerFast`: one pass over the text with table lookups and a per-word cache.
 *
 * @example
 * const tok = await BertTokenizerFast.fromPretrained('models/bert-base-uncased');
 * const batch = tok.encodeBatch(sentences, { padding: true, truncation: true, maxLength: 128 });
 */
export class BertTokenizerFast extends BertTokenizerBase {
  private readonly core: FastBertCore;

  private constructor(config: ResolvedConfig) {
    super(config);
    this.core = new FastBertCore(
      {
        vocab: config.vocab,
        unkId: config.unkId,
        continuingSubwordPrefix: config.continuingSubwordPrefix,
        maxInputCharsPerWord: config.maxInputCharsPerWord,
      },
      config.basic,
    );
  }

  /**
   * From the text (or parsed object) of a `tokenizer.json`.
   * @example
   * const tok = BertTokenizerFast.fromTokenizerJson(await (await fetch(url + '/tokenizer.json')).text());
   */
  static fromTokenizerJson(tokenizerJson: JsonInput, options?: TokenizerOptions): BertTokenizerFast {
    return BertTokenizerFast.fromContents({ tokenizerJson }, options);
  }

  /**
   * From file contents already in memory; `tokenizer_config.json` settings (do_lower_case, special tokens,
   * model_max_length, …) override the ones inside `tokenizer.json`, as in HF.
   * @example
   * const tok = BertTokenizerFast.fromContents({ tokenizerJson, tokenizerConfig: { model_max_length: 512 } });
   */
  static fromContents(contents: TokenizerJsonContents, options?: TokenizerOptions): BertTokenizerFast {
    let source;
    if (contents.tokenizerJson !== undefined) source = parseTokenizerJson(contents.tokenizerJson);
    else if (contents.vocab !== undefined) source = parseVocabTxt(contents.vocab);
    else throw new UserError('BertTokenizerFast needs the contents of a tokenizer.json (or of a vocab.txt)');
    const cfg = contents.tokenizerConfig === undefined ? undefined : parseJsonObject(contents.tokenizerConfig, 'tokenizer_config.json');
    const map = contents.specialTokensMap === undefined ? undefined : parseJsonObject(contents.specialTokensMap, 'special_tokens_map.json');
    return new BertTokenizerFast(resolveConfig(source, cfg, map, options));
  }

  /**
   * HF `BertTokenizerFast.from_pretrained(dir)`: reads `tokenizer.json` (or, lacking it, `vocab.txt`) and, when
   * present, `tokenizer_config.json` and `special_tokens_map.json`.
   * @example
   * const tok = await BertTokenizerFast.fromPretrained('./bert-base-uncased');
   */
  static async fromPretrained(dir: string, options?: TokenizerOptions): Promise<BertTokenizerFast> {
    const files = await readTokenizerFiles(dir, [], ['tokenizer.json', 'vocab.txt', 'tokenizer_config.json', 'special_tokens_map.json']);
    if (files['tokenizer.json'] === undefined && files['vocab.txt'] === undefined) {
      throw new UserError(`${dir} holds neither tokenizer.json nor vocab.txt; BertTokenizerFast needs one of them`);
    }
    return BertTokenizerFast.fromContents(
      {
        ...(files['tokenizer.json'] !== undefined ? { tokenizerJson: files['tokenizer.json'] } : { vocab: files['vocab.txt']! }),
        tokenizerConfig: files['tokenizer_config.json'],
        specialTokensMap: files['special_tokens_map.json'],
      },
      options,
    );
  }

  protected segmentIds(text: string, out: number[]): void {
    this.core.encodeInto(text, out);
  }

  protected segmentTokens(text: string): string[] {
    const ids: number[] = [];
    this.core.encodeInto(text, ids);
    return ids.map((id) => this.config.idToToken[id]!);
  }
}
