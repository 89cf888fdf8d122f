/**
 * nvcc as a checker and as the producer of what the runtime loads: one translation unit per program (every kernel of
 * an entry point, deduplicated), compiled to PTX for a virtual architecture (portable: the driver JIT-compiles it for
 * any newer GPU) and to cubins for real ones, each target in one nvcc invocation and all targets in parallel.
 *
 * No warning is tolerated: nvcc's front end runs with `-Werror all-warnings` and ptxas with `-Werror`, and any line
 * that still says "warning" fails the build. ptxas's `--resource-usage` report is parsed per kernel (resources.ts).
 * Builds are cached under .cache/cuda/ by a hash of the nvcc version, flags, target and source, because nvcc takes
 * seconds per module and the tests compile the same kernels on every run.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type KernelResources, parseResourceUsage } from './resources.ts';

const run = promisify(execFile);

/** `compute_XX` → PTX for that virtual architecture; `sm_XX` → a cubin for that GPU. */
export type CudaTarget = `compute_${number}` | `sm_${number}`;
export const DEFAULT_TARGETS: readonly CudaTarget[] = ['compute_80', 'sm_80', 'sm_90'];

export const NVCC_FLAGS: readonly string[] = ['-std=c++17', '-O3', '-Werror', 'all-warnings', '-Xptxas', '-Werror', '--resource-usage'];

export interface CudaBuild {
  readonly source: string;
  /** PTX text (as bytes, NUL-terminated for cuModuleLoadData) or cubin, per target. */
  readonly images: ReadonlyMap<CudaTarget, Uint8Array>;
  /** ptxas's report for the cubin targets. */
  readonly resources: readonly KernelResources[];
  /** Targets served from the cache. */
  readonly cached: readonly CudaTarget[];
}

export class CudaCompileError extends Error {
  override readonly name = 'CudaCompileError';
  constructor(
    message: string,
    readonly log: string,
  ) {
    super(message);
  }
}

const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const cacheRoot = (): string => process.env['DSLC_CUDA_CACHE'] ?? join(REPO, '.cache', 'cuda');

/** The nvcc to use: $NVCC when set (only it, so NVCC=/nonexistent hides nvcc), else the standard install or PATH. */
export function findNvcc(): string | undefined {
  const set = process.env['NVCC'];
  const candidates = set ? [set] : ['/usr/local/cuda/bin/nvcc', ...(process.env['PATH'] ?? '').split(delimiter).map((d) => join(d, 'nvcc'))];
  return candidates.find((p) => existsSync(p));
}

/** Why nvcc cannot be used here, or undefined when it can. */
export function nvccUnavailable(): string | undefined {
  return findNvcc() ? undefined : `nvcc not found (${process.env['NVCC'] ? `NVCC=${process.env['NVCC']} does not exist` : 'set NVCC, install the CUDA toolkit in /usr/local/cuda, or put nvcc on PATH'})`;
}

let versionCache: Promise<string> | undefined;
export function nvccVersion(): Promise<string> {
  const nvcc = findNvcc();
  if (!nvcc) return Promise.reject(new Error(nvccUnavailable()));
  versionCache ??= run(nvcc, ['--version']).then((r) => /release [^\n]*/.exec(r.stdout)?.[0] ?? r.stdout.trim());
  return versionCache;
}

/** The kernel whose definition contains `line` (1-based) of `source`, for error messages. */
export function kernelAtLine(source: string, line: number): string | undefined {
  const lines = source.split('\n').slice(0, line);
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /__global__ void __launch_bounds__\(\d+\) (\w+)\(/.exec(lines[i]!);
    if (m) return m[1];
  }
  return undefined;
}

/** Adds the kernel name to every `module.cu(LINE): ...` diagnostic. */
function annotate(log: string, source: string): string {
  return log.replace(/module\.cu\((\d+)\)/g, (all, line: string) => `${all} [${kernelAtLine(source, Number(line)) ?? 'prelude'}]`);
}

