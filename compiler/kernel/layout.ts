/**
 * The target-neutral half of a compiled program, as plain JSON: launches (with the symbolic dims behind each uniform
 * and grid factor), buffers and the memory plan. Dims are strings (`dimToString`) so a program can be written into a
 * package and run without the compiler. Each backend adds its own kernel texts (WGSL, CUDA C++).
 */
import { dimToString } from '../ir/dim.ts';
import type { Kernel } from './ir.ts';
import type { Storage } from './launch.ts';
import type { MemoryPlan } from './memory-plan.ts';
import type { BufferKind, Schedule } from './schedule.ts';

export interface ProgramLaunch {
  readonly kernel: number;
  readonly buffers: readonly number[];
  readonly uniforms: readonly string[];
  /** Grid factors [dim, per]: workgroups = product of ceil(dim / per). */
  readonly groups: readonly (readonly [string, number])[];
  readonly node: number;
}

export interface ProgramBuffer {
  readonly kind: BufferKind;
  readonly storage: Storage;
  readonly size: string;
  readonly name?: string;
  readonly value?: number;
  readonly node?: number;
  readonly quant?: 'scales';
}

export interface ProgramLayout {
  readonly launches: readonly ProgramLaunch[];
  readonly buffers: readonly ProgramBuffer[];
  /** Memory plan: slot sizes (the largest applies) and each buffer's slot (-1 outside the pool). */
  readonly slots: readonly (readonly string[])[];
  readonly slotOf: readonly number[];
  readonly outputs: readonly { readonly name: string; readonly buffer: number }[];
}

/** Launches, buffers and plan of a schedule; `kernelIndex` maps each scheduled kernel to the backend's kernel list. */
export function programLayout(s: Schedule, plan: MemoryPlan, kernelIndex: ReadonlyMap<Kernel, number>): ProgramLayout {
  return {
    launches: s.launches.map((l) => ({
      kernel: kernelIndex.get(l.kernel)!,
      buffers: l.buffers,
      uniforms: l.uniforms.map(dimToString),
      groups: l.groups.map((g) => [dimToString(g.dim), g.per] as const),
      node: l.node,
    })),
    buffers: s.buffers.map((b) => ({
      kind: b.kind,
      storage: b.storage,
      size: dimToString(b.size),
      ...(b.name !== undefined ? { name: b.name } : {}),
      ...(b.value !== undefined ? { value: b.value } : {}),
      ...(b.node !== undefined ? { node: b.node } : {}),
      ...(b.quant !== undefined ? { quant: b.quant } : {}),
    })),
    slots: plan.slots.map((sizes) => sizes.map(dimToString)),
    slotOf: plan.slotOf,
    outputs: s.outputs.map((o) => ({ name: o.name, buffer: o.buffer })),
  };
}
