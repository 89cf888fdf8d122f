import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseOrThrow, tokenize, type ConfigDecl, type FnMember, type ModuleDecl, type Stmt } from '../../dsl/index.ts';
import { at, expr, parseClean, show } from './helpers.ts';

// A representative source: every construct of the language at least once, shaped like specs/bert.dsl.
const SOURCE = `# configs
config BertConfig {
  vocab_size: int = 30522
  hidden_act: "gelu" | "gelu_new" | "relu" = "gelu"
  layer_norm_eps: float = 1e-12
  classifier_dropout: float? = none,
  offset: int = -3, scale: float = 0.5
  is_decoder: bool = false
  name: str
}

module Linear(in_features: int, out_features: int, bias: bool = true) {
  param weight: f32[out_features, in_features] @ "weight"
  if bias { param b: f32[out_features] @ "bias" | "decoder.bias" }
}

module BertEncoder(c: BertConfig, kind: "a" | "b" = "a") {
  let head_size = c.hidden_size // c.num_attention_heads
  sub query: Linear(c.hidden_size, c.hidden_size, bias=true) @ "query"
  sub layer: BertLayer(c)[c.num_hidden_layers] @ "layer.{i}"
  if kind == "a" {
    param pa: f32[2 * head_size - 1] @ "pa"
  } else if kind == "b" {
    let x = 1
  } else {
    param pc: bf16[1,] @ "pc"
  }
  fn forward[B, S](input_ids: i32[B, S] in 0..c.vocab_size, mask: i32[B, S] = 1,)
      -> (last_hidden_state: f32[B, S, c.hidden_size], pooler_output: f32[B, c.hidden_size]?) {
    let h: f32[B, S, c.hidden_size] = embed(input_ids)
    h = h * 2
    for i in 0..c.num_hidden_layers { h = layer[i](h, mask) }
    if c.is_decoder { h = h } else if not c.is_decoder { h = -h } else { h = h }
    assert S <= c.max_position_embeddings, "sequence too long"
    return { last_hidden_state: h, pooler_output: p if add_pooling_layer else none }
  }
}
`;

function modules(src = SOURCE): { config: ConfigDecl; linear: ModuleDecl; encoder: ModuleDecl; forward: FnMember } {
  const [config, linear, encoder] = parseClean(src).decls as [ConfigDecl, ModuleDecl, ModuleDecl];
  const forward = encoder.members.find((m) => m.kind === 'FnMember') as FnMember;
  return { config, linear, encoder, forward };
}

test('declarations come out in order with their kinds and names', () => {
  const program = parseClean(SOURCE, 'bert.dsl');
  assert.is(program.kind, 'Program');
  assert.is(program.file, 'bert.dsl');
  assert.equal(program.decls.map((d) => `${d.kind}:${d.name}`), ['Config:BertConfig', 'Module:Linear', 'Module:BertEncoder']);
});

test('config fields: scalar, enum and optional types; defaults incl. 1e-12 and negatives; optional commas', () => {
  const { config } = modules();
  const fields = config.fields.map((f) => [f.name, f.type.name, f.type.optional, f.type.choices ?? null, f.default ? show(f.default) : null]);
  assert.equal(fields, [
    ['vocab_size', 'int', false, null, '30522'],
    ['hidden_act', 'str', false, ['gelu', 'gelu_new', 'relu'], '"gelu"'],
    ['layer_norm_eps', 'float', false, null, '1e-12f'],
    ['classifier_dropout', 'float', true, null, 'none'],
    ['offset', 'int', false, null, '(- 3)'],
    ['scale', 'float', false, null, '0.5f'],
    ['is_decoder', 'bool', false, null, 'false'],
    ['name', 'str', false, null, null],
  ]);
  assert.not.ok('default' in config.fields[7]!);
  const eps = config.fields[2]!.default!;
  assert.equal(eps, { kind: 'Number', value: 1e-12, isInt: false, span: eps.span });
});

test('module parameters: scalar, enum and config types with defaults', () => {
  const { linear, encoder } = modules();
  assert.equal(
    linear.params.map((p) => [p.name, p.type.kind, p.type.name, p.default ? show(p.default) : null]),
    [['in_features', 'ScalarType', 'int', null], ['out_features', 'ScalarType', 'int', null], ['bias', 'ScalarType', 'bool', 'true']],
  );
  const [c, kind] = encoder.params;
  assert.equal(c!.type, { kind: 'NamedType', name: 'BertConfig', span: c!.type.span });
  assert.equal(kind!.type.kind === 'ScalarType' && kind!.type.choices, ['a', 'b']);
});

