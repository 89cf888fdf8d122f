/**
 * The compiler's stages in order, each with why it exists. Every stage's output can be dumped (`dslc ir`, `--dump`).
 *
 *   parse      source text → AST               (dsl/)        syntax errors with file:line:col
 *   check      AST → diagnostics               (elaborate/)  types and shapes of every function, every config branch
 *   elaborate  AST + config → graph IR         (elaborate/)  one entry point traced into primitive ops, shapes symbolic
 *   validate   graph IR → graph IR             (ir/)         invariants every later stage relies on
 *   passes     graph IR → graph IR             (passes/)     fusions by rewrite rules, each switchable (PassOptions),
 *                                                            then precision lowering (fp16 / bf16 / int8w storage)
 *   schedule   graph IR → kernel launches      (kernel/)     kernel IR per op, sizes as uniforms fed by symbolic dims
 *   plan       launches → memory plan          (kernel/)     intermediates share buffers by liveness, one plan for all sizes
 *   render     kernel IR → WGSL                (backends/wgsl/) a printer; runtime/webgpu runs the result
 */
import { readFileSync } from 'node:fs';
import type { Program } from '../dsl/ast.ts';
import { CompileError } from '../dsl/diagnostics.ts';
import { UserError } from '../dsl/errors.ts';
import { parse } from '../dsl/parser.ts';
import { checkProgram } from './elaborate/entry.ts';
import { type ElaborateOptions, elaborate } from './elaborate/entry.ts';
import type { Graph } from './ir/graph.ts';
import { validateGraph } from './ir/validate.ts';
import { type MemoryPlan, planMemory } from './kernel/memory-plan.ts';
import { PASSES, type PassOptions, runPass } from './passes/index.ts';
import { type Precision, PRECISIONS } from './passes/lower-precision.ts';
import { type Schedule, type ScheduleOptions, scheduleGraph } from './kernel/schedule.ts';

export interface Source {
  readonly file: string;
  readonly text: string;
}

export function readSource(file: string): Source {
  try {
    return { file, text: readFileSync(file, 'utf8') };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`cannot read model source ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : String(e)}`);
  }
}

/** Parses or throws a CompileError with every syntax error. */
export function parseSource(src: Source): Program {
  const { program, diagnostics } = parse(src.text, src.file);
  if (diagnostics.length > 0) throw new CompileError(diagnostics, src.text);
  return program;
}

/** `dslc check`: every diagnostic of the source, syntax first (type checking needs a whole AST). */
export function checkSource(src: Source): CompileError | undefined {
  const { program, diagnostics } = parse(src.text, src.file);
  const all = diagnostics.length > 0 ? diagnostics : checkProgram(program);
  return all.length > 0 ? new CompileError(all, src.text) : undefined;
}

/** Source → validated graph IR of one entry point for one config. */
export function compileGraph(src: Source, opts: ElaborateOptions): Graph {
  const graph = elaborate(parseSource(src), src.text, opts);
  validateGraph(graph);
  return graph;
}

/** Graph IR → the launches that compute it (every kernel checked) and the memory plan of their buffers. */
export function compileKernels(graph: Graph, opts: ScheduleOptions = {}): { schedule: Schedule; plan: MemoryPlan } {
  const schedule = scheduleGraph(graph, opts);
  return { schedule, plan: planMemory(schedule) };
}

export type { PassOptions } from './passes/index.ts';
export { type Precision, PRECISIONS } from './passes/lower-precision.ts';

/** A precision named on the command line (`--precision`), checked. */
export function parsePrecision(name: string): Precision {
  if (!(PRECISIONS as readonly string[]).includes(name)) throw new UserError(`--precision: unknown precision "${name}" (known: ${PRECISIONS.join(', ')})`);
  return name as Precision;
}

/**
 * The passes `dslc build --target cuda` runs unless told otherwise: all but fuse-norm. Its register-blocked
 * matmul+LayerNorm kernel (16 whole rows a workgroup) wins on CPU-like adapters but starves a GPU: on an H200 at
 * BERT-base, B = 1, S = 128, its 24 launches took 79 of an 81.5 ms forward (8 workgroups for 132 SMs).
 */
export const CUDA_FUSE = 'attention,epilogue,qkv,add-norm';

/** Pass options from a CLI list: `all`, `none`, or comma-separated short names (`attention,epilogue`). */
export function passOptions(list: string): PassOptions {
  const names = list.split(',').map((n) => n.trim()).filter(Boolean);
  const known = PASSES.filter((p) => p.option !== 'precision').map((p) => p.name.replace(/^fuse-/, ''));
  const bad = names.filter((n) => n !== 'all' && n !== 'none' && !known.includes(n));
  if (bad.length > 0) throw new UserError(`--fuse: unknown pass ${bad.join(', ')} (known: all, none, ${known.join(', ')})`);
  return Object.fromEntries(PASSES.filter((p) => p.option !== 'precision').map((p, i) => [p.option, names.includes('all') || names.includes(known[i]!)]));
}

/**
 * Graph IR → optimised graph IR: the passes of passes/index.ts in order, each skipped when its option is false (an
 * opt-in pass unless it is true),
 * each result validated. `fired` says how often each pass's rules fired (for `dslc build --report`).
 */
export function optimizeGraph(graph: Graph, opts: PassOptions = {}): { graph: Graph; fired: Record<string, number> } {
  const fired: Record<string, number> = {};
  let g = graph;
  for (const pass of PASSES) {
    if (pass.off ? opts[pass.option] !== true : opts[pass.option] === false) continue;
    if (pass.option === 'precision' && (opts.precision ?? 'fp32') === 'fp32') continue;
    const r = runPass(pass, g, opts);
    validateGraph(r.graph);
    fired[pass.name] = r.fired;
    g = r.graph;
  }
  return { graph: g, fired };
}
