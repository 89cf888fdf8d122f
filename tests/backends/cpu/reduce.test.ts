import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Op } from '../../../compiler/ir/ops.ts';
import type { Graph } from '../../../compiler/ir/graph.ts';
import { hostTensor, type HostTensor } from '../../../backends/tensor.ts';
import { runGraph } from '../../../backends/cpu/index.ts';
import { Builder, assertClose, f32, flat, indices, run1, throwsUser } from './helpers.ts';

const fr = Math.fround;

test('reduce sum/mean/max over each axis of [3, 4, 5], with and without keepdim', () => {
  const shape = [3, 4, 5];
  const x = f32(shape, 11);
  for (let axis = 0; axis < 3; axis++) {
    for (const keepdim of [false, true]) {
      const outShape = keepdim ? shape.map((d, i) => (i === axis ? 1 : d)) : shape.filter((_, i) => i !== axis);
      for (const op of [Op.ReduceSum, Op.ReduceMean, Op.ReduceMax]) {
        const b = new Builder();
        const inp = b.input('x', 'f32', shape);
        const got = run1(b.graph({ out: b.op(op, 'f32', outShape, [inp], { axis, keepdim }) }), { x });
        const expected: number[] = [];
        const kept = shape.map((d, i) => (i === axis ? 1 : d));
        for (const idx of indices(kept)) {
          const vals = [...Array(shape[axis]).keys()].map((k) => x.data[flat(idx.map((v, i) => (i === axis ? k : v)), shape)]!);
          const sum = vals.reduce((s, v) => s + v, 0);
          expected.push(fr(op === Op.ReduceSum ? sum : op === Op.ReduceMean ? sum / vals.length : Math.max(...vals)));
        }
        assert.equal(got.shape, outShape);
        assertClose(got.data, expected, 0, 0, `${op} axis ${axis}`);
      }
    }
  }
});

test('reduce sum of i32 and bool stays exact', () => {
  const b = new Builder();
  const m = b.input('m', 'bool', [2, 3]);
  const ids = b.input('ids', 'i32', [2, 3]);
  const g = b.graph({
    out: b.op(Op.ReduceSum, 'i32', [2], [m], { axis: 1, keepdim: false }),
    ids: b.op(Op.ReduceSum, 'i32', [3], [ids], { axis: 0, keepdim: false }),
  });
  const inputs = { m: hostTensor('bool', [2, 3], [1, 0, 1, 1, 1, 1]), ids: hostTensor('i32', [2, 3], [1e9, 5, -7, 1e9, 6, 7]) };
  assert.equal([...run1(g, inputs).data], [2, 3]);
});

/** Softmax of one row in doubles. */
function softmaxRow(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, v) => a + v, 0);
  return e.map((v) => v / s);
}

test('softmax over the last axis of [2, 3, 7] matches the double formula', () => {
  const x = f32([2, 3, 7], 12, 4);
  const b = new Builder();
  const inp = b.input('x', 'f32', [2, 3, 7]);
  const got = run1(b.graph({ out: b.op(Op.Softmax, 'f32', [2, 3, 7], [inp], { axis: 2 }) }), { x });
  const expected = [...Array(6).keys()].flatMap((r) => softmaxRow([...x.data.slice(r * 7, r * 7 + 7)]));
  assertClose(got.data, expected.map(fr), 0, 0);
});

