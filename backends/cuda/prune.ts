/**
 * Drops `let`s whose value nothing reads. The kernel IR may contain them (a workgroup reduction returns every total
 * of its tuple, and LayerNorm uses two of three), and nvcc, held to no warnings, rejects an unused variable. A `let`
 * only names a value (expressions have no side effects), so removing an unread one changes nothing a kernel computes.
 * Repeated until nothing changes, since a dropped `let` may have been the only reader of another.
 */
import type { Expr, Kernel, Stmt } from '../../compiler/kernel/ir.ts';
import { isWmma, wmmaExprs } from '../../compiler/kernel/wmma.ts';

function refsOf(e: Expr, into: Set<string>): void {
  switch (e.k) {
    case 'ref':
      into.add(e.name);
      return;
    case 'load':
      return refsOf(e.i, into);
    case 'bin':
      refsOf(e.a, into);
      return refsOf(e.b, into);
    case 'un':
    case 'cast':
    case 'lane':
      return refsOf(e.a, into);
    case 'call':
      return e.args.forEach((a) => refsOf(a, into));
    case 'select':
      [e.c, e.a, e.b].forEach((a) => refsOf(a, into));
      return;
    case 'vec':
      return e.parts.forEach((a) => refsOf(a, into));
    default:
      return;
  }
}

function readsOf(stmts: readonly Stmt[], into: Set<string>): void {
  for (const s of stmts) {
    if (s.k === 'let' || s.k === 'var' || s.k === 'set' || s.k === 'shuffleXor') refsOf(s.v, into);
    else if (s.k === 'store') [s.i, s.v].forEach((e) => refsOf(e, into));
    else if (s.k === 'for') {
      [s.from, s.to, s.step].forEach((e) => refsOf(e, into));
      readsOf(s.body, into);
    } else if (isWmma(s)) wmmaExprs(s).forEach((e) => refsOf(e, into));
    else if (s.k === 'if') {
      refsOf(s.c, into);
      readsOf(s.then, into);
      readsOf(s.else, into);
    }
  }
}

function without(stmts: readonly Stmt[], unread: ReadonlySet<string>): Stmt[] {
  return stmts.flatMap((s): Stmt[] => {
    if (s.k === 'let' && unread.has(s.name)) return [];
    if (s.k === 'for') return [{ ...s, body: without(s.body, unread) }];
    if (s.k === 'if') return [{ ...s, then: without(s.then, unread), else: without(s.else, unread) }];
    return [s];
  });
}

function letNames(stmts: readonly Stmt[], into: Set<string>): void {
  for (const s of stmts) {
    if (s.k === 'let') into.add(s.name);
    else if (s.k === 'for') letNames(s.body, into);
    else if (s.k === 'if') {
      letNames(s.then, into);
      letNames(s.else, into);
    }
  }
}

/** `kernel` without unread `let`s (the same object when it has none). */
export function pruneUnusedLets(kernel: Kernel): Kernel {
  let body = kernel.body;
  for (;;) {
    const reads = new Set<string>();
    readsOf(body, reads);
    const lets = new Set<string>();
    letNames(body, lets);
    const unread = new Set([...lets].filter((n) => !reads.has(n)));
    if (unread.size === 0) return body === kernel.body ? kernel : { ...kernel, body };
    body = without(body, unread);
  }
}
