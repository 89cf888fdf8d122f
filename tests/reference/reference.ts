// Test helper: runs the independent numpy BERT reference (bert_ref.py) to produce a checkpoint, inputs and
// expected outputs in a fresh temporary folder. See README.md in this folder.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the Python reference script. */
export const REFERENCE_SCRIPT: string = fileURLToPath(new URL('./bert_ref.py', import.meta.url));

/** Heads the reference implements (HF class names, written to config.json's `architectures`). */
export const REFERENCE_HEADS = [
  'BertModel',
  'BertForPreTraining',
  'BertForMaskedLM',
  'BertLMHeadModel',
  'BertForNextSentencePrediction',
  'BertForSequenceClassification',
  'BertForMultipleChoice',
  'BertForTokenClassification',
  'BertForQuestionAnswering',
] as const;

export interface ReferenceCaseOptions {
  /** One of REFERENCE_HEADS. */
  head: string;
  /** Seed for numpy's default_rng (weights, then inputs). */
  seed: number;
  /** BertConfig fields overriding HF's defaults, e.g. { hidden_size: 32, hidden_act: 'gelu_new' }. */
  config?: Record<string, unknown>;
  /** Batch size (default 2). */
  batch?: number;
  /** Sequence length (default 8). */
  seq?: number;
  /** num_choices, BertForMultipleChoice only (default 2). */
  choices?: number;
  /** Pad every row after the first with a random number of trailing zeros in attention_mask. */
  pad?: boolean;
  /**
   * Draw the head's labels into inputs.safetensors under HF's argument names (`labels`, `next_sentence_label`,
   * `start_positions`, `end_positions`) and write HF's `loss` (F32, shape []) to expected.safetensors.
   * Not for BertModel.
   */
  labels?: boolean;
  /** BertForSequenceClassification: `problem_type` written to config.json; labels are drawn to match it. */
  problemType?: (typeof REFERENCE_PROBLEM_TYPES)[number];
  /**
   * BertForSequenceClassification with num_labels > 1 and no problemType: float32 multi-hot labels [B, num_labels],
   * from which HF infers multi_label_classification (int64 labels give single_label_classification).
   */
  floatLabels?: boolean;
  /** Accepted for symmetry with HF: `hidden_states.{0..L}` are always written. */
  outputHiddenStates?: boolean;
  /** Write `attentions.{i}` [B, heads, S, S] (and `cross_attentions.{i}` [B, heads, S, Se] with crossAttention). */
  outputAttentions?: boolean;
  /** Draw an F32 `head_mask` of shape [heads] ('per-head') or [layers, heads] ('per-layer'). */
  headMask?: 'per-head' | 'per-layer';
  /** Draw explicit I64 `position_ids` in [0, max_position_embeddings) (read only by the absolute type). */
  positionIds?: boolean;
  /** Write F32 `inputs_embeds` [B, S, H] ([B, C, S, H] for multiple choice) in place of `input_ids`. */
  inputsEmbeds?: boolean;
  /**
   * Decoder with cross-attention (config is_decoder and add_cross_attention; BertModel, BertForMaskedLM and
   * BertLMHeadModel only): F32 `encoder_hidden_states` [B, Se, H] and padded I64 `encoder_attention_mask` [B, Se].
   */
  crossAttention?: boolean;
  /** Encoder length Se with crossAttention (default seq + 3). */
  encoderSeq?: number;
  /**
   * Incremental decoding (BertLMHeadModel or BertModel with is_decoder: true): the inputs cover pastLength + seq
   * tokens; expected adds `logits_incremental` (`last_hidden_state_incremental` for BertModel) for the last seq
   * positions and `past_key_values.{i}.key` / `.value` [B, heads, pastLength, head_size] (plus `.cross_key` /
   * `.cross_value` with crossAttention). See README.md for `*_incremental_hf`.
   */
  pastLength?: number;
  /** attention_mask (and encoder_attention_mask) per query, [B, S, T], drawn after everything else. */
  mask3d?: boolean;
}

/** BertForSequenceClassification problem types (PretrainedConfig.problem_type). */
export const REFERENCE_PROBLEM_TYPES = [
  'regression',
  'single_label_classification',
  'multi_label_classification',
] as const;

/**
 * Writes config.json, model.safetensors, inputs.safetensors and expected.safetensors into a new temp dir
 * and returns its path. Throws with the script's stderr if it fails.
 */
export function makeReferenceCase(opts: ReferenceCaseOptions): string {
  const dir = mkdtempSync(join(tmpdir(), 'bert-ref-'));
  const args = [REFERENCE_SCRIPT, 'make', '--out', dir, '--seed', String(opts.seed), '--head', opts.head];
  if (opts.config !== undefined) args.push('--config-json', JSON.stringify(opts.config));
  if (opts.batch !== undefined) args.push('--batch', String(opts.batch));
  if (opts.seq !== undefined) args.push('--seq', String(opts.seq));
  if (opts.choices !== undefined) args.push('--choices', String(opts.choices));
  if (opts.pad === true) args.push('--pad');
  if (opts.labels === true) args.push('--labels');
  if (opts.problemType !== undefined) args.push('--problem-type', opts.problemType);
  if (opts.floatLabels === true) args.push('--float-labels');
  if (opts.outputHiddenStates === true) args.push('--output-hidden-states');
  if (opts.outputAttentions === true) args.push('--output-attentions');
  if (opts.headMask !== undefined) args.push('--head-mask', opts.headMask);
  if (opts.positionIds === true) args.push('--position-ids');
  if (opts.inputsEmbeds === true) args.push('--inputs-embeds');
  if (opts.crossAttention === true) args.push('--cross-attention');
  if (opts.encoderSeq !== undefined) args.push('--encoder-seq', String(opts.encoderSeq));
  if (opts.pastLength !== undefined) args.push('--past-length', String(opts.pastLength));
  if (opts.mask3d === true) args.push('--mask-3d');
  try {
    execFileSync('python3', args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`bert_ref.py make failed: ${e.stderr?.trim() || e.message}`);
  }
  return dir;
}
