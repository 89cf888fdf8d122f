import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Op } from '../../../compiler/ir/ops.ts';
import { hostTensor } from '../../../backends/tensor.ts';
import { runGraph } from '../../../backends/cpu/index.ts';
import { Builder, assertClose, f32, randoms, run1, throwsUser } from './helpers.ts';

const [B, S, H, V] = [2, 3, 4, 5];
const FMIN = -3.4028234663852886e38;

/** Embeddings + LayerNorm + one masked single-head self-attention, with symbolic B and S. */
function tinyEncoder() {
  const b = new Builder();
  const ids = b.input('input_ids', 'i32', ['B', 'S'], { range: [0, V] });
  const mask = b.input('attention_mask', 'i32', ['B', 'S'], { fill: 1 });
  const emb = b.op(Op.Gather, 'f32', ['B', 'S', H], [b.param('word', 'f32', [V, H]), ids], { what: 'input_ids' });
  const pos = b.op(Op.Gather, 'f32', ['S', H], [b.param('pos', 'f32', [8, H]), b.op(Op.Arange, 'i32', ['S'], [])]);
  const x = b.op(Op.Add, 'f32', ['B', 'S', H], [emb, pos]);
  const ln = b.op(Op.LayerNorm, 'f32', ['B', 'S', H], [x, b.param('ln.w', 'f32', [H]), b.param('ln.b', 'f32', [H])], { eps: 1e-12 });
  const q = b.op(Op.MatMul, 'f32', ['B', 'S', H], [ln, b.param('wq', 'f32', [H, H])]);
  const k = b.op(Op.MatMul, 'f32', ['B', 'S', H], [ln, b.param('wk', 'f32', [H, H])]);
  const kt = b.op(Op.Permute, 'f32', ['B', H, 'S'], [k], { perm: [0, 2, 1] });
  const raw = b.op(Op.MatMul, 'f32', ['B', 'S', 'S'], [q, kt]);
  const scores = b.op(Op.Mul, 'f32', ['B', 'S', 'S'], [raw, b.op(Op.Const, 'f32', [], [], { value: 0.5 })]);
  const m = b.op(Op.Reshape, 'f32', ['B', 1, 'S'], [b.op(Op.Cast, 'f32', ['B', 'S'], [mask])]);
  const inv = b.op(Op.Sub, 'f32', ['B', 1, 'S'], [b.op(Op.Const, 'f32', [], [], { value: 1 }), m]);
  const bias = b.op(Op.Mul, 'f32', ['B', 1, 'S'], [inv, b.op(Op.Const, 'f32', [], [], { value: FMIN })]);
  const probs = b.op(Op.Softmax, 'f32', ['B', 'S', 'S'], [b.op(Op.Add, 'f32', ['B', 'S', 'S'], [scores, bias])], { axis: 2 });
  const ctx = b.op(Op.MatMul, 'f32', ['B', 'S', H], [probs, ln]);
  return { graph: b.graph({ hidden: ctx, probs, also_hidden: ctx }), probs };
}

const weights = new Map<string, Float32Array>([
  ['word', Float32Array.from(randoms(V * H, 41))],
  ['pos', Float32Array.from(randoms(8 * H, 42))],
  ['ln.w', Float32Array.from(randoms(H, 43))],
  ['ln.b', Float32Array.from(randoms(H, 44))],
  ['wq', Float32Array.from(randoms(H * H, 45))],
  ['wk', Float32Array.from(randoms(H * H, 46))],
]);

/** The same computation written out in doubles. */
function manual(ids: number[], mask: number[]): { hidden: number[]; probs: number[] } {
  const w = (name: string, i: number) => weights.get(name)![i]!;
  const hidden: number[] = [];
  const probs: number[] = [];
  for (let bi = 0; bi < B; bi++) {
    const ln = [...Array(S).keys()].map((s) => {
      const x = [...Array(H).keys()].map((h) => w('word', ids[bi * S + s]! * H + h) + w('pos', s * H + h));
      const mean = x.reduce((a, v) => a + v, 0) / H;
      const variance = x.reduce((a, v) => a + (v - mean) ** 2, 0) / H;
      return x.map((v, h) => ((v - mean) / Math.sqrt(variance + 1e-12)) * w('ln.w', h) + w('ln.b', h));
    });
    const proj = (name: string) => ln.map((row) => [...Array(H).keys()].map((j) => row.reduce((a, v, i) => a + v * w(name, i * H + j), 0)));
    const q = proj('wq');
    const k = proj('wk');
    for (let i = 0; i < S; i++) {
      const sc = [...Array(S).keys()].map((j) => 0.5 * q[i]!.reduce((a, v, h) => a + v * k[j]![h]!, 0) + (1 - mask[bi * S + j]!) * FMIN);
      const mx = Math.max(...sc);
      const e = sc.map((v) => Math.exp(v - mx));
      const sum = e.reduce((a, v) => a + v, 0);
      const p = e.map((v) => v / sum);
      probs.push(...p);
      for (let h = 0; h < H; h++) hidden.push(p.reduce((a, v, j) => a + v * ln[j]![h]!, 0));
    }
  }
  return { hidden, probs };
}

