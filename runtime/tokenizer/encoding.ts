/**
 * From WordPiece ids to model inputs, with HF's semantics (`PreTrainedTokenizerBase._get_padding_truncation_strategies`,
 * `prepare_for_model`, `truncate_sequences`, `_pad`): special tokens, truncation, padding and the masks.
 */
import { UserError } from '../../dsl/errors.ts';
import type { ResolvedConfig, Side } from './config.ts';
import { checkOptionKeys, ENCODE_OPTION_KEYS, readOption, type EncodeOptions } from './options.ts';

/** One encoded text or text pair (HF `BatchEncoding` for one input); keys are HF's. */
export interface Encoding {
  input_ids: number[];
  token_type_ids?: number[];
  attention_mask?: number[];
  special_tokens_mask?: number[];
}

/** A batch: one row per input, all rows the same length when padded. */
export interface BatchEncoding {
  input_ids: number[][];
  token_type_ids?: number[][];
  attention_mask?: number[][];
  special_tokens_mask?: number[][];
}

export type TruncationStrategy = 'longest_first' | 'only_first' | 'only_second' | 'do_not_truncate';
export type PaddingStrategy = 'longest' | 'max_length' | 'do_not_pad';

/** The options after HF's defaulting rules. */
export interface EncodePlan {
  addSpecialTokens: boolean;
  padding: PaddingStrategy;
  truncation: TruncationStrategy;
  maxLength?: number;
  padToMultipleOf?: number;
  paddingSide: Side;
  truncationSide: Side;
  returnAttentionMask: boolean;
  returnTokenTypeIds: boolean;
  returnSpecialTokensMask: boolean;
}

const WHAT = 'encode options';

