/**
 * `dslc build --report`: what one compiled entry point costs per forward, as a readable table — kernels per encoder
 * layer, dispatches, FLOPs, the least bytes moved, peak memory and the largest live set of the memory plan, which
 * fusions fired, and for --target cuda what ptxas reports per kernel (registers, shared memory, spills).
 *
 * Sizes are evaluated at the symbol values of `--report-dims` (default B=1, S=128; any other symbol, such as the
 * past length P or the encoder length T, defaults to S, and the choice count C to 4).
 */
import { dimSymbols } from '../compiler/ir/dim.ts';
import { type Graph, graphNodes } from '../compiler/ir/graph.ts';
import { compileKernels } from '../compiler/pipeline.ts';
import { type Report, reportOf } from '../compiler/report.ts';
import { UserError } from '../dsl/errors.ts';

export const DEFAULT_DIMS = 'B=1,S=128';

/** `B=8,S=512` → values for every symbol of the graph (see the file comment for defaults). */
export function reportDims(graph: Graph, text = DEFAULT_DIMS): Record<string, number> {
  const given: Record<string, number> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([A-Za-z_]\w*)=(\d+)$/.exec(part);
    if (!m || Number(m[2]) < 1) throw new UserError(`--report-dims expects NAME=N[,NAME=N...] with N ≥ 1, got '${part}'`);
    given[m[1]!] = Number(m[2]);
  }
  const symbols = new Set(graphNodes(graph).flatMap((n) => n.shape.flatMap(dimSymbols)));
  const unknown = Object.keys(given).filter((k) => !symbols.has(k) && k !== 'B' && k !== 'S');
  if (unknown.length > 0) throw new UserError(`--report-dims: ${graph.entry} has no symbol ${unknown.join(', ')} (it has ${[...symbols].sort().join(', ') || 'none'})`);
  const env: Record<string, number> = { B: 1, S: 128, ...given };
  for (const s of symbols) env[s] ??= s === 'C' ? 4 : env['S']!;
  return env;
}

const units = (n: number, base: number, names: readonly string[]): string => {
  let i = 0;
  while (n >= base && i < names.length - 1) (n /= base), i++;
  return `${i === 0 ? n : n.toFixed(n < 10 ? 2 : 1)} ${names[i]}`;
};
export const bytes = (n: number): string => units(n, 1024, ['B', 'KiB', 'MiB', 'GiB', 'TiB']);
export const flops = (n: number): string => units(n, 1000, ['FLOP', 'kFLOP', 'MFLOP', 'GFLOP', 'TFLOP']);

/** `matmul_f32 ×2, softmax_f32` from kernel names in order, runs of one name folded. */
function kernelList(names: readonly string[]): string {
  const runs: [string, number][] = [];
  for (const n of names) {
    const last = runs[runs.length - 1];
    if (last && last[0] === n) last[1]++;
    else runs.push([n, 1]);
  }
  return runs.map(([n, k]) => (k > 1 ? `${n} ×${k}` : n)).join(', ');
}

/** A two-column table of label and value. */
function table(rows: readonly (readonly [string, string])[]): string {
  const w = Math.max(...rows.map(([l]) => l.length));
  return rows.map(([l, v]) => `  ${l.padEnd(w)}  ${v}`).join('\n');
}

export function formatReport(r: Report, env: Readonly<Record<string, number>>, fuse: string, precision = 'fp32'): string {
  const dims = Object.entries(env).map(([k, v]) => `${k}=${v}`).join(', ');
  const fired = Object.entries(r.fusions).filter(([k]) => k.startsWith('fuse-')).map(([k, v]) => `${k} ${v}×`);
  const made = Object.entries(r.fusions).filter(([k]) => !k.startsWith('fuse-') && k !== 'lower-precision').map(([k, v]) => `${v} ${k}`);
  const rows: [string, string][] = [
    ['kernels per encoder layer', r.kernelsPerLayer === undefined ? 'n/a (no encoder layers)' : `${r.kernelsPerLayer}  (${kernelList(r.layerKernels)})`],
    ['dispatches per forward', `${r.dispatches}  (${r.distinctKernels} distinct kernels)`],
    ['FLOPs per forward', flops(r.flops)],
    ['min bytes moved', `${bytes(r.minBytes)}  (each launch reads its inputs and writes its output once)`],
    ['peak memory', `${bytes(r.peakBytes)}  (activations ${bytes(r.activationBytes)} in ${r.slots} slots, weights ${bytes(r.paramBytes)}, inputs ${bytes(r.inputBytes)})`],
    ['largest live set', `${bytes(r.liveBytes)}  (intermediates live at once; the plan pools ${bytes(r.activationBytes)}, ${(r.activationBytes / Math.max(r.liveBytes, 1)).toFixed(2)}×)`],
    ['fusions fired', fired.length > 0 ? `${fired.join(', ')}  →  ${made.join(', ')}` : `none (--fuse ${fuse})`],
    ['precision', precisionText(precision, r.fusions['lower-precision'])],
  ];
  return `${r.entry} at ${dims} (--fuse ${fuse})\n${table(rows)}`;
}

function precisionText(precision: string, narrowed: number | undefined): string {
  if (precision === 'fp32') return 'fp32 (every buffer f32)';
  if (precision === 'int8w') return `int8w: ${narrowed ?? 0} Linear weights int8 with per-output-channel f32 scales, dequantised in the matmul; activations f32`;
  const low = precision === 'fp16' ? 'f16' : 'bf16';
  return `${precision}: ${narrowed ?? 0} nodes (weights included) stored ${low}, f32 arithmetic; softmax, LayerNorm statistics, losses, outputs f32`;
}

/** The report of `graph` (already through the passes) at `env`, as text. */
export function reportText(graph: Graph, env: Readonly<Record<string, number>>, fired: Readonly<Record<string, number>>, fuse: string, precision = 'fp32'): string {
  const { schedule, plan } = compileKernels(graph);
  return formatReport(reportOf(graph, schedule, plan, env, fired), env, fuse, precision);
}

/** ptxas's registers, shared memory and spills for each kernel of the graph's CUDA program, per cubin target. */
export async function cudaResourceText(graph: Graph): Promise<string> {
  const { compileCuda, cudaModuleSource } = await import('../backends/cuda/program.ts');
  const { buildCudaImages } = await import('../backends/cuda/package.ts');
  const program = compileCuda(graph);
  const build = await buildCudaImages(cudaModuleSource(program.kernels));
  const archs = [...new Set(build.resources.map((r) => r.arch))].sort();
  const by = new Map(build.resources.map((r) => [`${r.entry} ${r.arch}`, r]));
  const head = ['kernel', ...archs.map((a) => `${a} regs/smem/spill`)];
  const body = program.kernels.map((k) => [
    k.entry,
    ...archs.map((a) => {
      const r = by.get(`${k.entry} ${a}`);
      return r ? `${r.registers} / ${bytes(r.sharedBytes)} / ${r.spillStores + r.spillLoads} B` : '-';
    }),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]) => `  ${cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd();
  const spills = build.resources.filter((r) => r.spillStores + r.spillLoads > 0).length;
  return [`  CUDA kernels (ptxas, nvcc ${build.cached.length === build.images.size ? 'cache' : 'fresh build'}; ${spills} spilling):`, line(head), ...body.map(line)].join('\n');
}
