/**
 * The pre-bundled CLI: cli/main.ts and every source file it imports, bundled by esbuild into dist/cli/ (npm
 * packages left external), so `dslc` starts without tsx transpiling each .ts file on every run (~0.6 s of a 2 s build).
 *
 * dist/cli.json records a SHA-1 of every source file that went into the bundle; the bundle is used only while each of
 * them still has that content, so an edited source is never served stale: the next run rebuilds the bundle first.
 * Each source's `import.meta.url` is replaced by that source's own file URL, so the paths it derives from its
 * location (runtime/ files the glue bundles, package.json, the build cache's fingerprint) stay the same in the bundle.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository whose CLI is bundled; the functions take another root for tests. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const bundleDir = (root) => join(root, 'dist/cli');
const bundleMeta = (root) => join(root, 'dist/cli.json');
/** Bumped when dist/cli.json changes shape; a bundle recorded in another shape is rebuilt. */
const META_FORMAT = 2;
/** Chunks no bundle uses any more are removed once they are this old (a process started before a rebuild may still load them). */
const PRUNE_AFTER_MS = 10 * 60e3;

const sha1 = (path) => {
  try {
    return createHash('sha1').update(readFileSync(path)).digest('hex');
  } catch {
    return 'missing';
  }
};

/** The bundle's entry file when it was built from the sources as they are now, else undefined. */
export function freshBundle(root = ROOT) {
  let meta;
  try {
    meta = JSON.parse(readFileSync(bundleMeta(root), 'utf8'));
  } catch {
    return undefined;
  }
  if (meta?.format !== META_FORMAT || typeof meta.entry !== 'string' || typeof meta.sources !== 'object') return undefined;
  const entry = join(root, meta.entry);
  if (!existsSync(entry)) return undefined;
  for (const [rel, hash] of Object.entries(meta.sources)) if (sha1(join(root, rel)) !== hash) return undefined;
  return entry;
}

/** An esbuild plugin giving each bundled source its own `import.meta.url` (esbuild's define works on the syntax tree, so text in strings is left alone). */
function ownImportMetaUrl(esbuild, read) {
  return {
    name: 'own-import-meta-url',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, async ({ path }) => {
        const bytes = readFileSync(path);
        read.set(path, createHash('sha1').update(bytes).digest('hex'));
        const source = bytes.toString('utf8');
        if (!source.includes('import.meta.url')) return { contents: source, loader: 'ts' };
        const { code } = await esbuild.transform(source, {
          loader: 'ts',
          format: 'esm',
          sourcefile: path,
          define: { 'import.meta.url': JSON.stringify(pathToFileURL(path).href) },
        });
        return { contents: code, loader: 'js' };
      });
    },
  };
}

/**
 * Bundles cli/main.ts into dist/cli/ and records its entry and sources in dist/cli.json; returns the entry file. Dynamic
 * imports stay separate chunks (splitting), so a command still loads only what it uses (ts-morph only to emit glue).
 * Files are named by content hash and written through temporary files and renames, so a run that started on an
 * older bundle never reads half a file or a chunk of another build.
 */
export async function buildCliBundle(root = ROOT) {
  const esbuild = await import('esbuild');
  const read = new Map();
  const result = await esbuild.build({
    entryPoints: [join(root, 'cli/main.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    metafile: true,
    write: false,
    outdir: bundleDir(root),
    splitting: true,
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    outExtension: { '.js': '.mjs' },
    logLevel: 'silent',
    absWorkingDir: root,
    plugins: [ownImportMetaUrl(esbuild, read)],
  });
  // the hashes of what was read, not of the files after the build, so an edit made during the build is not missed
  const sources = {};
  for (const rel of Object.keys(result.metafile.inputs).sort()) sources[rel] = read.get(join(root, rel)) ?? sha1(join(root, rel));
  // how the sources are bundled is part of the bundle too
  for (const path of [fileURLToPath(import.meta.url), join(root, 'tsconfig.json')]) sources[relative(root, path)] = sha1(path);
  mkdirSync(bundleDir(root), { recursive: true });
  const tmp = `.${process.pid}.tmp`;
  const written = new Set();
  for (const file of result.outputFiles) {
    written.add(basename(file.path));
    if (existsSync(file.path)) continue; // same name, same content
    writeFileSync(file.path + tmp, file.contents);
    renameSync(file.path + tmp, file.path);
  }
  const entryOutput = Object.entries(result.metafile.outputs).find(([, o]) => o.entryPoint)[0];
  writeFileSync(bundleMeta(root) + tmp, JSON.stringify({ format: META_FORMAT, entry: entryOutput, sources }, null, 1));
  renameSync(bundleMeta(root) + tmp, bundleMeta(root));
  for (const name of readdirSync(bundleDir(root))) {
    const path = join(bundleDir(root), name);
    if (!written.has(name) && Date.now() - statSync(path).mtimeMs > PRUNE_AFTER_MS) rmSync(path, { force: true });
  }
  return join(root, entryOutput);
}
