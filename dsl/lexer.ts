/**
 * Tokens of the model language and the `tokenize` entry, built on chevrotain's lexer.
 *
 * Newlines are not significant: whitespace and `#` comments are skipped. Lexing never fails: characters that start
 * no token and strings missing their closing quote become diagnostics, and lexing goes on after them.
 */
import type { IToken, TokenType } from 'chevrotain';
import type { Span } from './ast.ts';
import { diagnostic, type Diagnostic } from './diagnostics.ts';

/**
 * chevrotain's runtime API, shared with the parser. Loaded from the package's single-file ES build when it has one:
 * that loads in ~30 ms, its default entry (hundreds of small modules) in 0.3–1 s, which was most of `dslc build`'s
 * start-up.
 */
export const chevrotain: typeof import('chevrotain') = await import(new URL('../chevrotain.mjs', import.meta.resolve('chevrotain')).href).catch(() => import('chevrotain'));
const { createToken, EOF, Lexer, tokenMatcher } = chevrotain;
/** Human spelling of every token type, for error messages (`expected ':'`, `expected a name`). */
export const tokenSpelling = new Map<TokenType, string>();

function token(name: string, pattern: RegExp | string, spelling: string, extra: Partial<Parameters<typeof createToken>[0]> = {}): TokenType {
  const t = createToken({ name, pattern, ...extra });
  tokenSpelling.set(t, spelling);
  return t;
}

export const WhiteSpace = token('WhiteSpace', /[ \t\r\n]+/, 'whitespace', { group: Lexer.SKIPPED, line_breaks: true });
export const Comment = token('Comment', /#[^\r\n]*/, 'a comment', { group: Lexer.SKIPPED });
export const Identifier = token('Identifier', /[A-Za-z_][A-Za-z0-9_]*/, 'a name');

// Keywords are identifiers first: `longer_alt` keeps `input_ids` or `iffy` from lexing as `in` / `if` + rest.
const keyword = (word: string): TokenType =>
  token(word[0]!.toUpperCase() + word.slice(1), word, `'${word}'`, { longer_alt: Identifier });
export const Config = keyword('config');
export const Module = keyword('module');
export const Param = keyword('param');
export const Sub = keyword('sub');
export const Let = keyword('let');
export const Fn = keyword('fn');
export const If = keyword('if');
export const Else = keyword('else');
export const For = keyword('for');
export const In = keyword('in');
export const Return = keyword('return');
export const Assert = keyword('assert');
export const And = keyword('and');
export const Or = keyword('or');
export const Not = keyword('not');
export const True = keyword('true');
export const False = keyword('false');
export const None = keyword('none');
export const Replaces = keyword('replaces');

// The fraction needs a digit after the dot, so `0..n` lexes as `0`, `..`, `n`.
export const NumberLiteral = token('NumberLiteral', /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/, 'a number');
export const StringLiteral = token('StringLiteral', /"(?:[^"\\\r\n]|\\[^\r\n])*"/, 'a string');
// A string cut off by the end of the line still counts as a string for the parser (via the category), so one
// missing quote yields one diagnostic instead of a cascade; `tokenize` reports it.
export const UnterminatedString = token('UnterminatedString', /"(?:[^"\\\r\n]|\\[^\r\n])*\\?/, 'a string', {
  categories: [StringLiteral],
});

// Operator categories keep each binary level's operators in one ordered CST list (`AddOp`, `MulOp`, `CmpOp`).
export const AddOp = token('AddOp', Lexer.NA, "'+' or '-'");
export const MulOp = token('MulOp', Lexer.NA, "'*', '/', '//' or '%'");
export const CmpOp = token('CmpOp', Lexer.NA, 'a comparison');

// Order matters where one operator is a prefix of another: chevrotain takes the first pattern that matches.
export const Arrow = token('Arrow', '->', "'->'");
export const DotDot = token('DotDot', '..', "'..'");
export const Dot = token('Dot', '.', "'.'");
export const EqEq = token('EqEq', '==', "'=='", { categories: [CmpOp] });
export const NotEq = token('NotEq', '!=', "'!='", { categories: [CmpOp] });
export const LtEq = token('LtEq', '<=', "'<='", { categories: [CmpOp] });
export const GtEq = token('GtEq', '>=', "'>='", { categories: [CmpOp] });
export const Lt = token('Lt', '<', "'<'", { categories: [CmpOp] });
export const Gt = token('Gt', '>', "'>'", { categories: [CmpOp] });
export const Eq = token('Eq', '=', "'='");
export const Plus = token('Plus', '+', "'+'", { categories: [AddOp] });
export const Minus = token('Minus', '-', "'-'", { categories: [AddOp] });
export const Star = token('Star', '*', "'*'", { categories: [MulOp] });
export const SlashSlash = token('SlashSlash', '//', "'//'", { categories: [MulOp] });
export const Slash = token('Slash', '/', "'/'", { categories: [MulOp] });
export const Percent = token('Percent', '%', "'%'", { categories: [MulOp] });
export const LParen = token('LParen', '(', "'('");
export const RParen = token('RParen', ')', "')'");
export const LBracket = token('LBracket', '[', "'['");
export const RBracket = token('RBracket', ']', "']'");
export const LBrace = token('LBrace', '{', "'{'");
export const RBrace = token('RBrace', '}', "'}'");
export const Comma = token('Comma', ',', "','");
export const Colon = token('Colon', ':', "':'");
export const At = token('At', '@', "'@'");
export const Pipe = token('Pipe', '|', "'|'");
export const Question = token('Question', '?', "'?'");
// Last, so it only takes what nothing else lexes. Keeping such a character as a token (instead of dropping it as a
// lexer error) lets the parser re-sync around it: `b: int = $` then stays one error instead of swallowing the next
// field as the default value. A range, not the complement `[^]`: chevrotain cannot index a complement by first
// character, and without that index it tries every pattern at every character (lexing took twice as long).
export const BadChar = token('BadChar', /[\u0000-\uffff]/, 'an unexpected character');

