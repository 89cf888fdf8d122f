/**
 * The app-facing pipelines of a generated package (in the spirit of transformers.js / HF `pipeline()`): declarations
 * only, no code.
 *
 * `dslc build` copies this file verbatim into every package as `pipelines.d.ts`, where it types the glue's model
 * interface; runtime/pipelines/model.ts implements it. Like package-api.ts it holds only what a .d.ts may hold and
 * imports nothing. Each entry point gets only the pipelines that make sense for it (runtime/pipelines/tasks.ts).
 */

/** Encode options of the tokenizer (snake_case spellings such as `max_length` are accepted too). */
export interface EncodeOptions {
  readonly addSpecialTokens?: boolean;
  /** `true` = `'longest'` (the longest in the batch). */
  readonly padding?: boolean | 'longest' | 'max_length' | 'do_not_pad';
  /** `true` = `'longest_first'`. */
  readonly truncation?: boolean | 'longest_first' | 'only_first' | 'only_second' | 'do_not_truncate';
  readonly maxLength?: number;
  readonly padToMultipleOf?: number;
  readonly paddingSide?: 'right' | 'left';
  readonly truncationSide?: 'right' | 'left';
  readonly returnAttentionMask?: boolean;
  readonly returnTokenTypeIds?: boolean;
  readonly returnSpecialTokensMask?: boolean;
}

/** One encoded text or pair; keys are HF's. */
export interface Encoding {
  input_ids: number[];
  token_type_ids?: number[];
  attention_mask?: number[];
  special_tokens_mask?: number[];
}

/** A batch of encodings, one row per input. */
export interface BatchEncoding {
  input_ids: number[][];
  token_type_ids?: number[][];
  attention_mask?: number[][];
  special_tokens_mask?: number[][];
}

/**
 * The checkpoint's BERT tokenizer (HF `BertTokenizerFast` semantics), read from `tokenizer.json`, or from `vocab.txt`
 * with `tokenizer_config.json` and `special_tokens_map.json`, beside the weights.
 *
 * @example
 * model.tokenizer.encode('Hello, my dog is cute').input_ids; // [101, 7592, 1010, 2026, 3899, 2003, 10140, 102]
 */
export interface Tokenizer {
  readonly vocabSize: number;
  readonly modelMaxLength: number;
  readonly unkTokenId: number;
  readonly clsTokenId: number | undefined;
  readonly sepTokenId: number | undefined;
  readonly padTokenId: number | undefined;
  readonly maskTokenId: number | undefined;
  readonly allSpecialTokens: readonly string[];
  /** HF `tokenizer(text, pair)`. */
  encode(text: string, pair?: string | null, options?: EncodeOptions): Encoding;
  /** HF `tokenizer([...])`: texts or `[text, pair]` items. */
  encodeBatch(inputs: readonly (string | readonly [string, string])[], options?: EncodeOptions): BatchEncoding;
  tokenize(text: string, pair?: string): string[];
  /** Ids without special tokens (HF `encode(text, add_special_tokens=False)`). */
  textToIds(text: string): number[];
  decode(ids: ArrayLike<number>, options?: { readonly skipSpecialTokens?: boolean; readonly cleanUpTokenizationSpaces?: boolean }): string;
  convertTokensToIds(tokens: readonly string[]): number[];
  convertIdsToTokens(ids: ArrayLike<number>, skipSpecialTokens?: boolean): string[];
  getVocab(): Map<string, number>;
}

export interface FillMaskOptions {
  /** Candidates per mask, most likely first. Default 5. */
  readonly topK?: number;
}

/** One candidate for one mask (HF's fill-mask output, `token_str` as `tokenStr`). */
export interface FillMaskCandidate {
  /** Softmax probability over the vocabulary. */
  readonly score: number;
  /** The token's id. */
  readonly token: number;
  readonly tokenStr: string;
  /** The text with this mask filled, decoded (other masks stay `[MASK]`). */
  readonly sequence: string;
}

/** Two texts classified together (HF `{ text, text_pair }`). */
export interface TextPair {
  readonly text: string;
  readonly textPair: string;
}

/** One input of `classify`: a text, or a pair. */
export type ClassifyInput = string | TextPair;
/** One item of a `classify` batch: a text, a `{ text, textPair }`, or a `[text, textPair]`. */
export type ClassifyBatchItem = ClassifyInput | readonly [string, string];

