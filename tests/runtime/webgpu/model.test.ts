/**
 * The WebGPU model as an executor: grids past the per-dispatch workgroup limit, symbolic sizes on one loaded model,
 * the CPU reference's input and weight errors (same class, same message), index checks, dispose and concurrency.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runGraph } from '../../../backends/cpu/index.ts';
import { hostTensor, type HostTensor } from '../../../backends/tensor.ts';
import { dimParse } from '../../../compiler/ir/dim.ts';
import { Op } from '../../../compiler/ir/ops.ts';
import { foldGrid } from '../../../runtime/webgpu/dispatch.ts';
import { loadWebGpuModel } from '../../../runtime/webgpu/index.ts';
import { Builder, randoms } from '../../backends/cpu/helpers.ts';
import { assertMatches, compareWithCpu, gpu, sameError } from './helpers.ts';

const f32 = (shape: number[], seed: number) => hostTensor('f32', shape, Float32Array.from(randoms(shape.reduce((a, b) => a * b, 1), seed)));
const i32 = (shape: number[], values: number[]) => hostTensor('i32', shape, Int32Array.from(values));

test('grids fold onto two dimensions past 65535 workgroups', () => {
  assert.equal(foldGrid(0, 65535), [0, 0]);
  assert.equal(foldGrid(65535, 65535), [65535, 1]);
  assert.equal(foldGrid(65536, 65535), [32768, 2]);
  assert.equal(foldGrid(200001, 65535), [50001, 4]);
  assert.throws(() => foldGrid(65535 * 65535 + 1, 65535), /more than/);
});

test('an elementwise op over more than 65535 x 256 elements and a softmax over 70000 rows', async () => {
  const n = 65535 * 256 + 1001; // odd: no 4-wide path, one thread per element, 65540 workgroups
  const b = new Builder();
  const x = b.input('x', 'f32', [n]);
  const y = b.input('y', 'f32', [1]);
  await compareWithCpu(b.graph({ out: b.op(Op.Mul, 'f32', [n], [x, y]) }), { x: f32([n], 1), y: f32([1], 2) });
  const r = new Builder();
  const rows = r.input('x', 'f32', [70000, 3]);
  await compareWithCpu(r.graph({ out: r.op(Op.Softmax, 'f32', [70000, 3], [rows], { axis: 1 }) }), { x: f32([70000, 3], 3) });
});

/** Symbolic B and S: embeddings, position ids from arange(S), a [B, S] constant, a mask, a matmul. */
function symbolic() {
  const b = new Builder();
  const ids = b.input('ids', 'i32', ['B', 'S'], { range: [0, 11] });
  const mask = b.input('mask', 'i32', ['B', 'S'], { fill: 1 });
  const emb = b.op(Op.Gather, 'f32', ['B', 'S', 6], [b.param('emb', 'f32', [11, 6]), ids], { what: 'ids' });
  const pos = b.op(Op.Gather, 'f32', ['S', 6], [b.param('pos', 'f32', [40, 6]), b.op(Op.Arange, 'i32', ['S'], [])], { what: 'positions' });
  const ones = b.op(Op.Const, 'f32', ['B', 'S'], [], { value: 1 });
  const keep = b.op(Op.Sub, 'f32', ['B', 'S'], [ones, b.op(Op.Cast, 'f32', ['B', 'S'], [mask])]);
  const h = b.op(Op.Add, 'f32', ['B', 'S', 6], [emb, pos]);
  const scores = b.op(Op.MatMul, 'f32', ['B', 'S', 'S'], [h, b.op(Op.Permute, 'f32', ['B', 6, 'S'], [h], { perm: [0, 2, 1] })]);
  const masked = b.op(Op.Add, 'f32', ['B', 'S', 'S'], [scores, b.op(Op.Reshape, 'f32', ['B', 1, 'S'], [b.op(Op.Mul, 'f32', ['B', 'S'], [keep, b.op(Op.Const, 'f32', [], [], { value: -1e9 })])])]);
  const probs = b.op(Op.Softmax, 'f32', ['B', 'S', 'S'], [masked], { axis: 2 });
  const flat = b.op(Op.Reshape, 'f32', ['B*S', 'S'], [probs]);
  return { graph: b.graph({ probs, flat, sum: b.op(Op.ReduceSum, 'f32', ['B', 'S'], [probs], { axis: 2 }) }, [{ dim: dimParse('S'), max: 40, message: 'S too long' }]) };
}
const weights = new Map([['emb', f32([11, 6], 4).data as Float32Array], ['pos', f32([40, 6], 5).data as Float32Array]]);

function idsOf(bsz: number, seq: number, seed: number): Record<string, HostTensor> {
  const ids = i32([bsz, seq], randoms(bsz * seq, seed).map((u) => Math.floor(Math.abs(u) * 10.99)));
  const mask = i32([bsz, seq], [...Array(bsz * seq).keys()].map((i) => (i % seq < seq - (i % 3) ? 1 : 0)));
  return { ids, mask };
}

