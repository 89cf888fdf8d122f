/**
 * Every graph op's WGSL kernel against the CPU reference, at odd sizes (3, 50, 783) so no tile, vector width or
 * workgroup divides them, with broadcasting on every side; fp32 relative error ≤ 1e-4, integers and booleans exact.
 */
import { test } from 'uvu';
import { hostTensor, type HostTensor } from '../../../backends/tensor.ts';
import type { DType } from '../../../compiler/ir/ops.ts';
import { Op } from '../../../compiler/ir/ops.ts';
import { Builder, randoms, type ShapeSpec } from '../../backends/cpu/helpers.ts';
import { compareWithCpu } from './helpers.ts';

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Floats in ±[lo, hi) (never zero), from a seed. */
function floats(shape: number[], seed: number, scale = 1, positive = false): HostTensor {
  const v = randoms(size(shape), seed, scale);
  return hostTensor('f32', shape, Float32Array.from(positive ? v.map(Math.abs) : v));
}

function ints(shape: number[], seed: number, lo: number, hi: number): HostTensor {
  return hostTensor('i32', shape, Int32Array.from(randoms(size(shape), seed), (u) => lo + (Math.floor(Math.abs(u) * 1e6) % (hi - lo))));
}

function bools(shape: number[], seed: number): HostTensor {
  return hostTensor('bool', shape, Uint8Array.from(randoms(size(shape), seed), (u) => (u > 0 ? 1 : 0)));
}

/** A one-op graph over inputs x0, x1, ... with the given dtypes and shapes. */
function oneOp(op: Op, dtype: DType, outShape: ShapeSpec, srcs: [DType, ShapeSpec][], arg: Record<string, unknown> = {}) {
  const b = new Builder();
  const xs = srcs.map(([t, s], i) => b.input(`x${i}`, t, s));
  return b.graph({ out: b.op(op, dtype, outShape, xs, arg) });
}

const UNARY: [Op, number, boolean][] = [
  [Op.Neg, 3, false], [Op.Abs, 3, false], [Op.Exp, 3, false], [Op.Log, 3, true], [Op.Sqrt, 3, true], [Op.Rsqrt, 3, true],
  [Op.Tanh, 12, false], [Op.Erf, 5, false], [Op.Sigmoid, 12, false], [Op.Relu, 3, false], [Op.Gelu, 5, false],
  [Op.GeluTanh, 5, false], [Op.Silu, 5, false],
];

test('unary float ops at [3, 50, 783] and [783]', async () => {
  for (const [op, scale, positive] of UNARY) {
    await compareWithCpu(oneOp(op, 'f32', [3, 50, 783], [['f32', [3, 50, 783]]]), { x0: floats([3, 50, 783], 1, scale, positive) });
    await compareWithCpu(oneOp(op, 'f32', [783], [['f32', [783]]]), { x0: floats([783], 2, scale, positive) });
  }
});

test('casts between f32, i32 and bool; not', async () => {
  const f = floats([50, 3], 3, 40);
  await compareWithCpu(oneOp(Op.Cast, 'i32', [50, 3], [['f32', [50, 3]]]), { x0: f });
  await compareWithCpu(oneOp(Op.Cast, 'bool', [50, 3], [['f32', [50, 3]]]), { x0: hostTensor('f32', [50, 3], f.data.map((v, i) => (i % 3 === 0 ? 0 : v))) });
  await compareWithCpu(oneOp(Op.Cast, 'f32', [783], [['i32', [783]]]), { x0: ints([783], 4, -500, 500) });
  await compareWithCpu(oneOp(Op.Cast, 'f32', [783], [['bool', [783]]]), { x0: bools([783], 5) });
  await compareWithCpu(oneOp(Op.Not, 'bool', [3, 50], [['bool', [3, 50]]]), { x0: bools([3, 50], 6) });
});

const BINARY = [Op.Add, Op.Sub, Op.Mul, Op.Div, Op.Max, Op.Min];
const BROADCASTS: [number[], number[], number[]][] = [
  [[3, 50, 783], [3, 50, 783], [3, 50, 783]], // same shape, scalar path
  [[3, 50, 784], [3, 50, 784], [3, 50, 784]], // same shape, 4 at a time
  [[3, 50, 783], [783], [3, 50, 783]], // bias-like
  [[3, 50, 783], [50, 1], [3, 50, 783]], // column
  [[3, 1, 783], [1, 50, 1], [3, 50, 783]], // both sides stretch
  [[3, 50, 783], [], [3, 50, 783]], // scalar
];

test('binary float ops with broadcasting on either side', async () => {
  for (const op of BINARY) {
    for (const [i, [a, b, out]] of BROADCASTS.entries()) {
      await compareWithCpu(oneOp(op, 'f32', out, [['f32', a], ['f32', b]]), { x0: floats(a, 10 + i), x1: floats(b, 20 + i) });
    }
  }
});

