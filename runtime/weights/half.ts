/**
 * IEEE 754 binary16 (f16) and bfloat16 (bf16) conversions to and from f32.
 *
 * Half values are handled as their raw 16-bit patterns (numbers 0..0xffff / Uint16Array), the way safetensors stores
 * them. Narrowing rounds to nearest, ties to even, like PyTorch's `.half()` / `.bfloat16()`, so a checkpoint written
 * here reads back bit-identical in PyTorch and vice versa.
 */

// One shared scratch word for reinterpreting f32 bits; conversions are synchronous so sharing is safe.
const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** Bit pattern of the f32 nearest to `x` (JS numbers are f64, so this is the f32 rounding of `x`). */
function f32Bits(x: number): number {
  scratchF32[0] = x;
  return scratchU32[0]!;
}

function fromF32Bits(bits: number): number {
  scratchU32[0] = bits >>> 0;
  return scratchF32[0]!;
}

/** Rounds `x` to f32, then to the nearest f16; returns the 16-bit pattern. Overflow gives ±Infinity, NaN stays NaN. */
export function f32ToF16Bits(x: number): number {
  const b = f32Bits(x);
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 0xff) {
    // Keep the top payload bits and force the quiet bit so a NaN never truncates into an infinity.
    return mant === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mant >>> 13);
  }
  const halfExp = exp - 127 + 15;
  if (halfExp >= 0x1f) return sign | 0x7c00;
  if (halfExp <= 0) {
    // Subnormal result: value = m * 2^-24 with m = (1.mant) shifted right by 126 - exp bits.
    const shift = 126 - exp;
    if (shift > 24) return sign; // below half the smallest subnormal: rounds to zero
    const full = mant | 0x800000;
    let m = full >>> shift;
    const rest = full & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (m & 1) === 1)) m++;
    return sign | m; // m may reach 0x400, which is exactly the smallest normal encoding
  }
  let h = (halfExp << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa bumps the exponent, and from the largest finite value lands on Infinity: both correct.
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h++;
  return sign | h;
}

/** Value of the f16 with bit pattern `h` (exact: every f16 is representable as f32 and f64). */
export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return fromF32Bits(((h & 0x8000) << 16) | 0x7f800000 | (mant << 13));
  return sign * (1024 + mant) * 2 ** (exp - 25);
}

/** Rounds `x` to f32, then to the nearest bf16; returns the 16-bit pattern. */
export function f32ToBf16Bits(x: number): number {
  const b = f32Bits(x);
  if ((b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0) return ((b >>> 16) | 0x40) & 0xffff;
  // bf16 is the top half of an f32, so rounding is adding just under half an ulp plus the tie-to-even bit.
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Value of the bf16 with bit pattern `h`. */
export function bf16BitsToF32(h: number): number {
  return fromF32Bits((h & 0xffff) << 16);
}

let f16Table: Float32Array | undefined;

/** Converts an array of f16 bit patterns to f32 values. */
export function f16ArrayToF32(src: Uint16Array): Float32Array {
  // A 256 KiB table makes bulk decoding of a 100M-element checkpoint a plain lookup per element.
  if (f16Table === undefined) {
    f16Table = new Float32Array(0x10000);
    for (let h = 0; h < 0x10000; h++) f16Table[h] = f16BitsToF32(h);
  }
  const table = f16Table;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = table[src[i]!]!;
  return out;
}

/** Converts an array of bf16 bit patterns to f32 values. */
export function bf16ArrayToF32(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < src.length; i++) bits[i] = src[i]! << 16;
  return out;
}

/** Converts f32 values to f16 bit patterns, rounding to nearest even. */
export function f32ArrayToF16(src: Float32Array): Uint16Array {
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = f32ToF16Bits(src[i]!);
  return out;
}

/** Converts f32 values to bf16 bit patterns, rounding to nearest even. */
export function f32ArrayToBf16(src: Float32Array): Uint16Array {
  const out = new Uint16Array(src.length);
  // A Float32Array's byteOffset is always a multiple of 4, so its bits can be viewed in place.
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < src.length; i++) {
    const b = bits[i]!;
    out[i] =
      (b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0
        ? (b >>> 16) | 0x40
        : (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
  }
  return out;
}
