/**
 * onnxruntime-web's WebGPU execution provider (its wasm build) in Node, on `navigator.gpu` from the npm `webgpu`
 * package: the peer that shares our Dawn build and our SwiftShader adapter exactly.
 */
import type { HostTensor } from '../../../backends/tensor.ts';
import { installNavigatorGpu } from './node-navigator.ts';
import { int64Feeds } from './ort-node.ts';
import type { Runner } from './ours.ts';

export async function ortWebGpu(onnx: Uint8Array, inputs: Readonly<Record<string, HostTensor>>): Promise<Runner> {
  installNavigatorGpu();
  const ort = await import('onnxruntime-web/webgpu');
  ort.env.logLevel = 'error';
  const session = await ort.InferenceSession.create(onnx, { executionProviders: ['webgpu'], graphOptimizationLevel: 'all' });
  const feeds = Object.fromEntries(Object.entries(int64Feeds(inputs)).map(([k, v]) => [k, new ort.Tensor('int64', v.data, v.dims)]));
  return {
    device: `webgpu: onnxruntime-web ${ort.env.versions.web ?? ''} (wasm) on navigator.gpu = npm webgpu (our Dawn)`,
    async run() {
      const out = await session.run(feeds);
      return out['last_hidden_state']!.data as Float32Array;
    },
    close: () => session.release(),
  };
}
