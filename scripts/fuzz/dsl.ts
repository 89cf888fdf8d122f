/**
 * The DSL fuzz target: model sources through `parse`, `checkSource` and, for sources that check clean, `compileGraph`.
 *
 * Generators (each case picks one, then stacks a few mutations):
 *   soup      purely random token sequences (keywords, names, numbers, strings, operators, stray characters)
 *   bytes     character-level edits of a seed (BERT or a small valid program): delete/insert/swap/duplicate spans,
 *             flip characters, truncate
 *   grammar   token- and AST-aware edits: names swapped for other names or keywords, numbers set to 0/-1/huge/float,
 *             dtypes changed, call arguments and tensor dims dropped/duplicated/replaced, expressions replaced by
 *             other expressions of the same file, members and statements deleted/duplicated/swapped
 *   extreme   deep nesting (up to 10,000 parentheses, prefix operators, lists, blocks, long operator chains) and
 *             huge inputs (1 MB files, names, numbers, strings, comments)
 *   unicode   unusual characters inserted (NUL, BOM, emoji, lone surrogates, line/paragraph separators, lone CR, ...)
 */
import type { Program, Span } from '../../dsl/ast.ts';
import { parse } from '../../dsl/parser.ts';
import { tokenize } from '../../dsl/lexer.ts';
import { checkSource, compileGraph } from '../../compiler/pipeline.ts';
import { allSeeds, bertSeed, type Seed, SMALL_SEEDS } from './dsl-corpus.ts';
import { CompileError, diagnosticProblems, judgeError, OK, type Outcome } from './outcome.ts';
import type { Rng } from './rng.ts';

export type Profile = 'full' | 'quick';

export interface DslCase {
  readonly text: string;
  readonly file: string;
  /** What was done to make this input (for reports). */
  readonly desc: string;
  /** Whether to run compileGraph when the source checks clean, with which entry and config. */
  readonly compile: boolean;
  /** Run compileGraph even when checkSource reported errors: it must fail as clearly (the CLI compiles unchecked). */
  readonly compileAnyway: boolean;
  readonly entry?: string;
  readonly config?: Readonly<Record<string, unknown>>;
}

const FILE = 'fuzz/case.dsl';

// ---- vocabulary ------------------------------------------------------------------------------------------------

const KEYWORDS = ['config', 'module', 'param', 'sub', 'let', 'fn', 'if', 'else', 'for', 'in', 'return', 'assert', 'and', 'or', 'not', 'true', 'false', 'none'];
const TYPES = ['int', 'float', 'bool', 'str', 'f32', 'f16', 'bf16', 'i32', 'f64', 'i64', 'u8', 'tensor', 'BertConfig', 'C'];
const BUILTINS = [
  'matmul', 'transpose', 'permute', 'reshape', 'expand', 'unsqueeze', 'select', 'slice', 'concat', 'softmax', 'layer_norm',
  'gather', 'where', 'cast', 'sum', 'mean', 'max', 'maximum', 'minimum', 'arange', 'full', 'zeros', 'ones', 'cross_entropy',
  'activation', 'size', 'min_value', 'exp', 'log', 'sqrt', 'rsqrt', 'tanh', 'erf', 'sigmoid', 'relu', 'gelu', 'gelu_new', 'silu', 'abs',
];
const NAMES = ['x', 'y', 'B', 'S', 'h', 'c', 'w', 'forward', 'self', 'batch', 'Linear', 'LayerNorm', 'BertModel', 'hidden_size', 'i', '_', 'a1', 'M'];
const OPERATORS = ['->', '..', '.', '==', '!=', '<=', '>=', '<', '>', '=', '+', '-', '*', '//', '/', '%', '(', ')', '[', ']', '{', '}', ',', ':', '@', '|', '?'];
const NUMBERS = [
  '0', '1', '-1', '2', '12', '768', '0.5', '1.0', '1e-12', '1e308', '1e309', '1e-400', '9007199254740993', '99999999999999999999999',
  '2147483648', '4294967296', '0.0000001', '1E5', '00', '0x10', '1.', '.5', '1e', '1e+', `${'9'.repeat(400)}`, '3.14159265358979323846',
];
const STRINGS = ['"gelu"', '"weight"', '""', '"a.{i}"', '"{i}"', '"\\n"', '"\\q"', '"\\', '"unterminated', '"é"', '"😀"', '"a" | "b"', `"${'x'.repeat(200)}"`];
const ODD_CHARS = ['$', '`', '~', '^', '&', '!', ';', '\\', "'", '#', '\t', '\n', '\r', '\r\n', '\f', '\v', '\u0000'];
const UNICODE = [
  'é', 'α', 'ß', 'İ', '😀', '👨‍👩‍👧', '\u0000', '\uFEFF', '\u2028', '\u2029', '\r', '\u0085', '\uD800', '\uDC00', '\uDBFF\uDFFF', '\u0301',
  '\u202E', '\u00A0', '\u200B', '\u3000', 'ｆ３２', 'ℌ', '∑', '\uFFFD', '\uFFFF', '\u{10FFFF}', 'Ω', '\u0007', '\u001B[31m',
];

