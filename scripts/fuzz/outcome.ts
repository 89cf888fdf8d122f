/**
 * What a fuzz case can end as, and the shared rules for judging a thrown error.
 *
 *   ok       the input was accepted (and every invariant on the result held)
 *   error    a clear error: a UserError/CompileError with a non-empty message that says where (per target)
 *   unclear  a UserError/CompileError, but its message misses the "where" (file:line:col, file label, tensor name)
 *   wrong    no exception, but the result breaks an invariant (e.g. a valid file rejected, a tensor of the wrong size)
 *   crash    any other exception (TypeError, RangeError, stack overflow, internal Error, a dead worker process)
 *   hang     the case ran past the time bound (measured per case; killed past the hard limit)
 */
import { CompileError } from '../../dsl/diagnostics.ts';
import { UserError } from '../../dsl/errors.ts';

export const OUTCOME_KINDS = ['ok', 'error', 'unclear', 'wrong', 'crash', 'hang'] as const;
export type OutcomeKind = (typeof OUTCOME_KINDS)[number];

/** The kinds that are bugs. `unclear` is reported but only fails a run under `--strict`. */
export const FAILING: ReadonlySet<OutcomeKind> = new Set(['crash', 'hang', 'wrong']);

export interface Outcome {
  kind: OutcomeKind;
  /** Which step produced it, e.g. `parse`, `checkSource`, `compileGraph`, `bindWeights`. */
  stage?: string;
  /** Error class name for thrown errors. */
  errorName?: string;
  /** First line(s) of the error message, truncated. */
  message?: string;
  /** Stack of a crash. */
  stack?: string;
  /** Why a case is `unclear`, `wrong` or `hang`. */
  reason?: string;
  /** Time the case took, in milliseconds (set by the harness). */
  ms?: number;
}

export const OK: Outcome = { kind: 'ok' };

/** First `lines` lines of a message, each cut to `width` characters. */
export function shortMessage(message: string, lines = 3, width = 300): string {
  return message
    .split('\n')
    .slice(0, lines)
    .map((l) => (l.length > width ? `${l.slice(0, width)}…` : l))
    .join('\n');
}

/** The error's stack with frames from node internals and the fuzzer's own harness left out. */
export function trimStack(e: unknown): string {
  const stack = e instanceof Error ? (e.stack ?? String(e)) : String(e);
  const lines = stack.split('\n');
  const head = lines.filter((l) => !l.startsWith('    at ')).slice(0, 3).map((l) => shortMessage(l, 1, 300));
  const frames = lines.filter((l) => l.startsWith('    at ') && !l.includes('node:internal') && !l.includes('/scripts/fuzz/'));
  // A stack overflow repeats the same frames thousands of times; the first 14 show the cycle.
  return [...head, ...frames.slice(0, 14)].join('\n');
}

/** Outcome of a thrown value: a crash unless it is a UserError; `where` says what a UserError message still misses. */
export function judgeError(e: unknown, stage: string, where: (e: UserError) => string | undefined): Outcome {
  if (e instanceof UserError) {
    const message = shortMessage(e.message);
    if (e.message.trim() === '') return { kind: 'unclear', stage, errorName: e.name, message, reason: 'empty message' };
    const missing = where(e);
    return missing === undefined ? { kind: 'error', stage, errorName: e.name, message } : { kind: 'unclear', stage, errorName: e.name, message, reason: missing };
  }
  const name = e instanceof Error ? e.constructor.name : typeof e;
  const message = e instanceof Error ? shortMessage(e.message) : shortMessage(String(e));
  return { kind: 'crash', stage, errorName: name, message, stack: trimStack(e) };
}

/** `file:line:col: error:` as CompileError renders every diagnostic. */
export function hasLocation(message: string, file: string): boolean {
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|\\n)${escaped}:\\d+:\\d+: error: \\S`).test(message);
}

/** Problems with a CompileError's diagnostics: each must have a span inside `source` and a message. */
export function diagnosticProblems(e: CompileError, file: string, source: string): string | undefined {
  if (e.diagnostics.length === 0) return 'CompileError with no diagnostics';
  if (!hasLocation(e.message, file)) return `message lacks ${file}:line:col`;
  const lines = source.split(/\r\n|\r|\n|\u2028|\u2029/).length;
  for (const d of e.diagnostics) {
    const s = d.span;
    if (d.message.trim() === '') return 'a diagnostic has an empty message';
    if (s.file !== file) return `a diagnostic names file ${JSON.stringify(s.file)}, not ${JSON.stringify(file)}`;
    const ints = [s.line, s.col, s.endLine, s.endCol].every((n) => Number.isInteger(n) && n >= 1);
    if (!ints) return `a diagnostic has span ${s.line}:${s.col}-${s.endLine}:${s.endCol}`;
    if (s.line > lines) return `a diagnostic points at line ${s.line} of a ${lines}-line source`;
    if (s.endLine < s.line) return `a diagnostic ends before it starts (${s.line}:${s.col}-${s.endLine}:${s.endCol})`;
  }
  return undefined;
}

/** A key for grouping outcomes that are the same bug: kind, error class, message shape and the first project frame. */
export function signature(o: Outcome): string {
  const msg = (o.message ?? o.reason ?? '')
    .split('\n')[0]!
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .replace(/'[^']*'/g, "'…'")
    .replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi, 'N')
    .slice(0, 120);
  const frame = (o.stack ?? '')
    .split('\n')
    .find((l) => l.startsWith('    at ') && /\/(dsl|compiler|runtime)\//.test(l));
  const where = frame ? frame.replace(/^.*\/((?:dsl|compiler|runtime)\/[^:)]+:\d+).*$/, '$1') : '';
  return `${o.kind} ${o.stage ?? ''} ${o.errorName ?? ''} ${where} ${msg}`.replace(/\s+/g, ' ').trim();
}

export { CompileError, UserError };
