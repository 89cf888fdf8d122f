/**
 * The per-adapter tile cache (cli/tune-cache.ts): entries round-trip, adapters keep their own entries, damaged or
 * invalid files are ignored rather than trusted, and `dslc build --report` shows what is cached.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_TUNING } from '../../compiler/kernel/tuning.ts';
import { loadTuning, readTunings, saveTuning, tuningPath, tuningReportText, type TuningEntry } from '../../cli/tune-cache.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const fresh = () => (process.env['DSLC_CACHE_DIR'] = mkdtempSync(join(tmpdir(), 'dslc-tune-')));

const entry = (rows: number): TuningEntry => ({
  tuning: { matmul: { tile: 32, per: 2, slab: 16 }, attention: { rows } },
  date: '2026-11-25T10:00:00.000Z',
  gemm: { '64x64/4x4/k16': 1.5, '32x32/2x2/k16': 2.25 },
  attention: { 'rows 64': 3, [`rows ${rows}`]: 2 },
});

test('an entry round-trips; other adapters keep theirs; a re-tune replaces only its own', () => {
  fresh();
  assert.is(loadTuning('GPU A'), undefined);
  saveTuning('GPU A (vendor, arch)', entry(32));
  saveTuning('GPU B', entry(16));
  assert.equal(loadTuning('GPU A (vendor, arch)'), entry(32));
  assert.equal(loadTuning('GPU B'), entry(16));
  saveTuning('GPU A (vendor, arch)', entry(128));
  assert.equal(loadTuning('GPU A (vendor, arch)')!.tuning.attention.rows, 128);
  assert.equal(loadTuning('GPU B'), entry(16));
  assert.equal(JSON.parse(readFileSync(tuningPath(), 'utf8')).format, 'dslc-tuning/1');
});

test('a damaged file or an invalid entry is ignored, not trusted', () => {
  fresh();
  saveTuning('good', entry(32));
  const file = JSON.parse(readFileSync(tuningPath(), 'utf8'));
  file.adapters['too many threads'] = { ...entry(32), tuning: { matmul: { tile: 64, per: 2, slab: 16 }, attention: { rows: 64 } } };
  file.adapters['no rows'] = { ...entry(32), tuning: { matmul: DEFAULT_TUNING.matmul, attention: {} } };
  writeFileSync(tuningPath(), JSON.stringify(file));
  assert.equal(Object.keys(readTunings()), ['good']);
  writeFileSync(tuningPath(), '{ not json');
  assert.equal(readTunings(), {});
  assert.is(tuningReportText(), undefined);
});

test('dslc build --report --target webgpu shows the cached tiles per adapter', () => {
  const dir = fresh();
  saveTuning('Some GPU (acme, future)', entry(32));
  assert.match(tuningReportText()!, /Some GPU \(acme, future\): matmul 32×32 tiles, 2×2 per thread \(256 threads\), k-slab 16; attention 32 rows/);
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/dslc.js'), 'build', 'specs/bert.dsl', '--entry', 'BertModel', '--set', 'num_hidden_layers=1', '--target', 'webgpu', '--report'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, DSLC_CACHE_DIR: dir },
    timeout: 120_000,
  });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /autotuned WebGPU tiles \(dslc bench --tune;/);
  assert.match(r.stdout, /Some GPU \(acme, future\): matmul 32×32 tiles/);
});

test.run();
