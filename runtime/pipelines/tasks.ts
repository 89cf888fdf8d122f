/**
 * Which pipelines each entry point has, and which of its outputs they read: the one table both the glue emitter (to
 * type the model) and the runtime (to refuse the others) go by. Keyed by HF's architecture names, as HF's pipeline
 * tasks are; only `forward` gets pipelines (a decode step takes no text).
 */
import type { PipelineName } from './api.ts';

export const ENTRY_PIPELINES: Readonly<Record<string, readonly PipelineName[]>> = {
  BertModel: ['embed'],
  BertForMaskedLM: ['fillMask'],
  BertForPreTraining: ['fillMask', 'nextSentence'],
  BertLMHeadModel: [],
  BertForNextSentencePrediction: ['nextSentence'],
  BertForSequenceClassification: ['classify'],
  BertForMultipleChoice: ['chooseAnswer'],
  BertForTokenClassification: ['tokenClassify'],
  BertForQuestionAnswering: ['answer'],
};

/** The pipelines of an entry such as `BertForMaskedLM.forward`, in ENTRY_PIPELINES' order. */
export function pipelinesOf(entry: string): readonly PipelineName[] {
  const [module, fn] = entry.split('.');
  return fn === 'forward' ? (ENTRY_PIPELINES[module ?? ''] ?? []) : [];
}

/** The entries that have `name`, for an error that says which package to build instead. */
export function entriesWith(name: PipelineName): string[] {
  return Object.keys(ENTRY_PIPELINES).filter((e) => ENTRY_PIPELINES[e]!.includes(name));
}

/** The output (API name) a pipeline reads on each entry; the first one present wins. */
export const LOGITS_OUTPUT: Readonly<Record<string, readonly string[]>> = {
  fillMask: ['logits', 'predictionLogits'],
  nextSentence: ['logits', 'seqRelationshipLogits'],
};
