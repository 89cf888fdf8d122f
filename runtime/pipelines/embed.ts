/**
 * `embed`: one vector per text from BertModel (HF's feature-extraction pipeline plus the usual poolings): the [CLS]
 * hidden state, the mean over real tokens (padding excluded by the attention mask, as sentence-transformers does), or
 * BERT's pooler output.
 */
import { UserError } from '../../dsl/errors.ts';
import type { EmbedOptions } from './api.ts';
import { checkChoice, checkOptions, checkText, outputOf, type PipelineContext } from './common.ts';

export async function embed(ctx: PipelineContext, input: unknown, options?: EmbedOptions): Promise<Float32Array | Float32Array[]> {
  const opts = checkOptions(options, ['pooling', 'normalize'], 'embed');
  const pooling = checkChoice(opts.pooling, ['cls', 'mean', 'pooler'], 'mean', 'embed: pooling');
  if (opts.normalize !== undefined && typeof opts.normalize !== 'boolean') throw new UserError(`embed: normalize must be true or false, got ${JSON.stringify(opts.normalize)}`);
  const batch = Array.isArray(input);
  const texts = batch ? (input as unknown[]).map((t, k) => checkText(t, `embed: texts[${k}]`)) : [checkText(input, 'embed: text')];
  if (texts.length === 0) return [];
  const enc = ctx.tokenizer.encodeBatch(texts, { padding: true, truncation: true, maxLength: ctx.maxLength });
  const S = enc.input_ids[0]!.length;
  const out = await ctx.run([texts.length, S], enc);
  let vectors: Float32Array[];
  if (pooling === 'pooler') {
    if (!out['poolerOutput']) throw new UserError("embed: pooling 'pooler' needs BERT's pooler, and this package was built with add_pooling_layer=false");
    const pooled = out['poolerOutput'];
    const H = pooled.shape[1]!;
    vectors = texts.map((_, b) => Float32Array.from(pooled.data.subarray(b * H, (b + 1) * H)));
  } else {
    const hidden = outputOf(out, ['lastHiddenState'], ctx);
    const H = hidden.shape[2]!;
    vectors = texts.map((_, b) => {
      if (pooling === 'cls') return Float32Array.from(hidden.data.subarray(b * S * H, b * S * H + H));
      const sum = new Float64Array(H);
      const mask = enc.attention_mask![b]!;
      let count = 0;
      for (let s = 0; s < S; s++) {
        if (!mask[s]) continue;
        count++;
        for (let h = 0; h < H; h++) sum[h] += hidden.data[(b * S + s) * H + h]!;
      }
      return Float32Array.from(sum, (x) => x / count);
    });
  }
  if (opts.normalize) {
    for (const v of vectors) {
      let sq = 0;
      for (const x of v) sq += x * x;
      const norm = Math.sqrt(sq);
      // A zero vector stays zero rather than becoming NaN (torch's F.normalize clamps the norm the same way).
      if (norm > 0) for (let h = 0; h < v.length; h++) v[h] = v[h]! / norm;
    }
  }
  return batch ? vectors : vectors[0]!;
}
