/**
 * Shared by the generated-package tests: build a package for a small random BERT through the `dslc build` command,
 * write a matching random checkpoint, and run plain-node apps against the built folder.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS } from '../../../cli/commands.ts';
import { expectedParams } from '../../../runtime/cpu-model.ts';
import { writeRandomCheckpoint } from '../../../runtime/weights/random-checkpoint.ts';
import { compileBert } from '../../specs/bert-helpers.ts';

export const ROOT = new URL('../../../', import.meta.url).pathname;
export const BERT = join(ROOT, 'specs/bert.dsl');

/** Odd sizes, so a transposed or mis-sliced weight cannot pass by accident. */
export const SMALL = {
  vocab_size: 97,
  hidden_size: 24,
  num_hidden_layers: 2,
  num_attention_heads: 3,
  intermediate_size: 37,
  max_position_embeddings: 16,
} as const;

export interface Built {
  /** The temp folder holding `pkg/` and `ckpt/`; apps written here import `./pkg/index.js`. */
  readonly dir: string;
  readonly pkg: string;
  readonly ckpt: string;
}

const built = new Map<string, Built>();

/** Builds `entry` of bert.dsl for SMALL via the CLI's build command, once per entry and target, with a random checkpoint. */
export async function buildSmall(entry: string, target = 'cpu', extra: Readonly<Record<string, string>> = {}): Promise<Built> {
  const key = `${entry} ${target} ${JSON.stringify(extra)}`;
  const known = built.get(key);
  if (known) return known;
  const dir = mkdtempSync(join(tmpdir(), `dslc-pkg-${entry}-${target}-`));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const pkg = join(dir, 'pkg');
  const ckpt = join(dir, 'ckpt');
  const set = Object.entries(SMALL).map(([k, v]) => `${k}=${v}`);
  const log = console.log;
  console.log = () => {}; // the command's one-line report would interleave with uvu's output
  try {
    await COMMANDS['build']!.run({ entry, set, out: pkg, target, ...extra }, [BERT]);
  } finally {
    console.log = log;
  }
  writeRandomCheckpoint(ckpt, expectedParams(compileBert(entry, { ...SMALL })), { config: SMALL, seed: 11 });
  const b = { dir, pkg, ckpt };
  built.set(key, b);
  return b;
}

/** Writes `source` as an .mjs app into `dir` and runs it with plain node (no tsx); returns its JSON output. */
export function runApp<T>(dir: string, name: string, source: string, args: string[] = []): T {
  const file = join(dir, name);
  writeFileSync(file, source);
  const r = spawnSync(process.execPath, [file, ...args], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 28, timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${name} exited with ${r.status}:\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
