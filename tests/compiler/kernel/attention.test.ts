/**
 * The fused attention kernel's contract in the schedule: it binds only q, k, v, the mask (and the relative-position
 * bias) and its output, and no buffer of the fused BertModel grows with S² — the score matrix is never in memory.
 * Unfused, the scores are (a check that the test can tell).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dimEval } from '../../../compiler/ir/dim.ts';
import { validateKernel } from '../../../compiler/kernel/validate.ts';
import { scheduleGraph } from '../../../compiler/kernel/schedule.ts';
import { renderWgsl } from '../../../backends/wgsl/renderer.ts';
import { bert, fused } from '../passes/helpers.ts';

const quadratic = (g: ReturnType<typeof bert>) =>
  scheduleGraph(g).buffers.filter((b) => b.kind === 'temp' && dimEval(b.size, { B: 1, S: 400 }) / dimEval(b.size, { B: 1, S: 100 }) > 8);

test('fused BertModel: attention binds q, k, v, mask and out; no S×T buffer', () => {
  const s = scheduleGraph(fused(bert('BertModel')));
  const att = s.launches.filter((l) => l.kernel.name.startsWith('attention_'));
  assert.is(att.length, 2);
  for (const l of att) {
    assert.equal(l.kernel.buffers.map((b) => b.name), ['q', 'k', 'v', 'mask', 'out']);
    validateKernel(l.kernel);
    assert.match(renderWgsl(l.kernel), /var<workgroup> k_tile: array<f32, \d+>;/);
  }
  assert.is(quadratic(fused(bert('BertModel'))).length, 0);
  assert.ok(quadratic(bert('BertModel')).length > 0);
});

test('relative_key_query: the position scores come in as the bias operand', () => {
  const s = scheduleGraph(fused(bert('BertModel', { position_embedding_type: 'relative_key_query' })));
  const att = s.launches.filter((l) => l.kernel.name.startsWith('attention_'));
  assert.ok(att.every((l) => l.kernel.buffers.map((b) => b.name).join() === 'q,k,v,mask,bias,out'));
});

test.run();
