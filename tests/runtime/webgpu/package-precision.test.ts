/**
 * A package built with `dslc build --target webgpu --precision fp16`, run by a plain-node app: the kernels with f16
 * buffers ship in both forms (packed `kernels/X.wgsl`, native `kernels/X.f16.wgsl`), the checkpoint's f32 weights
 * are converted to halves once at load, and the logits are within 1e-2 of the fp32 CPU reference (and much closer
 * to the CPU reference of the packaged fp16 graph, which rounds where the kernels do).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { graphFromJson } from '../../../compiler/ir/print.ts';
import { loadCpuModel } from '../../../runtime/cpu-model.ts';
import { compileBert, relativeError } from '../../specs/bert-helpers.ts';
import { buildSmall, ROOT, runApp, SMALL } from '../../backends/glue/helpers.ts';

const IDS = [
  [2, 15, 87, 4, 96],
  [2, 9, 4, 3, 0],
];
const MASK = [
  [1, 1, 1, 1, 1],
  [1, 1, 1, 1, 0],
];
const inCI = (): boolean => /^(1|true|yes)$/i.test(process.env['CI'] ?? '');

const APP = `
import { loadBert } from './pkg/index.js';
let model;
try {
  model = await loadBert('./ckpt');
} catch (e) {
  if (!/no WebGPU adapter/.test(e.message)) throw e;
  console.log(JSON.stringify({ noAdapter: e.message }));
  process.exit(0);
}
const logits = (await model.forward({ inputIds: ${JSON.stringify(IDS)}, attentionMask: ${JSON.stringify(MASK)} })).logits;
model.dispose();
console.log(JSON.stringify({ device: model.device, dtype: logits.dtype, data: Array.from(logits.data) }));
`;

test('webgpu package at fp16: packed and shader-f16 kernel files, f32 logits within 1e-2 of fp32', async () => {
  const { dir, pkg, ckpt } = await buildSmall('BertForMaskedLM', 'webgpu', { precision: 'fp16' });
  const program = JSON.parse(readFileSync(join(pkg, 'program.json'), 'utf8')) as { kernels: { file: string; fileF16?: string }[] };
  const files = readdirSync(join(pkg, 'kernels'));
  const native = program.kernels.filter((k) => k.fileF16);
  assert.ok(native.length > 0, 'kernels with f16 buffers have a shader-f16 variant');
  for (const k of native) {
    assert.ok(files.includes(k.fileF16!.replace('kernels/', '')), k.fileF16);
    assert.match(readFileSync(join(pkg, k.fileF16!), 'utf8'), /^enable f16;$/m);
    assert.not.match(readFileSync(join(pkg, k.file), 'utf8'), /enable f16/);
  }
  if (!existsSync(join(dir, 'node_modules/webgpu'))) {
    mkdirSync(join(dir, 'node_modules'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules/webgpu'), join(dir, 'node_modules/webgpu'), 'dir');
  }
  const out = runApp<{ noAdapter?: string; device: string; dtype: string; data: number[] }>(dir, 'webgpu-fp16-app.mjs', APP);
  if (out.noAdapter) {
    if (inCI()) assert.unreachable(`CI is set and this machine has no WebGPU adapter: ${out.noAdapter}`);
    console.log(`\n  SKIPPING the fp16 webgpu package run: ${out.noAdapter}`);
    return;
  }
  assert.is(out.dtype, 'f32');
  const inputs = { input_ids: IDS, attention_mask: MASK };
  const lowered = graphFromJson(JSON.parse(readFileSync(join(pkg, 'graph.json'), 'utf8')));
  const want16 = loadCpuModel(lowered, ckpt).forward(inputs)['logits']!.data;
  const want32 = loadCpuModel(compileBert('BertForMaskedLM', { ...SMALL }), ckpt).forward(inputs)['logits']!.data;
  const err32 = relativeError(out.data, Array.from(want32));
  const err16 = relativeError(out.data, Array.from(want16));
  console.log(`\n  fp16 webgpu package on ${out.device}: ${err32.toExponential(1)} vs fp32, ${err16.toExponential(1)} vs the fp16 reference`);
  assert.ok(err32 > 0 && err32 <= 1e-2, `relative error ${err32.toExponential(2)} vs fp32`);
  assert.ok(err16 <= 1e-4, `relative error ${err16.toExponential(2)} vs the fp16 CPU reference`);
});

test.run();
