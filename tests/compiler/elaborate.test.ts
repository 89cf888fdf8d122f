/**
 * Structure of the graphs elaborated from specs/bert.dsl: names, shapes, symbols, constraints, sharing, options.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Graph, graphNodes, graphParams } from '../../compiler/ir/graph.ts';
import { dimToString, shapeToString } from '../../compiler/ir/dim.ts';
import { Op } from '../../compiler/ir/ops.ts';
import { graphFromJson, graphToJson, printGraph } from '../../compiler/ir/print.ts';
import { validateGraph } from '../../compiler/ir/validate.ts';
import { compileGraph } from '../../compiler/pipeline.ts';
import { UserError } from '../../dsl/errors.ts';
import { BERT_SOURCE, compileBert } from '../specs/bert-helpers.ts';

const count = (g: Graph, op: Op) => graphNodes(g).filter((n) => n.op === op).length;
const outputShape = (g: Graph, name: string) => shapeToString(g.outputs.find((o) => o.name === name)!.node.shape);

test('BERT-base BertModel has HF\'s 199 tensors under HF\'s names', () => {
  const g = compileBert('BertModel', {});
  const names = graphParams(g).map((n) => n.arg['name'] as string);
  assert.is(names.length, 199);
  for (const n of [
    'embeddings.word_embeddings.weight',
    'embeddings.LayerNorm.weight',
    'encoder.layer.0.attention.self.query.weight',
    'encoder.layer.11.attention.output.LayerNorm.bias',
    'encoder.layer.5.intermediate.dense.weight',
    'encoder.layer.5.output.dense.bias',
    'pooler.dense.weight',
  ]) assert.ok(names.includes(n), n);
  assert.is(outputShape(g, 'last_hidden_state'), '[B, S, 768]');
  assert.is(outputShape(g, 'pooler_output'), '[B, 768]');
  assert.equal(g.symbols, ['B', 'S']);
  assert.equal(g.constraints.map((c) => [dimToString(c.dim), c.max]), [['S', 512]]);
});

test('identical subgraphs merge: one mask for all layers, one softmax per layer', () => {
  const g = compileBert('BertModel', { num_hidden_layers: 3 });
  assert.is(count(g, Op.Softmax), 3);
  assert.is(count(g, Op.Arange), 1);
  assert.is(count(g, Op.Expand), 1, 'the attention mask is built once');
});

test('heads: prefixes, tied decoder, outputs', () => {
  const g = compileBert('BertForPreTraining', { num_hidden_layers: 1 });
  const names = graphParams(g).map((n) => n.arg['name'] as string);
  assert.ok(names.includes('bert.embeddings.word_embeddings.weight'));
  assert.ok(names.includes('cls.predictions.transform.dense.weight'));
  assert.ok(names.includes('cls.seq_relationship.weight'));
  assert.not.ok(names.some((n) => n.includes('decoder.weight')), 'decoder weight is tied to the word embeddings');
  const bias = graphParams(g).find((n) => n.arg['name'] === 'cls.predictions.bias')!;
  assert.equal(bias.arg['aliases'], ['cls.predictions.decoder.bias']);
  assert.equal(g.outputs.map((o) => o.name), ['prediction_logits', 'seq_relationship_logits']);
  assert.is(outputShape(g, 'prediction_logits'), '[B, S, 30522]');

  const untied = graphParams(compileBert('BertForMaskedLM', { num_hidden_layers: 1, tie_word_embeddings: false })).map((n) => n.arg['name']);
  assert.ok(untied.includes('cls.predictions.decoder.weight'));
  const mlm = graphParams(compileBert('BertForMaskedLM', { num_hidden_layers: 1 })).map((n) => n.arg['name'] as string);
  assert.not.ok(mlm.some((n) => n.includes('pooler')), 'MaskedLM has no pooler, as in HF');
});

test('multiple choice flattens [B, C, S] with symbolic products', () => {
  const g = compileBert('BertForMultipleChoice', { num_hidden_layers: 1 });
  assert.equal(g.symbols, ['B', 'C', 'S']);
  assert.is(outputShape(g, 'logits'), '[B, C]');
  assert.ok(graphNodes(g).some((n) => n.shape.some((d) => dimToString(d) === 'B*C')));
});

test('config branches change the graph: relative positions, decoder mask, activation', () => {
  const rel = compileBert('BertModel', { num_hidden_layers: 1, position_embedding_type: 'relative_key_query' });
  assert.ok(graphParams(rel).some((n) => n.arg['name'] === 'encoder.layer.0.attention.self.distance_embedding.weight'));
  assert.not.ok(graphParams(rel).some((n) => n.arg['name'] === 'embeddings.position_embeddings.weight'));
  const dec = compileBert('BertModel', { num_hidden_layers: 1, is_decoder: true });
  assert.ok(count(dec, Op.Le) === 1, 'causal comparison');
  assert.is(count(compileBert('BertModel', { num_hidden_layers: 1, hidden_act: 'gelu_new' }), Op.GeluTanh), 1);
  assert.is(count(compileBert('BertModel', { num_hidden_layers: 1 }), Op.Gelu), 1);
});

test('entry arguments: add_pooling_layer = false drops the pooler output', () => {
  const g = compileBert('BertModel', { num_hidden_layers: 1 }, { add_pooling_layer: false });
  assert.equal(g.outputs.map((o) => o.name), ['last_hidden_state']);
});

test('inputs carry fills and ranges for run-time checks', () => {
  const g = compileBert('BertModel', { num_hidden_layers: 1, vocab_size: 99 });
  const byName = Object.fromEntries(g.inputs.map((n) => [n.arg['name'], n.arg]));
  assert.equal(byName['input_ids'], { name: 'input_ids', range: [0, 99] });
  assert.equal(byName['attention_mask'], { name: 'attention_mask', fill: 1, range: [0, 2] });
  assert.equal(byName['token_type_ids'], { name: 'token_type_ids', fill: 0, range: [0, 2] });
});

test('JSON round trip preserves the graph; every entry validates', () => {
  for (const entry of ['BertModel', 'BertForPreTraining', 'BertForMaskedLM', 'BertLMHeadModel', 'BertForNextSentencePrediction', 'BertForSequenceClassification', 'BertForMultipleChoice', 'BertForTokenClassification', 'BertForQuestionAnswering']) {
    const g = compileBert(entry, { num_hidden_layers: 2, position_embedding_type: 'relative_key' });
    validateGraph(g);
    const back = graphFromJson(JSON.parse(JSON.stringify(graphToJson(g))));
    assert.is(printGraph(back), printGraph(g), entry);
  }
});

test('bad config values and entries are user errors naming the cause', () => {
  assert.throws(() => compileBert('BertModel', { hidden_size: 'big' }), (e: unknown) => e instanceof UserError && /"hidden_size" must be an integer/.test((e as Error).message));
  assert.throws(() => compileBert('BertModel', { hidden_act: 'swishy' }), /must be one of/);
  assert.throws(() => compileBert('BertModle', {}), /unknown entry module 'BertModle' \(did you mean 'BertModel'\?\)/);
  assert.throws(() => compileBert('BertModel', { hidden_size: 100, num_attention_heads: 12 }), /hidden_size must be a multiple of num_attention_heads/);
  assert.throws(() => compileBert('BertForQuestionAnswering', { num_labels: 3 }), /question answering needs num_labels = 2/);
  assert.throws(() => compileGraph(BERT_SOURCE, { entry: 'BertModel', fn: 'backward' }), /has no function 'backward'/);
});

test('a *spread signature serves rank-2 and rank-3 callers', () => {
  const g = compileBert('BertForSequenceClassification', { num_hidden_layers: 1, num_labels: 5 });
  assert.is(outputShape(g, 'logits'), '[B, 5]');
});

test.run();
