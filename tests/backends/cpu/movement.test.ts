import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dimAdd, dimConst, dimSym } from '../../../compiler/ir/dim.ts';
import { Op } from '../../../compiler/ir/ops.ts';
import { hostTensor } from '../../../backends/tensor.ts';
import { Builder, f32, flat, indices, run1, throwsUser } from './helpers.ts';

test('reshape keeps row-major element order (symbolic [B, S, 6] -> [B*S, 6])', () => {
  const x = f32([2, 3, 6], 31);
  const b = new Builder();
  const inp = b.input('x', 'f32', ['B', 'S', 6]);
  const got = run1(b.graph({ out: b.op(Op.Reshape, 'f32', ['B*S', 6], [inp]) }), { x });
  assert.equal(got.shape, [6, 6]);
  assert.equal([...got.data], [...x.data]);
  assert.is.not(got.data, x.data);
});

test('permute a 4-D tensor [2, 3, 4, 5] by [0, 2, 3, 1] and by [3, 1, 0, 2]', () => {
  const shape = [2, 3, 4, 5];
  const x = f32(shape, 32);
  for (const perm of [[0, 2, 3, 1], [3, 1, 0, 2]]) {
    const outShape = perm.map((p) => shape[p]!);
    const b = new Builder();
    const inp = b.input('x', 'f32', shape);
    const got = run1(b.graph({ out: b.op(Op.Permute, 'f32', outShape, [inp], { perm }) }), { x });
    for (const idx of indices(outShape)) {
      const src = new Array<number>(4);
      perm.forEach((p, d) => (src[p] = idx[d]!));
      assert.is(got.data[flat(idx, outShape)], x.data[flat(src, shape)], `${perm} at ${idx}`);
    }
  }
});

test('expand broadcasts [3, 1] to [2, 3, 4]', () => {
  const x = f32([3, 1], 33);
  const b = new Builder();
  const inp = b.input('x', 'f32', [3, 1]);
  const got = run1(b.graph({ out: b.op(Op.Expand, 'f32', [2, 3, 4], [inp]) }), { x });
  assert.equal([...got.data], [...indices([2, 3, 4])].map(([, j]) => x.data[j!]!));
});

test('slice with symbolic start and end (P .. P + S along axis 0 of a [10, 3] table)', () => {
  const table = f32([10, 3], 34);
  const b = new Builder();
  const past = b.input('past', 'i32', ['P']);
  const ids = b.input('ids', 'i32', ['S']);
  const t = b.param('pos', 'f32', [10, 3]);
  const P = dimSym('P');
  const end = dimAdd(P, dimSym('S'));
  const sl = b.op(Op.Slice, 'f32', ['S', 3], [t], { axis: 0, start: P, end });
  const g = b.graph({ out: sl, past: past, ids: ids });
  const got = run1(g, { past: hostTensor('i32', [4], [0, 0, 0, 0]), ids: hostTensor('i32', [5], [0, 0, 0, 0, 0]) }, new Map([['pos', table.data as Float32Array]]));
  assert.equal(got.shape, [5, 3]);
  assert.equal([...got.data], [...table.data.slice(12, 27)]);

  // Out of bounds (P + S = 11 > 10) is reported, not read past the end; slicing axis 1 with constant dims works.
  throwsUser(
    () => run1(g, { past: hostTensor('i32', [6], [0, 0, 0, 0, 0, 0]), ids: hostTensor('i32', [5], [0, 0, 0, 0, 0]) }, new Map([['pos', table.data as Float32Array]])),
    'slice [6, 11) is outside axis 0 of size 10 (tensor [10, 3])',
  );
  const c = new Builder();
  const x = c.input('x', 'f32', [10, 3]);
  const col = c.op(Op.Slice, 'f32', [10, 2], [x], { axis: 1, start: dimConst(1), end: '3' });
  const cols = run1(c.graph({ out: col }), { x: table });
  assert.equal([...cols.data], [...indices([10, 2])].map(([i, j]) => table.data[i! * 3 + j! + 1]!));
});

test('concat three tensors along the middle axis', () => {
  const xs = [f32([2, 1, 3], 35), f32([2, 4, 3], 36), f32([2, 2, 3], 37)];
  const b = new Builder();
  const inps = xs.map((x, i) => b.input(`x${i}`, 'f32', x.shape));
  const got = run1(b.graph({ out: b.op(Op.Concat, 'f32', [2, 7, 3], inps, { axis: 1 }) }), { x0: xs[0]!, x1: xs[1]!, x2: xs[2]! });
  const expected = [...indices([2, 7, 3])].map(([i, j, k]) => {
    const which = j! < 1 ? 0 : j! < 5 ? 1 : 2;
    const jj = j! - [0, 1, 5][which]!;
    return xs[which]!.data[flat([i!, jj, k!], xs[which]!.shape)]!;
  });
  assert.equal([...got.data], expected);
});

test('gather rows of a [7, 2, 3] table with ids [2, 3]; out-of-range ids name what and where', () => {
  const table = f32([7, 2, 3], 38);
  const build = (what?: string) => {
    const b = new Builder();
    const ids = b.input('ids', 'i32', [2, 3]);
    const t = b.param('emb', 'f32', [7, 2, 3]);
    const arg = what === undefined ? {} : { what };
    return b.graph({ out: b.op(Op.Gather, 'f32', [2, 3, 2, 3], [t, ids], arg) });
  };
  const weights = new Map([['emb', table.data as Float32Array]]);
  const ids = [6, 0, 3, 3, 1, 2];
  const got = run1(build('word embeddings'), { ids: hostTensor('i32', [2, 3], ids) }, weights);
  assert.equal(got.shape, [2, 3, 2, 3]);
  assert.equal([...got.data], ids.flatMap((id) => [...table.data.slice(id * 6, id * 6 + 6)]));
  throwsUser(
    () => run1(build('word embeddings'), { ids: hostTensor('i32', [2, 3], [0, 1, 2, 3, 7, 0]) }, weights),
    'word embeddings: index 7 at [1, 1] is outside [0, 7)',
  );
  throwsUser(() => run1(build(), { ids: hostTensor('i32', [2, 3], [0, -1, 2, 3, 4, 0]) }, weights), 'gather: index -1 at [0, 1] is outside [0, 7)');
});

test.run();