const keywords = [Config, Module, Param, Sub, Let, Fn, If, Else, For, In, Return, Assert, And, Or, Not, True, False, None, Replaces];

/** Every token type, in lexing priority order; the parser is built from the same list. */
export const allTokens: TokenType[] = [
  WhiteSpace, Comment, ...keywords, Identifier, NumberLiteral, StringLiteral, UnterminatedString,
  AddOp, MulOp, CmpOp, Arrow, DotDot, Dot, EqEq, NotEq, LtEq, GtEq, Lt, Gt, Eq, Plus, Minus, Star, SlashSlash,
  Slash, Percent, LParen, RParen, LBracket, RBracket, LBrace, RBrace, Comma, Colon, At, Pipe, Question, BadChar,
];

const lexer = new Lexer(allTokens, { positionTracking: 'full', ensureOptimizations: true });

/** The span of one token; chevrotain's end column is inclusive, ours is exclusive. */
export function tokenSpan(t: IToken, file: string): Span {
  return { file, line: t.startLine ?? 1, col: t.startColumn ?? 1, endLine: t.endLine ?? 1, endCol: (t.endColumn ?? 0) + 1 };
}

/** Tokens of `source` (comments and whitespace dropped) and the diagnostics for what could not be lexed. */
export function tokenize(source: string, file: string): { tokens: IToken[]; diagnostics: Diagnostic[] } {
  const result = lexer.tokenize(source);
  const diagnostics: Diagnostic[] = [];
  // Runs of adjacent unexpected characters make one diagnostic.
  const bad: { offset: number; length: number; line: number; column: number }[] = [];
  for (const t of result.tokens) {
    if (t.tokenType !== BadChar) continue;
    const run = bad.at(-1);
    if (run && run.offset + run.length === t.startOffset && run.line === t.startLine) run.length += t.image.length;
    else bad.push({ offset: t.startOffset, length: t.image.length, line: t.startLine ?? 1, column: t.startColumn ?? 1 });
  }
  for (const e of [...result.errors, ...bad]) {
    const text = source.slice(e.offset, e.offset + e.length);
    const shown = JSON.stringify(text.length > 20 ? `${text.slice(0, 20)}…` : text).slice(1, -1);
    const span: Span = { file, line: e.line ?? 1, col: e.column ?? 1, endLine: e.line ?? 1, endCol: (e.column ?? 1) + e.length };
    diagnostics.push(diagnostic(span, `unexpected character${text.length === 1 ? '' : 's'} '${shown}'`));
  }
  for (const t of result.tokens) {
    if (t.tokenType === UnterminatedString) {
      diagnostics.push(diagnostic(tokenSpan(t, file), 'unterminated string', 'close it with \'"\' on the same line'));
    }
  }
  return { tokens: result.tokens, diagnostics };
}

/** The value of a string token: quotes stripped, escapes decoded, plus the unknown escapes (offsets into `image`). */
export function decodeString(image: string): { value: string; badEscapes: { offset: number; text: string }[] } {
  const body = image.endsWith('"') && image.length >= 2 ? image.slice(1, -1) : image.slice(1);
  const badEscapes: { offset: number; text: string }[] = [];
  const value = body.replace(/\\(.?)/g, (whole: string, c: string, offset: number) => {
    if (c === 'n') return '\n';
    if (c === '"' || c === '\\') return c;
    badEscapes.push({ offset: offset + 1, text: whole });
    return c;
  });
  return { value, badEscapes };
}

/** How a token type reads in a message: `':'`, `a name`, `end of file`. */
export function spellTokenType(t: TokenType): string {
  return t === EOF ? 'end of file' : (tokenSpelling.get(t) ?? t.name);
}

/** `'a', 'b' or 'c'`: the spellings of several token types, without repeats. */
export function spellTokenTypes(ts: TokenType[]): string {
  const unique = [...new Set(ts.map(spellTokenType))];
  return unique.length <= 1 ? (unique[0] ?? 'something else') : `${unique.slice(0, -1).join(', ')} or ${unique.at(-1)}`;
}

/** A diagnostic at token `t`; at the end of the input it points just past the last real token of `tokens`. */
export function diagnosticAt(t: IToken, tokens: IToken[], file: string, message: string, hint?: string): Diagnostic {
  if (t.tokenType !== EOF && !Number.isNaN(t.startOffset)) return diagnostic(tokenSpan(t, file), message, hint);
  const last = tokens.at(-1);
  const line = last?.endLine ?? 1;
  const col = (last?.endColumn ?? 0) + 1;
  return diagnostic({ file, line, col, endLine: line, endCol: col + 1 }, message, hint);
}

/** How an actual token reads in a message: `')'`, `string "abc"`, `end of file`. */
export function describeToken(t: IToken): string {
  if (t.tokenType === EOF) return 'end of file';
  if (tokenMatcher(t, StringLiteral)) return `string ${t.image.length > 32 ? `${t.image.slice(0, 29)}...` : t.image}`;
  return `'${t.image}'`;
}