function randomName(rng: Rng): string {
  const alpha = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_';
  const n = rng.range(1, 12);
  let s = alpha[rng.int(alpha.length)]!;
  for (let i = 1; i < n; i++) s += (alpha + '0123456789')[rng.int(alpha.length + 10)]!;
  return s;
}

function randomToken(rng: Rng): string {
  return rng.weighted<() => string>([
    [4, () => rng.pick(KEYWORDS)],
    [2, () => rng.pick(TYPES)],
    [2, () => rng.pick(BUILTINS)],
    [3, () => rng.pick(NAMES)],
    [1, () => randomName(rng)],
    [3, () => rng.pick(NUMBERS)],
    [1, () => rng.pick(STRINGS)],
    [8, () => rng.pick(OPERATORS)],
    [1, () => rng.pick(ODD_CHARS)],
    [0.5, () => rng.pick(UNICODE)],
    [0.5, () => `# ${randomName(rng)}\n`],
  ])();
}

function randomChars(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    s += rng.weighted<() => string>([
      [6, () => String.fromCharCode(rng.range(0x20, 0x7e))],
      [1, () => rng.pick(['\n', '\t', ' ', '\r'])],
      [1, () => String.fromCharCode(rng.int(0x10000))],
      [0.5, () => rng.pick(UNICODE)],
    ])();
  }
  return s;
}

// ---- what a seed looks like, for the grammar-aware edits ---------------------------------------------------------

interface Piece {
  readonly start: number;
  readonly end: number;
}

interface SeedInfo {
  readonly seed: Seed;
  readonly exprs: Piece[];
  /** Members and statements. */
  readonly items: Piece[];
  readonly moduleNames: string[];
}

const EXPR_KINDS = new Set(['Number', 'String', 'Bool', 'None', 'Ident', 'Member', 'Index', 'Call', 'Binary', 'Unary', 'List', 'Record', 'Cond']);
const ITEM_KINDS = new Set([
  'ParamMember', 'SubMember', 'LetMember', 'FnMember', 'IfMember', 'LetStmt', 'AssignStmt', 'ForStmt', 'IfStmt', 'ReturnStmt', 'AssertStmt',
  'ConfigField', 'Config', 'Module',
]);

/** Offsets of the start of each line (chevrotain's line terminators: \n, \r\n, \r). */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\r' && text[i + 1] === '\n') continue;
    if (c === '\n' || c === '\r') starts.push(i + 1);
  }
  return starts;
}

function toPiece(span: Span, starts: number[]): Piece | undefined {
  const a = starts[span.line - 1];
  const b = starts[span.endLine - 1];
  if (a === undefined || b === undefined) return undefined;
  const start = a + span.col - 1;
  const end = b + span.endCol - 1;
  return end > start ? { start, end } : undefined;
}

