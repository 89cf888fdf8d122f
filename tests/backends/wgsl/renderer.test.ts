/**
 * The WGSL renderer: its text helpers and literal spellings, one kernel as an exact snapshot, and every kernel dslc
 * emits — every op family and every BERT entry point — compiled by Dawn's null backend (Tint's full validation,
 * no driver needed), pipeline creation included so limit violations show too.
 */
/// <reference types="@webgpu/types" />
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { code } from '../../../backends/render/code.ts';
import { compileWgsl } from '../../../backends/wgsl/program.ts';
import { WgslRenderer } from '../../../backends/wgsl/renderer.ts';
import type { Graph } from '../../../compiler/ir/graph.ts';
import { Op } from '../../../compiler/ir/ops.ts';
import { compileGraph } from '../../../compiler/pipeline.ts';
import { validationDevice } from '../../../runtime/webgpu/device.ts';
import { Builder } from '../cpu/helpers.ts';
import { BERT_SOURCE } from '../../specs/bert-helpers.ts';
import { opGraphs } from './op-graphs.ts';

test('code`` keeps nested blocks at the column they are interpolated at', () => {
  const inner = ['a = 1;', 'if (x) {\n  b = 2;\n}'];
  const text = code`
    fn f() {
      ${inner}
      return;
    }
  `;
  assert.is(text, 'fn f() {\n  a = 1;\n  if (x) {\n    b = 2;\n  }\n  return;\n}');
});

test('literals: shortest f32 spelling, non-finite floats at run time, the most negative i32', () => {
  const r = new WgslRenderer();
  assert.is(r.literal('f32', 1e-12), '1e-12f');
  assert.is(r.literal('f32', 0.1), '0.1f');
  assert.is(r.literal('f32', 2), '2f');
  assert.is(r.literal('f32', -3.4028234663852886e38), '-3.4028235e+38f');
  assert.is(r.literal('f32', -Infinity), 'dslc_f32_bits(0xff800000u)');
  assert.is(r.literal('f32', NaN), 'dslc_f32_bits(0x7fc00000u)');
  assert.is(r.literal('i32', -2147483648), '(-2147483647i - 1i)');
  assert.is(r.literal('u32', 7), '7u');
  assert.is(r.name('target'), 'target_');
});

test('snapshot: a bias over [B, S, 12] collapses to two axes and needs one modulo', () => {
  const b = new Builder();
  const x = b.input('x', 'f32', ['B', 'S', 12]);
  const g = b.graph({ y: b.op(Op.Add, 'f32', ['B', 'S', 12], [x, b.param('bias', 'f32', [12])]) });
  assert.is(compileWgsl(g).kernels[0]!.code, `// add_f32_cs
struct Sizes {
  n: u32,
  d1: u32,
}

@group(0) @binding(0) var<storage, read> x0: array<f32>;
@group(0) @binding(1) var<storage, read> x1: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> dslc_u: Sizes;

@compute @workgroup_size(256)
fn main(
  @builtin(local_invocation_index) dslc_lid: u32,
  @builtin(workgroup_id) dslc_wid: vec3<u32>,
  @builtin(num_workgroups) dslc_nwg: vec3<u32>,
) {
  let i = ((dslc_wid.x + dslc_wid.y * dslc_nwg.x) * 256u + dslc_lid);
  if (i >= dslc_u.n) {
    return;
  }
  let c1 = i % dslc_u.d1;
  let v0 = x0[i];
  let v1 = x1[c1];
  y[i] = v0 + v1;
}
`);
});

const SMALL = { hidden_size: 32, num_attention_heads: 2, num_hidden_layers: 2, intermediate_size: 48, vocab_size: 50, max_position_embeddings: 24 };
const HEADS = [
  'BertModel', 'BertForPreTraining', 'BertForMaskedLM', 'BertLMHeadModel', 'BertForNextSentencePrediction',
  'BertForSequenceClassification', 'BertForMultipleChoice', 'BertForTokenClassification', 'BertForQuestionAnswering',
];

function allGraphs(): [string, Graph][] {
  const graphs = opGraphs();
  for (const entry of HEADS) {
    for (const position of ['absolute', 'relative_key', 'relative_key_query']) {
      const config = { ...SMALL, position_embedding_type: position, is_decoder: entry === 'BertLMHeadModel', output_attentions: true, output_hidden_states: true };
      graphs.push([`${entry} ${position}`, compileGraph(BERT_SOURCE, { entry, config })]);
    }
  }
  graphs.push(['BertForMaskedLM with labels', compileGraph(BERT_SOURCE, { entry: 'BertForMaskedLM', config: SMALL, inputs: ['labels'] })]);
  graphs.push(['BertLMHeadModel.decode', compileGraph(BERT_SOURCE, { entry: 'BertLMHeadModel', fn: 'decode', config: { ...SMALL, is_decoder: true } })]);
  return graphs;
}

test('every kernel of every op and every BERT entry compiles with Dawn (null backend)', async () => {
  const device = await validationDevice();
  assert.ok(device, "Dawn's null backend is unavailable (npm package webgpu missing?)");
  const sources = new Map<string, string>();
  for (const [what, graph] of allGraphs()) for (const k of compileWgsl(graph).kernels) if (!sources.has(k.code)) sources.set(k.code, `${what}: ${k.name}`);
  const failures: string[] = [];
  for (const [source, what] of sources) {
    const module = device!.createShaderModule({ code: source });
    const messages = (await module.getCompilationInfo()).messages;
    for (const m of messages) failures.push(`${what} ${m.type} ${m.lineNum}:${m.linePos} ${m.message.split('\n')[0]}\n${source}`);
    device!.pushErrorScope('validation');
    device!.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    const error = await device!.popErrorScope();
    if (error) failures.push(`${what}: ${error.message}`);
  }
  device!.destroy();
  assert.is(failures.length, 0, failures.slice(0, 2).join('\n\n'));
  assert.ok(sources.size >= 40, `${sources.size} distinct kernels`);
  console.log(`\n  ${sources.size} distinct WGSL kernels validated`);
});

test.run();
