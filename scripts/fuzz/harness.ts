/**
 * Runs fuzz cases in child processes with a time bound per case.
 *
 * Each child (child.ts) runs one case at a time. A case whose measured time exceeds `hangMs` counts as a hang; one
 * still running after `killMs` gets its child killed (SIGKILL), is recorded as a hang, and a fresh child takes over
 * the remaining cases. A child that dies (out of memory, a native crash) records its in-flight case as a crash.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromChild, ToChild } from './child.ts';
import { FAILING, OUTCOME_KINDS, type Outcome, type OutcomeKind, signature } from './outcome.ts';
import type { Profile, TargetName } from './targets.ts';

export interface FuzzOptions {
  readonly target: TargetName;
  readonly cases: number;
  readonly seed: number;
  /** First case index (default 0): `--case N` runs cases N..N+cases-1. */
  readonly from?: number;
  readonly workers?: number;
  readonly profile?: Profile;
  /**
   * A case slower than max(hangMs, HANG_FACTOR x baseline) is a hang (default 2000 ms), where the baseline is the time
   * to check and compile unmodified BERT on the same worker, measured again after each slow case (capped at 5 x hangMs).
   */
  readonly hangMs?: number;
  /** Cap of the scaled hang limit (default 5 x hangMs). */
  readonly maxHangMs?: number;
  /** A case still running after max(killMs, 1.5 x the hang limit) is killed (default 6000 ms). */
  readonly killMs?: number;
  /** Heap limit of each child in MB (default 2048): running out counts as a crash. */
  readonly heapMb?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface CaseRecord {
  readonly index: number;
  readonly desc: string;
  readonly outcome: Outcome;
}

export interface FuzzSummary {
  readonly target: TargetName;
  readonly seed: number;
  readonly cases: number;
  readonly counts: Record<OutcomeKind, number>;
  /** Every case that is not ok/error (crash, hang, wrong, unclear), in index order. */
  readonly problems: CaseRecord[];
  readonly wallMs: number;
  /** Sum, mean, 99th percentile and max of per-case run times (generation excluded). */
  readonly caseMs: { total: number; mean: number; p99: number; max: number };
  readonly slowest: CaseRecord[];
  /** Case counts per stage that ended the case (e.g. how many reached compileGraph). */
  readonly stages: Record<string, number>;
}

/** How many unmodified-BERT checks a case may take before it counts as a hang. */
export const HANG_FACTOR = 10;

/** The hang limit of a case: scaled with the machine's speed, but never past `maxMs`. */
export function hangLimit(hangMs: number, baselineMs: number, maxMs = 5 * hangMs): number {
  return Math.min(Math.max(hangMs, HANG_FACTOR * baselineMs), Math.max(hangMs, maxMs));
}

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

interface Slot {
  child: ChildProcess;
  ready: boolean;
  baselineMs: number;
  busy?: { index: number; desc: string; sentAt: number };
  stderr: string;
  dead: boolean;
}

