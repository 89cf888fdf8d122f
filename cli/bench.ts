/**
 * `dslc bench`: builds an entry point for WebGPU, runs it with random weights on random token ids, and times every
 * kernel on its own (runtime/webgpu/profile.ts); prints a table per kernel with its share of the forward, GFLOP/s,
 * GB/s, arithmetic intensity and share of the device's measured roofline, and the totals. `--compare FLAGS` builds
 * variants with other build flags (parsed exactly as `dslc build` parses them) and runs them in the same process,
 * side by side with ratios. `--json` and `--chart` (SVG) write what was measured.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_TUNING, tuningText } from '../compiler/kernel/tuning.ts';
import { UserError } from '../dsl/errors.ts';
import { profilingContext } from '../runtime/webgpu/profile.ts';
import { benchChart } from './bench-chart.ts';
import { type BenchReport, compareText, rooflineText, variantText } from './bench-format.ts';
import { measureRoofline, type Roofline } from './bench-kernels.ts';
import { type LoadedVariant, loadVariant, profileVariants, type VariantResult } from './bench-run.ts';
import { build, buildGraph, type Command, ENTRY_HELP, type Values } from './commands.ts';
import { reportDims } from './report.ts';
import { parseTiles } from './tiles.ts';
import { deviceTuning } from './tune.ts';

/** Build options a variant may change: all of `dslc build`'s (--fuse, --tiles, ...) but where the package goes and the report. */
const VARIANT_OPTIONS = Object.fromEntries(Object.entries(build.options).filter(([k]) => !['out', 'target', 'report', 'report-dims', 'no-cache'].includes(k)));

