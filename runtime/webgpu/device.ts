/// <reference types="@webgpu/types" />
/**
 * Getting a WebGPU device: `navigator.gpu` in a browser, Dawn (npm `webgpu`) in Node.
 *
 * Node specifics, from shared/notes/webgpu-on-cpu.md:
 * - the object `create()` returns must stay reachable while any device lives (V8 collecting it makes Dawn abort or
 *   hang), so every instance is kept in a module-level array for the life of the process;
 * - on a machine without a GPU, Dawn's Vulkan backend needs a software driver. When no adapter is found and the user
 *   has not chosen a driver (VK_ICD_FILENAMES), Debian chromium's SwiftShader is tried: the Vulkan loader reads the
 *   variable each time an instance is created, so setting it and creating a fresh instance is enough.
 */
import { UserError } from '../../dsl/errors.ts';

/** Debian's chromium package installs SwiftShader's Vulkan driver here. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Dawn instances, never released (see above). */
const instances: GPU[] = [];

type Create = (options: string[]) => GPU;

async function dawn(): Promise<Create> {
  try {
    const mod = (await import('webgpu')) as unknown as { create: Create };
    return mod.create;
  } catch (e) {
    throw new UserError(`WebGPU in Node needs the npm package "webgpu" (npm install webgpu): ${(e as Error).message}`);
  }
}

const isNode = (): boolean => typeof process !== 'undefined' && typeof process.versions?.node === 'string';

function noAdapter(tried: string[]): UserError {
  return new UserError(
    `no WebGPU adapter (tried: ${tried.join('; ')}). WebGPU needs a GPU driver or a software one. On Debian/Ubuntu ` +
      `without a GPU: apt-get install chromium libvulkan1 (it ships SwiftShader, which dslc then uses by itself), ` +
      `or point Vulkan at a driver with VK_ICD_FILENAMES=/path/to/driver_icd.json. In a browser, enable WebGPU.`,
  );
}

/** Whether the Vulkan loader's usual folders (Linux) list any driver manifest. */
function anyRegisteredDriver(fs: typeof import('node:fs')): boolean {
  const data = (process.env['XDG_DATA_DIRS'] ?? '/usr/local/share:/usr/share').split(':');
  const config = (process.env['XDG_CONFIG_DIRS'] ?? '/etc/xdg').split(':');
  const home = process.env['HOME'] ? [`${process.env['HOME']}/.local/share`] : [];
  const dirs = [...config, '/etc', ...home, ...data].map((d) => `${d}/vulkan/icd.d`);
  return dirs.some((d) => {
    try {
      return fs.readdirSync(d).some((f) => f.endsWith('.json'));
    } catch {
      return false;
    }
  });
}

/** A human-readable adapter name, e.g. "SwiftShader driver 5.0.0 (google, swiftshader)". */
export function adapterName(adapter: GPUAdapter): string {
  const info = adapter.info;
  const parts = [info.vendor, info.architecture].filter((s) => s);
  const main = info.description || info.device;
  // Browsers leave description and device empty (fingerprinting): vendor and architecture are all there is.
  if (!main) return parts.length > 0 ? parts.join(' ') : 'unknown adapter';
  return parts.length > 0 ? `${main} (${parts.join(', ')})` : main;
}

/**
 * Dawn instance options. Dawn zero-fills workgroup memory before every kernel runs (WebGPU's guarantee against
 * reading stale data), and on SwiftShader that fill is what makes kernels with workgroup arrays slow to compile: the
 * matmul takes 3.3 s with it and 0.3 s without. Every kernel dslc emits writes each workgroup array element before
 * reading it (reduction trees, matmul slabs), and no other shaders run on dslc's devices, so the fill is skipped.
 */
export const DAWN_OPTIONS = ['enable-dawn-features=disable_workgroup_init'];

/** The adapter Node's Dawn (or the browser) offers, trying SwiftShader when nothing else is found. */
export async function requestAdapter(options: string[] = DAWN_OPTIONS): Promise<GPUAdapter> {
  if (!isNode()) {
    const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
    if (!gpu) throw noAdapter(['navigator.gpu is missing: this browser has no WebGPU, or it is disabled']);
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) throw noAdapter(['navigator.gpu.requestAdapter() gave nothing']);
    return adapter;
  }
  const create = await dawn();
  const tried: string[] = [];
  const attempt = async (label: string): Promise<GPUAdapter | null> => {
    const gpu = create(options);
    instances.push(gpu);
    const adapter = await gpu.requestAdapter();
    if (!adapter) tried.push(label);
    return adapter;
  };
  const chosen = process.env['VK_ICD_FILENAMES'] ?? process.env['VK_DRIVER_FILES'];
  const fs = await import('node:fs'); // not at the top: this file also runs in browsers
  const swiftshader = fs.existsSync(SWIFTSHADER_ICD);
  // With no driver registered at all, go straight to SwiftShader (the first try would only print loader warnings).
  let adapter = !chosen && swiftshader && !anyRegisteredDriver(fs) ? null : await attempt(chosen ? `Vulkan driver ${chosen}` : 'the registered Vulkan drivers');
  if (!adapter && !chosen && swiftshader) {
    process.env['VK_ICD_FILENAMES'] = SWIFTSHADER_ICD;
    adapter = await attempt(`SwiftShader (${SWIFTSHADER_ICD})`);
  } else if (!adapter && !chosen) {
    tried.push(`SwiftShader: ${SWIFTSHADER_ICD} does not exist`);
  }
  if (!adapter) throw noAdapter(tried);
  return adapter;
}

/** A device with the adapter's largest buffer limits (weights of real models pass the 128 MiB default). */
export async function requestDevice(adapter: GPUAdapter): Promise<GPUDevice> {
  const limits = adapter.limits;
  // shader-f16 when the adapter has it: kernels with f16 buffers then run their native-f16 variant (context.ts)
  const requiredFeatures: GPUFeatureName[] = adapter.features.has('shader-f16') ? ['shader-f16'] : [];
  return adapter.requestDevice({
    requiredFeatures,
    requiredLimits: {
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
    },
  });
}

/**
 * A device that compiles and validates WGSL fully without running anything (Dawn's null backend, no driver needed);
 * undefined outside Node.
 */
export async function validationDevice(): Promise<GPUDevice | undefined> {
  if (!isNode()) return undefined;
  const create = await dawn();
  const gpu = create(['backend=null', ...DAWN_OPTIONS]);
  instances.push(gpu);
  const adapter = await gpu.requestAdapter();
  // with shader-f16 when the null adapter has it, so kernels' native-f16 variants are validated too
  const requiredFeatures: GPUFeatureName[] = adapter?.features.has('shader-f16') ? ['shader-f16'] : [];
  return adapter ? adapter.requestDevice({ requiredFeatures }) : undefined;
}