function collect(program: Program, text: string): { exprs: Piece[]; items: Piece[] } {
  const starts = lineStarts(text);
  const exprs: Piece[] = [];
  const items: Piece[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) visit(x);
      return;
    }
    if (typeof v !== 'object' || v === null) return;
    const node = v as { kind?: string; span?: Span };
    if (node.kind !== undefined && node.span !== undefined) {
      const p = toPiece(node.span, starts);
      if (p) {
        if (EXPR_KINDS.has(node.kind)) exprs.push(p);
        else if (ITEM_KINDS.has(node.kind)) items.push(p);
      }
    }
    for (const [k, x] of Object.entries(v)) if (k !== 'span') visit(x);
  };
  visit(program.decls);
  return { exprs, items };
}

const seedInfos = new Map<string, SeedInfo>();

function seedInfo(seed: Seed): SeedInfo {
  let info = seedInfos.get(seed.name);
  if (!info) {
    const { program } = parse(seed.text, seed.name);
    const { exprs, items } = collect(program, seed.text);
    info = { seed, exprs, items, moduleNames: program.decls.filter((d) => d.kind === 'Module').map((d) => d.name) };
    seedInfos.set(seed.name, info);
  }
  return info;
}

/** Expressions and members/statements of `text`: the seed's (cached), or those of an already edited source. */
function piecesOf(text: string, info: SeedInfo): { exprs: Piece[]; items: Piece[] } {
  if (text === info.seed.text) return info;
  const { program } = parse(text, FILE);
  return collect(program, text);
}

// ---- edits ----------------------------------------------------------------------------------------------------

type Edit = (rng: Rng, text: string, info: SeedInfo) => { text: string; what: string };

const splice = (text: string, start: number, end: number, insert: string): string => text.slice(0, start) + insert + text.slice(end);

function span(rng: Rng, text: string): [number, number] {
  const start = rng.int(text.length + 1);
  return [start, Math.min(text.length, start + rng.size(200))];
}

const BYTE_EDITS: Edit[] = [
  (rng, text) => {
    const [a, b] = span(rng, text);
    return { text: splice(text, a, b, ''), what: `delete ${a}..${b}` };
  },
  (rng, text) => {
    const at = rng.int(text.length + 1);
    const ins = rng.chance(0.5) ? text.slice(...span(rng, text)) : rng.chance(0.5) ? randomChars(rng, rng.size(40) + 1) : randomToken(rng);
    return { text: splice(text, at, at, ins), what: `insert ${JSON.stringify(ins.slice(0, 30))} at ${at}` };
  },
  (rng, text) => {
    const [a, b] = span(rng, text);
    const [c, d] = span(rng, text);
    const [p, q] = a <= c ? [[a, b], [c, d]] : [[c, d], [a, b]];
    if (p[1]! > q[0]!) return { text, what: 'swap (overlap, no-op)' };
    const t = text.slice(0, p[0]) + text.slice(q[0], q[1]) + text.slice(p[1], q[0]) + text.slice(p[0], p[1]) + text.slice(q[1]);
    return { text: t, what: `swap ${p[0]}..${p[1]} with ${q[0]}..${q[1]}` };
  },
  (rng, text) => {
    const [a, b] = span(rng, text);
    const times = rng.chance(0.9) ? 1 : rng.range(2, 50);
    return { text: splice(text, b, b, text.slice(a, b).repeat(times)), what: `duplicate ${a}..${b} x${times}` };
  },
  (rng, text) => {
    if (text.length === 0) return { text, what: 'flip (empty)' };
    let t = text;
    const n = rng.range(1, 8);
    for (let k = 0; k < n; k++) {
      const at = rng.int(t.length);
      const c = rng.chance(0.5) ? String.fromCharCode(t.charCodeAt(at) ^ (1 << rng.int(7))) : String.fromCharCode(rng.range(0x20, 0x7e));
      t = splice(t, at, at + 1, c);
    }
    return { text: t, what: `flip ${n} chars` };
  },
  (rng, text) => {
    const at = rng.int(text.length + 1);
    return { text: text.slice(0, at), what: `truncate at ${at}` };
  },
];

