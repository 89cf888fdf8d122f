/**
 * What the DSL fuzzer's edits work on: a seed's expressions and members/statements as source ranges (from its AST),
 * its tokens, bracketed argument lists, and the small helpers every edit shares.
 */
import type { Program, Span } from '../../dsl/ast.ts';
import { tokenize } from '../../dsl/lexer.ts';
import { parse } from '../../dsl/parser.ts';
import type { Seed } from './dsl-corpus.ts';
import type { Rng } from './rng.ts';

export const FUZZ_FILE = 'fuzz/case.dsl';

export interface Piece {
  readonly start: number;
  readonly end: number;
}

export interface SeedInfo {
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

export function seedInfo(seed: Seed): SeedInfo {
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
export function piecesOf(text: string, info: SeedInfo): { exprs: Piece[]; items: Piece[] } {
  if (text === info.seed.text) return info;
  const { program } = parse(text, FUZZ_FILE);
  return collect(program, text);
}

export type Edit = (rng: Rng, text: string, info: SeedInfo) => { text: string; what: string };

export const splice = (text: string, start: number, end: number, insert: string): string => text.slice(0, start) + insert + text.slice(end);

export function span(rng: Rng, text: string): [number, number] {
  const start = rng.int(text.length + 1);
  return [start, Math.min(text.length, start + rng.size(200))];
}

export interface Tok {
  readonly start: number;
  readonly end: number;
  readonly type: string;
  readonly image: string;
}

export function tokensOf(text: string): Tok[] {
  return tokenize(text, FUZZ_FILE).tokens.map((t) => ({ start: t.startOffset, end: t.startOffset + t.image.length, type: t.tokenType.name, image: t.image }));
}

/** The argument ranges inside the bracket pair opening at token index `open`, split at top-level commas. */
export function bracketArgs(toks: Tok[], open: number): Piece[] {
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

export function pickTok(rng: Rng, toks: Tok[], pred: (t: Tok) => boolean): Tok | undefined {
  const cands = toks.filter(pred);
  return cands.length > 0 ? rng.pick(cands) : undefined;
}
