/**
 * fuse-add-norm: BERT's embeddings (three lookups, their sum, the LayerNorm) become one AddNorm whose gathered terms
 * the schedule does not materialise, so the embeddings are one launch besides the position ids' arange; results
 * equal the unfused graph's on the CPU reference, bit for bit (the adds keep their order).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runGraph } from '../../../backends/cpu/index.ts';
import { graphNodes } from '../../../compiler/ir/graph.ts';
import { Op } from '../../../compiler/ir/ops.ts';
import { scheduleGraph } from '../../../compiler/kernel/schedule.ts';
import { bert, countOp, fused, inputsFor, weightsFor } from './helpers.ts';

test('embeddings: gathers + sum + LayerNorm → one AddNorm reading three tables; one launch for it', () => {
  const g = bert('BertModel');
  const f = fused(g);
  const [norm, ...more] = graphNodes(f).filter((n) => n.op === Op.AddNorm);
  assert.ok(norm && more.length === 0, 'one AddNorm');
  assert.equal(norm!.src.slice(0, -2).map((s) => s.op), [Op.Gather, Op.Gather, Op.Gather]);
  assert.is(countOp(f, Op.LayerNorm), 0);
  const launches = scheduleGraph(f).launches.map((l) => l.kernel.name);
  assert.is(launches.filter((n) => n.startsWith('gather')).length, 0, 'the gathers are read in the kernel');
  assert.equal(launches.filter((n) => n.startsWith('add_norm')), ['add_norm_f32_gga'], 'word and token type ids bound, positions from the row');
  assert.is(launches.length, scheduleGraph(fused(g, { fuseAddNorm: false })).launches.length - 6, 'three gathers, an arange, two adds and a LayerNorm: one launch');
  assert.is(countOp(fused(g, { fuseAddNorm: false }), Op.AddNorm), 0, 'switchable');
});

test('explicit position_ids: three lookups need 9 bindings, WebGPU guarantees 8, so the first two are added before', () => {
  const f = fused(bert('BertModel', {}, ['position_ids']));
  const norm = graphNodes(f).find((n) => n.op === Op.AddNorm)!;
  assert.equal(norm.src.slice(0, -2).map((s) => s.op), [Op.Add, Op.Gather]);
  const names = scheduleGraph(f).launches.map((l) => l.kernel.name).filter((n) => n.startsWith('add_norm'));
  assert.equal(names, ['add_norm_f32_xg']);
});

test('inputs_embeds: a dense term and a gathered one in one kernel', () => {
  const g = bert('BertModel', {}, ['inputs_embeds']);
  const norm = graphNodes(fused(g)).find((n) => n.op === Op.AddNorm);
  assert.ok(norm, 'fused');
  assert.ok(norm!.src.slice(0, -2).some((s) => s.op === Op.Input) && norm!.src.some((s) => s.op === Op.Gather));
});

const CASES: [Record<string, unknown>, string[], string | undefined, Record<string, number>][] = [
  [{}, ['position_ids'], undefined, { B: 2, S: 7 }],
  [{ position_embedding_type: 'relative_key' }, [], undefined, { B: 3, S: 5 }],
  [{}, ['inputs_embeds'], undefined, { B: 2, S: 4 }],
];
for (const [config, inputs, fn, env] of CASES) {
  test(`fused = unfused on the CPU, bit for bit: ${JSON.stringify(config)} ${fn ?? 'forward'} ${inputs.join(', ')}`, () => {
    const g = bert('BertModel', config, inputs, fn);
    const f = fused(g, { fuseAttention: false, fuseQkv: false, fuseNorm: false });
    assert.is(countOp(f, Op.AddNorm), 1);
    const weights = weightsFor(g, 2);
    const x = inputsFor(g, env, 6);
    const want = runGraph(g, x, weights);
    const got = runGraph(f, x, weights);
    for (const name of Object.keys(want)) assert.equal(Array.from(got[name]!.data), Array.from(want[name]!.data), name);
  });
}

test.run();
