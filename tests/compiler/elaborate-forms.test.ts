/**
 * Language features for HF's inputs of several shapes and empty layer stacks: parameters with several forms
 * (`i32[B, S] | i32[B, S, S]`, picked by the argument's rank, or at an entry by `ranks`), `rank(x)`, and
 * `stack(xs, axis, item=[...])` of a list that may be empty, and `x: ...? replaces y` (HF's inputs_embeds).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkSource, compileGraph } from '../../compiler/pipeline.ts';
import { shapeToString } from '../../compiler/ir/dim.ts';
import { CompileError } from '../../dsl/diagnostics.ts';
import { UserError } from '../../dsl/errors.ts';

const FILE = 'forms.dsl';

const SOURCE = `
module M(n: int = 3) {
  # each query's own keys, or the same keys for every query
  fn keep[B, S](mask: i32[B, S] | i32[B, S, S]) -> f32[B, S, S] {
    return cast(mask, f32) if rank(mask) == 3 else expand(reshape(cast(mask, f32), [B, 1, S]), [B, S, S])
  }
  fn forward[B, S](mask: i32[B, S] | i32[B, S, S] = 1) -> (kept: f32[B, S, S], layers: f32[n, B, S, S]) {
    let k = keep(mask)
    let all = []
    for i in 0..n {
      all = [*all, k]
    }
    return { kept: k, layers: stack(all, 0, item=[B, S, S]) }
  }
}
`;

const graph = (opts: Record<string, unknown> = {}) => compileGraph({ file: FILE, text: SOURCE }, { entry: 'M', ...opts });
const inputShape = (g: ReturnType<typeof graph>) => shapeToString(g.inputs[0]!.shape);
const outputShape = (g: ReturnType<typeof graph>, name: string) => shapeToString(g.outputs.find((o) => o.name === name)!.node.shape);

test('an entry input takes its first form unless ranks names another', () => {
  assert.is(inputShape(graph()), '[B, S]');
  assert.is(inputShape(graph({ ranks: { mask: 3 } })), '[B, S, S]');
  assert.is(outputShape(graph({ ranks: { mask: 3 } }), 'kept'), '[B, S, S]');
});

test('rank() branches at compile time: the 2-D form expands, the 3-D form does not', () => {
  const two = graph().outputs[0]!.node;
  const three = graph({ ranks: { mask: 3 } }).outputs[0]!.node;
  assert.is(two.op, 'expand');
  assert.is(three.op, 'cast');
});

test('stack with item= of an empty list has a 0 dim; of a full one, the usual shape', () => {
  assert.is(outputShape(graph({ args: { n: 0 } }), 'layers'), '[0, B, S, S]');
  assert.is(outputShape(graph({ args: { n: 2 } }), 'layers'), '[2, B, S, S]');
});

test('checkSource checks every form', () => {
  // wrong only for 3-D masks: [S, S, B] where [B, S, S] is declared
  const bad = SOURCE.replace('cast(mask, f32) if rank(mask) == 3', 'transpose(cast(mask, f32), 0, 2) if rank(mask) == 3');
  const err = checkSource({ file: FILE, text: bad });
  assert.ok(err instanceof CompileError, 'the 3-D form is checked');
  assert.match(err!.message, /the result of M\.keep must be f32\[B, S, S\]/);
  assert.is(checkSource({ file: FILE, text: SOURCE }), undefined);
});

function compileFails(text: string, ...parts: string[]) {
  try {
    compileGraph({ file: FILE, text }, { entry: 'M' });
  } catch (e) {
    assert.ok(e instanceof CompileError || e instanceof UserError, String(e));
    for (const p of parts) assert.ok((e as Error).message.includes(p), `message should contain ${JSON.stringify(p)}:\n${(e as Error).message}`);
    return;
  }
  assert.unreachable('compiled');
}

test('forms of the same rank are an error at the parameter', () => {
  compileFails('module M() { fn forward[B, S](x: f32[B, S] | f32[S, B]) -> f32[B, S] { return x } }', 'forms.dsl:1:', "the forms of 'x' must each have their own rank");
});

test('an argument of no declared rank says which ranks are accepted', () => {
  compileFails(
    'module M() {\n  fn f[B](x: f32[B] | f32[B, B]) -> f32[B] { return x }\n  fn forward[B](y: f32[B, B, B]) -> f32[B] { return f(y) }\n}',
    'forms.dsl:3:', "argument 'x' of M.f must have rank 1 or 2",
  );
});

test('stack of an empty list without item= explains the fix', () => {
  compileFails('module M() { fn forward[B](x: f32[B]) -> f32[B] { let s = stack([], 0)\n return x } }', 'stack needs at least one tensor', 'item=');
});

test('stack item= must match the elements', () => {
  compileFails('module M() { fn forward[B](x: f32[B]) -> f32[1, B] { return stack([x], 0, item=[B, B]) } }', "stack's item shape [B, B] differs from an element's [B]");
});

const EMBEDS = `
module M() {
  param table: f32[5, 2] @ "table"
  fn embed[B](ids: i32[B], vectors: f32[B, 2]? replaces ids) -> f32[B, 2] {
    return gather(table, ids) if vectors == none else vectors
  }
  fn forward[B](ids: i32[B], vectors: f32[B, 2]? replaces ids) -> f32[B, 2] {
    return embed(ids, vectors) * 2.0
  }
}
`;

test('replaces: the entry takes ids, or vectors in their place when asked for', () => {
  const names = (inputs: string[]) => compileGraph({ file: FILE, text: EMBEDS }, { entry: 'M', inputs }).inputs.map((n) => n.arg['name']);
  assert.equal(names([]), ['ids']);
  assert.equal(names(['vectors']), ['vectors']);
  assert.is(checkSource({ file: FILE, text: EMBEDS }), undefined);
});

test('replaces: giving both is an error at the call', () => {
  const both = EMBEDS.replace('return embed(ids, vectors) * 2.0', 'return embed(ids, ones([B, 2])) * 2.0');
  const err = checkSource({ file: FILE, text: both });
  assert.ok(err instanceof CompileError);
  assert.match(err!.message, /give M\.embed 'ids' or 'vectors', not both/);
});

test('replaces must name a required parameter from an optional one', () => {
  compileFails('module M() { fn forward[B](x: f32[B], y: f32[B]? replaces z) -> f32[B] { return x } }', "'y' must be optional and replace a required parameter of M.forward, not 'z'");
  compileFails('module M() { fn forward[B](x: f32[B], y: f32[B] replaces x) -> f32[B] { return x } }', "'y' must be optional");
});

test.run();
