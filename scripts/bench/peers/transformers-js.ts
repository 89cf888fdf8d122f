/**
 * transformers.js (@huggingface/transformers) loading the same BERT from a local model folder (config.json and
 * onnx/model.onnx, no hub access) with AutoModel on device 'webgpu' (in Node that is onnxruntime-node's WebGPU
 * execution provider) or 'cpu'. Inputs are given as tensors, so the timing is the model's, not the tokenizer's.
 */
import { dirname, basename } from 'node:path';
import type { HostTensor } from '../../../backends/tensor.ts';
import { int64Feeds, NO_SPINNING, vulkanDriver } from './ort-node.ts';
import type { Runner } from './ours.ts';

export async function transformersJs(dir: string, inputs: Readonly<Record<string, HostTensor>>, device: 'webgpu' | 'cpu'): Promise<Runner> {
  const tjs = await import('@huggingface/transformers');
  tjs.env.allowRemoteModels = false;
  tjs.env.allowLocalModels = true;
  tjs.env.localModelPath = `${dirname(dir)}/`;
  tjs.env.useFSCache = false;
  const model = await tjs.AutoModel.from_pretrained(basename(dir), {
    device,
    dtype: 'fp32',
    local_files_only: true,
    session_options: { extra: NO_SPINNING },
  });
  const feeds = Object.fromEntries(Object.entries(int64Feeds(inputs)).map(([k, v]) => [k, new tjs.Tensor('int64', v.data, v.dims)]));
  return {
    device: `${device}: transformers.js ${tjs.env.version} via onnxruntime-node${device === 'webgpu' ? ` webgpu EP → ${vulkanDriver()}` : ''}`,
    async run() {
      const out = (await model(feeds)) as Record<string, { data: Float32Array }>;
      return out['last_hidden_state']!.data;
    },
    close: async () => void (await model.dispose()),
  };
}
