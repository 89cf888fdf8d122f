/**
 * The primitive ops of the graph IR. Everything a model source says lowers to these; backends implement exactly
 * this list (the CPU reference executor is the oracle for each).
 *
 * Conventions shared by every backend:
 * - elementwise ops broadcast numpy-style (shapes aligned on the right, size-1 dims stretch);
 * - `axis` arguments are non-negative after graph construction;
 * - integer tensors are i32, masks are `bool`; i64 only exists in checkpoint files and is narrowed on load.
 */
export enum Op {
  // leaves
  Input = 'input', // arg: InputArg
  Param = 'param', // arg: ParamArg
  Const = 'const', // arg: { value } — a tensor of `shape` filled with value
  Arange = 'arange', // 1-D [n]: 0, 1, ..., n-1

  // unary elementwise
  Cast = 'cast', // to node.dtype
  Neg = 'neg',
  Abs = 'abs',
  Exp = 'exp',
  Log = 'log',
  Sqrt = 'sqrt',
  Rsqrt = 'rsqrt',
  Tanh = 'tanh',
  Erf = 'erf',
  Sigmoid = 'sigmoid',
  Relu = 'relu',
  Gelu = 'gelu', // exact: x * 0.5 * (1 + erf(x / sqrt 2))
  GeluTanh = 'gelu_tanh', // HF gelu_new: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
  Silu = 'silu',
  Not = 'not',

  // binary elementwise (broadcasting)
  Add = 'add',
  Sub = 'sub',
  Mul = 'mul',
  Div = 'div',
  Max = 'max',
  Min = 'min',
  Pow = 'pow',
  Lt = 'lt',
  Le = 'le',
  Gt = 'gt',
  Ge = 'ge',
  Eq = 'eq',
  Ne = 'ne',
  And = 'and',
  Or = 'or',

  // ternary elementwise
  Where = 'where', // src: [cond(bool), a, b]

  // reductions over one axis; arg: { axis, keepdim }
  ReduceSum = 'reduce_sum',
  ReduceMax = 'reduce_max',
  ReduceMean = 'reduce_mean',

  // row ops over the last axis (one-pass kernels on every backend)
  Softmax = 'softmax', // arg: { axis } (always the last)
  LayerNorm = 'layer_norm', // src: [x, weight, bias]; arg: { eps }

  // contractions and data movement
  MatMul = 'matmul', // src: [a [..., M, K], b [..., K, N]] with broadcast batch dims
  Gather = 'gather', // src: [table [V, ...rest], ids int [...]] -> [...ids, ...rest]; arg: { what }
  Reshape = 'reshape', // to node.shape
  Permute = 'permute', // arg: { perm }
  Expand = 'expand', // broadcast src to node.shape
  Slice = 'slice', // arg: { axis, start, end } (dims as strings in JSON)
  Concat = 'concat', // arg: { axis }

  // fused (made only by compiler/passes, never by the elaborator)
  /** src: [q [B,h,S,D], k [B,h,T,D], v [B,h,T,Dv], mask (adds, broadcasts to [B,h,S,T]), bias? [B,h,S,T]];
   *  arg: { scale, layout? } (layout 'bshd': q, k, v and the result as [B,S,h,·], see ir/attention.ts);
   *  softmax((q·kᵀ + bias) * scale + mask) · v → [B,h,S,Dv] */
  Attention = 'attention',
  /** src: [a, b, ...addends (each broadcasts to the result)]; arg: { act: unary Op | null }; act(a·b + addend₀ + …) */
  MatMulEpilogue = 'matmul_epilogue',
  /** src: [a, b, ...addends, weight, bias]; arg: { eps }; layer_norm(a·b + addend₀ + …) over the last axis */
  MatMulNorm = 'matmul_norm',
  /** src: [...terms (each broadcasts to the result), weight, bias]; arg: { eps }; layer_norm(term₀ + term₁ + …) */
  AddNorm = 'add_norm',

  // losses
  CrossEntropy = 'cross_entropy', // src: [logits [N, C], labels int [N]]; arg: { ignoreIndex }; mean over kept rows
}

export const UNARY_OPS: ReadonlySet<Op> = new Set([
  Op.Cast, Op.Neg, Op.Abs, Op.Exp, Op.Log, Op.Sqrt, Op.Rsqrt, Op.Tanh, Op.Erf, Op.Sigmoid, Op.Relu, Op.Gelu,
  Op.GeluTanh, Op.Silu, Op.Not,
]);

export const BINARY_OPS: ReadonlySet<Op> = new Set([
  Op.Add, Op.Sub, Op.Mul, Op.Div, Op.Max, Op.Min, Op.Pow, Op.Lt, Op.Le, Op.Gt, Op.Ge, Op.Eq, Op.Ne, Op.And, Op.Or,
]);

export const COMPARE_OPS: ReadonlySet<Op> = new Set([Op.Lt, Op.Le, Op.Gt, Op.Ge, Op.Eq, Op.Ne]);

export const REDUCE_OPS: ReadonlySet<Op> = new Set([Op.ReduceSum, Op.ReduceMax, Op.ReduceMean]);

export const ELEMENTWISE_OPS: ReadonlySet<Op> = new Set([...UNARY_OPS, ...BINARY_OPS, Op.Where]);

export type DType = 'f32' | 'f16' | 'bf16' | 'i32' | 'bool';

export const FLOAT_DTYPES: ReadonlySet<DType> = new Set(['f32', 'f16', 'bf16']);

export const isFloat = (d: DType): boolean => FLOAT_DTYPES.has(d);
