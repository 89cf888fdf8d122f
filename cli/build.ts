/**
 * `dslc build`: writes a package folder for one compiled entry point, importable without the compiler:
 *
 *   graph.json      the graph IR as JSON               manifest.json  inputs, outputs, constraints, checkpoint tensors
 *   index.ts        typed glue (ts-morph)              index.d.ts     its declarations
 *   index.js        the glue, bundled (esbuild)        runtime.js     the package runtime and its executor
 *   runtime.d.ts    the runtime's API                  chunks/        shared and on-demand code of the two
 *   pipelines.d.ts  the pipelines' API (fillMask, …)   package.json   an ES module package
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Graph } from '../compiler/ir/graph.ts';
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
}

export interface BuildResult {
  /** Files written, relative to the package folder. */
  readonly files: readonly string[];
}

function write(out: string, name: string, text: string): void {
  try {
    writeFileSync(join(out, name), text);
  } catch (e) {
    throw new UserError(`cannot write the package to ${out}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

export async function buildPackage(graph: Graph, out: string, opts: BuildOptions = {}): Promise<BuildResult> {
  const source = opts.source ?? graph.outputs[0]?.node.origin?.file ?? `${graph.entry.split('.')[0]}.dsl`;
  const manifest = manifestOf(graph, { source, target: opts.target ?? 'cpu', ...(opts.ranges ? { ranges: opts.ranges } : {}) });
  try {
    mkdirSync(out, { recursive: true });
  } catch (e) {
    throw new UserError(`cannot write the package to ${out}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  write(out, 'graph.json', JSON.stringify(graphToJson(graph)));
  write(out, 'manifest.json', `${JSON.stringify(manifest, null, 2)}\n`);
  // Loaded here, not at the top: ts-morph and esbuild take a while to load and only `build` needs them.
  const { emitGlue } = await import('../backends/glue/emit-glue.ts');
  const glue = emitGlue(manifest, opts.command ? { command: opts.command } : {});
  for (const [name, text] of Object.entries(glue)) write(out, name, text);
  const { bundlePackage } = await import('../backends/glue/bundle.ts');
  const bundled = await bundlePackage(out);
  return { files: ['graph.json', 'manifest.json', ...Object.keys(glue), ...bundled.files].sort() };
}
