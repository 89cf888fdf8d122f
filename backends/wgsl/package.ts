/**
 * What `dslc build --target webgpu` adds to a package: the compiled WGSL program, so the package runtime only reads
 * it (no compiler in the bundle). Each distinct kernel is a `kernels/<name>.wgsl` file, readable and diffable on its
 * own, with `kernels/<name>.f16.wgsl` beside it when it has a shader-f16 variant; `program.json` holds the rest
 * (launches, buffers, memory plan) and names each kernel's file(s).
 *
 * The program refers to graph nodes by id, and ids are assigned when a graph is built. The package runtime gets its
 * graph from graph.json, so the program is compiled from that same JSON read back: the ids then agree by construction.
 */
import { readFileSync } from 'node:fs';
import type { Graph } from '../../compiler/ir/graph.ts';
import { graphFromJson, graphToJson } from '../../compiler/ir/print.ts';
import type { Tuning } from '../../compiler/kernel/tuning.ts';
import type { PackagedProgram } from './glue.ts';
import { compileWgsl } from './program.ts';

/** The npm package that gives Node its WebGPU (Dawn): the generated package lists it as a dependency. */
export function webgpuDependency(): Record<string, string> {
  const repo = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { dependencies?: Record<string, string> };
  return { webgpu: repo.dependencies?.['webgpu'] ?? '*' };
}

/** Files by package-relative path: `program.json` and one `kernels/*.wgsl` per distinct kernel. */
export function wgslPackageFiles(graph: Graph, opts: { readonly tuning?: Tuning } = {}): Record<string, string> {
  const program = compileWgsl(graphFromJson(graphToJson(graph)), opts);
  const files: Record<string, string> = {};
  const kernels = program.kernels.map((k) => {
    // Kernels are distinct by text, not by name (two `add_f32_cs` may differ in their loads): number repeats.
    let file = `kernels/${k.name}.wgsl`;
    for (let n = 2; files[file] !== undefined; n++) file = `kernels/${k.name}-${n}.wgsl`;
    files[file] = k.code;
    // the variant for devices with shader-f16 (native f16 buffers) sits beside the packed one
    const fileF16 = k.codeF16 !== undefined ? file.replace(/\.wgsl$/, '.f16.wgsl') : undefined;
    if (fileF16) files[fileF16] = k.codeF16!;
    return { name: k.name, file, ...(fileF16 ? { fileF16 } : {}), writes: k.writes, uniforms: k.uniforms };
  });
  const packaged: PackagedProgram = { ...program, kernels };
  files['program.json'] = `${JSON.stringify(packaged)}\n`;
  return files;
}
