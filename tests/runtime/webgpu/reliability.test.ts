/**
 * Reliability of the WebGPU runtime: no GPU-buffer or heap growth over many forwards and load/dispose cycles
 * (scripts/soak.ts with small counts, in a child process with --expose-gc), bit-identical outputs for the same input
 * (two forwards, two models on one device), concurrent forwards equal to sequential ones, clear UserErrors after
 * dispose() and after a device loss (and a working reload on a fresh device), and bad inputs rejected with the CPU
 * reference's messages.
 *
 * The device-loss test destroys the shared device, so it runs last.
 */
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runGraph } from '../../../backends/cpu/index.ts';
import { hostTensor, type HostTensor } from '../../../backends/tensor.ts';
import { compileWgsl } from '../../../backends/wgsl/program.ts';
import { compileGraph } from '../../../compiler/pipeline.ts';
import { expectedParams } from '../../../runtime/cpu-model.ts';
import { WebGpuModel, webgpuContext, webgpuStats } from '../../../runtime/webgpu/index.ts';
import { randomTensors } from '../../../runtime/weights/random-checkpoint.ts';
import { ROOT } from '../../backends/glue/helpers.ts';
import { BERT_SOURCE } from '../../specs/bert-helpers.ts';
import { gpu, sameError, type Weights } from './helpers.ts';

const CONFIG = { num_hidden_layers: 1, hidden_size: 16, num_attention_heads: 2, intermediate_size: 24, vocab_size: 31, max_position_embeddings: 16, type_vocab_size: 2 };
const H = CONFIG.hidden_size;
const inCI = (): boolean => /^(1|true|yes)$/i.test(process.env['CI'] ?? '');

const graph = compileGraph(BERT_SOURCE, { entry: 'BertModel', config: CONFIG });
const program = compileWgsl(graph);
const weights: Weights = new Map(Object.entries(randomTensors(expectedParams(graph), { seed: 5, std: 0.2 })).map(([k, t]) => [k, t.data as Float32Array]));

function ids(b: number, s: number, seed: number): Record<string, HostTensor> {
  const n = b * s;
  return { input_ids: hostTensor('i32', [b, s], Array.from({ length: n }, (_, j) => (seed * 13 + j * 7) % CONFIG.vocab_size)) };
}

/** Every output's bytes, for bit-exact comparison. */
const bytesOf = (out: Record<string, HostTensor>): Record<string, number[]> =>
  Object.fromEntries(Object.entries(out).map(([k, t]) => [k, [...t.shape, ...new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)]]));

async function rejects(p: Promise<unknown>, re: RegExp, what: string): Promise<Error> {
  try {
    await p;
  } catch (e) {
    assert.is((e as Error).name, 'UserError', `${what}: ${(e as Error).name}: ${(e as Error).message}`);
    assert.match((e as Error).message, re, what);
    return e as Error;
  }
  assert.unreachable(`${what}: resolved`);
  throw new Error('unreachable');
}

