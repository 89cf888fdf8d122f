import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Op, type DType } from '../../../compiler/ir/ops.ts';
import { hostTensor } from '../../../backends/tensor.ts';
import { erf } from '../../../backends/cpu/index.ts';
import { binary, unary } from '../../../backends/cpu/elementwise.ts';
import { Builder, assertClose, f32, flat, indices, run1, throwsUser } from './helpers.ts';

const fr = Math.fround;

function runUnary(op: Op, x: number[], inDtype: DType = 'f32', outDtype: DType = inDtype) {
  const b = new Builder();
  const inp = b.input('x', inDtype, [x.length]);
  return run1(b.graph({ out: b.op(op, outDtype, [x.length], [inp]) }), { x: hostTensor(inDtype, [x.length], x) }).data;
}

const erfRef = (x: number) => erf(x);
const UNARY: [Op, (x: number) => number][] = [
  [Op.Neg, (x) => -x],
  [Op.Abs, Math.abs],
  [Op.Exp, Math.exp],
  [Op.Log, (x) => Math.log(Math.abs(x))], // fed |x| below
  [Op.Sqrt, (x) => Math.sqrt(Math.abs(x))],
  [Op.Rsqrt, (x) => 1 / Math.sqrt(Math.abs(x))],
  [Op.Tanh, Math.tanh],
  [Op.Erf, erfRef],
  [Op.Sigmoid, (x) => 1 / (1 + Math.exp(-x))],
  [Op.Relu, (x) => Math.max(0, x)],
  [Op.Gelu, (x) => 0.5 * x * (1 + erf(x / Math.SQRT2))],
  [Op.GeluTanh, (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)))],
  [Op.Silu, (x) => x / (1 + Math.exp(-x))],
];

test('unary float ops match their double formulas rounded to f32', () => {
  const x = [...f32([37], 3, 3).data];
  for (const [op, ref] of UNARY) {
    const positive = op === Op.Log || op === Op.Sqrt || op === Op.Rsqrt;
    const xs = positive ? x.map(Math.abs) : x;
    const got = runUnary(op, xs);
    assert.equal([...got], xs.map((v) => fr(ref(v))), op);
  }
});

test('erf matches reference values to a few ulp', () => {
  const cases: [number, number][] = [
    [0.5, 0.5204998778130465],
    [-2, -0.9953222650189527],
    [1e-5, 1.1283791670579e-5],
    [1, 0.8427007929497149],
    [0.25, 0.27632639016823696],
    [3.5, 0.9999992569016276],
    [-0.46875, -0.49261347321793797],
    [4.5, 0.9999999998033839],
    [-1.7, -0.9837904585907745],
    [6, 1],
  ];
  for (const [x, e] of cases) assert.ok(Math.abs(erf(x) - e) <= 5e-16 * Math.abs(e), `erf(${x}) = ${erf(x)}, expected ${e}`);
  assert.is(erf(0), 0);
  assert.is(erf(Infinity), 1);
  assert.is(erf(-Infinity), -1);
  assert.ok(Number.isNaN(erf(NaN)));
});

test('gelu and gelu_tanh at known points', () => {
  const [g1, gm1] = runUnary(Op.Gelu, [1, -1]);
  assert.is(g1, fr(0.8413447460685429));
  assert.is(gm1, fr(-0.15865525393145705));
  const [t1] = runUnary(Op.GeluTanh, [1]);
  assert.is(t1, fr(0.8411919906082768));
});

test('integer neg/abs/relu stay i32; not on bool; cast rules', () => {
  assert.equal([...runUnary(Op.Neg, [3, -4, -(2 ** 31)], 'i32')], [-3, 4, -(2 ** 31)]);
  assert.equal([...runUnary(Op.Abs, [3, -4], 'i32')], [3, 4]);
  assert.equal([...runUnary(Op.Relu, [3, -4], 'i32')], [3, 0]);
  assert.equal([...runUnary(Op.Not, [0, 1, 1], 'bool')], [1, 0, 0]);
  assert.equal([...runUnary(Op.Cast, [-2.7, 2.7, -0.5, 7], 'f32', 'i32')], [-2, 2, 0, 7]);
  assert.equal([...runUnary(Op.Cast, [0, 1, 1], 'bool', 'f32')], [0, 1, 1]);
  assert.equal([...runUnary(Op.Cast, [0, -0.25], 'f32', 'bool')], [0, 1]);
  assert.equal([...unary(Op.Cast, 'bool', hostTensor('f32', [1], [NaN]))], [1]); // NaN is "not zero", as in torch
  assert.equal([...runUnary(Op.Cast, [5, -3], 'i32', 'f32')], [5, -3]);
  assert.equal([...runUnary(Op.Cast, [0.1, 70000], 'f32', 'f16')], [0.0999755859375, Infinity]);
  assert.equal([...runUnary(Op.Cast, [0.1], 'f32', 'bf16')], [0.10009765625]);
});

