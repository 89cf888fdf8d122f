import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  bf16ArrayToF32,
  bf16BitsToF32,
  f16ArrayToF32,
  f16BitsToF32,
  f32ArrayToBf16,
  f32ArrayToF16,
  f32ToBf16Bits,
  f32ToF16Bits,
} from '../../../runtime/weights/half.ts';
import { randomFloats } from './helpers.ts';

const hex = (n: number) => `0x${n.toString(16).padStart(4, '0')}`;

// Expected patterns are the IEEE binary16 encodings (numpy.float16(x).view(np.uint16) gives the same).
const F16_CASES: [number, number][] = [
  [0, 0x0000],
  [-0, 0x8000],
  [1, 0x3c00],
  [-2, 0xc000],
  [0.1, 0x2e66],
  [1 / 3, 0x3555],
  [Math.PI, 0x4248],
  [65504, 0x7bff], // largest finite
  [65519, 0x7bff], // just under the midpoint to 65536: rounds down
  [65520, 0x7c00], // midpoint, ties to even = 2^16, which overflows to Infinity
  [1e6, 0x7c00],
  [-1e6, 0xfc00],
  [Infinity, 0x7c00],
  [-Infinity, 0xfc00],
  [2 ** -14, 0x0400], // smallest normal
  [1023 * 2 ** -24, 0x03ff], // largest subnormal
  [2 ** -24, 0x0001], // smallest subnormal
  [2 ** -25, 0x0000], // half the smallest subnormal: tie to even (0)
  [2 ** -25 * 1.0001, 0x0001], // just above that tie
  [3 * 2 ** -25, 0x0002], // tie between 1 and 2 ulps: to even (2)
  [5 * 2 ** -25, 0x0002], // tie between 2 and 3 ulps: to even (2)
  [-(2 ** -24), 0x8001],
  [1e-10, 0x0000],
  [1 + 2 ** -11, 0x3c00], // tie: to even (1.0)
  [1 + 3 * 2 ** -11, 0x3c02], // tie: to even (1 + 2^-9)
  [1 + 2 ** -11 + 2 ** -20, 0x3c01], // just above the tie
  [2049, 0x6800], // tie between 2048 and 2050: to even (2048)
  [2051, 0x6802], // tie between 2050 and 2052: to even (2052)
  [(2 ** -14) * (1 - 2 ** -12), 0x0400], // rounds up from the subnormal range into the smallest normal
];

test('f32ToF16Bits matches known binary16 encodings, including ties and subnormals', () => {
  for (const [x, bits] of F16_CASES) assert.is(hex(f32ToF16Bits(x)), hex(bits), `f16(${x})`);
});

test('f16 NaN stays NaN (never becomes infinity) and keeps its sign', () => {
  const h = f32ToF16Bits(NaN);
  assert.is(h & 0x7c00, 0x7c00);
  assert.ok((h & 0x3ff) !== 0);
  assert.ok(Number.isNaN(f16BitsToF32(h)));
  // An f32 NaN whose payload lives only in the low 13 bits would truncate to an infinity without the quiet bit.
  const f = new Float32Array(new Uint32Array([0xff800001]).buffer)[0]!;
  const g = f32ToF16Bits(f);
  assert.is(g & 0xfc00, 0xfc00);
  assert.ok((g & 0x3ff) !== 0);
});

test('f16BitsToF32 decodes normals, subnormals, zeros and infinities', () => {
  assert.is(f16BitsToF32(0x3c00), 1);
  assert.is(f16BitsToF32(0xc000), -2);
  assert.is(f16BitsToF32(0x7bff), 65504);
  assert.is(f16BitsToF32(0x0001), 2 ** -24);
  assert.is(f16BitsToF32(0x03ff), 1023 * 2 ** -24);
  assert.is(f16BitsToF32(0x0400), 2 ** -14);
  assert.is(f16BitsToF32(0x7c00), Infinity);
  assert.is(f16BitsToF32(0xfc00), -Infinity);
  assert.ok(Object.is(f16BitsToF32(0x8000), -0));
  assert.ok(Number.isNaN(f16BitsToF32(0x7e00)));
});

test('every f16 pattern survives f16 -> f32 -> f16 exactly', () => {
  for (let h = 0; h < 0x10000; h++) {
    const back = f32ToF16Bits(f16BitsToF32(h));
    if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0) assert.ok(Number.isNaN(f16BitsToF32(back)), hex(h));
    else if (back !== h) assert.is(hex(back), hex(h));
  }
});

const BF16_CASES: [number, number][] = [
  [0, 0x0000],
  [-0, 0x8000],
  [1, 0x3f80],
  [-1, 0xbf80],
  [Math.PI, 0x4049],
  [0.1, 0x3dcd],
  [1 + 2 ** -8, 0x3f80], // tie: to even
  [1 + 3 * 2 ** -8, 0x3f82], // tie: to even
  [1 + 2 ** -8 + 2 ** -20, 0x3f81], // just above the tie
  [3.4028234663852886e38, 0x7f80], // f32 max rounds up to Infinity
  [3.3895313892515355e38, 0x7f7f], // bf16 max
  [Infinity, 0x7f80],
  [-Infinity, 0xff80],
  [2 ** -133, 0x0001], // smallest bf16 subnormal
  [1e-45, 0x0000], // f32's smallest subnormal is far below bf16's
];

test('f32ToBf16Bits matches known bfloat16 encodings, including ties and overflow', () => {
  for (const [x, bits] of BF16_CASES) assert.is(hex(f32ToBf16Bits(x)), hex(bits), `bf16(${x})`);
});

test('bf16 NaN stays NaN, including NaNs whose payload is only in the low half', () => {
  assert.ok(Number.isNaN(bf16BitsToF32(f32ToBf16Bits(NaN))));
  const f = new Float32Array(new Uint32Array([0x7f800001]).buffer)[0]!;
  assert.ok(Number.isNaN(bf16BitsToF32(f32ToBf16Bits(f))));
  assert.ok(Number.isNaN(bf16BitsToF32(f32ArrayToBf16(new Float32Array([f]))[0]!)));
});

test('every bf16 pattern survives bf16 -> f32 -> bf16 exactly', () => {
  for (let h = 0; h < 0x10000; h++) {
    const back = f32ToBf16Bits(bf16BitsToF32(h));
    if ((h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0) assert.ok(Number.isNaN(bf16BitsToF32(back)), hex(h));
    else if (back !== h) assert.is(hex(back), hex(h));
  }
});

test('array conversions agree with the scalar ones on random data', () => {
  const xs = randomFloats(5000, 7);
  const h = f32ArrayToF16(xs);
  const b = f32ArrayToBf16(xs);
  const hf = f16ArrayToF32(h);
  const bf = bf16ArrayToF32(b);
  for (let i = 0; i < xs.length; i++) {
    assert.is(h[i], f32ToF16Bits(xs[i]!));
    assert.is(b[i], f32ToBf16Bits(xs[i]!));
    assert.is(hf[i], f16BitsToF32(h[i]!));
    assert.is(bf[i], bf16BitsToF32(b[i]!));
    // Rounding to nearest keeps the relative error within half an ulp (f16 normals: 2^-11, bf16: 2^-8).
    if (Math.abs(xs[i]!) > 2 ** -14 && Math.abs(xs[i]!) < 65504) assert.ok(Math.abs(hf[i]! - xs[i]!) <= Math.abs(xs[i]!) * 2 ** -11);
    assert.ok(Math.abs(bf[i]! - xs[i]!) <= Math.abs(xs[i]!) * 2 ** -8);
  }
});

test.run();
