/** CUDA backend: kernel IR printed as CUDA C++, compiled by nvcc, checked on the host (see README.md). */
export { bindProgram, type BoundProgram, foldGrid } from './binding.ts';
export { compileCudaSource, type CudaBuild, CudaCompileError, type CudaTarget, DEFAULT_TARGETS, nvccUnavailable } from './compile.ts';
export { compileCuda, type CudaKernel, cudaKernelOf, cudaModuleSource, type CudaProgram, cudaProgramOf } from './program.ts';
export { CudaRenderer, renderCuda } from './renderer.ts';
export { type KernelResources, parseResourceUsage, resourceTable } from './resources.ts';
