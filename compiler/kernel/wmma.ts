/**
 * Tensor-core statements of the kernel IR: NVIDIA's warp-level matrix multiply-accumulate (`nvcuda::wmma`, 16×16×16
 * tiles) as a handful of target intrinsics. Only a kernel marked `target: 'cuda'` may hold them, only the CUDA
 * renderer prints them, and the validator checks their operands; every other target never sees such a kernel,
 * because only the CUDA backend asks the schedule for tensor cores (`tensorCores`).
 *
 * Fragments are opaque values owned by a whole warp: all 32 threads of the warp execute each statement together, in
 * uniform control flow, on the same operands. Their contents move only through workgroup memory (`wmma_load` reads a
 * 16×16 tile of a workgroup array, `wmma_store` writes one), which is why a kernel that uses them reads its operands
 * into narrow workgroup arrays, and applies its epilogue after storing the f32 accumulators to one.
 */
import type { Expr } from './ir.ts';

/** The multiplicand (a: 16×16 of M×K), multiplier (b: K×N) or f32 accumulator (C: M×N) of one 16×16×16 product. */
export type FragmentUse = 'a' | 'b' | 'acc';
/** Element type of a fragment: the operands' narrow float, or f32 for accumulators. */
export type FragmentType = 'f16' | 'bf16' | 'f32';
/** How a tile lies in workgroup memory: row-major (`at + row * ld + col`) or column-major (`at + col * ld + row`). */
export type TileLayout = 'row' | 'col';

export type WmmaStmt =
  /** Declares a fragment; a/b fragments carry the layout they are loaded with (accumulators are stored row-major). */
  | { readonly k: 'wmma_fragment'; readonly name: string; readonly use: FragmentUse; readonly t: FragmentType; readonly layout: TileLayout }
  /** Sets every element of an accumulator fragment to zero. */
  | { readonly k: 'wmma_zero'; readonly frag: string }
  /** Loads a/b fragment `frag` from workgroup array `array` at element `at` with leading dimension `ld`. */
  | { readonly k: 'wmma_load'; readonly frag: string; readonly array: string; readonly at: Expr; readonly ld: number }
  /** acc += a × b. */
  | { readonly k: 'wmma_mma'; readonly acc: string; readonly a: string; readonly b: string }
  /** Stores accumulator `frag` row-major into f32 workgroup array `array` at element `at`, leading dimension `ld`. */
  | { readonly k: 'wmma_store'; readonly array: string; readonly at: Expr; readonly ld: number; readonly frag: string };

export const isWmma = (s: { readonly k: string }): s is WmmaStmt => s.k.startsWith('wmma_');

/** Expressions a tensor-core statement reads (for passes that track which names are used). */
export const wmmaExprs = (s: WmmaStmt): Expr[] => (s.k === 'wmma_load' || s.k === 'wmma_store' ? [s.at] : []);

