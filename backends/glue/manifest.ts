/**
 * The manifest of a generated package: the entry point's inputs, outputs, dim constraints and checkpoint tensors, and
 * the names the package API gives them. The glue emitter types the API from it and the runtime checks calls with it.
 */
import { dimToString } from '../../compiler/ir/dim.ts';
import type { Graph, InputArg } from '../../compiler/ir/graph.ts';
import type { Program, Span } from '../../dsl/ast.ts';
import { UserError } from '../../dsl/errors.ts';
import { expectedParams } from '../../runtime/cpu-model.ts';
import type { Manifest } from '../../runtime/package-api.ts';

export type { Manifest } from '../../runtime/package-api.ts';

/** `input_ids` → `inputIds`, `pooler_output` → `poolerOutput`: JavaScript's naming for the source's snake_case. */
export function jsName(name: string): string {
  const camel = name.replace(/_+([a-zA-Z\d])/g, (_, c: string) => c.toUpperCase());
  return /^\d/.test(camel) ? `_${camel}` : camel;
}

/** `bert.dsl` → `Bert`, `my-model.dsl` → `MyModel`: the stem the loader and types are named after. */
export function pascalName(file: string): string {
  const stem = (file.split(/[\\/]/).pop() ?? file).replace(/\.dsl$/, '');
  const pascal = stem.split(/[^a-zA-Z\d]+/).filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  return /^[A-Za-z]/.test(pascal) ? pascal : `Model${pascal}`;
}

/** The source text of each entry input's `in lo..hi` range, for error messages that say where a bound comes from. */
export function rangeTexts(program: Program, text: string, entry: string): Record<string, string> {
  const [mod, fn] = entry.split('.');
  const decl = program.decls.find((d) => d.kind === 'Module' && d.name === mod);
  const member = decl?.kind === 'Module' ? decl.members.find((m) => m.kind === 'FnMember' && m.name === fn) : undefined;
  if (member?.kind !== 'FnMember') return {};
  const lines = text.split('\n');
  const slice = (from: Span, to: Span): string | undefined =>
    from.line === to.endLine ? lines[from.line - 1]?.slice(from.col - 1, to.endCol - 1) : undefined;
  const out: Record<string, string> = {};
  for (const p of member.params) {
    const t = p.range && slice(p.range[0].span, p.range[1].span);
    if (t) out[p.name] = t;
  }
  return out;
}

export interface ManifestOptions {
  /** The model source's path; names the package and its loader. */
  readonly source: string;
  readonly target: string;
  /** From rangeTexts. */
  readonly ranges?: Readonly<Record<string, string>>;
}

export function manifestOf(graph: Graph, opts: ManifestOptions): Manifest {
  const stem = pascalName(opts.source);
  const inputs = graph.inputs.map((n) => {
    const arg = n.arg as unknown as InputArg;
    const range = opts.ranges?.[arg.name];
    return {
      name: arg.name,
      jsName: jsName(arg.name),
      dtype: n.dtype,
      shape: n.shape.map(dimToString),
      ...(arg.fill !== undefined ? { fill: arg.fill } : {}),
      ...(arg.range ? { range: [arg.range[0], arg.range[1]] as const } : {}),
      ...(arg.range && range ? { rangeText: range } : {}),
    };
  });
  const outputs = graph.outputs.map((o) => ({ name: o.name, jsName: jsName(o.name), dtype: o.node.dtype, shape: o.node.shape.map(dimToString) }));
  for (const list of [inputs, outputs]) {
    const seen = new Map<string, string>();
    for (const x of list) {
      const other = seen.get(x.jsName);
      if (other) throw new UserError(`${other} and ${x.name} would both be called ${x.jsName} in the package API; rename one in the source`);
      seen.set(x.jsName, x.name);
    }
  }
  const file = opts.source.split(/[\\/]/).pop() ?? opts.source;
  return {
    format: 'dslc-package/1',
    name: file.replace(/\.dsl$/, '').toLowerCase().replace(/[^a-z\d._-]+/g, '-'),
    loader: `load${stem}`,
    source: file,
    target: opts.target,
    entry: graph.entry,
    config: graph.config,
    inputs,
    outputs,
    constraints: graph.constraints.map((c) => ({ dim: dimToString(c.dim), max: c.max, message: c.message })),
    params: expectedParams(graph),
  };
}
