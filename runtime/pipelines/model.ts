/**
 * The pipelines as methods of a loaded model (package-runtime.ts's LoadedModel extends this class): the tokenizer
 * and `id2label` come from the checkpoint's files, read at load time but parsed on first use, and every call is
 * checked against the pipelines of the package's entry (tasks.ts), so from plain JavaScript a pipeline the entry lacks
 * is a UserError naming the entry rather than "is not a function".
 */
import type { HostTensor } from '../../backends/tensor.ts';
import { isUserError, UserError } from '../../dsl/errors.ts';
import type { Manifest } from '../package-api.ts';
import { BertTokenizerFast } from '../tokenizer/bert-tokenizer-fast.ts';
import type * as Api from './api.ts';
import { answer } from './answer.ts';
import { chooseAnswer, classify, nextSentence } from './classify.ts';
import type { PipelineContext, RowInputs } from './common.ts';
import { embed } from './embed.ts';
import { fillMask } from './fill-mask.ts';
import type { CheckpointTexts } from './files.ts';
import { entriesWith, pipelinesOf } from './tasks.ts';
import { tokenClassify } from './token-classify.ts';

export abstract class PipelineModel {
  abstract readonly manifest: Manifest;
  abstract forward(inputs: object): Promise<Record<string, HostTensor>>;
  readonly #files: CheckpointTexts;
  #tokenizer: BertTokenizerFast | undefined;
  #id2label: Readonly<Record<string, unknown>> | undefined;

  constructor(files: CheckpointTexts) {
    this.#files = files;
  }

