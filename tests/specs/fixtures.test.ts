/**
 * The shared fixtures (../shared/fixtures): checkpoints and float64 outputs from an implementation independent of
 * this project. BertForPreTraining and BertModel on them must reach relative error ≤ 1e-5 on every output.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { inputsOf, loadBertFolder, readTensors, relativeError } from './bert-helpers.ts';

const FIXTURES = new URL('../../../shared/fixtures/', import.meta.url).pathname;
const folders = existsSync(FIXTURES) ? readdirSync(FIXTURES).filter((f) => existsSync(join(FIXTURES, f, 'model.safetensors'))) : [];

if (folders.length === 0) {
  console.log(`fixtures: none found at ${FIXTURES}; skipping`);
  test.skip('shared fixtures (absent on this machine)', () => {});
}

for (const folder of folders) {
  const dir = join(FIXTURES, folder);
  const expected = readTensors(join(dir, 'expected.safetensors'));
  const cases: [entry: string, outputs: Record<string, string>][] = [
    ['BertForPreTraining', { prediction_logits: 'prediction_logits', seq_relationship_logits: 'seq_relationship_logits' }],
    ['BertModel', { last_hidden_state: 'last_hidden_state', pooler_output: 'pooler_output' }],
  ];
  for (const [entry, names] of cases) {
    test(`fixture ${folder}: ${entry}`, () => {
      const outputs = loadBertFolder(dir, entry).forward(inputsOf(dir));
      for (const [ours, theirs] of Object.entries(names)) {
        const want = expected.get(theirs)!;
        assert.ok(want, `fixture has ${theirs}`);
        assert.equal(outputs[ours]!.shape, want.shape);
        const err = relativeError(outputs[ours]!.data, want.data);
        assert.ok(err <= 1e-5, `${ours}: relative error ${err.toExponential(2)}`);
      }
    });
  }
}

test.run();
