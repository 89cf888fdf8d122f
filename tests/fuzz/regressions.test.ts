/**
 * Crashes and hangs found by the fuzzers (scripts/fuzz/), each as a minimal input and the clear error it must give.
 * Every bad input must end in a UserError/CompileError that names the cause and where (file:line:col for model
 * sources, the file for config.json), never a TypeError/RangeError/stack overflow, and never hang.
 *
 * These fail until the crash is fixed; the comment on each names the fuzz case that found it.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkSource, compileGraph } from '../../compiler/pipeline.ts';
import { CompileError } from '../../dsl/diagnostics.ts';
import { UserError } from '../../dsl/errors.ts';
import { parse } from '../../dsl/parser.ts';

const FILE = 'fuzz.dsl';
const bert = readFileSync(new URL('../../specs/bert.dsl', import.meta.url), 'utf8');

function describeThrown(e: unknown): string {
  return e instanceof Error ? `${e.constructor.name}: ${e.message.split('\n')[0]}\n${e.stack?.split('\n').slice(1, 8).join('\n')}` : String(e);
}

/** `parse` must return (not throw), and `checkSource` must return a CompileError that says file:line:col and contains `parts`. */
function checkFails(text: string, ...parts: string[]): CompileError {
  try {
    parse(text, FILE);
  } catch (e) {
    assert.unreachable(`parse threw instead of returning diagnostics: ${describeThrown(e)}`);
  }
  let err: CompileError | undefined;
  try {
    err = checkSource({ file: FILE, text });
  } catch (e) {
    assert.unreachable(`checkSource threw instead of returning a CompileError: ${describeThrown(e)}`);
  }
  assert.ok(err instanceof CompileError, 'expected a CompileError, got none (the source checked clean)');
  assert.match(err!.message, new RegExp(`${FILE}:\\d+:\\d+: error: `));
  for (const p of parts) assert.ok(err!.message.includes(p), `message should contain ${JSON.stringify(p)}:\n${err!.message}`);
  return err!;
}

/** `checkSource` must not throw; the source may be accepted (it is valid) or rejected with a located CompileError. */
function checkDoesNotThrow(text: string): void {
  try {
    parse(text, FILE);
  } catch (e) {
    assert.unreachable(`parse threw instead of returning diagnostics: ${describeThrown(e)}`);
  }
  let err: CompileError | undefined;
  try {
    err = checkSource({ file: FILE, text });
  } catch (e) {
    assert.unreachable(`checkSource threw: ${describeThrown(e)}`);
  }
  if (err !== undefined) assert.match(err.message, new RegExp(`${FILE}:\\d+:\\d+: error: `));
}

/** `f` must throw a UserError whose message contains every one of `parts`. */
function throwsUser(f: () => unknown, ...parts: string[]): string {
  try {
    f();
  } catch (e) {
    if (!(e instanceof UserError)) {
      assert.unreachable(`expected a UserError, got ${describeThrown(e)}`);
      return '';
    }
    for (const p of parts) assert.ok(e.message.includes(p), `message should contain ${JSON.stringify(p)}:\n${e.message}`);
    return e.message;
  }
  assert.unreachable('expected a UserError, but nothing was thrown');
  return '';
}

// ---- model sources: deep nesting (the chevrotain parser recurses per level and overflows the stack) -------------

// fuzz: dsl seed 2 case 388 ("10000 nested parentheses"); parse overflows from ~150 levels on.
test('dsl: 10,000 nested parentheses', () => {
  checkDoesNotThrow(`module M() { let x = ${'('.repeat(10_000)}1${')'.repeat(10_000)} }`);
});

test('dsl: 200 nested parentheses (a depth a generated source can reach)', () => {
  checkDoesNotThrow(`module M() { let x = ${'('.repeat(200)}1${')'.repeat(200)} }`);
});

// fuzz: dsl seed 2 case 69 ("3000 unclosed parentheses"); error recovery overflows from ~50 unclosed levels on.
test('dsl: 100 unclosed parentheses is a syntax error', () => {
  checkFails(`module M() { let x = ${'('.repeat(100)}1 }`);
});

// fuzz: "nested lists"; overflows from ~100 levels on.
test('dsl: 1,000 nested lists', () => {
  checkDoesNotThrow(`module M() { let x = ${'['.repeat(1000)}1${']'.repeat(1000)} }`);
});

// fuzz: dsl seed 2 cases 552, 863 ("10000 nested records").
test('dsl: 10,000 nested records', () => {
  checkDoesNotThrow(`module M() { let x = ${'{a: '.repeat(10_000)}1${'}'.repeat(10_000)} }`);
});

