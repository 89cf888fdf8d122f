/**
 * 16-byte loads in CUDA kernels: matmul tiles (compiler/kernel/vector-tile.ts) and LayerNorm rows
 * (lower-layer-norm-x4.ts). Which kernels get them (a contiguous axis that is a multiple of 4, never on WGSL), and
 * that those compute what the CPU reference does on the host emulation, with partial tiles (odd M and N, K not a
 * multiple of the slab), batch offsets and rows longer than 4 × the workgroup, fp32 ≤ 1e-4.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runGraph } from '../../../backends/cpu/index.ts';
import { emulationUnavailable } from '../../../backends/cuda/host-emulation/build.ts';
import { runGraphEmulated } from '../../../backends/cuda/host-emulation/emulate.ts';
import { compileCuda, CUDA_SCHEDULE } from '../../../backends/cuda/program.ts';
import { optimizeGraph } from '../../../compiler/pipeline.ts';
import { bert } from '../../compiler/passes/helpers.ts';
import { dimEval } from '../../../compiler/ir/dim.ts';
import type { Graph } from '../../../compiler/ir/graph.ts';
import { Op } from '../../../compiler/ir/ops.ts';
import { scheduleGraph } from '../../../compiler/kernel/schedule.ts';
import { Builder, f32, type ShapeSpec } from '../../backends/cpu/helpers.ts';
import { assertOutputs, skipBecause } from './helpers.ts';

/** x [.., S, K] @ w, where w is [K, N], or the transpose of a [N, K] weight (Linear's `x @ W^T`). */
function matmulGraph(xShape: ShapeSpec, K: number, N: number, transposed: boolean, wBatch: ShapeSpec = []): Graph {
  const b = new Builder();
  const x = b.input('x', 'f32', [...xShape, K]);
  const w = transposed ? b.op(Op.Permute, 'f32', [...wBatch, K, N], [b.input('w', 'f32', [...wBatch, N, K])], { perm: [...wBatch.keys(), wBatch.length + 1, wBatch.length] }) : b.input('w', 'f32', [...wBatch, K, N]);
  return b.graph({ out: b.op(Op.MatMul, 'f32', [...xShape, N], [x, w]) });
}

const CASES: [string, Graph, string][] = [
  ['x @ W^T, K = 20, N = 70', matmulGraph(['B', 'S'], 20, 70, true), '_v4ab'],
  ['x @ W, K = 36, N = 12', matmulGraph(['S'], 36, 12, false), '_v4ab'],
  ['x @ W, K = 8, N = 7 (only A)', matmulGraph(['S'], 8, 7, false), '_v4a'],
  ['x @ W^T, K = 6 (no run of 4 aligned)', matmulGraph(['S'], 6, 9, true), ''],
  ['batched x @ W, K = 5, N = 68 (only B)', matmulGraph(['B', 'S'], 5, 68, false, ['B']), '_v4b'],
];

const matmulName = (g: Graph, opts = {}) => scheduleGraph(g, opts).kernels.find((k) => k.name.startsWith('matmul'))!.name;

test('CUDA matmuls load by f32x4 exactly where the contiguous axis is a multiple of 4; WGSL schedules never do', () => {
  for (const [title, g, suffix] of CASES) {
    const cuda = compileCuda(g).kernels.find((k) => k.name.startsWith('matmul'))!;
    assert.ok(cuda.name.endsWith(`b0${suffix}`) || cuda.name.endsWith(`b1${suffix}`), `${title}: ${cuda.name}`);
    assert.is(/const float4\* __restrict__ [ab]\b/.test(cuda.source), suffix !== '', title);
    assert.not.match(matmulName(g), '_v4', title);
  }
});

const reason = emulationUnavailable();
if (reason) {
  skipBecause('vectorised matmul tiles on the host emulation match the CPU reference', reason);
} else {
  for (const [title, g] of CASES) {
    test(`${title}: the host emulation matches the CPU reference at odd sizes`, async () => {
      const program = compileCuda(g);
      for (const [B, S] of [[1, 1], [2, 67], [3, 130]] as const) {
        const shapeOf = (name: string) => g.inputs.find((n) => n.arg['name'] === name)!.shape.map((d) => dimEval(d, { B, S }));
        const inputs = { x: f32(shapeOf('x'), B + S), w: f32(shapeOf('w'), 7) };
        assertOutputs(await runGraphEmulated(g, inputs, new Map(), { program }), runGraph(g, inputs, new Map()), 1e-4);
      }
    });
  }
}

/** LayerNorm over rows of H. */
function layerNormGraph(H: number): Graph {
  const b = new Builder();
  const xs = [b.input('x', 'f32', ['B', 'S', H]), b.input('w', 'f32', [H]), b.input('bias', 'f32', [H])];
  return b.graph({ out: b.op(Op.LayerNorm, 'f32', ['B', 'S', H], xs, { eps: 1e-12 }) });
}

test('LayerNorm rows are read by f32x4 on CUDA when their length is a multiple of 4', () => {
  for (const [H, x4] of [[12, true], [770, false], [768, true]] as const) {
    const g = layerNormGraph(H);
    assert.is(compileCuda(g).kernels.some((k) => k.name === 'layer_norm_f32_x4'), x4, `H = ${H}`);
    assert.ok(scheduleGraph(g).kernels.every((k) => k.name === 'layer_norm_f32'), `WGSL, H = ${H}`);
  }
});

test('narrow and int8 operands keep scalar typed loads; f32 operands of the same kernels still load by f32x4', () => {
  const g = bert('BertForMaskedLM', { hidden_size: 32, num_attention_heads: 2, intermediate_size: 64 });
  const kernelsOf = (precision: 'fp16' | 'int8w') => scheduleGraph(optimizeGraph(g, { precision }).graph, CUDA_SCHEDULE).kernels;
  const bound = (k: { buffers: readonly { name: string; t: string }[] }, name: string) => k.buffers.find((b) => b.name === name)!.t;
  const f16 = kernelsOf('fp16');
  for (const k of f16.filter((k) => k.name.startsWith('matmul_f16'))) {
    assert.ok(!/_v4a|_v4b/.test(k.name), k.name);
    assert.equal([bound(k, 'a'), bound(k, 'b')], ['f16', 'f16'], k.name);
  }
  // the MLM head's LayerNorm (after the GELU, so not fused into its matmul): rows of 32, f16, read as halves
  const norm = f16.find((k) => k.name.startsWith('layer_norm'))!;
  assert.is(norm?.name, 'layer_norm_f16');
  assert.equal(norm.buffers.map((b) => b.t), ['f16', 'f16', 'f16', 'f16']);
  const q8 = kernelsOf('int8w').filter((k) => k.name.startsWith('matmul_f32') && k.name.includes('_q8'));
  assert.ok(q8.length > 0);
  for (const k of q8) {
    assert.is(bound(k, 'b'), 'i8', k.name);
    assert.ok(k.name.includes('_v4a') && !k.name.includes('_v4ab') && bound(k, 'a') === 'f32x4', k.name);
  }
});

if (!reason) {
  test('LayerNorm by f32x4: the host emulation matches the CPU reference for rows of 4, 36, 260 and 768', async () => {
    for (const H of [4, 36, 260, 768]) {
      const g = layerNormGraph(H);
      const inputs = { x: f32([2, 3, H], H, 4), w: f32([H], 3), bias: f32([H], 5) };
      assertOutputs(await runGraphEmulated(g, inputs, new Map()), runGraph(g, inputs, new Map()), 1e-4);
    }
  });
}

test.run();
