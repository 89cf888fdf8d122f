/**
 * The precision pass (compiler/passes/lower-precision.ts), structurally — which nodes get f16/bf16 storage and which
 * keep f32 — and numerically on the CPU reference, which runs the lowered graph with every narrow node rounded to
 * its format: fp16 and bf16 stay within 1e-2 relative error of the fp32 graph.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runGraph } from '../../../backends/cpu/index.ts';
import { type Graph, graphNodes, type Node } from '../../../compiler/ir/graph.ts';
import { Op } from '../../../compiler/ir/ops.ts';
import { bufferWords, memoryReport, planMemory, slotBytes, WORD } from '../../../compiler/kernel/memory-plan.ts';
import { dimEval } from '../../../compiler/ir/dim.ts';
import { scheduleGraph } from '../../../compiler/kernel/schedule.ts';
import { optimizeGraph, parsePrecision } from '../../../compiler/pipeline.ts';
import { relativeError } from '../../specs/bert-helpers.ts';
import { argmaxRows, bert, hfWeights, inputsFor, weightsFor } from './helpers.ts';

const nodesOf = (g: Graph, op: Op): Node[] => graphNodes(g).filter((n) => n.op === op);
const dtypes = (ns: Node[]): string[] => [...new Set(ns.map((n) => n.dtype))].sort();

test('fp32 leaves the graph as the fusions made it, and the pass does not run', () => {
  const g = bert('BertModel');
  const plain = optimizeGraph(g);
  const same = optimizeGraph(g, { precision: 'fp32' });
  assert.is(same.fired['lower-precision'], undefined);
  assert.equal(graphNodes(same.graph).map((n) => `${n.op}:${n.dtype}`), graphNodes(plain.graph).map((n) => `${n.op}:${n.dtype}`));
});

for (const [precision, low] of [['fp16', 'f16'], ['bf16', 'bf16']] as const) {
  test(`${precision}: weights, products, attention and LayerNorm are ${low}; softmax, mask, losses and outputs f32`, () => {
    const g = optimizeGraph(bert('BertForMaskedLM', {}, ['labels']), { precision });
    assert.ok(g.fired['lower-precision']! > 0);
    const lowered = g.graph;
    assert.equal(dtypes(nodesOf(lowered, Op.Param)), [low]);
    // fused first (the fusions match f32 graphs), then lowered
    assert.ok(nodesOf(lowered, Op.Attention).length === 2);
    assert.equal(dtypes(nodesOf(lowered, Op.Attention)), [low]);
    assert.equal(dtypes(nodesOf(lowered, Op.MatMulEpilogue).filter((n) => !lowered.outputs.some((o) => o.node === n))), [low]);
    // the fused LayerNorms: embeddings (gathers + sum, fuse-add-norm) and dense + residual (fuse-norm)
    assert.equal(dtypes(nodesOf(lowered, Op.AddNorm)), [low]);
    assert.equal(dtypes(nodesOf(lowered, Op.MatMulNorm)), [low]);
    assert.ok(nodesOf(lowered, Op.AddNorm).every((n) => n.src.every((s) => s.dtype === low || s.dtype === 'f32')));
    assert.equal(dtypes(nodesOf(lowered, Op.Gather)), [low]);
    assert.equal(dtypes(nodesOf(lowered, Op.CrossEntropy)), ['f32']);
    for (const o of lowered.outputs) assert.is(o.node.dtype, 'f32', `output ${o.name}`);
    // the attention mask comes from an input: (1 - mask) · f32 min overflows a half, so it stays f32
    for (const att of nodesOf(lowered, Op.Attention)) assert.is(att.src[3]!.dtype, 'f32', 'mask');
    for (const input of lowered.inputs) assert.ok(input.dtype !== low, `input ${input.arg['name']}`);
  });

  test(`${precision}: the unfused attention path keeps softmax f32 (output_attentions)`, () => {
    const lowered = optimizeGraph(bert('BertModel', { output_attentions: true }), { precision }).graph;
    assert.is(nodesOf(lowered, Op.Attention).length, 0);
    assert.equal(dtypes(nodesOf(lowered, Op.Softmax)), ['f32']);
    assert.ok(nodesOf(lowered, Op.MatMul).some((n) => n.dtype === low), 'q·kᵀ stored narrow');
  });

  test(`${precision}: kernels bind ${low} buffers for weights and activations, f32 for outputs`, () => {
    const s = scheduleGraph(optimizeGraph(bert('BertModel'), { precision }).graph);
    const storages = new Set(s.buffers.map((b) => b.storage));
    assert.ok(storages.has(low) && storages.has('f32'));
    assert.ok(s.buffers.filter((b) => b.kind === 'param').every((b) => b.storage === low));
    for (const o of s.outputs) assert.is(s.buffers[o.buffer]!.storage, 'f32');
    // workgroup memory and registers stay f32: only buffers are narrow
    assert.ok(s.kernels.every((k) => k.shared.every((a) => a.t === 'f32' || a.t === 'i32')));
    const matmul = s.kernels.find((k) => k.name.startsWith(`matmul_${low}`))!;
    assert.ok(matmul, `a matmul storing ${low}`);
    assert.equal(matmul.buffers.map((b) => b.t).slice(0, 2), [low, low]);
    // hidden 24: rows of a multiple of 4 columns, stored four halves a thread
    assert.is(matmul.buffers[2]!.t, `${low}x4`);
    assert.ok(matmul.name.endsWith('_v4'));
    // the embeddings' kernel reads the narrow tables in place; matmul + LayerNorm binds narrow operands too
    const addNorm = s.kernels.find((k) => k.name.startsWith(`add_norm_${low}`))!;
    assert.ok(addNorm && addNorm.buffers.filter((b) => b.name.startsWith('table')).every((b) => b.t === low), 'add_norm tables');
    const matmulNorm = s.kernels.find((k) => k.name.startsWith(`matmul_norm_${low}`))!;
    assert.ok(matmulNorm, `a matmul_norm storing ${low}`);
    assert.equal(matmulNorm.buffers.map((b) => b.t), matmulNorm.buffers.map(() => low));
  });
}

test('an f32 output made by moving a narrow value (reshape, concat) gets its own buffer and a widening copy', () => {
  const qa = scheduleGraph(optimizeGraph(bert('BertForQuestionAnswering', { num_labels: 2 }), { precision: 'fp16' }).graph);
  for (const o of qa.outputs) {
    assert.is(o.node.op, Op.Reshape);
    assert.is(qa.buffers[o.buffer]!.storage, 'f32');
    assert.is(qa.nodeBuffer.get(o.node.src[0]!.id) === o.buffer, false, `${o.name} does not alias its f16 source`);
  }
  assert.ok(qa.kernels.some((k) => k.name.startsWith('copy_f16_to_f32') && k.buffers[0]!.t === 'f16' && k.buffers[1]!.t === 'f32'));
  const decoder = scheduleGraph(optimizeGraph(bert('BertLMHeadModel', { is_decoder: true }), { precision: 'fp16' }).graph);
  assert.ok(decoder.kernels.some((k) => k.name.startsWith('copy_f16_to_f32_write')), 'the cache concat widens');
});

test('narrow activations take half the pool: the memory plan sizes slots in words', () => {
  const g = bert('BertModel');
  const env = { B: 2, S: 64 };
  const pooled = (precision: 'fp32' | 'fp16') => {
    const s = scheduleGraph(optimizeGraph(g, { precision }).graph);
    const plan = planMemory(s);
    // each slot is exactly as large as its largest buffer in words (a narrow one takes half its element count)
    const bytes = slotBytes(plan, env);
    bytes.forEach((size, slot) => {
      const members = s.buffers.filter((b) => plan.slotOf[b.id] === slot).map((b) => WORD * dimEval(bufferWords(b), env));
      assert.is(size, Math.max(...members), `${precision} slot ${slot}`);
    });
    return memoryReport(s, plan, env);
  };
  const [f32, f16] = [pooled('fp32'), pooled('fp16')];
  // the live activations halve; the pool a little less, as the f32 graph outputs (last_hidden_state) stay f32 and,
  // with five kernels a layer, are a large share of a two-layer model's few intermediates
  assert.ok(f16.liveMax < 0.55 * f32.liveMax, `live ${f16.liveMax} B (fp16) vs ${f32.liveMax} B (fp32)`);
  assert.ok(f16.pooled < 0.65 * f32.pooled, `pool ${f16.pooled} B (fp16) vs ${f32.pooled} B (fp32)`);
  assert.ok(f16.params < 0.51 * f32.params, `weights ${f16.params} B (fp16) vs ${f32.params} B (fp32)`);
});

for (const entry of ['BertModel', 'BertForMaskedLM', 'BertForSequenceClassification']) {
  test(`${entry}: the CPU reference of the fp16 and bf16 graphs is within 1e-2 of fp32`, () => {
    const g = bert(entry);
    const env = { B: 2, S: 9 };
    const inputs = inputsFor(g, env, 3);
    const weights = weightsFor(g, 4);
    const want = runGraph(optimizeGraph(g).graph, inputs, weights);
    for (const precision of ['fp16', 'bf16'] as const) {
      const got = runGraph(optimizeGraph(g, { precision }).graph, inputs, weights);
      for (const name of Object.keys(want)) {
        const err = relativeError(Array.from(got[name]!.data), Array.from(want[name]!.data));
        assert.ok(err > 0, `${precision} ${name}: rounding must show (identical results mean nothing was narrowed)`);
        assert.ok(err <= 1e-2, `${precision} ${name}: relative error ${err.toExponential(2)}`);
      }
    }
  });
}

test('int8w: the Linear weights (read only as x @ Wᵀ) are int8 with per-row scales; tied embeddings and activations are not', () => {
  const g = optimizeGraph(bert('BertForMaskedLM', { num_hidden_layers: 2 }), { precision: 'int8w' });
  const quantised = nodesOf(g.graph, Op.Param).filter((n) => n.arg['quant'] === 'int8');
  const names = quantised.map((n) => n.arg['name'] as string);
  // per layer: q, k and v (one weight concatenated at load: fuse-qkv), attention output, intermediate, output; the
  // MLM head's transform (no residual after it) is not
  assert.is(names.length, 2 * 4, names.join(', '));
  assert.is(names.filter((n) => n.startsWith('concat(') && n.includes('query.weight, ') && n.includes('value.weight)')).length, 2, names.join(', '));
  assert.ok(names.every((n) => n.includes('encoder.layer.')), names.join(', '));
  assert.ok(names.every((n) => /\.weight\)?$/.test(n) && !n.includes('embeddings') && !n.includes('LayerNorm')));
  assert.ok(graphNodes(g.graph).every((n) => n.dtype !== 'f16' && n.dtype !== 'bf16'), 'activations stay f32');
  const s = scheduleGraph(g.graph);
  const int8 = s.buffers.filter((b) => b.storage === 'i8');
  const scales = s.buffers.filter((b) => b.quant === 'scales');
  assert.is(int8.length, names.length);
  assert.equal(scales.map((b) => b.name).sort(), int8.map((b) => b.name).sort());
  const q8 = s.kernels.filter((k) => k.name.includes('_q8'));
  assert.ok(q8.length > 0 && q8.every((k) => k.buffers[1]!.t === 'i8' && k.buffers.some((b) => b.name === 'b_scale' && b.t === 'f32')));
  // the decoder reads the tied word embeddings transposed, but they are also gathered: it stays f32
  assert.ok(s.kernels.some((k) => k.name.startsWith('matmul_f32_nt') && !k.name.includes('_q8')));
});

test('int8w on the CPU reference: top-1 agreement with fp32 ≥ 99% (HF-initialised weights, std 0.02)', () => {
  const g = bert('BertForMaskedLM', { vocab_size: 97 });
  let agree = 0;
  let rows = 0;
  for (const seed of [1, 2, 3]) {
    const inputs = inputsFor(g, { B: 4, S: 16 }, seed);
    const weights = hfWeights(g, seed + 10);
    const want = runGraph(optimizeGraph(g).graph, inputs, weights)['logits']!.data;
    const got = runGraph(optimizeGraph(g, { precision: 'int8w' }).graph, inputs, weights)['logits']!.data;
    assert.ok(relativeError(Array.from(got), Array.from(want)) > 0, 'quantisation must change the logits');
    const [a, b] = [argmaxRows(got, 97), argmaxRows(want, 97)];
    agree += a.filter((v, i) => v === b[i]).length;
    rows += a.length;
  }
  assert.ok(agree / rows >= 0.99, `top-1 agreement ${agree}/${rows}`);
});

test('--precision names are checked', () => {
  assert.is(parsePrecision('bf16'), 'bf16');
  assert.throws(() => parsePrecision('fp8'), /--precision: unknown precision "fp8" \(known: fp32, fp16, bf16/);
});

test.run();
