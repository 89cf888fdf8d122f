/**
 * A CUDA program bound to symbol values: the memory regions to allocate, which region each program buffer lives in,
 * and every launch as a kernel, a grid, a block size and its arguments. The real runtime (runtime/cuda) and the host
 * emulation both run exactly this, so the emulation also checks the memory plan and grid folding the GPU will use.
 *
 * Regions: parameters, constants and inputs have one each; intermediates share their memory-plan slot's region,
 * sized for the largest buffer in it. Sizes are rounded to 16 bytes (float4 kernels read whole vectors).
 * Grids: a launch needs W blocks in total; W is folded onto x and y so x stays within the device's limit, and
 * kernels number blocks x + y * gridDim.x and skip those past W, as on the WGSL side.
 */
import { dimEval, dimParse } from '../../compiler/ir/dim.ts';
import type { Node } from '../../compiler/ir/graph.ts';
import type { HostTensor } from '../tensor.ts';
import type { CudaProgram } from './program.ts';

type Env = Readonly<Record<string, number>>;

/** CUDA's limits on grid dimensions (x: 2^31 - 1 blocks, y: 65535). */
export const MAX_GRID_X = 2 ** 31 - 1;
export const MAX_GRID_Y = 65535;

export interface Region {
  /** Stable across symbol values: `b<id>` for a buffer of its own, `s<slot>` for a memory-plan slot. */
  readonly key: string;
  readonly bytes: number;
  /** The program buffer that fills it before a run (parameter, constant or input), if any. */
  readonly buffer?: number;
}

export interface BoundLaunch {
  readonly kernel: number;
  readonly grid: readonly [number, number];
  readonly block: number;
  /** Region of each pointer parameter, in the kernel's order. */
  readonly regions: readonly number[];
  readonly uniforms: readonly number[];
}

export interface BoundProgram {
  readonly regions: readonly Region[];
  /** Region of every program buffer. */
  readonly regionOf: readonly number[];
  readonly launches: readonly BoundLaunch[];
}

export const roundBytes = (bytes: number): number => Math.max(16, Math.ceil(bytes / 16) * 16);

/** [x, y] blocks for W in total with x ≤ maxX; [0, 0] for an empty launch. */
export function foldGrid(total: number, maxX = MAX_GRID_X): [number, number] {
  if (total === 0) return [0, 0];
  const y = Math.ceil(total / maxX);
  if (y > MAX_GRID_Y) throw new Error(`CUDA: a launch needs ${total} blocks, more than a grid can have`);
  return [Math.ceil(total / y), y];
}

export function bindProgram(p: CudaProgram, env: Env, maxGridX = MAX_GRID_X): BoundProgram {
  const regions: Region[] = [];
  const regionOf = p.buffers.map(() => -1);
  p.buffers.forEach((b, id) => {
    if (p.slotOf[id]! >= 0) return;
    regionOf[id] = regions.length;
    regions.push({ key: `b${id}`, bytes: roundBytes(4 * dimEval(dimParse(b.size), env)), ...(b.kind !== 'temp' ? { buffer: id } : {}) });
  });
  const slotRegion = p.slots.map((sizes, slot) => {
    regions.push({ key: `s${slot}`, bytes: roundBytes(4 * Math.max(0, ...sizes.map((d) => dimEval(dimParse(d), env)))) });
    return regions.length - 1;
  });
  p.buffers.forEach((_, id) => {
    if (p.slotOf[id]! >= 0) regionOf[id] = slotRegion[p.slotOf[id]!]!;
  });
  const launches = p.launches.map((l, i): BoundLaunch => {
    const kernel = p.kernels[l.kernel]!;
    const uniforms = l.uniforms.map((d) => {
      const v = dimEval(dimParse(d), env);
      if (!(Number.isInteger(v) && v >= 0 && v <= 0xffffffff)) throw new Error(`CUDA: size ${v} of launch ${i} (${kernel.name}) does not fit a u32`);
      return v;
    });
    const total = l.groups.reduce((n, [d, per]) => n * Math.ceil(dimEval(dimParse(d), env) / per), 1);
    return { kernel: l.kernel, grid: foldGrid(total, maxGridX), block: kernel.workgroup, regions: l.buffers.map((b) => regionOf[b]!), uniforms };
  });
  return { regions, regionOf, launches };
}

/** The fill of a constant buffer, as the 4-byte words the device holds. */
export function constWords(p: CudaProgram, id: number, env: Env): Float32Array | Int32Array {
  const b = p.buffers[id]!;
  const n = dimEval(dimParse(b.size), env);
  return b.storage === 'f32' ? new Float32Array(n).fill(b.value!) : new Int32Array(n).fill(b.value!);
}

/** Device words of an output node as a host tensor (booleans come back from i32 0/1). */
export function hostTensorOf(node: Node, shape: number[], words: ArrayBuffer): HostTensor {
  const data = node.dtype === 'f32' ? new Float32Array(words) : node.dtype === 'bool' ? Uint8Array.from(new Int32Array(words)) : new Int32Array(words);
  return { dtype: node.dtype, shape, data };
}
