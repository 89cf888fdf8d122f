/**
 * `dslc bench` on a tiny BERT: the per-kernel table's columns, the comparison, the JSON document's shape, the chart
 * being well-formed SVG with a dot per kernel that computes; --compare parsed as `dslc build` parses flags; the tile
 * search caching its choice; bad flags named without a stack trace. No test asserts a time.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { benchChart } from '../../cli/bench-chart.ts';
import { type BenchReport, KERNEL_COLUMNS } from '../../cli/bench-format.ts';
import { kernelRows } from '../../cli/bench-run.ts';
import { runBench, splitFlags, variantValues } from '../../cli/bench.ts';
import { loadTuning, saveTuning } from '../../cli/tune-cache.ts';
import { deviceTuning, tuneDevice } from '../../cli/tune.ts';
import { profilingContext } from '../../runtime/webgpu/profile.ts';
import { gpu } from '../runtime/webgpu/helpers.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'dslc-bench-'));
process.env['DSLC_CACHE_DIR'] = join(work, 'cache');
const TINY = ['hidden_size=32', 'num_attention_heads=2', 'num_hidden_layers=1', 'intermediate_size=48', 'vocab_size=50', 'max_position_embeddings=32'];

/** Tags balance and every element is closed: enough to know a browser will parse it as XML. */
function assertWellFormedSvg(svg: string): void {
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (m[3]) continue;
    if (m[1]) assert.is(stack.pop(), m[2], `</${m[2]}> closes the wrong element`);
    else stack.push(m[2]!);
  }
  assert.equal(stack, [], 'unclosed elements');
  assert.not.match(svg.replace(/<[^>]*>/g, ''), /[<>]|&(?!amp;|lt;|gt;|quot;)/, 'unescaped text');
}

test('--compare flags are split like a shell and parsed as dslc build parses them', () => {
  assert.equal(splitFlags(`--fuse none --set "a=b c" --set 'x=1'`), ['--fuse', 'none', '--set', 'a=b c', '--set', 'x=1']);
  const v = variantValues({ entry: 'BertModel', set: ['num_hidden_layers=1'], fuse: 'all' }, '--fuse none --set hidden_size=32');
  assert.equal(v, { entry: 'BertModel', set: ['num_hidden_layers=1', 'hidden_size=32'], fuse: 'none' });
  assert.throws(() => variantValues({}, '--bogus'), /--compare '--bogus': Unknown option '--bogus'/);
  assert.throws(() => variantValues({}, '--out x'), /--compare '--out x'/);
});

test('roof % is the achieved rate over what the roofline allows at the kernel intensity (bandwidth for copies)', () => {
  const roof = { gflops: 10, gbs: 2, gemm: '', copy: '' };
  const rows = kernelRows(
    [
      { kernel: 'mm', ms: 1, flops: 4e6, bytes: 1e5 }, // 40 FLOP/B: compute-bound, 4 GFLOP/s of 10
      { kernel: 'mm', ms: 1, flops: 4e6, bytes: 1e5 },
      { kernel: 'add', ms: 2, flops: 1e5, bytes: 1e6 }, // 0.1 FLOP/B: 0.05 GFLOP/s of 0.2
      { kernel: 'copy', ms: 4, flops: 0, bytes: 4e6 }, // 1 GB/s of 2
    ],
    roof,
  );
  assert.equal(rows.map((r) => [r.kernel, r.launches]), [['copy', 1], ['mm', 2], ['add', 1]]);
  const by = Object.fromEntries(rows.map((r) => [r.kernel, r]));
  assert.ok(Math.abs(by['mm']!.roof! - 0.4) < 1e-12);
  assert.ok(Math.abs(by['add']!.roof! - 0.25) < 1e-12);
  assert.ok(Math.abs(by['copy']!.roof! - 0.5) < 1e-12);
  assert.ok(Math.abs(by['copy']!.share - 0.5) < 1e-12);
  assert.is(by['mm']!.intensity, 40);
});

