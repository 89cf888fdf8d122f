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

/** Renders one diagnostic with its source line and a caret under the span (clipped to that line). */
export function formatDiagnostic(d: Diagnostic, source: string): string {
  const { file, line, col, endLine, endCol } = d.span;
  const text = source.split(/\r?\n/)[line - 1] ?? '';
  const width = endLine === line ? Math.max(1, endCol - col) : Math.max(1, text.length - col + 1);
  const gutter = String(line).length;
  const pad = ' '.repeat(gutter);
  const lines = [
    `${file}:${line}:${col}: error: ${d.message}`,
    `${pad} |`,
    `${line} | ${text}`,
    `${pad} | ${' '.repeat(Math.max(0, col - 1))}${'^'.repeat(width)}`,
  ];
  if (d.hint) lines.push(`${pad} = hint: ${d.hint}`);
  return lines.join('\n');
}

export function formatDiagnostics(ds: readonly Diagnostic[], source: string): string {
  const sorted = [...ds].sort((a, b) => a.span.line - b.span.line || a.span.col - b.span.col);
  const n = sorted.length;
  return `${sorted.map((d) => formatDiagnostic(d, source)).join('\n\n')}\n\n${n} error${n === 1 ? '' : 's'}`;
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
