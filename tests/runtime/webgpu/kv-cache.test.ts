/**
 * The KV cache stays on the device between decoding steps: `forward(..., { keepOnDevice: ['past_key_values'] })`
 * returns a DeviceTensor that the next step takes as its `past_key_values`. Incremental decoding this way (a prompt
 * of 2 tokens, then 1 token per step) gives the logits of one full forward over the whole sequence on the CPU
 * reference; a disposed cache, or one from another model, is a clear error; the model frees caches it made.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runGraph } from '../../../backends/cpu/index.ts';
import type { HostTensor } from '../../../backends/tensor.ts';
import { compileGraph } from '../../../compiler/pipeline.ts';
import { UserError } from '../../../dsl/errors.ts';
import { expectedParams } from '../../../runtime/cpu-model.ts';
import { DeviceTensor, loadWebGpuModel, webgpuStats } from '../../../runtime/webgpu/index.ts';
import { randomTensors } from '../../../runtime/weights/random-checkpoint.ts';
import { BERT_SOURCE } from '../../specs/bert-helpers.ts';
import { assertMatches, gpu } from './helpers.ts';

const L = 2;
const HEADS = 2;
const HEAD_SIZE = 8;
const B = 2;
const N = 5; // tokens in all: a prompt of 2, then 3 steps of 1
const CONFIG = { hidden_size: HEADS * HEAD_SIZE, num_attention_heads: HEADS, num_hidden_layers: L, intermediate_size: 24, vocab_size: 29, max_position_embeddings: 16, is_decoder: true, position_embedding_type: 'relative_key_query' };

const decodeGraph = compileGraph(BERT_SOURCE, { entry: 'BertLMHeadModel', fn: 'decode', config: CONFIG });
const fullGraph = compileGraph(BERT_SOURCE, { entry: 'BertLMHeadModel', config: CONFIG });
const weights = new Map(Object.entries(randomTensors(expectedParams(decodeGraph), { seed: 5, std: 0.2 })).map(([k, t]) => [k, t.data as Float32Array]));
const IDS = [3, 17, 8, 25, 1, 12, 4, 4, 9, 28];
const ids = (from: number, to: number): HostTensor => ({ dtype: 'i32', shape: [B, to - from], data: Int32Array.from({ length: B * (to - from) }, (_, i) => IDS[Math.floor(i / (to - from)) * N + from + (i % (to - from))]!) });
const ones = (n: number): HostTensor => ({ dtype: 'i32', shape: [B, n], data: new Int32Array(B * n).fill(1) });
const emptyCache: HostTensor = { dtype: 'f32', shape: [L, 2, B, HEADS, 0, HEAD_SIZE], data: new Float32Array(0) };

/** Positions [from, to) of logits [B, n, V]. */
function columns(t: HostTensor, from: number, to: number): HostTensor {
  const [b, n, v] = t.shape as [number, number, number];
  const data = new Float32Array(b * (to - from) * v);
  for (let i = 0; i < b; i++) data.set((t.data as Float32Array).subarray((i * n + from) * v, (i * n + to) * v), i * (to - from) * v);
  return { dtype: 'f32', shape: [b, to - from, v], data };
}

test('decoding step by step with the cache on the device equals a full forward', async () => {
  if (!(await gpu())) return;
  const full = runGraph(fullGraph, { input_ids: ids(0, N), attention_mask: ones(N) }, weights)['logits']!;
  const model = await loadWebGpuModel(decodeGraph, weights);
  try {
    let past: HostTensor | DeviceTensor = emptyCache;
    const steps: [number, number][] = [[0, 2], [2, 3], [3, 4], [4, 5]];
    for (const [from, to] of steps) {
      const out: Record<string, HostTensor | DeviceTensor> = await model.forward({ past_key_values: past, input_ids: ids(from, to), attention_mask: ones(to) }, { keepOnDevice: ['past_key_values'] });
      const cache: HostTensor | DeviceTensor | undefined = out['past_key_values'];
      assert.ok(cache instanceof DeviceTensor, 'past_key_values stays on the device');
      assert.equal(cache.shape, [L, 2, B, HEADS, to, HEAD_SIZE]);
      assertMatches(`logits of tokens ${from}..${to}`, out['logits'] as HostTensor, columns(full, from, to));
      if (past instanceof DeviceTensor) past.dispose();
      past = cache;
    }
  } finally {
    model.dispose();
  }
});

test('a disposed cache, or a cache from another model, is a clear error; dispose() frees the caches', async () => {
  if (!(await gpu())) return;
  const before = webgpuStats().buffers;
  const model = await loadWebGpuModel(decodeGraph, weights);
  const other = await loadWebGpuModel(decodeGraph, weights);
  try {
    const first = await model.forward({ past_key_values: emptyCache, input_ids: ids(0, 2), attention_mask: ones(2) }, { keepOnDevice: ['past_key_values'] });
    const cache = first['past_key_values'] as DeviceTensor;
    const next = { past_key_values: cache, input_ids: ids(2, 3), attention_mask: ones(3) };
    await other.forward(next).then(
      () => assert.unreachable('another model read the cache'),
      (e: unknown) => assert.ok(e instanceof UserError && /past_key_values/.test(e.message) && /belongs to another model/.test(e.message), String(e)),
    );
    await model.forward({ ...next, attention_mask: ones(4) }).then(
      () => assert.unreachable('a wrong mask length was accepted'),
      (e: unknown) => assert.ok(e instanceof UserError && /attention_mask/.test(e.message), String(e)),
    );
    const kept = await model.forward(next, { keepOnDevice: ['past_key_values'] });
    cache.dispose();
    await model.forward(next).then(
      () => assert.unreachable('a disposed cache was read'),
      (e: unknown) => assert.ok(e instanceof UserError && /was disposed/.test(e.message), String(e)),
    );
    await model.forward({ ...next, past_key_values: kept['past_key_values']! }, { keepOnDevice: ['nope'] }).then(
      () => assert.unreachable('an unknown output was kept'),
      (e: unknown) => assert.ok(e instanceof UserError && /no output "nope"/.test(e.message), String(e)),
    );
    assert.not.ok((kept['past_key_values'] as DeviceTensor).disposed);
    model.dispose();
    assert.ok((kept['past_key_values'] as DeviceTensor).disposed, 'the model frees the caches it made');
  } finally {
    model.dispose();
    other.dispose();
  }
  assert.is(webgpuStats().buffers, before, 'no device buffer left behind');
});

test.run();