// fuzz: "10000 unary minuses"; overflows from ~3000 on.
test('dsl: 10,000 unary minuses', () => {
  checkDoesNotThrow(`module M() { let x = ${'-'.repeat(10_000)}1 }`);
});

// fuzz: "10000 nested conditionals" (dsl seed 2 case 20).
test('dsl: 10,000 nested conditional expressions', () => {
  checkDoesNotThrow(`module M() { let x = ${'1 if true else '.repeat(10_000)}1 }`);
});

// fuzz: "1000 nested if statements".
test('dsl: 1,000 nested if statements', () => {
  checkDoesNotThrow(`module M() {\n  fn forward[B](x: f32[B]) -> f32[B] {\n${'if true {\n'.repeat(1000)}return x\n${'}\n'.repeat(1000)}  }\n}\n`);
});

// fuzz: dsl seed 2 case 892 ("1000 nested if members").
test('dsl: 1,000 nested if members', () => {
  checkDoesNotThrow(`module M() {\n${'if true {\n'.repeat(1000)}let z = 1\n${'}\n'.repeat(1000)}}\n`);
});

// ---- model sources: the elaborator recurses per AST level -------------------------------------------------------

// fuzz: "10000-term '+' chain": parses, then evalExpr (evaluate.ts:80) overflows on the left-nested Binary tree.
test("dsl: a 10,000-term '+' chain", () => {
  checkDoesNotThrow(`module M() { let x = 1${' + 1'.repeat(10_000)} }`);
});

// fuzz: dsl seed 2 case 157 ("3000 chained calls"): evalExpr -> call -> evalExpr (evaluate.ts:141) overflows.
test('dsl: 3,000 chained calls', () => {
  checkDoesNotThrow(`module M() { let x = abs${'(1)'.repeat(3000)} }`);
});

// ---- model sources: integers past what a double holds ------------------------------------------------------------

// fuzz: dsl seed 2 case 178 (a number replaced by 310 nines): Number("999…") is Infinity, and dimConst throws a
// RangeError ("dimension must be an integer, got Infinity", compiler/ir/dim.ts:32) from intValueOf (evaluate.ts:259).
test('dsl: an integer literal too large for a double', () => {
  checkFails(`module M() { let a = ${'9'.repeat(400)} }`, 'fuzz.dsl:1:22');
});

test('dsl: an integer literal too large for a double, as a module argument default', () => {
  checkFails(`module M(n: int = ${'9'.repeat(400)}) { }`, 'fuzz.dsl:1:19');
});

// Same RangeError from arithmetic: 1e199 * 1e199 overflows to Infinity in dimMul, then '//' calls intValueOf(Infinity).
test('dsl: integer arithmetic that overflows a double', () => {
  const big = '9'.repeat(200);
  checkFails(`module M() { let a = ${big} * ${big} // 2 }`, 'fuzz.dsl:1:22');
});

// ---- model sources: a DiagnosticError (internal) escapes instead of becoming a diagnostic ------------------------

// fuzz: dsl seed 2 case 577: a module argument default naming an unknown name. argVariants (entry.ts:191) evaluates
// the default outside `guard`, so the internal DiagnosticError escapes checkSource.
test('dsl: checkSource with an int argument default that names an unknown name', () => {
  checkFails('module M(n: int = nope) { }', "unknown name 'nope'", 'fuzz.dsl:1:19');
});

test('dsl: checkSource with a str argument default that names an unknown name', () => {
  checkFails('module M(s: str = nope) { }', "unknown name 'nope'");
});

// fuzz: dsl seed 2 case 530: same for compileGraph: entryArgs (entry.ts:87) evaluates the default unguarded.
test('dsl: compileGraph with a bool argument default that names an unknown name', () => {
  throwsUser(() => compileGraph({ file: FILE, text: 'module M(b: bool = nope) { }' }, { entry: 'M' }), "unknown name 'nope'");
});

// Not a crash, but the same case shows checkSource missing the error compileGraph then hits: bool arguments are
// checked both ways (argVariants), so their default expression is never evaluated.
test('dsl: checkSource reports an unknown name in a bool argument default', () => {
  checkFails('module M(b: bool = nope) { }', "unknown name 'nope'");
});

