/**
 * Option objects accept HF's snake_case names as well as camelCase, so Python call sites port over unchanged
 * (`{ max_length: 8 }` and `{ maxLength: 8 }` mean the same). Types are declared once in camelCase; the snake twins are
 * derived.
 */
import { UserError } from '../../dsl/errors.ts';

type SnakeCase<S extends string> = S extends `${infer H}${infer R}`
  ? `${H extends Lowercase<H> ? H : `_${Lowercase<H>}`}${SnakeCase<R>}`
  : S;

/** `T` plus a snake_case twin of every key (`maxLength` → `max_length`). */
export type WithSnakeCase<T> = T & { [K in keyof T & string as SnakeCase<K>]?: T[K] };

export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * Reads option `name` from `opts` under its camelCase or snake_case spelling. Giving both with different values is an
 * error rather than a silent pick.
 */
export function readOption<T>(opts: object | undefined, name: string, what: string): T | undefined {
  if (!opts) return undefined;
  const o = opts as Record<string, unknown>;
  const snake = snakeCase(name);
  const camelValue = o[name];
  const snakeValue = snake === name ? undefined : o[snake];
  if (camelValue !== undefined && snakeValue !== undefined && camelValue !== snakeValue) {
    throw new UserError(`${what}: both '${name}' and '${snake}' are given, with different values`);
  }
  return (camelValue !== undefined ? camelValue : snakeValue) as T | undefined;
}

/** Rejects keys that are neither a known name nor its snake_case twin, so a typo does not silently do nothing. */
export function checkOptionKeys(opts: object | undefined, known: readonly string[], what: string): void {
  if (!opts) return;
  if (typeof opts !== 'object') throw new UserError(`${what}: options must be an object, got ${typeof opts}`);
  const allowed = new Set(known.flatMap((k) => [k, snakeCase(k)]));
  for (const key of Object.keys(opts)) {
    if (!allowed.has(key)) {
      throw new UserError(`${what}: unknown option '${key}' (known: ${known.join(', ')}; snake_case spellings work too)`);
    }
  }
}

/** Options of `encode` / `encodeBatch` (HF `__call__` / `encode_plus` / `batch_encode_plus`). */
export interface EncodeOptionsCamel {
  /** Default true: add [CLS] … [SEP] (… [SEP]). */
  addSpecialTokens?: boolean;
  /** `true` = `'longest'` (longest in the batch); `'max_length'` pads to `maxLength` (or the model max length). */
  padding?: boolean | 'longest' | 'max_length' | 'do_not_pad';
  /** `true` = `'longest_first'`. Unset with `maxLength` set and no padding: `'longest_first'`, as in HF. */
  truncation?: boolean | 'longest_first' | 'only_first' | 'only_second' | 'do_not_truncate';
  maxLength?: number;
  padToMultipleOf?: number;
  /** Overrides the tokenizer's side for this call. */
  paddingSide?: 'right' | 'left';
  truncationSide?: 'right' | 'left';
  /** Default true. */
  returnAttentionMask?: boolean;
  /** Default true. */
  returnTokenTypeIds?: boolean;
  /** Default false. */
  returnSpecialTokensMask?: boolean;
}
export type EncodeOptions = WithSnakeCase<EncodeOptionsCamel>;
export const ENCODE_OPTION_KEYS = [
  'addSpecialTokens',
  'padding',
  'truncation',
  'maxLength',
  'padToMultipleOf',
  'paddingSide',
  'truncationSide',
  'returnAttentionMask',
  'returnTokenTypeIds',
  'returnSpecialTokensMask',
] as const;

/** Options of `decode` / `batchDecode`. */
export interface DecodeOptionsCamel {
  /** Default false: drop [CLS], [SEP], [PAD], … */
  skipSpecialTokens?: boolean;
  /** Default: the tokenizer's setting (true unless its config says otherwise). */
  cleanUpTokenizationSpaces?: boolean;
}
export type DecodeOptions = WithSnakeCase<DecodeOptionsCamel>;
export const DECODE_OPTION_KEYS = ['skipSpecialTokens', 'cleanUpTokenizationSpaces'] as const;

/** Construction options; each overrides what the tokenizer's files say. */
export interface TokenizerOptionsCamel {
  doLowerCase?: boolean;
  /** `null`/unset: follow `doLowerCase` (HF `None`). */
  stripAccents?: boolean | null;
  tokenizeChineseChars?: boolean;
  neverSplit?: readonly string[];
  /** A special token set to `null` is switched off (e.g. a vocabulary without [MASK]). */
  unkToken?: string | null;
  sepToken?: string | null;
  padToken?: string | null;
  clsToken?: string | null;
  maskToken?: string | null;
  additionalSpecialTokens?: readonly string[];
  /** Length used by `truncation`/`padding: 'max_length'` when no `maxLength` is given. */
  modelMaxLength?: number;
  cleanUpTokenizationSpaces?: boolean;
  paddingSide?: 'right' | 'left';
  truncationSide?: 'right' | 'left';
  maxInputCharsPerWord?: number;
}
export type TokenizerOptions = WithSnakeCase<TokenizerOptionsCamel>;
export const TOKENIZER_OPTION_KEYS = [
  'doLowerCase',
  'stripAccents',
  'tokenizeChineseChars',
  'neverSplit',
  'unkToken',
  'sepToken',
  'padToken',
  'clsToken',
  'maskToken',
  'additionalSpecialTokens',
  'modelMaxLength',
  'cleanUpTokenizationSpaces',
  'paddingSide',
  'truncationSide',
  'maxInputCharsPerWord',
] as const;
