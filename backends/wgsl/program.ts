/**
 * A compiled WGSL program: everything the WebGPU runtime needs to run a graph, as plain JSON — kernel sources, the
 * launch list with the symbolic dims behind each uniform and grid factor, the buffers, and the memory plan. Dims are
 * strings (`dimToString`) so a program can be written to a package and run without the compiler.
 */
import { dimToString } from '../../compiler/ir/dim.ts';
import type { Graph } from '../../compiler/ir/graph.ts';
import { type MemoryPlan, planMemory } from '../../compiler/kernel/memory-plan.ts';
import { type BufferKind, type Schedule, scheduleGraph } from '../../compiler/kernel/schedule.ts';
import type { Storage } from '../../compiler/kernel/launch.ts';
import { renderWgsl } from './renderer.ts';

export interface WgslKernel {
  readonly name: string;
  readonly code: string;
  /** Per storage binding, whether the kernel writes it. */
  readonly writes: readonly boolean[];
  /** Number of u32 uniforms (binding `writes.length` when non-zero). */
  readonly uniforms: number;
}

export interface WgslLaunch {
  readonly kernel: number;
  readonly buffers: readonly number[];
  readonly uniforms: readonly string[];
  /** Grid factors [dim, per]: workgroups = product of ceil(dim / per). */
  readonly groups: readonly (readonly [string, number])[];
  readonly node: number;
}

export interface WgslBuffer {
  readonly kind: BufferKind;
  readonly storage: Storage;
  readonly size: string;
  readonly name?: string;
  readonly value?: number;
  readonly node?: number;
}

export interface WgslProgram {
  readonly format: 'dslc-wgsl/1';
  readonly kernels: readonly WgslKernel[];
  readonly launches: readonly WgslLaunch[];
  readonly buffers: readonly WgslBuffer[];
  /** Memory plan: slot sizes (the largest applies) and each buffer's slot (-1 outside the pool). */
  readonly slots: readonly (readonly string[])[];
  readonly slotOf: readonly number[];
  readonly outputs: readonly { readonly name: string; readonly buffer: number }[];
}

export function programOf(s: Schedule, plan: MemoryPlan): WgslProgram {
  const texts = new Map<string, number>();
  const kernels: WgslKernel[] = [];
  const index = new Map(
    s.kernels.map((k) => {
      const code = renderWgsl(k);
      if (!texts.has(code)) {
        texts.set(code, kernels.length);
        kernels.push({ name: k.name, code, writes: k.buffers.map((b) => b.write), uniforms: k.uniforms.length });
      }
      return [k, texts.get(code)!];
    }),
  );
  return {
    format: 'dslc-wgsl/1',
    kernels,
    launches: s.launches.map((l) => ({
      kernel: index.get(l.kernel)!,
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
    })),
    slots: plan.slots.map((sizes) => sizes.map(dimToString)),
    slotOf: plan.slotOf,
    outputs: s.outputs.map((o) => ({ name: o.name, buffer: o.buffer })),
  };
}

/** Graph → schedule → memory plan → WGSL program (compiler/pipeline.ts's last stages, without the front end). */
export function compileWgsl(graph: Graph): WgslProgram {
  const schedule = scheduleGraph(graph);
  return programOf(schedule, planMemory(schedule));
}