// ---- compileGraph on sources checkSource rejects (the CLI compiles without checking first) ------------------------
// After the nesting fixes (commit 396c0db) checkSource reports these as "nests too deeply", but compileGraph still
// evaluates the same expressions outside any stack-overflow guard: entryArgs (module argument and config defaults)
// and entryInputs (fn parameter dims, defaults and ranges; the return type), so a RangeError escapes.
// fuzz: `--target dsl` with compileGraph also run on sources that do not check clean.

const CHAIN = `1${' + 1'.repeat(10_000)}`;

/** compileGraph must throw a UserError (a CompileError, located in the source). */
function compileFails(text: string, entry = 'M'): void {
  const message = throwsUser(() => compileGraph({ file: FILE, text }, { entry }));
  assert.match(message, new RegExp(`${FILE}:\\d+:\\d+: error: `));
}

test('dsl: compileGraph with a 10,000-term config field default', () => {
  compileFails(`config C { a: int = ${CHAIN} }\nmodule M(c: C) { fn forward[B](x: f32[B]) -> f32[B] { return x } }`);
});

test('dsl: compileGraph with a 10,000-term module argument default', () => {
  compileFails(`module M(n: int = ${CHAIN}) { fn forward[B](x: f32[B]) -> f32[B] { return x } }`);
});

test('dsl: compileGraph with a 10,000-term function parameter default', () => {
  compileFails(`module M() { fn forward[B](x: f32[B] = ${CHAIN}) -> f32[B] { return x } }`);
});

test('dsl: compileGraph with a 10,000-term function parameter dimension', () => {
  compileFails(`module M() { fn forward[B](x: f32[${CHAIN}]) -> f32[1] { return x } }`);
});

test('dsl: compileGraph with a 10,000-term input range bound', () => {
  compileFails(`module M() { fn forward[B](x: i32[B] in 0..${CHAIN}) -> i32[B] { return x } }`);
});

test('dsl: compileGraph with a 10,000-term return type dimension', () => {
  compileFails(`module M() { fn forward[B](x: f32[B]) -> f32[${CHAIN}] { return x } }`);
});

// ---- config.json values -----------------------------------------------------------------------------------------

// fuzz: config seed 3 case 34: a deeply nested value for a declared field. fromJson's error message calls
// JSON.stringify(raw) (compiler/elaborate/config.ts:19), which overflows the stack.
test('config: a deeply nested array for hidden_size', () => {
  const config = JSON.parse(`{"hidden_size": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`) as Record<string, unknown>;
  throwsUser(() => compileGraph({ file: 'specs/bert.dsl', text: bert }, { entry: 'BertModel', config, configLabel: 'config.json' }), 'config.json', 'hidden_size');
});

test('config: a nested object 5,000 levels deep for layer_norm_eps', () => {
  const config = JSON.parse(`{"layer_norm_eps": ${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`) as Record<string, unknown>;
  throwsUser(() => compileGraph({ file: 'specs/bert.dsl', text: bert }, { entry: 'BertModel', config, configLabel: 'config.json' }), 'config.json', 'layer_norm_eps');
});

// fuzz: config seed 3 case 198: num_hidden_layers 1e300 passes the int check (Number.isInteger), then the sub array
// is built with Array.from({ length: 1e300 }) (compiler/elaborate/modules.ts:71): RangeError "Invalid array length".
test('config: num_hidden_layers 1e300', () => {
  throwsUser(
    () => compileGraph({ file: 'specs/bert.dsl', text: bert }, { entry: 'BertModel', config: { num_hidden_layers: 1e300 }, configLabel: 'config.json' }),
    'num_hidden_layers',
  );
});

// fuzz: config case "1e400 for hidden_size": JSON.parse turns the literal into Infinity, which the message printed
// with JSON.stringify as "got null".
test('config: a number beyond a double (1e400) is reported as an overflow', () => {
  for (const field of ['hidden_size', 'layer_norm_eps']) {
    const config = JSON.parse(`{"${field}": 1e400}`) as Record<string, unknown>;
    const message = throwsUser(() => compileGraph({ file: 'specs/bert.dsl', text: bert }, { entry: 'BertModel', config, configLabel: 'config.json' }), 'config.json', `"${field}"`, 'overflows a double');
    assert.not.ok(message.includes('null'), message);
  }
});

// ---- hangs: each runs in its own process with a time bound (tests/fuzz/hang-cases.ts) -----------------------------

