/**
 * A line-by-line port of Hugging Face's Python `BasicTokenizer` and `WordpieceTokenizer`
 * (transformers `models/bert/tokenization_bert.py`).
 *
 * It is kept deliberately naive — per-character predicate calls, strings rebuilt at each step — so that it reads next to
 * the Python and serves as the slow, obviously-faithful path; `fast-core.ts` computes the same thing quickly and the
 * tests hold the two equal.
 */
import { isChineseChar, isControl, isPunctuation, isWhitespace, stripAccents, whitespaceTokenize } from './unicode.ts';

/** The normalisation switches of HF's `BasicTokenizer`, with HF's defaults. */
export interface BasicTokenizerOptions {
  /** Default true. */
  doLowerCase: boolean;
  /** `undefined` (HF's `None`): strip exactly when lower-casing. `true`/`false` force it on/off. */
  stripAccents: boolean | undefined;
  /** Default true: put spaces around CJK ideographs so each becomes its own word. */
  tokenizeChineseChars: boolean;
  /** Whole whitespace-delimited words that are neither lower-cased nor split. */
  neverSplit: ReadonlySet<string>;
}

export class BasicTokenizer {
  constructor(readonly options: BasicTokenizerOptions) {}

  /** HF `BasicTokenizer.tokenize`. `neverSplit` adds to the constructor's set for this call only. */
  tokenize(text: string, neverSplit?: ReadonlySet<string>): string[] {
    const never = neverSplit ? new Set([...this.options.neverSplit, ...neverSplit]) : this.options.neverSplit;
    text = cleanText(text);
    if (this.options.tokenizeChineseChars) text = tokenizeChineseChars(text);
    // HF: "prevents treating the same character with different unicode codepoints as different characters".
    const origTokens = whitespaceTokenize(text.normalize('NFC'));
    const splitTokens: string[] = [];
    for (let token of origTokens) {
      if (!never.has(token)) {
        if (this.options.doLowerCase) {
          token = token.toLowerCase();
          if (this.options.stripAccents !== false) token = stripAccents(token);
        } else if (this.options.stripAccents) {
          token = stripAccents(token);
        }
      }
      splitTokens.push(...splitOnPunctuation(token, never));
    }
    return whitespaceTokenize(splitTokens.join(' '));
  }
}

/** HF `_clean_text`: drop NUL, U+FFFD and controls; turn every whitespace character into a plain space. */
export function cleanText(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0 || cp === 0xfffd || isControl(ch)) continue;
    out += isWhitespace(ch) ? ' ' : ch;
  }
  return out;
}

/** HF `_tokenize_chinese_chars`: surround each CJK ideograph with spaces. */
export function tokenizeChineseChars(text: string): string {
  let out = '';
  for (const ch of text) out += isChineseChar(ch.codePointAt(0)!) ? ` ${ch} ` : ch;
  return out;
}

/** HF `_run_split_on_punc`: every punctuation character becomes its own token. */
export function splitOnPunctuation(text: string, neverSplit?: ReadonlySet<string>): string[] {
  if (neverSplit?.has(text)) return [text];
  const output: string[][] = [];
  let startNewWord = true;
  for (const ch of text) {
    if (isPunctuation(ch)) {
      output.push([ch]);
      startNewWord = true;
    } else {
      if (startNewWord) output.push([]);
      startNewWord = false;
      output[output.length - 1]!.push(ch);
    }
  }
  return output.map((x) => x.join(''));
}

/** HF `WordpieceTokenizer`: greedy longest-match-first over code points, continuation pieces prefixed (`##`). */
export class WordpieceTokenizer {
  constructor(
    readonly vocab: ReadonlyMap<string, number>,
    readonly unkToken: string,
    readonly maxInputCharsPerWord = 100,
    readonly continuingSubwordPrefix = '##',
  ) {}

  /** Expects text already passed through `BasicTokenizer`; whitespace still separates words. */
  tokenize(text: string): string[] {
    const outputTokens: string[] = [];
    for (const token of whitespaceTokenize(text)) {
      const chars = Array.from(token);
      if (chars.length > this.maxInputCharsPerWord) {
        outputTokens.push(this.unkToken);
        continue;
      }
      let isBad = false;
      let start = 0;
      const subTokens: string[] = [];
      while (start < chars.length) {
        let end = chars.length;
        let curSubstr: string | undefined;
        while (start < end) {
          let substr = chars.slice(start, end).join('');
          if (start > 0) substr = this.continuingSubwordPrefix + substr;
          if (this.vocab.has(substr)) {
            curSubstr = substr;
            break;
          }
          end -= 1;
        }
        if (curSubstr === undefined) {
          isBad = true;
          break;
        }
        subTokens.push(curSubstr);
        start = end;
      }
      if (isBad) outputTokens.push(this.unkToken);
      else outputTokens.push(...subTokens);
    }
    return outputTokens;
  }
}
