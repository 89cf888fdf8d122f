/**
 * Per-launch profiling (runtime/webgpu/profile.ts): both timers give one median per launch with work, from `reps`
 * samples each, and a forward time; the timestamp timer is refused, clearly, on a device without timestamp-query.
 * Structure only: how long anything takes is for `dslc bench`, never asserted.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HostTensor } from '../../../backends/tensor.ts';
import { compileWgsl } from '../../../backends/wgsl/program.ts';
import { Op } from '../../../compiler/ir/ops.ts';
import { median } from '../../../runtime/profile.ts';
import { WebGpuModel } from '../../../runtime/webgpu/model.ts';
import { hasTimestamps, profilingContext } from '../../../runtime/webgpu/profile.ts';
import { Builder, randoms } from '../../backends/cpu/helpers.ts';
import { gpu } from './helpers.ts';

/** Three launches: a GEMM, an add, and a softmax. */
function smallGraph() {
  const b = new Builder();
  const x = b.input('x', 'f32', ['S', 12]);
  const w = b.input('w', 'f32', [12, 9]);
  const y = b.op(Op.MatMul, 'f32', ['S', 9], [x, w]);
  return b.graph({ out: b.op(Op.Softmax, 'f32', ['S', 9], [b.op(Op.Add, 'f32', ['S', 9], [y, y])], { axis: 1 }) });
}

const inputs = (s: number): Record<string, HostTensor> => ({
  x: { dtype: 'f32', shape: [s, 12], data: Float32Array.from(randoms(s * 12, 1)) },
  w: { dtype: 'f32', shape: [12, 9], data: Float32Array.from(randoms(108, 2)) },
});

test('median of odd and even counts', () => {
  assert.is(median([3, 1, 2]), 2);
  assert.is(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

test('both timers: one timing per launch with work, reps samples each, non-negative, and a forward time', async () => {
  if (!(await gpu())) return;
  const context = await profilingContext();
  try {
    const graph = smallGraph();
    const program = compileWgsl(graph);
    const model = await WebGpuModel.load(graph, program, new Map(), { context });
    const timers = hasTimestamps(context.device) ? (['timestamp', 'submit'] as const) : (['submit'] as const);
    if (timers.length === 1) console.log(`  (${context.adapterName} has no timestamp-query: only the submit timer is tested)`);
    for (const timer of timers) {
      const p = await model.profile(inputs(5), { timer, reps: 3, warmup: 1 });
      assert.is(p.timer, timer);
      assert.is(p.reps, 3);
      assert.equal(p.launches.map((l) => l.launch), program.launches.map((_, i) => i));
      for (const l of p.launches) {
        assert.is(l.samples.length, 3);
        assert.ok(l.samples.every((s) => Number.isFinite(s) && s >= 0), `${timer}: samples ${l.samples}`);
        assert.is(l.ms, median(l.samples));
      }
      assert.ok(Number.isFinite(p.forwardMs) && p.forwardMs > 0);
    }
    // the outputs are still right after profiling (profiling runs the same launches on the same buffers)
    const out = await model.forward(inputs(4));
    assert.equal(out['out']!.shape, [4, 9]);
    for (let r = 0; r < 4; r++) assert.ok(Math.abs(Array.from(out['out']!.data.slice(r * 9, r * 9 + 9)).reduce((a, b) => a + b, 0) - 1) < 1e-5);
    model.dispose();
  } finally {
    context.destroy();
  }
});

test('the timestamp timer on a device without timestamp-query is refused with the adapter named', async () => {
  const context = await gpu(); // the shared device asks for no optional feature
  if (!context) return;
  if (hasTimestamps(context.device)) return console.log('  (the shared device has timestamp-query here: nothing to refuse)');
  const graph = smallGraph();
  const model = await WebGpuModel.load(graph, compileWgsl(graph), new Map(), { context });
  try {
    const err = await model.profile(inputs(3), { timer: 'timestamp', reps: 1 }).then(() => undefined, (e: Error) => e);
    assert.ok(err, 'refused');
    assert.match(err!.message, /has no timestamp-query/);
    assert.match(err!.message, new RegExp(context.adapterName.replace(/[()]/g, '.')));
  } finally {
    model.dispose();
  }
});

test.run();
