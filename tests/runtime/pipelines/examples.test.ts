/**
 * The README's "Using the generated package" examples cannot rot: each of its js blocks is a `// README` region of
 * scripts/examples/pipelines.mjs, and that script runs (plain node, against packages built by pipelines-setup.ts)
 * and checks its own results.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = new URL('../../../', import.meta.url).pathname;
const SCRIPT = join(ROOT, 'scripts/examples/pipelines.mjs');

/** The `// README <name>` … `// README end` regions of the script, dedented, in order. */
function regions(): string[] {
  const text = readFileSync(SCRIPT, 'utf8');
  return [...text.matchAll(/^( *)\/\/ README \w+\n([\s\S]*?)^ *\/\/ README end\n/gm)].map(([, indent, body]) =>
    body!.split('\n').map((l) => (l.startsWith(indent!) ? l.slice(indent!.length) : l)).join('\n').trimEnd(),
  );
}

test("the README section's js blocks are the script's README regions, in order", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf('\n## Using the generated package\n');
  assert.ok(at >= 0, 'README has the section');
  const section = readme.slice(at + 1).split(/\n## /)[0]!;
  const blocks = [...section.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map(([, body]) => body!.trimEnd());
  const want = regions();
  assert.is(want.length, 8, 'one region per pipeline, and the error example');
  assert.equal(blocks, want);
  assert.ok(readme.includes('npm run example   # builds specs/bert.dsl') && readme.includes('npm test          # type-checks'), 'Quick start intact');
});

test('the examples run: tiny packages built, every pipeline called from plain node, self-checks pass', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dslc-pipeline-examples-'));
  try {
    const setup = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/examples/pipelines-setup.ts'), dir], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.is(setup.status, 0, `pipelines-setup.ts failed:\n${setup.stderr}`);
    // uvu sets FORCE_COLOR, which would colour console.log's booleans and numbers
    const env = { ...process.env, FORCE_COLOR: '0' };
    const run = spawnSync(process.execPath, [SCRIPT, dir], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env });
    assert.is(run.status, 0, `pipelines.mjs failed:\n${run.stdout}\n${run.stderr}`);
    for (const name of ['fillMask', 'classify', 'tokenClassify', 'answer', 'chooseAnswer', 'nextSentence', 'embed']) {
      assert.match(run.stdout, new RegExp(`^${name}: `, 'm'), `${name} ran`);
    }
    assert.match(run.stdout, /^true fillMask: the text has no \[MASK\] token/m);
    assert.match(run.stdout, /all pipeline examples ran\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