export function runFuzz(opts: FuzzOptions): Promise<FuzzSummary> {
  const hangMs = opts.hangMs ?? 2000;
  const killMs = opts.killMs ?? 6000;
  const maxHangMs = opts.maxHangMs ?? 5 * hangMs;
  const workers = Math.max(1, Math.min(opts.workers ?? 2, opts.cases));
  const profile = opts.profile ?? 'full';
  const from = opts.from ?? 0;
  const start = performance.now();
  const counts = Object.fromEntries(OUTCOME_KINDS.map((k) => [k, 0])) as Record<OutcomeKind, number>;
  const problems: CaseRecord[] = [];
  const times: number[] = [];
  const slow: CaseRecord[] = [];
  const stages: Record<string, number> = {};
  let next = from;
  const end = from + opts.cases;
  let done = 0;

  return new Promise((resolve, reject) => {
    const slots: Slot[] = [];
    let finished = false;

    const record = (index: number, desc: string, outcome: Outcome, baselineMs = 0) => {
      let o = outcome;
      const limit = hangLimit(hangMs, baselineMs, maxHangMs);
      if (o.kind !== 'hang' && (o.ms ?? 0) > limit) {
        const why = `took ${Math.round(o.ms!)} ms (limit ${Math.round(limit)} ms; BERT baseline ${Math.round(baselineMs)} ms)`;
        o = { ...o, kind: 'hang', reason: `${why}, then ended as ${o.kind}${o.message ? `: ${o.message.split('\n')[0]}` : ''}` };
      }
      counts[o.kind]++;
      const key = o.stage ?? 'done';
      stages[key] = (stages[key] ?? 0) + 1;
      if (o.ms !== undefined) times.push(o.ms);
      const rec = { index, desc, outcome: o };
      if (o.kind !== 'ok' && o.kind !== 'error') problems.push(rec);
      slow.push(rec);
      if (slow.length > 20) {
        slow.sort((a, b) => (b.outcome.ms ?? 0) - (a.outcome.ms ?? 0));
        slow.length = 5;
      }
      done++;
      opts.onProgress?.(done, opts.cases);
    };

    const finish = () => {
      if (finished) return;
      finished = true;
      clearInterval(watchdog);
      for (const s of slots) kill(s);
      times.sort((a, b) => a - b);
      const total = times.reduce((a, b) => a + b, 0);
      slow.sort((a, b) => (b.outcome.ms ?? 0) - (a.outcome.ms ?? 0));
      problems.sort((a, b) => a.index - b.index);
      resolve({
        target: opts.target,
        seed: opts.seed,
        cases: opts.cases,
        counts,
        problems,
        wallMs: performance.now() - start,
        caseMs: {
          total,
          mean: times.length ? total / times.length : 0,
          p99: times.length ? times[Math.min(times.length - 1, Math.floor(times.length * 0.99))]! : 0,
          max: times.at(-1) ?? 0,
        },
        slowest: slow.slice(0, 5),
        stages,
      });
    };

    const kill = (s: Slot) => {
      s.dead = true;
      if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    };

    const feed = (s: Slot) => {
      if (s.dead || !s.ready || s.busy) return;
      if (next >= end) {
        if (slots.every((x) => !x.busy)) finish();
        return;
      }
      const index = next++;
      s.busy = { index, desc: '(not started)', sentAt: performance.now() };
      s.child.send({ type: 'case', index } satisfies ToChild);
    };

    const spawn = (): Slot => {
      const child = fork(CHILD, [], {
        execArgv: ['--import', TSX, `--max-old-space-size=${opts.heapMb ?? 2048}`],
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        serialization: 'advanced',
      });
      const slot: Slot = { child, ready: false, baselineMs: 0, stderr: '', dead: false };
      child.stderr!.on('data', (d: Buffer) => {
        slot.stderr = (slot.stderr + d.toString()).slice(-4000);
      });
      child.on('message', (m: FromChild) => {
        if (slot.dead) return;
        if (m.type === 'ready') {
          slot.ready = true;
          slot.baselineMs = m.baselineMs;
          slot.busy = undefined;
          feed(slot);
        } else if (m.type === 'start') {
          if (slot.busy) slot.busy.desc = m.desc;
        } else if (m.type === 'done') {
          const desc = slot.busy?.desc ?? '';
          slot.busy = undefined;
          if (m.baselineMs !== undefined) slot.baselineMs = m.baselineMs;
          record(m.index, desc, m.outcome, slot.baselineMs);
          feed(slot);
        }
      });
      child.on('exit', (code, signal) => {
        const wasDead = slot.dead;
        slot.dead = true;
        if (finished) return;
        if (!wasDead) {
          if (slot.busy) {
            const { index, desc, sentAt } = slot.busy;
            const oom = /heap limit|out of memory|Allocation failed/i.test(slot.stderr);
            record(index, desc, {
              kind: 'crash',
              stage: 'process',
              errorName: oom ? 'OutOfMemory' : 'ProcessExit',
              message: `the worker process died (${signal ?? `exit code ${code}`})${oom ? ': JavaScript heap out of memory' : ''}`,
              stack: slot.stderr.split('\n').slice(-25).join('\n'),
              ms: performance.now() - sentAt,
            });
          } else if (!slot.ready) {
            finished = true;
            clearInterval(watchdog);
            for (const s of slots) kill(s);
            reject(new Error(`fuzz worker failed to start (${signal ?? `exit code ${code}`}):\n${slot.stderr}`));
            return;
          }
        }
        replace(slot);
      });
      child.send({ type: 'init', target: opts.target, seed: opts.seed, profile, hangMs } satisfies ToChild);
      return slot;
    };

    const replace = (old: Slot) => {
      const i = slots.indexOf(old);
      if (i < 0 || finished) return;
      if (next >= end) {
        slots.splice(i, 1);
        if (slots.every((x) => !x.busy)) finish();
        return;
      }
      slots[i] = spawn();
    };

    const watchdog = setInterval(() => {
      const now = performance.now();
      for (const s of [...slots]) {
        if (!s.busy || s.dead || !s.ready) continue;
        const elapsed = now - s.busy.sentAt;
        const limit = Math.max(killMs, 1.5 * hangLimit(hangMs, s.baselineMs, maxHangMs));
        if (elapsed > limit) {
          const { index, desc } = s.busy;
          s.busy = undefined;
          kill(s);
          record(index, desc, { kind: 'hang', stage: 'timeout', reason: `still running after ${Math.round(elapsed)} ms: killed`, ms: elapsed });
          replace(s);
        }
      }
    }, 100);

    for (let i = 0; i < workers; i++) slots.push(spawn());
  });
}

/** Groups problem cases by signature (the same bug found many times), most frequent first. */
export function groupProblems(problems: readonly CaseRecord[]): { sig: string; count: number; first: CaseRecord }[] {
  const groups = new Map<string, { sig: string; count: number; first: CaseRecord }>();
  for (const p of problems) {
    const sig = signature(p.outcome);
    const g = groups.get(sig);
    if (g) g.count++;
    else groups.set(sig, { sig, count: 1, first: p });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

export function failed(s: FuzzSummary, strict = false): boolean {
  return OUTCOME_KINDS.some((k) => s.counts[k] > 0 && (FAILING.has(k) || (strict && k === 'unclear')));
}
