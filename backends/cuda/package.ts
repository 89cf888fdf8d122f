/**
 * What `dslc build --target cuda` adds to a package: the CUDA program compiled at build time, so the package runtime
 * only reads it (no compiler, no nvcc where it runs).
 *
 *   kernels.cu              the translation unit (every distinct kernel and the helpers they call), for reading
 *   kernels.compute_80.ptx  PTX the driver JIT-compiles on a GPU no cubin fits
 *   kernels.sm_80.cubin     A100-class cubin        kernels.sm_90.cubin  H100/H200-class cubin
 *   program.json            launches, buffers, memory plan, kernel entry names, the image files, ptxas resources
 *
 * The images come from compile.ts (nvcc, cached by source and flags), so a rebuild of the same program is instant.
 * As for webgpu, the program is compiled from graph.json's graph read back, so node ids agree by construction.
 */
import { readFileSync } from 'node:fs';
import type { Graph } from '../../compiler/ir/graph.ts';
import { graphFromJson, graphToJson } from '../../compiler/ir/print.ts';
import { UserError } from '../../dsl/errors.ts';
import { type CudaBuild, compileCudaSource, CudaCompileError, type CudaTarget, nvccUnavailable, nvccVersion } from './compile.ts';
import type { PackagedCudaProgram } from './glue.ts';
import { compileCuda, cudaModuleSource } from './program.ts';

/** The npm package the executor reaches libcuda through: the generated package lists it as a dependency. */
export function koffiDependency(): Record<string, string> {
  const repo = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { dependencies?: Record<string, string> };
  return { koffi: repo.dependencies?.['koffi'] ?? '*' };
}

/** nvcc's build of `source`, with a UserError saying what to install when nvcc is missing (and nothing is cached). */
export async function buildCudaImages(source: string): Promise<CudaBuild> {
  try {
    return await compileCudaSource(source);
  } catch (e) {
    const missing = nvccUnavailable();
    if (missing && !(e instanceof CudaCompileError)) {
      throw new UserError(`--target cuda compiles the kernels with nvcc at build time: ${missing}. Install the CUDA toolkit, or build with --target cpu or webgpu`);
    }
    throw e;
  }
}

export const imageFile = (t: CudaTarget): string => `kernels.${t}.${t.startsWith('compute_') ? 'ptx' : 'cubin'}`;

/** Files by package-relative path: kernels.cu, one image per target, program.json. */
export async function cudaPackageFiles(graph: Graph): Promise<Record<string, string | Uint8Array>> {
  const program = compileCuda(graphFromJson(graphToJson(graph)));
  const source = cudaModuleSource(program.kernels);
  const build = await buildCudaImages(source);
  const files: Record<string, string | Uint8Array> = { 'kernels.cu': source };
  const images: Record<string, string> = {};
  for (const [t, image] of build.images) {
    // PTX images carry a NUL for cuModuleLoadData; the file is plain text and the executor adds it back.
    files[imageFile(t)] = t.startsWith('compute_') ? image.subarray(0, image.length - 1) : image;
    images[t] = imageFile(t);
  }
  const nvcc = nvccUnavailable() ? 'unknown (from the cache)' : await nvccVersion();
  const packaged: PackagedCudaProgram = {
    ...program,
    kernels: program.kernels.map(({ source: _, ...k }) => k),
    images,
    nvcc,
    resources: build.resources,
  };
  files['program.json'] = `${JSON.stringify(packaged)}\n`;
  return files;
}
