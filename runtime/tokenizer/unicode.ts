/**
 * Character classes exactly as Hugging Face's Python `BasicTokenizer` defines them (transformers
 * `models/bert/tokenization_bert.py`: `_is_whitespace`, `_is_control`, `_is_punctuation`, `_is_chinese_char`).
 *
 * Python asks `unicodedata.category`; JS regex `\p{..}` property escapes read the same Unicode Character Database
 * (through ICU), so the only differences are between Unicode versions of the two runtimes.
 */

const ZS = /^\p{Zs}$/u;
const OTHER = /^\p{C}$/u;
const PUNCT = /^\p{P}$/u;
const MN = /\p{Mn}/gu;

/** HF `_is_whitespace`: space, \t, \n, \r, or category Zs. */
export function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ZS.test(ch);
}

/** HF `_is_control`: any category C* (Cc, Cf, Cn, Co, Cs) except \t, \n, \r (those count as whitespace). */
export function isControl(ch: string): boolean {
  if (ch === '\t' || ch === '\n' || ch === '\r') return false;
  return OTHER.test(ch);
}

/**
 * HF `_is_punctuation`: every non-alphanumeric ASCII printable character (ranges 33–47, 58–64, 91–96, 123–126, which
 * adds `$+<=>^`|~` to the P* categories) or any Unicode P* category.
 */
export function isPunctuation(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  return PUNCT.test(ch);
}

/**
 * HF `_is_chinese_char`: the CJK Unified Ideographs blocks only. Hiragana, Katakana and Hangul are deliberately not
 * included: HF splits those like any other letters.
 */
export function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** HF `_run_strip_accents`: NFD, then drop every nonspacing mark (category Mn). */
export function stripAccents(text: string): string {
  return text.normalize('NFD').replace(MN, '');
}

/**
 * The characters Python's argument-less `str.split()` splits on (`str.isspace`). HF splits words with it after
 * `_clean_text`, so besides the characters `_is_whitespace` maps to ' ' it also splits on U+2028 and U+2029 (Zl, Zp),
 * which `_clean_text` leaves in place.
 */
export const PY_WHITESPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/** Python's `text.strip().split()`: non-empty pieces between runs of `PY_WHITESPACE`. */
export function whitespaceTokenize(text: string): string[] {
  return text.split(PY_WHITESPACE).filter((t) => t.length > 0);
}

// --- flags for the table-driven fast path ---------------------------------------------------------------------------

/** Separates words: HF whitespace, plus U+2028/U+2029 which Python's `split()` also splits on. */
export const WS = 1;
/** Dropped by `_clean_text`: NUL, U+FFFD and controls. */
export const REMOVE = 2;
export const PUNCT_FLAG = 4;
export const CJK = 8;
/** Needs more than ASCII lower-casing: non-ASCII, so NFC / lower-casing / accent stripping may change it. */
export const NON_ASCII = 16;
const COMPUTED = 128;

function computeFlags(cp: number): number {
  const ch = String.fromCodePoint(cp);
  let f = COMPUTED;
  if (cp === 0 || cp === 0xfffd || isControl(ch)) f |= REMOVE;
  else if (isWhitespace(ch) || cp === 0x2028 || cp === 0x2029) f |= WS;
  else {
    if (isPunctuation(ch)) f |= PUNCT_FLAG;
    if (isChineseChar(cp)) f |= CJK;
  }
  if (cp >= 128) f |= NON_ASCII;
  return f;
}

// Filled lazily: classifying all 65,536 BMP code points up front would cost ~50 ms of regex tests at start-up, while
// real text touches a few hundred distinct characters.
const bmp = new Uint8Array(0x10000);
const astral = new Map<number, number>();
for (let cp = 0; cp < 128; cp++) bmp[cp] = computeFlags(cp);

/** The WS / REMOVE / PUNCT_FLAG / CJK / NON_ASCII flags of a code point, memoised. */
export function charFlags(cp: number): number {
  if (cp < 0x10000) {
    const f = bmp[cp]!;
    if (f !== 0) return f;
    return (bmp[cp] = computeFlags(cp));
  }
  let f = astral.get(cp);
  if (f === undefined) astral.set(cp, (f = computeFlags(cp)));
  return f;
}
