/** CUDA runtime: run graph IR compiled to CUDA on an NVIDIA GPU through the driver API (koffi; no CUDA runtime). */
export { closeCuda, CudaContext, cudaContext, pickImage } from './context.ts';
export { cudaAvailable, CudaDriver, CudaError, type DeviceInfo, LIBCUDA } from './driver.ts';
export { loadCudaModel, runGraphCuda } from './load.ts';
export { type CudaLoadOptions, CudaModel, type Weights } from './model.ts';
