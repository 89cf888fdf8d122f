// nvcuda::wmma (<mma.h>) as far as dslc's tensor-core kernels use it: m16n16k16 fragments of __half or
// __nv_bfloat16 operands and float accumulators, loaded from and stored to memory with a leading dimension.
//
// On a GPU a fragment is spread over the 32 threads of a warp in a layout NVIDIA leaves unspecified, and each call is
// executed by the warp together. Here every thread holds the whole 16x16 tile and computes all of it: a kernel that
// treats fragments as opaque (as the API requires) gets the same values in every thread, so per-thread whole tiles
// are exact for it. What this cannot model: the real fragment layout (a kernel indexing `x[i]` would read other
// elements on a GPU), warp convergence (a call made by only some threads of a warp is undefined on a GPU and runs
// fine here), and the tensor cores' own accumulation order within a 16-deep product (here: k ascending, in f32).
#pragma once

namespace nvcuda {
namespace wmma {
struct matrix_a {};
struct matrix_b {};
struct accumulator {};
struct row_major {};
struct col_major {};
enum layout_t { mem_row_major, mem_col_major };

template <class Use, int M, int N, int K, class T, class Layout = void>
struct fragment {
  static_assert(M == 16 && N == 16 && K == 16, "the host emulation models m16n16k16 fragments only");
  static constexpr int num_elements = 256;
  float x[256];  // element (row, col) at x[row * 16 + col], widened from T (exact for __half and __nv_bfloat16)
};

inline float dslc_emu_widen(__half h) { return __half2float(h); }
inline float dslc_emu_widen(__nv_bfloat16 h) { return __bfloat162float(h); }

template <class Use, class T, class Layout>
inline void load_matrix_sync(fragment<Use, 16, 16, 16, T, Layout>& f, const T* p, unsigned ldm) {
  static_assert(!__is_same(Use, accumulator), "accumulators are loaded with a layout argument, which dslc never does");
  for (unsigned r = 0; r < 16; r++)
    for (unsigned c = 0; c < 16; c++) f.x[r * 16 + c] = dslc_emu_widen(__is_same(Layout, row_major) ? p[r * ldm + c] : p[c * ldm + r]);
}

template <class T, class LA, class LB>
inline void mma_sync(fragment<accumulator, 16, 16, 16, float>& d, const fragment<matrix_a, 16, 16, 16, T, LA>& a,
                     const fragment<matrix_b, 16, 16, 16, T, LB>& b, const fragment<accumulator, 16, 16, 16, float>& c) {
  float out[256];
  for (int i = 0; i < 16; i++) {
    for (int j = 0; j < 16; j++) {
      float s = c.x[i * 16 + j];
      for (int k = 0; k < 16; k++) s += a.x[i * 16 + k] * b.x[k * 16 + j];  // products of halves are exact in f32
      out[i * 16 + j] = s;
    }
  }
  std::memcpy(d.x, out, sizeof out);
}

inline void fill_fragment(fragment<accumulator, 16, 16, 16, float>& f, float v) {
  for (float& e : f.x) e = v;
}

inline void store_matrix_sync(float* p, const fragment<accumulator, 16, 16, 16, float>& f, unsigned ldm, layout_t layout) {
  for (unsigned r = 0; r < 16; r++)
    for (unsigned c = 0; c < 16; c++) p[layout == mem_row_major ? r * ldm + c : c * ldm + r] = f.x[r * 16 + c];
}
}  // namespace wmma
}  // namespace nvcuda