test('a tiny encoder matches the same computation written out by hand (both accumulation modes)', () => {
  const { graph } = tinyEncoder();
  const ids = [1, 4, 0, 3, 3, 2];
  const mask = [1, 1, 0, 1, 0, 0];
  const expected = manual(ids, mask);
  for (const accumulate of ['f64', 'f32'] as const) {
    const out = runGraph(graph, { input_ids: hostTensor('i32', [B, S], ids), attention_mask: hostTensor('i32', [B, S], mask) }, weights, { accumulate });
    assert.equal(out['hidden']!.shape, [B, S, H]);
    assert.equal(out['probs']!.shape, [B, S, S]);
    assertClose(out['hidden']!.data, expected.hidden, 1e-5, 1e-6, `hidden (${accumulate})`);
    assertClose(out['probs']!.data, expected.probs, 1e-5, 1e-7, `probs (${accumulate})`);
    assert.is(out['also_hidden'], out['hidden'], 'two names for one node share one tensor');
  }
  // Omitted mask: filled with 1 from the bound shape.
  const full = runGraph(graph, { input_ids: hostTensor('i32', [B, S], ids) }, weights);
  assertClose(full['hidden']!.data, manual(ids, [1, 1, 1, 1, 1, 1]).hidden, 1e-5, 1e-6);
  throwsUser(() => runGraph(graph, { input_ids: hostTensor('i32', [B, S], [0, 1, 2, 3, 4, 5]) }, weights), 'input "input_ids" has value 5 at [1, 2], outside [0, 5)');
});

test('keep returns accepted intermediates under %<id>', () => {
  const { graph, probs } = tinyEncoder();
  const ids = hostTensor('i32', [B, S], [1, 4, 0, 3, 3, 2]);
  const out = runGraph(graph, { input_ids: ids }, weights, { keep: (n) => n.op === Op.Softmax || n.op === Op.Arange });
  const keys = Object.keys(out).sort();
  assert.equal(keys.filter((k) => k.startsWith('%')).length, 2);
  assert.equal([...out[`%${probs.id}`]!.data], [...out['probs']!.data]);
  const arange = keys.find((k) => k.startsWith('%') && k !== `%${probs.id}`)!;
  assert.equal([...out[arange]!.data], [0, 1, 2]);
});

test('f16 and bf16 nodes store values rounded to their precision; caller data is not modified', () => {
  const b = new Builder();
  const x = b.input('x', 'f16', [3]);
  const w = b.param('w', 'bf16', [3]);
  const sum = b.op(Op.Add, 'f16', [3], [x, b.op(Op.Cast, 'f16', [3], [w])]);
  const g = b.graph({ out: sum, x, w });
  const xs = Float32Array.from([0.1, 1 / 3, 1000.7]);
  const ws = Float32Array.from([0.1, 1e-3, 3.14159]);
  const out = runGraph(g, { x: hostTensor('f16', [3], xs) }, new Map([['w', ws]]));
  assert.equal([...out['x']!.data], [0.0999755859375, 0.333251953125, 1000.5]);
  assert.equal([...out['w']!.data], [0.10009765625, 0.00099945068359375, 3.140625]);
  assert.equal([...out['out']!.data], [0.2000732421875, 0.334228515625, 1003.5]);
  assert.equal([...xs], [Math.fround(0.1), Math.fround(1 / 3), Math.fround(1000.7)]);
  assert.equal([...ws], [Math.fround(0.1), Math.fround(1e-3), Math.fround(3.14159)]);
});

test('const and arange leaves; an unknown accumulate mode is rejected', () => {
  const b = new Builder();
  const s = b.input('s', 'f32', ['S']);
  const ar = b.op(Op.Arange, 'i32', ['S'], []);
  const c = b.op(Op.Const, 'bool', [2, 'S'], [], { value: true });
  const g = b.graph({ out: ar, c, s });
  const r = runGraph(g, { s: f32([4]) }, new Map());
  assert.equal([...r['out']!.data], [0, 1, 2, 3]);
  assert.equal([...r['c']!.data], [1, 1, 1, 1, 1, 1, 1, 1]);
  throwsUser(() => run1(g, { s: f32([4]) }, new Map(), { accumulate: 'f16' as 'f32' }), "accumulate must be 'f64' or 'f32', not f16");
});

test.run();
