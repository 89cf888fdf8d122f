/**
 * The manifest and the glue emitted from it, without bundling: API names, loader names, and entries beyond
 * BertForMaskedLM (rank-3 inputs, a KV-cache step whose dims are sums, scalar outputs).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { emitGlue } from '../../../backends/glue/emit-glue.ts';
import { jsName, manifestOf, pascalName, rangeTexts } from '../../../backends/glue/manifest.ts';
import { compileGraph, optimizeGraph, parseSource } from '../../../compiler/pipeline.ts';
import { BERT_SOURCE, compileBert } from '../../specs/bert-helpers.ts';
import { SMALL } from './helpers.ts';

function glueOf(entry: string, config: Record<string, unknown> = {}, args: Record<string, unknown> = {}) {
  const graph = compileBert(entry, { ...SMALL, ...config }, args);
  const ranges = rangeTexts(parseSource(BERT_SOURCE), BERT_SOURCE.text, graph.entry);
  const manifest = manifestOf(graph, { source: 'specs/bert.dsl', target: 'cpu', ranges });
  return { manifest, files: emitGlue(manifest) };
}

test('API names: camelCase inputs and outputs, loader and types from the file and entry', () => {
  assert.is(jsName('input_ids'), 'inputIds');
  assert.is(jsName('past_key_values'), 'pastKeyValues');
  assert.is(jsName('logits'), 'logits');
  assert.is(jsName('x__y_2'), 'xY2');
  assert.is(pascalName('specs/bert.dsl'), 'Bert');
  assert.is(pascalName('/a/my-model_v2.dsl'), 'MyModelV2');
  assert.is(pascalName('3d.dsl'), 'Model3d');
});

test('rank-3 inputs (BertForMultipleChoice): nested types of depth 3, shape [B, C, S] in the docs', () => {
  const { manifest, files } = glueOf('BertForMultipleChoice');
  assert.equal(manifest.inputs[0]!.shape, ['B', 'C', 'S']);
  assert.match(files['index.ts'], /readonly inputIds: Int32Array \| readonly \(readonly \(readonly number\[\]\)\[\]\)\[\] \| InputTensor<'i32'>;/);
  assert.match(files['index.ts'], /model\.forward\(\{ inputIds: \[\[\[1, 2, 3\]\]\] \}\)/);
  assert.match(files['index.ts'], /\/\/ logits\.shape is \[1, 1\]/);
  assert.match(files['index.ts'], /export interface BertForMultipleChoice \{/);
});

test('two outputs (BertModel) and the declarations need no type checker', () => {
  const { files } = glueOf('BertModel');
  assert.match(files['index.ts'], /readonly lastHiddenState: Tensor<'f32'>;/);
  assert.match(files['index.ts'], /\/\*\* `pooler_output`: f32 `\[B, 24\]`\. \*\//);
  assert.match(files['index.d.ts'], /export declare const config: \{\n\s+readonly vocab_size: 97;/);
  assert.match(files['runtime.d.ts'], /export declare function openPackage</);
  assert.equal(JSON.parse(files['package.json']).exports['.'], { types: './index.d.ts', default: './index.js' });
});

test('a decode step: a fixed-size KV cache input, P + S dims, an example that passes the cache by name', () => {
  const graph = compileGraph(BERT_SOURCE, { entry: 'BertLMHeadModel', fn: 'decode', config: { ...SMALL, is_decoder: true } });
  const manifest = manifestOf(graph, { source: 'bert.dsl', target: 'cpu' });
  const glue = emitGlue(manifest)['index.ts'];
  assert.equal(manifest.inputs.map((i) => i.jsName), ['pastKeyValues', 'inputIds', 'attentionMask', 'tokenTypeIds']);
  assert.equal(manifest.inputs[2]!.shape, ['B', 'P + S']);
  assert.match(glue, /readonly pastKeyValues: Float32Array \| readonly \(readonly \(readonly \(readonly \(readonly \(readonly number\[\]\)\[\]\)\[\]\)\[\]\)\[\]\)\[\] \| InputTensor<'f32'>;/);
  assert.match(glue, /\/\*\* `past_key_values`: f32 `\[2, 2, B, 3, P \+ S, 8\]`\. \*\/\n  readonly pastKeyValues: Tensor<'f32'>;/);
  assert.match(glue, /export interface BertLMHeadModelDecodeInputs \{/);
  assert.match(glue, /model\.forward\(\{ pastKeyValues, inputIds: \[\[1, 2, 3\]\] \}\)/);
});

test('optional inputs: absent unless asked for (--with), then required; a loss is a scalar output', () => {
  const plain = manifestOf(compileBert('BertForSequenceClassification', { ...SMALL }), { source: 'bert.dsl', target: 'cpu' });
  assert.equal(plain.inputs.filter((i) => i.fill === undefined).map((i) => i.jsName), ['inputIds']);
  assert.equal(plain.outputs.map((o) => o.jsName), ['logits']);
  const graph = compileGraph(BERT_SOURCE, { entry: 'BertForSequenceClassification', config: { ...SMALL }, inputs: ['labels'] });
  const withLabels = manifestOf(graph, { source: 'bert.dsl', target: 'cpu' });
  assert.equal(withLabels.inputs.filter((i) => i.fill === undefined).map((i) => i.jsName), ['inputIds', 'labels']);
  assert.equal(withLabels.outputs.map((o) => [o.jsName, o.shape]), [['loss', []], ['logits', ['B', '2']]]);
  assert.match(emitGlue(withLabels)['index.ts'], /readonly labels: Int32Array \| readonly number\[\] \| InputTensor<'i32'>;/);
});

test.run();

test('a fused graph (joined QKV: derived parameters) lists the checkpoint tensors by their HF names, each once', () => {
  const graph = compileBert('BertModel', SMALL, {});
  const fusedManifest = manifestOf(optimizeGraph(graph).graph, { source: 'specs/bert.dsl', target: 'cpu', ranges: {} });
  const plain = manifestOf(graph, { source: 'specs/bert.dsl', target: 'cpu', ranges: {} });
  const names = (m: typeof plain) => m.params.map((p) => p.name);
  assert.ok(names(fusedManifest).every((n) => !n.startsWith('concat(')));
  assert.equal([...names(fusedManifest)].sort(), [...names(plain)].sort());
});
