/**
 * Writes a random, small BERT checkpoint for BertForMaskedLM in Hugging Face's layout (config.json +
 * model.safetensors): the example's stand-in for downloaded weights, which this environment cannot fetch.
 *
 *   node --import tsx scripts/example-checkpoint.ts [DIR]    (default .cache/example-bert)
 */
import { compileGraph, readSource } from '../compiler/pipeline.ts';
import { expectedParams } from '../runtime/cpu-model.ts';
import { writeRandomCheckpoint } from '../runtime/weights/random-checkpoint.ts';

const dir = process.argv[2] ?? '.cache/example-bert';
const config = {
  architectures: ['BertForMaskedLM'],
  vocab_size: 1000,
  hidden_size: 128,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  intermediate_size: 512,
  max_position_embeddings: 64,
};
const source = readSource(new URL('../specs/bert.dsl', import.meta.url).pathname);
const graph = compileGraph(source, { entry: 'BertForMaskedLM', config, args: {} });
const params = expectedParams(graph);
writeRandomCheckpoint(dir, params, { seed: 7, config });
const count = params.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
console.log(`wrote ${dir}/model.safetensors (${params.length} tensors, ${(count / 1e6).toFixed(2)}M parameters) and config.json`);
