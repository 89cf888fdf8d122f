/**
 * `answer`: HF's question-answering pipeline for BertForQuestionAnswering. The question is paired with windows of the
 * context (`doc_stride` overlap, as HF's overflowing tokens); in each window every position that is not context is
 * masked to -10000 before the softmaxes ([CLS] takes part, then is zeroed), and the best span maximises
 * P(start)·P(end) over start ≤ end < start + maxAnswerLength (HF `decode_spans`). The answer is cut from the context
 * by character offsets, so it is always a piece of the context as written.
 */
import { UserError } from '../../dsl/errors.ts';
import type { Answer, AnswerOptions } from './api.ts';
import { checkOptions, checkPositiveInt, checkText, outputOf, softmax, type PipelineContext } from './common.ts';
import { tokenSpans, type TokenSpan } from './offsets.ts';

const MASKED = -10000;

interface Window {
  readonly from: number;
  readonly to: number;
}

/** Context windows of `room` tokens, each starting `room - stride` after the previous, the last reaching the end. */
function windows(n: number, room: number, stride: number): Window[] {
  const out: Window[] = [];
  for (let from = 0; ; from += room - stride) {
    out.push({ from, to: Math.min(n, from + room) });
    if (from + room >= n) return out;
  }
}

export async function answer(ctx: PipelineContext, question: unknown, context: unknown, options?: AnswerOptions): Promise<Answer> {
  const opts = checkOptions(options, ['maxAnswerLength', 'maxSeqLength', 'docStride'], 'answer');
  const maxAnswer = checkPositiveInt(opts.maxAnswerLength ?? 30, 'answer: maxAnswerLength');
  const maxLen = Math.min(checkPositiveInt(opts.maxSeqLength ?? 384, 'answer: maxSeqLength'), ctx.maxLength);
  const tok = ctx.tokenizer;
  const q = tok.textToIds(checkText(question, 'answer: question'));
  const text = checkText(context, 'answer: context');
  const spans = tokenSpans(tok, text);
  if (spans.length === 0) throw new UserError('answer: context has no tokens');
  const room = maxLen - q.length - 3; // [CLS] question [SEP] context [SEP]
  if (room < 1) throw new UserError(`answer: the question is ${q.length} tokens long, which leaves no room for the context in ${maxLen}`);
  const stride = Math.min(opts.docStride === undefined ? 128 : checkPositiveInt(opts.docStride, 'answer: docStride'), Math.floor(room / 2));
  const ws = windows(spans.length, room, stride);
  const ids = ws.map((w) => tok.buildInputsWithSpecialTokens(q, spans.slice(w.from, w.to).map((s) => s.id)));
  const width = Math.max(...ids.map((r) => r.length));
  const pad = (row: readonly number[], v: number) => [...row, ...Array<number>(width - row.length).fill(v)];
  const out = await ctx.run([ws.length, width], {
    input_ids: ids.map((r) => pad(r, tok.padTokenId ?? 0)),
    attention_mask: ids.map((r) => pad(r.map(() => 1), 0)),
    token_type_ids: ids.map((r) => pad(tok.createTokenTypeIdsFromSequences(q, r.slice(q.length + 2, -1)), 0)),
  });
  const startLogits = outputOf(out, ['startLogits'], ctx).data;
  const endLogits = outputOf(out, ['endLogits'], ctx).data;
  let best: { score: number; start: TokenSpan; end: TokenSpan } | undefined;
  ws.forEach((w, b) => {
    const first = q.length + 2; // the window's first context position
    const last = first + (w.to - w.from) - 1;
    const masked = (logits: ArrayLike<number>) => {
      const row = Float64Array.from({ length: width }, (_, p) => (p === 0 || (p >= first && p <= last) ? logits[b * width + p]! : MASKED));
      const probs = softmax(row, 0, width);
      probs[0] = 0;
      return probs;
    };
    const [ps, pe] = [masked(startLogits), masked(endLogits)];
    for (let s = first; s <= last; s++) {
      for (let e = s; e <= Math.min(last, s + maxAnswer - 1); e++) {
        const score = ps[s]! * pe[e]!;
        if (!best || score > best.score) best = { score, start: spans[w.from + s - first]!, end: spans[w.from + e - first]! };
      }
    }
  });
  const { score, start, end } = best!;
  return { answer: text.slice(start.start, end.end), score, start: start.start, end: end.end };
}