interface Tok {
  readonly start: number;
  readonly end: number;
  readonly type: string;
  readonly image: string;
}

function tokensOf(text: string): Tok[] {
  return tokenize(text, FILE).tokens.map((t) => ({ start: t.startOffset, end: t.startOffset + t.image.length, type: t.tokenType.name, image: t.image }));
}

/** The argument ranges inside the bracket pair opening at token index `open`, split at top-level commas. */
function bracketArgs(toks: Tok[], open: number): Piece[] {
  const pairs: Record<string, string> = { LParen: 'RParen', LBracket: 'RBracket', LBrace: 'RBrace' };
  const close = pairs[toks[open]!.type];
  if (!close) return [];
  const args: Piece[] = [];
  let depth = 0;
  let start = toks[open]!.end;
  for (let i = open + 1; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.type === 'LParen' || t.type === 'LBracket' || t.type === 'LBrace') depth++;
    else if (t.type === 'RParen' || t.type === 'RBracket' || t.type === 'RBrace') {
      if (depth === 0) {
        if (t.start > start) args.push({ start, end: t.start });
        return args;
      }
      depth--;
    } else if (t.type === 'Comma' && depth === 0) {
      args.push({ start, end: t.start });
      start = t.end;
    }
  }
  return [];
}

const DTYPES = ['f32', 'f16', 'bf16', 'i32', 'bool', 'f64', 'int', 'float', 'i64', 'u8', 'F32', 'f32x', 'none', 'str'];
const SPECIAL_NUMBERS = [
  '0', '-1', '1', '2', '3', '-0', '0.0', '0.5', '-2.5', '1e308', '1e309', '-1e308', '1e-320', '1e-400', '2147483647', '2147483648',
  '4294967296', '9007199254740992', '9007199254740993', '1e21', '123456789012345678901234567890', `${'9'.repeat(310)}`, '1e100', '65536', '100000', '1000000',
];
const DIM_REPLACEMENTS = ['0', '1', '-1', '-5', '2.5', 'B', 'S', 'B * S', '*batch', '*B', 'c', 'c.hidden_size * 0', 'x', '"a"', 'true', 'none', '[1]', '1e309', 'B // 0', 'S - S - 1', 'c.nope'];

function pickTok(rng: Rng, toks: Tok[], pred: (t: Tok) => boolean): Tok | undefined {
  const cands = toks.filter(pred);
  return cands.length > 0 ? rng.pick(cands) : undefined;
}

