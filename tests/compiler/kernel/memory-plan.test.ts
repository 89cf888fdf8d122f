/**
 * The memory plan: buffers that share a slot are never live at once, no launch binds one slot twice, and for BERT
 * the pool stays close to the least memory any plan could use (the most bytes live at one launch).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { liveness, memoryReport, planMemory, slotBytes } from '../../../compiler/kernel/memory-plan.ts';
import { type Schedule, scheduleGraph } from '../../../compiler/kernel/schedule.ts';
import { compileGraph, optimizeGraph } from '../../../compiler/pipeline.ts';
import { BERT_SOURCE } from '../../specs/bert-helpers.ts';

function checkPlan(s: Schedule): void {
  const plan = planMemory(s);
  const { first, last } = liveness(s);
  const bySlot = new Map<number, number[]>();
  plan.slotOf.forEach((slot, id) => {
    assert.is(slot >= 0, s.buffers[id]!.kind === 'temp', `buffer ${id} (${s.buffers[id]!.kind}) pooled iff temp`);
    if (slot >= 0) bySlot.set(slot, [...(bySlot.get(slot) ?? []), id]);
  });
  for (const ids of bySlot.values()) {
    const ranges = ids.map((id) => [first[id]!, last[id]!] as const).sort((a, b) => a[0] - b[0]);
    ranges.slice(1).forEach((r, i) => assert.ok(r[0] > ranges[i]![1], `overlapping live ranges ${ranges[i]} and ${r} in one slot`));
  }
  s.launches.forEach((l, t) => {
    const slots = l.buffers.map((id) => plan.slotOf[id]!).filter((x) => x >= 0);
    assert.is(new Set(slots).size, new Set(l.buffers.filter((id) => plan.slotOf[id]! >= 0)).size, `launch ${t} binds one slot twice`);
  });
}

const SMALL = { hidden_size: 32, num_attention_heads: 2, num_hidden_layers: 3, intermediate_size: 48, vocab_size: 50, max_position_embeddings: 24 };

test('shared slots hold buffers whose lives do not overlap, for every BERT head', () => {
  for (const entry of ['BertModel', 'BertForPreTraining', 'BertLMHeadModel', 'BertForMultipleChoice', 'BertForQuestionAnswering']) {
    checkPlan(scheduleGraph(compileGraph(BERT_SOURCE, { entry, config: { ...SMALL, is_decoder: entry === 'BertLMHeadModel' } })));
  }
  checkPlan(scheduleGraph(compileGraph(BERT_SOURCE, { entry: 'BertForMaskedLM', config: SMALL, inputs: ['labels'] })));
});

test('the same for the fused graphs (packed attention, joined QKV, LayerNorm in the matmul, embeddings in one kernel)', () => {
  for (const entry of ['BertModel', 'BertForPreTraining', 'BertLMHeadModel', 'BertForQuestionAnswering']) {
    checkPlan(scheduleGraph(optimizeGraph(compileGraph(BERT_SOURCE, { entry, config: { ...SMALL, is_decoder: entry === 'BertLMHeadModel' } })).graph));
  }
});

test('BERT-base through every pass: the pool within 25% of the live maximum at small, typical and large sizes', () => {
  const s = scheduleGraph(optimizeGraph(compileGraph(BERT_SOURCE, { entry: 'BertModel', config: {} })).graph);
  const plan = planMemory(s);
  for (const env of [{ B: 1, S: 8 }, { B: 1, S: 128 }, { B: 8, S: 512 }]) {
    const r = memoryReport(s, plan, env);
    assert.ok(r.pooled >= r.liveMax && r.pooled <= 1.25 * r.liveMax, `${JSON.stringify(env)}: pool ${r.pooled} vs live maximum ${r.liveMax}`);
  }
});

test('BERT-base: the pool for B=1, S=128 is within 25% of the live maximum and a small part of one buffer each', () => {
  const s = scheduleGraph(compileGraph(BERT_SOURCE, { entry: 'BertModel', config: {} }));
  const plan = planMemory(s);
  const r = memoryReport(s, plan, { B: 1, S: 128 });
  const mib = (x: number) => `${(x / 2 ** 20).toFixed(1)} MiB`;
  console.log(`\n  BERT-base B=1 S=128: weights ${mib(r.params)}, pool ${mib(r.pooled)} in ${r.slots} slots ` +
    `(live maximum ${mib(r.liveMax)}; ${mib(r.unshared)} with a buffer per intermediate), ${r.launches} launches of ${r.kernels} kernels`);
  assert.ok(r.pooled >= r.liveMax);
  assert.ok(r.pooled <= 1.25 * r.liveMax, `pool ${r.pooled} vs live maximum ${r.liveMax}`);
  assert.ok(r.pooled * 20 < r.unshared);
  assert.ok(r.params > 400 * 2 ** 20 && r.params < 440 * 2 ** 20);
  // one plan, every size: slots scale with the symbols
  const small = slotBytes(plan, { B: 1, S: 8 }).reduce((a, b) => a + b, 0);
  const big = slotBytes(plan, { B: 8, S: 512 }).reduce((a, b) => a + b, 0);
  assert.ok(small < r.pooled && r.pooled < big);
  assert.ok(big <= 1.25 * memoryReport(s, plan, { B: 8, S: 512 }).liveMax);
});

test.run();
