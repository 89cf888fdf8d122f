/**
 * Compile time of `dslc build specs/bert.dsl` (BERT-base) per target, as a user sees it: the wall time of the whole
 * command in a fresh process, cold (empty build cache) and warm (the same build again, served by the build cache),
 * and the bare start-up of the CLI (`dslc --version`) for scale.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from '../../runtime/profile.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const DSLC = join(ROOT, 'bin/dslc.js');

export interface CompileTime {
  readonly target: string;
  readonly coldS: number;
  readonly warmS: number;
  readonly files: string;
}

function timed(args: string[], env: NodeJS.ProcessEnv): { s: number; out: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [DSLC, ...args], { cwd: ROOT, env, encoding: 'utf8' });
  const s = (performance.now() - t0) / 1e3;
  if (r.status !== 0) throw new Error(`dslc ${args.join(' ')} failed:\n${r.stderr}`);
  return { s, out: r.stdout.trim() };
}

/** Median of `runs` cold and warm builds per target; CUDA only where nvcc is installed. */
export function compileTimes(targets: readonly string[] = ['cpu', 'webgpu', 'cuda'], runs = 3): { startupS: number; rows: CompileTime[] } {
  const work = mkdtempSync(join(tmpdir(), 'dslc-compile-time-'));
  try {
    const env = { ...process.env };
    const startupS = median([...Array(runs)].map(() => timed(['--version'], env).s));
    const rows: CompileTime[] = [];
    for (const target of targets) {
      if (target === 'cuda' && !existsSync('/usr/local/cuda/bin/nvcc') && spawnSync('nvcc', ['--version']).status !== 0) continue;
      const cold: number[] = [];
      const warm: number[] = [];
      let files = '';
      for (let r = 0; r < runs; r++) {
        const cache = join(work, `cache-${target}-${r}`);
        const args = ['build', 'specs/bert.dsl', '--entry', 'BertModel', '--target', target, '--out', join(work, `out-${target}`)];
        const first = timed(args, { ...env, DSLC_CACHE_DIR: cache });
        cold.push(first.s);
        files = /\((.*)\)/.exec(first.out)?.[1] ?? '';
        warm.push(timed(args, { ...env, DSLC_CACHE_DIR: cache }).s);
      }
      rows.push({ target, coldS: median(cold), warmS: median(warm), files });
    }
    return { startupS, rows };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function compileTimeText(r: { startupS: number; rows: readonly CompileTime[] }): string {
  const lines = r.rows.map((x) => `  ${x.target.padEnd(8)} ${x.coldS.toFixed(2).padStart(7)} s ${x.warmS.toFixed(2).padStart(9)} s   ${(x.coldS / x.warmS).toFixed(1)}×`);
  return [
    `compile time of 'dslc build specs/bert.dsl --entry BertModel' (BERT-base), whole command in a fresh process, median:`,
    `  target     cold      warm (cache)  cold÷warm`,
    ...lines,
    `  CLI start-up alone (dslc --version): ${r.startupS.toFixed(2)} s`,
  ].join('\n');
}