const GRAMMAR_EDITS: Edit[] = [
  // a name swapped for another name of the file, a keyword, a built-in or a type
  (rng, text) => {
    const toks = tokensOf(text);
    const t = pickTok(rng, toks, (x) => x.type === 'Identifier' || KEYWORDS.includes(x.image));
    if (!t) return { text, what: 'rename (no names)' };
    const names = toks.filter((x) => x.type === 'Identifier').map((x) => x.image);
    const repl = rng.weighted<() => string>([
      [4, () => (names.length > 0 ? rng.pick(names) : 'x')],
      [2, () => rng.pick(KEYWORDS)],
      [1, () => rng.pick(BUILTINS)],
      [1, () => rng.pick(TYPES)],
      [1, () => randomName(rng)],
    ])();
    return { text: splice(text, t.start, t.end, repl), what: `rename '${t.image}' -> '${repl}' at ${t.start}` };
  },
  // a number set to an edge value
  (rng, text) => {
    const t = pickTok(rng, tokensOf(text), (x) => x.type === 'NumberLiteral');
    if (!t) return { text, what: 'number (none)' };
    const repl = rng.pick(SPECIAL_NUMBERS);
    return { text: splice(text, t.start, t.end, repl), what: `number ${t.image} -> ${repl.length > 20 ? `${repl.slice(0, 12)}…(${repl.length} chars)` : repl} at ${t.start}` };
  },
  // a dtype changed
  (rng, text) => {
    const t = pickTok(rng, tokensOf(text), (x) => ['f32', 'f16', 'bf16', 'i32', 'bool', 'int', 'float', 'str'].includes(x.image));
    if (!t) return { text, what: 'dtype (none)' };
    const repl = rng.pick(DTYPES);
    return { text: splice(text, t.start, t.end, repl), what: `dtype ${t.image} -> ${repl} at ${t.start}` };
  },
  // an argument (or list item, tensor dim, record field) dropped, duplicated or replaced
  (rng, text) => {
    const toks = tokensOf(text);
    const opens = toks.map((t, i) => [t, i] as const).filter(([t]) => t.type === 'LParen' || t.type === 'LBracket' || t.type === 'LBrace');
    if (opens.length === 0) return { text, what: 'args (none)' };
    const [open, i] = rng.pick(opens);
    const args = bracketArgs(toks, i);
    if (args.length === 0) {
      const ins = rng.pick(DIM_REPLACEMENTS);
      return { text: splice(text, open.end, open.end, ins), what: `add arg ${JSON.stringify(ins)} at ${open.end}` };
    }
    const a = rng.pick(args);
    const mode = rng.pick(['drop', 'dup', 'replace', 'swap'] as const);
    if (mode === 'drop') {
      // take the separating comma with it when there is one
      const end = text[a.end] === ',' ? a.end + 1 : a.end;
      return { text: splice(text, a.start, end, ''), what: `drop arg ${JSON.stringify(text.slice(a.start, a.end).trim().slice(0, 30))} at ${a.start}` };
    }
    if (mode === 'dup') return { text: splice(text, a.end, a.end, `,${text.slice(a.start, a.end)}`), what: `duplicate arg at ${a.start}` };
    if (mode === 'swap' && args.length > 1) {
      const b = rng.pick(args);
      if (b.start === a.start) return { text, what: 'swap args (same)' };
      const [p, q] = a.start < b.start ? [a, b] : [b, a];
      return {
        text: text.slice(0, p.start) + text.slice(q.start, q.end) + text.slice(p.end, q.start) + text.slice(p.start, p.end) + text.slice(q.end),
        what: `swap args at ${p.start} and ${q.start}`,
      };
    }
    const repl = ` ${rng.pick(DIM_REPLACEMENTS)}`;
    return { text: splice(text, a.start, a.end, repl), what: `replace arg at ${a.start} with ${JSON.stringify(repl)}` };
  },
  // an expression replaced by another expression of the same source
  (rng, text, info) => {
    const { exprs } = piecesOf(text, info);
    if (exprs.length < 2) return { text, what: 'replace expr (n/a)' };
    const target = rng.pick(exprs);
    const source = rng.pick(exprs);
    const repl = text.slice(source.start, source.end);
    return { text: splice(text, target.start, target.end, repl), what: `expr at ${target.start} -> ${JSON.stringify(repl.slice(0, 40))}` };
  },
  // a member or statement deleted, duplicated or moved
  (rng, text, info) => {
    const { items } = piecesOf(text, info);
    if (items.length < 2) return { text, what: 'item (n/a)' };
    const a = rng.pick(items);
    const b = rng.pick(items);
    const mode = rng.pick(['delete', 'dup', 'move'] as const);
    const body = text.slice(a.start, a.end);
    if (mode === 'delete') return { text: splice(text, a.start, a.end, ''), what: `delete item at ${a.start}` };
    if (mode === 'dup') return { text: splice(text, a.end, a.end, `\n${body}`), what: `duplicate item at ${a.start}` };
    if (b.start >= a.start && b.start < a.end) return { text, what: 'move item (inside itself)' };
    const without = splice(text, a.start, a.end, '');
    const at = b.start > a.start ? b.start - body.length : b.start;
    return { text: splice(without, at, at, `${body}\n`), what: `move item at ${a.start} to ${b.start}` };
  },
  // an operator swapped for another
  (rng, text) => {
    const ops = ['+', '-', '*', '/', '//', '%', '==', '!=', '<', '<=', '>', '>=', 'and', 'or', '..', '->', '=', '.', ':', '@', '|', '?'];
    const t = pickTok(rng, tokensOf(text), (x) => ops.includes(x.image));
    if (!t) return { text, what: 'op (none)' };
    const repl = rng.pick(ops);
    return { text: splice(text, t.start, t.end, ` ${repl} `), what: `op '${t.image}' -> '${repl}' at ${t.start}` };
  },
  // a keyword or bracket removed
  (rng, text) => {
    const t = pickTok(rng, tokensOf(text), (x) => KEYWORDS.includes(x.image) || /^[()[\]{},:]$/.test(x.image));
    if (!t) return { text, what: 'remove token (none)' };
    return { text: splice(text, t.start, t.end, ''), what: `remove '${t.image}' at ${t.start}` };
  },
];

