// The README's "Using the generated package" examples, runnable: plain node, importing only generated packages. Each
// block between `// README <name>` and `// README end` is quoted verbatim in the README (a test holds them equal).
// The checkpoints are tiny and random (scripts/examples/pipelines-setup.ts), so the predictions are noise; the shapes,
// labels, offsets and errors are what a real checkpoint gives.
//
//   npm run example:pipelines        (builds into .cache/pipelines, then runs this)
//   node scripts/examples/pipelines.mjs [DIR]
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = resolve(process.argv[2] ?? '.cache/pipelines');
/** The package built for `entry` (its loadBert and UserError) and the checkpoint folder it loads. */
const pkg = async (entry) => ({ ...(await import(pathToFileURL(join(dir, entry, 'pkg/index.js')).href)), checkpoint: join(dir, entry, 'ckpt') });
const show = (label, value) => console.log(`${label}:`, JSON.stringify(value, (_, v) => (typeof v === 'number' ? Number(v.toFixed(4)) : v)));
const check = (ok, what) => {
  if (!ok) throw new Error(`example check failed: ${what}`);
};

{
  const { loadBert, UserError, checkpoint } = await pkg('BertForMaskedLM');
  // README fillMask
  const model = await loadBert(checkpoint); // a BertForMaskedLM package; the folder holds tokenizer.json
  const [candidates] = await model.fillMask('Paris is the [MASK] of France.', { topK: 3 });
  for (const { tokenStr, score, sequence } of candidates) console.log(tokenStr, score.toFixed(3), sequence);
  // a trained model prints e.g.  capital 0.9… paris is the capital of france.
  // README end
  show('fillMask', candidates);
  check(candidates.length === 3 && candidates[0].score >= candidates[2].score, 'three candidates, best first');
  // README errors
  try {
    await model.fillMask('No mask here.');
  } catch (e) {
    console.log(e instanceof UserError, e.message); // true fillMask: the text has no [MASK] token; …
  }
  // README end
  model.dispose();
}

{
  const { loadBert, checkpoint } = await pkg('BertForSequenceClassification');
  // README classify
  const model = await loadBert(checkpoint); // config.json: "id2label": { "0": "NEGATIVE", "1": "POSITIVE" }
  const [best] = await model.classify('I loved this film!'); // { label: 'POSITIVE', score: … }
  const all = await model.classify({ text: 'Is it raining?', textPair: 'The sun is out.' }, { topK: 2 });
  const batch = await model.classify(['Great!', 'A bad film.', ['Is it raining?', 'The sun is out.']]);
  // README end
  show('classify', { best, all, batch });
  check(['NEGATIVE', 'POSITIVE'].includes(best.label) && all.length === 2 && batch.length === 3, 'labels from id2label');
  model.dispose();
}

{
  const { loadBert, checkpoint } = await pkg('BertForTokenClassification');
  // README tokenClassify
  const model = await loadBert(checkpoint); // id2label: O, B-PER, I-PER, B-LOC, I-LOC
  const text = 'My name is Wolfgang and I live in Berlin.';
  const tokens = await model.tokenClassify(text); // [{ entity, score, index, word, start, end }, …]
  const groups = await model.tokenClassify(text, { aggregation: 'simple' }); // [{ entityGroup, score, word, start, end }, …]
  for (const g of groups) console.log(g.entityGroup, JSON.stringify(text.slice(g.start, g.end)), g.score.toFixed(3));
  // README end
  show('tokenClassify', { tokens: tokens.slice(0, 3), groups });
  check(tokens.every((t) => text.slice(t.start, t.end).toLowerCase() === t.word.replace(/^##/, '')), 'offsets point at the words');
  model.dispose();
}

{
  const { loadBert, checkpoint } = await pkg('BertForQuestionAnswering');
  // README answer
  const model = await loadBert(checkpoint);
  const context = 'My name is Sarah and I live in London.';
  const { answer, score, start, end } = await model.answer('Where does Sarah live?', context, { maxAnswerLength: 5 });
  console.log(answer, score.toFixed(3), context.slice(start, end) === answer); // a piece of the context, always
  // README end
  show('answer', { answer, score, start, end });
  check(context.slice(start, end) === answer && answer.length > 0, 'the answer is cut from the context');
  model.dispose();
}

{
  const { loadBert, checkpoint } = await pkg('BertForMultipleChoice');
  // README chooseAnswer
  const model = await loadBert(checkpoint);
  const { index, choice, scores } = await model.chooseAnswer('The cat sat on the', ['mat.', 'moon.', 'big red house.']);
  console.log(index, choice, scores); // scores: a softmax over the three choices
  // README end
  show('chooseAnswer', { index, choice, scores });
  check(scores.length === 3 && Math.abs(scores.reduce((a, b) => a + b) - 1) < 1e-9, 'a softmax over the choices');
  model.dispose();
}

{
  const { loadBert, checkpoint } = await pkg('BertForNextSentencePrediction');
  // README nextSentence
  const model = await loadBert(checkpoint);
  const { isNext, score } = await model.nextSentence('I went to the shop.', 'I bought some milk.');
  console.log(isNext, score); // score: the probability that the second sentence follows the first
  // README end
  show('nextSentence', { isNext, score });
  check(isNext === score >= 0.5, 'isNext agrees with its probability');
  model.dispose();
}

{
  const { loadBert, checkpoint } = await pkg('BertModel');
  // README embed
  const model = await loadBert(checkpoint);
  const [a, b] = await model.embed(['The quick brown fox.', 'A dog sat on the mat.'], { pooling: 'mean', normalize: true });
  const cosine = a.reduce((sum, x, i) => sum + x * b[i], 0);
  const cls = await model.embed('The quick brown fox.', { pooling: 'cls' }); // Float32Array(hidden_size)
  const ids = model.tokenizer.encode('The quick brown fox.').input_ids; // the tokenizer, for apps that need it
  // README end
  show('embed', { dims: a.length, cosine, cls: cls.length, ids });
  check(a.length === model.config.hidden_size && Math.abs(Math.hypot(...a) - 1) < 1e-5, 'unit vectors of hidden_size');
  model.dispose();
}
console.log('all pipeline examples ran');
