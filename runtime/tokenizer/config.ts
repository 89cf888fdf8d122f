/**
 * Resolving a tokenizer's settings from its files and the caller's options, with HF's precedence: options passed to
 * the constructor, then `special_tokens_map.json`, then `tokenizer_config.json`, then the model file (tokenizer.json's
 * normalizer / post-processor / unk_token), then BERT's defaults.
 */
import { UserError } from '../../dsl/errors.ts';
import type { BasicTokenizerOptions } from './basic-tokenizer.ts';
import type { AddedTokenSpec, ModelSource } from './files.ts';
import { checkOptionKeys, readOption, TOKENIZER_OPTION_KEYS, type TokenizerOptions } from './options.ts';

export type Side = 'right' | 'left';

/** Everything a tokenizer needs after its files and options are merged. */
export interface ResolvedConfig {
  readonly vocab: ReadonlyMap<string, number>;
  readonly idToToken: readonly (string | undefined)[];
  readonly unkToken: string;
  readonly unkId: number;
  /** Special tokens that are switched on, and their ids. */
  readonly cls?: { token: string; id: number };
  readonly sep?: { token: string; id: number };
  readonly pad?: { token: string; id: number };
  readonly mask?: { token: string; id: number };
  readonly allSpecialTokens: readonly string[];
  readonly allSpecialIds: ReadonlySet<number>;
  /** Strings cut out of raw text before normalisation: the special tokens and any added tokens. */
  readonly noSplitTokens: readonly string[];
  readonly basic: BasicTokenizerOptions;
  readonly continuingSubwordPrefix: string;
  readonly maxInputCharsPerWord: number;
  readonly modelMaxLength: number;
  readonly cleanUpTokenizationSpaces: boolean;
  readonly paddingSide: Side;
  readonly truncationSide: Side;
}

type Json = Record<string, unknown>;

/** A token as configs write it: a string, an AddedToken object `{ content, ... }`, or null (switched off). */
function tokenValue(v: unknown, what: string): string | null | undefined {
  if (v === undefined) return undefined;
  if (v === null || typeof v === 'string') return v;
  if (typeof v === 'object' && typeof (v as Json).content === 'string') return (v as Json).content as string;
  throw new UserError(`${what} must be a string or an object with a string "content", got ${JSON.stringify(v)}`);
}

