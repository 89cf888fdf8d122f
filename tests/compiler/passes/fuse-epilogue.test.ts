/**
 * fuse-epilogue: the fused ops are in the graph (bias, residual, gelu/relu/silu/gelu_tanh) and the fused graph gives
 * the unfused graph's results on the CPU reference (the addends keep their order, so to the bit).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runGraph } from '../../../backends/cpu/index.ts';
import { graphNodes } from '../../../compiler/ir/graph.ts';
import { Op } from '../../../compiler/ir/ops.ts';
import { relativeError } from '../../specs/bert-helpers.ts';
import { bert, countOp, fused, inputsFor, weightsFor } from './helpers.ts';

test('BertModel: every Linear is one MatMulEpilogue; bias, residual and gelu are absorbed', () => {
  const g = bert('BertModel');
  const f = fused(g, { fuseAttention: false, fuseQkv: false, fuseNorm: false });
  const epi = graphNodes(f).filter((n) => n.op === Op.MatMulEpilogue);
  // per layer: q, k, v, attention output, intermediate, output; plus the pooler
  assert.is(epi.length, 6 * 2 + 1);
  assert.is(epi.filter((n) => n.src.length === 4).length, 2 * 2, 'dense + bias + residual');
  assert.is(epi.filter((n) => n.arg['act'] === Op.Gelu).length, 2);
  assert.is(countOp(f, Op.Gelu), 0);
  assert.is(countOp(f, Op.MatMul), countOp(g, Op.MatMul) - epi.length);
});

for (const act of ['gelu', 'gelu_new', 'relu']) {
  test(`fused = unfused on the CPU, bit for bit: hidden_act=${act}`, () => {
    const g = bert('BertForSequenceClassification', { hidden_act: act });
    const f = fused(g, { fuseAttention: false, fuseQkv: false, fuseNorm: false });
    assert.ok(countOp(f, Op.MatMulEpilogue) > 0);
    const weights = weightsFor(g, 5);
    const x = inputsFor(g, { B: 2, S: 6 }, 9);
    const want = runGraph(g, x, weights);
    const got = runGraph(f, x, weights);
    for (const name of Object.keys(want)) assert.equal(Array.from(got[name]!.data), Array.from(want[name]!.data), name);
  });
}

test('fuse-norm: dense + bias + residual + LayerNorm is one MatMulNorm; results within 1e-4', () => {
  const g = bert('BertModel', { intermediate_size: 37 });
  assert.is(countOp(fused(g, { fuseNorm: false }), Op.MatMulNorm), 0, 'switchable');
  const f = fused(g);
  assert.is(countOp(f, Op.MatMulNorm), 2 * 2);
  assert.is(countOp(f, Op.LayerNorm), 0, 'the embeddings LayerNorm is in an AddNorm');
  const weights = weightsFor(g, 2);
  const x = inputsFor(g, { B: 2, S: 5 }, 4);
  const want = runGraph(g, x, weights);
  const got = runGraph(f, x, weights);
  for (const name of Object.keys(want)) assert.ok(relativeError(got[name]!.data, want[name]!.data) <= 1e-4, name);
});

test.run();
