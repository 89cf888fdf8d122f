/**
 * Where the pipelines' tokenizer and id2label come from: the checkpoint folder (tokenizer.json preferred, else
 * vocab.txt + tokenizer_config.json), the bytes passed to the loader, or a URL; and what happens when they are
 * missing or broken — the model still loads and runs `forward`, and the pipelines say what is missing.
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TINY_VOCAB, tinyTokenizerJson } from '../../../scripts/examples/tiny-bert.ts';
import { rejects, slow, tinyPackage, type Package } from './helpers.ts';

let mlm: Package;
let cls: Package;

test.before(async () => {
  mlm = await tinyPackage('BertForMaskedLM', { tokenizer: 'none' });
  cls = await tinyPackage('BertForSequenceClassification', { config: { id2label: { 0: 'NEG', 1: 'POS' } } });
});

/** A copy of `p`'s checkpoint folder with `files` written into it (undefined deletes one). */
function variant(p: Package, name: string, files: Record<string, string | undefined>): string {
  const dir = `${p.ckpt}-${name}`;
  cpSync(p.ckpt, dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    if (text === undefined) rmSync(join(dir, file), { force: true });
    else writeFileSync(join(dir, file), text);
  }
  return dir;
}

test('no tokenizer files: loads and runs forward; tokenizer and pipelines say what is missing', async () => {
  const model = await mlm.loadBert(mlm.ckpt);
  const { logits } = await model.forward({ inputIds: [[2, 10, 4, 3]] });
  assert.equal(logits!.shape, [1, 4, TINY_VOCAB.length]);
  const why = `no tokenizer: found neither tokenizer.json nor vocab.txt in ${mlm.ckpt}`;
  assert.throws(() => model.tokenizer, (e: Error) => e instanceof mlm.UserError && e.message.includes(why));
  await rejects(mlm, () => model.fillMask('a [MASK]'), why, "put the checkpoint's tokenizer files beside its weights");
  model.dispose();
});

test('vocab.txt + tokenizer_config.json when there is no tokenizer.json; the config is honoured', async () => {
  const cased = variant(mlm, 'cased', { 'vocab.txt': `${TINY_VOCAB.join('\n')}\n`, 'tokenizer_config.json': JSON.stringify({ do_lower_case: false }) });
  const model = await mlm.loadBert(cased);
  const tok = model.tokenizer;
  assert.is(model.tokenizer, tok, 'read once');
  assert.equal(tok.tokenize('Paris is big'), ['[UNK]', 'is', 'big'], 'cased: Paris is not in the lower-case vocabulary');
  const [candidates] = await model.fillMask('Paris is [MASK]', { topK: 1 });
  assert.ok(candidates![0]!.sequence.startsWith('is'), '[UNK] is a special token, left out of the sequence as HF does');
  model.dispose();
});

test('tokenizer.json is preferred over vocab.txt', async () => {
  const both = variant(mlm, 'both', { 'tokenizer.json': JSON.stringify(tinyTokenizerJson()), 'vocab.txt': '[UNK]\n[CLS]\n[SEP]\n' });
  const model = await mlm.loadBert(both);
  assert.equal(model.tokenizer.encode('The cat sat').input_ids, slow.encode('The cat sat').input_ids);
  model.dispose();
});

test('broken files are reported by a pipeline, naming the file and the checkpoint', async () => {
  const badTok = variant(mlm, 'badtok', { 'tokenizer.json': '{ "model": ' });
  const model = await mlm.loadBert(badTok);
  await rejects(mlm, () => model.fillMask('a [MASK]'), `the tokenizer in ${badTok}: tokenizer.json:1:`, 'invalid JSON');
  model.dispose();
  const badConfig = variant(cls, 'badconfig', { 'config.json': '{ "id2label": ' });
  const classifier = await cls.loadBert(badConfig);
  assert.equal((await classifier.forward({ inputIds: [[2, 3]] })).logits!.shape, [1, 2], 'forward does not need config.json');
  await rejects(cls, () => classifier.classify('text'), `config.json in ${badConfig}: invalid JSON`, 'id2label');
  classifier.dispose();
  const noConfig = variant(cls, 'noconfig', { 'config.json': undefined });
  const unnamed = await cls.loadBert(noConfig);
  assert.equal((await unnamed.classify('text', { topK: 2 })).map((l) => l.label).sort(), ['LABEL_0', 'LABEL_1']);
  unnamed.dispose();
});

test('from bytes: the tokenizer and config.json passed beside model.safetensors', async () => {
  const read = (f: string) => new Uint8Array(readFileSync(join(cls.ckpt, f)));
  const model = await cls.loadBert({ 'model.safetensors': read('model.safetensors'), 'tokenizer.json': read('tokenizer.json'), 'config.json': read('config.json') });
  const fromDisk = await cls.loadBert(cls.ckpt);
  assert.equal(await model.classify('I loved this film!', { topK: 2 }), await fromDisk.classify('I loved this film!', { topK: 2 }));
  assert.ok(['NEG', 'POS'].includes((await model.classify('x'))[0]!.label));
  const bare = await cls.loadBert({ 'model.safetensors': read('model.safetensors') });
  await rejects(cls, () => bare.classify('x'), 'no tokenizer: found neither tokenizer.json nor vocab.txt in the files passed to the loader');
  for (const m of [model, fromDisk, bare]) m.dispose();
});

test('from a URL: the tokenizer and config.json are fetched beside the weights', async () => {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url!);
    try {
      res.end(readFileSync(join(cls.ckpt, req.url!.slice('/ckpt/'.length))));
    } catch {
      res.statusCode = 404;
      res.end();
    }
  }).listen(0);
  await new Promise((r) => server.once('listening', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ckpt`;
    const model = await cls.loadBert(new URL(url));
    const fromDisk = await cls.loadBert(cls.ckpt);
    assert.equal(await model.classify('I loved this film!'), await fromDisk.classify('I loved this film!'));
    assert.ok(requests.includes('/ckpt/tokenizer.json') && requests.includes('/ckpt/config.json'));
    assert.not.ok(requests.includes('/ckpt/vocab.txt'), 'vocab.txt is not fetched when tokenizer.json is there');
    const viaFile = await cls.loadBert(`${url}/model.safetensors`);
    assert.ok(viaFile.tokenizer.vocabSize === TINY_VOCAB.length, 'beside a .safetensors URL');
    for (const m of [model, fromDisk, viaFile]) m.dispose();
  } finally {
    server.close();
  }
});

test.run();