test('no GPU-buffer or heap growth over 100 forwards and 20 load/dispose cycles (scripts/soak.ts, child process)', () => {
  const started = Date.now();
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'scripts/soak.ts', '--forwards', '100', '--cycles', '20', '--json'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0 && /no WebGPU adapter/.test(r.stderr) && !inCI()) {
    console.log('\n  SKIPPING the WebGPU soak (no adapter; set CI=true to make this a failure)');
    return;
  }
  assert.is(r.status, 0, r.stderr);
  interface S { step: number; buffers: number; bytes: number; models: number; devices: number; heap: number }
  const out = JSON.parse(r.stdout) as { forwards: S[]; cycles: S[]; final: S; forwardMs: number; cycleMs: number };
  const [first, ...rest] = out.forwards;
  assert.ok(first && rest.length >= 10, 'forward samples');
  // Input and slot buffers are made by the first forwards (three sequence lengths); after that nothing is allocated.
  for (const s of rest) {
    assert.equal([s.buffers, s.bytes, s.models, s.devices], [rest[0]!.buffers, rest[0]!.bytes, 1, 1], `GPU buffers after ${s.step} forwards`);
  }
  for (const s of out.cycles) assert.equal([s.buffers, s.bytes, s.models, s.devices], [0, 0, 0, 1], `after load/dispose cycle ${s.step}`);
  assert.equal([out.final.buffers, out.final.bytes, out.final.models], [0, 0, 0]);
  const growth = (xs: S[]) => xs[xs.length - 1]!.heap - xs[0]!.heap;
  assert.ok(growth(rest) < 1 << 20, `heap grew by ${growth(rest)} bytes over 100 forwards: ${rest.map((s) => s.heap)}`);
  assert.ok(growth(out.cycles) < 1 << 20, `heap grew by ${growth(out.cycles)} bytes over 20 cycles: ${out.cycles.map((s) => s.heap)}`);
  console.log(
    `\n  soak child (100 forwards ${out.forwardMs} ms, 20 cycles ${out.cycleMs} ms, ${Date.now() - started} ms in all): ` +
      `${rest[0]!.buffers} GPU buffers / ${rest[0]!.bytes} bytes while loaded, 0 after dispose; heap growth ` +
      `${growth(rest)} B (forwards), ${growth(out.cycles)} B (cycles)`,
  );
});

test('the same input gives bit-identical outputs: two forwards, and two models on the same device', async () => {
  if (!(await gpu())) return;
  const a = await WebGpuModel.load(graph, program, weights);
  const b = await WebGpuModel.load(graph, program, weights);
  try {
    assert.is(a.context, b.context, 'one shared device');
    const first = bytesOf(await a.forward(ids(2, 7, 1)));
    await a.forward(ids(3, 4, 2)); // other sizes in between: buffers grow, uniforms change
    assert.equal(bytesOf(await a.forward(ids(2, 7, 1))), first, 'second forward of the same model');
    assert.equal(bytesOf(await b.forward(ids(2, 7, 1))), first, 'a second model instance');
  } finally {
    a.dispose();
    b.dispose();
  }
});

test('concurrent forwards on one model equal their sequential results; inputs are copied when called', async () => {
  if (!(await gpu())) return;
  const model = await WebGpuModel.load(graph, program, weights);
  const shapes = [[2, 5], [1, 9], [3, 3], [2, 5], [1, 12]] as const;
  const sequential: Record<string, number[]>[] = [];
  for (const [i, [bsz, s]] of shapes.entries()) sequential.push(bytesOf(await model.forward(ids(bsz, s, 20 + i))));
  const together = await Promise.all(shapes.map(([bsz, s], i) => model.forward(ids(bsz, s, 20 + i))));
  together.forEach((got, i) => assert.equal(bytesOf(got), sequential[i], `concurrent forward ${i}`));

  // An app that reuses one input array: changing it right after the call must not change the queued forward.
  const reused = ids(2, 5, 20);
  const queued = [model.forward(reused), model.forward(ids(1, 9, 21))];
  (reused['input_ids']!.data as Int32Array).fill(0);
  assert.equal(bytesOf((await Promise.all(queued))[0]!), sequential[0], 'the input as it was at the call');

  // dispose() while forwards are queued: they finish, later calls reject, and the buffers go once they are done.
  const before = webgpuStats();
  const pending = [model.forward(ids(2, 5, 20)), model.forward(ids(1, 9, 21))];
  model.dispose();
  await rejects(model.forward(ids(2, 5, 20)), /^this model was disposed; load it again to run it$/, 'forward after dispose');
  assert.equal(bytesOf((await Promise.all(pending))[0]!), sequential[0], 'a forward accepted before dispose()');
  const after = webgpuStats();
  assert.is(after.models, before.models - 1);
  assert.ok(after.buffers < before.buffers && after.bytes < before.bytes, `buffers freed: ${JSON.stringify([before, after])}`);
  model.dispose(); // twice is fine
  assert.equal(webgpuStats(), after);
});