export function planEncoding(options: EncodeOptions | undefined, cfg: ResolvedConfig): EncodePlan {
  checkOptionKeys(options, ENCODE_OPTION_KEYS, WHAT);
  const get = <T>(name: string) => readOption<T>(options, name, WHAT);
  const bool = (name: string, dflt: boolean): boolean => {
    const v = get<unknown>(name);
    if (v === undefined) return dflt;
    if (typeof v !== 'boolean') throw new UserError(`${WHAT}: ${name} must be true or false, got ${JSON.stringify(v)}`);
    return v;
  };
  const positive = (name: string): number | undefined => {
    const v = get<unknown>(name);
    if (v === undefined || v === null) return undefined;
    if (!Number.isInteger(v) || (v as number) < 1) throw new UserError(`${WHAT}: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const side = (name: string, dflt: Side): Side => {
    const v = get<unknown>(name) ?? dflt;
    if (v !== 'right' && v !== 'left') throw new UserError(`${WHAT}: ${name} must be 'right' or 'left', got ${JSON.stringify(v)}`);
    return v;
  };

  const rawPadding = get<unknown>('padding') ?? false;
  const padding: PaddingStrategy = rawPadding === true ? 'longest' : rawPadding === false ? 'do_not_pad' : (rawPadding as PaddingStrategy);
  if (!['longest', 'max_length', 'do_not_pad'].includes(padding)) {
    throw new UserError(`${WHAT}: padding must be true, false, 'longest', 'max_length' or 'do_not_pad', got ${JSON.stringify(rawPadding)}`);
  }
  let maxLength = positive('maxLength');
  const rawTruncation = get<unknown>('truncation');
  let truncation: TruncationStrategy;
  if (rawTruncation === undefined || rawTruncation === null) {
    // HF: "Truncation was not explicitly activated but `max_length` is provided ... Defaulting to 'longest_first'".
    truncation = maxLength !== undefined && padding === 'do_not_pad' ? 'longest_first' : 'do_not_truncate';
  } else if (rawTruncation === true) truncation = 'longest_first';
  else if (rawTruncation === false) truncation = 'do_not_truncate';
  else truncation = rawTruncation as TruncationStrategy;
  if (!['longest_first', 'only_first', 'only_second', 'do_not_truncate'].includes(truncation)) {
    throw new UserError(`${WHAT}: truncation must be true, false, 'longest_first', 'only_first', 'only_second' or 'do_not_truncate', got ${JSON.stringify(rawTruncation)}`);
  }
  if (maxLength === undefined && (padding === 'max_length' || truncation !== 'do_not_truncate')) {
    if (cfg.modelMaxLength === Infinity) {
      const wants = padding === 'max_length' ? "padding: 'max_length'" : `truncation: '${truncation}'`;
      throw new UserError(`${WHAT}: ${wants} needs maxLength, and this tokenizer has no model_max_length to fall back on`);
    }
    maxLength = cfg.modelMaxLength;
  }
  const padToMultipleOf = positive('padToMultipleOf');
  if (padding !== 'do_not_pad' && !cfg.pad) throw new UserError(`${WHAT}: padding needs a pad token, and this tokenizer has none`);
  if (truncation !== 'do_not_truncate' && padding !== 'do_not_pad' && padToMultipleOf !== undefined && maxLength !== undefined && maxLength % padToMultipleOf !== 0) {
    throw new UserError(`${WHAT}: truncation and padding are both on but maxLength (${maxLength}) is not a multiple of padToMultipleOf (${padToMultipleOf})`);
  }
  return {
    addSpecialTokens: bool('addSpecialTokens', true),
    padding,
    truncation,
    ...(maxLength !== undefined ? { maxLength } : {}),
    ...(padToMultipleOf !== undefined ? { padToMultipleOf } : {}),
    paddingSide: side('paddingSide', cfg.paddingSide),
    truncationSide: side('truncationSide', cfg.truncationSide),
    returnAttentionMask: bool('returnAttentionMask', true),
    returnTokenTypeIds: bool('returnTokenTypeIds', true),
    returnSpecialTokensMask: bool('returnSpecialTokensMask', false),
  };
}

/** HF `build_inputs_with_special_tokens` for BERT: `[CLS] A [SEP]` or `[CLS] A [SEP] B [SEP]`. */
export function buildInputs(cfg: ResolvedConfig, ids: readonly number[], pair?: readonly number[]): number[] {
  const { cls, sep } = requireClsSep(cfg);
  const out = [cls];
  for (let k = 0; k < ids.length; k++) out.push(ids[k]!);
  out.push(sep);
  if (pair) {
    for (let k = 0; k < pair.length; k++) out.push(pair[k]!);
    out.push(sep);
  }
  return out;
}

export function requireClsSep(cfg: ResolvedConfig): { cls: number; sep: number } {
  if (!cfg.cls || !cfg.sep) throw new UserError('adding special tokens needs a cls and a sep token, and this tokenizer lacks one');
  return { cls: cfg.cls.id, sep: cfg.sep.id };
}

/** HF `truncate_sequences` (longest_first: one token at a time from the longer sequence, the pair on ties). */
export function truncateSequences(ids: number[], pair: number[] | undefined, remove: number, strategy: TruncationStrategy, side: Side): [number[], number[] | undefined] {
  if (remove <= 0 || strategy === 'do_not_truncate') return [ids, pair];
  const cut = (seq: number[], n: number) => (side === 'right' ? seq.slice(0, seq.length - n) : seq.slice(n));
  if (strategy === 'longest_first' && pair) {
    // Equivalent to HF's loop without its O(n·k) copying: the longer side loses tokens until both are equal, then
    // they alternate starting with the pair (HF: `len(ids) > len(pair_ids)` else the pair loses one).
    let a = ids.length;
    let b = pair.length;
    let left = Math.min(remove, a + b);
    const first = Math.min(left, Math.abs(a - b));
    if (a > b) a -= first;
    else b -= first;
    left -= first;
    b -= Math.ceil(left / 2);
    a -= Math.floor(left / 2);
    return [cut(ids, ids.length - a), cut(pair, pair.length - b)];
  }
  if (strategy === 'only_second' && !pair) throw new UserError("truncation 'only_second' needs a text pair");
  const target = strategy === 'only_second' ? pair! : ids;
  // A lone sequence may shrink to nothing (as HF's Rust tokenizer allows); only_first/only_second must leave one token.
  const mustKeepOne = strategy !== 'longest_first';
  if (target.length < remove || (mustKeepOne && target.length === remove)) {
    const which = strategy === 'only_second' ? 'second' : 'first';
    throw new UserError(
      `cannot truncate with '${strategy}': ${remove} tokens must go but the ${which} sequence has only ${target.length}; use 'longest_first' or a larger maxLength`,
    );
  }
  return strategy === 'only_second' ? [ids, cut(pair!, remove)] : [cut(ids, remove), pair];
}

/** HF `prepare_for_model` without padding: special tokens, truncation, token types and the special-tokens mask. */
export function prepareForModel(cfg: ResolvedConfig, plan: EncodePlan, ids: number[], pair: number[] | undefined): Required<Encoding> {
  const numSpecial = plan.addSpecialTokens ? (pair ? 3 : 2) : 0;
  if (plan.truncation !== 'do_not_truncate' && plan.maxLength !== undefined) {
    if (plan.maxLength < numSpecial) {
      throw new UserError(`maxLength ${plan.maxLength} is smaller than the ${numSpecial} special tokens a ${pair ? 'pair' : 'single text'} needs`);
    }
    const total = ids.length + (pair?.length ?? 0) + numSpecial;
    [ids, pair] = truncateSequences(ids, pair, total - plan.maxLength, plan.truncation, plan.truncationSide);
  }
  let input_ids: number[];
  let token_type_ids: number[];
  let special_tokens_mask: number[];
  if (plan.addSpecialTokens) {
    input_ids = buildInputs(cfg, ids, pair);
    token_type_ids = tokenTypeIds(ids, pair);
    special_tokens_mask = specialTokensMask(ids, pair);
  } else {
    input_ids = pair ? ids.concat(pair) : ids;
    // HF gives the pair type 0 here too: the types come from the [SEP]-aware template only.
    token_type_ids = filled(input_ids.length, 0, 0, 0);
    special_tokens_mask = filled(input_ids.length, 0, 0, 0);
  }
  return { input_ids, token_type_ids, attention_mask: filled(input_ids.length, 1, 0, 0), special_tokens_mask };
}

/** HF `create_token_type_ids_from_sequences` for BERT. */
export function tokenTypeIds(ids: readonly number[], pair?: readonly number[]): number[] {
  return filled(ids.length + 2, 0, pair ? pair.length + 1 : 0, 1);
}

/** HF `get_special_tokens_mask` for BERT when the ids do not yet hold special tokens. */
export function specialTokensMask(ids: readonly number[], pair?: readonly number[]): number[] {
  const out = filled(1, 1, ids.length, 0);
  out.push(1);
  if (pair) {
    for (let k = 0; k < pair.length; k++) out.push(0);
    out.push(1);
  }
  return out;
}

/** `n` copies of `a` then `m` copies of `b`, as a packed array (a hot path: one call per row and mask). */
function filled(n: number, a: number, m: number, b: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < n; k++) out.push(a);
  for (let k = 0; k < m; k++) out.push(b);
  return out;
}

/** HF `pad` / `_pad` over a batch: pad to the longest row or to maxLength, rounded up to padToMultipleOf. */
export function padAndSelect(cfg: ResolvedConfig, plan: EncodePlan, rows: Required<Encoding>[]): BatchEncoding {
  let target = 0;
  if (plan.padding === 'longest') for (const r of rows) target = Math.max(target, r.input_ids.length);
  else if (plan.padding === 'max_length') target = plan.maxLength!;
  const m = plan.padToMultipleOf;
  if (m !== undefined && target % m !== 0) target = (Math.floor(target / m) + 1) * m;
  const padId = cfg.pad?.id ?? 0;
  const out: BatchEncoding = { input_ids: [] };
  if (plan.returnTokenTypeIds) out.token_type_ids = [];
  if (plan.returnAttentionMask) out.attention_mask = [];
  if (plan.returnSpecialTokensMask) out.special_tokens_mask = [];
  for (const r of rows) {
    const n = plan.padding === 'do_not_pad' ? 0 : Math.max(0, target - r.input_ids.length);
    const pad = (seq: number[], value: number) => {
      if (n === 0) return seq;
      const fill = filled(n, value, 0, 0);
      return plan.paddingSide === 'right' ? seq.concat(fill) : fill.concat(seq);
    };
    out.input_ids.push(pad(r.input_ids, padId));
    out.token_type_ids?.push(pad(r.token_type_ids, 0));
    out.attention_mask?.push(pad(r.attention_mask, 0));
    out.special_tokens_mask?.push(pad(r.special_tokens_mask, 1));
  }
  return out;
}
