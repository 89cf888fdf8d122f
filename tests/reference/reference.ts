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
}

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
  try {
    execFileSync('python3', args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`bert_ref.py make failed: ${e.stderr?.trim() || e.message}`);
  }
  return dir;
}
