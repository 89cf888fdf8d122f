import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dimSym } from '../../../compiler/ir/dim.ts';
import { Op } from '../../../compiler/ir/ops.ts';
import { hostTensor } from '../../../backends/tensor.ts';
import { runGraph } from '../../../backends/cpu/index.ts';
import { Builder, run1, throwsUser } from './helpers.ts';

/** input_ids [B, S] (range [0, 30522)), attention_mask [B, S] (fill 1) -> sum of the mask, with S <= 12. */
function bertLike() {
  const b = new Builder();
  const ids = b.input('input_ids', 'i32', ['B', 'S'], { range: [0, 30522] });
  const mask = b.input('attention_mask', 'i32', ['B', 'S'], { fill: 1 });
  const kept = b.op(Op.ReduceSum, 'i32', ['B'], [mask], { axis: 1, keepdim: false });
  return b.graph({ out: kept, ids }, [{ dim: dimSym('S'), max: 12, message: 'sequence length exceeds max_position_embeddings' }]);
}
const ids = (b: number, s: number, v = 5) => hostTensor('i32', [b, s], new Int32Array(b * s).fill(v));

test('symbols bind from input shapes; an omitted input with a fill value takes the bound shape', () => {
  const got = runGraph(bertLike(), { input_ids: ids(2, 9) }, new Map());
  assert.equal(got['out']!.shape, [2]);
  assert.equal([...got['out']!.data], [9, 9]);
  assert.equal([...runGraph(bertLike(), { input_ids: ids(2, 3), attention_mask: hostTensor('i32', [2, 3], [1, 1, 0, 1, 0, 0]) }, new Map())['out']!.data], [2, 1]);
});

test('shape mismatches name the input, the dims and where each symbol came from', () => {
  throwsUser(
    () => runGraph(bertLike(), { input_ids: ids(2, 9), attention_mask: ids(2, 7, 1) }, new Map()),
    'input "attention_mask" has shape [2, 7] but [B, S] = [2, 9] is expected (S = 9 from "input_ids")',
  );
  throwsUser(
    () => runGraph(bertLike(), { input_ids: ids(2, 9), attention_mask: hostTensor('i32', [18], new Int32Array(18)) }, new Map()),
    'input "attention_mask" has shape [18] but [B, S] is expected',
  );
  const b = new Builder();
  const x = b.input('x', 'f32', ['S', 'S']);
  throwsUser(() => run1(b.graph({ out: x }), { x: hostTensor('f32', [2, 3]) }), 'input "x" has shape [2, 3] but [S, S] = [2, 2] is expected (S = 2 from "x")');
  const c = new Builder();
  const y = c.input('y', 'f32', [4, 3]);
  throwsUser(() => run1(c.graph({ out: y }), { y: hostTensor('f32', [4, 2]) }), 'input "y" has shape [4, 2] but [4, 3] is expected');
});

test('symbols appearing linearly in sums and products are solved (P + S, 2*S)', () => {
  const b = new Builder();
  const s = b.input('s', 'f32', ['S']);
  const ps = b.input('ps', 'f32', ['P + S', 3]);
  const dbl = b.input('dbl', 'f32', ['2*S']);
  const out = b.op(Op.ReduceSum, 'f32', [3], [ps], { axis: 0, keepdim: false });
  const g = b.graph({ out, s, dbl });
  const r = runGraph(g, { s: hostTensor('f32', [2]), ps: hostTensor('f32', [5, 3]), dbl: hostTensor('f32', [4]) }, new Map());
  assert.equal(r['out']!.shape, [3]);
  throwsUser(
    () => runGraph(g, { s: hostTensor('f32', [2]), ps: hostTensor('f32', [5, 3]), dbl: hostTensor('f32', [5]) }, new Map()),
    'input "dbl" has shape [5] but [2*S] = [4] is expected (S = 2 from "s")',
  );
});

