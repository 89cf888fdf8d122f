/**
 * A compiled WGSL program: everything the WebGPU runtime needs to run a graph, as plain JSON — kernel sources, the
 * launch list with the symbolic dims behind each uniform and grid factor, the buffers, and the memory plan. Dims are
 * strings (`dimToString`) so a program can be written to a package and run without the compiler.
 */
import type { Graph } from '../../compiler/ir/graph.ts';
import { type MemoryPlan, planMemory } from '../../compiler/kernel/memory-plan.ts';
import { type Schedule, scheduleGraph } from '../../compiler/kernel/schedule.ts';
import { type ProgramBuffer, type ProgramLaunch, type ProgramLayout, programLayout } from '../../compiler/kernel/layout.ts';
import type { Tuning } from '../../compiler/kernel/tuning.ts';
import { renderWgsl, usesF16 } from './renderer.ts';

export interface WgslKernel {
  readonly name: string;
  /** The kernel for every adapter: f16 buffers packed two halves per u32 word. */
  readonly code: string;
  /**
   * The kernel with f16 buffers as native `f16` (`enable f16;`), for devices with `shader-f16`; absent when the
   * kernel has no f16 buffer. Same bindings and bytes as `code`: the runtime picks one when it compiles.
   */
  readonly codeF16?: string;
  /** Per storage binding, whether the kernel writes it. */
  readonly writes: readonly boolean[];
  /** Number of u32 uniforms (binding `writes.length` when non-zero). */
  readonly uniforms: number;
}

export type WgslLaunch = ProgramLaunch;
export type WgslBuffer = ProgramBuffer;

export interface WgslProgram extends ProgramLayout {
  readonly format: 'dslc-wgsl/1';
  readonly kernels: readonly WgslKernel[];
}

export function programOf(s: Schedule, plan: MemoryPlan): WgslProgram {
  const texts = new Map<string, number>();
  const kernels: WgslKernel[] = [];
  const index = new Map(
    s.kernels.map((k) => {
      const code = renderWgsl(k);
      if (!texts.has(code)) {
        texts.set(code, kernels.length);
        const codeF16 = usesF16(k) ? { codeF16: renderWgsl(k, { f16: true }) } : {};
        kernels.push({ name: k.name, code, ...codeF16, writes: k.buffers.map((b) => b.write), uniforms: k.uniforms.length });
      }
      return [k, texts.get(code)!];
    }),
  );
  return { format: 'dslc-wgsl/1', kernels, ...programLayout(s, plan, index) };
}

/** Graph → schedule → memory plan → WGSL program (compiler/pipeline.ts's last stages, without the front end). */
export function compileWgsl(graph: Graph, opts: { readonly tuning?: Tuning } = {}): WgslProgram {
  const schedule = scheduleGraph(graph, opts);
  return programOf(schedule, planMemory(schedule));
}
