/** Tile parameters of the GEMM and attention lowerings: validity rules, kernel names and workgroup sizes. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Op } from '../../../compiler/ir/ops.ts';
import { scheduleGraph } from '../../../compiler/kernel/schedule.ts';
import { ATTENTION_CANDIDATES, DEFAULT_TUNING, MATMUL_CANDIDATES, matmulThreads, matmulTilesProblem, tuningText } from '../../../compiler/kernel/tuning.ts';
import { Builder } from '../../backends/cpu/helpers.ts';

function gemmAndAttention() {
  const b = new Builder();
  const x = b.input('x', 'f32', ['S', 16]);
  const w = b.input('w', 'f32', [16, 24]);
  const q = b.input('q', 'f32', [1, 2, 'S', 8]);
  const mask = b.input('mask', 'f32', [1, 1, 1, 'S']);
  return b.graph({ y: b.op(Op.MatMul, 'f32', ['S', 24], [x, w]), o: b.op(Op.Attention, 'f32', [1, 2, 'S', 8], [q, q, q, mask], { scale: 0.5 }) });
}

test('every candidate is a valid shape; invalid ones say why', () => {
  for (const t of MATMUL_CANDIDATES) assert.is(matmulTilesProblem(t), undefined, JSON.stringify(t));
  assert.match(matmulTilesProblem({ tile: 64, per: 2, slab: 16 })!, /1024 threads, more than 256/);
  assert.match(matmulTilesProblem({ tile: 48, per: 5, slab: 16 })!, /not a multiple/);
  assert.match(matmulTilesProblem({ tile: 16, per: 1, slab: 4 })!, /does not split over 256 threads/);
  assert.ok(ATTENTION_CANDIDATES.every((a) => a.rows >= 1 && a.rows <= 256));
  assert.match(tuningText(DEFAULT_TUNING), /matmul 64×64 tiles, 4×4 per thread \(256 threads\), k-slab 16; attention 64 rows/);
});

test('default tiles keep the kernel names; other tiles name themselves and set the workgroup size', () => {
  const g = gemmAndAttention();
  const plain = scheduleGraph(g).kernels;
  assert.equal(plain.map((k) => k.name).sort(), ['attention_f32_bhsd_d8_v8', 'matmul_f32_nn_b0']);
  const tuned = scheduleGraph(g, { tuning: { matmul: { tile: 32, per: 4, slab: 16 }, attention: { rows: 32 } } }).kernels;
  const mm = tuned.find((k) => k.name.startsWith('matmul'))!;
  const att = tuned.find((k) => k.name.startsWith('attention'))!;
  assert.is(mm.name, 'matmul_f32_nn_b0_t32p4s16');
  assert.is(mm.workgroup, matmulThreads({ tile: 32, per: 4, slab: 16 }));
  assert.is(att.name, 'attention_f32_bhsd_d8_v8_r32');
  assert.is(att.workgroup, 32);
});

test('tiles that cannot be lowered are refused, not miscompiled', () => {
  assert.throws(() => scheduleGraph(gemmAndAttention(), { tuning: { ...DEFAULT_TUNING, matmul: { tile: 64, per: 2, slab: 16 } } }), /matmul tiles .*1024 threads/);
});

test.run();