async function compileTarget(nvcc: string | undefined, version: string | undefined, source: string, target: CudaTarget, flags: readonly string[]) {
  const ptx = target.startsWith('compute_');
  const out = ptx ? 'module.ptx' : 'module.cubin';
  // ptxas does not run for PTX, and nvcc warns that it has no resource usage to show.
  const args = [...flags.filter((f) => !(ptx && f === '--resource-usage')), ptx ? '-ptx' : '-cubin', `-arch=${target}`, '-o', out, 'module.cu'];
  // The key leaves out nvcc's version so a machine without nvcc (a GPU box given this cache) still finds the build;
  // with nvcc, an entry another version made is rebuilt.
  const dir = join(cacheRoot(), createHash('sha256').update(JSON.stringify([args, source])).digest('hex').slice(0, 32));
  const hit = existsSync(join(dir, 'log.txt')) && existsSync(join(dir, out)) && existsSync(join(dir, 'nvcc.txt'));
  if (hit && (!version || readFileSync(join(dir, 'nvcc.txt'), 'utf8') === version)) {
    return { image: readFileSync(join(dir, out)), log: readFileSync(join(dir, 'log.txt'), 'utf8'), cached: true };
  }
  if (!nvcc || !version) throw new Error(`${nvccUnavailable()}, and no cached build of this module for ${target}`);
  const work = mkdtempSync(join(tmpdir(), 'dslc-nvcc-'));
  try {
    writeFileSync(join(work, 'module.cu'), source);
    let log: string;
    try {
      const r = await run(nvcc, args, { cwd: work, maxBuffer: 64 << 20 });
      log = `${r.stdout}${r.stderr}`;
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; message: string };
      const text = annotate(`${err.stdout ?? ''}${err.stderr ?? ''}`, source) || err.message;
      throw new CudaCompileError(`nvcc failed for ${target}:\n${text}`, text);
    }
    const warnings = log.split('\n').filter((l) => /warning/i.test(l));
    if (warnings.length > 0) throw new CudaCompileError(`nvcc warned for ${target}:\n${annotate(warnings.join('\n'), source)}`, log);
    const image = readFileSync(join(work, out));
    // Written to a fresh folder and renamed into place, so concurrent test processes never see half a cache entry.
    const staging = mkdtempSync(join(tmpdir(), 'dslc-nvcc-cache-'));
    writeFileSync(join(staging, 'module.cu'), source);
    writeFileSync(join(staging, out), image);
    writeFileSync(join(staging, 'log.txt'), log);
    writeFileSync(join(staging, 'nvcc.txt'), version);
    mkdirSync(cacheRoot(), { recursive: true });
    if (hit) rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(staging, dir);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another process got there first with the same content
    }
    return { image, log, cached: false };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export interface CompileOptions {
  readonly targets?: readonly CudaTarget[];
  readonly flags?: readonly string[];
}

/**
 * Compiles one CUDA translation unit for every target; throws CudaCompileError on any error or warning. Without
 * nvcc, builds of the same source and flags found in the cache are still returned.
 */
export async function compileCudaSource(source: string, opts: CompileOptions = {}): Promise<CudaBuild> {
  const nvcc = findNvcc();
  const version = nvcc ? await nvccVersion() : undefined;
  const targets = opts.targets ?? DEFAULT_TARGETS;
  const results = await Promise.all(targets.map((t) => compileTarget(nvcc, version, source, t, opts.flags ?? NVCC_FLAGS)));
  const images = new Map<CudaTarget, Uint8Array>();
  targets.forEach((t, i) => {
    const image = results[i]!.image;
    // cuModuleLoadData reads PTX as a C string.
    images.set(t, t.startsWith('compute_') ? Buffer.concat([image, Buffer.from([0])]) : new Uint8Array(image));
  });
  return {
    source,
    images,
    resources: results.flatMap((r) => parseResourceUsage(r.log)),
    cached: targets.filter((_, i) => results[i]!.cached),
  };
}
