/**
 * Device helpers a CUDA module may need, each emitted only when the module's kernels call it (nvcc's -Werror would
 * otherwise have nothing to say, but a kernel file should read as what it runs). They give CUDA C++ the meaning the
 * kernel IR has (WGSL's): see renderer.ts for why each exists.
 */
const H = '__device__ __forceinline__';
const INT_MIN = '(-2147483647 - 1)';

/** Helper name → its definitions (all overloads). */
const HELPERS: Readonly<Record<string, string>> = {
  dslc_iadd: `${H} int dslc_iadd(int a, int b) { return static_cast<int>(static_cast<unsigned>(a) + static_cast<unsigned>(b)); }`,
  dslc_isub: `${H} int dslc_isub(int a, int b) { return static_cast<int>(static_cast<unsigned>(a) - static_cast<unsigned>(b)); }`,
  dslc_imul: `${H} int dslc_imul(int a, int b) { return static_cast<int>(static_cast<unsigned>(a) * static_cast<unsigned>(b)); }`,
  dslc_idiv: `${H} int dslc_idiv(int a, int b) { return b == 0 || (a == ${INT_MIN} && b == -1) ? a : a / b; }`,
  dslc_irem: `${H} int dslc_irem(int a, int b) { return b == 0 || (a == ${INT_MIN} && b == -1) ? 0 : a % b; }`,
  dslc_abs: [
    `${H} int dslc_abs(int a) { return a < 0 ? static_cast<int>(0u - static_cast<unsigned>(a)) : a; }`,
    `${H} unsigned dslc_abs(unsigned a) { return a; }`,
  ].join('\n'),
  dslc_min: [
    `${H} int dslc_min(int a, int b) { return a < b ? a : b; }`,
    `${H} unsigned dslc_min(unsigned a, unsigned b) { return a < b ? a : b; }`,
  ].join('\n'),
  dslc_max: [
    `${H} int dslc_max(int a, int b) { return a > b ? a : b; }`,
    `${H} unsigned dslc_max(unsigned a, unsigned b) { return a > b ? a : b; }`,
  ].join('\n'),
  // min(max(x, lo), hi) as WGSL defines clamp; the float one keeps NaN, which fminf/fmaxf would drop.
  dslc_clamp: [
    `${H} float dslc_clamp(float x, float lo, float hi) { return x != x ? x : fminf(fmaxf(x, lo), hi); }`,
    `${H} int dslc_clamp(int x, int lo, int hi) { const int m = x > lo ? x : lo; return m < hi ? m : hi; }`,
    `${H} unsigned dslc_clamp(unsigned x, unsigned lo, unsigned hi) { const unsigned m = x > lo ? x : lo; return m < hi ? m : hi; }`,
  ].join('\n'),
};

/** Four halves at element 4i as two half2 (bf16: two bfloat162), widened or rounded pairwise. */
const PAIRS: Readonly<Record<string, string>> = {
  dslc_load_h4: `${H} float4 dslc_load_h4(const __half2* p, unsigned i) { const float2 a = __half22float2(p[2u * i]); const float2 b = __half22float2(p[2u * i + 1u]); return make_float4(a.x, a.y, b.x, b.y); }`,
  dslc_store_h4: `${H} void dslc_store_h4(__half2* p, unsigned i, float4 v) { p[2u * i] = __floats2half2_rn(v.x, v.y); p[2u * i + 1u] = __floats2half2_rn(v.z, v.w); }`,
  dslc_load_b4: `${H} float4 dslc_load_b4(const __nv_bfloat162* p, unsigned i) { const float2 a = __bfloat1622float2(p[2u * i]); const float2 b = __bfloat1622float2(p[2u * i + 1u]); return make_float4(a.x, a.y, b.x, b.y); }`,
  dslc_store_b4: `${H} void dslc_store_b4(__nv_bfloat162* p, unsigned i, float4 v) { p[2u * i] = __floats2bfloat162_rn(v.x, v.y); p[2u * i + 1u] = __floats2bfloat162_rn(v.z, v.w); }`,
};

/**
 * The headers of the narrow float types and tensor-core calls `source` uses. The host emulation gives these types their meaning in its
 * own header (host-emulation/dslc_emu.h, which defines DSLC_HOST_EMULATION), so there they are skipped.
 */
function headersFor(source: string): string[] {
  const headers = [
    ...(source.includes('__half') ? ['cuda_fp16.h'] : []),
    ...(source.includes('__nv_bfloat16') ? ['cuda_bf16.h'] : []),
    ...(source.includes('nvcuda::wmma::') ? ['mma.h'] : []),
  ];
  return headers.length === 0 ? [] : ['#ifndef DSLC_HOST_EMULATION', ...headers.map((h) => `#include <${h}>`), '#endif'];
}

/** The headers and helper definitions that `source` needs, in a fixed order. */
export function preludeFor(source: string): string {
  return [...headersFor(source), ...Object.entries({ ...HELPERS, ...PAIRS })
    .filter(([name]) => source.includes(`${name}(`))
    .map(([, text]) => text)]
    .join('\n');
}
