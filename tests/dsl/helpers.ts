/** Test helpers for the front end: compact renderings of expressions and spans, and a strict `parse`. */
import * as assert from 'uvu/assert';
import { parse, type Diagnostic, type Expr, type Program, type Span } from '../../dsl/index.ts';

/** Renders an expression as an S-expression, so precedence and associativity read at a glance. */
export function show(e: Expr): string {
  switch (e.kind) {
    case 'Number':
      return e.isInt ? String(e.value) : `${e.value}f`;
    case 'String':
      return JSON.stringify(e.value);
    case 'Bool':
      return String(e.value);
    case 'None':
      return 'none';
    case 'Ident':
      return e.name;
    case 'Member':
      return `(. ${show(e.object)} ${e.name})`;
    case 'Index':
      return `([] ${show(e.object)} ${show(e.index)})`;
    case 'Call':
      return `(call ${show(e.callee)}${e.args.map((a) => ` ${a.name ? `${a.name}=` : ''}${show(a.value)}`).join('')})`;
    case 'Binary':
      return `(${e.op} ${show(e.left)} ${show(e.right)})`;
    case 'Unary':
      return `(${e.op} ${show(e.operand)})`;
    case 'List':
      return `[${e.items.map(show).join(' ')}]`;
    case 'Record':
      return `{${e.fields.map((f) => `${f.name}: ${show(f.value)}`).join(', ')}}`;
    case 'Cond':
      return `(? ${show(e.cond)} ${show(e.then)} ${show(e.else)})`;
    case 'Spread':
      return `*${e.name}`;
  }
}

/** `line:col-endLine:endCol`. */
export function at(s: Span): string {
  return `${s.line}:${s.col}-${s.endLine}:${s.endCol}`;
}

/** Parses a source that must be clean. */
export function parseClean(source: string, file = 'test.dsl'): Program {
  const { program, diagnostics } = parse(source, file);
  assert.equal(diagnostics.map(render), [], 'expected no diagnostics');
  return program;
}

/** Parses `return <expr>` inside a function and returns the expression. */
export function expr(source: string): Expr {
  const program = parseClean(`module M() { fn f() -> f32[1] { return ${source} } }`);
  const m = program.decls[0];
  if (m?.kind !== 'Module' || m.members[0]?.kind !== 'FnMember') throw new Error('unexpected shape');
  const ret = m.members[0].body[0];
  if (ret?.kind !== 'ReturnStmt') throw new Error(`expected a return, got ${ret?.kind}`);
  return ret.value;
}

export function render(d: Diagnostic): string {
  return `${d.span.line}:${d.span.col}: ${d.message}${d.hint ? ` (hint: ${d.hint})` : ''}`;
}
