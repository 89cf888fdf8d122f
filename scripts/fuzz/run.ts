/**
 * Fuzzes the front end, the safetensors reader and config handling; prints a table of outcomes per target and exits
 * non-zero on any crash, hang or wrong result (and, with --strict, on errors that do not say where).
 *
 *   npx tsx scripts/fuzz/run.ts --target dsl|safetensors|config|all --cases 10000 --seed 1
 *
 * Options:
 *   --workers N      child processes per target (default: 2, at most the CPU count)
 *   --profile P      full (default) or quick (less BERT, fewer compileGraph calls: what the test suite runs)
 *   --hang-ms N      a case slower than this is a hang (default 2000); --kill-ms N: killed after (default 3x, >= 6000)
 *   --dump DIR       write the input of every problem case to DIR/<target>-<seed>-<index>.<ext>
 *   --strict         also fail on `unclear` errors
 *   --json FILE      write the summaries as JSON
 *   --case N         replay case N of --target/--seed in this process: prints the input, outcome and full stack
 *                    (with --out FILE, also writes the input there; with --show, prints it)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { failed, type FuzzSummary, runFuzz } from './harness.ts';
import { formatProblems, formatSlowest, formatTable } from './report.ts';
import { makeCase, type Profile, TARGET_NAMES, TARGETS, type TargetName } from './targets.ts';

interface Args {
  targets: TargetName[];
  cases: number;
  seed: number;
  workers: number;
  profile: Profile;
  hangMs: number;
  killMs?: number;
  dump?: string;
  strict: boolean;
  json?: string;
  replay?: number;
  out?: string;
  show: boolean;
}

function usage(message: string): never {
  console.error(`run.ts: ${message}\nusage: npx tsx scripts/fuzz/run.ts --target dsl|safetensors|config|all --cases N --seed N [--workers N] [--profile full|quick] [--hang-ms N] [--dump DIR] [--strict] [--json FILE] [--case N [--out FILE] [--show]]`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const a: Args = { targets: [...TARGET_NAMES], cases: 10_000, seed: 1, workers: Math.min(2, os.availableParallelism()), profile: 'full', hangMs: 2000, strict: false, show: false };
  const int = (v: string | undefined, flag: string): number => {
    const n = Number(v);
    if (v === undefined || !Number.isSafeInteger(n) || n < 0) usage(`${flag} needs a non-negative integer, got ${v ?? 'nothing'}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => argv[++i];
    switch (flag) {
      case '--target': {
        const t = value();
        if (t === 'all') a.targets = [...TARGET_NAMES];
        else if (TARGET_NAMES.includes(t as TargetName)) a.targets = [t as TargetName];
        else usage(`unknown target ${t}`);
        break;
      }
      case '--cases': a.cases = int(value(), flag); break;
      case '--seed': a.seed = int(value(), flag); break;
      case '--workers': a.workers = Math.max(1, int(value(), flag)); break;
      case '--profile': {
        const p = value();
        if (p !== 'full' && p !== 'quick') usage(`--profile is full or quick, got ${p}`);
        a.profile = p;
        break;
      }
      case '--hang-ms': a.hangMs = int(value(), flag); break;
      case '--kill-ms': a.killMs = int(value(), flag); break;
      case '--dump': a.dump = value(); break;
      case '--strict': a.strict = true; break;
      case '--json': a.json = value(); break;
      case '--case': a.replay = int(value(), flag); break;
      case '--out': a.out = value(); break;
      case '--show': a.show = true; break;
      default: usage(`unknown option ${flag}`);
    }
  }
  return a;
}

function replay(a: Args): void {
  const target = a.targets.length === 1 ? a.targets[0]! : usage('--case needs one --target');
  const t = TARGETS[target];
  const c = makeCase(target, a.seed, a.replay!, a.profile);
  console.log(`case ${a.replay} of ${target} seed ${a.seed}: ${t.describe(c)}`);
  const { data, ext } = t.input(c);
  if (a.out) {
    fs.writeFileSync(a.out, data);
    console.log(`input written to ${a.out} (${ext}, ${data.length} ${typeof data === 'string' ? 'chars' : 'bytes'})`);
  }
  if (a.show) console.log(typeof data === 'string' ? data.slice(0, 4000) : Buffer.from(data).toString('hex').slice(0, 4000));
  const t0 = performance.now();
  const o = t.run(c);
  console.log(`${o.kind} in ${(performance.now() - t0).toFixed(1)} ms${o.stage ? ` at ${o.stage}` : ''}`);
  if (o.message) console.log(`message: ${o.message}`);
  if (o.reason) console.log(`reason: ${o.reason}`);
  if (o.stack) console.log(o.stack);
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  if (a.replay !== undefined) return replay(a);
  const summaries: FuzzSummary[] = [];
  for (const target of a.targets) {
    let last = 0;
    const t0 = Date.now();
    const s = await runFuzz({
      target,
      cases: a.cases,
      seed: a.seed,
      workers: a.workers,
      profile: a.profile,
      hangMs: a.hangMs,
      ...(a.killMs !== undefined ? { killMs: a.killMs } : {}),
      onProgress: (done, total) => {
        const now = Date.now();
        if (process.stderr.isTTY && (now - last > 500 || done === total)) {
          last = now;
          process.stderr.write(`\r${target}: ${done}/${total}`);
          if (done === total) process.stderr.write('\n');
        } else if (!process.stderr.isTTY && done % Math.max(1, Math.ceil(total / 10)) === 0) {
          process.stderr.write(`${target}: ${done}/${total} after ${((now - t0) / 1000).toFixed(0)} s\n`);
        }
      },
    });
    summaries.push(s);
    console.log(`${target}: ${s.cases} cases in ${(s.wallMs / 1000).toFixed(1)} s`);
    if (a.dump) {
      fs.mkdirSync(a.dump, { recursive: true });
      for (const p of s.problems) {
        const { data, ext } = TARGETS[target].input(makeCase(target, a.seed, p.index, a.profile));
        fs.writeFileSync(path.join(a.dump, `${target}-${a.seed}-${p.index}.${ext}`), data);
      }
    }
  }
  console.log('');
  console.log(formatTable(summaries));
  for (const s of summaries) {
    console.log('');
    console.log(formatSlowest(s));
    console.log('');
    console.log(formatProblems(s));
  }
  if (a.json) fs.writeFileSync(a.json, JSON.stringify(summaries, null, 2));
  const bad = summaries.filter((s) => failed(s, a.strict));
  if (bad.length > 0) {
    console.log(`\nFAILED: ${bad.map((s) => s.target).join(', ')}`);
    process.exitCode = 1;
  }
}

await main();