test('one model serves every B and S: buffers grow, then smaller runs reuse them', async () => {
  if (!(await gpu())) return;
  const { graph } = symbolic();
  const model = await loadWebGpuModel(graph, weights);
  try {
    for (const [bsz, seq, seed] of [[2, 5, 1], [3, 40, 2], [1, 1, 3], [2, 5, 4], [0, 6, 6], [7, 13, 5]] as const) {
      const inputs = idsOf(bsz, seq, seed);
      const want = runGraph(graph, inputs, weights);
      const got = await model.forward(inputs);
      for (const name of Object.keys(want)) assertMatches(`${name} at B=${bsz} S=${seq}`, got[name]!, want[name]!);
    }
    const omitted = await model.forward({ ids: idsOf(2, 3, 6)['ids']! });
    assertMatches('probs with the mask filled in', omitted['probs']!, runGraph(graph, { ids: idsOf(2, 3, 6)['ids']! }, weights)['probs']!);
  } finally {
    model.dispose();
  }
});

test('forwards issued together run one after another; a second load compiles nothing', async () => {
  const context = await gpu();
  if (!context) return;
  const { graph } = symbolic();
  const before = context.pipelineCount;
  const model = await loadWebGpuModel(graph, weights);
  assert.is(context.pipelineCount, before, 'every kernel was cached by the previous test');
  const sizes = [[2, 5], [3, 9], [2, 5], [1, 17]] as const;
  const results = await Promise.all(sizes.map(([bsz, seq], i) => model.forward(idsOf(bsz, seq, 10 + i))));
  results.forEach((got, i) => assertMatches(`run ${i}`, got['probs']!, runGraph(graph, idsOf(sizes[i]![0], sizes[i]![1], 10 + i), weights)['probs']!));
  model.dispose();
  try {
    await model.forward(idsOf(1, 2, 1));
    assert.unreachable('a disposed model ran');
  } catch (e) {
    assert.is((e as Error).name, 'UserError');
    assert.match((e as Error).message, /disposed/);
  }
});

test('bad inputs and weights fail as on the CPU reference, with the same messages', async () => {
  const { graph } = symbolic();
  await sameError(graph, {}, weights);
  await sameError(graph, { ids: hostTensor('f32', [1, 2], [1, 2]) }, weights);
  await sameError(graph, { ids: i32([2, 3], [1, 2, 3, 4, 5, 6]), mask: i32([2, 4], [1, 1, 1, 1, 1, 1, 1, 1]) }, weights);
  await sameError(graph, { ids: i32([1, 3], [1, 2, 11]) }, weights);
  await sameError(graph, { ids: i32([1, 41], Array(41).fill(1)) }, weights);
  await sameError(graph, { ids: i32([1, 2], [1, 2]), extra: i32([1], [0]) }, weights);
  await sameError(graph, { ids: i32([1, 2], [1, 2]) }, new Map([['emb', weights.get('emb')!]]));
  await sameError(graph, { ids: i32([1, 2], [1, 2]) }, new Map([...weights, ['pos', new Float32Array(3)]]));
});

test('gather ids and cross-entropy labels from inputs are checked like the reference checks them', async () => {
  const b = new Builder();
  const table = b.param('t', 'f32', [5, 3]);
  const ids = b.input('ids', 'i32', ['N']);
  const g = b.graph({ out: b.op(Op.Gather, 'f32', ['N', 3], [table, ids], { what: 'token ids' }) });
  const w = new Map([['t', f32([5, 3], 7).data as Float32Array]]);
  assert.match(await sameError(g, { ids: i32([4], [0, 4, 5, 1]) }, w), /token ids: index 5 at \[2\] is outside \[0, 5\)/);

  // labels[:, 1:] flattened, as a decoder's shifted loss reads them
  const c = new Builder();
  const logits = c.input('logits', 'f32', ['B*S - B', 4]);
  const labels = c.input('labels', 'i32', ['B', 'S']);
  const shifted = c.op(Op.Reshape, 'i32', ['B*S - B'], [c.op(Op.Slice, 'i32', ['B', 'S - 1'], [labels], { axis: 1, start: 1, end: 'S' })]);
  const ce = c.graph({ loss: c.op(Op.CrossEntropy, 'f32', [], [logits, shifted], { ignoreIndex: -100 }) });
  const inputs = { logits: f32([4, 4], 8), labels: i32([2, 3], [9, 0, 3, 9, -100, 2]) };
  await compareWithCpu(ce, inputs); // the 9s sit in the column the slice drops
  assert.match(await sameError(ce, { ...inputs, labels: i32([2, 3], [9, 0, 4, 9, -100, 2]) }), /label 4 at \[1\] is outside \[0, 4\)/);
});

test.run();
