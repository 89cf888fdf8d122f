import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Op } from '../../../compiler/ir/ops.ts';
import type { HostTensor } from '../../../backends/tensor.ts';
import { Builder, assertClose, f32, flat, indices, run1 } from './helpers.ts';

/** Naive matmul in doubles with numpy batch broadcasting. */
function naive(a: HostTensor, b: HostTensor, outShape: number[]): number[] {
  const k = a.shape[a.shape.length - 1]!;
  const out: number[] = [];
  const batchIndex = (idx: number[], shape: number[]) => {
    const batch = shape.slice(0, -2);
    const lead = idx.length - 2 - batch.length;
    return batch.map((d, i) => (d === 1 ? 0 : idx[lead + i]!));
  };
  for (const idx of indices(outShape)) {
    const [i, j] = idx.slice(-2) as [number, number];
    const ab = batchIndex(idx, a.shape);
    const bb = batchIndex(idx, b.shape);
    let s = 0;
    for (let p = 0; p < k; p++) s += a.data[flat([...ab, i, p], a.shape)]! * b.data[flat([...bb, p, j], b.shape)]!;
    out.push(s);
  }
  return out;
}

function runMatmul(aShape: number[], bShape: number[], outShape: number[], accumulate: 'f64' | 'f32' = 'f64', scale = 1) {
  const a = f32(aShape, 21, scale);
  const b = f32(bShape, 22, scale);
  const g = new Builder();
  const x = g.input('a', 'f32', aShape);
  const y = g.input('b', 'f32', bShape);
  const got = run1(g.graph({ out: g.op(Op.MatMul, 'f32', outShape, [x, y]) }), { a, b }, undefined, { accumulate });
  return { got, expected: naive(a, b, outShape) };
}

test('2-D matmul with odd sizes [3, 5] x [5, 7]', () => {
  const { got, expected } = runMatmul([3, 5], [5, 7], [3, 7]);
  assert.equal(got.shape, [3, 7]);
  assertClose(got.data, expected.map(Math.fround), 0, 0);
});

test('batched matmul broadcasts batch dims: [2, 1, 3, 4] x [3, 4, 5] -> [2, 3, 3, 5]', () => {
  const { got, expected } = runMatmul([2, 1, 3, 4], [3, 4, 5], [2, 3, 3, 5]);
  assertClose(got.data, expected.map(Math.fround), 0, 0);
});

test('batched matmul with a shared right operand: [2, 3, 6, 5] x [5, 1]', () => {
  const { got, expected } = runMatmul([2, 3, 6, 5], [5, 1], [2, 3, 6, 1]);
  assertClose(got.data, expected.map(Math.fround), 0, 0);
});

test("accumulate 'f32' differs slightly from 'f64' on a long inner dim, and stays close", () => {
  const f64 = runMatmul([3, 4099], [4099, 5], [3, 5], 'f64', 10);
  const f32 = runMatmul([3, 4099], [4099, 5], [3, 5], 'f32', 10);
  assertClose(f64.got.data, f64.expected.map(Math.fround), 0, 0, 'f64 is the double sum rounded once');
  assertClose(f32.got.data, f64.expected, 1e-4, 1e-3, 'f32 stays close');
  assert.ok([...f32.got.data].some((v, i) => v !== f64.got.data[i]), 'f32 accumulation rounds partial sums');
});

test.run();
