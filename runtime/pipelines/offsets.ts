/**
 * Token ids with the character offsets they came from in the original text (HF's `return_offsets_mapping`), which
 * the tokenizer does not give: token classification reports where entities are, question answering cuts the answer
 * out of the context.
 *
 * The tokenizer stays the authority on ids. BERT's pre-tokenisation acts on one whitespace-delimited raw word at a
 * time (after cutting out special tokens; see tokenizer/fast-core.ts), so the text is walked word by word with
 * positions and each word is tokenised on its own; within a word, the punctuation-split pieces and then the WordPiece
 * tokens are lined up with the word's characters by the lengths of their normalised forms. Where normalisation makes
 * that ambiguous (the tokenizer's ids for the pieces differ from the word's, or lengths disagree), the tokens get the
 * offsets of the enclosing piece or word instead: never a wrong place, only a coarser one.
 */
import type { BertTokenizerBase } from '../tokenizer/base.ts';
import { charFlags, CJK, PUNCT_FLAG, REMOVE, stripAccents, WS } from '../tokenizer/unicode.ts';

/** One token: its id and the UTF-16 range `[start, end)` of the text it stands for. */
export interface TokenSpan {
  readonly id: number;
  readonly start: number;
  readonly end: number;
}

/** The tokens of `text` without [CLS]/[SEP], exactly `tok.textToIds(text)`, with their offsets. */
export function tokenSpans(tok: BertTokenizerBase, text: string): TokenSpan[] {
  const out: TokenSpan[] = [];
  const cfg = tok.config;
  // Longest first, so that of two special tokens starting at the same place the longer wins, as in the tokenizer.
  const specials = [...cfg.noSplitTokens].sort((a, b) => b.length - a.length);
  let pos = 0;
  while (pos < text.length) {
    let at = -1;
    let token = '';
    for (const t of specials) {
      const k = text.indexOf(t, pos);
      if (k >= 0 && (at < 0 || k < at)) [at, token] = [k, t];
    }
    const end = at < 0 ? text.length : at;
    words(text, pos, end, cfg.basic.tokenizeChineseChars, (s, e) => wordSpans(tok, text, s, e, out));
    if (at < 0) break;
    out.push({ id: cfg.vocab.get(token)!, start: at, end: at + token.length });
    pos = at + token.length;
  }
  return out;
}

/** Calls `onWord` for each raw word of `text[from, to)`: runs between whitespace, CJK ideographs on their own. */
function words(text: string, from: number, to: number, splitCjk: boolean, onWord: (start: number, end: number) => void): void {
  let start = -1;
  for (let i = from; i < to; ) {
    const cp = text.codePointAt(i)!;
    const w = cp > 0xffff ? 2 : 1;
    const f = charFlags(cp);
    if (f & WS || (splitCjk && f & CJK)) {
      if (start >= 0) onWord(start, i);
      start = -1;
      if (splitCjk && f & CJK) onWord(i, i + w);
    } else if (start < 0 && !(f & REMOVE)) start = i; // the tokenizer skips removed characters before a word
    i += w;
  }
  if (start >= 0) onWord(start, to);
}

/**
 * The smallest stretch that normalises on its own: usually one character, but a base character and the marks (or
 * Hangul jamo) that NFC composes with it form one unit. A mark normalisation drops (accent stripping) is a unit of its
 * own with `length` 0, so no token's offsets reach over it, as in HF's.
 */
interface Unit {
  readonly start: number;
  readonly end: number;
  readonly punct: boolean;
  /** Length of the normalised text. */
  readonly length: number;
}

