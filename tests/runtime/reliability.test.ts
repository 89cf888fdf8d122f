/**
 * Reliability of the generated package on the CPU reference: determinism, concurrent forwards, use after dispose,
 * and memory that stays flat over many forwards and load/dispose cycles (a small count here; `npm run soak` would
 * run the 1,000-forward version).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildSmall } from '../backends/glue/helpers.ts';

const APP = `
import { loadBert } from './pkg/index.js';
const [ckpt, forwards, cycles] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const heap = () => { globalThis.gc(); globalThis.gc(); return process.memoryUsage().heapUsed; };
const ids = (seed) => [[1, 2 + seed, 3, 4, 5], [6, 7, 8 + seed, 9, 0]];
const out = {};
let model = await loadBert(ckpt);
const first = await model.forward({ inputIds: ids(0) });
const second = await model.forward({ inputIds: ids(0) });
out.deterministic = Buffer.compare(Buffer.from(first.logits.data.buffer), Buffer.from(second.logits.data.buffer)) === 0;

const sequential = [];
for (let s = 0; s < 4; s++) sequential.push((await model.forward({ inputIds: ids(s) })).logits.data);
const concurrent = await Promise.all([0, 1, 2, 3].map((s) => model.forward({ inputIds: ids(s) })));
out.concurrentEqual = concurrent.every((r, s) => Buffer.compare(Buffer.from(r.logits.data.buffer), Buffer.from(sequential[s].buffer)) === 0);

const samples = [];
for (let i = 0; i < forwards; i++) {
  await model.forward({ inputIds: ids(i % 7) });
  if (i % Math.max(1, Math.floor(forwards / 5)) === 0) samples.push(heap());
}
samples.push(heap());
out.forwardHeap = samples;

model.dispose();
try { await model.forward({ inputIds: ids(0) }); out.afterDispose = 'no error'; } catch (e) { out.afterDispose = e.message; }

const cycleHeap = [];
for (let i = 0; i < cycles; i++) {
  model = await loadBert(ckpt);
  await model.forward({ inputIds: ids(1) });
  model.dispose();
  if (i % Math.max(1, Math.floor(cycles / 4)) === 0) cycleHeap.push(heap());
}
cycleHeap.push(heap());
out.cycleHeap = cycleHeap;
console.log(JSON.stringify(out));
`;

test('deterministic, safe under concurrency, refuses use after dispose, no heap growth', async () => {
  const b = await buildSmall('BertForMaskedLM');
  const file = join(b.dir, 'reliability.mjs');
  writeFileSync(file, APP);
  const r = spawnSync(process.execPath, ['--expose-gc', file, b.ckpt, '200', '20'], { cwd: b.dir, encoding: 'utf8', timeout: 120_000 });
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { deterministic: boolean; concurrentEqual: boolean; forwardHeap: number[]; afterDispose: string; cycleHeap: number[] };
  assert.ok(out.deterministic, 'the same input gives bit-identical outputs');
  assert.ok(out.concurrentEqual, 'concurrent forwards give the same results as sequential ones');
  assert.match(out.afterDispose, /dispose/);
  const growth = (xs: number[]) => xs[xs.length - 1]! - xs[1]!;
  assert.ok(growth(out.forwardHeap) < 4 << 20, `heap grew by ${growth(out.forwardHeap)} bytes over 200 forwards: ${out.forwardHeap}`);
  assert.ok(growth(out.cycleHeap) < 4 << 20, `heap grew by ${growth(out.cycleHeap)} bytes over 20 load/dispose cycles: ${out.cycleHeap}`);
});

test.run();