const HANG_SCRIPT = fileURLToPath(new URL('./hang-cases.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');
const HANG_LIMIT_MS = 15_000;

interface HangResult {
  timedOut: boolean;
  ms: number;
  result?: { kind: string; name?: string; message?: string; stack?: string };
  stderr: string;
}

function runBounded(name: string): Promise<HangResult> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', TSX, '--max-old-space-size=2048', HANG_SCRIPT, name], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), HANG_LIMIT_MS);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').at(-1);
      let result: HangResult['result'];
      try {
        result = line ? (JSON.parse(line) as HangResult['result']) : undefined;
      } catch {
        result = undefined;
      }
      resolve({ timedOut: signal === 'SIGKILL' && result === undefined, ms: performance.now() - t0, ...(result ? { result } : {}), stderr: err });
    });
  });
}

// Started together so the hang tests cost one time bound, not one each.
const hangRuns = new Map<string, Promise<HangResult>>();
function bounded(name: string): Promise<HangResult> {
  let p = hangRuns.get(name);
  if (!p) hangRuns.set(name, (p = runBounded(name)));
  return p;
}
const HANGS = [
  'config-huge-layer-count', 'dsl-huge-loop', 'dsl-huge-sub-array', 'dsl-many-error-lines', 'dsl-many-errors-one-line',
  'dsl-many-module-params', 'dsl-binary-source',
];

function assertBoundedUserError(r: HangResult, ...parts: string[]): void {
  if (r.timedOut) assert.unreachable(`still running after ${HANG_LIMIT_MS} ms (killed): expected a clear error instead of a hang`);
  if (!r.result) assert.unreachable(`the process died without a result:\n${r.stderr}`);
  if (r.result!.kind !== 'user-error') assert.unreachable(`expected a UserError, got ${r.result!.kind}: ${r.result!.name}: ${r.result!.message}\n${r.result!.stack ?? ''}`);
  for (const p of parts) assert.ok(r.result!.message!.includes(p), `message should contain ${JSON.stringify(p)}:\n${r.result!.message}`);
}

test.before(() => {
  for (const h of HANGS) void bounded(h);
});

// fuzz: config seed 1 case 74 (num_hidden_layers 1000000) and seed 3 case 1333 (10000000): compileGraph unrolls every
// layer; 10^7 layers run until killed (minutes, or out of memory). Expected: a prompt error naming the field.
test('hang: config num_hidden_layers 10,000,000', async () => {
  assertBoundedUserError(await bounded('config-huge-layer-count'), 'num_hidden_layers');
});

// fuzz: dsl seed 2 case 51 (a loop bound set to 9007199254740993): loops are unrolled at compile time.
test('hang: a loop over 2^53 iterations', async () => {
  assertBoundedUserError(await bounded('dsl-huge-loop'), 'loop.dsl:3:');
});

// fuzz: dsl seed 1 case 189 (mlp's layer count set to 1000000): sub arrays are instantiated eagerly.
test('hang: a submodule array of 10^9 modules', async () => {
  assertBoundedUserError(await bounded('dsl-huge-sub-array'), 'subs.dsl:2:');
});

// fuzz: dsl seed 7 case 759 ("100k random characters", 5.8 s) and the "N lines with a bad character each" generator.
test('hang: 100,000 lines with a bad character each', async () => {
  assertBoundedUserError(await bounded('dsl-many-error-lines'), 'junk.dsl:1:1: error: ');
});

// fuzz: "long run of bad characters" / random characters on one line.
test('hang: 200,000 bad characters on one line (error message size)', async () => {
  const r = await bounded('dsl-many-errors-one-line');
  assertBoundedUserError(r, 'junk.dsl:1:1: error: ');
  assert.ok(r.result!.message!.length < 10_000_000, `the error message is ${r.result!.message!.length} characters long`);
});

// fuzz: dsl seed 7 case 426 ("10000 module parameters", killed after 15 s).
test('hang: 20,000 module parameters', async () => {
  const r = await bounded('dsl-many-module-params');
  if (r.timedOut) assert.unreachable(`still running after ${HANG_LIMIT_MS} ms (killed)`);
  assert.ok(r.result?.kind === 'ok' || r.result?.kind === 'user-error', `got ${JSON.stringify(r.result)?.slice(0, 500)}\n${r.stderr}`);
});

// fuzz: dsl seed 1 case 2240 ("long run of bad characters", 1 MB: 5.9 s per parse) and the random-characters
// generator; the lexer turns every unexpected byte into a token before the bad-character limit is checked.
test('hang: a 24 MB binary file as the model source', async () => {
  assertBoundedUserError(await bounded('dsl-binary-source'), 'model.safetensors:1:');
});

test.run();