test('constraints are checked with their message and values', () => {
  throwsUser(
    () => runGraph(bertLike(), { input_ids: ids(1, 13) }, new Map()),
    'sequence length exceeds max_position_embeddings (S = 13, at most 12)',
  );
});

test('missing, unknown, mistyped and mis-sized inputs', () => {
  throwsUser(() => runGraph(bertLike(), {}, new Map()), 'missing input "input_ids"');
  throwsUser(
    () => runGraph(bertLike(), { input_ids: ids(1, 2), token_type_ids: ids(1, 2) }, new Map()),
    'unknown input "token_type_ids" (inputs are: input_ids, attention_mask)',
  );
  throwsUser(
    () => runGraph(bertLike(), { input_ids: hostTensor('f32', [1, 2], [1, 2]) }, new Map()),
    'input "input_ids" must be i32 (an Int32Array) but is f32 in a Float32Array',
  );
  throwsUser(
    () => runGraph(bertLike(), { input_ids: { dtype: 'i32', shape: [1, 3], data: new Int32Array(2) } }, new Map()),
    'input "input_ids" has 2 values but its shape [1, 3] needs 3',
  );
});

test('input values: integer ranges, finite floats, 0/1 bools', () => {
  throwsUser(
    () => runGraph(bertLike(), { input_ids: hostTensor('i32', [1, 5], [101, 7, 8, 30522, 102]) }, new Map()),
    'input "input_ids" has value 30522 at [0, 3], outside [0, 30522)',
  );
  throwsUser(
    () => runGraph(bertLike(), { input_ids: hostTensor('i32', [1, 2], [-1, 7]) }, new Map()),
    'input "input_ids" has value -1 at [0, 0], outside [0, 30522)',
  );
  const b = new Builder();
  const x = b.input('x', 'f32', [2, 2]);
  const m = b.input('m', 'bool', [2], { fill: 1 });
  const g = b.graph({ out: x, m });
  throwsUser(() => runGraph(g, { x: hostTensor('f32', [2, 2], [0, 1, NaN, 2]) }, new Map()), 'input "x" has value NaN at [1, 0], but float inputs must be finite');
  throwsUser(() => runGraph(g, { x: hostTensor('f32', [2, 2], [0, 1, 2, -Infinity]) }, new Map()), /input "x" has value -Infinity at \[1, 1\]/);
  throwsUser(() => runGraph(g, { x: hostTensor('f32', [2, 2]), m: hostTensor('bool', [2], [1, 2]) }, new Map()), 'input "m" has value 2 at [1], but bool values are 0 or 1');
  assert.equal([...runGraph(g, { x: hostTensor('f32', [2, 2]) }, new Map())['m']!.data], [1, 1]);
});

test('an omitted input whose shape no given input determines is reported', () => {
  const b = new Builder();
  const x = b.input('x', 'f32', ['S']);
  const y = b.input('y', 'f32', ['T'], { fill: 0 });
  throwsUser(() => runGraph(b.graph({ out: x, y }), { x: hostTensor('f32', [3]) }, new Map()), 'input "y" was omitted and its shape [T] is unknown (T is not bound by any given input)');
});

test('params: lookup by name then alias, missing weight, wrong size, wrong type', () => {
  const b = new Builder();
  const w = b.param('cls.decoder.bias', 'f32', [3], ['bert.bias']);
  const g = b.graph({ out: w });
  assert.equal([...run1(g, {}, new Map([['bert.bias', Float32Array.from([1, 2, 3])]])).data], [1, 2, 3]);
  throwsUser(() => run1(g, {}, new Map()), 'missing weight "cls.decoder.bias" (also looked for "bert.bias")');
  throwsUser(() => run1(g, {}, new Map([['cls.decoder.bias', new Float32Array(4)]])), 'weight "cls.decoder.bias" has 4 values but its shape [3] needs 3');
  throwsUser(() => run1(g, {}, new Map([['cls.decoder.bias', new Int32Array(3)]])), 'weight "cls.decoder.bias" is an Int32Array but the model declares it f32');
});

test.run();
