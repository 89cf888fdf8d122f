/**
 * `dslc build`: writes a package folder for one compiled entry point — the graph IR as JSON and a manifest that
 * names its inputs, outputs and checkpoint tensors, so a runtime (or a person) can use it without the compiler.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dimToString } from '../compiler/ir/dim.ts';
import type { Graph } from '../compiler/ir/graph.ts';
import { graphToJson } from '../compiler/ir/print.ts';
import { UserError } from '../dsl/errors.ts';
import { expectedParams } from '../runtime/cpu-model.ts';

export interface Manifest {
  readonly format: 'dslc-package/1';
  readonly target: string;
  readonly entry: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly inputs: readonly { name: string; dtype: string; shape: string[]; fill?: number; range?: readonly [number, number] }[];
  readonly outputs: readonly { name: string; dtype: string; shape: string[] }[];
  readonly params: readonly { name: string; aliases?: readonly string[]; dtype: string; shape: readonly number[] }[];
}

export function manifestOf(graph: Graph, target: string): Manifest {
  return {
    format: 'dslc-package/1',
    target,
    entry: graph.entry,
    config: graph.config,
    inputs: graph.inputs.map((n) => ({
      name: n.arg['name'] as string,
      dtype: n.dtype,
      shape: n.shape.map(dimToString),
      ...(n.arg['fill'] !== undefined ? { fill: n.arg['fill'] as number } : {}),
      ...(n.arg['range'] ? { range: n.arg['range'] as [number, number] } : {}),
    })),
    outputs: graph.outputs.map((o) => ({ name: o.name, dtype: o.node.dtype, shape: o.node.shape.map(dimToString) })),
    params: expectedParams(graph),
  };
}

export async function buildPackage(graph: Graph, out: string): Promise<void> {
  try {
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'graph.json'), JSON.stringify(graphToJson(graph)));
    writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifestOf(graph, 'cpu'), null, 2)}\n`);
  } catch (e) {
    throw new UserError(`cannot write the package to ${out}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}
