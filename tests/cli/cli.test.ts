/**
 * The dslc command line as a user runs it: exit codes, messages without stack traces, and each command's output.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { expectedParams } from '../../runtime/cpu-model.ts';
import { writeRandomCheckpoint } from '../../runtime/weights/random-checkpoint.ts';
import { compileBert } from '../specs/bert-helpers.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

function dslc(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/dslc.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const noStack = (text: string) => assert.not.match(text, /\n\s+at .*\(.*:\d+:\d+\)/, `stack trace printed:\n${text}`);

test('--help lists the commands; each command has its own --help', () => {
  const r = dslc('--help');
  assert.is(r.code, 0);
  for (const c of ['check', 'ir', 'build', 'run']) assert.match(r.out, new RegExp(`\\n  ${c} `));
  const b = dslc('build', '--help');
  assert.is(b.code, 0);
  assert.match(b.out, /--entry NAME/);
  assert.match(b.out, /--config FILE/);
});

test('check: ok on specs/bert.dsl, file:line:col errors on a bad source, exit 1, no stack', () => {
  const ok = dslc('check', 'specs/bert.dsl');
  assert.is(ok.code, 0, ok.err);
  assert.match(ok.out, /specs\/bert.dsl: ok/);
  const dir = mkdtempSync(join(tmpdir(), 'dslc-cli-'));
  const bad = join(dir, 'bad.dsl');
  writeFileSync(bad, 'config C { n: int = 4 }\nmodule M(c: C) {\n  fn forward[B](x: f32[B, c.n]) -> f32[B, c.n] {\n    return matmul(x, x)\n  }\n}\n');
  const r = dslc('check', bad);
  assert.is(r.code, 1);
  assert.match(r.err, new RegExp(`${bad}:4:12: error: matmul of f32\\[B, 4\\] and f32\\[B, 4\\]: inner dimensions 4 and B differ`));
  assert.match(r.err, /\^\^\^/);
  noStack(r.err);
});

test('user mistakes on the command line are one-line errors', () => {
  for (const [args, msg] of [
    [['check', 'no-such.dsl'], /cannot read model source no-such.dsl: no such file/],
    [['ir', 'specs/bert.dsl'], /missing --entry NAME/],
    [['ir', 'specs/bert.dsl', '--entry', 'BertModle'], /did you mean 'BertModel'/],
    [['ir', 'specs/bert.dsl', '--entry', 'BertModel', '--set', 'hidden_size=abc'], /"hidden_size" must be an integer/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['build', 'specs/bert.dsl', '--entry', 'BertModel', '--target', 'tpu'], /unknown --target 'tpu'/],
  ] as const) {
    const r = dslc(...args);
    assert.is(r.code, 1, args.join(' '));
    assert.match(r.err, msg);
    noStack(r.err);
  }
});

test('ir prints the graph with source positions; --json is JSON', () => {
  const r = dslc('ir', 'specs/bert.dsl', '--entry', 'BertModel', '--set', 'num_hidden_layers=1');
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /graph BertModel.forward \[B, S\]/);
  assert.match(r.out, /= softmax\(%\d+\) \{axis: 3\} : f32\[B, 12, S, S\]  # bert.dsl:\d+:\d+/);
  const j = dslc('ir', 'specs/bert.dsl', '--entry', 'BertForQuestionAnswering', '--set', 'num_hidden_layers=1', '--json');
  assert.equal(JSON.parse(j.out).outputs.map((o: { name: string }) => o.name), ['start_logits', 'end_logits']);
});

test('ir --precision: narrow storage after the fusions; a bad name is a one-line error', () => {
  const r = dslc('ir', 'specs/bert.dsl', '--entry', 'BertModel', '--set', 'num_hidden_layers=1', '--fuse', 'all', '--precision', 'fp16');
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /= attention\(.*: f16\[B, S, 12, 64\]/);
  // the embeddings: three f16 gathers summed and normalised by one add_norm (fuse-add-norm), stored f16
  assert.match(r.out, /= add_norm\(.*: f16\[B, S, 768\]/, 'the embeddings LayerNorm is stored f16');
  assert.is((r.out.match(/= gather\(.*: f16\[/g) ?? []).length, 3, 'the embedding rows are f16');
  assert.match(r.out, /= matmul_norm\(.*: f16\[B, S, 768\]/, 'the attention output LayerNorm is stored f16');
  assert.match(r.out, /= matmul_norm\(.*: f32\[B, S, 768\]/, 'the output (a fused LayerNorm with --fuse all) stays f32');
  const q = dslc('ir', 'specs/bert.dsl', '--entry', 'BertModel', '--set', 'num_hidden_layers=1', '--precision', 'int8w');
  assert.is(q.code, 0, q.err);
  assert.match(q.out, /quant: "?int8"?/);
  const bad = dslc('ir', 'specs/bert.dsl', '--entry', 'BertModel', '--precision', 'half');
  assert.is(bad.code, 1);
  assert.match(bad.err, /--precision: unknown precision "half" \(known: fp32, fp16, bf16, int8w\)/);
  noStack(bad.err);
});

test('run: token ids through a checkpoint folder; bad ids are reported by name', () => {
  const config = { vocab_size: 40, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 24, max_position_embeddings: 16 };
  const dir = mkdtempSync(join(tmpdir(), 'dslc-run-'));
  writeRandomCheckpoint(dir, expectedParams(compileBert('BertForMaskedLM', config)), { config, seed: 3 });
  const r = dslc('run', 'specs/bert.dsl', '--entry', 'BertForMaskedLM', '--weights', dir, '--ids', '1,5,7;2,3,0', '--mask', '1,1,1;1,1,0');
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /logits: f32\[2, 3, 40\]/);
  const j = JSON.parse(dslc('run', 'specs/bert.dsl', '--entry', 'BertForMaskedLM', '--weights', dir, '--ids', '1,5,7', '--json').out);
  assert.is(j.logits.data.length, 120);
  assert.ok(j.logits.data.every((x: number) => Number.isFinite(x)));
  const bad = dslc('run', 'specs/bert.dsl', '--entry', 'BertForMaskedLM', '--weights', dir, '--ids', '1,40,7');
  assert.is(bad.code, 1);
  assert.match(bad.err, /input "input_ids" has value 40 .*outside \[0, 40\)/);
  const long = dslc('run', 'specs/bert.dsl', '--entry', 'BertForMaskedLM', '--weights', dir, '--ids', Array(17).fill(1).join(','));
  assert.is(long.code, 1);
  assert.match(long.err, /sequence is longer than max_position_embeddings/);
  noStack(bad.err + long.err);
});

test.run();
