/**
 * The build cache (cli/build-cache.ts) through `dslc build`: a repeated build is served from the cache with the same
 * files; a change to the source, to an option or to the output folder misses; a damaged entry rebuilds; --no-cache
 * always builds. The key also covers the config file's text.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildKey, pruneBuilds, restoreBuild, storeBuild } from '../../cli/build-cache.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'dslc-build-cache-'));
const cache = join(work, 'cache');
const source = join(work, 'bert.dsl');
writeFileSync(source, readFileSync(join(ROOT, 'specs/bert.dsl'), 'utf8'));

function build(...extra: string[]) {
  const args = ['build', source, '--entry', 'BertModel', '--set', 'num_hidden_layers=1', '--out', join(work, 'out'), ...extra];
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/dslc.js'), ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, DSLC_CACHE_DIR: cache }, timeout: 120_000 });
  assert.is(r.status, 0, r.stderr);
  return r.stdout;
}

const HIT = /unchanged: copied from the build cache/;
const snapshot = (dir: string) => Object.fromEntries(readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => [join(e.parentPath, e.name).slice(dir.length), readFileSync(join(e.parentPath, e.name), 'utf8')]));

test('miss, then hit with identical files; an edited source, a changed option or --no-cache builds again', () => {
  assert.not.match(build(), HIT);
  const first = snapshot(join(work, 'out'));
  rmSync(join(work, 'out'), { recursive: true });
  assert.match(build(), HIT);
  assert.equal(snapshot(join(work, 'out')), first);
  assert.not.match(build('--fuse', 'none'), HIT);
  writeFileSync(source, `${readFileSync(source, 'utf8')}\n# an edit\n`);
  assert.not.match(build(), HIT);
  assert.not.match(build('--no-cache'), HIT);
});

test('a damaged cache entry is rebuilt, not copied', () => {
  assert.ok(readdirSync(join(cache, 'builds')).length > 0);
  for (const e of readdirSync(join(cache, 'builds'))) rmSync(join(cache, 'builds', e, 'files', 'index.js'), { force: true });
  assert.not.match(build(), HIT);
  assert.match(build(), HIT);
});

test('the key covers source path and text, config file text, options and output folder, not report flags', () => {
  const config = join(work, 'config.json');
  writeFileSync(config, '{"hidden_size": 32}');
  const base = { entry: 'BertModel', config };
  const k = buildKey(source, base, 'out');
  assert.is(buildKey(source, { ...base }, 'out'), k);
  assert.is(buildKey(source, { ...base, report: true, 'report-dims': 'S=4' }, 'out'), k);
  assert.is.not(buildKey(source, { ...base, fuse: 'none' }, 'out'), k);
  assert.is.not(buildKey(source, base, 'other'), k);
  writeFileSync(config, '{"hidden_size": 64}');
  assert.is.not(buildKey(source, base, 'out'), k);
});

test('stored builds round-trip in process; pruning keeps the most recently used', () => {
  process.env['DSLC_CACHE_DIR'] = join(work, 'unit-cache');
  const pkg = join(work, 'pkg');
  mkdirSync(join(pkg, 'kernels'), { recursive: true });
  writeFileSync(join(pkg, 'index.js'), 'export {}');
  writeFileSync(join(pkg, 'kernels', 'a.wgsl'), '// a');
  const keys = ['1', '2', '3'].map((c) => c.repeat(64));
  keys.forEach((k, i) => storeBuild(k, pkg, ['index.js', 'kernels/a.wgsl'], `built ${i}`));
  const target = join(work, 'restored');
  assert.is(restoreBuild(keys[0]!, target)?.summary, 'built 0'); // now the most recently used
  assert.is(readFileSync(join(target, 'kernels', 'a.wgsl'), 'utf8'), '// a');
  pruneBuilds(2);
  assert.ok(restoreBuild(keys[0]!, target));
  assert.is(restoreBuild(keys[1]!, target), undefined);
  assert.ok(restoreBuild(keys[2]!, target));
  delete process.env['DSLC_CACHE_DIR'];
});

test.run();
