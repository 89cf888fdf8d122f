/**
 * reportOf on BERT-base's shape (hidden 768, 12 layers, S = 128): kernels per encoder layer with fusion on and off,
 * and the totals being consistent. Compiles only (no weights, no device).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileGraph, compileKernels, optimizeGraph, type PassOptions } from '../../compiler/pipeline.ts';
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
  const off = report({ fuseAttention: false, fuseEpilogue: false });
  console.log(`\n  per layer: fused ${on.kernelsPerLayer} [${on.layerKernels.join(', ')}]\n  unfused ${off.kernelsPerLayer} [${off.layerKernels.join(', ')}]`);
  console.log(`  dispatches ${on.dispatches} vs ${off.dispatches}; min bytes ${(on.minBytes / 2 ** 20).toFixed(1)} vs ${(off.minBytes / 2 ** 20).toFixed(1)} MiB; peak ${(on.peakBytes / 2 ** 20).toFixed(1)} vs ${(off.peakBytes / 2 ** 20).toFixed(1)} MiB`);
  // target is ≤ 5 (needs QKV concatenation and LayerNorm-in-matmul, not done yet); 9 is what attention + epilogue give
  assert.ok(on.kernelsPerLayer! <= 9, `fused: ${on.kernelsPerLayer}`);
  assert.is(off.kernelsPerLayer, 26);
  assert.is(on.fusions['fuse-attention']! > 0 && on.fusions['attention ops'], 2);
  assert.is(off.fusions['attention ops'], 0);
  assert.ok(on.minBytes < off.minBytes && on.peakBytes <= off.peakBytes);
  // LayerNorm inside the matmul (opt-in: slower on SwiftShader, see fuse-norm.ts) takes two more launches off
  assert.is(report({ fuseNorm: true }).kernelsPerLayer, on.kernelsPerLayer! - 2);
  // FLOPs: the same products either way (the fused kernels skip no arithmetic, only memory traffic)
  assert.ok(Math.abs(on.flops - off.flops) / off.flops < 0.01, `${on.flops} vs ${off.flops}`);
});

test.run();
