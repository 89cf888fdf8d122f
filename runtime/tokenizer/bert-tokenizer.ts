/**
 * `BertTokenizer`: HF's slow (pure Python) BERT tokenizer, from a `vocab.txt`.
 */
import { BertTokenizerBase } from './base.ts';
import { BasicTokenizer, WordpieceTokenizer } from './basic-tokenizer.ts';
import { resolveConfig, type ResolvedConfig } from './config.ts';
import { parseJsonObject, parseVocabTxt, type JsonInput } from './files.ts';
import { readTokenizerFiles } from './load.ts';
import type { TokenizerOptions } from './options.ts';

/** In-memory tokenizer files for `BertTokenizer.fromContents` (texts as read, or parsed JSON objects). */
export interface VocabContents {
  /** The text of `vocab.txt`. */
  vocab: string;
  tokenizerConfig?: JsonInput;
  specialTokensMap?: JsonInput;
}

/**
 * HF `BertTokenizer`. Tokenisation is a literal port of HF's Python (`BasicTokenizer` + `WordpieceTokenizer`);
 * `BertTokenizerFast` gives the same results several times faster.
 *
 * @example
 * const tok = await BertTokenizer.fromPretrained('models/bert-base-uncased');
 * tok.encode('Hello, my dog is cute').input_ids; // [101, 7592, 1010, 2026, 3899, 2003, 10140, 102]
 */
export class BertTokenizer extends BertTokenizerBase {
  private readonly basicTokenizer: BasicTokenizer;
  private readonly wordpieceTokenizer: WordpieceTokenizer;

  private constructor(config: ResolvedConfig) {
    super(config);
    this.basicTokenizer = new BasicTokenizer(config.basic);
    this.wordpieceTokenizer = new WordpieceTokenizer(config.vocab, config.unkToken, config.maxInputCharsPerWord, config.continuingSubwordPrefix);
  }

  /**
   * From the text of a `vocab.txt` (one token per line) and HF-style options.
   * @example
   * const tok = BertTokenizer.fromVocab(vocabText, { doLowerCase: false });
   */
  static fromVocab(vocab: string, options?: TokenizerOptions): BertTokenizer {
    return BertTokenizer.fromContents({ vocab }, options);
  }

  /**
   * From file contents already in memory (a browser that fetched them): `vocab.txt` text plus optional
   * `tokenizer_config.json` / `special_tokens_map.json` (text or parsed).
   * @example
   * const tok = BertTokenizer.fromContents({ vocab: await (await fetch(url + '/vocab.txt')).text() });
   */
  static fromContents(contents: VocabContents, options?: TokenizerOptions): BertTokenizer {
    const source = parseVocabTxt(contents.vocab);
    const cfg = contents.tokenizerConfig === undefined ? undefined : parseJsonObject(contents.tokenizerConfig, 'tokenizer_config.json');
    const map = contents.specialTokensMap === undefined ? undefined : parseJsonObject(contents.specialTokensMap, 'special_tokens_map.json');
    return new BertTokenizer(resolveConfig(source, cfg, map, options));
  }

  /**
   * HF `BertTokenizer.from_pretrained(dir)`: reads `vocab.txt` and, when present, `tokenizer_config.json` and
   * `special_tokens_map.json`. Options override what the files say.
   * @example
   * const tok = await BertTokenizer.fromPretrained('./bert-base-uncased', { modelMaxLength: 128 });
   */
  static async fromPretrained(dir: string, options?: TokenizerOptions): Promise<BertTokenizer> {
    const files = await readTokenizerFiles(dir, ['vocab.txt'], ['tokenizer_config.json', 'special_tokens_map.json']);
    return BertTokenizer.fromContents(
      { vocab: files['vocab.txt']!, tokenizerConfig: files['tokenizer_config.json'], specialTokensMap: files['special_tokens_map.json'] },
      options,
    );
  }

  /** HF `BertTokenizer._tokenize`; never-split words are passed through whole. */
  protected segmentTokens(text: string): string[] {
    const out: string[] = [];
    const never = this.config.basic.neverSplit;
    for (const token of this.basicTokenizer.tokenize(text, new Set(this.config.allSpecialTokens))) {
      if (never.has(token)) out.push(token);
      else out.push(...this.wordpieceTokenizer.tokenize(token));
    }
    return out;
  }

  protected segmentIds(text: string, out: number[]): void {
    for (const token of this.segmentTokens(text)) out.push(this.config.vocab.get(token) ?? this.config.unkId);
  }
}
