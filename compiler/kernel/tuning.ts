/**
 * Tile sizes and workgroup shapes of the GEMM and attention kernels, as parameters of their lowerings.
 *
 * The defaults are what the lowerings were written with; which shape is fastest depends on the device (on CPU
 * drivers register blocking pays and barriers cost, on GPUs occupancy matters), so `dslc bench --tune` times the
 * candidates below on the adapter and caches the winner per adapter (cli/tune-cache.ts). A tuning never changes
 * what a kernel computes: each candidate sums in the same order over k, so results agree to rounding.
 *
 * @example
 * const program = compileWgsl(graph, { tuning: { ...DEFAULT_TUNING, matmul: { tile: 32, per: 2, slab: 16 } } });
 */

/** A workgroup of (tile/per)² threads owns a tile×tile block of C; each thread keeps per×per of it in registers. */
export interface MatMulTiles {
  readonly tile: number;
  readonly per: number;
  /** Depth in k of the A and B slabs staged in workgroup memory. */
  readonly slab: number;
}

/** A workgroup of `rows` threads, one per query row. */
export interface AttentionTiles {
  readonly rows: number;
}

export interface Tuning {
  readonly matmul: MatMulTiles;
  readonly attention: AttentionTiles;
}

export const DEFAULT_TUNING: Tuning = { matmul: { tile: 64, per: 4, slab: 16 }, attention: { rows: 64 } };

/** The GEMM shapes a search tries (all within WebGPU's guaranteed 256 invocations and 16 KiB of workgroup memory). */
export const MATMUL_CANDIDATES: readonly MatMulTiles[] = [
  { tile: 64, per: 4, slab: 16 },
  { tile: 32, per: 2, slab: 16 },
  { tile: 32, per: 4, slab: 16 },
  { tile: 64, per: 8, slab: 8 },
  { tile: 16, per: 2, slab: 16 },
];

export const ATTENTION_CANDIDATES: readonly AttentionTiles[] = [{ rows: 64 }, { rows: 32 }, { rows: 128 }, { rows: 16 }];

export const matmulThreads = (t: MatMulTiles): number => (t.tile / t.per) ** 2;

/** Why a GEMM shape cannot be lowered (undefined when it can). */
export function matmulTilesProblem(t: MatMulTiles, maxThreads = 256): string | undefined {
  const threads = matmulThreads(t);
  if (!Number.isInteger(t.tile / t.per) || t.per < 1) return `tile ${t.tile} is not a multiple of per ${t.per}`;
  if (threads > maxThreads) return `${threads} threads, more than ${maxThreads}`;
  if ((t.tile * t.slab) % threads !== 0) return `a ${t.tile}×${t.slab} slab does not split over ${threads} threads`;
  return undefined;
}

export const sameTiles = <T extends object>(a: T, b: T): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Kernel-name suffix of a non-default GEMM shape (`_t32p2s16`), empty for the default, so default names stay put. */
export const matmulSuffix = (t: MatMulTiles): string => (sameTiles(t, DEFAULT_TUNING.matmul) ? '' : `_t${t.tile}p${t.per}s${t.slab}`);
export const attentionSuffix = (t: AttentionTiles): string => (sameTiles(t, DEFAULT_TUNING.attention) ? '' : `_r${t.rows}`);

/** `matmul 64×64 tiles, 4×4 per thread (256 threads), k-slab 16; attention 64 rows per workgroup` */
export function tuningText(t: Tuning): string {
  const m = t.matmul;
  return `matmul ${m.tile}×${m.tile} tiles, ${m.per}×${m.per} per thread (${matmulThreads(m)} threads), k-slab ${m.slab}; attention ${t.attention.rows} rows per workgroup`;
}