test('softmax with masked rows: -3.4e38 and -Infinity masks give uniform rows, partial masks give zeros', () => {
  // scores [3, 5] + mask built inside the graph (inputs must be finite, so -Infinity comes from log(0)).
  const b = new Builder();
  const s = b.input('s', 'f32', [3, 5]);
  const keep = b.input('keep', 'f32', [3, 5]);
  const logKeep = b.op(Op.Log, 'f32', [3, 5], [keep]); // 0 for kept, -Infinity for masked
  const infMasked = b.op(Op.Add, 'f32', [3, 5], [s, logKeep]);
  const big = b.op(Op.Const, 'f32', [], [], { value: -3.4e38 });
  const zero = b.op(Op.Const, 'f32', [], [], { value: 0 });
  const isMasked = b.op(Op.Eq, 'bool', [3, 5], [keep, zero]);
  const finMasked = b.op(Op.Where, 'f32', [3, 5], [isMasked, big, s]);
  const g = b.graph({
    inf: b.op(Op.Softmax, 'f32', [3, 5], [infMasked], { axis: 1 }),
    fin: b.op(Op.Softmax, 'f32', [3, 5], [finMasked], { axis: 1 }),
  });
  const sv = f32([3, 5], 13, 3);
  const kv = hostTensor('f32', [3, 5], [1, 1, 0, 1, 0, /**/ 0, 0, 0, 0, 0, /**/ 1, 1, 1, 1, 1]);
  for (const acc of ['f64', 'f32'] as const) {
    const out = (name: string) => runGraphOut(g, { s: sv, keep: kv }, name, acc);
    for (const name of ['inf', 'fin']) {
      const got = out(name);
      const row0 = softmaxRow([sv.data[0]!, sv.data[1]!, sv.data[3]!]);
      assertClose(got.slice(0, 5), [row0[0]!, row0[1]!, 0, row0[2]!, 0], 1e-6, 0, `${name} row 0`);
      assertClose(got.slice(5, 10), [0.2, 0.2, 0.2, 0.2, 0.2], 1e-7, 0, `${name} masked row (${acc})`);
      assertClose(got.slice(10), softmaxRow([...sv.data.slice(10)]), 1e-6, 0, `${name} row 2`);
    }
  }
});

function runGraphOut(g: Graph, inputs: Record<string, HostTensor>, name: string, accumulate: 'f64' | 'f32'): number[] {
  return [...runGraph(g, inputs, new Map(), { accumulate })[name]!.data];
}

test('layer norm over the last axis matches a manual computation (biased variance)', () => {
  const shape = [2, 3, 9];
  const x = f32(shape, 14, 2);
  const w = f32([9], 15);
  const bias = f32([9], 16);
  const b = new Builder();
  const inp = b.input('x', 'f32', shape);
  const ln = b.op(Op.LayerNorm, 'f32', shape, [inp, b.param('ln.weight', 'f32', [9]), b.param('ln.bias', 'f32', [9])], { eps: 1e-12 });
  const weights = new Map([['ln.weight', w.data as Float32Array], ['ln.bias', bias.data as Float32Array]]);
  for (const accumulate of ['f64', 'f32'] as const) {
    const got = run1(b.graph({ out: ln }), { x }, weights, { accumulate });
    const expected: number[] = [];
    for (let r = 0; r < 6; r++) {
      const row = [...x.data.slice(r * 9, r * 9 + 9)];
      const mean = row.reduce((a, v) => a + v, 0) / 9;
      const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / 9;
      row.forEach((v, j) => expected.push(((v - mean) / Math.sqrt(variance + 1e-12)) * w.data[j]! + bias.data[j]!));
    }
    assertClose(got.data, expected, accumulate === 'f64' ? 1e-7 : 1e-6, 1e-7, accumulate);
  }
});

test('cross entropy: mean over kept rows, ignore index, NaN with no kept row, label range error', () => {
  const logits = f32([4, 6], 17, 3);
  const lossOf = (labels: number[], ignoreIndex?: number) => {
    const b = new Builder();
    const l = b.input('logits', 'f32', [4, 6]);
    const y = b.input('labels', 'i32', [4]);
    const arg = ignoreIndex === undefined ? {} : { ignoreIndex };
    const g = b.graph({ out: b.op(Op.CrossEntropy, 'f32', [], [l, y], arg) });
    return run1(g, { logits, labels: hostTensor('i32', [4], labels) });
  };
  const manual = (labels: number[], ignore: number) => {
    let total = 0;
    let n = 0;
    labels.forEach((lab, r) => {
      if (lab === ignore) return;
      const row = [...logits.data.slice(r * 6, r * 6 + 6)];
      const m = Math.max(...row);
      total += m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0)) - row[lab]!;
      n++;
    });
    return total / n;
  };
  const got = lossOf([1, -100, 5, 0]);
  assert.equal(got.shape, []);
  assertClose(got.data, [manual([1, -100, 5, 0], -100)], 1e-6);
  assertClose(lossOf([1, 3, 3, 0], 3).data, [manual([1, 3, 3, 0], 3)], 1e-6);
  assert.ok(Number.isNaN(lossOf([-100, -100, -100, -100]).data[0]!));
  throwsUser(() => lossOf([1, 6, 0, 0]), 'cross_entropy: label 6 at [1] is outside [0, 6) (ignore index -100)');
});

test.run();
