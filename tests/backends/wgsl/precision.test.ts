/**
 * Narrow storage in WGSL: the packed form every adapter runs (halves two per u32 word, bytes four per word, written
 * words atomic) and the native-f16 form for adapters with `shader-f16` (`enable f16;`), on hand-written kernels, and
 * every kernel of fp16 and bf16 BERT programs in both forms compiled by Dawn's null backend (which has shader-f16).
 * That they compute the right numbers is checked on SwiftShader in tests/runtime/webgpu/precision.test.ts.
 */
/// <reference types="@webgpu/types" />
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileWgsl } from '../../../backends/wgsl/program.ts';
import { renderWgsl } from '../../../backends/wgsl/renderer.ts';
import { KernelBuilder } from '../../../compiler/kernel/builder.ts';
import * as E from '../../../compiler/kernel/expr.ts';
import type { StorageType } from '../../../compiler/kernel/ir.ts';
import { compileGraph, optimizeGraph } from '../../../compiler/pipeline.ts';
import { validationDevice } from '../../../runtime/webgpu/device.ts';
import { BERT_SOURCE } from '../../specs/bert-helpers.ts';

/** y[i] = x[i] * 2 with x and y of the given storage types. */
function scale(x: StorageType, y: StorageType) {
  const k = new KernelBuilder(`scale_${x}_${y}`, 64);
  const src = k.buffer('x', x);
  const dst = k.buffer('y', y, true);
  const i = k.let('i', k.global);
  k.if(E.ge(i, k.uniform('n')), () => k.return());
  k.store(dst, i, E.mul(k.load(src, i), E.f32(2)));
  return k.build();
}

test('loads from narrow buffers are f32 registers; stores take f32; i8 is read-only', () => {
  const k = new KernelBuilder('t', 64);
  const h = k.buffer('h', 'f16', true);
  const q = k.buffer('q', 'i8', true);
  assert.is(k.load(h, E.u32(0)).t, 'f32');
  assert.throws(() => k.store(h, E.u32(0), E.i32(1)), /storing i32 into h of f16/);
  assert.throws(() => k.store(q, E.u32(0), E.f32(1)), /q is i8, which kernels only read/);
  assert.throws(() => k.workgroupArray('w', 'f16', 4), /workgroup array w of f16/);
});

