/**
 * State shared by one elaboration: the node factory, the program's declarations, the diagnostics found so far and
 * the run-time constraints the graph will carry.
 */
import type { ConfigDecl, ModuleDecl, Program, Span } from '../../dsl/ast.ts';
import { type Diagnostic, DiagnosticError, diagnostic } from '../../dsl/diagnostics.ts';
import type { Dim } from '../ir/dim.ts';
import { type DimConstraint, NodeFactory, type Origin } from '../ir/graph.ts';

/**
 * Abandons work that depends on an earlier mistake, without a second diagnostic: thrown when a value needed to go
 * on is poison. Caught wherever DiagnosticError is.
 */
export class PoisonAbort extends Error {}

/** Deeply nested source (a 10,000-term sum) can exhaust the JS stack; that is reported, not crashed on. */
export const isStackOverflow = (e: unknown): boolean => e instanceof RangeError && /call stack/i.test(e.message);

export const MAX_DIAGNOSTICS = 200;

/** Thrown once MAX_DIAGNOSTICS are recorded; caught where the diagnostics are turned into a CompileError. */
export class TooManyErrors extends Error {}

/** A compile-time `assert` that failed: the whole elaboration stops there (what follows assumed it held). */
export class AssertionFailure extends DiagnosticError {}

export class Elaboration {
  readonly factory = new NodeFactory();
  readonly diagnostics: Diagnostic[] = [];
  readonly constraints: DimConstraint[] = [];
  readonly modules = new Map<string, ModuleDecl>();
  readonly configs = new Map<string, ConfigDecl>();
  private readonly seen = new Set<string>();
  /** Call depth guard: a module that calls itself would otherwise recurse forever. */
  depth = 0;
  /** Expression nesting, bounded so deep sources give a diagnostic instead of a stack overflow. */
  exprDepth = 0;

  constructor(readonly program: Program) {
    for (const d of program.decls) {
      if (d.kind === 'Module') this.modules.set(d.name, d);
      else this.configs.set(d.name, d);
    }
  }

  /** Abandons the current statement with a diagnostic; the statement's caller records it and continues. */
  fail(span: Span, message: string, hint?: string): never {
    throw new DiagnosticError(diagnostic(span, message, hint));
  }

  /** Records a diagnostic once, however many times elaboration passes the same mistake (e.g. once per layer). */
  /** Stops the current statement because it depends on an earlier error (already reported). */
  abort(): never {
    throw new PoisonAbort('depends on an earlier error');
  }

  report(d: Diagnostic): void {
    const key = `${d.span.file}:${d.span.line}:${d.span.col}:${d.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.diagnostics.push(d);
    // a source with hundreds of mistakes is not worth checking further: stop, so run time stays bounded
    if (this.diagnostics.length >= MAX_DIAGNOSTICS) throw new TooManyErrors();
  }

  addConstraint(dim: Dim, max: number, message: string): void {
    const key = JSON.stringify([dim, max, message]);
    if (!this.constraints.some((c) => JSON.stringify([c.dim, c.max, c.message]) === key)) {
      this.constraints.push({ dim, max, message });
    }
  }
}

export const originOf = (span: Span): Origin => ({ file: span.file, line: span.line, col: span.col });

/** Levenshtein distance, for "did you mean" hints. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(name.length / 3)) + 1;
  let looked = 0;
  for (const c of candidates) {
    // a hint is not worth quadratic time on sources with thousands of names
    if (++looked > 2000) break;
    const d = editDistance(name, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
