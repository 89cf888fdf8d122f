/**
 * Building the host emulation with g++: a module (the CUDA source of some kernels, unchanged, compiled against a
 * header that models blocks, threads, shared memory and barriers: dslc_emu.h, emu_block.h) as a shared library,
 * the file driver that runs launches from a plan (emu_driver.cpp), and a stand-in libcuda (emu_libcuda.cpp).
 * Everything is cached under .cache/cuda-emu/ by a hash of its sources, compiler and flags.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type CudaKernel, cudaModuleSource } from '../program.ts';
import { STORAGE_TYPES } from '../renderer.ts';

const run = promisify(execFile);
const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const cacheRoot = (): string => process.env['DSLC_CUDA_EMU_CACHE'] ?? join(REPO, '.cache', 'cuda-emu');

export const CXX_FLAGS: readonly string[] = [
  '-std=c++20', '-O1', '-Wall', '-Wextra', '-Werror', '-ffp-contract=off', '-fno-strict-aliasing',
];

export function findCxx(): string | undefined {
  const names = process.env['CXX'] ? [process.env['CXX']] : (process.env['PATH'] ?? '').split(delimiter).map((d) => join(d, 'g++'));
  return names.find((p) => existsSync(p));
}

/** Why the emulation cannot run here, or undefined when it can. */
export function emulationUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `the host emulation needs Linux (ucontext, mmap guard pages), not ${process.platform}`;
  if (findCxx()) return undefined;
  return `g++ not found (${process.env['CXX'] ? `CXX=${process.env['CXX']} does not exist` : 'set CXX or put g++ on PATH'})`;
}

const hostFile = (name: string): string => readFileSync(join(HERE, name), 'utf8');

/** Builds `out` (a file in the cache) with `args` unless a build of the same inputs is there already. */
async function cachedBuild(what: string, inputs: string[], out: string, args: (dir: string) => string[]): Promise<string> {
  const cxx = findCxx();
  if (!cxx) throw new Error(emulationUnavailable());
  const key = createHash('sha256').update(JSON.stringify([cxx, CXX_FLAGS, ...inputs])).digest('hex').slice(0, 32);
  const dir = join(cacheRoot(), key);
  if (existsSync(join(dir, out))) return join(dir, out);
  const staging = mkdtempSync(join(tmpdir(), 'dslc-emu-build-'));
  try {
    await run(cxx, args(staging), { cwd: staging, maxBuffer: 64 << 20 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`host emulation: g++ failed building ${what}:\n${err.stderr || err.message}`);
  }
  mkdirSync(cacheRoot(), { recursive: true });
  try {
    renameSync(staging, dir);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // built concurrently by another process
  }
  return join(dir, out);
}

/** The C type of a parameter for the thunk that unpacks cuLaunchKernel-style arguments. */
function thunk(k: Pick<CudaKernel, 'entry' | 'buffers' | 'uniforms'>, i: number): string {
  const args = [
    ...k.buffers.map((b, j) => `dslc_arg<${b.write ? '' : 'const '}${STORAGE_TYPES[b.t]}*>(p[${j}])`),
    ...k.uniforms.map((_, j) => `dslc_arg<unsigned>(p[${k.buffers.length + j}])`),
  ];
  return `static void dslc_thunk_${i}(void** p) { ${k.entry}(${args.join(', ')}); }`;
}

export type EmulatedKernel = Pick<CudaKernel, 'entry' | 'source' | 'buffers' | 'uniforms' | 'workgroup'>;

/** The generated host translation unit: the CUDA module as the GPU gets it, a thunk per kernel, and the scheduler. */
export function emulationSource(kernels: readonly EmulatedKernel[]): string {
  const unique = [...new Map(kernels.map((k) => [k.entry, k])).values()];
  const table = unique.map((k, i) => `  {"${k.entry}", dslc_thunk_${i}, ${k.workgroup}u, ${k.buffers.length + k.uniforms.length}u},`);
  return [
    cudaModuleSource(unique),
    '// Host emulation: cuLaunchKernel-style thunks and the kernel table emu_block.h exports.',
    ...unique.map(thunk),
    'static const dslc_emu_kernel dslc_emu_kernels[] = {',
    ...table,
    '};',
    '#include "emu_block.h"',
    '',
  ].join('\n');
}

/** A shared library with every kernel of `kernels` (deduplicated), built with g++ (cached). */
export function buildEmulatedModule(kernels: readonly EmulatedKernel[]): Promise<string> {
  const source = emulationSource(kernels);
  const headers = ['dslc_emu.h', 'dslc_emu_wmma.h', 'emu_block.h'].map(hostFile);
  return cachedBuild('the kernel module', [source, ...headers], 'module.so', (dir) => {
    writeFileSync(join(dir, 'module.cpp'), source);
    return [...CXX_FLAGS, '-fPIC', '-shared', `-I${HERE}`, '-include', 'dslc_emu.h', 'module.cpp', '-o', 'module.so'];
  });
}

export function buildDriver(): Promise<string> {
  const sources = ['emu_driver.cpp', 'dslc_emu.h', 'dslc_emu_wmma.h', 'emu_memory.h'].map(hostFile);
  return cachedBuild('the driver', sources, 'emu_driver', () => [...CXX_FLAGS, `-I${HERE}`, join(HERE, 'emu_driver.cpp'), '-ldl', '-o', 'emu_driver']);
}

/**
 * A stand-in libcuda.so.1 over the emulation (emu_libcuda.cpp), for running runtime/cuda without a GPU: point
 * $DSLC_LIBCUDA at it and load modules from `emulatedImage(await buildEmulatedModule(kernels))`.
 */
export function buildStandInLibcuda(): Promise<string> {
  const sources = ['emu_libcuda.cpp', 'dslc_emu.h', 'dslc_emu_wmma.h', 'emu_memory.h'].map(hostFile);
  return cachedBuild('the stand-in libcuda', sources, 'libcuda.so.1', () => [
    ...CXX_FLAGS, '-fPIC', '-shared', `-I${HERE}`, join(HERE, 'emu_libcuda.cpp'), '-ldl', '-o', 'libcuda.so.1',
  ]);
}

/** The module image the stand-in libcuda loads: a marker and the path of a module built by buildEmulatedModule. */
export const emulatedImage = (modulePath: string): Uint8Array => new Uint8Array(Buffer.from(`DSLCEMU\n${modulePath}\0`));
