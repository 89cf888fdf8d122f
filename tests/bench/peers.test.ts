/**
 * The peer benchmark races the right thing: the ONNX model it builds from a checkpoint (independently of our graph
 * IR), run by ONNX Runtime and by transformers.js from a local model folder, equals our CPU reference on the same
 * random weights and inputs (odd sizes, a padded row, both token types) within 1e-4.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import onnxProto from 'onnx-proto';
import { ortNode } from '../../scripts/bench/peers/ort-node.ts';
import { oursCpuReference } from '../../scripts/bench/peers/ours.ts';
import { peerTable, type PeerRow } from '../../scripts/bench/peers/rows.ts';
import { makeSameModel, relError, type SameModel } from '../../scripts/bench/peers/same-model.ts';
import { transformersJs } from '../../scripts/bench/peers/transformers-js.ts';
import { SWIFTSHADER_ICD } from '../../runtime/webgpu/index.ts';

const TINY = { hidden: 24, layers: 2, heads: 3, intermediate: 37, seq: 11, batch: 2, vocab: 97 };
const inCI = (): boolean => /^(1|true|yes)$/i.test(process.env['CI'] ?? '');

let root: string;
let model: SameModel;
let want: Float32Array;

test.before(() => {
  root = mkdtempSync(join(tmpdir(), 'dslc-peers-test-'));
  model = makeSameModel(join(root, 'bert'), TINY, 17);
  want = oursCpuReference(model);
});
test.after(() => rmSync(root, { recursive: true, force: true }));

test('the inputs have a padded row and both token types, so the mask and type embeddings matter', () => {
  assert.ok(model.inputs['attention_mask']!.data.includes(0));
  assert.ok(model.inputs['token_type_ids']!.data.includes(1));
  assert.ok(model.inputs['input_ids']!.data.every((v) => v > 0 && v < TINY.vocab));
});

test('the ONNX model is HF-export shaped: LayerNormalization, Erf GELU, Softmax, one MatMul per Linear', () => {
  const m = onnxProto.onnx.ModelProto.decode(model.onnx);
  const nodes = m.graph?.node ?? [];
  const count = (op: string) => nodes.filter((n) => n.opType === op).length;
  assert.is(count('LayerNormalization'), 1 + 2 * TINY.layers);
  assert.is(count('Erf'), TINY.layers);
  assert.is(count('Softmax'), TINY.layers);
  assert.is(count('MatMul'), 8 * TINY.layers); // q, k, v, out, up, down + two attention matmuls
  assert.equal((m.graph?.output ?? []).map((o) => o.name), ['last_hidden_state']);
});

test('onnxruntime-node (cpu) runs the ONNX model to our CPU reference within 1e-4', async () => {
  const ort = await ortNode(model.onnx, model.inputs, 'cpu');
  try {
    const got = await ort.run();
    const err = relError(got, want);
    assert.ok(err <= 1e-4, `relative error ${err.toExponential(2)}`);
  } finally {
    await ort.close();
  }
});

test('transformers.js loads the local model folder (no hub) and matches our CPU reference within 1e-4', async () => {
  const tjs = await transformersJs(model.dir, model.inputs, 'cpu');
  try {
    const err = relError(await tjs.run(), want);
    assert.ok(err <= 1e-4, `relative error ${err.toExponential(2)}`);
  } finally {
    await tjs.close();
  }
});

test('onnxruntime-node (webgpu EP, on SwiftShader) matches our CPU reference within 1e-4', async () => {
  if (!process.env['VK_ICD_FILENAMES'] && !existsSync(SWIFTSHADER_ICD)) {
    if (inCI()) assert.unreachable(`CI is set and ${SWIFTSHADER_ICD} is missing (scripts/setup.sh installs chromium)`);
    console.log(`\n  SKIPPING onnxruntime's webgpu EP (set CI=true to make this a failure): no Vulkan driver chosen and ${SWIFTSHADER_ICD} is missing`);
    return;
  }
  // the driver ORT's Dawn loads: SwiftShader unless one was chosen (restored after, for the tests that follow)
  const chosen = process.env['VK_ICD_FILENAMES'];
  process.env['VK_ICD_FILENAMES'] ??= SWIFTSHADER_ICD;
  try {
    const ort = await ortNode(model.onnx, model.inputs, 'webgpu');
    try {
      const err = relError(await ort.run(), want);
      assert.ok(err <= 1e-4, `relative error ${err.toExponential(2)}`);
    } finally {
      await ort.close();
    }
  } finally {
    if (chosen === undefined) delete process.env['VK_ICD_FILENAMES'];
  }
});

test('the table prints ratios ours/theirs, and marks a peer on another device instead of a same-adapter ratio', () => {
  const row = (peer: string, sameAdapter: boolean): PeerRow => ({ peer, workload: 'w', device: 'd', theirsMs: 200, oursMs: 50, sameAdapter, relError: 3e-7, notes: '' });
  const lines = peerTable([row('same', true), row('cpu', false)]).split('\n');
  assert.match(lines[2]!, /\| 0\.25 +\|/);
  assert.match(lines[3]!, /\(0\.3, other device\)/);
  assert.match(lines[2]!, /3\.0e-7/);
});

test.run();