  /** The checkpoint's tokenizer; a UserError saying what is missing when the checkpoint has none. */
  get tokenizer(): BertTokenizerFast {
    if (this.#tokenizer) return this.#tokenizer;
    const { where, texts, problems } = this.#files;
    const json = texts['tokenizer.json'];
    if (json === undefined && texts['vocab.txt'] === undefined) {
      const why = problems.length > 0 ? ` (${problems.join('; ')})` : '';
      throw new UserError(
        `no tokenizer: found neither tokenizer.json nor vocab.txt in ${where}${why}; put the checkpoint's tokenizer files beside its weights`,
      );
    }
    try {
      this.#tokenizer = BertTokenizerFast.fromContents({
        ...(json !== undefined ? { tokenizerJson: json } : { vocab: texts['vocab.txt']! }),
        tokenizerConfig: texts['tokenizer_config.json'],
        specialTokensMap: texts['special_tokens_map.json'],
      });
    } catch (e) {
      throw isUserError(e) ? new UserError(`the tokenizer in ${where}: ${e.message}`) : e;
    }
    return this.#tokenizer;
  }

  fillMask(text: string, options?: Api.FillMaskOptions): Promise<Api.FillMaskCandidate[][]> {
    return this.#with('fillMask', (ctx) => fillMask(ctx, text, options));
  }

  classify(input: Api.ClassifyInput, options?: Api.ClassifyOptions): Promise<Api.ClassificationLabel[]>;
  classify(inputs: readonly Api.ClassifyBatchItem[], options?: Api.ClassifyOptions): Promise<Api.ClassificationLabel[][]>;
  classify(input: unknown, options?: Api.ClassifyOptions): Promise<Api.ClassificationLabel[] | Api.ClassificationLabel[][]> {
    return this.#with('classify', (ctx) => classify(ctx, input, options));
  }

  tokenClassify(text: string, options?: Api.TokenClassifyOptions & { readonly aggregation?: 'none' }): Promise<Api.TokenEntity[]>;
  tokenClassify(text: string, options: Api.TokenClassifyOptions & { readonly aggregation: 'simple' }): Promise<Api.EntityGroup[]>;
  tokenClassify(text: string, options?: Api.TokenClassifyOptions): Promise<Api.TokenEntity[] | Api.EntityGroup[]> {
    return this.#with('tokenClassify', (ctx) => tokenClassify(ctx, text, options));
  }

  answer(question: string, context: string, options?: Api.AnswerOptions): Promise<Api.Answer> {
    return this.#with('answer', (ctx) => answer(ctx, question, context, options));
  }

  chooseAnswer(prompt: string, choices: readonly string[]): Promise<Api.ChoiceResult> {
    return this.#with('chooseAnswer', (ctx) => chooseAnswer(ctx, prompt, choices));
  }

  nextSentence(a: string, b: string): Promise<Api.NextSentenceResult> {
    return this.#with('nextSentence', (ctx) => nextSentence(ctx, a, b));
  }

  embed(text: string, options?: Api.EmbedOptions): Promise<Float32Array>;
  embed(texts: readonly string[], options?: Api.EmbedOptions): Promise<Float32Array[]>;
  embed(input: unknown, options?: Api.EmbedOptions): Promise<Float32Array | Float32Array[]> {
    return this.#with('embed', (ctx) => embed(ctx, input, options));
  }

  /** Runs `body` once the entry is known to have `name` (an async rejection, never a synchronous throw). */
  async #with<T>(name: Api.PipelineName, body: (ctx: PipelineContext) => Promise<T>): Promise<T> {
    const entry = this.manifest.entry;
    if (!pipelinesOf(entry).includes(name)) {
      const others = entriesWith(name);
      throw new UserError(
        `${name} is not available for ${entry.replace(/\.forward$/, '')}: it is a pipeline of ${others.join(' and ')}; ` +
          `build the package with --entry ${others[0]} (this one has ${pipelinesOf(entry).join(', ') || 'none, only forward'})`,
      );
    }
    if (!this.manifest.inputs.some((i) => i.name === 'input_ids')) {
      throw new UserError(`${name} needs a package that takes input_ids; this one was built to take inputs_embeds instead (build it without --with inputs_embeds)`);
    }
    return body(this.#context());
  }

  #context(): PipelineContext {
    const manifest = this.manifest;
    const tokenizer = this.tokenizer;
    // The model's position limit; tokenizer_config.json's model_max_length may be absent (Infinity) or larger.
    const positions = manifest.config['max_position_embeddings'];
    const limits = [...manifest.constraints.filter((c) => c.dim === 'S').map((c) => c.max), ...(typeof positions === 'number' ? [positions] : [])];
    const inputs = new Set(manifest.inputs.map((i) => i.jsName));
    return {
      entry: manifest.entry.split('.')[0]!,
      tokenizer,
      maxLength: Math.min(tokenizer.modelMaxLength, ...limits),
      config: manifest.config,
      label: (i) => {
        const name = this.#labels()[String(i)];
        return typeof name === 'string' ? name : `LABEL_${i}`;
      },
      run: (shape, rows) => this.forward(feed(inputs, shape, rows)),
    };
  }

  /** `id2label` of the checkpoint's config.json; none (so `LABEL_<i>`) when there is no config.json. */
  #labels(): Readonly<Record<string, unknown>> {
    if (this.#id2label) return this.#id2label;
    const text = this.#files.texts['config.json'];
    let config: unknown = {};
    if (text !== undefined) {
      try {
        config = JSON.parse(text);
      } catch (e) {
        throw new UserError(`config.json in ${this.#files.where}: invalid JSON (${(e as Error).message}); it is read for id2label`);
      }
    }
    const map = (config as { id2label?: unknown } | null)?.id2label ?? {};
    if (typeof map !== 'object' || map === null || Array.isArray(map)) {
      throw new UserError(`config.json in ${this.#files.where}: "id2label" must be an object of index → label`);
    }
    return (this.#id2label = map as Record<string, unknown>);
  }
}

/** The model's inputs by API name, for the ones its entry takes (masks left out are filled by the runtime). */
function feed(inputs: ReadonlySet<string>, shape: readonly number[], rows: RowInputs): Record<string, object> {
  const out: Record<string, object> = {};
  const add = (name: string, v: RowInputs['input_ids'] | undefined) => {
    if (v && inputs.has(name)) out[name] = { shape, data: Int32Array.from(v.flat()) };
  };
  add('inputIds', rows.input_ids);
  add('attentionMask', rows.attention_mask);
  add('tokenTypeIds', rows.token_type_ids);
  return out;
}

// Keeps the implementation and the declarations shipped as pipelines.d.ts in step (types only: no code).
type Implements<T extends Api.Pipelines> = T;
type Tokenizes<T extends Api.Tokenizer> = T;
export type Checked = [Implements<PipelineModel>, Tokenizes<BertTokenizerFast>];