test('bench of a tiny BERT: tables, comparison, JSON and chart', async () => {
  if (!(await gpu())) return;
  const lines: string[] = [];
  const json = join(work, 'out/bench.json');
  const chart = join(work, 'out/bench.svg');
  const report = await runBench(join(ROOT, 'specs/bert.dsl'), { entry: 'BertModel', set: TINY, dims: 'B=1,S=8', reps: '1', warmup: '0', 'no-tuning': true, 'no-roofline': true, compare: ['--fuse none'], json, chart }, { log: (l) => lines.push(l) });
  const text = lines.join('\n');
  assert.match(text, new RegExp(`\\n  ${KERNEL_COLUMNS.join('\\s+').replace(/[/%]/g, '.')}\\n`));
  assert.match(text, /BertModel\.forward at B=1, S=8 \[baseline\]: \d+ dispatches/);
  assert.match(text, /\[--fuse none\]/);
  assert.match(text, /comparison \(ratio = variant time ÷ baseline time/);
  assert.match(text, /tiles: matmul 64×64 tiles.*defaults \(--no-tuning\)/);
  const doc = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
  assert.equal(doc, JSON.parse(JSON.stringify(report)));
  assert.is(doc.format, 'dslc-bench/1');
  assert.equal(doc.variants.map((v) => v.label), ['baseline', '--fuse none']);
  const [fused, unfused] = doc.variants as [BenchReport['variants'][0], BenchReport['variants'][0]];
  assert.ok(fused.kernels.some((k) => k.kernel.startsWith('attention_')), 'the baseline is fused');
  assert.ok(!unfused.kernels.some((k) => k.kernel.startsWith('attention_')), 'the variant is not');
  assert.ok(unfused.totals.dispatches > fused.totals.dispatches);
  for (const v of doc.variants) {
    assert.is(v.kernels.reduce((s, k) => s + k.launches, 0), v.totals.dispatches);
    assert.ok(Math.abs(v.kernels.reduce((s, k) => s + k.share, 0) - 1) < 1e-9 || v.totals.kernelMs === 0);
    // roof is left out without a roofline (--no-roofline)
    assert.equal(Object.keys(v.kernels[0]!).sort(), ['bytes', 'flops', 'gbs', 'gflops', 'intensity', 'kernel', 'launches', 'ms', 'share']);
    assert.ok(v.totals.flops > 0 && v.totals.bytes > 0);
  }
  const svg = readFileSync(chart, 'utf8');
  assert.is(svg, benchChart(doc));
  assertWellFormedSvg(svg);
  const dots = doc.variants.reduce((s, v) => s + v.kernels.filter((k) => k.flops > 0 && k.gflops > 0).length, 0);
  assert.is([...svg.matchAll(/<circle /g)].length, dots);
});

test('the tile search keeps correct candidates, caches its choice per adapter, and a cached choice is reused', async () => {
  if (!(await gpu())) return;
  const context = await profilingContext();
  try {
    const entry = await tuneDevice(context, {
      gemm: [20, 24, 36],
      attention: [1, 9, 4],
      matmulCandidates: [{ tile: 32, per: 2, slab: 16 }],
      attentionCandidates: [{ rows: 16 }],
      reps: 1,
    });
    assert.equal(Object.keys(entry.gemm).sort(), ['32x32/2x2/k16', '64x64/4x4/k16']);
    assert.equal(Object.keys(entry.attention).sort(), ['rows 16', 'rows 64']);
    assert.equal(loadTuning(context.adapterName), entry);
    const chosen = { matmul: { tile: 16, per: 2, slab: 16 }, attention: { rows: 32 } };
    saveTuning(context.adapterName, { ...entry, tuning: chosen });
    const again = await deviceTuning(context, false);
    assert.is(again.searched, false);
    assert.equal(again.entry.tuning, chosen);
  } finally {
    context.destroy();
  }
});

test('dslc bench: a bad --compare flag is named, exit 1, no stack trace', () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/dslc.js'), 'bench', 'specs/bert.dsl', '--entry', 'BertModel', '--compare', '--fuse bogus'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.is(r.status, 1);
  assert.match(r.stderr, /--fuse: unknown pass bogus/);
  assert.not.match(r.stderr, /\n\s+at .*:\d+:\d+/);
});

test.run();
