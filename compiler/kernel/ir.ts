/**
 * The kernel IR: compute kernels one level below the graph IR, with no target syntax in it, so the WGSL renderer
 * and a later CUDA renderer print the same kernels.
 *
 * The thread model is deliberately small: a kernel runs `workgroup` threads per group in one dimension, groups are
 * numbered linearly (the runtime folds that number onto a 2-D grid when it passes the 65535-per-dimension limit,
 * which is why kernels never see a grid shape), and every kernel guards its own bounds. Sizes are `u32` uniforms
 * named in `uniforms`; a launch (schedule.ts) says which symbolic dim feeds each one, so one kernel serves every
 * batch size, sequence length and model width.
 */

/** Scalar value types; `bool` exists only in registers (buffers hold booleans as i32 0/1). */
export type Scalar = 'f32' | 'i32' | 'u32' | 'bool';
/** Four-lane vectors, for 16-byte loads and stores of contiguous data. */
export type Vector = 'f32x4' | 'i32x4' | 'u32x4';
export type Type = Scalar | Vector;

/**
 * Narrow float element types a buffer can hold: loads widen them to f32 registers and stores round f32 to them
 * (round-to-nearest-even), so kernels compute in f32 whatever the storage. How they are laid out is the renderer's
 * business: CUDA has `__half`, `__nv_bfloat16` and `signed char`; WGSL has `f16` only behind `enable f16` and no
 * 8-bit types, so it packs two halves or four bytes per u32 word (the bytes in memory are the same either way).
 * `i8` is read-only (quantised weights; the scale is applied by the kernel that reads them).
 */
export type NarrowType = 'f16' | 'bf16' | 'i8';
/** Four consecutive halves (8 bytes), loaded into an f32x4 register and stored from one: CUDA's half2 pairs. */
export type NarrowVector = 'f16x4' | 'bf16x4';

/** Element types a buffer or workgroup array can hold (workgroup arrays: 4-byte types only, but in CUDA kernels). */
export type StorageType = 'f32' | 'i32' | 'u32' | Vector | NarrowType | NarrowVector;

export const isNarrow = (t: StorageType): t is NarrowType | NarrowVector =>
  t === 'f16' || t === 'bf16' || t === 'i8' || t === 'f16x4' || t === 'bf16x4';

/** The register type a load from `t` yields and a store to `t` takes. */
export const registerOf = (t: StorageType): Type => (t === 'f16x4' || t === 'bf16x4' ? 'f32x4' : isNarrow(t) ? 'f32' : t);

/** Storage of four consecutive elements of `t`, for contiguous vector loads and stores. */
export const storageVectorOf = (t: 'f32' | 'i32' | 'u32' | 'f16' | 'bf16'): StorageType => (t === 'f16' || t === 'bf16' ? `${t}x4` : vectorOf(t));

export const laneType = (t: Vector): Scalar => t.slice(0, 3) as Scalar;
export const vectorOf = (t: Scalar): Vector => {
  if (t === 'bool') throw new Error('kernel IR: no bool vectors');
  return `${t}x4`;
};
export const isVector = (t: Type): t is Vector => t.endsWith('x4');

import type { WmmaStmt } from './wmma.ts';

/** Threads per warp for `shuffleXor`: CUDA's, the only target that gets shuffles (see the statement below). */
export const WARP = 32;

export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '<' | '<=' | '>' | '>=' | '==' | '!=' | '&&' | '||';
export type UnaryOp = 'neg' | 'not';
/** Math functions every target has under some name (the renderer's table maps them). */
export type MathFn = 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'tanh' | 'abs' | 'min' | 'max' | 'pow' | 'floor' | 'clamp';

/** Which thread: its index in the group, the group's linear index, or `group * workgroup + local`. */
export type ThreadIndex = 'local' | 'group' | 'global';

export type Expr =
  | { readonly k: 'lit'; readonly t: Scalar; readonly v: number | boolean }
  | { readonly k: 'ref'; readonly t: Type; readonly name: string }
  | { readonly k: 'uniform'; readonly t: 'u32'; readonly name: string }
  | { readonly k: 'thread'; readonly t: 'u32'; readonly which: ThreadIndex }
  | { readonly k: 'load'; readonly t: Type; readonly buf: string; readonly i: Expr }
  | { readonly k: 'bin'; readonly t: Type; readonly op: BinaryOp; readonly a: Expr; readonly b: Expr }
  | { readonly k: 'un'; readonly t: Type; readonly op: UnaryOp; readonly a: Expr }
  | { readonly k: 'call'; readonly t: Type; readonly fn: MathFn; readonly args: readonly Expr[] }
  | { readonly k: 'cast'; readonly t: Type; readonly a: Expr }
  | { readonly k: 'select'; readonly t: Type; readonly c: Expr; readonly a: Expr; readonly b: Expr } // c ? a : b
  | { readonly k: 'lane'; readonly t: Scalar; readonly a: Expr; readonly i: number }
  | { readonly k: 'vec'; readonly t: Vector; readonly parts: readonly Expr[] };

export type Stmt =
  | { readonly k: 'let'; readonly name: string; readonly v: Expr }
  | { readonly k: 'var'; readonly name: string; readonly t: Type; readonly v: Expr }
  | { readonly k: 'set'; readonly name: string; readonly v: Expr }
  | { readonly k: 'store'; readonly buf: string; readonly i: Expr; readonly v: Expr }
  /** `for (name = from; name < to; name += step)`, all u32. */
  | { readonly k: 'for'; readonly name: string; readonly from: Expr; readonly to: Expr; readonly step: Expr; readonly body: readonly Stmt[] }
  | { readonly k: 'if'; readonly c: Expr; readonly then: readonly Stmt[]; readonly else: readonly Stmt[] }
  /** Workgroup barrier (memory and execution); only in control flow that is uniform across the group. */
  | { readonly k: 'barrier' }
  /**
   * `let name = v`, but `v` as the thread at warp lane `lane ^ xor` computed it: one step of a butterfly exchange
   * among the `WARP` threads of a warp (threads `local / WARP` alike), with no shared memory and no barrier. It is
   * a collective: only in control flow uniform across the workgroup (like `barrier`), with every warp full. Scalars
   * of 4 bytes only. Targets without a fixed warp width (WebGPU's subgroups are 4 to 128 wide) do not get it: the
   * schedule emits it only for a target that names its warp width (compiler/kernel/warp.ts).
   */
  | { readonly k: 'shuffleXor'; readonly name: string; readonly v: Expr; readonly xor: number }
  | { readonly k: 'return' }
  /** Tensor-core intrinsics (wmma.ts), only in kernels whose `target` is 'cuda'. */
  | WmmaStmt;

export interface BufferParam {
  readonly name: string;
  readonly t: StorageType;
  readonly write: boolean;
}

export interface SharedArray {
  readonly name: string;
  readonly t: StorageType;
  readonly size: number;
}

export interface Kernel {
  /** Describes the kernel (op, dtypes, variant); not unique, the rendered text is the identity. */
  readonly name: string;
  readonly workgroup: number;
  /** Bound in this order (binding i), then the uniforms after them. */
  readonly buffers: readonly BufferParam[];
  readonly uniforms: readonly string[];
  readonly shared: readonly SharedArray[];
  readonly body: readonly Stmt[];
  /**
   * Set on a kernel only one backend can print (tensor-core intrinsics, narrow workgroup arrays); absent on the
   * portable kernels every renderer prints.
   */
  readonly target?: 'cuda';
}