test('pow with negative bases and integral exponents', async () => {
  const base = floats([50, 3], 7, 3);
  const exps = hostTensor('f32', [3], [2, 3, 0.5]);
  await compareWithCpu(oneOp(Op.Pow, 'f32', [50, 3], [['f32', [50, 3]], ['f32', [3]]]), { x0: base, x1: exps });
});

test('integer arithmetic, comparisons, and/or, where', async () => {
  const a = ints([3, 50], 8, -1000, 1000);
  const b = ints([50], 9, 1, 77);
  for (const op of [Op.Add, Op.Sub, Op.Mul, Op.Div, Op.Max, Op.Min]) {
    await compareWithCpu(oneOp(op, 'i32', [3, 50], [['i32', [3, 50]], ['i32', [50]]]), { x0: a, x1: b });
  }
  const x = floats([3, 50, 783], 11);
  const y = floats([783], 12);
  for (const op of [Op.Lt, Op.Le, Op.Gt, Op.Ge, Op.Eq, Op.Ne]) {
    await compareWithCpu(oneOp(op, 'bool', [3, 50, 783], [['f32', [3, 50, 783]], ['f32', [783]]]), { x0: x, x1: y });
    await compareWithCpu(oneOp(op, 'bool', [3, 50], [['i32', [3, 50]], ['i32', [50]]]), { x0: a, x1: hostTensor('i32', [50], b.data.map((v, i) => (i % 2 ? a.data[i]! : v))) });
  }
  await compareWithCpu(oneOp(Op.And, 'bool', [3, 50], [['bool', [3, 50]], ['bool', [50]]]), { x0: bools([3, 50], 13), x1: bools([50], 14) });
  await compareWithCpu(oneOp(Op.Or, 'bool', [3, 50], [['bool', [3, 50]], ['bool', [3, 1]]]), { x0: bools([3, 50], 15), x1: bools([3, 1], 16) });
  await compareWithCpu(oneOp(Op.Where, 'f32', [3, 50, 783], [['bool', [50, 1]], ['f32', [3, 50, 783]], ['f32', []]]), {
    x0: bools([50, 1], 17), x1: x, x2: hostTensor('f32', [], [-3.4028234663852886e38]),
  });
});

test('reductions over every axis, float and integer', async () => {
  for (const op of [Op.ReduceSum, Op.ReduceMax, Op.ReduceMean]) {
    for (const axis of [0, 1, 2]) {
      const out = [3, 50, 783].map((d, i) => (i === axis ? 1 : d));
      await compareWithCpu(oneOp(op, 'f32', out, [['f32', [3, 50, 783]]], { axis, keepdim: true }), { x0: floats([3, 50, 783], 30 + axis) });
    }
  }
  await compareWithCpu(oneOp(Op.ReduceSum, 'i32', [3], [['i32', [3, 50]]], { axis: 1, keepdim: false }), { x0: ints([3, 50], 33, -9, 9) });
  await compareWithCpu(oneOp(Op.ReduceMax, 'i32', [50], [['i32', [3, 50]]], { axis: 0, keepdim: false }), { x0: ints([3, 50], 34, -9, 9) });
  await compareWithCpu(oneOp(Op.ReduceSum, 'i32', [3], [['bool', [3, 50]]], { axis: 1, keepdim: false }), { x0: bools([3, 50], 35) });
});

test('softmax over rows of 3, 50 and 783, with fully masked rows', async () => {
  for (const n of [3, 50, 783]) {
    // where(keep, x, mask) then softmax: rows with nothing kept are all -inf (uniform result) or all finfo.min
    const b = new Builder();
    const x = b.input('x', 'f32', [3, 50, n]);
    const keep = b.input('keep', 'bool', [3, 50, 1]);
    for (const fill of [-Infinity, -3.4028234663852886e38]) {
      const masked = b.op(Op.Where, 'f32', [3, 50, n], [keep, x, b.op(Op.Const, 'f32', [], [], { value: fill })]);
      const g = b.graph({ out: b.op(Op.Softmax, 'f32', [3, 50, n], [masked], { axis: 2 }) });
      await compareWithCpu(g, { x: floats([3, 50, n], 40 + n, 8), keep: bools([3, 50, 1], 41 + n) });
    }
  }
});

test('layer norm at widths 3, 50 and 783, both epsilons', async () => {
  for (const [n, eps] of [[3, 1e-12], [50, 1e-5], [783, 1e-12]] as const) {
    const g = oneOp(Op.LayerNorm, 'f32', [3, 50, n], [['f32', [3, 50, n]], ['f32', [n]], ['f32', [n]]], { eps });
    const x = floats([3, 50, n], 50 + n, 4);
    x.data.forEach((v, i) => (x.data[i] = v + 10)); // a large mean: a one-pass variance must not cancel
    await compareWithCpu(g, { x0: x, x1: floats([n], 51), x2: floats([n], 52) });
  }
});

