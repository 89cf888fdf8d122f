/**
 * One random BERT that every contestant runs: an HF-format checkpoint folder (config.json + model.safetensors), our
 * graph of BertModel compiled from specs/bert.dsl for its config, the ONNX model built from the same tensors, and
 * one batch of random token ids (never all zeros) with a partly padded attention mask.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostTensor } from '../../../backends/tensor.ts';
import type { Graph } from '../../../compiler/ir/graph.ts';
import { compileGraph, readSource } from '../../../compiler/pipeline.ts';
import { expectedParams } from '../../../runtime/cpu-model.ts';
import { normalSampler, writeRandomCheckpoint } from '../../../runtime/weights/random-checkpoint.ts';
import { openSafetensors } from '../../../runtime/weights/safetensors.ts';
import { bertOnnx, type NamedTensors } from './onnx-bert.ts';

const BERT = new URL('../../../specs/bert.dsl', import.meta.url).pathname;

export interface PeerConfig {
  readonly hidden: number;
  readonly layers: number;
  readonly heads: number;
  readonly intermediate: number;
  readonly seq: number;
  readonly batch: number;
  /** Default 30522, BERT's. */
  readonly vocab?: number;
}

export interface SameModel {
  /** The checkpoint folder; `onnx/model.onnx` is written inside it too (the layout transformers.js reads). */
  readonly dir: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly graph: Graph;
  readonly onnx: Uint8Array;
  /** i32 inputs for our model, by source name. */
  readonly inputs: Readonly<Record<string, HostTensor>>;
}

export function hfConfig(c: PeerConfig): Record<string, unknown> {
  return {
    architectures: ['BertModel'],
    vocab_size: c.vocab ?? 30522,
    hidden_size: c.hidden,
    num_hidden_layers: c.layers,
    num_attention_heads: c.heads,
    intermediate_size: c.intermediate,
    max_position_embeddings: Math.max(512, c.seq),
    layer_norm_eps: 1e-12,
    hidden_act: 'gelu',
  };
}

/** Writes the checkpoint, the ONNX model and a tokenizer-free model folder under `dir`. */
export function makeSameModel(dir: string, c: PeerConfig, seed = 5): SameModel {
  const config = hfConfig(c);
  const graph = compileGraph(readSource(BERT), { entry: 'BertModel', config: { ...config }, args: { add_pooling_layer: false } });
  writeRandomCheckpoint(dir, expectedParams(graph), { seed, config });
  const onnx = bertOnnx(
    { hidden: c.hidden, layers: c.layers, heads: c.heads, intermediate: c.intermediate, layerNormEps: 1e-12 },
    readNamedTensors(join(dir, 'model.safetensors')),
  );
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  writeFileSync(join(dir, 'onnx', 'model.onnx'), onnx);
  return { dir, config, graph, onnx, inputs: randomInputs(c, seed) };
}

function readNamedTensors(path: string): NamedTensors {
  const f = openSafetensors(path);
  try {
    return new Map([...f.tensors.values()].map((t) => [t.name, { shape: t.shape, data: f.read(t.name) as Float32Array }]));
  } finally {
    f.close();
  }
}

/** Token ids in [1, vocab), type ids 0/1, and the last quarter of the second row padded away. */
export function randomInputs(c: PeerConfig, seed: number): Record<string, HostTensor> {
  const normal = normalSampler(seed + 1000);
  const n = c.batch * c.seq;
  const vocab = c.vocab ?? 30522;
  const ids = Int32Array.from({ length: n }, () => 1 + (Math.floor(Math.abs(normal()) * 1e6) % (vocab - 1)));
  const types = Int32Array.from({ length: n }, (_, i) => (i % c.seq >= c.seq / 2 ? 1 : 0));
  const mask = Int32Array.from({ length: n }, (_, i) => (Math.floor(i / c.seq) === 1 && i % c.seq >= (3 * c.seq) / 4 ? 0 : 1));
  const shape = [c.batch, c.seq];
  return {
    input_ids: { dtype: 'i32', shape, data: ids },
    attention_mask: { dtype: 'i32', shape, data: mask },
    token_type_ids: { dtype: 'i32', shape, data: types },
  };
}

/** ‖got − want‖ / ‖want‖. */
export function relError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) throw new Error(`output length ${got.length}, expected ${want.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < want.length; i++) {
    num += (got[i]! - want[i]!) ** 2;
    den += want[i]! ** 2;
  }
  return Math.sqrt(num / den);
}
