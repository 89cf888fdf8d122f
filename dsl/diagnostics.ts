/**
 * Diagnostics: what went wrong in a model source, where, and a one-line hint.
 *
 * Every stage (lexer, parser, resolver, elaborator) reports through `Diagnostic`, so a user always sees
 * `file:line:col: error: message`, the source line, a caret under the span and the hint — never a stack trace.
 */
import type { Span } from './ast.ts';
import { UserError } from './errors.ts';

export interface Diagnostic {
  readonly span: Span;
  readonly message: string;
  readonly hint?: string;
}

export function diagnostic(span: Span, message: string, hint?: string): Diagnostic {
  return hint === undefined ? { span, message } : { span, message, hint };
}

/** Longest source excerpt shown under a diagnostic: a minified or binary "source" must not make a huge message. */
const MAX_LINE = 160;
/** Diagnostics shown in full; the rest are counted (a binary file passed as a source yields thousands). */
const MAX_SHOWN = 50;

/** Renders one diagnostic with its source line and a caret under the span (clipped to that line). */
export function formatDiagnostic(d: Diagnostic, source: string | readonly string[]): string {
  const { file, line, col, endLine, endCol } = d.span;
  const full = (typeof source === 'string' ? source.split(/\r?\n/) : source)[line - 1] ?? '';
  // keep the caret in view on long lines: show a window around the column
  const from = full.length > MAX_LINE ? Math.max(0, Math.min(col - 1 - MAX_LINE / 2, full.length - MAX_LINE)) : 0;
  const text = (from > 0 ? '…' : '') + full.slice(from, from + MAX_LINE) + (from + MAX_LINE < full.length ? '…' : '');
  const caretAt = col - 1 - from + (from > 0 ? 1 : 0);
  const width = Math.min(MAX_LINE, endLine === line ? Math.max(1, endCol - col) : Math.max(1, full.length - col + 1));
  const gutter = String(line).length;
  const pad = ' '.repeat(gutter);
  const message = d.message.length > 300 ? `${d.message.slice(0, 300)}…` : d.message;
  const lines = [
    `${file}:${line}:${col}: error: ${message}`,
    `${pad} |`,
    `${line} | ${text}`,
    `${pad} | ${' '.repeat(Math.max(0, caretAt))}${'^'.repeat(width)}`,
  ];
  if (d.hint) lines.push(`${pad} = hint: ${d.hint}`);
  return lines.join('\n');
}

export function formatDiagnostics(ds: readonly Diagnostic[], source: string): string {
  const sorted = [...ds].sort((a, b) => a.span.line - b.span.line || a.span.col - b.span.col);
  const lines = source.split(/\r?\n/);
  const n = sorted.length;
  const shown = sorted.slice(0, MAX_SHOWN).map((d) => formatDiagnostic(d, lines));
  if (n > MAX_SHOWN) shown.push(`… and ${n - MAX_SHOWN} more errors`);
  return `${shown.join('\n\n')}\n\n${n} error${n === 1 ? '' : 's'}`;
}

/** Thrown inside a stage to abandon the current unit of work; callers collect `diagnostic`. */
export class DiagnosticError extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(`${diagnostic.span.file}:${diagnostic.span.line}:${diagnostic.span.col}: ${diagnostic.message}`);
  }
}

/** The user-facing failure of a whole compile: carries every diagnostic and renders them all. */
export class CompileError extends UserError {
  constructor(
    readonly diagnostics: readonly Diagnostic[],
    readonly source: string,
  ) {
    super(formatDiagnostics(diagnostics, source));
  }
}

/** Merges spans: from the start of `a` to the end of `b`. */
export function spanFrom(a: Span, b: Span): Span {
  return { file: a.file, line: a.line, col: a.col, endLine: b.endLine, endCol: b.endCol };
}
