/**
 * A fuzz worker process (started by harness.ts with `fork`): generates and runs the cases the parent asks for, one at
 * a time, and reports each outcome with its time. Running in a child process, not a worker thread, keeps the stack
 * size of a normal `dslc` run (so stack overflows reproduce) and lets the parent kill a hung case.
 */
import { runDsl } from './dsl.ts';
import { bertSeed } from './dsl-corpus.ts';
import type { Outcome } from './outcome.ts';
import { judgeError } from './outcome.ts';
import { makeCase, type Profile, TARGETS, type TargetName } from './targets.ts';

export type ToChild = { type: 'init'; target: TargetName; seed: number; profile: Profile; hangMs: number } | { type: 'case'; index: number };
export type FromChild =
  | { type: 'ready'; baselineMs: number }
  | { type: 'start'; index: number; desc: string }
  | { type: 'done'; index: number; outcome: Outcome; genMs: number; baselineMs?: number };

let init: Extract<ToChild, { type: 'init' }> | undefined;

function send(m: FromChild): void {
  process.send!(m);
}

/**
 * The machine's current speed: the time to check (and compile) unmodified BERT, the heaviest ordinary case. A case
 * counts as a hang past max(hangMs, HANG_FACTOR x baseline), so a loaded machine does not turn slow cases into hangs.
 */
function baseline(): number {
  const bert = bertSeed();
  const t0 = performance.now();
  runDsl({ text: bert.text, file: 'baseline.dsl', desc: 'baseline', compile: true, compileAnyway: false, entry: 'BertModel', config: { num_hidden_layers: 2 } });
  return performance.now() - t0;
}

/** JIT and lazy initialisation (the parser's grammar analysis, BERT's first check) would otherwise count as case time. */
function warmUp(target: TargetName): number {
  baseline();
  if (target !== 'dsl') for (let i = 0; i < 20; i++) TARGETS[target].run(makeCase(target, 12345, i, 'quick'));
  return Math.min(baseline(), baseline());
}

process.on('message', (m: ToChild) => {
  if (m.type === 'init') {
    init = m;
    let baselineMs = 0;
    try {
      baselineMs = warmUp(m.target);
    } catch {
      // a failing warm-up case shows up again in the run proper
    }
    send({ type: 'ready', baselineMs });
    return;
  }
  if (!init) throw new Error('fuzz child: case before init');
  const target = TARGETS[init.target];
  const g0 = performance.now();
  let c: unknown;
  try {
    c = makeCase(init.target, init.seed, m.index, init.profile);
  } catch (e) {
    send({ type: 'done', index: m.index, outcome: { ...judgeError(e, 'generate', () => 'generator bug'), kind: 'crash', reason: 'the generator itself failed' }, genMs: 0 });
    return;
  }
  const genMs = performance.now() - g0;
  send({ type: 'start', index: m.index, desc: target.describe(c).slice(0, 400) });
  const t0 = performance.now();
  let outcome: Outcome;
  try {
    outcome = target.run(c);
  } catch (e) {
    // runners catch per stage; anything here escaped them
    outcome = judgeError(e, 'run', () => 'escaped the runner');
    if (outcome.kind !== 'crash') outcome = { ...outcome, kind: 'crash' };
  }
  const ms = performance.now() - t0;
  // A slow case: measure the machine again, so the parent can tell a hang from a busy machine.
  const baselineMs = ms > init.hangMs ? baseline() : undefined;
  send({ type: 'done', index: m.index, outcome: { ...outcome, ms }, genMs, ...(baselineMs !== undefined ? { baselineMs } : {}) });
});

process.on('disconnect', () => process.exit(0));
