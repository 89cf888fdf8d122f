/**
 * Builds the packages and tiny random checkpoints that scripts/examples/pipelines.mjs (the README's "Using the
 * generated package" examples) runs: one folder per entry point, holding `pkg/` and `ckpt/`.
 *
 *   node --import tsx scripts/examples/pipelines-setup.ts [DIR]     (default .cache/pipelines)
 */
import { join } from 'node:path';
import { makeTiny, type TinyOptions } from './tiny-bert.ts';

/** The entry points of the examples, with the config.json keys their heads need. */
const EXAMPLE_ENTRIES: Readonly<Record<string, TinyOptions>> = {
  BertForMaskedLM: {},
  BertForSequenceClassification: { config: { id2label: { 0: 'NEGATIVE', 1: 'POSITIVE' }, label2id: { NEGATIVE: 0, POSITIVE: 1 } } },
  BertForTokenClassification: { config: { num_labels: 5, id2label: { 0: 'O', 1: 'B-PER', 2: 'I-PER', 3: 'B-LOC', 4: 'I-LOC' } } },
  BertForQuestionAnswering: {},
  BertForMultipleChoice: {},
  BertForNextSentencePrediction: {},
  BertModel: {},
};

const dir = process.argv[2] ?? '.cache/pipelines';
for (const [entry, opts] of Object.entries(EXAMPLE_ENTRIES)) await makeTiny(join(dir, entry), entry, opts);
