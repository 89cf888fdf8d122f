/** Small graph-building and comparison helpers for the CPU executor tests. */
import * as assert from 'uvu/assert';
import { type Dim, dimConst, dimParse } from '../../../compiler/ir/dim.ts';
import type { DType, Op } from '../../../compiler/ir/ops.ts';
import { Op as O } from '../../../compiler/ir/ops.ts';
import { type DimConstraint, type Graph, type Node, NodeFactory } from '../../../compiler/ir/graph.ts';
import { hostTensor, type HostTensor } from '../../../backends/tensor.ts';
import { runGraph, type RunOptions } from '../../../backends/cpu/index.ts';

export type ShapeSpec = readonly (number | string)[];

/** `[2, 'S', 'B*S']` -> Dims (strings are parsed as polynomials). */
export function dims(shape: ShapeSpec): Dim[] {
  return shape.map((d) => (typeof d === 'number' ? dimConst(d) : dimParse(d)));
}

/** Builds one graph: inputs are recorded as they are made. */
export class Builder {
  readonly f = new NodeFactory();
  readonly inputs: Node[] = [];

  input(name: string, dtype: DType, shape: ShapeSpec, extra: { fill?: number; range?: [number, number] } = {}): Node {
    const node = this.f.make(O.Input, dtype, dims(shape), [], { name, ...extra });
    this.inputs.push(node);
    return node;
  }

  param(name: string, dtype: DType, shape: ShapeSpec, aliases?: string[]): Node {
    return this.f.make(O.Param, dtype, dims(shape), [], aliases ? { name, aliases } : { name });
  }

  op(op: Op, dtype: DType, shape: ShapeSpec, src: Node[], arg: Record<string, unknown> = {}): Node {
    return this.f.make(op, dtype, dims(shape), src, arg);
  }

  graph(outputs: Record<string, Node>, constraints: DimConstraint[] = []): Graph {
    const symbols = [...new Set(this.inputs.flatMap((n) => n.shape.flatMap((d) => d.terms.flatMap(([m]) => m))))];
    return {
      entry: 'test',
      config: {},
      symbols,
      inputs: this.inputs,
      outputs: Object.entries(outputs).map(([name, node]) => ({ name, node })),
      constraints,
    };
  }
}

/** Deterministic values in ±[0.1, 1) (never zero), from a small LCG. */
export function randoms(n: number, seed = 1, scale = 1): number[] {
  let s = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 2 ** 32;
    const mag = 0.1 + 0.9 * ((u * 2) % 1);
    out.push((u < 0.5 ? -mag : mag) * scale);
  }
  return out;
}

export function f32(shape: number[], seed = 1, scale = 1): HostTensor {
  return hostTensor('f32', shape, Float32Array.from(randoms(shape.reduce((a, b) => a * b, 1), seed, scale)));
}

/** Row-major flat index of `idx` in `shape`. */
export function flat(idx: readonly number[], shape: readonly number[]): number {
  return idx.reduce((acc, i, d) => acc * shape[d]! + i, 0);
}

/** Every multi-index of `shape` in row-major order. */
export function* indices(shape: readonly number[]): Generator<number[]> {
  const n = shape.reduce((a, b) => a * b, 1);
  for (let i = 0; i < n; i++) {
    const idx: number[] = [];
    let r = i;
    for (let d = shape.length - 1; d >= 0; d--) {
      idx.unshift(r % shape[d]!);
      r = Math.floor(r / shape[d]!);
    }
    yield idx;
  }
}

/** Elementwise |a - e| <= abs + rel * |e| (NaN matches NaN). */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel = 1e-6, abs = 1e-7, what = ''): void {
  assert.is(actual.length, expected.length, `${what} length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (a === e) continue;
    if (!(Math.abs(a - e) <= abs + rel * Math.abs(e))) assert.unreachable(`${what}[${i}]: got ${a}, expected ${e}`);
  }
}

/** Runs and returns the single output `out`. */
export function run1(g: Graph, inputs: Record<string, HostTensor>, weights = new Map<string, Float32Array | Int32Array>(), opts?: RunOptions): HostTensor {
  return runGraph(g, inputs, weights, opts)['out']!;
}

/** Asserts `fn` throws a UserError whose message matches. */
export function throwsUser(fn: () => unknown, message: string | RegExp): void {
  try {
    fn();
  } catch (e) {
    assert.is((e as Error).name, 'UserError', `expected a UserError, got ${(e as Error).stack}`);
    if (typeof message === 'string') assert.is((e as Error).message, message);
    else assert.match((e as Error).message, message);
    return;
  }
  assert.unreachable('expected a UserError');
}
