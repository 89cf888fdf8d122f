/**
 * A gallery of bad model sources: each must produce its error at the exact file:line:col, with a message that
 * names the cause. `⟪` marks where the error must point (it is removed before compiling).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkSource } from '../../compiler/pipeline.ts';
import { CompileError } from '../../dsl/diagnostics.ts';

const CONFIG = `config C {
  hidden: int = 8
  heads: int = 2
  layers: int = 2
  act: "gelu" | "relu" = "gelu"
  eps: float = 1e-12
  decoder: bool = false
}
`;

interface Case {
  readonly name: string;
  readonly src: string;
  readonly message: string;
}

const CASES: Case[] = [
  // syntax
  { name: 'missing colon in config field', src: `config C { hidden ⟪= 8 }`, message: "expected ':'" },
  { name: 'unknown character', src: `config C { hidden: int = 8 ⟪$ }`, message: "unexpected character '$'" },
  { name: 'unterminated string', src: `config C { act: ⟪"gelu = 1 }`, message: 'unterminated string' },
  { name: 'bad dtype', src: `${CONFIG}module M(c: C) { param w: ⟪f64[c.hidden] @ "w" }`, message: "'f64' is not a dtype" },
  { name: 'statement outside a function', src: `${CONFIG}module M(c: C) { ⟪return 1 }`, message: 'expected a member' },
  { name: 'missing expression', src: `${CONFIG}module M(c: C) { let x = ⟪) }`, message: 'expected an expression' },
  { name: 'unknown scalar type', src: `config C { hidden: ⟪integer = 8 }`, message: "unknown type 'integer'" },
  { name: 'top level junk', src: `${CONFIG}⟪let x = 1`, message: "expected 'config' or 'module'" },
  // names
  {
    name: 'unknown name with suggestion',
    src: `${CONFIG}module M(c: C) { fn forward[B](x: f32[B, c.hidden]) -> f32[B, c.hidden] { return ⟪relux(x) } }`,
    message: "unknown name 'relux'",
  },
  {
    name: 'unknown config field',
    src: `${CONFIG}module M(c: C) { param w: f32[⟪c.hiden] @ "w" }`,
    message: "config C has no member 'hiden'",
  },
  {
    name: 'unknown submodule type',
    src: `${CONFIG}module M(c: C) { ⟪sub l: Linearr(c.hidden, c.hidden) @ "l" }`,
    message: "unknown module 'Linearr'",
  },
  {
    name: 'assignment to an undeclared name',
    src: `${CONFIG}module M(c: C) { fn forward[B](x: f32[B, c.hidden]) -> f32[B, c.hidden] { ⟪y = x
      return x } }`,
    message: "cannot assign to 'y'",
  },
  {
    name: 'duplicate let',
    src: `${CONFIG}module M(c: C) { fn forward[B](x: f32[B, c.hidden]) -> f32[B, c.hidden] { let y = x
      ⟪let y = x
      return y } }`,
    message: "'y' is already defined",
  },
  {
    name: 'unknown config type of a module argument',
    src: `${CONFIG}module M(c: ⟪D) { }`,
    message: "unknown config type 'D'",
  },
  // shapes
  {
    name: 'matmul inner dimensions',
    src: `${CONFIG}module M(c: C) {
  param w: f32[c.heads, c.hidden] @ "w"
  fn forward[B](x: f32[B, c.hidden]) -> f32[B, c.heads] { return ⟪matmul(x, w) } }`,
    message: 'inner dimensions 8 and 2 differ',
  },
  {
    name: 'broadcast mismatch',
    src: `${CONFIG}module M(c: C) {
  param w: f32[c.heads] @ "w"
  fn forward[B](x: f32[B, c.hidden]) -> f32[B, c.hidden] { return ⟪x + w } }`,
    message: 'cannot be broadcast together',
  },
  {
    name: 'reshape changes the size',
    src: `${CONFIG}module M(c: C) { fn forward[B](x: f32[B, c.hidden]) -> f32[B, c.hidden] { return ⟪reshape(x, [B, 3, 3]) } }`,
    message: 'cannot reshape f32[B, 8] to [B, 3, 3]',
  },
  {
    name: 'return type mismatch',
    src: `${CONFIG}module M(c: C) { fn forward[B](x: f32[B, c.hidden]) -> ⟪f32[B, c.heads] { return x } }`,
    message: 'the result of M.forward must be f32[B, 2], got f32[B, 8]',
  },
  {
    name: 'argument shape mismatch at the call',
    src: `${CONFIG}module L(n: int) { fn forward[B](x: f32[B, n]) -> f32[B, n] { return x } }
module M(c: C) {
  sub l: L(c.heads) @ "l"
  fn forward[B](x: f32[B, c.hidden]) -> f32[B, c.hidden] { return l(⟪x) } }`,
    message: "argument 'x' of L.forward must be f32[B, 2], got f32[B, 8]",
  },
  {
    name: 'let annotation mismatch',
    src: `${CONFIG}module M(c: C) { fn forward[B](x: f32[B, c.hidden]) -> f32[B, c.hidden] { let y: f32[B, c.heads] = ⟪x
      return y } }`,
    message: "'y' must be f32[B, 2]",
  },
  {
    name: 'permutation of the wrong rank',
    src: `${CONFIG}module M(c: C) { fn forward[B](x: f32[B, c.hidden]) -> f32[B, c.hidden] { return ⟪permute(x, [0, 1, 2]) } }`,
    message: 'does not fit a tensor of rank 2',
  },
  {
    name: 'axis out of range',
    src: `${CONFIG}module M(c: C) { fn forward[B](x: f32[B, c.hidden]) -> f32[B, c.hidden] { return ⟪softmax(x, axis=2) } }`,
    message: 'axis 2 is out of range for a tensor of rank 2',
  },
  // dtypes
  {
    name: 'adding i32 and f32 tensors',
    src: `${CONFIG}module M(c: C) { fn forward[B](x: f32[B, c.hidden], ids: i32[B, c.hidden]) -> f32[B, c.hidden] { return ⟪x + ids } }`,
    message: 'dtypes differ',
  },
  {
    name: 'gather with float indices',
    src: `${CONFIG}module M(c: C) {
  param e: f32[10, c.hidden] @ "e"
  fn forward[B](x: f32[B]) -> f32[B, c.hidden] { return ⟪gather(e, x) } }`,
    message: 'gather needs i32 indices',
  },
  {
    name: 'branching on a tensor',
    src: `${CONFIG}module M(c: C) { fn forward[B](x: f32[B, c.hidden]) -> f32[B, c.hidden] { if ⟪x { return x }
      return x } }`,
    message: 'condition must be a bool known at compile time',
  },
  {
    name: 'activation of an int tensor',
    src: `${CONFIG}module M(c: C) { fn forward[B](x: i32[B, c.hidden]) -> i32[B, c.hidden] { return ⟪gelu(x) } }`,
    message: 'gelu needs a float tensor',
  },
  // config values
  {
    name: 'default of the wrong type',
    src: `config C { hidden: int = ⟪"eight" }
module M(c: C) { param w: f32[c.hidden] @ "w" }`,
    message: "default of 'hidden' must be an int",
  },
  {
    name: 'default outside the enum',
    src: `config C { act: "gelu" | "relu" = ⟪"tanh" }
module M(c: C) { }`,
    message: 'must be one of "gelu", "relu", got "tanh"',
  },
  {
    name: 'non-divisible heads (a failed compile-time assert)',
    src: `config C { hidden: int = 10
  heads: int = 3 }
module M(c: C) { fn forward[B](x: f32[B, c.hidden]) -> f32[B, c.hidden] {
  ⟪assert c.hidden % c.heads == 0, "hidden must be a multiple of heads"
  return x } }`,
    message: 'assertion failed: hidden must be a multiple of heads',
  },
  {
    name: 'negative dimension from config arithmetic',
    src: `config C { hidden: int = 4 }
module M(c: C) { param w: f32[⟪c.hidden - 10] @ "w" }`,
    message: 'dimension -6 is negative',
  },
  {
    name: 'loop bound not known',
    src: `${CONFIG}module M(c: C) { fn forward[B](x: f32[B, c.hidden]) -> f32[B, c.hidden] { ⟪for i in 0..B { x = x }
      return x } }`,
    message: 'loop bounds must be integers known at compile time',
  },
  {
    name: 'missing return field',
    src: `${CONFIG}module M(c: C) { fn forward[B](x: f32[B, c.hidden]) -> (a: f32[B, c.hidden], ⟪b: f32[B, c.hidden]) { return { a: x } } }`,
    message: "must return 'b'",
  },
];

function locate(marked: string): { src: string; line: number; col: number } {
  const at = marked.indexOf('⟪');
  if (at < 0) throw new Error('case has no ⟪ marker');
  const before = marked.slice(0, at).split('\n');
  return { src: marked.replace('⟪', ''), line: before.length, col: before[before.length - 1]!.length + 1 };
}

for (const c of CASES) {
  test(`bad source: ${c.name}`, () => {
    const { src, line, col } = locate(c.src);
    const err = checkSource({ file: 'gallery.dsl', text: src });
    assert.ok(err instanceof CompileError, 'expected a CompileError');
    const text = err!.message;
    const where = `gallery.dsl:${line}:${col}: error: `;
    const hit = text.split('\n').find((l) => l.startsWith(where));
    assert.ok(hit, `expected an error at ${where}\n--- got:\n${text}`);
    assert.ok(text.includes(c.message), `expected message containing "${c.message}"\n--- got:\n${text}`);
    assert.ok(text.includes('^'), 'the error shows a caret under the source');
  });
}

test('gallery has at least 25 cases', () => {
  assert.ok(CASES.length >= 25);
});

test('several independent errors are reported in one run', () => {
  const src = `${CONFIG}module M(c: C) {
  fn forward[B](x: f32[B, c.hidden]) -> f32[B, c.hidden] {
    let a = relux(x)
    let b = matmul(x, x)
    return x
  }
}`;
  const err = checkSource({ file: 'multi.dsl', text: src });
  assert.ok(err);
  assert.ok(err!.diagnostics.length >= 2, err!.message);
  assert.match(err!.message, /2 errors/);
});

test.run();
