// The CUDA that dslc's kernels use, modelled in host C++ so g++ compiles the generated .cu unchanged (this header is
// force-included with -include). Threads of a block run as fibers on one OS thread (emu_block.h); this header only
// gives the kernel text its meaning on the host:
//   - threadIdx/blockIdx/gridDim/blockDim are globals the scheduler sets before it resumes a fiber;
//   - __shared__ variables are function statics (one copy, and blocks run one at a time, so one per block) placed
//     in a section of their own, so the scheduler can fill them with NaN bytes before every block: a kernel that
//     reads shared memory it did not write this block gets NaN, not the previous block's leftovers;
//   - __syncthreads() yields to the scheduler with the line it was called from, so threads waiting at different
//     barriers are caught;
//   - __shfl_xor_sync() yields too, with the value it gives: once all 32 lanes of the warp wait at it (at the same
//     line, none returned, the full mask), the scheduler hands each lane its partner's value, as a barrier among the
//     warp's lanes only, so the other warps of the block run on independently, as on a GPU;
//   - the conversions and intrinsics are the ones CUDA documents (saturating float->int, rsqrtf as 1/sqrtf).
// What this cannot model is listed in backends/cuda/README.md.
#pragma once
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>

struct dim3 {
  unsigned x, y, z;
};
using uint3 = dim3;
struct alignas(8) float2 {
  float x, y;
};
struct alignas(16) float4 {
  float x, y, z, w;
};
struct alignas(16) int4 {
  int x, y, z, w;
};
struct alignas(16) uint4 {
  unsigned x, y, z, w;
};
inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }
inline int4 make_int4(int x, int y, int z, int w) { return {x, y, z, w}; }
inline uint4 make_uint4(unsigned x, unsigned y, unsigned z, unsigned w) { return {x, y, z, w}; }

extern "C" {
extern dim3 dslc_emu_threadIdx, dslc_emu_blockIdx, dslc_emu_gridDim, dslc_emu_blockDim;
void dslc_emu_barrier(int line);
unsigned dslc_emu_shuffle_xor(unsigned bits, unsigned members, int lane_mask, int line);
}

#define threadIdx dslc_emu_threadIdx
#define blockIdx dslc_emu_blockIdx
#define gridDim dslc_emu_gridDim
#define blockDim dslc_emu_blockDim
// The memory clobbers keep g++ from caching __shared__ statics in registers across the switch to other threads.
#define __syncthreads()                    \
  do {                                     \
    __asm__ __volatile__("" ::: "memory"); \
    dslc_emu_barrier(__LINE__);            \
    __asm__ __volatile__("" ::: "memory"); \
  } while (0)
// The value as bits through the scheduler; 4-byte scalars only, as the kernel IR shuffles.
template <class T>
inline T dslc_emu_shfl_xor(unsigned members, T v, int lane_mask, int line) {
  static_assert(sizeof(T) == 4, "the emulation shuffles 4-byte values");
  unsigned bits;
  std::memcpy(&bits, &v, sizeof bits);
  __asm__ __volatile__("" ::: "memory");
  bits = dslc_emu_shuffle_xor(bits, members, lane_mask, line);
  __asm__ __volatile__("" ::: "memory");
  std::memcpy(&v, &bits, sizeof v);
  return v;
}
#define __shfl_xor_sync(members, v, lane_mask) dslc_emu_shfl_xor((members), (v), (lane_mask), __LINE__)
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))
#define __shared__ __attribute__((section("dslc_shared"))) static

inline float __int_as_float(int i) {
  float f;
  std::memcpy(&f, &i, sizeof f);
  return f;
}
inline int __float_as_int(float f) {
  int i;
  std::memcpy(&i, &f, sizeof i);
  return i;
}
// cvt.rzi.s32.f32 / cvt.rzi.u32.f32: round toward zero, saturate, NaN -> 0 (C++ leaves all three undefined).
inline int __float2int_rz(float x) {
  if (x != x) return 0;
  if (x >= 2147483648.0f) return INT_MAX;
  if (x <= -2147483648.0f) return INT_MIN;
  return static_cast<int>(x);
}
inline unsigned __float2uint_rz(float x) {
  if (x != x || x <= 0.0f) return 0u;
  if (x >= 4294967296.0f) return UINT_MAX;
  return static_cast<unsigned>(x);
}
// CUDA's rsqrtf is within 2 ulp of this; the host has no such function.
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }

