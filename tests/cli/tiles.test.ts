/**
 * `--tiles`: explicit, default and cached tiles parse (bad ones are named), `dslc build --target webgpu --tiles`
 * writes the kernels with those tiles, and other targets refuse the flag.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTiles } from '../../cli/tiles.ts';
import { DEFAULT_TUNING } from '../../compiler/kernel/tuning.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'dslc-tiles-'));

function dslc(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/dslc.js'), ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, DSLC_CACHE_DIR: join(work, 'cache') }, timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('parseTiles: default, cached, explicit parts over the defaults, and named mistakes', () => {
  assert.equal(parseTiles('default'), DEFAULT_TUNING);
  assert.is(parseTiles('cached'), 'cached');
  assert.equal(parseTiles('matmul=32/2/16,attention=16'), { matmul: { tile: 32, per: 2, slab: 16 }, attention: { rows: 16 } });
  assert.equal(parseTiles('attention=128'), { ...DEFAULT_TUNING, attention: { rows: 128 } });
  assert.throws(() => parseTiles('matmul=64/2/16'), /--tiles matmul=64\/2\/16: 1024 threads, more than 256/);
  assert.throws(() => parseTiles('attention=0'), /--tiles expects default, cached, or matmul=TILE\/PER\/SLAB,attention=ROWS/);
  assert.throws(() => parseTiles('fast'), /got 'fast'/);
});

test('dslc build --target webgpu --tiles writes kernels with those tiles; cpu refuses --tiles', () => {
  const out = join(work, 'pkg');
  const r = dslc('build', 'specs/bert.dsl', '--entry', 'BertModel', '--set', 'num_hidden_layers=1', '--target', 'webgpu', '--tiles', 'matmul=32/4/16,attention=32', '--out', out);
  assert.is(r.code, 0, r.err);
  const kernels = readdirSync(join(out, 'kernels'));
  assert.ok(kernels.some((k) => /^matmul_.*_t32p4s16\.wgsl$/.test(k)), kernels.join(' '));
  assert.ok(kernels.some((k) => /^attention_.*_r32\.wgsl$/.test(k)), kernels.join(' '));
  const mm = kernels.find((k) => k.startsWith('matmul_'))!;
  assert.match(readFileSync(join(out, 'kernels', mm), 'utf8'), /@workgroup_size\(64\)/);
  assert.match(readFileSync(join(out, 'index.ts'), 'utf8'), /--tiles matmul=32\/4\/16,attention=32/);
  const bad = dslc('build', 'specs/bert.dsl', '--entry', 'BertModel', '--tiles', 'default', '--out', join(work, 'cpu'));
  assert.is(bad.code, 1);
  assert.match(bad.err, /--tiles applies to --target webgpu, not cpu/);
  assert.not.ok(existsSync(join(work, 'cpu', 'index.js')));
});

test.run();