test('param members with alternate checkpoint names, inside a conditional member', () => {
  const { linear } = modules();
  const [weight, cond] = linear.members;
  assert.equal(weight!.kind === 'ParamMember' && [weight.name, weight.type.dtype, weight.type.dims.map(show), weight.names], [
    'weight', 'f32', ['out_features', 'in_features'], ['weight'],
  ]);
  if (cond?.kind !== 'IfMember') throw new Error('expected an IfMember');
  assert.is(show(cond.cond), 'bias');
  assert.equal(cond.then.map((m) => m.kind === 'ParamMember' && m.names), [['bias', 'decoder.bias']]);
  assert.equal(cond.else, []);
});

test('sub members: positional and named args, arrays with a count and a {i} path; let members', () => {
  const { encoder } = modules();
  const [head, query, layer] = encoder.members;
  assert.equal(head!.kind === 'LetMember' && [head.name, show(head.value)], ['head_size', '(// (. c hidden_size) (. c num_attention_heads))']);
  if (query?.kind !== 'SubMember' || layer?.kind !== 'SubMember') throw new Error('expected SubMembers');
  assert.equal([query.module, query.args.map((a) => [a.name ?? null, show(a.value)]), query.count, query.path], [
    'Linear', [[null, '(. c hidden_size)'], [null, '(. c hidden_size)'], ['bias', 'true']], undefined, 'query',
  ]);
  assert.equal([layer.name, layer.module, layer.args.map((a) => show(a.value)), show(layer.count!), layer.path], [
    'layer', 'BertLayer', ['c'], '(. c num_hidden_layers)', 'layer.{i}',
  ]);
});

test('conditional members: else-if becomes a nested IfMember in else', () => {
  const { encoder } = modules();
  const cond = encoder.members[3];
  if (cond?.kind !== 'IfMember') throw new Error('expected an IfMember');
  assert.is(show(cond.cond), '(== kind "a")');
  assert.equal(cond.then.map((m) => m.kind), ['ParamMember']);
  assert.is(cond.else.length, 1);
  const inner = cond.else[0]!;
  if (inner.kind !== 'IfMember') throw new Error('expected a nested IfMember');
  assert.is(show(inner.cond), '(== kind "b")');
  assert.equal(inner.then.map((m) => m.kind), ['LetMember']);
  assert.equal(inner.else.map((m) => m.kind === 'ParamMember' && [m.name, m.type.dtype, m.type.dims.map(show)]), [['pc', 'bf16', ['1']]]);
});

test('fn members: dims, tensor params with ranges and defaults, record returns with optional fields', () => {
  const { forward } = modules();
  assert.equal([forward.name, forward.dims], ['forward', ['B', 'S']]);
  const [ids, mask] = forward.params;
  assert.equal([ids!.name, ids!.type.dtype, ids!.type.dims.map(show), ids!.range?.map(show), ids!.default], [
    'input_ids', 'i32', ['B', 'S'], ['0', '(. c vocab_size)'], undefined,
  ]);
  assert.equal([mask!.name, mask!.range, show(mask!.default!)], ['mask', undefined, '1']);
  assert.not.ok('range' in mask! || 'default' in ids!);
  if (forward.ret.kind !== 'RecordType') throw new Error('expected a record return');
  assert.equal(forward.ret.fields.map((f) => [f.name, f.type.dims.map(show), f.optional]), [
    ['last_hidden_state', ['B', 'S', '(. c hidden_size)'], false],
    ['pooler_output', ['B', '(. c hidden_size)'], true],
  ]);
});