test('matmul: plain, batch folded into rows, batched, broadcast batch', async () => {
  const cases: [number[], number[], number[]][] = [
    [[3, 50], [50, 783], [3, 783]],
    [[3, 50, 783], [783, 65], [3, 50, 65]],
    [[2, 3, 50, 7], [2, 3, 7, 50], [2, 3, 50, 50]],
    [[3, 1, 50, 33], [1, 4, 33, 17], [3, 4, 50, 17]],
    [[50, 3], [5, 3, 1], [5, 50, 1]],
  ];
  for (const [i, [a, b, out]] of cases.entries()) {
    await compareWithCpu(oneOp(Op.MatMul, 'f32', out, [['f32', a], ['f32', b]]), { x0: floats(a, 60 + i), x1: floats(b, 70 + i) });
  }
});

test('matmul reading transposed operands in place of copying them', async () => {
  const b = new Builder();
  const x = b.input('x', 'f32', [3, 33, 50]);
  const y = b.input('y', 'f32', [3, 17, 33]);
  const w = b.input('w', 'f32', [17, 50]);
  const xt = b.op(Op.Permute, 'f32', [3, 50, 33], [x], { perm: [0, 2, 1] });
  const yt = b.op(Op.Permute, 'f32', [3, 33, 17], [y], { perm: [0, 2, 1] });
  const wt = b.op(Op.Permute, 'f32', [50, 17], [w], { perm: [1, 0] });
  const tt = b.op(Op.MatMul, 'f32', [3, 50, 17], [xt, yt]); // both transposed, batched
  const nt = b.op(Op.MatMul, 'f32', [3, 33, 17], [x, wt]); // Linear's x @ W^T, batch folded into rows
  const tn = b.op(Op.MatMul, 'f32', [3, 50, 50], [xt, x]); // x^T x
  const v = b.input('v', 'f32', [3, 50, 17]);
  const vt = b.op(Op.Permute, 'f32', [3, 17, 50], [v], { perm: [0, 2, 1] });
  const nn = b.op(Op.MatMul, 'f32', [3, 17, 17], [vt, b.op(Op.Exp, 'f32', [3, 50, 17], [v])]);
  const kept = b.op(Op.Neg, 'f32', [3, 17, 50], [vt]); // this transpose has another consumer: it is copied
  const inputs = { x: floats([3, 33, 50], 120), y: floats([3, 17, 33], 121), w: floats([17, 50], 122), v: floats([3, 50, 17], 123) };
  await compareWithCpu(b.graph({ tt, nt, tn, nn, kept }), inputs);
});

test('gather rows of a table, and from a 1-D table', async () => {
  await compareWithCpu(oneOp(Op.Gather, 'f32', [3, 50, 50], [['f32', [783, 50]], ['i32', [3, 50]]], { what: 'ids' }), { x0: floats([783, 50], 80), x1: ints([3, 50], 81, 0, 783) });
  await compareWithCpu(oneOp(Op.Gather, 'i32', [50, 3], [['i32', [783]], ['i32', [50, 3]]]), { x0: ints([783], 82, -5, 5), x1: ints([50, 3], 83, 0, 783) });
});

test('permute, expand, slice and concat', async () => {
  const x = floats([3, 50, 783], 90);
  await compareWithCpu(oneOp(Op.Permute, 'f32', [783, 3, 50], [['f32', [3, 50, 783]]], { perm: [2, 0, 1] }), { x0: x });
  await compareWithCpu(oneOp(Op.Permute, 'f32', [50, 3, 783], [['f32', [3, 50, 783]]], { perm: [1, 0, 2] }), { x0: x });
  await compareWithCpu(oneOp(Op.Expand, 'f32', [3, 50, 783], [['f32', [50, 1]]]), { x0: floats([50, 1], 91) });
  await compareWithCpu(oneOp(Op.Slice, 'f32', [3, 36, 783], [['f32', [3, 50, 783]]], { axis: 1, start: 7, end: 43 }), { x0: x });
  await compareWithCpu(oneOp(Op.Slice, 'i32', [3, 50, 1], [['i32', [3, 50, 783]]], { axis: 2, start: 782, end: 783 }), { x0: ints([3, 50, 783], 92, -9, 9) });
  const parts: [DType, ShapeSpec][] = [['f32', [3, 50, 7]], ['f32', [3, 13, 7]], ['f32', [3, 0, 7]], ['f32', [3, 1, 7]]];
  await compareWithCpu(oneOp(Op.Concat, 'f32', [3, 64, 7], parts, { axis: 1 }), {
    x0: floats([3, 50, 7], 93), x1: floats([3, 13, 7], 94), x2: floats([3, 0, 7], 95), x3: floats([3, 1, 7], 96),
  });
});

test('cross-entropy with ignored labels, over 3, 50 and 783 classes', async () => {
  for (const c of [3, 50, 783]) {
    const labels = ints([50], 100 + c, 0, c);
    labels.data[3] = -100;
    labels.data[17] = -100;
    await compareWithCpu(oneOp(Op.CrossEntropy, 'f32', [], [['f32', [50, c]], ['i32', [50]]], { ignoreIndex: -100 }), { x0: floats([50, c], 110 + c, 6), x1: labels });
  }
});

test.run();
