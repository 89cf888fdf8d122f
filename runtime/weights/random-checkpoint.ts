/**
 * Random checkpoints in HF's layout (model.safetensors + config.json) for the parameters a compiled graph needs.
 *
 * Model weights cannot be downloaded here, so tests, the example and the benchmarks make their own. Values follow
 * HF's initializer (normal with std `initializer_range`) but nothing is exactly zero or one: LayerNorm weights are
 * 1 + noise and biases are noise, so a wrong binding or a dropped bias shows up as a large error.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExpectedParam } from './bind.ts';
import { type TensorToWrite, writeSafetensors } from './safetensors-writer.ts';

/** A small, fast, seedable generator (mulberry32) and standard normals from it (Box–Muller). */
export function normalSampler(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

export interface RandomCheckpointOptions {
  readonly seed?: number;
  /** Standard deviation of matrices and embeddings (HF's initializer_range; default 0.02). */
  readonly std?: number;
  /** Written as config.json beside the weights. */
  readonly config?: Readonly<Record<string, unknown>>;
}

export function randomTensors(params: readonly ExpectedParam[], opts: RandomCheckpointOptions = {}): Record<string, TensorToWrite> {
  const normal = normalSampler(opts.seed ?? 1);
  const std = opts.std ?? 0.02;
  const out: Record<string, TensorToWrite> = {};
  for (const p of params) {
    const n = p.shape.reduce((a, b) => a * b, 1);
    const isNormWeight = /(LayerNorm|norm)\.(weight|gamma)$/i.test(p.name);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = isNormWeight ? 1 + 0.1 * normal() : std * normal();
    out[p.name] = { dtype: 'F32', shape: [...p.shape], data };
  }
  return out;
}

/** Writes `dir/model.safetensors` (and `dir/config.json` when a config is given); returns `dir`. */
export function writeRandomCheckpoint(dir: string, params: readonly ExpectedParam[], opts: RandomCheckpointOptions = {}): string {
  mkdirSync(dir, { recursive: true });
  writeSafetensors(join(dir, 'model.safetensors'), randomTensors(params, opts), { format: 'pt' });
  if (opts.config) writeFileSync(join(dir, 'config.json'), `${JSON.stringify({ model_type: 'bert', ...opts.config }, null, 2)}\n`);
  return dir;
}