test('statements: let (typed), assign, for, if / else if / else, assert, return', () => {
  const { forward } = modules();
  const brief = (s: Stmt): unknown => {
    switch (s.kind) {
      case 'LetStmt':
        return ['let', s.name, s.type ? s.type.dims.map(show) : null, show(s.value)];
      case 'AssignStmt':
        return ['=', s.name, show(s.value)];
      case 'ForStmt':
        return ['for', s.var, show(s.from), show(s.to), s.body.map(brief)];
      case 'IfStmt':
        return ['if', show(s.cond), s.then.map(brief), s.else.map(brief)];
      case 'ReturnStmt':
        return ['return', show(s.value)];
      case 'AssertStmt':
        return ['assert', show(s.cond), s.message];
    }
  };
  assert.equal(forward.body.map(brief), [
    ['let', 'h', ['B', 'S', '(. c hidden_size)'], '(call embed input_ids)'],
    ['=', 'h', '(* h 2)'],
    ['for', 'i', '0', '(. c num_hidden_layers)', [['=', 'h', '(call ([] layer i) h mask)']]],
    ['if', '(. c is_decoder)', [['=', 'h', 'h']], [['if', '(not (. c is_decoder))', [['=', 'h', '(- h)']], [['=', 'h', 'h']]]]],
    ['assert', '(<= S (. c max_position_embeddings))', 'sequence too long'],
    ['return', '{last_hidden_state: h, pooler_output: (? add_pooling_layer p none)}'],
  ]);
});

test('operators: precedence from or (loosest) to unary minus and postfix (tightest)', () => {
  const cases: [string, string][] = [
    ['a or b and c', '(or a (and b c))'],
    ['a and b or c', '(or (and a b) c)'],
    ['not a and b', '(and (not a) b)'],
    ['not a == b', '(not (== a b))'],
    ['not not a', '(not (not a))'],
    ['a == b + c', '(== a (+ b c))'],
    ['a + b < c * d', '(< (+ a b) (* c d))'],
    ['a != b', '(!= a b)'],
    ['a >= b', '(>= a b)'],
    ['a > b', '(> a b)'],
    ['a <= b', '(<= a b)'],
    ['a + b * c', '(+ a (* b c))'],
    ['a * b + c', '(+ (* a b) c)'],
    ['a - b - c', '(- (- a b) c)'],
    ['a / b // c % d * e', '(* (% (// (/ a b) c) d) e)'],
    ['-a * b', '(* (- a) b)'],
    ['- -a', '(- (- a))'],
    ['-a.b[0](1)', '(- (call ([] (. a b) 0) 1))'],
    ['a - -1', '(- a (- 1))'],
    ['(a + b) * c', '(* (+ a b) c)'],
    ['2 * c.max - 1', '(- (* 2 (. c max)) 1)'],
  ];
  for (const [src, want] of cases) assert.is(show(expr(src)), want, src);
});

test('conditional expressions: lowest precedence, right-associative, operands are or-expressions', () => {
  assert.is(show(expr('a if b else c')), '(? b a c)');
  assert.is(show(expr('a or b if c and d else e + f')), '(? (and c d) (or a b) (+ e f))');
  assert.is(show(expr('a if b else c if d else e')), '(? b a (? d c e))');
  assert.is(show(expr('f(a if b else c, x=[y if z else w])')), '(call f (? b a c) x=[(? z y w)])');
  assert.is(show(expr('softmax(s / sqrt(h), axis=-1) if c.d else s')), '(? (. c d) (call softmax (/ s (call sqrt h)) axis=(- 1)) s)');
});

test('an if after a complete value starts a statement when its block comes before any else', () => {
  const program = parseClean(`module M(flag: bool) {
    let a = 1
    if flag { let b = 2 }
    fn f() -> f32[1] {
      let x = y if flag else z
      if flag { x = 1 } else { x = 2 }
      x = w
      if (p if q else r) { return x }
      return x
      if flag { return y }
    }
  }`);
  const m = program.decls[0] as ModuleDecl;
  assert.equal(m.members.map((x) => x.kind), ['LetMember', 'IfMember', 'FnMember']);
  const body = (m.members[2] as FnMember).body;
  assert.equal(body.map((s) => s.kind), ['LetStmt', 'IfStmt', 'AssignStmt', 'IfStmt', 'ReturnStmt', 'IfStmt']);
  assert.is(body[0]!.kind === 'LetStmt' && show(body[0]!.value), '(? flag y z)');
  assert.is(body[3]!.kind === 'IfStmt' && show(body[3]!.cond), '(? q p r)');
});

