/**
 * fuse-qkv: query, key and value (and cross-attention's key and value) become one matmul against a derived,
 * load-time-concatenated parameter; the attention reads that product packed; checkpoints keep HF's names; fused and
 * unfused graphs agree on the CPU reference.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadParam } from '../../../backends/cpu/bind.ts';
import { dimValue } from '../../../compiler/ir/dim.ts';
import { graphNodes, graphParams, type ParamArg } from '../../../compiler/ir/graph.ts';
import { Op } from '../../../compiler/ir/ops.ts';
import { UserError } from '../../../dsl/errors.ts';
import { expectedParams } from '../../../runtime/cpu-model.ts';
import { assertFusedMatches, bert, countOp, fused, SMALL, weightsFor } from './helpers.ts';

const H = SMALL.hidden_size;

test('BertModel: one QKV matmul per layer on a [3H, H] derived weight; attention packed; no slices left', () => {
  const g = bert('BertModel');
  const f = fused(g);
  const derived = graphParams(f).filter((n) => (n.arg as unknown as ParamArg).concat);
  assert.is(derived.length, 2 * 2, 'weight and bias per layer');
  const w = derived.find((n) => n.shape.length === 2)!;
  assert.equal(w.shape.map(dimValue), [3 * H, H]);
  assert.equal((w.arg as unknown as ParamArg).concat!.parts.map((p) => p.name), ['query', 'key', 'value'].map((m) => `encoder.layer.0.attention.self.${m}.weight`));
  const att = graphNodes(f).filter((n) => n.op === Op.Attention);
  assert.ok(att.every((n) => n.arg['packed'] === true && n.src[0] === n.src[1] && n.src[1] === n.src[2]));
  assert.is(countOp(f, Op.Slice), countOp(fused(g, { fuseQkv: false }), Op.Slice), 'the q/k/v slices are read in place');
  assert.is(countOp(f, Op.MatMulEpilogue), countOp(fused(g, { fuseQkv: false }), Op.MatMulEpilogue) - 2 * 2);
  assert.is(countOp(fused(g, { fuseQkv: false }), Op.Param), countOp(g, Op.Param));
});

test('cross-attention: every layer reads the same encoder states, so all their keys and values are one matmul', () => {
  const g = bert('BertLMHeadModel', { is_decoder: true, add_cross_attention: true }, ['encoder_hidden_states']);
  const parts = graphParams(fused(g)).flatMap((n) => ((n.arg as unknown as ParamArg).concat ? [(n.arg as unknown as ParamArg).concat!.parts.length] : []));
  assert.equal(parts.sort(), [3, 3, 3, 3, 4, 4], 'q, k, v per layer (weight, bias); k, v of both layers (weight, bias)');
});

test('checkpoints keep HF names: the expected parameters are the same with and without the pass', () => {
  const g = bert('BertModel');
  const names = (x: typeof g) => expectedParams(x).map((p) => p.name).sort();
  assert.equal(names(fused(g)), names(g));
});

test('the derived weight is concatenated at load time, and a missing part is named', () => {
  const g = bert('BertModel');
  const weights = weightsFor(g, 1);
  const w = graphParams(fused(g)).find((n) => (n.arg as unknown as ParamArg).concat && n.shape.length === 2)!;
  const data = loadParam(w, [3 * H, H], weights).data;
  const prefix = 'encoder.layer.0.attention.self.';
  assert.equal(Array.from(data.subarray(H * H, 2 * H * H)), Array.from(weights.get(`${prefix}key.weight`)!));
  weights.delete(`${prefix}value.weight`);
  assert.throws(() => loadParam(w, [3 * H, H], weights), (e: Error) => e instanceof UserError && e.message.includes(`${prefix}value.weight`));
});

const CASES: [string, Record<string, unknown>, string[], string | undefined, Record<string, number>][] = [
  ['BertModel', { position_embedding_type: 'absolute' }, [], undefined, { B: 2, S: 7 }],
  ['BertModel', { position_embedding_type: 'relative_key_query' }, [], undefined, { B: 2, S: 6 }],
  ['BertLMHeadModel', { is_decoder: true, add_cross_attention: true, position_embedding_type: 'relative_key' }, ['encoder_hidden_states'], undefined, { B: 2, S: 5, T: 3 }],
  ['BertLMHeadModel', { is_decoder: true }, [], 'decode', { B: 2, S: 3, P: 4 }],
];

for (const [entry, config, inputs, fn, env] of CASES) {
  test(`all passes = unfused on the CPU (≤ 1e-4): ${entry}${fn ? `.${fn}` : ''} ${JSON.stringify(config)}`, () => {
    const g = bert(entry, config, inputs, fn);
    const f = fused(g);
    assert.ok(graphParams(f).some((n) => (n.arg as unknown as ParamArg).concat), 'qkv fused');
    assertFusedMatches(g, f, env);
  });
}

test.run();
