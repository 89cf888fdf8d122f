/**
 * The pre-bundled CLI (bin/cli-bundle.js): built from a small stand-in source tree, it is used only while every source
 * it was built from is unchanged, rebuilt when one changes, keeps each source's own `import.meta.url`, and leaves
 * dynamic imports lazy. The real CLI run through the bundle writes the same package as run through tsx.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildCliBundle, freshBundle, ROOT } from '../../bin/cli-bundle.js';

const work = mkdtempSync(join(tmpdir(), 'dslc-cli-bundle-'));

function standIn(name: string, message: string): string {
  const root = join(work, name);
  mkdirSync(join(root, 'cli'), { recursive: true });
  writeFileSync(join(root, 'cli/message.ts'), `export const message: string = ${JSON.stringify(message)};\n`);
  writeFileSync(join(root, 'cli/lazy.ts'), `export const lazy = 'lazy';\n`);
  writeFileSync(
    join(root, 'cli/main.ts'),
    [
      `import { message } from './message.ts';`,
      `const here: string = import.meta.url;`,
      'const quoted = `new URL("./", import.meta.url)`;',
      `const lazy = process.argv.includes('--lazy') ? (await import('./lazy.ts')).lazy : 'not loaded';`,
      `console.log(JSON.stringify({ message, here, quoted, lazy }));`,
    ].join('\n'),
  );
  return root;
}

function runEntry(entry: string, ...args: string[]): { message: string; here: string; quoted: string; lazy: string } {
  const r = spawnSync(process.execPath, [entry, ...args], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('a bundle is fresh right after it is built and runs the sources', async () => {
  const root = standIn('fresh', 'hello');
  assert.is(freshBundle(root), undefined, 'no bundle yet');
  const entry = await buildCliBundle(root);
  assert.is(freshBundle(root), entry);
  assert.is(runEntry(entry).message, 'hello');
});

test('an edited source makes the bundle stale, even with its old modification time, and a rebuild serves the edit', async () => {
  const root = standIn('edited', 'before');
  const entry = await buildCliBundle(root);
  const file = join(root, 'cli/message.ts');
  writeFileSync(file, `export const message: string = 'after!';\n`);
  utimesSync(file, new Date(0), new Date(0));
  assert.is(freshBundle(root), undefined, 'a changed source must never be served from the old bundle');
  const rebuilt = await buildCliBundle(root);
  assert.is.not(rebuilt, entry);
  assert.is(freshBundle(root), rebuilt);
  assert.is(runEntry(rebuilt).message, 'after!');
});

test('a deleted source makes the bundle stale', async () => {
  const root = standIn('deleted', 'x');
  await buildCliBundle(root);
  rmSync(join(root, 'cli/message.ts'));
  assert.is(freshBundle(root), undefined);
});

test('a changed tsconfig.json (how the sources are compiled) makes the bundle stale', async () => {
  const root = standIn('tsconfig', 'x');
  await buildCliBundle(root);
  writeFileSync(join(root, 'tsconfig.json'), '{ "compilerOptions": { "target": "ES2022" } }\n');
  assert.is(freshBundle(root), undefined);
});

test('each source keeps its own import.meta.url; text that merely spells it is left alone; dynamic imports stay lazy', async () => {
  const root = standIn('meta', 'x');
  const entry = await buildCliBundle(root);
  const out = runEntry(entry);
  assert.is(out.here, pathToFileURL(join(root, 'cli/main.ts')).href);
  assert.is(out.quoted, 'new URL("./", import.meta.url)');
  assert.is(out.lazy, 'not loaded');
  assert.is(runEntry(entry, '--lazy').lazy, 'lazy');
  assert.not.match(readFileSync(entry, 'utf8'), /export const lazy|var lazy = "lazy"/, 'the lazy module is a chunk of its own');
});

test('the real CLI through the bundle writes the same package as through tsx', async () => {
  const entry = freshBundle() ?? (await buildCliBundle());
  assert.ok(entry.startsWith(join(ROOT, 'dist/cli/')));
  const args = ['build', 'specs/bert.dsl', '--entry', 'BertModel', '--target', 'cpu', '--no-cache', '--set', 'num_hidden_layers=1'];
  const files = (how: string, env: NodeJS.ProcessEnv): Map<string, string> => {
    const out = join(work, how);
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/dslc.js'), ...args, '--out', out], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    const read = (dir: string): [string, string][] =>
      spawnSync('find', [dir, '-type', 'f'], { encoding: 'utf8' })
        .stdout.trim()
        .split('\n')
        .sort()
        .map((f) => [f.slice(dir.length), readFileSync(f, 'utf8').replaceAll(out, '<out>')]);
    return new Map(read(out));
  };
  const viaBundle = files('bundle', {});
  const viaTsx = files('tsx', { DSLC_NO_BUNDLE: '1' });
  assert.equal([...viaBundle.keys()], [...viaTsx.keys()]);
  for (const [name, text] of viaTsx) assert.is(viaBundle.get(name), text, name);
});

test.after(() => rmSync(work, { recursive: true, force: true }));
test.run();