test('bad inputs to inputs_embeds (BertModel with inputs_embeds) fail as on the CPU reference, naming the input', async () => {
  const g = compileGraph(BERT_SOURCE, { entry: 'BertModel', inputs: ['inputs_embeds'], config: CONFIG });
  const w: Weights = new Map(Object.entries(randomTensors(expectedParams(g), { seed: 6, std: 0.2 })).map(([k, t]) => [k, t.data as Float32Array]));
  const embeds = (b: number, s: number, at?: number, v = NaN) => {
    const data = Float32Array.from({ length: b * s * H }, (_, i) => Math.sin(i));
    if (at !== undefined) data[at] = v;
    return hostTensor('f32', [b, s, H], data);
  };
  const cases: [Record<string, HostTensor>, RegExp][] = [
    [{ inputs_embeds: embeds(2, 3, H + 2) }, /^input "inputs_embeds" has value NaN at \[0, 1, 2\], but float inputs must be finite$/],
    [{ inputs_embeds: embeds(1, 2, 5, Infinity) }, /^input "inputs_embeds" has value Infinity at \[0, 0, 5\]/],
    [{ inputs_embeds: hostTensor('i32', [1, 2, H], new Int32Array(2 * H)) }, /inputs_embeds/],
    [{ inputs_embeds: { dtype: 'f32', shape: [1, 2, H], data: new Int32Array(2 * H) } as unknown as HostTensor }, /inputs_embeds/],
    [{ inputs_embeds: embeds(2, 3), attention_mask: hostTensor('i32', [2, 4], new Int32Array(8).fill(1)) }, /attention_mask/],
    [{ inputs_embeds: embeds(1, 2), attention_mask: hostTensor('f32', [1, 2], [1, 1]) }, /attention_mask/],
    [{ inputs_embeds: hostTensor('f32', [2, 3, H + 1], new Float32Array(6 * (H + 1))) }, /inputs_embeds/],
  ];
  for (const [inputs, re] of cases) {
    const message = await sameError(g, inputs, w);
    assert.match(message, re);
  }
  // An empty batch is no error at this level (the package API refuses it before any executor): WebGPU returns the
  // CPU reference's empty outputs.
  const cpu = runGraph(g, { inputs_embeds: embeds(0, 3) }, w);
  if (await gpu()) {
    const model = await WebGpuModel.load(g, compileWgsl(g), w);
    try {
      const got = await model.forward({ inputs_embeds: embeds(0, 3) });
      for (const k of Object.keys(cpu)) assert.equal([got[k]!.shape, got[k]!.data.length], [cpu[k]!.shape, 0], k);
    } finally {
      model.dispose();
    }
  }
});

test('device loss: forwards reject with a UserError saying why; loading again gets a fresh device', async () => {
  const context = await gpu();
  if (!context) return;
  const start = webgpuStats(); // other test files share this process: counts are compared, not expected to be 0
  const model = await WebGpuModel.load(graph, program, weights);
  const want = bytesOf(await model.forward(ids(2, 5, 3)));
  const inFlight = model.forward(ids(2, 5, 3)); // queued when the device goes
  model.context.device.destroy();
  const lostRe = /^the WebGPU device was lost \(destroyed: .+\) on .+; load the model again to run it on a new device$/;
  await rejects(inFlight, lostRe, 'a forward queued before the loss');
  const e = await rejects(model.forward(ids(2, 5, 3)), lostRe, 'a forward after the loss');
  assert.match(e.message, /destroyed/);
  assert.is(model.context.lost?.reason, 'destroyed');
  assert.is(webgpuStats().devices, start.devices - 1);
  model.dispose();
  await rejects(WebGpuModel.load(graph, program, weights, { context: model.context }), lostRe, 'loading on the lost device');

  const fresh = await webgpuContext();
  assert.is.not(fresh, model.context, 'a new device');
  const again = await WebGpuModel.load(graph, program, weights);
  try {
    assert.is(again.context, fresh);
    assert.equal(bytesOf(await again.forward(ids(2, 5, 3))), want, 'the reloaded model gives the same bits');
  } finally {
    again.dispose();
  }
  const end = webgpuStats();
  assert.equal([end.buffers, end.bytes, end.models, end.devices], [start.buffers, start.bytes, start.models, start.devices], 'nothing left after every dispose');
});

test.run();