/** Deep nesting and huge inputs; `big` is the size of a huge input (1 MB in the full profile). */
function extreme(rng: Rng, text: string, info: SeedInfo, big: number): { text: string; what: string } {
  const depth = rng.pick([50, 200, 1000, 3000, 10000]);
  const kb = `${Math.round(big / 1000)} kB`;
  // counts of statements, parameters, lines: up to 30,000 in the full profile, 3,000 in the quick one
  const many = Math.min(depth * 3, Math.round(big / 33));
  const wrapAt = (f: (e: string) => string, what: string): { text: string; what: string } => {
    const e = info.exprs.length > 0 && text === info.seed.text ? rng.pick(info.exprs) : undefined;
    if (!e) {
      const body = `module M() { let x = ${f('1')} }`;
      return { text: body, what: `${what} in a fresh module` };
    }
    return { text: splice(text, e.start, e.end, f(text.slice(e.start, e.end))), what: `${what} around the expression at ${e.start}` };
  };
  return rng.weighted<() => { text: string; what: string }>([
    [3, () => wrapAt((e) => `${'('.repeat(depth)}${e}${')'.repeat(depth)}`, `${depth} nested parentheses`)],
    [1, () => wrapAt((e) => `${'('.repeat(depth)}${e}`, `${depth} unclosed parentheses`)],
    [1, () => wrapAt((e) => `${'-'.repeat(depth)}${e}`, `${depth} unary minuses`)],
    [1, () => wrapAt((e) => `${'not '.repeat(depth)}${e}`, `${depth} nots`)],
    [1, () => wrapAt((e) => `${'['.repeat(depth)}${e}${']'.repeat(depth)}`, `${depth} nested lists`)],
    [1, () => wrapAt((e) => `${e}${' + 1'.repeat(depth)}`, `${depth}-term '+' chain`)],
    [1, () => wrapAt((e) => `${e}${' == 1'.repeat(depth)}`, `${depth}-term '==' chain`)],
    [1, () => wrapAt((e) => `${e}${'.a'.repeat(depth)}`, `${depth} member accesses`)],
    [1, () => wrapAt((e) => `${e}${'(1)'.repeat(depth)}`, `${depth} chained calls`)],
    [1, () => wrapAt((e) => `${e}${'[0]'.repeat(depth)}`, `${depth} chained indexes`)],
    [1, () => wrapAt((e) => `${'1 if true else '.repeat(depth)}${e}`, `${depth} nested conditionals`)],
    [1, () => wrapAt((e) => `${'f('.repeat(depth)}${e}${')'.repeat(depth)}`, `${depth} nested calls`)],
    [1, () => wrapAt((e) => `${'{a: '.repeat(depth)}${e}${'}'.repeat(depth)}`, `${depth} nested records`)],
    [1, () => ({
      text: `module M() {\n  fn forward[B](x: f32[B]) -> f32[B] {\n${'if true {\n'.repeat(depth)}return x\n${'}\n'.repeat(depth)}  }\n}\n`,
      what: `${depth} nested if statements`,
    })],
    [1, () => ({ text: `config C { a: int = 1 }\nmodule M(c: C) {\n${'if true {\n'.repeat(depth)}let z = 1\n${'}\n'.repeat(depth)}}\n`, what: `${depth} nested if members` })],
    [1, () => ({
      text: `module M() {\n  fn forward[B](x: f32[B]) -> f32[B] {\n    let y = x\n${'    y = y + 1\n'.repeat(many)}    return y\n  }\n}\n`,
      what: `${many} statements`,
    })],
    [1, () => {
      const copies = Math.ceil(big / Math.max(1, text.length));
      return { text: text.repeat(copies), what: `the source repeated ${copies} times (~${kb})` };
    }],
    [1, () => ({ text: `${text}\n# ${'x'.repeat(big)}\n`, what: `${kb} comment` })],
    [1, () => ({ text: `module ${'M'.repeat(big)}() { }`, what: `${kb} module name` })],
    [1, () => {
      const n = rng.pick([400, big / 10, big]);
      return { text: `config C { a: int = ${'9'.repeat(n)} }\nmodule M(c: C, n: int = ${'9'.repeat(n)}) { let k = c.a }`, what: `${n}-digit integer literals` };
    }],
    [1, () => ({ text: `config C { a: str = "${'s'.repeat(big)}" }`, what: `${kb} string literal` })],
    [1, () => ({ text: `${text}${'$'.repeat(rng.pick([10_000, big]))}`, what: 'long run of bad characters' })],
    [1, () => ({ text: `${text}${'\n'.repeat(big / 5)}}`, what: `${big / 5} blank lines then junk` })],
    [1, () => ({ text: `${text}${') '.repeat(rng.pick([1000, big / 20]))}`, what: 'many stray closing parentheses' })],
    [1, () => ({ text: randomChars(rng, big / 10), what: `${big / 10} random characters` })],
    [1, () => ({ text: `module M(${Array.from({ length: many }, (_, i) => `p${i}: int = ${i}`).join(', ')}) { }`, what: `${many} module parameters` })],
    [1, () => ({ text: '$\n'.repeat(many), what: `${many} lines with a bad character each` })],
    [1, () => ({
      text: `module M() {\n  fn f[B](x: f32[B]) -> f32[B] { return f(x) }\n  fn forward[B](x: f32[B]) -> f32[B] { return f(x) }\n}\n`,
      what: 'a function that calls itself',
    })],
    [1, () => ({ text: `module M() { sub m: M() @ "m" }\n`, what: 'a module that contains itself' })],
    [1, () => ({ text: `module A() { sub b: B() @ "b" }\nmodule B() { sub a: A() @ "a" }\n`, what: 'two modules that contain each other' })],
  ])();
}

