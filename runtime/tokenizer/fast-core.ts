/**
 * The fast path: HF's BasicTokenizer + WordPiece computed in one scan over the text, with the result for each raw
 * whitespace-delimited word cached.
 *
 * Why this is equivalent to the Python pipeline: every step of `BasicTokenizer` after `_clean_text` and the CJK split
 * (NFC, lower-casing, accent stripping, punctuation split, WordPiece) acts on one whitespace-delimited word at a time,
 * and NFC cannot merge across a separator (no canonical composite starts with a space or an ideograph). So the ids of a
 * text are the concatenation of a pure function of each raw word — which is what the cache stores — and natural text
 * repeats words a lot. Words are found with a flag table (`charFlags`) instead of per-character regex tests.
 */
import type { BasicTokenizerOptions } from './basic-tokenizer.ts';
import { charFlags, CJK, NON_ASCII, PUNCT_FLAG, REMOVE, stripAccents, WS } from './unicode.ts';

/** Bounds memory on adversarial input (every word distinct); natural-text vocabularies stay far below it. */
const CACHE_LIMIT = 1 << 17;
const MAX_CACHED_WORD = 256;

export interface WordPieceModel {
  readonly vocab: ReadonlyMap<string, number>;
  readonly unkId: number;
  readonly continuingSubwordPrefix: string;
  readonly maxInputCharsPerWord: number;
}

export class FastBertCore {
  private readonly cache = new Map<string, readonly number[]>();
  /** Longest vocabulary entry in UTF-16 units: WordPiece never needs to try a longer substring. */
  private readonly maxPieceUnits: number;

  constructor(
    private readonly model: WordPieceModel,
    private readonly basic: BasicTokenizerOptions,
  ) {
    let longest = 1;
    for (const key of model.vocab.keys()) if (key.length > longest) longest = key.length;
    this.maxPieceUnits = longest;
  }

  /** Appends the WordPiece ids of `text` (which holds no added tokens) to `out`. */
  encodeInto(text: string, out: number[]): void {
    const n = text.length;
    const splitCjk = this.basic.tokenizeChineseChars;
    let i = 0;
    while (i < n) {
      let cp = text.charCodeAt(i);
      if (cp >= 0xd800 && cp <= 0xdbff) cp = text.codePointAt(i)!;
      let f = charFlags(cp);
      const width = cp > 0xffff ? 2 : 1;
      if (f & (WS | REMOVE)) {
        i += width;
        continue;
      }
      if (splitCjk && f & CJK) {
        this.emitWord(text.slice(i, i + width), out);
        i += width;
        continue;
      }
      const start = i;
      let removed = false;
      while (i < n) {
        cp = text.charCodeAt(i);
        if (cp >= 0xd800 && cp <= 0xdbff) cp = text.codePointAt(i)!;
        f = cp < 128 ? ASCII[cp]! : charFlags(cp);
        if (f & WS || (splitCjk && f & CJK)) break;
        if (f & REMOVE) removed = true;
        i += cp > 0xffff ? 2 : 1;
      }
      let word = text.slice(start, i);
      if (removed) word = withoutRemoved(word);
      if (word.length > 0) this.emitWord(word, out);
    }
  }

  private emitWord(word: string, out: number[]): void {
    let ids = this.cache.get(word);
    if (ids === undefined) {
      ids = this.computeWord(word);
      // Long words are rare and would make the cache's memory unbounded in bytes, not just in entries.
      if (word.length <= MAX_CACHED_WORD) {
        if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
        this.cache.set(word, ids);
      }
    }
    for (let k = 0; k < ids.length; k++) out.push(ids[k]!);
  }

  /** HF's per-word steps of `BasicTokenizer.tokenize`, then WordPiece on each piece. */
  private computeWord(raw: string): number[] {
    const { doLowerCase, stripAccents: strip, neverSplit } = this.basic;
    let ascii = true;
    for (let k = 0; k < raw.length; k++) if (raw.charCodeAt(k) >= 128) ascii = false;
    let word = ascii ? raw : raw.normalize('NFC');
    // HF's BertTokenizer._tokenize passes never-split words through whole, without WordPiece.
    if (neverSplit.has(word)) return [this.model.vocab.get(word) ?? this.model.unkId];
    if (doLowerCase) {
      word = word.toLowerCase();
      if (strip !== false && !ascii) word = stripAccents(word);
    } else if (strip && !ascii) {
      word = stripAccents(word);
    }
    if (neverSplit.has(word)) return [this.model.vocab.get(word) ?? this.model.unkId];
    const out: number[] = [];
    // Punctuation split; a punctuation character is a word of its own.
    let pieceStart = 0;
    for (let k = 0; k < word.length; ) {
      const cp = word.codePointAt(k)!;
      const w = cp > 0xffff ? 2 : 1;
      if ((cp < 128 ? ASCII[cp]! : charFlags(cp)) & PUNCT_FLAG) {
        if (k > pieceStart) this.wordPiece(word.slice(pieceStart, k), out);
        this.wordPiece(word.slice(k, k + w), out);
        pieceStart = k + w;
      }
      k += w;
    }
    if (word.length > pieceStart) this.wordPiece(word.slice(pieceStart), out);
    return out;
  }

  /** HF `WordpieceTokenizer` on one word, over code points; appends ids. */
  private wordPiece(word: string, out: number[]): void {
    const { vocab, unkId, continuingSubwordPrefix: prefix, maxInputCharsPerWord } = this.model;
    const n = word.length;
    if (n > maxInputCharsPerWord && codePointCount(word) > maxInputCharsPerWord) {
      out.push(unkId);
      return;
    }
    const whole = vocab.get(word);
    if (whole !== undefined) {
      out.push(whole);
      return;
    }
    const mark = out.length;
    let start = 0;
    while (start < n) {
      let end = Math.min(n, start + this.maxPieceUnits);
      if (end < n && isLowSurrogate(word.charCodeAt(end))) end--;
      let found = -1;
      while (start < end) {
        const sub = word.slice(start, end);
        const id = vocab.get(start > 0 ? prefix + sub : sub);
        if (id !== undefined) {
          found = id;
          break;
        }
        end -= end - 1 > start && isLowSurrogate(word.charCodeAt(end - 1)) && isHighSurrogate(word.charCodeAt(end - 2)) ? 2 : 1;
      }
      if (found < 0) {
        out.length = mark;
        out.push(unkId);
        return;
      }
      out.push(found);
      start = end;
    }
  }
}

const ASCII = Uint8Array.from({ length: 128 }, (_, cp) => charFlags(cp) & ~NON_ASCII);

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

function codePointCount(s: string): number {
  let count = 0;
  for (let k = 0; k < s.length; k++) if (!isLowSurrogate(s.charCodeAt(k)) || k === 0 || !isHighSurrogate(s.charCodeAt(k - 1))) count++;
  return count;
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function withoutRemoved(word: string): string {
  let out = '';
  for (const ch of word) if (!(charFlags(ch.codePointAt(0)!) & REMOVE)) out += ch;
  return out;
}
