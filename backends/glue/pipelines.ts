/**
 * The pipeline members of a generated model interface: the `tokenizer` property and, for the entry's pipelines
 * (runtime/pipelines/tasks.ts), typed method signatures with docs and examples. The types they name come from the
 * package's `pipelines.d.ts` (runtime/pipelines/api.ts verbatim); the runtime implements them (runtime/pipelines/).
 */
import type { MethodSignatureStructure, OptionalKind, PropertySignatureStructure } from 'ts-morph';
import type { PipelineName } from '../../runtime/pipelines/api.ts';
import { pipelinesOf } from '../../runtime/pipelines/tasks.ts';

export const PIPELINES_API_PATH = new URL('../../runtime/pipelines/api.ts', import.meta.url);

/** Every type pipelines.d.ts exports, re-exported by the glue so apps can name them. */
export const PIPELINE_TYPES = [
  'Answer', 'AnswerOptions', 'BatchEncoding', 'ChoiceResult', 'ClassificationLabel', 'ClassifyBatchItem', 'ClassifyInput', 'ClassifyOptions',
  'EmbedOptions', 'EncodeOptions', 'Encoding', 'EntityGroup', 'FillMaskCandidate', 'FillMaskOptions', 'NextSentenceResult', 'Pipelines',
  'TextPair', 'TokenClassifyOptions', 'TokenEntity', 'Tokenizer',
] as const;

type Method = OptionalKind<MethodSignatureStructure>;

const param = (name: string, type: string, optional = false) => ({ name, type, hasQuestionToken: optional });
const doc = (description: string, example: string) => ({ description, tags: [{ tagName: 'example', text: `\n${example}` }] });