function unicode(rng: Rng, text: string): { text: string; what: string } {
  const n = rng.range(1, 5);
  let t = text;
  const inserted: string[] = [];
  for (let k = 0; k < n; k++) {
    const u = rng.pick(UNICODE);
    const at = rng.int(t.length + 1);
    inserted.push(JSON.stringify(u));
    t = rng.chance(0.3) && t.length > 0 ? splice(t, at, Math.min(t.length, at + 1), u) : splice(t, at, at, u);
  }
  return { text: t, what: `unicode ${inserted.join(' ')}` };
}

// ---- cases ----------------------------------------------------------------------------------------------------

export function generateDsl(rng: Rng, profile: Profile): DslCase {
  const bertShare = profile === 'full' ? 0.12 : 0.03;
  const seed = rng.chance(bertShare) ? bertSeed() : rng.pick(SMALL_SEEDS);
  const info = seedInfo(seed);
  const strategy = rng.weighted<string>([
    [15, 'soup'],
    [25, 'bytes'],
    [40, 'grammar'],
    [profile === 'full' ? 6 : 4, 'extreme'],
    [10, 'unicode'],
  ]);
  let text = seed.text;
  const steps: string[] = [];
  if (strategy === 'soup') {
    const n = rng.size(400);
    const parts: string[] = [];
    for (let i = 0; i < n; i++) parts.push(randomToken(rng));
    text = parts.join(rng.chance(0.7) ? ' ' : '');
    steps.push(`${n} random tokens`);
  } else if (strategy === 'extreme') {
    const r = extreme(rng, text, info, profile === 'full' ? 1_000_000 : 100_000);
    text = r.text;
    steps.push(r.what);
  } else {
    const edits = strategy === 'bytes' ? BYTE_EDITS : strategy === 'grammar' ? GRAMMAR_EDITS : undefined;
    const n = rng.weighted([[5, 1], [3, 2], [1, 3], [1, rng.range(4, 8)]]);
    for (let k = 0; k < n; k++) {
      const r = edits ? rng.pick(edits)(rng, text, info) : unicode(rng, text);
      text = r.text;
      steps.push(r.what);
    }
  }
  const isBert = seed.name === 'bert.dsl';
  // compileGraph costs little next to checkSource, except for BERT with 12 layers; the quick profile compiles rarely.
  const compile = profile === 'full' ? true : rng.chance(0.25);
  const compileAnyway = rng.chance(profile === 'full' ? 0.3 : 0.1);
  const entry = rng.chance(0.9) ? rng.pick(seed.entries) : rng.pick(info.moduleNames.length > 0 ? info.moduleNames : ['Nope']);
  const config = isBert && profile === 'quick' ? seed.config : rng.chance(0.5) ? seed.config : undefined;
  const desc = `${strategy === 'soup' ? 'soup' : `${strategy} on ${seed.name}`}: ${steps.join('; ')}`;
  const c = { text, file: FILE, desc, compile, compileAnyway, entry };
  return config === undefined ? c : { ...c, config };
}

