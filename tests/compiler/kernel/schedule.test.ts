/**
 * Graph → schedule: which nodes get launches and buffers (reshapes alias, matmul-only transposes vanish, constant
 * constants are load-time buffers), that kernels are shared across layers and sizes, and how axes collapse.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dimParse, dimToString } from '../../../compiler/ir/dim.ts';
import { Op } from '../../../compiler/ir/ops.ts';
import { collapse, broadcastStrides, contiguousStrides } from '../../../compiler/kernel/indexing.ts';
import { planMemory } from '../../../compiler/kernel/memory-plan.ts';
import { printSchedule } from '../../../compiler/kernel/print.ts';
import { kernelKey, scheduleGraph } from '../../../compiler/kernel/schedule.ts';
import { compileGraph } from '../../../compiler/pipeline.ts';
import { Builder, dims } from '../../backends/cpu/helpers.ts';
import { BERT_SOURCE } from '../../specs/bert-helpers.ts';

const names = (s: ReturnType<typeof scheduleGraph>) => s.launches.map((l) => l.kernel.name);

test('a reshape aliases its source and a constant-shape constant is a load-time buffer', () => {
  const b = new Builder();
  const x = b.input('x', 'f32', ['B', 'S', 6]);
  const flat = b.op(Op.Reshape, 'f32', ['B*S', 6], [x]);
  const scaled = b.op(Op.Mul, 'f32', ['B*S', 6], [flat, b.op(Op.Const, 'f32', [], [], { value: 0.5 })]);
  const back = b.op(Op.Reshape, 'f32', ['B', 'S', 6], [scaled]);
  const s = scheduleGraph(b.graph({ back }));
  assert.equal(names(s), ['mul_f32_cb']);
  assert.is(s.nodeBuffer.get(flat.id), s.nodeBuffer.get(x.id));
  assert.is(s.outputs[0]!.buffer, s.nodeBuffer.get(scaled.id));
  const kinds = s.buffers.map((buf) => buf.kind);
  assert.equal(kinds, ['input', 'const', 'temp']);
  assert.is(s.buffers[1]!.value, 0.5);
});

test('a transpose read only by matmuls has no buffer; with another consumer it is copied', () => {
  const b = new Builder();
  const x = b.input('x', 'f32', ['S', 8]);
  const w = b.param('w', 'f32', [5, 8]);
  const wt = b.op(Op.Permute, 'f32', [8, 5], [w], { perm: [1, 0] });
  const y = b.op(Op.MatMul, 'f32', ['S', 5], [x, wt]);
  const s1 = scheduleGraph(b.graph({ y }));
  assert.equal(names(s1), ['matmul_f32_nt_b0']);
  assert.not.ok(s1.nodeBuffer.has(wt.id));
  const s2 = scheduleGraph(b.graph({ y, wt }));
  assert.equal(names(s2), ['copy_f32_read_r2', 'matmul_f32_nn_b0']);
});

test('the text dump lists buffers, launches with their uniforms and grid, outputs and the plan', () => {
  const b = new Builder();
  const x = b.input('x', 'f32', ['S', 4]);
  const y = b.op(Op.Softmax, 'f32', ['S', 4], [b.op(Op.Exp, 'f32', ['S', 4], [x])], { axis: 1 });
  const s = scheduleGraph(b.graph({ y }));
  const text = printSchedule(s, planMemory(s));
  assert.match(text, 'buffer b0 input f32[4*S] "x"');
  assert.match(text, 'launch k0 exp_f32_c_x4(b0, b1) n=S grid ceil(S/256)');
  assert.match(text, 'launch k1 softmax_f32(b1, b2) rows=S n=4 grid S');
  assert.match(text, 'return y = b2');
  assert.match(text, 'plan slot 0 = max(4*S); slot 1 = max(4*S)');
});

test('symbolic sizes become uniforms fed by dims, and the grid is computed from them', () => {
  const b = new Builder();
  const x = b.input('x', 'f32', ['B', 'S', 6]);
  const bias = b.param('bias', 'f32', [6]);
  const s = scheduleGraph(b.graph({ y: b.op(Op.Add, 'f32', ['B', 'S', 6], [x, bias]) }));
  const l = s.launches[0]!;
  assert.equal(l.kernel.uniforms, ['n', 'd1']);
  assert.equal(l.uniforms.map(dimToString), ['6*B*S', '6']);
  assert.equal(l.groups.map((g) => [dimToString(g.dim), g.per]), [['6*B*S', 256]]);
});

test('axes collapse where every operand walks them contiguously', () => {
  const out = dims(['B', 'S', 12]);
  const bias = collapse(out, [contiguousStrides(out), broadcastStrides(dims([12]), out)]);
  assert.equal(bias.shape.map(dimToString), ['B*S', '12']);
  assert.equal(bias.strides[1]!.map(dimToString), ['0', '1']);
  const perm = collapse(dims(['S', 'B', 4, 3]), [[dimParse('12'), dimParse('12*S'), dimParse('3'), dimParse('1')]]);
  assert.equal(perm.shape.map(dimToString), ['S', 'B', '12']);
  const ones = collapse(dims([1, 'S', 1]), [contiguousStrides(dims([1, 'S', 1]))]);
  assert.equal(ones.shape.map(dimToString), ['S']);
});

const SMALL = { hidden_size: 32, num_attention_heads: 2, intermediate_size: 48, vocab_size: 50, max_position_embeddings: 24 };

test('kernels are shared by every layer and every model width', () => {
  const kernels = (config: Record<string, unknown>) => scheduleGraph(compileGraph(BERT_SOURCE, { entry: 'BertModel', config: { ...SMALL, ...config } })).kernels;
  const two = kernels({ num_hidden_layers: 2 });
  const six = kernels({ num_hidden_layers: 6 });
  const same = (a: typeof two, b: typeof two) => a.length === b.length && a.every((k, i) => kernelKey(k) === kernelKey(b[i]!));
  assert.ok(same(two, six), 'six layers need the kernels of two');
  // widths only decide whether elementwise kernels move 4 values at a time (hidden 48 does, intermediate 50 not)
  const wide = kernels({ num_hidden_layers: 2, hidden_size: 48, num_attention_heads: 4, intermediate_size: 50 });
  const names = (ks: typeof two) => [...new Set(ks.map((k) => k.name.replace(/_x4$/, '')))].sort();
  assert.equal(names(wide), names(two));
  assert.ok(two.length <= 24, `${two.length} kernels`);
});

test('kernel identity tells -Infinity from NaN', () => {
  assert.is.not(kernelKey({ name: 'k', workgroup: 1, buffers: [], uniforms: [], shared: [], body: [{ k: 'let', name: 'x', v: { k: 'lit', t: 'f32', v: -Infinity } }] }),
    kernelKey({ name: 'k', workgroup: 1, buffers: [], uniforms: [], shared: [], body: [{ k: 'let', name: 'x', v: { k: 'lit', t: 'f32', v: NaN } }] }));
});

test('kernel identity tells -Infinity from Infinity, also when a name spells null, and is plain JSON without them', () => {
  const lit = (name: string, v: number) => ({ name, workgroup: 1, buffers: [], uniforms: [], shared: [], body: [{ k: 'let' as const, name: 'x', v: { k: 'lit' as const, t: 'f32' as const, v } }] });
  assert.is.not(kernelKey(lit('null_k', -Infinity)), kernelKey(lit('null_k', Infinity)));
  assert.is.not(kernelKey(lit('k', -Infinity)), kernelKey(lit('k', Infinity)));
  assert.is(kernelKey(lit('k', 1.5)), JSON.stringify(lit('k', 1.5)));
});

test('kernel identity tells apart where a non-finite literal and a null sit', () => {
  const two = (a: unknown, b: unknown) => ({ name: 'k', workgroup: 1, buffers: [], uniforms: [], shared: [], body: [{ k: 'let', name: 'x', v: { k: 'call', t: 'f32', fn: 'max', args: [a, b] } }] }) as never;
  assert.is.not(kernelKey(two(-Infinity, null)), kernelKey(two(null, -Infinity)));
  assert.is.not(kernelKey(two(NaN, null)), kernelKey(two(null, null)));
  assert.is(kernelKey(two(-Infinity, null)), kernelKey(two(-Infinity, null)));
});

test('kernel identity groups the launches of BERT exactly as their JSON with non-finite numbers spelled out does', () => {
  const spelled = (k: unknown) => JSON.stringify(k, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
  const s = scheduleGraph(compileGraph(BERT_SOURCE, { entry: 'BertModel', config: SMALL }));
  const keys = s.launches.map((l) => kernelKey(l.kernel));
  const texts = s.launches.map((l) => spelled(l.kernel));
  assert.ok(texts.some((t) => t.includes('Infinity')), 'some kernel holds a non-finite literal');
  for (let i = 0; i < keys.length; i++) for (let j = 0; j < keys.length; j++) assert.is(keys[i] === keys[j], texts[i] === texts[j], `launches ${i} and ${j}`);
});

test('every BERT entry lowers to kernels that pass the kernel IR checks', () => {
  for (const entry of ['BertForPreTraining', 'BertForMultipleChoice', 'BertForQuestionAnswering']) {
    const s = scheduleGraph(compileGraph(BERT_SOURCE, { entry, config: SMALL }));
    assert.ok(s.launches.length > 0);
    assert.ok(s.launches.every((l) => l.buffers.length === l.kernel.buffers.length && l.uniforms.length === l.kernel.uniforms.length));
  }
});

test('half-precision graph inputs and outputs are refused with the node named', () => {
  const b = new Builder();
  const x = b.input('x', 'f16', [4]);
  assert.throws(() => scheduleGraph(b.graph({ y: b.op(Op.Exp, 'f16', [4], [x]) })), /f16 graph inputs and outputs are not supported \(node %\d+ input\)/);
  const c = new Builder();
  const y = c.input('y', 'f32', [4]);
  assert.throws(() => scheduleGraph(c.graph({ z: c.op(Op.Exp, 'bf16', [4], [y]) })), /bf16 graph inputs and outputs are not supported \(node %\d+ exp\)/);
});

test.run();