// cuda_fp16.h / cuda_bf16.h as far as kernels use them: 2-byte storage types (same size and bits as CUDA's, so
// buffers are laid out alike) and the exact widening and round-to-nearest-even narrowing intrinsics. Generated
// modules skip their #include of those headers when DSLC_HOST_EMULATION is defined.
#define DSLC_HOST_EMULATION 1
struct __half {
  uint16_t bits;
};
struct __nv_bfloat16 {
  uint16_t bits;
};
inline float __half2float(__half h) {
  const unsigned sign = (h.bits & 0x8000u) << 16, exp = (h.bits >> 10) & 0x1fu, man = h.bits & 0x3ffu;
  if (exp == 0x1fu) return __int_as_float(static_cast<int>(sign | 0x7f800000u | (man << 13)));
  if (exp == 0) {  // subnormal: man * 2^-24
    const float v = std::ldexp(static_cast<float>(man), -24);
    return sign ? -v : v;
  }
  return __int_as_float(static_cast<int>(sign | ((exp + 112u) << 23) | (man << 13)));
}
inline __half __float2half_rn(float f) {
  const unsigned x = static_cast<unsigned>(__float_as_int(f));
  const unsigned sign = (x >> 16) & 0x8000u;
  const float a = std::fabs(f);
  if (a != a) return {static_cast<uint16_t>(sign | 0x7e00u)};
  if (a >= 65520.0f) return {static_cast<uint16_t>(sign | 0x7c00u)};  // rounds past the largest half: infinity
  if (a < 6.103515625e-05f) {  // subnormal (or zero): a multiple of 2^-24, rounded to nearest even by rintf
    return {static_cast<uint16_t>(sign | static_cast<unsigned>(std::nearbyint(std::ldexp(a, 24))))};
  }
  const unsigned ax = x & 0x7fffffffu;
  const unsigned lsb = (ax >> 13) & 1u;
  const unsigned r = (ax + 0xfffu + lsb) >> 13;  // round the 13 dropped bits to nearest even
  return {static_cast<uint16_t>(sign | (r - (112u << 10)))};
}
struct alignas(4) __half2 {
  __half x, y;
};
struct alignas(4) __nv_bfloat162 {
  __nv_bfloat16 x, y;
};
inline float2 __half22float2(__half2 h) { return {__half2float(h.x), __half2float(h.y)}; }
inline __half2 __floats2half2_rn(float a, float b) { return {__float2half_rn(a), __float2half_rn(b)}; }
inline float __bfloat162float(__nv_bfloat16 h);
inline __nv_bfloat16 __float2bfloat16_rn(float f);
inline float2 __bfloat1622float2(__nv_bfloat162 h) { return {__bfloat162float(h.x), __bfloat162float(h.y)}; }
inline __nv_bfloat162 __floats2bfloat162_rn(float a, float b) { return {__float2bfloat16_rn(a), __float2bfloat16_rn(b)}; }
inline float __bfloat162float(__nv_bfloat16 h) { return __int_as_float(static_cast<int>(static_cast<unsigned>(h.bits) << 16)); }
inline __nv_bfloat16 __float2bfloat16_rn(float f) {
  const unsigned x = static_cast<unsigned>(__float_as_int(f));
  if (f != f) return {static_cast<uint16_t>((x >> 16) | 0x40u)};
  return {static_cast<uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16)};
}

#include "dslc_emu_wmma.h"

// One row of the generated module's kernel table: thunk(params) calls the kernel with params[i] pointing at the
// value of its i-th parameter, cuLaunchKernel's convention.
struct dslc_emu_kernel {
  const char* entry;
  void (*thunk)(void** params);
  unsigned workgroup;
  unsigned params;
};

template <class T>
inline T dslc_arg(void* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
