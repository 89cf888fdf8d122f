/** The WGSL backend: kernel IR printed as WGSL, packaged with its launches and memory plan for runtime/webgpu. */
export { compileWgsl, programOf, type WgslKernel, type WgslLaunch, type WgslProgram } from './program.ts';
export { renderWgsl, WgslRenderer } from './renderer.ts';
