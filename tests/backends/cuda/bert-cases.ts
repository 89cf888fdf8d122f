/**
 * The BERT programs the CUDA tests compile and run: every entry point of specs/bert.dsl at a small config, with and
 * without labels (so every loss kernel is in), plus relative position embeddings with head_mask and position_ids,
 * and a decoder with cross-attention. Inputs are random, B = 2, S = 5 (C = 2 choices, T = 4 encoder tokens), with
 * padding in the attention masks; weights are a random checkpoint.
 */
import type { HostTensor } from '../../../backends/tensor.ts';
import { dimEval } from '../../../compiler/ir/dim.ts';
import type { Graph } from '../../../compiler/ir/graph.ts';
import { compileGraph, optimizeGraph } from '../../../compiler/pipeline.ts';
import { expectedParams } from '../../../runtime/cpu-model.ts';
import { normalSampler, randomTensors } from '../../../runtime/weights/random-checkpoint.ts';
import { BERT_SOURCE } from '../../specs/bert-helpers.ts';

export const SMALL = {
  hidden_size: 32, num_attention_heads: 4, num_hidden_layers: 2, intermediate_size: 48, vocab_size: 61,
  max_position_embeddings: 32, type_vocab_size: 2, num_labels: 3,
};

export const BERT_BASE = {
  hidden_size: 768, num_attention_heads: 12, num_hidden_layers: 12, intermediate_size: 3072, vocab_size: 30522,
  max_position_embeddings: 512, type_vocab_size: 2,
};

export const ENTRIES = [
  'BertModel', 'BertForPreTraining', 'BertForMaskedLM', 'BertLMHeadModel', 'BertForNextSentencePrediction',
  'BertForSequenceClassification', 'BertForMultipleChoice', 'BertForTokenClassification', 'BertForQuestionAnswering',
] as const;

export interface BertCase {
  readonly title: string;
  readonly entry: string;
  readonly config: Record<string, unknown>;
  /** Optional inputs given (labels, head_mask, ...). */
  readonly inputs: readonly string[];
  /** Symbol values of the inputs, when not ENV. */
  readonly env?: Readonly<Record<string, number>>;
  /** Through every graph pass (fused attention, epilogues, joined QKV, LayerNorm in the matmul). */
  readonly fused?: boolean;
}

const LABELS: Record<string, string[]> = {
  BertForPreTraining: ['labels', 'next_sentence_label'],
  BertForQuestionAnswering: ['start_positions', 'end_positions'],
};

export const ENV: Readonly<Record<string, number>> = { B: 2, S: 5, C: 2, T: 4 };

export function bertCases(): BertCase[] {
  const decoder = (entry: string) => (entry === 'BertLMHeadModel' ? { is_decoder: true } : entry === 'BertForQuestionAnswering' ? { num_labels: 2 } : {});
  const cases: BertCase[] = ENTRIES.map((entry) => ({ title: entry, entry, config: { ...SMALL, ...decoder(entry) }, inputs: [] }));
  for (const entry of ENTRIES.slice(1)) {
    cases.push({ title: `${entry} with labels`, entry, config: { ...SMALL, ...decoder(entry) }, inputs: LABELS[entry] ?? ['labels'] });
  }
  for (const problem_type of ['regression', 'multi_label_classification']) {
    const config = { ...SMALL, problem_type };
    cases.push({ title: `BertForSequenceClassification ${problem_type}`, entry: 'BertForSequenceClassification', config, inputs: ['labels'] });
  }
  cases.push({
    title: 'BertModel relative_key_query, head_mask, position_ids',
    entry: 'BertModel',
    config: { ...SMALL, position_embedding_type: 'relative_key_query' },
    inputs: ['head_mask', 'position_ids'],
  });
  cases.push({
    title: 'BertLMHeadModel with cross-attention',
    entry: 'BertLMHeadModel',
    config: { ...SMALL, is_decoder: true, add_cross_attention: true },
    inputs: ['encoder_hidden_states', 'encoder_attention_mask', 'labels'],
  });
  // Every other case fits each GEMM in one 64x64 tile; this one needs several tiles in M, N and K, K not a multiple
  // of the 16-deep slab (P·V with S = 37), and rows longer than a workgroup.
  cases.push({
    title: 'BertForMaskedLM with labels, multi-tile GEMMs (S = 37, hidden 96, vocab 130)',
    entry: 'BertForMaskedLM',
    config: { ...SMALL, hidden_size: 96, num_attention_heads: 3, num_hidden_layers: 1, intermediate_size: 160, vocab_size: 130, max_position_embeddings: 64 },
    inputs: ['labels'],
    env: { ...ENV, S: 37 },
  });
  // the fused kernels: packed flash attention (with and without a relative-position bias), joined QKV, LayerNorm in
  // the matmul (rows shorter and longer than its 64 column threads), cross-attention's joined keys and values
  for (const c of [cases[0]!, ...cases.slice(-3)]) cases.push({ ...c, title: `${c.title.replace(', head_mask', '')}, fused`, fused: true, inputs: c.inputs.filter((i) => i !== 'head_mask') });
  return cases;
}

