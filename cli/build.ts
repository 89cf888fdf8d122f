/**
 * `dslc build`: writes a package folder for one compiled entry point, importable without the compiler:
 *
 *   graph.json      the graph IR as JSON               manifest.json  inputs, outputs, constraints, checkpoint tensors
 *   index.ts        typed glue (ts-morph)              index.d.ts     its declarations
 *   index.js        the glue, bundled (esbuild)        runtime.js     the package runtime and its executor
 *   runtime.d.ts    the runtime's API                  chunks/        shared and on-demand code of the two
 *   pipelines.d.ts  the pipelines' API (fillMask, …)   package.json   an ES module package
 *
 * and what its target compiled (TARGETS), e.g. for webgpu `program.json` (launches, buffers, memory plan) and
 * `kernels/*.wgsl`, one file per distinct kernel; for cuda `program.json`, `kernels.cu`, PTX and sm_80/sm_90 cubins.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Graph } from '../compiler/ir/graph.ts';
import type { Tuning } from '../compiler/kernel/tuning.ts';
import { graphToJson } from '../compiler/ir/print.ts';
import { UserError } from '../dsl/errors.ts';
import { manifestOf } from '../backends/glue/manifest.ts';

export { manifestOf, type Manifest } from '../backends/glue/manifest.ts';

export interface BuildOptions {
  /** The model source's path: names the package and its loader (`bert.dsl` → `loadBert`). */
  readonly source?: string;
  readonly target?: string;
  /** Source text of each input's range, from rangeTexts. */
  readonly ranges?: Readonly<Record<string, string>>;
  /** The command line that rebuilds the package, quoted in the glue's header. */
  readonly command?: string;
  /** GEMM and attention tiles of the WebGPU kernels (`--tiles`); the defaults when absent. */
  readonly tuning?: Tuning;
}

export interface BuildResult {
  /** Files written, relative to the package folder. */
  readonly files: readonly string[];
}

/** What a target adds to the package, compiled here so the package runtime only reads it. */
export interface TargetOutput {
  /** Files by package-relative path: text, or bytes (cubins). */
  readonly files: Readonly<Record<string, string | Uint8Array>>;
  /** npm packages the runtime imports (left out of the bundle, listed in package.json). */
  readonly dependencies: Readonly<Record<string, string>>;
  /** The module runtime/package-runtime.ts loads the target's executor from; the bundle has no other. */
  readonly executor: string;
}

/** The targets `dslc build` knows. Loaded on demand: each brings its compiler back end. */
export const TARGETS: Readonly<Record<string, (graph: Graph, opts: { readonly tuning?: Tuning }) => Promise<TargetOutput>>> = {
  cpu: async () => ({ files: {}, dependencies: {}, executor: 'backends/cpu/glue.ts' }),
  webgpu: async (graph, opts) => {
    const wgsl = await import('../backends/wgsl/package.ts');
    return { files: wgsl.wgslPackageFiles(graph, opts), dependencies: wgsl.webgpuDependency(), executor: 'backends/wgsl/glue.ts' };
  },
  cuda: async (graph) => {
    const cuda = await import('../backends/cuda/package.ts');
    return { files: await cuda.cudaPackageFiles(graph), dependencies: cuda.koffiDependency(), executor: 'backends/cuda/glue.ts' };
  },
};

function write(out: string, name: string, text: string | Uint8Array): void {
  try {
    if (name.includes('/')) mkdirSync(dirname(join(out, name)), { recursive: true });
    writeFileSync(join(out, name), text);
  } catch (e) {
    throw new UserError(`cannot write the package to ${out}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

export async function buildPackage(graph: Graph, out: string, opts: BuildOptions = {}): Promise<BuildResult> {
  const source = opts.source ?? graph.outputs[0]?.node.origin?.file ?? `${graph.entry.split('.')[0]}.dsl`;
  const target = opts.target ?? 'cpu';
  const compileTarget = TARGETS[target];
  if (!compileTarget) throw new UserError(`unknown target '${target}'; available: ${Object.keys(TARGETS).join(', ')}`);
  const manifest = manifestOf(graph, { source, target, ...(opts.ranges ? { ranges: opts.ranges } : {}) });
  try {
    mkdirSync(out, { recursive: true });
  } catch (e) {
    throw new UserError(`cannot write the package to ${out}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  write(out, 'graph.json', JSON.stringify(graphToJson(graph)));
  write(out, 'manifest.json', `${JSON.stringify(manifest, null, 2)}\n`);
  const compiled = await compileTarget(graph, opts.tuning ? { tuning: opts.tuning } : {});
  // a previous build's kernels, possibly other ones or another target's
  rmSync(join(out, 'kernels'), { recursive: true, force: true });
  for (const f of readdirSync(out)) if (f === 'program.json' || /^kernels\.(cu|\w+\.(ptx|cubin))$/.test(f)) rmSync(join(out, f), { force: true });
  for (const [name, text] of Object.entries(compiled.files)) write(out, name, text);
  // Loaded here, not at the top: ts-morph and esbuild take a while to load and only `build` needs them.
  const { emitGlue } = await import('../backends/glue/emit-glue.ts');
  const glue = emitGlue(manifest, { ...(opts.command ? { command: opts.command } : {}), dependencies: compiled.dependencies });
  for (const [name, text] of Object.entries(glue)) write(out, name, text);
  const { bundlePackage } = await import('../backends/glue/bundle.ts');
  const bundled = await bundlePackage(out, { external: Object.keys(compiled.dependencies), executor: compiled.executor });
  return { files: ['graph.json', 'manifest.json', ...Object.keys(compiled.files), ...Object.keys(glue), ...bundled.files].sort() };
}