/** `--fuse none --set "a=b c"` → ['--fuse', 'none', '--set', 'a=b c'] (double or single quotes group words). */
export function splitFlags(text: string): string[] {
  const words = [...text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
  return words;
}

/** The option values of a --compare variant: the baseline's, with the variant's flags parsed as `dslc build` does. */
export function variantValues(base: Values, flags: string): Values {
  let parsed;
  try {
    parsed = parseArgs({ args: splitFlags(flags), options: VARIANT_OPTIONS, allowPositionals: false, strict: true });
  } catch (e) {
    throw new UserError(`--compare '${flags}': ${(e as Error).message}`);
  }
  const out: Values = { ...base };
  for (const [k, v] of Object.entries(parsed.values)) {
    const was = out[k];
    out[k] = (Array.isArray(v) && Array.isArray(was) ? [...was, ...v] : v) as Values[string];
  }
  return out;
}

function count(values: Values, name: string, fallback: number, min: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new UserError(`--${name} expects an integer ≥ ${min}, got '${String(raw)}'`);
  return n;
}

function write(path: string, text: string, what: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  } catch (e) {
    throw new UserError(`cannot write the ${what} to ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

export interface BenchOptions {
  readonly log?: (line: string) => void;
  /** A roofline measured earlier in this run (it belongs to the device, not the model): not measured again. */
  readonly roofline?: Roofline;
}

/** Measures the baseline and every --compare variant; prints as it goes and returns the report. */
export async function runBench(file: string, values: Values, opts: BenchOptions = {}): Promise<BenchReport> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const reps = count(values, 'reps', 5, 1);
  const warmup = count(values, 'warmup', 1, 0);
  const timer = values['timer'] as string | undefined;
  if (timer !== undefined && timer !== 'timestamp' && timer !== 'submit') throw new UserError(`--timer expects timestamp or submit, got '${timer}'`);
  const compares = (values['compare'] as string[] | undefined) ?? [];
  // every variant is compiled before the device is touched, so a bad flag fails at once
  const variants = [{ label: 'baseline', values }, ...compares.map((c) => ({ label: c, values: variantValues(values, c) }))].map((v) => ({ ...v, ...buildGraph(file, v.values) }));
  const dims = reportDims(variants[0]!.graph, (values['dims'] as string | undefined) ?? 'B=1,S=128');
  const context = await profilingContext();
  try {
    log(`adapter: ${context.adapterName}`);
    const tuned = values['no-tuning'] ? undefined : await deviceTuning(context, values['tune'] === true, { log });
    const tuning = tuned?.entry.tuning ?? DEFAULT_TUNING;
    const origin = tuned ? (tuned.searched ? 'searched now' : `cached ${tuned.entry.date.slice(0, 10)}`) : 'defaults (--no-tuning)';
    log(`tiles: ${tuningText(tuning)} (${origin})`);
    let roofline: Roofline | undefined;
    let results: VariantResult[];
    if (opts.roofline) roofline = opts.roofline;
    else if (!values['no-roofline']) roofline = await measureRoofline(context, tuned ? [DEFAULT_TUNING, tuning] : [DEFAULT_TUNING]);
    if (roofline) log(`${rooflineText(roofline)}${opts.roofline ? ' (measured earlier in this run)' : ''}`);
    const loaded: LoadedVariant[] = [];
    try {
      for (const v of variants) {
        // a variant may name its own tiles (--compare "--tiles matmul=32/2/16"); 'cached' is this adapter's search
        const own = typeof v.values['tiles'] === 'string' ? parseTiles(v.values['tiles']) : undefined;
        const tiles = own === undefined ? tuning : own === 'cached' ? (tuned?.entry.tuning ?? (await deviceTuning(context, false, { log })).entry.tuning) : own;
        loaded.push(await loadVariant(context, v.graph, { label: v.label, dims, tuning: tiles, ...(timer ? { timer: timer as 'timestamp' | 'submit' } : {}) }));
      }
      log(`\nprofiling ${loaded.length} variant${loaded.length > 1 ? 's, taking turns' : ''}: ${warmup} warm-up forward${warmup === 1 ? '' : 's'}, ${reps} repetition${reps === 1 ? '' : 's'}...`);
      results = await profileVariants(loaded, reps, warmup, roofline);
    } finally {
      for (const l of loaded) l.model.dispose();
    }
    for (const r of results) log(`\n${variantText(r)}`);
    if (results.length > 1) log(`\n${compareText(results)}`);
    const report: BenchReport = {
      format: 'dslc-bench/1',
      date: new Date().toISOString(),
      adapter: context.adapterName,
      source: file,
      ...(roofline ? { roofline } : {}),
      tuning: { choice: tuning, text: tuningText(tuning), origin },
      variants: results,
    };
    if (typeof values['json'] === 'string') write(values['json'], `${JSON.stringify(report, null, 1)}\n`, 'JSON report');
    if (typeof values['chart'] === 'string') write(values['chart'], benchChart(report), 'chart');
    return report;
  } finally {
    context.destroy();
  }
}

export const bench: Command & { readonly dashValues: readonly string[] } = {
  dashValues: ['compare'],
  summary: 'time every kernel of an entry point on WebGPU: per-kernel table, roofline, --compare variants, --tune',
  usage: `usage: dslc bench FILE --entry NAME [options]

Builds the entry for WebGPU with random weights, runs it on random token ids and times each kernel on its own
(GPU timestamps when the adapter has timestamp-query, else one submit-and-wait per kernel), after warm-up; prints the
median per kernel: time, share, GFLOP/s, GB/s, FLOP/byte and % of the device's roofline (measured first: a 64 MiB
copy for bandwidth, the best GEMM for compute). Tiles of the GEMM and attention kernels come from the adapter's
cached tuning (--tune searches again).

${ENTRY_HELP}
      --fuse LIST      graph passes, as for dslc build (and any other build flag)
      --dims D         symbol values (default B=1,S=128)
      --reps N         timed repetitions per kernel (default 5); --warmup N untimed forwards first (default 1)
      --tiles T        GEMM/attention tiles instead of the cached ones: default or matmul=TILE/PER/SLAB,attention=ROWS
      --timer T        timestamp or submit (default: timestamp when the adapter has it)
      --compare FLAGS  also run a variant built with these build flags, e.g. --compare "--fuse none" (repeatable)
      --tune           search the tiles on this adapter again and cache the choice; --no-tuning: default tiles
      --no-roofline    skip measuring the roofline
      --json FILE      write everything measured as JSON;  --chart FILE  write an SVG roofline + per-kernel chart

example:
  dslc bench specs/bert.dsl --entry BertModel --set num_hidden_layers=2 --compare "--fuse none" --chart bench.svg`,
  options: {
    ...VARIANT_OPTIONS,
    dims: { type: 'string' },
    reps: { type: 'string' },
    warmup: { type: 'string' },
    timer: { type: 'string' },
    compare: { type: 'string', multiple: true },
    tune: { type: 'boolean' },
    'no-tuning': { type: 'boolean' },
    'no-roofline': { type: 'boolean' },
    json: { type: 'string' },
    chart: { type: 'string' },
  },
  async run(values, positionals) {
    if (positionals.length !== 1) throw new UserError(`expected exactly one model source, got ${positionals.length}`);
    await runBench(positionals[0]!, values);
    return 0;
  },
};
