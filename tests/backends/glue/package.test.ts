/**
 * A package built by `dslc build`, used the way an app uses it: a plain-node .mjs importing only `pkg/index.js` from a
 * temp folder outside the repo. Its outputs must be bit-identical to runtime/cpu-model.ts on the same inputs (the
 * same executor runs both), whichever way the inputs and the checkpoint are given.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HostTensor } from '../../../backends/tensor.ts';
import { graphFromJson } from '../../../compiler/ir/print.ts';
import { loadCpuModel } from '../../../runtime/cpu-model.ts';
import { buildSmall, runApp, SMALL } from './helpers.ts';

const IDS = [
  [2, 15, 87, 4, 96],
  [2, 9, 4, 3, 0],
];
const MASK = [
  [1, 1, 1, 1, 1],
  [1, 1, 1, 1, 0],
];

interface Out {
  shape: number[];
  data: number[];
}

function reference(pkg: string, ckpt: string, inputs: Record<string, number[][]>): Record<string, HostTensor> {
  const graph = graphFromJson(JSON.parse(readFileSync(join(pkg, 'graph.json'), 'utf8')));
  return loadCpuModel(graph, ckpt).forward(inputs);
}

function assertSame(got: Out, want: HostTensor, what: string): void {
  assert.equal(got.shape, want.shape, `${what}: shape`);
  const g = Float32Array.from(got.data);
  const bad = want.data.findIndex((x, i) => !Object.is(x, g[i]));
  assert.is(bad, -1, `${what}: element ${bad} is ${g[bad]}, the CPU runtime gives ${want.data[bad]}`);
}

const MLM_APP = `
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { loadBert } from './pkg/index.js';

const ids = ${JSON.stringify(IDS)};
const mask = ${JSON.stringify(MASK)};
const plain = (t) => ({ dtype: t.dtype, shape: t.shape, data: Array.from(t.data) });
const progress = [];
const model = await loadBert('./ckpt', { onProgress: (p) => progress.push(p) });
const out = {
  nested: plain((await model.forward({ inputIds: ids, attentionMask: mask })).logits),
  tensor: plain((await model.forward({ inputIds: { shape: [2, 5], data: Int32Array.from(ids.flat()) }, attentionMask: mask })).logits),
  flatRow: plain((await model.forward({ inputIds: Int32Array.from(ids[0]) })).logits),
  oneRow: plain((await model.forward({ inputIds: [ids[0]], attentionMask: [[1, 1, 1, 1, 1]], tokenTypeIds: [[0, 0, 0, 0, 0]] })).logits),
  progress: { count: progress.length, last: progress.at(-1), first: progress[0] },
  vocab: model.config.vocab_size,
  entry: model.manifest.entry,
  outputKeys: Object.keys(await model.forward({ inputIds: [[1]] })),
};
model.dispose();

const bytes = await loadBert({ 'model.safetensors': readFileSync('./ckpt/model.safetensors'), 'config.json': new Uint8Array() });
out.fromBytes = plain((await bytes.forward({ inputIds: ids, attentionMask: mask })).logits);

const server = createServer((req, res) => {
  try {
    res.end(readFileSync(join('./ckpt', req.url.slice(1))));
  } catch {
    res.statusCode = 404;
    res.end();
  }
}).listen(0);
await new Promise((r) => server.once('listening', r));
const fetched = await loadBert(new URL('http://127.0.0.1:' + server.address().port + '/'));
out.fromUrl = plain((await fetched.forward({ inputIds: ids, attentionMask: mask })).logits);
server.close();
console.log(JSON.stringify(out));
`;

test('BertForMaskedLM package: bit-identical to the CPU runtime for every way of passing inputs and weights', async () => {
  const { dir, pkg, ckpt } = await buildSmall('BertForMaskedLM');
  const out = runApp<Record<string, Out & Record<string, unknown>>>(dir, 'mlm-app.mjs', MLM_APP);
  const want = reference(pkg, ckpt, { input_ids: IDS, attention_mask: MASK }).logits!;
  assert.equal(want.shape, [2, 5, SMALL.vocab_size]);
  for (const k of ['nested', 'tensor', 'fromBytes', 'fromUrl']) assertSame(out[k]!, want, k);
  const row = reference(pkg, ckpt, { input_ids: [IDS[0]!] }).logits!;
  assertSame(out['flatRow']!, row, 'a flat Int32Array is one row');
  assertSame(out['oneRow']!, row, 'explicit default mask and token types');
  assert.equal(out['progress'], {
    count: 42,
    first: { done: 1, total: 42, name: 'bert.embeddings.word_embeddings.weight' },
    last: { done: 42, total: 42, name: 'cls.predictions.bias' },
  });
  assert.is(out['vocab'], SMALL.vocab_size);
  assert.is(out['entry'], 'BertForMaskedLM.forward');
  assert.equal(out['outputKeys'], ['logits']);
});

test('BertModel package: outputs under their camelCase names, bit-identical', async () => {
  const { dir, pkg, ckpt } = await buildSmall('BertModel');
  const out = runApp<Record<string, Out>>(dir, 'base-app.mjs', `
    import { loadBert } from './pkg/index.js';
    const model = await loadBert('./ckpt');
    const r = await model.forward({ inputIds: ${JSON.stringify(IDS)}, attentionMask: ${JSON.stringify(MASK)} });
    console.log(JSON.stringify(Object.fromEntries(Object.entries(r).map(([k, t]) => [k, { shape: t.shape, data: Array.from(t.data) }]))));
  `);
  const want = reference(pkg, ckpt, { input_ids: IDS, attention_mask: MASK });
  assert.equal(Object.keys(out), ['lastHiddenState', 'poolerOutput']);
  assertSame(out['lastHiddenState']!, want['last_hidden_state']!, 'lastHiddenState');
  assertSame(out['poolerOutput']!, want['pooler_output']!, 'poolerOutput');
});

test('the folder stands alone: no compiler in the bundle, no static node: import from index.js', async () => {
  const { pkg } = await buildSmall('BertForMaskedLM');
  assert.equal(readdirSync(pkg).sort(), [
    'chunks', 'graph.json', 'index.d.ts', 'index.js', 'index.ts', 'manifest.json', 'package.json', 'pipelines.d.ts', 'runtime.d.ts', 'runtime.js',
  ]);
  const js = ['index.js', 'runtime.js', ...readdirSync(join(pkg, 'chunks')).map((f) => `chunks/${f}`)];
  const text = js.map((f) => readFileSync(join(pkg, f), 'utf8')).join('\n');
  for (const banned of ['chevrotain', 'ts-morph', 'node_modules', '// dsl/parser.ts', '// compiler/elaborate/', '// compiler/pipeline.ts']) {
    assert.not.ok(text.includes(banned), `the bundle contains ${banned}`);
  }
  assert.ok(text.includes('// compiler/ir/print.ts'), 'the IR JSON loader is bundled');
  // What index.js loads before any call: itself and the chunks it imports statically, transitively.
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const src = readFileSync(join(pkg, file), 'utf8');
    for (const m of src.matchAll(/^(?:import|export)\s[^;]*?from\s*"([^"]+)"|^import\s*"([^"]+)"/gms)) {
      const spec = (m[1] ?? m[2])!;
      assert.not.match(spec, /^node:/, `${file} imports ${spec} statically`);
      visit(join(file, '..', spec));
    }
  };
  visit('index.js');
  assert.ok([...seen].some((f) => f.startsWith('chunks/')));
  assert.not.ok([...seen].some((f) => f.includes('package-node')), 'the Node-only chunk is loaded on demand');
  const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
  assert.equal([manifest.type, manifest.main, manifest.types], ['module', './index.js', './index.d.ts']);
});

test.run();