export function resolveConfig(source: ModelSource, tokenizerConfig?: Json, specialTokensMap?: Json, options?: TokenizerOptions): ResolvedConfig {
  checkOptionKeys(options, TOKENIZER_OPTION_KEYS, 'tokenizer options');
  const cfgLabel = 'tokenizer_config.json';
  const mapLabel = 'special_tokens_map.json';
  const opt = <T>(name: string) => readOption<T>(options, name, 'tokenizer options');
  const typed = <T>(v: unknown, check: (x: unknown) => boolean, what: string): T | undefined => {
    if (v === undefined || v === null) return undefined;
    if (!check(v)) throw new UserError(`${what} has an unexpected value ${JSON.stringify(v)}`);
    return v as T;
  };
  const isBool = (x: unknown) => typeof x === 'boolean';
  const cfgBool = (key: string) => typed<boolean>(tokenizerConfig?.[key], isBool, `${cfgLabel}: "${key}"`);
  const optBool = (name: string) => typed<boolean>(opt(name), isBool, `tokenizer option ${name}`);

  // The vocabulary, extended by added tokens that have ids of their own.
  const vocab = new Map(source.vocab);
  const idToToken = [...source.idToToken];
  const added: AddedTokenSpec[] = [...source.addedTokens];
  const decoder = tokenizerConfig?.added_tokens_decoder;
  if (decoder !== undefined && decoder !== null) {
    if (typeof decoder !== 'object') throw new UserError(`${cfgLabel}: "added_tokens_decoder" must be an object`);
    for (const [key, spec] of Object.entries(decoder as Json)) {
      const content = tokenValue(spec, `${cfgLabel}: added_tokens_decoder["${key}"]`);
      if (!/^\d+$/.test(key) || typeof content !== 'string') throw new UserError(`${cfgLabel}: added_tokens_decoder["${key}"] is malformed`);
      added.push({ id: Number(key), content, special: (spec as Json).special === true });
    }
  }
  for (const t of added) {
    vocab.set(t.content, t.id);
    idToToken[t.id] = t.content;
  }

  const pickToken = (name: string, key: string, fallback: string | undefined): string | undefined => {
    const fromOpt = tokenValue(opt(name), `tokenizer option ${name}`);
    const fromMap = tokenValue(specialTokensMap?.[key], `${mapLabel}: "${key}"`);
    const fromCfg = tokenValue(tokenizerConfig?.[key], `${cfgLabel}: "${key}"`);
    const v = fromOpt !== undefined ? fromOpt : fromMap !== undefined ? fromMap : fromCfg !== undefined ? fromCfg : fallback;
    return v ?? undefined;
  };
  const withId = (token: string | undefined, role: string) => {
    if (token === undefined) return undefined;
    const id = vocab.get(token);
    if (id === undefined) {
      const fix = role === 'additional special' ? 'add it to the vocabulary' : `set it with the ${role}Token option, or null to go without`;
      throw new UserError(`${source.label}: the ${role} token ${JSON.stringify(token)} is not in the vocabulary (${fix})`);
    }
    return { token, id };
  };
  const unk = withId(pickToken('unkToken', 'unk_token', source.unkToken ?? '[UNK]'), 'unk');
  if (!unk) throw new UserError('a WordPiece tokenizer needs an unk token; unkToken cannot be null');
  const cls = withId(pickToken('clsToken', 'cls_token', source.clsToken ?? '[CLS]'), 'cls');
  const sep = withId(pickToken('sepToken', 'sep_token', source.sepToken ?? '[SEP]'), 'sep');
  const pad = withId(pickToken('padToken', 'pad_token', '[PAD]'), 'pad');
  const mask = withId(pickToken('maskToken', 'mask_token', '[MASK]'), 'mask');

  const rawExtra = opt<readonly unknown[]>('additionalSpecialTokens') ?? specialTokensMap?.additional_special_tokens ?? tokenizerConfig?.additional_special_tokens ?? [];
  if (!Array.isArray(rawExtra)) throw new UserError('additional_special_tokens must be an array');
  const extra = rawExtra.map((v, k) => {
    const token = tokenValue(v, `additional_special_tokens[${k}]`);
    if (typeof token !== 'string') throw new UserError(`additional_special_tokens[${k}] must be a token, got null`);
    return withId(token, 'additional special')!;
  });
  const specials = [unk, sep, pad, cls, mask, ...extra, ...added.filter((t) => t.special).map((t) => ({ token: t.content, id: t.id }))].filter(
    (s): s is { token: string; id: number } => s !== undefined,
  );
  const allSpecialTokens = [...new Set(specials.map((s) => s.token))];

  const neverSplit = opt<readonly string[]>('neverSplit') ?? (tokenizerConfig?.never_split as readonly string[] | undefined) ?? [];
  if (!Array.isArray(neverSplit) || neverSplit.some((s) => typeof s !== 'string')) throw new UserError('never_split must be an array of strings');
  const optStrip = opt<boolean | null>('stripAccents');
  const stripAccents = optStrip !== undefined ? optStrip : tokenizerConfig?.strip_accents !== undefined ? tokenizerConfig.strip_accents : source.stripAccents;
  if (stripAccents !== undefined && stripAccents !== null && typeof stripAccents !== 'boolean') throw new UserError('strip_accents must be true, false or null');

  const side = (name: string, key: string): Side => {
    const v = opt<string>(name) ?? tokenizerConfig?.[key] ?? 'right';
    if (v !== 'right' && v !== 'left') throw new UserError(`${key} must be "right" or "left", got ${JSON.stringify(v)}`);
    return v;
  };
  const isLength = (x: unknown) => typeof x === 'number' && x > 0 && (Number.isInteger(x) || x === Infinity);
  const modelMaxLength = typed<number>(opt('modelMaxLength') ?? tokenizerConfig?.model_max_length, isLength, 'model_max_length') ?? Infinity;
  const maxChars = typed<number>(opt('maxInputCharsPerWord'), (x) => Number.isInteger(x) && (x as number) >= 0, 'max_input_chars_per_word');

  return {
    vocab,
    idToToken,
    unkToken: unk.token,
    unkId: unk.id,
    cls,
    sep,
    pad,
    mask,
    allSpecialTokens,
    allSpecialIds: new Set(specials.map((s) => s.id)),
    noSplitTokens: [...new Set([...allSpecialTokens, ...added.map((t) => t.content)])].filter((t) => t.length > 0),
    basic: {
      doLowerCase: optBool('doLowerCase') ?? cfgBool('do_lower_case') ?? source.lowercase ?? true,
      stripAccents: stripAccents ?? undefined,
      tokenizeChineseChars: optBool('tokenizeChineseChars') ?? cfgBool('tokenize_chinese_chars') ?? source.handleChineseChars ?? true,
      neverSplit: new Set(neverSplit),
    },
    continuingSubwordPrefix: source.continuingSubwordPrefix,
    maxInputCharsPerWord: maxChars ?? source.maxInputCharsPerWord,
    modelMaxLength,
    // HF's BertTokenizer/BertTokenizerFast default it to true (the generic tokenizer default became false in 4.45).
    cleanUpTokenizationSpaces: optBool('cleanUpTokenizationSpaces') ?? cfgBool('clean_up_tokenization_spaces') ?? true,
    paddingSide: side('paddingSide', 'padding_side'),
    truncationSide: side('truncationSide', 'truncation_side'),
  };
}
