/**
 * Filling a workgroup-memory tile with 16-byte loads (CUDA's LDG.128): each thread loads one run of 4 contiguous
 * elements and spreads its lanes into the tile. A lowering uses it for an operand whose contiguous axis has a length
 * that is a multiple of 4 for every value of its symbols, and whose batch strides are too, so every run starts 16-byte
 * aligned (buffers start aligned) and lies wholly inside or wholly outside the matrix: one bounds check per run.
 */
import type { Dim } from '../ir/dim.ts';
import type { ArrayRef, KernelBuilder } from './builder.ts';
import * as E from './expr.ts';
import type { Expr } from './ir.ts';

/** True when `d` is a multiple of 4 for every value of its symbols (each term's coefficient is). */
export const multipleOf4 = (d: Dim): boolean => d.terms.length > 0 && d.terms.every(([, c]) => c % 4 === 0);

export interface VectorTile {
  /** Workgroup array holding the tile row-major: element (r, c) at `r * cols + c`. */
  readonly dst: ArrayRef;
  readonly rows: number;
  readonly cols: number;
  /** Memory runs along the tile's rows (r, r+1, … adjacent in memory); otherwise along its columns. */
  readonly alongRows: boolean;
  /** The operand bound as f32x4. */
  readonly src: ArrayRef;
  /** Flat element offset in the operand of tile element (r, c). */
  readonly at: (r: Expr, c: Expr) => Expr;
  /** Whether tile element (r, c), the first of its run, is inside the matrix (outside, the tile gets zeros). */
  readonly inside: (r: Expr, c: Expr) => Expr;
}

/** Loads one tile, one run per thread (the tile must hold exactly 4 × workgroup elements). */
export function loadVectorTile(k: KernelBuilder, tile: VectorTile): void {
  const runs = (tile.rows * tile.cols) / 4;
  if (runs !== k.workgroup || (tile.alongRows ? tile.rows : tile.cols) % 4 !== 0) {
    throw new Error(`vector tile ${tile.dst.name}: ${tile.rows}x${tile.cols} is not one run of 4 per thread of ${k.workgroup}`);
  }
  const u = E.u32;
  const perLine = (tile.alongRows ? tile.rows : tile.cols) / 4;
  const line = k.let('line', E.div(k.local, u(perLine)));
  const start = k.let('run', E.mul(E.mod(k.local, u(perLine)), u(4)));
  const [r, c] = tile.alongRows ? [start, line] : [line, start];
  const zero = E.f32(0);
  const v = k.var('v4', 'f32x4', { k: 'vec', t: 'f32x4', parts: [zero, zero, zero, zero] });
  k.if(tile.inside(r, c), () => v.set(k.load(tile.src, E.div(tile.at(r, c), u(4)))));
  for (let l = 0; l < 4; l++) {
    const at = tile.alongRows ? E.add(E.mul(E.add(r, u(l)), u(tile.cols)), c) : E.add(E.mul(r, u(tile.cols)), E.add(c, u(l)));
    k.store(tile.dst, at, E.lane(v.get, l));
  }
}
