/**
 * The front end's error gallery: each bad source must report at the exact line:col (`⟪` marks the spot and is removed
 * before parsing) with a message in our words; several errors in one file come back together, and nothing throws.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CompileError, formatDiagnostics, isUserError, parse, parseOrThrow } from '../../dsl/index.ts';
import { render } from './helpers.ts';

const FN = 'module M(flag: bool) { fn f[B](x: f32[B]) -> f32[B] {';

interface Case {
  readonly src: string;
  readonly message: string;
  readonly hint?: string;
}

const CASES: Case[] = [
  { src: 'config C { a ⟪= 1 }', message: "expected ':' after the field name, found '='" },
  { src: 'config C { a: int = ⟪$ }', message: "unexpected character '$'" },
  { src: 'config C { a: int = 1 ⟪$^ }', message: "unexpected characters '$^'" },
  { src: 'config C {\n  act: str = ⟪"gelu\n  b: int\n}', message: 'unterminated string', hint: 'close it' },
  { src: 'module M() { param w: ⟪f64[2] @ "w" }', message: "'f64' is not a dtype", hint: 'dtypes are f32, f16, bf16, i32, bool' },
  { src: `${FN} return (⟪) } }`, message: "expected an expression, found ')'" },
  { src: `${FN} let y = x * ⟪} }`, message: "expected an expression, found '}'" },
  { src: `${FN} return (x ⟪} }`, message: "expected ')' to close the parenthesis, found '}'" },
  { src: 'config C { a: ⟪integer }', message: "unknown type 'integer'", hint: 'int, float, bool, str' },
  { src: 'config C {}\n⟪let x = 1', message: "expected 'config' or 'module', found 'let'" },
  { src: 'module M() { ⟪return 1 }', message: "expected a member or '}', found 'return'", hint: 'param, sub, let, fn or if' },
  { src: 'module M() { let x ⟪1 }', message: "expected '=' after the name, found '1'" },
  { src: `${FN} x ⟪+ 1 } }`, message: "expected '=' after the name, found '+'", hint: 'statements are' },
  { src: `${FN} return x if flag ⟪} }`, message: "expected 'else' to complete the conditional expression, found '}'" },
  { src: `${FN} return x < x ⟪< x } }`, message: 'comparisons cannot be chained', hint: "combine them with 'and'" },
  { src: `${FN} for i in 0 ⟪B { } } }`, message: "expected '..' between the loop bounds, found 'B'" },
  { src: 'module M() { param w: f32[2] ⟪"w" }', message: 'expected \'@\' and the checkpoint name after the tensor type, found string "w"' },
  { src: 'module M() { sub s: L(1) ⟪}', message: "expected '@' and the checkpoint path after the submodule, found '}'" },
  { src: 'module M() { fn f() ⟪f32[1] { } }', message: "expected '->' and the return type, found 'f32'" },
  { src: `${FN} assert x ⟪} }`, message: "expected ',' and a message after the assert condition, found '}'" },
  { src: `${FN} return "a⟪\\q" } }`, message: "unknown escape '\\q' in string" },
  { src: `${FN} return x⟪`, message: "expected a statement or '}', found end of file" },
  { src: `${FN} if flag { } else ⟪return x } }`, message: "expected '{' or 'if' after 'else', found 'return'" },
  { src: 'config ⟪{ }', message: "expected a name after 'config', found '{'" },
  { src: 'module M(c: ⟪Cfg?) {}', message: "a config parameter can't be optional" },
  { src: `${FN} return [1, 2,⟪, 3] } }`, message: "expected ',' or ']' after a list item, found ','" },
  { src: 'config C { a: "x" | ⟪3 }', message: "expected a string after '|', found '3'" },
  { src: 'module M(a: int ⟪b: int) {}', message: "expected ')' to close the module parameters, found 'b'" },
  { src: `${FN} return {a ⟪1} } }`, message: "expected ':' after the field name, found '1'" },
  { src: 'module M() {\n  fn f[B](x: f32[B]) -> f32[B] {\n    let y = x\n    y ⟪+ 1\n  }\n}', message: "expected '=' after the name" },
];

function locate(marked: string): { src: string; line: number; col: number } {
  const before = marked.slice(0, marked.indexOf('⟪')).split('\n');
  return { src: marked.replace('⟪', ''), line: before.length, col: before[before.length - 1]!.length + 1 };
}

test('the gallery has enough cases, each with a marker', () => {
  assert.ok(CASES.length >= 15);
  for (const c of CASES) assert.ok(c.src.includes('⟪'), c.src);
});

for (const c of CASES) {
  test(`error: ${c.message}`, () => {
    const { src, line, col } = locate(c.src);
    const { diagnostics } = parse(src, 'bad.dsl');
    const shown = diagnostics.map(render).join('\n');
    const first = diagnostics[0];
    assert.ok(first, `no diagnostic for ${JSON.stringify(src)}`);
    assert.is(`${first.span.line}:${first.span.col}`, `${line}:${col}`, `position of the first error\n${shown}`);
    assert.ok(first.message.includes(c.message), `expected "${c.message}"\n--- got:\n${shown}`);
    if (c.hint) assert.ok(first.hint?.includes(c.hint), `expected hint "${c.hint}"\n--- got:\n${shown}`);
    assert.is(first.span.file, 'bad.dsl');
    assert.not.match(shown, /Expecting|token of type|but found|-->|<--/, 'no chevrotain wording');
  });
}

const MANY_ERRORS = `config C {
  a = 1
  b: int = $
  c: float = 2
}
module M(c: C) {
  param w: f64[2] @ "w"
  let x 1
  sub s: L(c) @ "s"
  fn f[B](x: f32[B]) -> f32[B] {
    let y = (x + 1
    return y if c.a else
  }
  let ok = 3
}
module N() {
  fn g() -> f32[1] { return ) }
}
`;

test('independent errors in one file are all reported, in order, with a partial program', () => {
  const { program, diagnostics } = parse(MANY_ERRORS, 'many.dsl');
  assert.equal(diagnostics.map((d) => `${d.span.line}:${d.span.col}`), ['2:5', '3:12', '7:12', '8:9', '12:5', '13:3', '17:29']);
  assert.equal(program.decls.map((d) => d.name), ['C', 'M', 'N']);
  const m = program.decls[1]!;
  // Recovery inserts the missing '=' of `let x 1`; the function whose body broke keeps its signature.
  assert.equal(m.kind === 'Module' && m.members.map((x) => (x.kind === 'IfMember' ? 'if' : x.name)), ['w', 'x', 's', 'f', 'ok']);
  const c = program.decls[0]!;
  // `a = 1` lacks its type and `b: int = $` its default: those fields are left out, `c` survives.
  assert.equal(c.kind === 'Config' && c.fields.map((f) => f.name), ['c']);
});

test('parse never throws: garbage and truncated sources give diagnostics', () => {
  const garbage = ['', '}', '{{{{', 'module', 'module M', 'module M(', 'config C { a: int = }', ')))((( ]]] @@@', '"', '#', 'fn', '\u0000\u00a0\t', 'if if if else else'];
  for (const src of garbage) {
    const { program } = parse(src, 'g.dsl');
    assert.is(program.kind, 'Program');
  }
  // Every prefix of a valid file, and seeded random edits of it.
  let seed = 7;
  const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  for (let i = 0; i <= MANY_ERRORS.length; i += 3) parse(MANY_ERRORS.slice(0, i), 'p.dsl');
  const pieces = ['{', '}', '(', ')', '[', ']', ',', ':', '=', 'if ', ' else ', '..', '"', '*', '->', '@', 'let ', '\n', '?', '|'];
  for (let i = 0; i < 300; i++) {
    const at = random(MANY_ERRORS.length);
    const insert = i % 2 === 0 ? pieces[random(pieces.length)]! : '';
    const edited = MANY_ERRORS.slice(0, at) + insert + MANY_ERRORS.slice(insert ? at : at + 1 + random(6));
    for (const { span: s } of parse(edited, 'f.dsl').diagnostics) {
      const ok = s.line >= 1 && s.col >= 1 && (s.endLine > s.line || (s.endLine === s.line && s.endCol > s.col));
      assert.ok(ok, `bad span ${JSON.stringify(s)} for ${JSON.stringify(edited)}`);
    }
  }
});

test('parseOrThrow throws a CompileError (a UserError) carrying every diagnostic', () => {
  try {
    parseOrThrow(MANY_ERRORS, 'many.dsl');
    assert.unreachable('should have thrown');
  } catch (e) {
    assert.instance(e, CompileError);
    assert.ok(isUserError(e));
    assert.is((e as CompileError).diagnostics.length, 7);
    assert.match((e as Error).message, 'many.dsl:2:5: error:');
  }
});

test('formatDiagnostics shows file:line:col, the source line and a caret under the span', () => {
  const src = 'module M() {\n  param w: f64[2] @ "w"\n}\n';
  const { diagnostics } = parse(src, 'fmt.dsl');
  const text = formatDiagnostics(diagnostics, src);
  assert.match(text, "fmt.dsl:2:12: error: 'f64' is not a dtype");
  assert.match(text, '2 |   param w: f64[2] @ "w"');
  assert.match(text, `  |            ^^^`);
  assert.match(text, '= hint: dtypes are f32, f16, bf16, i32, bool');
  assert.match(text, '1 error');
});

test.run();
