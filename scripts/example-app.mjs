// An app that uses a package built by `dslc build` (see scripts/example.sh): plain JavaScript run by plain `node`,
// importing only the generated folder. It ends by checking its logits against `dslc run`, so the example checks itself.
//
//   node scripts/example-app.mjs [CHECKPOINT_DIR]      (default .cache/example-bert)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadBert, UserError } from '../generated/bert/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const checkpoint = process.argv[2] ?? `${root}.cache/example-bert`;

// Load, reporting progress as the tensors are read.
const started = performance.now();
const model = await loadBert(checkpoint, {
  onProgress: ({ done, total }) => {
    if (process.stdout.isTTY) process.stdout.write(`\rloading weights ${done}/${total}`);
    else if (done === total) process.stdout.write(`loading weights ${done}/${total}`);
  },
});
console.log(` (${(performance.now() - started).toFixed(0)} ms)`);
console.log(`model: ${model.manifest.entry}, vocab ${model.config.vocab_size}, hidden ${model.config.hidden_size}, ${model.config.num_hidden_layers} layers`);

// A batch of two rows of different lengths: the shorter is padded with 0 and masked out.
const rows = [
  [2, 15, 87, 4, 311, 3],
  [2, 99, 4, 3],
];
const length = Math.max(...rows.map((r) => r.length));
const inputIds = rows.map((r) => [...r, ...Array(length - r.length).fill(0)]);
const attentionMask = rows.map((r) => Array.from({ length }, (_, i) => (i < r.length ? 1 : 0)));

const { logits } = await model.forward({ inputIds, attentionMask });
const [B, S, V] = logits.shape;
console.log(`logits: ${logits.dtype} [${logits.shape.join(', ')}]  (batch ${B}, sequence ${S}, vocabulary ${V})`);

// Top-5 predictions at the position of token 4 (standing in for [MASK]) in each row.
for (let b = 0; b < B; b++) {
  const pos = rows[b].indexOf(4);
  const scores = logits.data.subarray((b * S + pos) * V, (b * S + pos + 1) * V);
  const top = [...scores.keys()].sort((i, j) => scores[j] - scores[i]).slice(0, 5);
  console.log(`  row ${b}, position ${pos}: top-5 ${top.map((id) => `${id} (${scores[id].toFixed(4)})`).join(', ')}`);
}

// Mistakes come back as UserErrors that name the argument.
try {
  await model.forward({ inputIds: [[2, 15, 87], [2, 99]] });
} catch (e) {
  console.log(`a ragged batch is refused: ${e instanceof UserError ? e.message : e}`);
}
model.dispose();

// Self-check, not part of a normal app: the CLI's reference run must give the same logits.
const ids = inputIds.map((r) => r.join(',')).join(';');
const mask = attentionMask.map((r) => r.join(',')).join(';');
const run = spawnSync(process.execPath, [`${root}bin/dslc.js`, 'run', `${root}generated/bert`, '--weights', checkpoint, '--ids', ids, '--mask', mask, '--json'], {
  encoding: 'utf8',
  maxBuffer: 1 << 28,
});
if (run.status !== 0) throw new Error(`dslc run failed:\n${run.stderr}`);
const expected = JSON.parse(run.stdout).logits;
let maxDiff = 0;
for (let i = 0; i < expected.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(expected.data[i] - logits.data[i]));
const same = expected.shape.join() === logits.shape.join() && expected.data.length === logits.data.length && maxDiff <= 1e-6;
console.log(`check: \`dslc run\` on the same batch gives ${same ? 'the same' : 'DIFFERENT'} logits (max |difference| ${maxDiff.toExponential(1)}, tolerance 1e-6)`);
if (!same) process.exit(1);
