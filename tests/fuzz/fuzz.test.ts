/**
 * A quick fuzz run inside the test suite: 1,000 cases per target with fixed seeds (the `quick` profile: little BERT,
 * few compileGraph calls), asserting no crash and no hang. The full run is `npx tsx scripts/fuzz/run.ts` (see there).
 *
 * A failure prints the problem cases; replay one with
 *   npx tsx scripts/fuzz/run.ts --target <target> --seed <seed> --profile quick --case <index>
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type FuzzSummary, runFuzz } from '../../scripts/fuzz/harness.ts';
import { formatProblems, formatTable } from '../../scripts/fuzz/report.ts';
import type { TargetName } from '../../scripts/fuzz/targets.ts';

const CASES = 1000;
const SEEDS: Record<TargetName, number> = { dsl: 20240601, safetensors: 20240602, config: 20240603 };
const TARGETS = ['dsl', 'safetensors', 'config'] as const;
const summaries: FuzzSummary[] = [];

// The three targets run at once, one worker process each, so their start-up (loading the compiler, warming up on
// BERT) overlaps and the two cores stay busy. A case is a hang past 2 s, or 10x the time to check BERT on a busy
// machine (up to 8 s); one still running after 12 s is killed.
// Measured on the 2-core dev machine: 32 s wall (49 s CPU) idle, 38 s under load.
const runs = new Map<TargetName, Promise<FuzzSummary>>();
let started = 0;
test.before(() => {
  started = performance.now();
  for (const target of TARGETS) {
    runs.set(target, runFuzz({ target, cases: CASES, seed: SEEDS[target], profile: 'quick', workers: 1, hangMs: 2000, maxHangMs: 8000, killMs: 5000 }));
  }
});

for (const target of TARGETS) {
  test(`fuzz ${target}: ${CASES} cases without a crash or hang`, async () => {
    const s = await runs.get(target)!;
    summaries.push(s);
    const bad = s.counts.crash + s.counts.hang;
    assert.is(bad, 0, `${bad} crash/hang cases (replay with --profile quick):\n${formatProblems(s, 10)}`);
  });
}

test.after(() => {
  if (summaries.length > 0) console.log(`\n${formatTable(summaries)}\n(all targets together: ${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
});

test.run();