export function runDsl(c: DslCase): Outcome {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(c.text, c.file);
  } catch (e) {
    return judgeError(e, 'parse', () => 'parse threw instead of returning diagnostics');
  }
  if (!Array.isArray(parsed.diagnostics) || parsed.program?.kind !== 'Program') return { kind: 'wrong', stage: 'parse', reason: 'parse returned no program/diagnostics' };

  let checked: CompileError | undefined;
  try {
    checked = checkSource({ file: c.file, text: c.text });
  } catch (e) {
    return judgeError(e, 'checkSource', () => 'checkSource threw instead of returning the CompileError');
  }
  if (checked !== undefined) {
    if (!(checked instanceof CompileError)) return { kind: 'wrong', stage: 'checkSource', reason: `returned ${String(checked)}` };
    if (parsed.diagnostics.length === 0 && checked.diagnostics.length === 0) return { kind: 'wrong', stage: 'checkSource', reason: 'empty CompileError' };
    const bad = diagnosticProblems(checked, c.file, c.text);
    const outcome: Outcome =
      bad === undefined
        ? { kind: 'error', stage: 'checkSource', errorName: 'CompileError', message: checked.diagnostics[0]!.message.slice(0, 300) }
        : { kind: 'unclear', stage: 'checkSource', errorName: 'CompileError', message: checked.message.slice(0, 300), reason: bad };
    if (c.compileAnyway && c.entry !== undefined) {
      const compiled = compile(c);
      // compiling a source with errors must fail as clearly; a crash there is a crash
      if (compiled.kind === 'crash' || compiled.kind === 'unclear') return compiled;
    }
    return outcome;
  }
  if (parsed.diagnostics.length > 0) return { kind: 'wrong', stage: 'checkSource', reason: 'parse reported diagnostics but checkSource passed' };
  if (!c.compile || c.entry === undefined) return OK;
  return compile(c);
}

function compile(c: DslCase): Outcome {
  try {
    const opts = c.config === undefined ? { entry: c.entry! } : { entry: c.entry!, config: c.config };
    compileGraph({ file: c.file, text: c.text }, opts);
    return OK;
  } catch (e) {
    return judgeError(e, 'compileGraph', (err) => (err instanceof CompileError ? diagnosticProblems(err, c.file, c.text) : undefined));
  }
}

export { allSeeds };
