/**
 * specs/bert.dsl compiled to WGSL and run on the WebGPU adapter, against the CPU reference: every entry point,
 * every position embedding type and activation, a decoder, and the losses; small random configs and weights,
 * padded batches. fp32 relative error ≤ 1e-4 on every output.
 */
import { test } from 'uvu';
import { hostTensor, type HostTensor } from '../../../backends/tensor.ts';
import type { Graph } from '../../../compiler/ir/graph.ts';
import { dimEval } from '../../../compiler/ir/dim.ts';
import { compileGraph } from '../../../compiler/pipeline.ts';
import { expectedParams } from '../../../runtime/cpu-model.ts';
import { normalSampler, randomTensors } from '../../../runtime/weights/random-checkpoint.ts';
import { BERT_SOURCE } from '../../specs/bert-helpers.ts';
import { compareWithCpu, type Weights } from './helpers.ts';

const SMALL = { num_hidden_layers: 2, intermediate_size: 80, vocab_size: 67, max_position_embeddings: 24, type_vocab_size: 2 };

function weightsFor(graph: Graph, seed: number): Weights {
  return new Map(Object.entries(randomTensors(expectedParams(graph), { seed, std: 0.2 })).map(([k, t]) => [k, t.data as Float32Array]));
}

/** Symbol values of the test inputs: batch, sequence, cached positions, encoder length, choices. */
const ENV: Record<string, number> = { B: 3, S: 7, P: 4, T: 5, C: 3 };

/**
 * Inputs for every input the graph has: ids within their declared range, masks with padding at the end of every
 * other row, labels (with ignored ones for integer labels), and normal floats for the rest.
 */
function inputsFor(graph: Graph, seed: number): Record<string, HostTensor> {
  const rand = normalSampler(seed);
  const pick = (k: number) => Math.floor(Math.abs(rand() * 1e4)) % k;
  const out: Record<string, HostTensor> = {};
  for (const node of graph.inputs) {
    const name = node.arg['name'] as string;
    const shape = node.shape.map((d) => dimEval(d, ENV));
    const n = shape.reduce((a, b) => a * b, 1);
    const last = shape[shape.length - 1] ?? 1;
    const range = node.arg['range'] as [number, number] | undefined;
    let values: (i: number) => number;
    if (node.dtype === 'f32') values = name === 'labels' ? () => rand() : name === 'head_mask' ? () => Math.abs(rand()) : () => rand();
    else if (name.endsWith('mask')) values = (i) => (Math.floor(i / last) % 2 === 1 && i % last >= last - 2 ? 0 : 1);
    else if (name.endsWith('labels') || name === 'next_sentence_label') values = (i) => (i % 5 === 3 ? -100 : pick(2));
    else if (name.endsWith('positions')) values = () => pick(ENV['S']!);
    else values = () => pick(range ? range[1] - range[0] : 2) + (range?.[0] ?? 0);
    out[name] = hostTensor(node.dtype, shape, Array.from({ length: n }, (_, i) => values(i)));
  }
  return out;
}

interface Case {
  readonly entry: string;
  readonly hidden: number;
  readonly heads: number;
  readonly act: string;
  readonly position: string;
  readonly config?: Record<string, unknown>;
  readonly inputs?: string[];
  readonly fn?: string;
  /** Inputs in another of their forms, by rank (a 3-D attention mask, a [heads] head_mask). */
  readonly ranks?: Record<string, number>;
}