test('calls with named args (= vs ==), member and index chains, lists and records', () => {
  assert.is(show(expr('f(a, b=1, c == 2, d=e == f,)')), '(call f a b=1 (== c 2) d=(== e f))');
  assert.is(show(expr('f()')), '(call f)');
  assert.is(show(expr('a.b.c[0][i + 1](x).d')), '(. (call ([] ([] (. (. a b) c) 0) (+ i 1)) x) d)');
  assert.is(show(expr('layer[i](h, mask)')), '(call ([] layer i) h mask)');
  assert.is(show(expr('[]')), '[]');
  assert.is(show(expr('[B, S, 4,]')), '[B S 4]');
  assert.is(show(expr('[[1], [2, 3]]')), '[[1] [2 3]]');
  assert.is(show(expr('{}')), '{}');
  assert.is(show(expr('{ a: 1, b: [x], c: {d: none}, }')), '{a: 1, b: [x], c: {d: none}}');
  assert.is(show(expr('"a\\"b\\\\c\\n"')), JSON.stringify('a"b\\c\n'));
  assert.is(show(expr('true and false')), '(and true false)');
});

test('*name spreads a run of dimensions in signatures, tensor types and lists', () => {
  const program = parseClean('module M() { fn f[*batch, N](x: f32[*batch, N]) -> f32[*batch] { return reshape(x, [*batch, N, 1]) } }');
  const fn = (program.decls[0] as ModuleDecl).members[0] as FnMember;
  assert.equal(fn.dims, ['batch', 'N']);
  const dims = fn.params[0]!.type.dims;
  assert.equal(dims[0], { kind: 'Spread', name: 'batch', span: { file: 'test.dsl', line: 1, col: 37, endLine: 1, endCol: 43 } });
  assert.equal(dims.map(show), ['*batch', 'N']);
  const ret = fn.body[0]!;
  assert.is(ret.kind === 'ReturnStmt' && show(ret.value), '(call reshape x [*batch N 1])');
});

test('numbers: int vs float spelling, and 0..n lexes as 0, .., n', () => {
  assert.equal(expr('3'), { kind: 'Number', value: 3, isInt: true, span: expr('3').span });
  for (const [src, value, isInt] of [['3.0', 3, false], ['1e5', 1e5, false], ['2.5E-3', 2.5e-3, false], ['007', 7, true]] as const) {
    const e = expr(src);
    assert.equal(e.kind === 'Number' && [e.value, e.isInt], [value, isInt], src);
  }
  const images = tokenize('0..n 1.5..2', 't').tokens.map((t) => `${t.tokenType.name}:${t.image}`);
  assert.equal(images, ['NumberLiteral:0', 'DotDot:..', 'Identifier:n', 'NumberLiteral:1.5', 'DotDot:..', 'NumberLiteral:2']);
});

test('keywords only match whole words; comments and newlines are insignificant', () => {
  const images = tokenize('input_ids iffy format nonee # if else\nnot_x in', 't').tokens.map((t) => t.tokenType.name);
  assert.equal(images, ['Identifier', 'Identifier', 'Identifier', 'Identifier', 'Identifier', 'In']);
  const program = parseClean('config\nC\n{\n# a comment\nx\n:\nint\n=\n1 # trailing\n}');
  assert.equal((program.decls[0] as ConfigDecl).fields.map((f) => f.name), ['x']);
  assert.equal(parseClean('').decls, []);
  assert.equal(parseClean('  # nothing here\n').decls, []);
});

test('spans: 1-based, exclusive end column, compound nodes cover first to last token', () => {
  const { config, encoder, forward } = modules();
  assert.is(at(config.span), '2:1-10:2');
  const eps = config.fields[2]!;
  assert.is(at(eps.span), '5:3-5:32'); // `layer_norm_eps: float = 1e-12`
  assert.is(at(eps.type.span), '5:19-5:24');
  assert.is(at(eps.default!.span), '5:27-5:32');
  assert.is(at(config.fields[1]!.type.span), '4:15-4:43'); // the whole enum, to the end of "relu"
  assert.is(at(encoder.members[3]!.span), '21:3-27:4'); // if ... else if ... else { ... }
  assert.is(at(forward.span), '28:3-36:4');
  assert.is(at(forward.params[0]!.span), '28:20-28:59'); // through the range's upper bound
  assert.is(at(forward.ret.span), '29:10-29:94');
  const e = expr('(a + b) * c.d[0]');
  // `return ` is 7 columns after the 32-column prefix in `expr`.
  assert.is(at(e.span), '1:40-1:56');
  assert.is(e.kind === 'Binary' && at(e.left.span), '1:41-1:46'); // parentheses belong to the enclosing node only
  assert.is(e.kind === 'Binary' && at(e.right.span), '1:50-1:56');
});

test('parseOrThrow returns the program of a clean source', () => {
  assert.is(parseOrThrow(SOURCE, 'bert.dsl').decls.length, 3);
});

test.run();