const METHODS: Record<PipelineName, Method[]> = {
  fillMask: [{
    name: 'fillMask',
    parameters: [param('text', 'string'), param('options', 'FillMaskOptions', true)],
    returnType: 'Promise<FillMaskCandidate[][]>',
    docs: [doc(
      "HF's fill-mask pipeline: for each [MASK] of `text`, in order, the `topK` (default 5) most likely tokens, best\n" +
        'first, with their softmax probability and the text with that token filled in. Rejects when `text` has no [MASK].',
      "const [candidates] = await model.fillMask('Paris is the [MASK] of France.');\n" +
        "// candidates[0]: { score: 0.41, token: 3007, tokenStr: 'capital', sequence: 'paris is the capital of france.' }",
    )],
  }],
  classify: [
    {
      name: 'classify',
      parameters: [param('input', 'ClassifyInput'), param('options', 'ClassifyOptions', true)],
      returnType: 'Promise<ClassificationLabel[]>',
      docs: [doc(
        "HF's text-classification pipeline on a text or a `{ text, textPair }`: the `topK` (default 1) best labels, named\n" +
          "by config.json's `id2label`, scored by softmax (sigmoid for `problem_type: 'multi_label_classification'`, raw\n" +
          "for `'regression'`). Texts longer than the model takes are truncated.",
        "const [{ label, score }] = await model.classify('I loved this film!'); // e.g. 'POSITIVE', 0.98\n" +
          "await model.classify({ text: 'A man plays a guitar.', textPair: 'Someone makes music.' }, { topK: 3 });",
      )],
    },
    {
      name: 'classify',
      parameters: [param('inputs', 'readonly ClassifyBatchItem[]'), param('options', 'ClassifyOptions', true)],
      returnType: 'Promise<ClassificationLabel[][]>',
      docs: [doc(
        'A batch, padded and run together: one list of labels per item (a text, `{ text, textPair }` or `[text, textPair]`).',
        "const [first, second] = await model.classify(['Great!', ['Is it raining?', 'The sun is out.']]);",
      )],
    },
  ],
  tokenClassify: [
    {
      name: 'tokenClassify',
      parameters: [param('text', 'string'), param('options', "TokenClassifyOptions & { readonly aggregation?: 'none' }", true)],
      returnType: 'Promise<TokenEntity[]>',
      docs: [doc(
        "HF's token-classification (NER) pipeline: each token's best label from `id2label` with its softmax score and\n" +
          "its character offsets in `text` (`text.slice(start, end)`); labels in `ignoreLabels` (default ['O']) are left out.",
        "const entities = await model.tokenClassify('My name is Wolfgang and I live in Berlin');\n" +
          "// [{ entity: 'B-PER', score: 0.99, index: 4, word: 'wolfgang', start: 11, end: 19 }, ...]",
      )],
    },
    {
      name: 'tokenClassify',
      parameters: [param('text', 'string'), param('options', "TokenClassifyOptions & { readonly aggregation: 'simple' }")],
      returnType: 'Promise<EntityGroup[]>',
      docs: [doc(
        "With `aggregation: 'simple'`: adjacent tokens of one entity type grouped (a `B-` label starts a new group), as HF does.",
        "const groups = await model.tokenClassify('I live in New York', { aggregation: 'simple' });\n" +
          "// [{ entityGroup: 'LOC', score: 0.98, word: 'new york', start: 10, end: 18 }]",
      )],
    },
  ],
  answer: [{
    name: 'answer',
    parameters: [param('question', 'string'), param('context', 'string'), param('options', 'AnswerOptions', true)],
    returnType: 'Promise<Answer>',
    docs: [doc(
      "HF's question-answering pipeline: the span of `context` (never of the question) that maximises P(start)·P(end),\n" +
        'at most `maxAnswerLength` (default 30) tokens long; long contexts are read in overlapping windows.',
      "const { answer, score, start, end } = await model.answer('Where does Sarah live?', 'My name is Sarah and I live in London.');\n" +
        "// answer === 'london', context.slice(start, end) === answer",
    )],
  }],
  chooseAnswer: [{
    name: 'chooseAnswer',
    parameters: [param('prompt', 'string'), param('choices', 'readonly string[]')],
    returnType: 'Promise<ChoiceResult>',
    docs: [doc(
      'Multiple choice as HF documents BertForMultipleChoice: the prompt paired with each choice, the pairs padded into\n' +
        'one row; `scores` is the softmax over the choices and `index` the best one.',
      "const { index, choice, scores } = await model.chooseAnswer('The cat sat on the', ['mat.', 'moon.']);",
    )],
  }],
  nextSentence: [{
    name: 'nextSentence',
    parameters: [param('a', 'string'), param('b', 'string')],
    returnType: 'Promise<NextSentenceResult>',
    docs: [doc(
      "Next sentence prediction: whether `b` follows `a` (HF's label 0) and that probability (softmax of the two logits).",
      "const { isNext, score } = await model.nextSentence('I went to the shop.', 'I bought some milk.');",
    )],
  }],
  embed: [
    {
      name: 'embed',
      parameters: [param('text', 'string'), param('options', 'EmbedOptions', true)],
      returnType: 'Promise<Float32Array>',
      docs: [doc(
        "One vector for `text`: `pooling` 'mean' (default; over real tokens), 'cls' (the [CLS] hidden state) or 'pooler'\n" +
          "(BERT's pooler output); `normalize: true` scales it to unit length.",
        "const v = await model.embed('The quick brown fox', { pooling: 'cls', normalize: true }); // Float32Array(hidden_size)",
      )],
    },
    {
      name: 'embed',
      parameters: [param('texts', 'readonly string[]'), param('options', 'EmbedOptions', true)],
      returnType: 'Promise<Float32Array[]>',
      docs: [doc(
        'One vector per text, the texts padded and run as one batch (mean pooling ignores the padding).',
        "const [a, b] = await model.embed(['first text', 'a second, longer text'], { normalize: true });",
      )],
    },
  ],
};

/** The `tokenizer` property and the entry's pipeline methods, and the pipelines.d.ts types they name. */
export function pipelineMembers(entry: string): { properties: OptionalKind<PropertySignatureStructure>[]; methods: Method[]; types: string[] } {
  const names = pipelinesOf(entry);
  const methods = names.flatMap((n) => METHODS[n]);
  const used = methods.map((m) => [m.returnType, ...(m.parameters ?? []).map((p) => p.type)].join(' ')).join(' ');
  return {
    properties: [{
      name: 'tokenizer',
      isReadonly: true,
      type: 'Tokenizer',
      docs: [doc(
        "The checkpoint's tokenizer (tokenizer.json, or vocab.txt + tokenizer_config.json, beside the weights); reading it\n" +
          'throws a UserError when the checkpoint has neither.',
        "const { input_ids } = model.tokenizer.encode('Hello world');",
      )],
    }],
    methods,
    types: [...new Set(['Pipelines', 'Tokenizer', ...PIPELINE_TYPES.filter((t) => new RegExp(`\\b${t}\\b`).test(used))])],
  };
}