const CASES: Case[] = [
  { entry: 'BertModel', hidden: 32, heads: 2, act: 'gelu', position: 'absolute' },
  { entry: 'BertModel', hidden: 48, heads: 4, act: 'gelu_new', position: 'relative_key' },
  { entry: 'BertModel', hidden: 64, heads: 4, act: 'relu', position: 'relative_key_query' },
  { entry: 'BertForPreTraining', hidden: 40, heads: 2, act: 'silu', position: 'absolute' },
  { entry: 'BertForMaskedLM', hidden: 36, heads: 3, act: 'tanh', position: 'relative_key' },
  { entry: 'BertForMaskedLM', hidden: 32, heads: 2, act: 'gelu', position: 'absolute', inputs: ['labels'] },
  { entry: 'BertLMHeadModel', hidden: 32, heads: 4, act: 'gelu', position: 'relative_key_query', config: { is_decoder: true } },
  { entry: 'BertForNextSentencePrediction', hidden: 32, heads: 2, act: 'gelu', position: 'absolute' },
  { entry: 'BertForSequenceClassification', hidden: 48, heads: 3, act: 'gelu', position: 'relative_key', config: { num_labels: 3 } },
  { entry: 'BertForMultipleChoice', hidden: 32, heads: 2, act: 'gelu', position: 'absolute' },
  { entry: 'BertForTokenClassification', hidden: 32, heads: 2, act: 'gelu_new', position: 'relative_key_query', config: { num_labels: 5 } },
  { entry: 'BertForQuestionAnswering', hidden: 64, heads: 4, act: 'gelu', position: 'absolute' },
  // beyond the plain forward: every optional output, inputs_embeds, regression and multi-label losses, and one
  // incremental decoding step of a cross-attending decoder (symbolic P + S positions)
  { entry: 'BertModel', hidden: 32, heads: 2, act: 'gelu', position: 'relative_key', config: { output_hidden_states: true, output_attentions: true } },
  { entry: 'BertModel', hidden: 32, heads: 2, act: 'gelu', position: 'absolute', inputs: ['inputs_embeds'] },
  { entry: 'BertForSequenceClassification', hidden: 32, heads: 2, act: 'gelu', position: 'absolute', inputs: ['labels'], config: { num_labels: 1 } },
  { entry: 'BertForSequenceClassification', hidden: 32, heads: 2, act: 'gelu', position: 'absolute', inputs: ['labels'], config: { num_labels: 3, problem_type: 'multi_label_classification' } },
  {
    entry: 'BertLMHeadModel', hidden: 32, heads: 2, act: 'gelu', position: 'relative_key_query', fn: 'decode',
    inputs: ['encoder_hidden_states', 'encoder_attention_mask'], config: { is_decoder: true, add_cross_attention: true, output_attentions: true },
  },
  // a head with inputs_embeds in place of input_ids
  { entry: 'BertForMultipleChoice', hidden: 32, heads: 2, act: 'gelu', position: 'absolute', inputs: ['inputs_embeds', 'labels'] },
  // the other input forms: 3-D masks (fused attention) and a [heads] head_mask (unfused, with attentions)
  { entry: 'BertForTokenClassification', hidden: 32, heads: 2, act: 'gelu', position: 'absolute', ranks: { attention_mask: 3 }, config: { num_labels: 3 } },
  { entry: 'BertForMaskedLM', hidden: 32, heads: 4, act: 'gelu', position: 'relative_key', inputs: ['head_mask'], ranks: { head_mask: 1 }, config: { output_attentions: true } },
  {
    entry: 'BertLMHeadModel', hidden: 32, heads: 2, act: 'gelu', position: 'absolute', fn: 'decode', inputs: ['encoder_hidden_states', 'encoder_attention_mask'],
    ranks: { attention_mask: 3, encoder_attention_mask: 3 }, config: { is_decoder: true, add_cross_attention: true },
  },
];

CASES.forEach((c, i) => {
  const what = `${c.entry}${c.fn ? `.${c.fn}` : ''} (hidden ${c.hidden}, ${c.act}, ${c.position}${c.inputs ? `, with ${c.inputs.join(', ')}` : ''})`;
  test(`${what} on WebGPU matches the CPU reference`, async () => {
    const config = { ...SMALL, hidden_size: c.hidden, num_attention_heads: c.heads, hidden_act: c.act, position_embedding_type: c.position, ...c.config };
    const graph = compileGraph(BERT_SOURCE, { entry: c.entry, config, ...(c.fn ? { fn: c.fn } : {}), ...(c.inputs ? { inputs: c.inputs } : {}), ...(c.ranks ? { ranks: c.ranks } : {}) });
    const err = await compareWithCpu(graph, inputsFor(graph, 500 + i), weightsFor(graph, 900 + i));
    worst.push(`${c.entry}${c.fn ? `.${c.fn}` : ''} ${err.toExponential(1)}`);
  });
});

const worst: string[] = [];
test.after(() => console.log(`\n  largest relative error per case: ${worst.join(', ')}`));

test.run();
