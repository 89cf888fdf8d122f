/**
 * WebGPU runtime: graph IR compiled to WGSL, run on a WebGPU device (Dawn in Node, `navigator.gpu` in browsers).
 * `run-graph.ts` compiles on the fly; `model.ts` alone runs a program compiled earlier, without the compiler.
 */
export { closeWebGpu, GpuContext, webgpuContext } from './context.ts';
export { adapterName, requestAdapter, SWIFTSHADER_ICD } from './device.ts';
export { DeviceTensor } from '../device-tensor.ts';
export { type ForwardOptions, type WebGpuLoadOptions, WebGpuModel, type Weights } from './model.ts';
export { loadWebGpuModel, runGraphWebGPU } from './run-graph.ts';
export { type WebGpuStats, webgpuStats } from './stats.ts';
