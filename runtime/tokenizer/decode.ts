/**
 * Ids back to text the way HF's slow `PreTrainedTokenizer._decode` does it for BERT: tokens joined by spaces,
 * continuation pieces glued on (`" ##"` removed), then optionally `clean_up_tokenization`.
 */
import { UserError } from '../../dsl/errors.ts';
import type { ResolvedConfig } from './config.ts';

/** HF `clean_up_tokenization`: undo the spaces tokenisation put before punctuation and English contractions. */
export function cleanUpTokenization(text: string): string {
  return text
    .replaceAll(' .', '.')
    .replaceAll(' ?', '?')
    .replaceAll(' !', '!')
    .replaceAll(' ,', ',')
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}

/** HF BERT `convert_tokens_to_string`: `" ".join(tokens).replace(" ##", "").strip()`. */
export function tokensToString(cfg: ResolvedConfig, tokens: readonly string[]): string {
  return tokens.join(' ').replaceAll(` ${cfg.continuingSubwordPrefix}`, '').trim();
}

/** Validates one id; HF silently maps unknown ids to [UNK] (slow) or drops them (fast), which hides bugs. */
export function idToToken(cfg: ResolvedConfig, id: unknown, where: string): string {
  const token = Number.isInteger(id) && (id as number) >= 0 ? cfg.idToToken[id as number] : undefined;
  if (token === undefined) {
    const shown = typeof id === 'bigint' ? `${id}n` : typeof id === 'number' ? String(id) : (JSON.stringify(id) ?? String(id));
    throw new UserError(`${where}: token id ${shown} is not in the vocabulary (valid ids are 0..${cfg.idToToken.length - 1})`);
  }
  return token;
}

/** A list of ids as callers hand them over: plain arrays, typed arrays, or bigint arrays (from an ONNX/tensor output). */
export type IdList = ArrayLike<number> | ArrayLike<bigint>;

export function idsToTokens(cfg: ResolvedConfig, ids: IdList, skipSpecialTokens: boolean, where: string): string[] {
  if (ids === null || typeof ids !== 'object' || typeof ids.length !== 'number') {
    throw new UserError(`${where}: expected an array of token ids, got ${ids === null ? 'null' : typeof ids}`);
  }
  const out: string[] = [];
  for (let k = 0; k < ids.length; k++) {
    const raw = ids[k];
    const id = typeof raw === 'bigint' && raw >= 0n && raw <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(raw) : raw;
    const token = idToToken(cfg, id, where);
    if (skipSpecialTokens && cfg.allSpecialIds.has(id as number)) continue;
    out.push(token);
  }
  return out;
}
