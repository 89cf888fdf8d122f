/**
 * The build cache of `dslc build`: a package's files stored under `<cache>/builds/<key>/` (cache-dir.ts), where the
 * key is a SHA-256 of everything the output depends on — the model source's text, the config file's text, every
 * build option (the output folder included: the glue quotes the command line), and the compiler itself (the text of
 * every file of dsl/, compiler/, backends/, runtime/ and cli/, so any change to the compiler misses). A rebuild with
 * nothing changed copies the stored files instead of compiling, tracing, emitting and bundling again. The 64 most
 * recently used builds are kept.
 *
 * @example
 * const key = buildKey('specs/bert.dsl', values, 'generated/bert');
 * restoreBuild(key, 'generated/bert') ?? storeBuild(key, 'generated/bert', await compileEverything());
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../dsl/errors.ts';
import { cacheDir } from './cache-dir.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const COMPILER_DIRS = ['dsl', 'compiler', 'backends', 'runtime', 'cli'];
/** Options that change what is printed, not what is built. */
const NOT_BUILT = new Set(['report', 'report-dims', 'no-cache']);

let fingerprint: string | undefined;

function walk(dir: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (/\.(ts|h|cpp|cu|json)$/.test(e.name)) out.push(p);
  }
}

/** A hash of the compiler's own source files and package.json: any edit to the compiler is a different compiler. */
export function compilerFingerprint(): string {
  if (fingerprint) return fingerprint;
  const files: string[] = [join(ROOT, 'package.json')];
  for (const d of COMPILER_DIRS) if (existsSync(join(ROOT, d))) walk(join(ROOT, d), files);
  const h = createHash('sha256');
  for (const f of files.sort()) h.update(f.slice(ROOT.length)).update('\0').update(readFileSync(f)).update('\0');
  fingerprint = h.digest('hex');
  return fingerprint;
}

const readOrMissing = (path: string): string => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return `<unreadable ${path}>`;
  }
};

/** The cache key of building `file` with these option values into `out`. */
export function buildKey(file: string, values: Readonly<Record<string, unknown>>, out: string): string {
  const options = Object.fromEntries(Object.entries(values).filter(([k, v]) => !NOT_BUILT.has(k) && v !== undefined).sort(([a], [b]) => a.localeCompare(b)));
  const config = typeof values['config'] === 'string' ? readOrMissing(values['config']) : '';
  const h = createHash('sha256');
  for (const part of [compilerFingerprint(), file, readOrMissing(file), config, JSON.stringify(options), out]) h.update(part).update('\0');
  return h.digest('hex');
}

const entryDir = (key: string): string => join(cacheDir(), 'builds', key);

interface Stored {
  readonly files: readonly string[];
  /** The line `dslc build` printed when it built the package. */
  readonly summary: string;
}

/** Copies a stored build into `out` and returns what was stored; undefined on a miss (or a damaged entry). */
export function restoreBuild(key: string, out: string): Stored | undefined {
  const dir = entryDir(key);
  let stored: Stored;
  try {
    stored = JSON.parse(readFileSync(join(dir, 'build.json'), 'utf8')) as Stored;
    if (!stored.files.every((f) => existsSync(join(dir, 'files', f)))) return undefined;
  } catch {
    return undefined;
  }
  try {
    // what a fresh build would delete first: a previous build's kernels, possibly another target's
    rmSync(join(out, 'kernels'), { recursive: true, force: true });
    if (existsSync(out)) for (const f of readdirSync(out)) if (f === 'program.json' || /^kernels\.(cu|\w+\.(ptx|cubin))$/.test(f)) rmSync(join(out, f), { force: true });
    mkdirSync(out, { recursive: true });
    cpSync(join(dir, 'files'), out, { recursive: true });
  } catch (e) {
    throw new UserError(`cannot write the package to ${out}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  utimesSync(dir, new Date(), new Date()); // recently used: kept longest by the pruning
  return stored;
}

/** Stores the package just built in `out` (its `files`, package-relative) under `key`. Best effort: a full disk only loses the cache. */
export function storeBuild(key: string, out: string, files: readonly string[], summary: string): void {
  const dir = entryDir(key);
  const tmp = `${dir}.${process.pid}.tmp`;
  try {
    rmSync(tmp, { recursive: true, force: true });
    for (const f of files) {
      mkdirSync(dirname(join(tmp, 'files', f)), { recursive: true });
      cpSync(join(out, f), join(tmp, 'files', f));
    }
    writeFileSync(join(tmp, 'build.json'), JSON.stringify({ files, summary } satisfies Stored));
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    pruneBuilds(MAX_ENTRIES);
  } catch {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Builds kept; the least recently used beyond this are deleted (a package is a few hundred KiB to a few MiB). */
const MAX_ENTRIES = 64;

export function pruneBuilds(keep: number): void {
  const root = join(cacheDir(), 'builds');
  const entries = readdirSync(root)
    .filter((e) => /^[0-9a-f]{64}$/.test(e))
    .map((e) => ({ e, t: statSync(join(root, e)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const { e } of entries.slice(keep)) rmSync(join(root, e), { recursive: true, force: true });
}
