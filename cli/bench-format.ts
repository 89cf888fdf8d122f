/**
 * `dslc bench`'s output: the per-kernel table of a variant, the side-by-side table of a comparison with ratios,
 * and the JSON document (`--json`) that holds everything measured.
 */
import type { Tuning } from '../compiler/kernel/tuning.ts';
import type { Roofline } from './bench-kernels.ts';
import type { KernelRow, VariantResult } from './bench-run.ts';

export interface BenchReport {
  readonly format: 'dslc-bench/1';
  readonly date: string;
  readonly adapter: string;
  readonly source: string;
  readonly roofline?: Roofline;
  readonly tuning: { readonly choice: Tuning; readonly text: string; readonly origin: string };
  readonly variants: readonly VariantResult[];
}

/** Column headers of the per-kernel table, in order. */
export const KERNEL_COLUMNS = ['kernel', 'launches', 'ms', 'share', 'GFLOP/s', 'GB/s', 'FLOP/B', 'roof %'] as const;

const fixed = (x: number, digits: number): string => (Number.isFinite(x) ? x.toFixed(digits) : '-');
const pct = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '-' : `${(100 * x).toFixed(1)}%`);

/** Left-aligned first column, right-aligned others. */
export function textTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`;
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const kernelCells = (r: KernelRow): string[] => [
  r.kernel,
  String(r.launches),
  fixed(r.ms, 3),
  pct(r.share),
  fixed(r.gflops, 2),
  fixed(r.gbs, 2),
  fixed(r.intensity, 1),
  pct(r.roof),
];

const dimsText = (dims: Readonly<Record<string, number>>): string => Object.entries(dims).map(([k, v]) => `${k}=${v}`).join(', ');

/** One variant: its kernels, slowest first, and the totals. */
export function variantText(v: VariantResult): string {
  const t = v.totals;
  const head = `${v.entry} at ${dimsText(v.dims)} [${v.label}]: ${t.dispatches} dispatches, median of ${v.reps} (${v.timer === 'timestamp' ? 'GPU timestamps per kernel' : v.timer === 'submit' ? 'one submit-and-wait per kernel' : 'CUDA events'})`;
  const total = ['total', String(t.dispatches), fixed(t.kernelMs, 3), '100%', fixed(t.gflops, 2), fixed(t.bytes / (t.kernelMs * 1e6), 2), fixed(t.flops / t.bytes, 1), '-'];
  const body = textTable(KERNEL_COLUMNS, [...v.kernels.map(kernelCells), total]);
  return `${head}\n${body}\n  whole forward (one submission, outputs read back): ${fixed(t.forwardMs, 3)} ms; ${fixed(t.flops / 1e9, 3)} GFLOP\n  tiles: ${v.tiles}`;
}

/** Baseline and variants side by side, per kernel name and in total; ratios are variant ÷ baseline time. */
export function compareText(variants: readonly VariantResult[]): string {
  const [base, ...others] = variants;
  if (!base || others.length === 0) return '';
  const names = [...new Set(variants.flatMap((v) => v.kernels.map((k) => k.kernel)))];
  const ms = (v: VariantResult, name: string) => v.kernels.find((k) => k.kernel === name)?.ms;
  const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? `${(a / b).toFixed(2)}×` : '-');
  const head = ['kernel', `${base.label} ms`, ...others.flatMap((o) => [`${o.label} ms`, 'ratio'])];
  const rows = names.map((n) => [n, ms(base, n) === undefined ? '-' : fixed(ms(base, n)!, 3), ...others.flatMap((o) => [ms(o, n) === undefined ? '-' : fixed(ms(o, n)!, 3), ratio(ms(o, n), ms(base, n))])]);
  const totals = (label: string, f: (v: VariantResult) => number, digits = 3) => [label, fixed(f(base), digits), ...others.flatMap((o) => [fixed(f(o), digits), ratio(f(o), f(base))])];
  rows.push(totals('sum of kernels', (v) => v.totals.kernelMs));
  rows.push(totals('whole forward', (v) => v.totals.forwardMs));
  rows.push(totals('dispatches', (v) => v.totals.dispatches, 0));
  return `comparison (ratio = variant time ÷ ${base.label} time; below 1× the variant is faster):\n${textTable(head, rows)}`;
}

export function rooflineText(r: Roofline): string {
  return `roofline: ${fixed(r.gflops, 2)} GFLOP/s (${r.gemm}), ${fixed(r.gbs, 2)} GB/s (${r.copy}); ridge at ${fixed(r.gflops / r.gbs, 2)} FLOP/B`;
}
