/**
 * The graph passes, in the order the pipeline runs them. Each is a pure Graph → Graph function built from a rule
 * list and the shared rewrite engine (rewrite.ts); `enabled` names the pipeline option that switches it off.
 */
import type { Graph } from '../ir/graph.ts';
import * as fuseAddNorm from './fuse-add-norm.ts';
import * as fuseAttention from './fuse-attention.ts';
import * as fuseEpilogue from './fuse-epilogue.ts';
import * as fuseNorm from './fuse-norm.ts';
import * as fuseQkv from './fuse-qkv.ts';
import * as lowerPrecision from './lower-precision.ts';
import type { Precision } from './lower-precision.ts';
import { graphRewrite, type Rule } from './rewrite.ts';

export interface PassOptions {
  /** matmul(softmax(...), v) → Attention (default on). */
  readonly fuseAttention?: boolean;
  /** matmul + bias (+ residual) (+ activation) → MatMulEpilogue (default on). */
  readonly fuseEpilogue?: boolean;
  /** Linears sharing an input (q, k, v) → one matmul on concatenated weights (default on). */
  readonly fuseQkv?: boolean;
  /** matmul + addends + LayerNorm → MatMulNorm (default on: faster, see fuse-norm.ts). */
  readonly fuseNorm?: boolean;
  /** layer_norm(sum of terms, gathers included) → AddNorm (default on). */
  readonly fuseAddNorm?: boolean;
  /** Storage precision of weights and activations (default fp32: no change; see lower-precision.ts). */
  readonly precision?: Precision;
}

export interface Pass {
  readonly name: string;
  /** One line: why it runs. */
  readonly summary: string;
  readonly option: keyof PassOptions;
  /** The rules, or for a pass with a setting rather than a switch, the rules for the options given. */
  readonly rules: readonly Rule[] | ((opts: PassOptions) => readonly Rule[]);
  /** Off unless its option is set to true. */
  readonly off?: boolean;
}

export const PASSES: readonly Pass[] = [
  // first: it needs the scores' matmul and adds as they are, before epilogue fusion absorbs them
  { name: 'fuse-attention', summary: fuseAttention.summary, option: 'fuseAttention', rules: fuseAttention.rules },
  { name: 'fuse-epilogue', summary: fuseEpilogue.summary, option: 'fuseEpilogue', rules: fuseEpilogue.rules },
  // after the epilogue pass: it joins the Linears that pass made, and packs the attention reading them
  { name: 'fuse-qkv', summary: fuseQkv.summary, option: 'fuseQkv', rules: fuseQkv.rules },
  // after the epilogue pass: it absorbs the LayerNorm into the finished matmul
  { name: 'fuse-norm', summary: fuseNorm.summary, option: 'fuseNorm', rules: fuseNorm.rules },
  // then: a LayerNorm still left reads a sum (BERT's embeddings)
  { name: 'fuse-add-norm', summary: fuseAddNorm.summary, option: 'fuseAddNorm', rules: fuseAddNorm.rules },
  // last: the fusions match f32 graphs; runs when `precision` names a narrow one
  {
    name: 'lower-precision',
    summary: lowerPrecision.summary,
    option: 'precision',
    rules: (opts) => lowerPrecision.precisionRules(opts.precision ?? 'fp32'),
  },
];

/** Applies one pass; returns the graph and how many times its rules fired. */
export function runPass(pass: Pass, graph: Graph, opts: PassOptions = {}): { graph: Graph; fired: number } {
  const stats = { fired: [] as number[] };
  const rules = typeof pass.rules === 'function' ? pass.rules(opts) : pass.rules;
  const out = graphRewrite(graph, rules, stats);
  return { graph: out, fired: stats.fired.reduce((a, b) => a + (b ?? 0), 0) };
}
