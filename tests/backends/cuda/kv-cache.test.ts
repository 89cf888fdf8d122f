/**
 * The KV cache stays on the CUDA device between decoding steps: `forward(..., { keepOnDevice: ['past_key_values'] })`
 * returns a DeviceTensor (device memory of its own, filled by a copy on the stream) that the next step takes as its
 * `past_key_values` (copied on the device). Step-by-step decoding equals one full forward on the CPU reference; a
 * disposed cache or another model's is a clear error. Runs on the stand-in libcuda (host emulation) here, and on a
 * GPU where one is lent (otherwise that test says why and skips).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runGraph } from '../../../backends/cpu/index.ts';
import { compileCudaSource } from '../../../backends/cuda/compile.ts';
import { buildEmulatedModule, buildStandInLibcuda, emulatedImage, emulationUnavailable } from '../../../backends/cuda/host-emulation/build.ts';
import { compileCuda, cudaModuleSource } from '../../../backends/cuda/program.ts';
import type { HostTensor } from '../../../backends/tensor.ts';
import { compileGraph } from '../../../compiler/pipeline.ts';
import { UserError } from '../../../dsl/errors.ts';
import { expectedParams } from '../../../runtime/cpu-model.ts';
import { DeviceTensor } from '../../../runtime/device-tensor.ts';
import { CudaContext, cudaContext } from '../../../runtime/cuda/context.ts';
import { cudaAvailable, CudaDriver } from '../../../runtime/cuda/driver.ts';
import { type CudaLoadOptions, CudaModel } from '../../../runtime/cuda/model.ts';
import { randomTensors } from '../../../runtime/weights/random-checkpoint.ts';
import { BERT_SOURCE } from '../../specs/bert-helpers.ts';
import { assertClose, skipBecause } from './helpers.ts';

const [L, HEADS, HEAD_SIZE, B, N] = [2, 2, 8, 2, 5];
const CONFIG = { hidden_size: HEADS * HEAD_SIZE, num_attention_heads: HEADS, num_hidden_layers: L, intermediate_size: 24, vocab_size: 29, max_position_embeddings: 16, is_decoder: true };
const decodeGraph = compileGraph(BERT_SOURCE, { entry: 'BertLMHeadModel', fn: 'decode', config: CONFIG });
const fullGraph = compileGraph(BERT_SOURCE, { entry: 'BertLMHeadModel', config: CONFIG });
const weights = new Map(Object.entries(randomTensors(expectedParams(decodeGraph), { seed: 5, std: 0.2 })).map(([k, t]) => [k, t.data as Float32Array]));
const IDS = [3, 17, 8, 25, 1, 12, 4, 4, 9, 28];
const ids = (from: number, to: number): HostTensor => ({ dtype: 'i32', shape: [B, to - from], data: Int32Array.from({ length: B * (to - from) }, (_, i) => IDS[Math.floor(i / (to - from)) * N + from + (i % (to - from))]!) });
const ones = (n: number): HostTensor => ({ dtype: 'i32', shape: [B, n], data: new Int32Array(B * n).fill(1) });
const emptyCache: HostTensor = { dtype: 'f32', shape: [L, 2, B, HEADS, 0, HEAD_SIZE], data: new Float32Array(0) };

function columns(t: HostTensor, from: number, to: number): HostTensor {
  const [b, n, v] = t.shape as [number, number, number];
  const data = new Float32Array(b * (to - from) * v);
  for (let i = 0; i < b; i++) data.set((t.data as Float32Array).subarray((i * n + from) * v, (i * n + to) * v), i * (to - from) * v);
  return { dtype: 'f32', shape: [b, to - from, v], data };
}

async function decodeAndCheck(load: () => Promise<CudaModel>): Promise<void> {
  const full = runGraph(fullGraph, { input_ids: ids(0, N), attention_mask: ones(N) }, weights)['logits']!;
  const model = await load();
  const other = await load();
  try {
    let past: HostTensor | DeviceTensor = emptyCache;
    for (const [from, to] of [[0, 2], [2, 3], [3, 4], [4, 5]] as const) {
      const out: Record<string, HostTensor | DeviceTensor> = await model.forward({ past_key_values: past, input_ids: ids(from, to), attention_mask: ones(to) }, { keepOnDevice: ['past_key_values'] });
      const cache: HostTensor | DeviceTensor | undefined = out['past_key_values'];
      assert.ok(cache instanceof DeviceTensor, 'past_key_values stays on the device');
      assert.equal(cache.shape, [L, 2, B, HEADS, to, HEAD_SIZE]);
      assertClose(`logits of tokens ${from}..${to}`, out['logits'] as HostTensor, columns(full, from, to));
      if (past instanceof DeviceTensor) past.dispose();
      past = cache;
    }
    const next = { past_key_values: past, input_ids: ids(0, 1), attention_mask: ones(N + 1) };
    await other.forward(next).then(
      () => assert.unreachable('another model read the cache'),
      (e: unknown) => assert.ok(e instanceof UserError && /belongs to another model/.test(e.message), String(e)),
    );
    (past as DeviceTensor).dispose();
    await model.forward(next).then(
      () => assert.unreachable('a disposed cache was read'),
      (e: unknown) => assert.ok(e instanceof UserError && /was disposed/.test(e.message), String(e)),
    );
  } finally {
    model.dispose();
    other.dispose();
  }
}

const kernels = () => [...compileCuda(decodeGraph).kernels];
const emulation = emulationUnavailable();
if (emulation) skipBecause('KV cache on the stand-in libcuda', emulation);
else {
  test('KV cache on the stand-in libcuda: step-by-step decoding with the cache on the device = full forward', async () => {
    const context = CudaContext.open(0, CudaDriver.open(await buildStandInLibcuda()));
    const image = emulatedImage(await buildEmulatedModule(kernels()));
    const opts: CudaLoadOptions = { program: compileCuda(decodeGraph), image, context };
    await decodeAndCheck(() => CudaModel.load(decodeGraph, weights, opts));
  });
}

const gpu = cudaAvailable();
if (gpu !== true) skipBecause('KV cache on the GPU', gpu);
else {
  test('KV cache on the GPU: step-by-step decoding with the cache on the device = full forward', async () => {
    const context = cudaContext();
    const images = (await compileCudaSource(cudaModuleSource(kernels()))).images;
    await decodeAndCheck(() => CudaModel.load(decodeGraph, weights, { program: compileCuda(decodeGraph), images, context }));
  });
}

test.run();