export interface ClassifyOptions {
  /** Labels per input, best first. Default 1; a number ≥ the label count gives them all. */
  readonly topK?: number;
  /** HF's `function_to_apply`. Default: from config.json's `problem_type` and `num_labels`, as HF's pipeline does. */
  readonly functionToApply?: 'softmax' | 'sigmoid' | 'none';
}

export interface ClassificationLabel {
  /** From config.json's `id2label`, else `LABEL_<i>`. */
  readonly label: string;
  readonly score: number;
}

export interface TokenClassifyOptions {
  /** `'none'`: one entity per token; `'simple'`: adjacent tokens of one entity type grouped (HF's B-/I- rules). */
  readonly aggregation?: 'none' | 'simple';
  /** Labels left out of the result. Default `['O']`. */
  readonly ignoreLabels?: readonly string[];
}

/** A token's label (`aggregation: 'none'`). Offsets are indices into the original text (`text.slice(start, end)`). */
export interface TokenEntity {
  readonly entity: string;
  readonly score: number;
  /** The token's position in the model input ([CLS] is 0). */
  readonly index: number;
  /** The token as the vocabulary writes it (`##ing`), or the text it stands for when it is [UNK]. */
  readonly word: string;
  readonly start: number;
  readonly end: number;
}

/** Adjacent tokens of one entity type (`aggregation: 'simple'`); `score` is their mean. */
export interface EntityGroup {
  readonly entityGroup: string;
  readonly score: number;
  readonly word: string;
  readonly start: number;
  readonly end: number;
}

export interface AnswerOptions {
  /** Longest answer in tokens. Default 30. */
  readonly maxAnswerLength?: number;
  /** Tokens per window of question + context. Default min(384, the model's maximum). */
  readonly maxSeqLength?: number;
  /** Tokens shared by consecutive windows of a long context. Default 128 (at most half a window). */
  readonly docStride?: number;
}

/** The best span of the context; `context.slice(start, end) === answer`. */
export interface Answer {
  readonly answer: string;
  /** P(start) · P(end), as HF's question-answering pipeline scores spans. */
  readonly score: number;
  readonly start: number;
  readonly end: number;
}

export interface ChoiceResult {
  /** The index of the best choice. */
  readonly index: number;
  readonly choice: string;
  /** Softmax over the choices, in the order given. */
  readonly scores: number[];
}

export interface NextSentenceResult {
  /** Whether the model says `b` follows `a` (HF label 0). */
  readonly isNext: boolean;
  /** The probability that `b` follows `a`. */
  readonly score: number;
}

export interface EmbedOptions {
  /** `'cls'`: the [CLS] hidden state; `'mean'` (default): the mean over real tokens; `'pooler'`: BERT's pooler output. */
  readonly pooling?: 'cls' | 'mean' | 'pooler';
  /** Scale each vector to unit length. Default false. */
  readonly normalize?: boolean;
}

/**
 * Every pipeline. A generated model has the tokenizer and the subset its entry point supports; calling another one
 * from plain JavaScript rejects with a UserError naming the entry.
 */
export interface Pipelines {
  readonly tokenizer: Tokenizer;
  fillMask(text: string, options?: FillMaskOptions): Promise<FillMaskCandidate[][]>;
  classify(input: ClassifyInput, options?: ClassifyOptions): Promise<ClassificationLabel[]>;
  classify(inputs: readonly ClassifyBatchItem[], options?: ClassifyOptions): Promise<ClassificationLabel[][]>;
  tokenClassify(text: string, options?: TokenClassifyOptions & { readonly aggregation?: 'none' }): Promise<TokenEntity[]>;
  tokenClassify(text: string, options: TokenClassifyOptions & { readonly aggregation: 'simple' }): Promise<EntityGroup[]>;
  answer(question: string, context: string, options?: AnswerOptions): Promise<Answer>;
  chooseAnswer(prompt: string, choices: readonly string[]): Promise<ChoiceResult>;
  nextSentence(a: string, b: string): Promise<NextSentenceResult>;
  embed(text: string, options?: EmbedOptions): Promise<Float32Array>;
  embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]>;
}

/** The names of the pipelines. */
export type PipelineName = Exclude<keyof Pipelines, 'tokenizer'>;
