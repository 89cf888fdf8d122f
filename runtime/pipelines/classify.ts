/**
 * The pipelines that classify whole sequences: `classify` (HF's text-classification pipeline, for
 * BertForSequenceClassification), `nextSentence` (BertForNextSentencePrediction's head, also BertForPreTraining's)
 * and `chooseAnswer` (BertForMultipleChoice, HF's documented usage: the prompt paired with each choice).
 */
import { UserError } from '../../dsl/errors.ts';
import type { ChoiceResult, ClassificationLabel, ClassifyBatchItem, ClassifyOptions, NextSentenceResult } from './api.ts';
import { argmax, checkChoice, checkOptions, checkPositiveInt, checkText, outputOf, sigmoid, softmax, topIndices, type PipelineContext } from './common.ts';
import { LOGITS_OUTPUT } from './tasks.ts';

type Fn = NonNullable<ClassifyOptions['functionToApply']>;

/** HF `TextClassificationPipeline.postprocess`'s default `function_to_apply`. */
function defaultFunction(ctx: PipelineContext, numLabels: number): Fn {
  const problem = ctx.config['problem_type'];
  if (problem === 'regression') return 'none';
  if (problem === 'multi_label_classification' || numLabels === 1) return 'sigmoid';
  return 'softmax';
}

/** One batch item as `[text, pair?]`; `k` names it in errors. */
function item(v: unknown, k: number | undefined): [string, string?] {
  const at = k === undefined ? 'classify: input' : `classify: inputs[${k}]`;
  if (typeof v === 'string') return [checkText(v, at)];
  if (Array.isArray(v) && k !== undefined) {
    if (v.length !== 2) throw new UserError(`${at} must be a text, { text, textPair } or [text, textPair]; got an array of ${v.length}`);
    return [checkText(v[0], `${at}[0]`), checkText(v[1], `${at}[1]`)];
  }
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && 'text' in v) {
    const { text, textPair, ...rest } = v as { text: unknown; textPair?: unknown };
    if (Object.keys(rest).length > 0) throw new UserError(`${at}: unknown key '${Object.keys(rest)[0]}' (a pair is { text, textPair })`);
    return textPair === undefined ? [checkText(text, `${at}.text`)] : [checkText(text, `${at}.text`), checkText(textPair, `${at}.textPair`)];
  }
  throw new UserError(`${at} must be a text or { text, textPair }${k === undefined ? ', or an array of them for a batch' : ' or [text, textPair]'}`);
}

export async function classify(ctx: PipelineContext, input: unknown, options?: ClassifyOptions): Promise<ClassificationLabel[] | ClassificationLabel[][]> {
  const opts = checkOptions(options, ['topK', 'functionToApply'], 'classify');
  const topK = checkPositiveInt(opts.topK ?? 1, 'classify: topK');
  const batch = Array.isArray(input);
  const items = batch ? (input as readonly ClassifyBatchItem[]).map((x, k) => item(x, k)) : [item(input, undefined)];
  if (items.length === 0) return [];
  const enc = ctx.tokenizer.encodeBatch(
    items.map(([a, b]) => (b === undefined ? a : ([a, b] as const))),
    { padding: true, truncation: true, maxLength: ctx.maxLength },
  );
  const logits = outputOf(await ctx.run([items.length, enc.input_ids[0]!.length], enc), ['logits'], ctx);
  const n = logits.shape[1]!;
  const fn = checkChoice<Fn>(opts.functionToApply, ['softmax', 'sigmoid', 'none'], defaultFunction(ctx, n), 'classify: functionToApply');
  const results = items.map((_, b) => {
    const row = logits.data.subarray(b * n, (b + 1) * n);
    const scores = fn === 'softmax' ? softmax(row, 0, n) : Float64Array.from(row, (x) => (fn === 'sigmoid' ? sigmoid(x) : x));
    return topIndices(scores, topK).map((i) => ({ label: ctx.label(i), score: scores[i]! }));
  });
  return batch ? results : results[0]!;
}

export async function nextSentence(ctx: PipelineContext, a: unknown, b: unknown): Promise<NextSentenceResult> {
  const enc = ctx.tokenizer.encode(checkText(a, 'nextSentence: a'), checkText(b, 'nextSentence: b'), { truncation: true, maxLength: ctx.maxLength });
  const out = await ctx.run([1, enc.input_ids.length], { input_ids: [enc.input_ids], token_type_ids: [enc.token_type_ids!] });
  const [isNext, notNext] = softmax(outputOf(out, LOGITS_OUTPUT['nextSentence']!, ctx).data, 0, 2);
  return { isNext: isNext! >= notNext!, score: isNext! };
}

export async function chooseAnswer(ctx: PipelineContext, prompt: unknown, choices: unknown): Promise<ChoiceResult> {
  const p = checkText(prompt, 'chooseAnswer: prompt');
  if (!Array.isArray(choices)) throw new UserError(`chooseAnswer: choices must be an array of texts, got ${choices === null ? 'null' : typeof choices}`);
  if (choices.length === 0) throw new UserError('chooseAnswer: choices is empty; give at least one');
  const texts = choices.map((c, k) => checkText(c, `chooseAnswer: choices[${k}]`));
  // One row of C pairs, padded together: the model compares the choices within a row.
  const enc = ctx.tokenizer.encodeBatch(texts.map((c) => [p, c] as const), { padding: true, truncation: true, maxLength: ctx.maxLength });
  const logits = outputOf(await ctx.run([1, texts.length, enc.input_ids[0]!.length], enc), ['logits'], ctx);
  const scores = Array.from(softmax(logits.data, 0, texts.length));
  const index = argmax(scores);
  return { index, choice: texts[index]!, scores };
}
