/**
 * Compile time of `dslc build specs/bert.dsl` (BERT-base) per target, as a user sees it: the wall time of the whole
 * command in a fresh process, cold (empty build cache) and warm (the same build again, served by the build cache),
 * and the bare start-up of the CLI (`dslc --version`) for scale. The CLI runs from its pre-bundled build (bin/cli-bundle.js),
 * built before timing starts; `{ bundled: false }` times it run through tsx instead (DSLC_NO_BUNDLE=1), for comparison.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildCliBundle, freshBundle } from '../../bin/cli-bundle.js';
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
export async function compileTimes(
  targets: readonly string[] = ['cpu', 'webgpu', 'cuda'],
  runs = 3,
  opts: { readonly bundled?: boolean } = {},
): Promise<{ startupS: number; rows: CompileTime[] }> {
  const bundled = opts.bundled ?? true;
  if (bundled && !freshBundle()) await buildCliBundle();
  const work = mkdtempSync(join(tmpdir(), 'dslc-compile-time-'));
  try {
    const env = { ...process.env, DSLC_NO_BUNDLE: bundled ? '0' : '1' };
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

// `node --import tsx scripts/bench/compile-time.ts [target] [runs]`: bundled and tsx side by side, with the load average.
// The two are interleaved run by run, so a change in the machine's load falls on both alike.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const targets = [process.argv[2] ?? 'webgpu'];
  const runs = Number(process.argv[3] ?? 5);
  console.log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (${cpus().length} CPUs)`);
  const each = { tsx: [] as Awaited<ReturnType<typeof compileTimes>>[], bundled: [] as Awaited<ReturnType<typeof compileTimes>>[] };
  for (let r = 0; r < runs; r++) {
    each.tsx.push(await compileTimes(targets, 1, { bundled: false }));
    each.bundled.push(await compileTimes(targets, 1));
  }
  const med = (rs: Awaited<ReturnType<typeof compileTimes>>[]) => ({
    startupS: median(rs.map((x) => x.startupS)),
    rows: rs[0]!.rows.map((row, i) => ({ ...row, coldS: median(rs.map((x) => x.rows[i]!.coldS)), warmS: median(rs.map((x) => x.rows[i]!.warmS)) })),
  });
  console.log(`through tsx (DSLC_NO_BUNDLE=1):\n${compileTimeText(med(each.tsx))}`);
  console.log(`pre-bundled (dist/cli/):\n${compileTimeText(med(each.bundled))}`);
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}
