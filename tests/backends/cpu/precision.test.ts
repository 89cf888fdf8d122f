import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hostTensor, sizeOf, stridesOf, unravelIndex } from '../../../backends/tensor.ts';
import { roundBf16, roundF16 } from '../../../backends/cpu/index.ts';
import { broadcastShapes } from '../../../backends/cpu/indexing.ts';
import { bf16BitsToF32, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from '../../../runtime/weights/half.ts';
import { randoms } from './helpers.ts';

test('host tensor helpers', () => {
  assert.is(sizeOf([]), 1);
  assert.is(sizeOf([2, 3, 4]), 24);
  assert.is(sizeOf([2, 0]), 0);
  assert.equal(stridesOf([2, 3, 4]), [12, 4, 1]);
  assert.equal(stridesOf([]), []);
  assert.equal(unravelIndex(23, [2, 3, 4]), [1, 2, 3]);
  const t = hostTensor('i32', [2, 2], [1, 2, 3, 4]);
  assert.ok(t.data instanceof Int32Array);
  assert.ok(hostTensor('bool', [3]).data instanceof Uint8Array);
  assert.ok(hostTensor('bf16', [3]).data instanceof Float32Array);
  assert.throws(() => hostTensor('f32', [2, 2], [1, 2, 3]), /3 elements but shape \[2, 2\] needs 4/);
  assert.equal(broadcastShapes([2, 1, 5], [3, 1], []), [2, 3, 5]);
  assert.throws(() => broadcastShapes([2, 3], [4, 3]), /do not broadcast/);
});

test('f16 rounding: nearest even, subnormals, overflow', () => {
  const cases: [number, number][] = [
    [0.1, 0.0999755859375],
    [65504, 65504],
    [65519, 65504],
    [65520, Infinity],
    [-1e6, -Infinity],
    [2 ** -24, 2 ** -24],
    [2 ** -25, 0],
    [3 * 2 ** -25, 2 * 2 ** -24],
    [1 + 2 ** -11, 1], // tie: to even
    [1 + 3 * 2 ** -11, 1 + 2 * 2 ** -10],
  ];
  for (const [x, e] of cases) assert.is(roundF16(x), e, `roundF16(${x})`);
  assert.ok(Number.isNaN(roundF16(NaN)));
  assert.ok(Object.is(roundF16(-0), -0));
});

test('bf16 rounding: nearest even and overflow', () => {
  assert.is(roundBf16(0.1), 0.10009765625);
  assert.is(roundBf16(1 + 2 ** -8), 1);
  assert.is(roundBf16(1 + 3 * 2 ** -8), 1 + 2 ** -6);
  assert.is(roundBf16(3.4e38), Infinity);
});

test('rounding agrees with the checkpoint converters on random values of every magnitude', () => {
  const xs = randoms(5000, 51).map((v, i) => v * 2 ** ((i % 80) - 40));
  for (const x of xs) {
    assert.is(roundF16(x), f16BitsToF32(f32ToF16Bits(x)), `f16 ${x}`);
    assert.is(roundBf16(x), bf16BitsToF32(f32ToBf16Bits(x)), `bf16 ${x}`);
  }
});

test.run();