const graphs = new Map<string, Graph>();

/** The case's graph, compiled once per process (the CUDA test files share them). */
export function compileCase(c: BertCase): Graph {
  let g = graphs.get(c.title);
  if (!g) {
    g = compileGraph(BERT_SOURCE, { entry: c.entry, config: c.config, inputs: [...c.inputs] });
    if (c.fused) g = optimizeGraph(g).graph;
    graphs.set(c.title, g);
  }
  return g;
}

/** Label values valid for the case's loss: classes, tokens, positions, or floats for regression and BCE targets. */
function labelRange(c: BertCase, name: string, rank: number, env: Readonly<Record<string, number>>): [number, number] {
  if (name === 'next_sentence_label' || c.entry === 'BertForNextSentencePrediction') return [0, 2]; // is-next or not
  if (name.endsWith('_positions')) return [0, env['S']!];
  if (c.entry === 'BertForMultipleChoice') return [0, env['C']!];
  if (rank === 2 && c.entry !== 'BertForTokenClassification') return [0, c.config['vocab_size'] as number];
  return [0, SMALL.num_labels];
}

/** Random inputs for every input of `graph` (masks pad the end of the last row; some token labels are ignored). */
export function caseInputs(c: BertCase, graph: Graph, seed = 1, env = c.env ?? ENV): Record<string, HostTensor> {
  const normal = normalSampler(seed);
  let state = seed >>> 0;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const out: Record<string, HostTensor> = {};
  for (const node of graph.inputs) {
    const name = node.arg['name'] as string;
    const shape = node.shape.map((d) => dimEval(d, env));
    const n = shape.reduce((a, b) => a * b, 1);
    if (node.dtype === 'f32') {
      const data = Float32Array.from({ length: n }, () => (name === 'labels' && c.config['problem_type'] !== 'regression' ? Math.round(uniform()) : normal()));
      out[name] = { dtype: 'f32', shape, data };
      continue;
    }
    let data: Int32Array;
    if (/attention_mask$/.test(name)) data = Int32Array.from({ length: n }, (_, i) => (i >= n - 2 ? 0 : 1));
    else {
      const range = (node.arg['range'] as [number, number] | undefined) ?? labelRange(c, name, shape.length, env);
      data = Int32Array.from({ length: n }, (_, i) => {
        if (name === 'labels' && shape.length === 2 && i % 4 === 3) return -100;
        return range[0] + Math.floor(uniform() * (range[1] - range[0]));
      });
    }
    out[name] = { dtype: node.dtype, shape, data };
  }
  return out;
}

export function caseWeights(graph: Graph, seed = 7): Map<string, Float32Array | Int32Array> {
  return new Map(Object.entries(randomTensors(expectedParams(graph), { seed })).map(([k, t]) => [k, t.data as Float32Array | Int32Array]));
}
