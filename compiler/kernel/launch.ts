/**
 * Launches: a kernel plus what one dispatch of it binds — buffer ids, the symbolic dim behind each uniform, and how
 * many workgroups to run, as a product of `ceil(dim / per)` factors evaluated once the symbols are bound.
 *
 * `LaunchBuilder` pairs each uniform a lowering asks for with the dim it stands for, so a kernel and its launch can
 * never disagree on the order of sizes.
 */
import type { Dim } from '../ir/dim.ts';
import type { Node } from '../ir/graph.ts';
import type { DType } from '../ir/ops.ts';
import { type ArrayRef, KernelBuilder } from './builder.ts';
import { cast, i32, ne, select } from './expr.ts';
import type { Expr, Kernel, Scalar, StorageType } from './ir.ts';

/** Workgroups along one factor of the grid: ceil(dim / per). */
export interface GridFactor {
  readonly dim: Dim;
  readonly per: number;
}

export interface Launch {
  readonly kernel: Kernel;
  /** Buffer ids (schedule.ts), in the order of `kernel.buffers`. */
  readonly buffers: readonly number[];
  /** The dim each of `kernel.uniforms` takes its value from. */
  readonly uniforms: readonly Dim[];
  /** Total workgroups = product of the factors; the runtime folds it onto a grid within the per-dimension limit. */
  readonly groups: readonly GridFactor[];
  /** Graph node this launch computes (part of), for dumps and error messages. */
  readonly node: number;
}

/**
 * How a graph dtype is stored in a buffer: f32 and i32 words (booleans as i32 0/1), f16 and bf16 halves (kernels
 * load them into f32 registers and round when they store, see ir.ts), and `i8` for quantised weights.
 */
export type Storage = 'f32' | 'i32' | 'f16' | 'bf16' | 'i8';

export function storageOf(dtype: DType, _node?: Node): Storage {
  if (dtype === 'i32' || dtype === 'bool') return 'i32';
  return dtype;
}

/** Bytes per element of a storage type. */
export const storageBytes = (s: Storage): number => (s === 'i8' ? 1 : s === 'f16' || s === 'bf16' ? 2 : 4);

/** The register type of a graph dtype. */
export const valueOf = (dtype: DType): Scalar => (dtype === 'bool' ? 'bool' : dtype === 'i32' ? 'i32' : 'f32');

/** A stored word as a value of `dtype` (booleans are "not zero"). */
export const fromStorage = (word: Expr, dtype: DType): Expr => (dtype === 'bool' ? ne(word, i32(0)) : word);

/** A value of any type converted to `dtype` and then to its storage word. */
export function toStorage(v: Expr, dtype: DType): Expr {
  const x = cast(valueOf(dtype), v);
  return dtype === 'bool' ? select(x, i32(1), i32(0)) : x;
}

export class LaunchBuilder {
  readonly k: KernelBuilder;
  private readonly dims = new Map<string, Dim>();
  private readonly ids: number[] = [];

  constructor(name: string, workgroup: number) {
    this.k = new KernelBuilder(name, workgroup);
  }

  /** A u32 uniform holding `d`'s value at dispatch. */
  size(name: string, d: Dim): Expr {
    this.dims.set(name, d);
    return this.k.uniform(name);
  }

  bind(name: string, storage: StorageType, id: number, write = false): ArrayRef {
    this.ids.push(id);
    return this.k.buffer(name, storage, write);
  }

  finish(node: Node, groups: GridFactor[]): Launch {
    const kernel = this.k.build();
    return { kernel, buffers: this.ids, uniforms: kernel.uniforms.map((u) => this.dims.get(u)!), groups, node: node.id };
  }
}
