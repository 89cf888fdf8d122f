/**
 * The tile search of `dslc bench --tune`: every GEMM candidate (compiler/kernel/tuning.ts) on a BERT-sized product
 * and every attention candidate on BERT-sized heads, timed on the adapter; the fastest of each wins and is cached per
 * adapter (tune-cache.ts). A candidate whose result differs from the default kernel's by more than fp32's tolerance
 * (relative error 1e-4) is rejected, so a search can never pick a wrong kernel.
 */
import type { HostTensor } from '../backends/tensor.ts';
import { ATTENTION_CANDIDATES, type AttentionTiles, DEFAULT_TUNING, MATMUL_CANDIDATES, type MatMulTiles, type Tuning } from '../compiler/kernel/tuning.ts';
import type { GpuContext } from '../runtime/webgpu/context.ts';
import { attentionGraph, matmulGraph, randomInputs, timeKernel } from './bench-kernels.ts';
import { loadTuning, saveTuning, type TuningEntry } from './tune-cache.ts';

export interface TuneOptions {
  /** GEMM m, k, n searched (default 128 tokens × 256 → 1024, the mid-size FFN: a search of seconds on a CPU driver). */
  readonly gemm?: readonly [number, number, number];
  /** Attention heads, sequence length, head size (default 4, 128, 64). */
  readonly attention?: readonly [number, number, number];
  readonly matmulCandidates?: readonly MatMulTiles[];
  readonly attentionCandidates?: readonly AttentionTiles[];
  readonly reps?: number;
  readonly log?: (line: string) => void;
}

export const matmulLabel = (t: MatMulTiles): string => `${t.tile}x${t.tile}/${t.per}x${t.per}/k${t.slab}`;
export const attentionLabel = (t: AttentionTiles): string => `rows ${t.rows}`;

/** ‖a − b‖ / ‖b‖ of two outputs. */
export function relativeError(a: HostTensor, b: HostTensor): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.data.length; i++) {
    num += (Number(a.data[i]) - Number(b.data[i])) ** 2;
    den += Number(b.data[i]) ** 2;
  }
  return Math.sqrt(num / den);
}

/** Times each candidate; returns the fastest correct one and every candidate's figure (higher is better). */
async function search<T>(
  candidates: readonly T[],
  label: (t: T) => string,
  run: (t: T) => Promise<{ score: number; out: HostTensor }>,
  log: (line: string) => void,
): Promise<{ best: T; scores: Record<string, number> }> {
  const scores: Record<string, number> = {};
  let reference: HostTensor | undefined;
  let best: { t: T; score: number } | undefined;
  for (const t of candidates) {
    const { score, out } = await run(t);
    reference ??= out; // the first candidate is the default kernel
    const err = relativeError(out, reference);
    if (!(err <= 1e-4)) {
      log(`  ${label(t)}: rejected, relative error ${err.toExponential(2)} against the default`);
      continue;
    }
    scores[label(t)] = score;
    if (!best || score > best.score) best = { t, score };
  }
  return { best: best!.t, scores };
}

/** Searches the candidates on `context`'s adapter, caches and returns the entry. */
export async function tuneDevice(context: GpuContext, opts: TuneOptions = {}): Promise<TuningEntry> {
  const log = opts.log ?? (() => {});
  const reps = opts.reps ?? 3;
  const [m, k, n] = opts.gemm ?? [128, 256, 1024];
  const gemm = matmulGraph(m, k, n);
  const gemmInputs = randomInputs(gemm, 1);
  const mm = [DEFAULT_TUNING.matmul, ...(opts.matmulCandidates ?? MATMUL_CANDIDATES).filter((t) => matmulLabel(t) !== matmulLabel(DEFAULT_TUNING.matmul))];
  log(`tuning GEMM tiles on ${m}×${k}×${n} (${mm.length} candidates, GFLOP/s):`);
  const gemmBest = await search(mm, matmulLabel, async (t) => {
    const r = await timeKernel(context, gemm, gemmInputs, { ...DEFAULT_TUNING, matmul: t }, reps);
    const rate = (2 * m * k * n) / (r.ms * 1e6);
    log(`  ${matmulLabel(t).padEnd(16)} ${rate.toFixed(2)}`);
    return { score: rate, out: r.outputs['out']! };
  }, log);
  const [heads, s, d] = opts.attention ?? [4, 128, 64];
  const att = attentionGraph(heads, s, d);
  const attInputs = randomInputs(att, 2);
  const ac = [DEFAULT_TUNING.attention, ...(opts.attentionCandidates ?? ATTENTION_CANDIDATES).filter((t) => t.rows !== DEFAULT_TUNING.attention.rows)];
  log(`tuning attention on ${heads} heads × ${s} × ${d} (${ac.length} candidates, ms):`);
  const attBest = await search(ac, attentionLabel, async (t) => {
    const r = await timeKernel(context, att, attInputs, { ...DEFAULT_TUNING, attention: t }, reps);
    log(`  ${attentionLabel(t).padEnd(16)} ${r.ms.toFixed(3)}`);
    return { score: -r.ms, out: r.outputs['out']! };
  }, log);
  const tuning: Tuning = { matmul: gemmBest.best, attention: attBest.best };
  const entry: TuningEntry = {
    tuning,
    date: new Date().toISOString(),
    gemm: gemmBest.scores,
    attention: Object.fromEntries(Object.entries(attBest.scores).map(([k2, v]) => [k2, -v])),
  };
  saveTuning(context.adapterName, entry);
  return entry;
}

/** The cached tuning of `context`'s adapter, searching first when `retune` or when none is cached. */
export async function deviceTuning(context: GpuContext, retune: boolean, opts: TuneOptions = {}): Promise<{ entry: TuningEntry; searched: boolean }> {
  const cached = retune ? undefined : loadTuning(context.adapterName);
  if (cached) return { entry: cached, searched: false };
  return { entry: await tuneDevice(context, opts), searched: true };
}
