/**
 * ONNX Runtime for Node (onnxruntime-node) running the ONNX model of the same BERT, on its bundled CPU execution
 * provider or on its WebGPU execution provider (ORT's own Dawn build, which reaches SwiftShader through the same
 * Vulkan driver as ours: VK_ICD_FILENAMES).
 */
import { availableParallelism } from 'node:os';
import type { HostTensor } from '../../../backends/tensor.ts';
import type { Runner } from './ours.ts';

/** int64 feeds (ONNX's id type) from our i32 inputs. */
export function int64Feeds(inputs: Readonly<Record<string, HostTensor>>): Record<string, { data: BigInt64Array; dims: number[] }> {
  const out: Record<string, { data: BigInt64Array; dims: number[] }> = {};
  for (const [name, t] of Object.entries(inputs)) out[name] = { data: BigInt64Array.from(t.data as Int32Array, (v) => BigInt(v)), dims: [...t.shape] };
  return out;
}

/**
 * ORT's pool threads spin after each run by default, which would slow whichever contestant runs next on this small
 * machine (SwiftShader runs on the same cores); they still all compute during a run.
 */
export const NO_SPINNING = { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } };

/** The Vulkan driver ORT's Dawn will load, in words. */
export function vulkanDriver(): string {
  const icd = process.env['VK_ICD_FILENAMES'] ?? process.env['VK_DRIVER_FILES'];
  return icd === undefined ? 'the registered Vulkan driver' : /swiftshader/i.test(icd) ? 'SwiftShader (VK_ICD_FILENAMES)' : icd;
}

export async function ortNode(onnx: Uint8Array, inputs: Readonly<Record<string, HostTensor>>, ep: 'cpu' | 'webgpu'): Promise<Runner> {
  const ort = await import('onnxruntime-node');
  ort.env.logLevel = 'error'; // ORT warns that shape ops stay on the CPU, which is by design
  const session = await ort.InferenceSession.create(onnx, {
    executionProviders: [ep],
    graphOptimizationLevel: 'all',
    extra: NO_SPINNING,
  });
  const feeds = Object.fromEntries(Object.entries(int64Feeds(inputs)).map(([k, v]) => [k, new ort.Tensor('int64', v.data, v.dims)]));
  return {
    device: ep === 'cpu' ? `cpu: onnxruntime-node ${ort.env.versions.node} native, ${availableParallelism()} cores` : `webgpu: onnxruntime-node ${ort.env.versions.node}'s own Dawn → ${vulkanDriver()}`,
    async run() {
      const out = await session.run(feeds);
      return out['last_hidden_state']!.data as Float32Array;
    },
    close: () => session.release(),
  };
}
