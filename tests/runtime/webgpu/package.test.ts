/**
 * A package built with `dslc build --target webgpu`, used the way an app uses it: a plain-node .mjs in a temp folder
 * outside the repo imports only `pkg/index.js`, with the package's one dependency (`webgpu`) installed beside it as
 * npm would. Outputs must match the CPU reference (runtime/cpu-model.ts) within fp32 relative error 1e-4.
 *
 * Without an adapter the test is skipped with the reason printed, unless CI is set: then it fails.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HostTensor } from '../../../backends/tensor.ts';
import { graphFromJson } from '../../../compiler/ir/print.ts';
import { loadCpuModel } from '../../../runtime/cpu-model.ts';
import { buildSmall, ROOT, runApp, SMALL } from '../../backends/glue/helpers.ts';
import { assertMatches } from './helpers.ts';

const IDS = [
  [2, 15, 87, 4, 96],
  [2, 9, 4, 3, 0],
];
const MASK = [
  [1, 1, 1, 1, 1],
  [1, 1, 1, 1, 0],
];
const inCI = (): boolean => /^(1|true|yes)$/i.test(process.env['CI'] ?? '');

interface Out {
  dtype: 'f32';
  shape: number[];
  data: number[];
}

const APP = `
import { loadBert } from './pkg/index.js';

const plain = (t) => ({ dtype: t.dtype, shape: t.shape, data: Array.from(t.data) });
let model;
const progress = [];
try {
  model = await loadBert('./ckpt', { onProgress: (p) => progress.push(p.done) });
} catch (e) {
  if (!/no WebGPU adapter/.test(e.message)) throw e;
  console.log(JSON.stringify({ noAdapter: e.message }));
  process.exit(0);
}
const out = {
  device: model.device,
  target: model.manifest.target,
  progress: [progress.length, progress.at(-1)],
  padded: plain((await model.forward({ inputIds: ${JSON.stringify(IDS)}, attentionMask: ${JSON.stringify(MASK)} })).logits),
  flatRow: plain((await model.forward({ inputIds: Int32Array.from(${JSON.stringify(IDS[0])}) })).logits),
};
try {
  await model.forward({ inputIds: [[2, 1000, 3]] });
} catch (e) {
  out.badInput = [e.name, e.message];
}
model.dispose();
console.log(JSON.stringify(out));
`;

function reference(pkg: string, ckpt: string, inputs: Record<string, number[][]>): HostTensor {
  const graph = graphFromJson(JSON.parse(readFileSync(join(pkg, 'graph.json'), 'utf8')));
  return loadCpuModel(graph, ckpt).forward(inputs)['logits']!;
}

const asHost = (o: Out): HostTensor => ({ dtype: 'f32', shape: o.shape, data: Float32Array.from(o.data) });

test('webgpu package: WGSL kernels as files, program.json, webgpu as its one dependency, no compiler inside', async () => {
  const { pkg } = await buildSmall('BertForMaskedLM', 'webgpu');
  const program = JSON.parse(readFileSync(join(pkg, 'program.json'), 'utf8'));
  const kernels = readdirSync(join(pkg, 'kernels')).sort();
  assert.equal(kernels, program.kernels.map((k: { file: string }) => k.file.replace('kernels/', '')).sort());
  assert.ok(kernels.every((f) => f.endsWith('.wgsl') && readFileSync(join(pkg, 'kernels', f), 'utf8').includes('@compute')));
  assert.ok(program.launches.length > kernels.length && program.slots.length > 0, 'launches and a memory plan');
  assert.is(JSON.parse(readFileSync(join(pkg, 'manifest.json'), 'utf8')).target, 'webgpu');
  assert.equal(Object.keys(JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).dependencies), ['webgpu']);
  const text = readdirSync(join(pkg, 'chunks')).map((f) => readFileSync(join(pkg, 'chunks', f), 'utf8')).join('\n');
  for (const banned of ['// compiler/kernel/', '// backends/wgsl/renderer.ts', '// backends/wgsl/program.ts', 'chevrotain']) {
    assert.not.ok(text.includes(banned), `the bundle contains ${banned}`);
  }
  assert.match(text, /import\("webgpu"\)/, 'Dawn is imported on demand, from the app\'s node_modules');
});

test('webgpu package in plain node: outputs match the CPU reference (≤ 1e-4), same input checks', async () => {
  const { dir, pkg, ckpt } = await buildSmall('BertForMaskedLM', 'webgpu');
  // What `npm install` of the package's dependencies would give the app.
  if (!existsSync(join(dir, 'node_modules/webgpu'))) {
    mkdirSync(join(dir, 'node_modules'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules/webgpu'), join(dir, 'node_modules/webgpu'), 'dir');
  }
  const started = Date.now();
  const out = runApp<Record<string, unknown>>(dir, 'webgpu-app.mjs', APP);
  if (typeof out['noAdapter'] === 'string') {
    if (inCI()) assert.unreachable(`CI is set and this machine has no WebGPU adapter: ${out['noAdapter']}`);
    console.log(`\n  SKIPPING the webgpu package test (set CI=true to make this a failure): ${out['noAdapter']}`);
    return;
  }
  console.log(`\n  webgpu package app (load + 2 forwards, fresh process): ${Date.now() - started} ms on ${out['device']}`);
  assert.match(out['device'] as string, /^webgpu: \S/);
  assert.is(out['target'], 'webgpu');
  assert.equal(out['progress'], [42, 42]);
  const padded = assertMatches('padded', asHost(out['padded'] as Out), reference(pkg, ckpt, { input_ids: IDS, attention_mask: MASK }));
  const row = assertMatches('flatRow', asHost(out['flatRow'] as Out), reference(pkg, ckpt, { input_ids: [IDS[0]!] }));
  console.log(`  relative error vs the CPU reference: ${padded.toExponential(1)} (padded batch), ${row.toExponential(1)} (one row)`);
  const [name, message] = out['badInput'] as [string, string];
  assert.is(name, 'UserError');
  assert.match(message, /^inputIds\[0\]\[1\] is 1000, outside \[0, 97\)/);
});

test.run();