test('binary float ops broadcast numpy-style ([2,1,5] with [3,1] -> [2,3,5])', () => {
  const a = f32([2, 1, 5], 4);
  const bt = f32([3, 1], 5);
  const fns: [Op, (x: number, y: number) => number][] = [
    [Op.Add, (x, y) => x + y],
    [Op.Sub, (x, y) => x - y],
    [Op.Mul, (x, y) => x * y],
    [Op.Div, (x, y) => x / y],
    [Op.Max, Math.max],
    [Op.Min, Math.min],
    [Op.Pow, (x, y) => Math.abs(x) ** y],
  ];
  for (const [op, fn] of fns) {
    const b = new Builder();
    const x = b.input('a', 'f32', [2, 1, 5]);
    const y = b.input('b', 'f32', [3, 1]);
    const src = op === Op.Pow ? b.op(Op.Abs, 'f32', [2, 1, 5], [x]) : x;
    const got = run1(b.graph({ out: b.op(op, 'f32', [2, 3, 5], [src, y]) }), { a, b: bt });
    assert.equal(got.shape, [2, 3, 5]);
    for (const [i, j, k] of indices([2, 3, 5])) {
      const e = fr(fn(a.data[flat([i!, 0, k!], [2, 1, 5])]!, bt.data[j!]!));
      assert.is(got.data[flat([i!, j!, k!], [2, 3, 5])], e, `${op} at ${i},${j},${k}`);
    }
  }
});

test('binary with a scalar [] operand and comparisons producing bool', () => {
  const a = f32([3, 4], 6);
  const ops: [Op, (x: number, y: number) => boolean][] = [
    [Op.Lt, (x, y) => x < y],
    [Op.Le, (x, y) => x <= y],
    [Op.Gt, (x, y) => x > y],
    [Op.Ge, (x, y) => x >= y],
    [Op.Eq, (x, y) => x === y],
    [Op.Ne, (x, y) => x !== y],
  ];
  const s = a.data[5]!;
  for (const [op, fn] of ops) {
    const b = new Builder();
    const x = b.input('a', 'f32', [3, 4]);
    const y = b.input('s', 'f32', []);
    const got = run1(b.graph({ out: b.op(op, 'bool', [3, 4], [x, y]) }), { a, s: hostTensor('f32', [], [s]) });
    assert.ok(got.data instanceof Uint8Array);
    assert.equal([...got.data], [...a.data].map((v) => (fn(v, s) ? 1 : 0)), op);
  }
});

test('i32 arithmetic: wrapping add/mul, truncating div, division by zero', () => {
  const run = (op: Op, xs: number[], ys: number[]) => {
    const b = new Builder();
    const x = b.input('x', 'i32', [xs.length]);
    const y = b.input('y', 'i32', [ys.length]);
    const g = b.graph({ out: b.op(op, 'i32', [xs.length], [x, y]) });
    return [...run1(g, { x: hostTensor('i32', [xs.length], xs), y: hostTensor('i32', [ys.length], ys) }).data];
  };
  assert.equal(run(Op.Add, [2 ** 31 - 1, 5], [1, -7]), [-(2 ** 31), -2]);
  assert.equal(run(Op.Sub, [5, -(2 ** 31)], [7, 1]), [-2, 2 ** 31 - 1]);
  assert.equal(run(Op.Mul, [65537, -3], [65537, 4]), [Math.imul(65537, 65537), -12]);
  assert.equal(run(Op.Div, [7, -7, 7, -7], [2, 2, -2, -2]), [3, -3, -3, 3]);
  assert.equal(run(Op.Max, [1, -5], [0, -2]), [1, -2]);
  assert.equal(run(Op.Pow, [3, 2], [4, 10]), [81, 1024]);
  throwsUser(() => run(Op.Div, [1], [0]), /integer division by zero/);
});

test('and/or on bool; where broadcasting all three operands', () => {
  const logic = (op: Op) => {
    const b = new Builder();
    const p = b.input('p', 'bool', [4]);
    const q = b.input('q', 'bool', [4]);
    const g = b.graph({ out: b.op(op, 'bool', [4], [p, q]) });
    return [...run1(g, { p: hostTensor('bool', [4], [0, 0, 1, 1]), q: hostTensor('bool', [4], [0, 1, 0, 1]) }).data];
  };
  assert.equal(logic(Op.And), [0, 0, 0, 1]);
  assert.equal(logic(Op.Or), [0, 1, 1, 1]);

  const w = new Builder();
  const c = w.input('c', 'bool', [3, 1]);
  const x = w.input('x', 'f32', [1, 4]);
  const y = w.input('y', 'f32', []);
  const cond = hostTensor('bool', [3, 1], [1, 0, 1]);
  const xv = f32([1, 4], 8);
  const got = run1(w.graph({ out: w.op(Op.Where, 'f32', [3, 4], [c, x, y]) }), { c: cond, x: xv, y: hostTensor('f32', [], [-9]) });
  const expected = [...indices([3, 4])].map(([i, j]) => (cond.data[i!] ? xv.data[j!]! : -9));
  assertClose(got.data, expected, 0, 0);
});

test('pow follows C at the edges; max/min propagate NaN (kernels called directly: NaN inputs are rejected)', () => {
  const t = (xs: number[]) => hostTensor('f32', [xs.length], xs);
  const pow = binary(Op.Pow, 'f32', [5], t([1, -1, NaN, 2, -8]), t([NaN, Infinity, 0, -1, 1 / 3]));
  assert.equal([...pow], [1, 1, 1, 0.5, NaN]);
  assert.equal([...binary(Op.Max, 'f32', [2], t([NaN, 1]), t([1, NaN]))], [NaN, NaN]);
  assert.equal([...binary(Op.Min, 'f32', [2], t([NaN, 1]), t([1, 2]))], [NaN, 1]);
});

test.run();
