/**
 * `tokenClassify`: HF's token-classification ("ner") pipeline for BertForTokenClassification, with its `none` and
 * `simple` aggregation strategies (`gather_pre_entities`, `aggregate`, `group_entities`), offsets from offsets.ts.
 */
import { UserError } from '../../dsl/errors.ts';
import type { EntityGroup, TokenClassifyOptions, TokenEntity } from './api.ts';
import { argmax, checkChoice, checkOptions, checkText, outputOf, softmax, type PipelineContext } from './common.ts';
import { tokenSpans } from './offsets.ts';

/** HF `get_tag`: `B-PER` → [B, PER]; a label without a B-/I- prefix continues like an I-. */
function tag(entity: string): [string, string] {
  if (entity.startsWith('B-') || entity.startsWith('I-')) return [entity[0]!, entity.slice(2)];
  return ['I', entity];
}

/** HF `group_sub_entities`: the entity type without its prefix, the mean score, the tokens joined back into text. */
function group(ctx: PipelineContext, run: readonly TokenEntity[]): EntityGroup {
  const score = run.reduce((s, e) => s + e.score, 0) / run.length;
  const word = ctx.tokenizer.convertTokensToString(run.map((e) => e.word));
  return { entityGroup: tag(run[0]!.entity)[1], score, word, start: run[0]!.start, end: run.at(-1)!.end };
}

/** HF `group_entities`: a token joins the previous group when its type matches and it does not begin a new one (B-). */
export function groupEntities(ctx: PipelineContext, entities: readonly TokenEntity[]): EntityGroup[] {
  const groups: EntityGroup[] = [];
  let run: TokenEntity[] = [];
  for (const e of entities) {
    const [bi, type] = tag(e.entity);
    if (run.length > 0 && (type !== tag(run.at(-1)!.entity)[1] || bi === 'B')) {
      groups.push(group(ctx, run));
      run = [];
    }
    run.push(e);
  }
  if (run.length > 0) groups.push(group(ctx, run));
  return groups;
}

export async function tokenClassify(ctx: PipelineContext, text: unknown, options?: TokenClassifyOptions): Promise<TokenEntity[] | EntityGroup[]> {
  const opts = checkOptions(options, ['aggregation', 'ignoreLabels'], 'tokenClassify');
  const aggregation = checkChoice(opts.aggregation, ['none', 'simple'], 'none', 'tokenClassify: aggregation');
  const ignore = opts.ignoreLabels ?? ['O'];
  if (!Array.isArray(ignore) || ignore.some((l) => typeof l !== 'string')) throw new UserError('tokenClassify: ignoreLabels must be an array of label strings');
  const str = checkText(text, 'tokenClassify: text');
  const tok = ctx.tokenizer;
  // Long texts are cut to what the model takes, as HF's pipeline does without a stride.
  const spans = tokenSpans(tok, str).slice(0, ctx.maxLength - 2);
  const ids = tok.buildInputsWithSpecialTokens(spans.map((s) => s.id));
  const logits = outputOf(await ctx.run([1, ids.length], { input_ids: [ids] }), ['logits'], ctx);
  const n = logits.shape[2]!;
  const special = tok.config.allSpecialIds;
  const entities: TokenEntity[] = spans.flatMap((s, k) => {
    // Special tokens written in the text ([MASK]) are no entities: HF's special_tokens_mask skips them too.
    if (special.has(s.id) && s.id !== tok.unkTokenId) return [];
    const index = k + 1; // after [CLS]
    const scores = softmax(logits.data, index * n, n);
    const best = argmax(scores);
    // HF shows an [UNK] as the text it stands for, so a grouped entity still reads as the input did.
    const word = s.id === tok.unkTokenId ? str.slice(s.start, s.end) : tok.convertIdsToTokens(s.id);
    return [{ entity: ctx.label(best), score: scores[best]!, index, word, start: s.start, end: s.end }];
  });
  if (aggregation === 'none') return entities.filter((e) => !ignore.includes(e.entity));
  return groupEntities(ctx, entities).filter((g) => !ignore.includes(g.entityGroup));
}