test('packed f16: words of two halves, unpacked on load, written atomically half by half', () => {
  const wgsl = renderWgsl(scale('f16', 'f16'));
  assert.not.match(wgsl, /enable f16/);
  assert.match(wgsl, /var<storage, read> x: array<u32>;/);
  assert.match(wgsl, /var<storage, read_write> y: array<atomic<u32>>;/);
  assert.match(wgsl, /unpack2x16float\(x\[\(i\) \/ 2u\] >> \(\(\(i\) % 2u\) \* 16u\)\)\.x/);
  assert.match(wgsl, /atomicAnd\(&y\[dslc_at \/ 2u\], ~\(0xffffu << dslc_shift\)\);/);
  assert.match(wgsl, /atomicOr\(&y\[dslc_at \/ 2u\], dslc_f16_bits\(unpack2x16float\(.*\* 2f\) << dslc_shift\);/);
  assert.match(wgsl, /fn dslc_f16_bits\(v: f32\) -> u32/);
});

test('native f16 (shader-f16): enable f16, array<f16>, f32 registers; bf16 and i8 stay packed', () => {
  const wgsl = renderWgsl(scale('f16', 'f16'), { f16: true });
  assert.ok(wgsl.split('\n').find((l) => !l.startsWith('//'))!.startsWith('enable f16;'), 'enable comes first');
  assert.match(wgsl, /var<storage, read> x: array<f16>;/);
  assert.match(wgsl, /y\[i\] = f16\(f32\(x\[i\]\) \* 2f\);/);
  const bf = renderWgsl(scale('bf16', 'bf16'), { f16: true });
  assert.not.match(bf, /enable f16/);
  assert.match(bf, /bitcast<f32>\(\(x\[\(i\) \/ 2u\] >> \(\(\(i\) % 2u\) \* 16u\)\) << 16u\)/);
  assert.match(bf, /dslc_bf16_bits/);
  const q = renderWgsl(scale('i8', 'f32'), { f16: true });
  assert.match(q, /f32\(extractBits\(bitcast<i32>\(x\[\(i\) \/ 4u\]\), \(\(\(i\) % 4u\) \* 8u\), 8u\)\)/);
});

test('four halves a thread (contiguous elementwise): whole words, plain stores, vec4<f16> when native', () => {
  // hidden 32: the embeddings' sums have B·S·32 elements, a multiple of 4 for every B and S (elementwise adds when
  // fuse-add-norm does not make them part of the LayerNorm's kernel)
  const g = compileGraph(BERT_SOURCE, { entry: 'BertModel', config: { ...SMALL, hidden_size: 32, num_attention_heads: 2 } });
  const unfusedSums = optimizeGraph(g, { precision: 'fp16', fuseAddNorm: false }).graph;
  const kernels = compileWgsl(unfusedSums).kernels.filter((k) => k.name.endsWith('_x4') && k.codeF16);
  assert.ok(kernels.length > 0, 'an f16 x4 kernel');
  for (const k of kernels) {
    assert.match(k.code, /var<storage, read_write> y: array<vec2<u32>>;/);
    assert.match(k.code, /y\[i\] = dslc_f16x4_bits\(vec4<f32>\(/);
    assert.not.match(k.code, /atomic/);
    assert.match(k.codeF16!, /var<storage, read_write> y: array<vec4<f16>>;/);
    assert.match(k.codeF16!, /y\[i\] = vec4<f16>\(vec4<f32>\(/);
  }
  // products whose rows are a multiple of 4 long store each thread's 4 adjacent columns the same way
  const products = compileWgsl(optimizeGraph(g, { precision: 'fp16' }).graph).kernels.filter((k) => k.name.startsWith('matmul_f16') && k.name.endsWith('_v4'));
  assert.ok(products.length > 0, 'a matmul with vector stores');
  for (const k of products) {
    assert.match(k.code, /var<storage, read_write> c: array<vec2<u32>>;/);
    assert.match(k.code, /c\[at \/ 4u\] = dslc_f16x4_bits\(vec4<f32>\(/);
    assert.not.match(k.code, /atomic/);
  }
  const bf = compileWgsl(optimizeGraph(g, { precision: 'bf16', fuseAddNorm: false }).graph).kernels.find((k) => k.name.endsWith('_x4') && k.code.includes('dslc_bf16x4'));
  assert.ok(bf, 'a bf16 x4 kernel');
  assert.match(bf!.code, /fn dslc_bf16x4_bits\(v: vec4<f32>\) -> vec2<u32>/);
});

test('programs carry the native-f16 variant only for kernels with f16 buffers', () => {
  const g = compileGraph(BERT_SOURCE, { entry: 'BertModel', config: SMALL });
  const fp16 = compileWgsl(optimizeGraph(g, { precision: 'fp16' }).graph);
  assert.ok(fp16.kernels.some((k) => k.codeF16 !== undefined));
  for (const k of fp16.kernels) assert.is(k.codeF16 !== undefined, /array<(u32|atomic<u32>|vec2<u32>)>/.test(k.code), k.name);
  const bf16 = compileWgsl(optimizeGraph(g, { precision: 'bf16' }).graph);
  assert.ok(bf16.kernels.every((k) => k.codeF16 === undefined));
  assert.ok(compileWgsl(g).kernels.every((k) => k.codeF16 === undefined));
});

const SMALL = { hidden_size: 30, num_attention_heads: 3, num_hidden_layers: 1, intermediate_size: 45, vocab_size: 53, max_position_embeddings: 24, type_vocab_size: 2 };

test('every kernel of fp16, bf16 and int8w BERT programs, packed and native f16, compiles with Dawn (null backend)', async () => {
  const device = await validationDevice();
  assert.ok(device, "Dawn's null backend is unavailable (npm package webgpu missing?)");
  assert.ok(device!.features.has('shader-f16'), 'the null backend offers shader-f16');
  const sources = new Map<string, string>();
  const add = (code: string, what: string) => sources.has(code) || sources.set(code, what);
  for (const entry of ['BertModel', 'BertForMaskedLM', 'BertForSequenceClassification']) {
    const g = compileGraph(BERT_SOURCE, { entry, config: SMALL, inputs: entry === 'BertModel' ? [] : ['labels'] });
    for (const precision of ['fp16', 'bf16', 'int8w'] as const) {
      for (const k of compileWgsl(optimizeGraph(g, { precision }).graph).kernels) {
        add(k.code, `${entry} ${precision}: ${k.name}`);
        if (k.codeF16) add(k.codeF16, `${entry} ${precision} (shader-f16): ${k.name}`);
      }
    }
  }
  for (const t of ['f16', 'bf16', 'i8'] as const) add(renderWgsl(scale(t, 'f32'), { f16: true }), `scale ${t}`);
  const failures: string[] = [];
  for (const [source, what] of sources) {
    const module = device!.createShaderModule({ code: source });
    for (const m of (await module.getCompilationInfo()).messages) failures.push(`${what} ${m.type} ${m.lineNum}:${m.linePos} ${m.message.split('\n')[0]}`);
    device!.pushErrorScope('validation');
    device!.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    const error = await device!.popErrorScope();
    if (error) failures.push(`${what}: ${error.message}`);
  }
  device!.destroy();
  assert.is(failures.length, 0, failures.slice(0, 3).join('\n'));
  assert.ok([...sources.values()].filter((w) => w.includes('shader-f16')).length >= 5, 'native variants were checked');
  assert.ok([...sources.values()].some((w) => w.includes('_q8')), 'int8 matmuls were checked');
  console.log(`\n  ${sources.size} distinct narrow-storage WGSL kernels validated`);
});

test.run();
