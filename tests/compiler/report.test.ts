/**
 * reportOf on BERT-base's shape (hidden 768, 12 layers, S = 128): kernels per encoder layer with fusion on and off,
 * and the totals being consistent. Compiles only (no weights, no device).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileGraph, compileKernels, optimizeGraph, passOptions, type PassOptions } from '../../compiler/pipeline.ts';
import { reportOf } from '../../compiler/report.ts';
import { BERT_SOURCE } from '../specs/bert-helpers.ts';

// BERT-base; 2 layers are enough to count one layer's launches (every layer is the same)
const BASE = { hidden_size: 768, num_attention_heads: 12, intermediate_size: 3072, num_hidden_layers: 2 };
const ENV = { B: 1, S: 128 };

function report(opts: PassOptions) {
  const { graph, fired } = optimizeGraph(compileGraph(BERT_SOURCE, { entry: 'BertModel', config: BASE }), opts);
  const { schedule, plan } = compileKernels(graph);
  return reportOf(graph, schedule, plan, ENV, fired);
}

test('kernels per BERT-base layer: fused vs unfused', () => {
  const on = report({});
  const off = report(passOptions('none'));
  console.log(`\n  per layer: fused ${on.kernelsPerLayer} [${on.layerKernels.join(', ')}]\n  unfused ${off.kernelsPerLayer} [${off.layerKernels.join(', ')}]`);
  console.log(`  dispatches ${on.dispatches} vs ${off.dispatches}; min bytes ${(on.minBytes / 2 ** 20).toFixed(1)} vs ${(off.minBytes / 2 ** 20).toFixed(1)} MiB; peak ${(on.peakBytes / 2 ** 20).toFixed(1)} vs ${(off.peakBytes / 2 ** 20).toFixed(1)} MiB`);
  // QKV (1) + attention (1) + out-proj+bias+residual+LN (1) + FFN1+GELU (1) + FFN2+bias+residual+LN (1)
  assert.is(on.kernelsPerLayer, 5, `fused: ${on.layerKernels}`);
  assert.is(off.kernelsPerLayer, 26);
  assert.is(on.fusions['fuse-attention']! > 0 && on.fusions['attention ops'], 2);
  assert.is(on.fusions['joined projections'], 2);
  assert.is(on.fusions['matmul norms'], 4);
  assert.is(on.fusions['sum norms'], 1, 'the embeddings');
  assert.ok(on.dispatches <= off.dispatches - 2 * 21 - 6, `21 launches fewer per layer, 6 in the embeddings: ${on.dispatches} vs ${off.dispatches}`);
  assert.is(off.fusions['attention ops'], 0);
  assert.ok(on.minBytes < off.minBytes && on.peakBytes <= off.peakBytes);
  // without LayerNorm inside the matmul, two more launches; without the joined QKV, two more
  assert.is(report({ fuseNorm: false }).kernelsPerLayer, on.kernelsPerLayer! + 2);
  assert.is(report({ fuseQkv: false }).kernelsPerLayer, on.kernelsPerLayer! + 2);
  // memory plan: the pool within 1.25× of the most bytes live at once, fused and not
  for (const r of [on, off]) assert.ok(r.activationBytes <= 1.25 * r.liveBytes, `pool ${r.activationBytes} vs live ${r.liveBytes}`);
  // FLOPs: the same products either way (the fused kernels skip no arithmetic, only memory traffic)
  assert.ok(Math.abs(on.flops - off.flops) / off.flops < 0.01, `${on.flops} vs ${off.flops}`);
});

test.run();
