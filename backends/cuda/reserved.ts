/**
 * Identifiers a kernel IR name must not take in CUDA C++ (the renderer appends `_` to them): C++ keywords and
 * alternative tokens, the names CUDA predefines in device code, the types and math functions kernels use, and names
 * that <cmath> and the host emulation's header declare globally, since the same source is compiled there too.
 */
const WORDS = [
  // C++20 keywords and alternative tokens
  'alignas alignof and and_eq asm auto bitand bitor bool break case catch char char8_t char16_t char32_t class compl',
  'concept const consteval constexpr constinit const_cast continue co_await co_return co_yield decltype default delete',
  'do double dynamic_cast else enum explicit export extern false float for friend goto if inline int long mutable',
  'namespace new noexcept not not_eq nullptr operator or or_eq private protected public register reinterpret_cast',
  'requires return short signed sizeof static static_assert static_cast struct switch template this thread_local throw',
  'true try typedef typeid typename union unsigned using virtual void volatile wchar_t while xor xor_eq',
  'final override restrict main NULL',
  // CUDA built-in variables, types and intrinsics kernels use
  'threadIdx blockIdx blockDim gridDim warpSize dim3 uint3 float4 int4 uint4 make_float4 make_int4 make_uint4',
  '__syncthreads __launch_bounds__ __global__ __device__ __shared__ __restrict__ __forceinline__',
  // math as rendered, and <cmath> names that are macros or could be
  'expf logf sqrtf rsqrtf tanhf fabsf fminf fmaxf powf floorf fmodf min max abs exp log sqrt tanh pow floor clamp',
  'isnan isinf isfinite signbit fpclassify INFINITY NAN HUGE_VAL HUGE_VALF errno assert',
].join(' ');

export const RESERVED: ReadonlySet<string> = new Set(WORDS.split(/\s+/));
