/** The fuzz targets by name: how to generate case `i` of a run, run it, and save its input for replay. */
import { generateConfig, runConfig, type ConfigCase } from './config.ts';
import { generateDsl, type Profile, runDsl, type DslCase } from './dsl.ts';
import type { Outcome } from './outcome.ts';
import { caseSeed, Rng } from './rng.ts';
import { generateSafetensors, runSafetensors, type SafetensorsCase } from './safetensors.ts';

export type TargetName = 'dsl' | 'safetensors' | 'config';
export const TARGET_NAMES: readonly TargetName[] = ['dsl', 'safetensors', 'config'];

export interface Target<C> {
  readonly name: TargetName;
  generate(rng: Rng, profile: Profile): C;
  run(c: C): Outcome;
  describe(c: C): string;
  /** The raw input, to write to a file for replay; and the file extension. */
  input(c: C): { data: string | Uint8Array; ext: string };
}

const dsl: Target<DslCase> = {
  name: 'dsl',
  generate: generateDsl,
  run: runDsl,
  describe: (c) =>
    `${c.desc}${c.compile || c.compileAnyway ? ` [compile ${c.entry}${c.config ? ` with ${JSON.stringify(c.config)}` : ''}${c.compileAnyway ? ', even with errors' : ''}]` : ''}`,
  input: (c) => ({ data: c.text, ext: 'dsl' }),
};

const safetensors: Target<SafetensorsCase> = {
  name: 'safetensors',
  generate: generateSafetensors,
  run: runSafetensors,
  describe: (c) => `${c.desc}${c.onDisk ? ' [openSafetensors]' : ''}`,
  input: (c) => ({ data: c.bytes, ext: 'safetensors' }),
};

const config: Target<ConfigCase> = {
  name: 'config',
  generate: generateConfig,
  run: runConfig,
  describe: (c) => c.desc,
  input: (c) => ({ data: c.bytes, ext: 'json' }),
};

export const TARGETS: Readonly<Record<TargetName, Target<unknown>>> = {
  dsl: dsl as Target<unknown>,
  safetensors: safetensors as Target<unknown>,
  config: config as Target<unknown>,
};

/** Case `index` of a run with `seed`: the same arguments always give the same input. */
export function makeCase(target: TargetName, seed: number, index: number, profile: Profile): unknown {
  return TARGETS[target].generate(new Rng(caseSeed(seed, target, index)), profile);
}

export type { Profile };
