/**
 * `fillMask`: HF's fill-mask pipeline (`FillMaskPipeline.postprocess`) for BertForMaskedLM and BertForPreTraining.
 */
import { UserError } from '../../dsl/errors.ts';
import type { FillMaskCandidate, FillMaskOptions } from './api.ts';
import { checkLength, checkOptions, checkPositiveInt, checkText, outputOf, softmax, topIndices, type PipelineContext } from './common.ts';
import { LOGITS_OUTPUT } from './tasks.ts';

export async function fillMask(ctx: PipelineContext, text: unknown, options?: FillMaskOptions): Promise<FillMaskCandidate[][]> {
  const opts = checkOptions(options, ['topK'], 'fillMask');
  const topK = checkPositiveInt(opts.topK ?? 5, 'fillMask: topK');
  const tok = ctx.tokenizer;
  const maskId = tok.maskTokenId;
  if (maskId === undefined) throw new UserError('fillMask: this tokenizer has no mask token (tokenizer_config.json sets mask_token to null)');
  const mask = tok.convertIdsToTokens(maskId);
  const ids = tok.encode(checkText(text, 'fillMask: text')).input_ids;
  const positions = ids.flatMap((id, p) => (id === maskId ? [p] : []));
  if (positions.length === 0) {
    throw new UserError(`fillMask: the text has no ${mask} token; write ${mask} where a word is to be predicted, e.g. "Paris is the ${mask} of France."`);
  }
  checkLength(ids.length, ctx, 'fillMask: text');
  const logits = outputOf(await ctx.run([1, ids.length], { input_ids: [ids] }), LOGITS_OUTPUT['fillMask']!, ctx);
  const vocab = logits.shape[2]!;
  // HF decodes a single mask's sequence without special tokens; with several it keeps them all, [CLS] and [SEP]
  // included. Here the other masks stay (so each candidate shows where it goes) but [CLS]/[SEP]/[PAD] do not.
  const frame = new Set([tok.clsTokenId, tok.sepTokenId, tok.padTokenId]);
  return positions.map((p) => {
    const probs = softmax(logits.data, p * vocab, vocab);
    return topIndices(probs, topK).map((token) => {
      const filled = ids.map((id, q) => (q === p ? token : id));
      const sequence =
        positions.length === 1 ? tok.decode(filled, { skipSpecialTokens: true }) : tok.decode(filled.filter((id, q) => q === p || !frame.has(id)));
      return { score: probs[token]!, token, tokenStr: tok.decode([token]), sequence };
    });
  });
}