function units(tok: BertTokenizerBase, text: string, from: number, to: number): Unit[] {
  const out: Unit[] = [];
  for (let i = from; i < to; ) {
    const cp = text.codePointAt(i)!;
    const w = cp > 0xffff ? 2 : 1;
    const f = charFlags(cp);
    const last = out.at(-1);
    const ch = text.slice(i, i + w);
    if (f & REMOVE) {
      i += w; // dropped by the tokenizer: covered by no token
      continue;
    }
    const alone = normalised(tok, ch);
    const prev = last && !last.punct && !(f & PUNCT_FLAG) && last.end === i ? text.slice(last.start, i) : undefined;
    const joined = prev !== undefined && alone !== '' ? normalised(tok, prev + ch) : undefined;
    if (joined !== undefined && joined !== normalised(tok, prev!) + alone) out[out.length - 1] = { ...last!, end: i + w, length: joined.length };
    else out.push({ start: i, end: i + w, punct: (f & PUNCT_FLAG) !== 0, length: alone.length });
    i += w;
  }
  return out;
}

/** The range of some units, without the ones normalisation empties at either end. */
function rangeOf(us: readonly Unit[]): { start: number; end: number } {
  const kept = us.filter((u) => u.length > 0);
  const [first, last] = kept.length > 0 ? [kept[0]!, kept.at(-1)!] : [us[0]!, us.at(-1)!];
  return { start: first.start, end: last.end };
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, k) => x === b[k]);
}

function wordSpans(tok: BertTokenizerBase, text: string, start: number, end: number, out: TokenSpan[]): void {
  const ids = tok.textToIds(text.slice(start, end));
  const us = units(tok, text, start, end);
  if (ids.length === 0 || us.length === 0) return;
  // Punctuation-split pieces: each punctuation character alone, the runs between them.
  const pieces: Unit[][] = [];
  for (const u of us) {
    const last = pieces.at(-1);
    if (u.punct || !last || last[0]!.punct) pieces.push([u]);
    else last.push(u);
  }
  const pieceIds = pieces.map((p) => tok.textToIds(text.slice(p[0]!.start, p.at(-1)!.end)));
  if (!sameIds(pieceIds.flat(), ids)) {
    for (const id of ids) out.push({ id, ...rangeOf(us) });
    return;
  }
  pieces.forEach((p, k) => pieceSpans(tok, text, p, pieceIds[k]!, out));
}

/** The normalised form of one unit, as the tokenizer normalises a word (NFC, lower case, accents). */
function normalised(tok: BertTokenizerBase, s: string): string {
  const { doLowerCase, stripAccents: strip } = tok.config.basic;
  s = s.normalize('NFC');
  if (doLowerCase) {
    s = s.toLowerCase();
    if (strip !== false) s = stripAccents(s);
  } else if (strip) s = stripAccents(s);
  return s;
}

function pieceSpans(tok: BertTokenizerBase, text: string, piece: readonly Unit[], ids: readonly number[], out: TokenSpan[]): void {
  const whole = (id: number): TokenSpan => ({ id, ...rangeOf(piece) });
  if (ids.length === 1) {
    out.push(whole(ids[0]!));
    return;
  }
  const prefix = tok.config.continuingSubwordPrefix;
  const lengths = ids.map((id, k) => {
    const t = tok.config.idToToken[id] ?? '';
    const n = k === 0 ? t.length : t.startsWith(prefix) ? t.length - prefix.length : 0;
    return n > 0 ? n : -1; // a continuation without its prefix, or an empty piece: cannot be lined up
  });
  // Where each unit's normalised text ends, counted in normalised characters.
  const ends: number[] = [];
  let total = 0;
  for (const u of piece) ends.push((total += u.length));
  if (lengths.includes(-1) || lengths.reduce((a, b) => a + b, 0) !== total) {
    for (const id of ids) out.push(whole(id));
    return;
  }
  let at = 0;
  let unit = 0;
  ids.forEach((id, k) => {
    while (ends[unit]! <= at) unit++;
    const first = unit;
    at += lengths[k]!;
    while (ends[unit]! < at) unit++;
    out.push({ id, start: piece[first]!.start, end: piece[unit]!.end });
  });
}
