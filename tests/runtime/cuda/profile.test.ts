/**
 * runtime/cuda/profile.ts in the shape `dslc bench` formats: one median per launch from `reps` samples of CUDA
 * events, and a forward time. Runs on the host emulation's stand-in driver (no GPU here), whose events read the host
 * clock: the structure is what is checked, never a time.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildEmulatedModule, buildStandInLibcuda, emulatedImage } from '../../../backends/cuda/host-emulation/build.ts';
import { compileCuda } from '../../../backends/cuda/program.ts';
import type { HostTensor } from '../../../backends/tensor.ts';
import { Op } from '../../../compiler/ir/ops.ts';
import { median } from '../../../runtime/profile.ts';
import { CudaContext } from '../../../runtime/cuda/context.ts';
import { CudaDriver } from '../../../runtime/cuda/driver.ts';
import { CudaModel } from '../../../runtime/cuda/model.ts';
import { profileCuda } from '../../../runtime/cuda/profile.ts';
import { Builder, randoms } from '../../backends/cpu/helpers.ts';
import { nvccUnavailable } from '../../../backends/cuda/compile.ts';

test('CUDA events per launch: a median of reps samples for each launch, and a forward time', async () => {
  const missing = nvccUnavailable();
  if (missing) return console.log(`  SKIPPING: the host emulation needs nvcc's host compiler (${missing})`);
  const b = new Builder();
  const x = b.input('x', 'f32', ['S', 12]);
  const w = b.input('w', 'f32', [12, 9]);
  const y = b.op(Op.MatMul, 'f32', ['S', 9], [x, w]);
  const graph = b.graph({ out: b.op(Op.Softmax, 'f32', ['S', 9], [b.op(Op.Add, 'f32', ['S', 9], [y, y])], { axis: 1 }) });
  const program = compileCuda(graph);
  const context = CudaContext.open(0, CudaDriver.open(await buildStandInLibcuda()));
  const model = await CudaModel.load(graph, new Map(), { program, context, image: emulatedImage(await buildEmulatedModule(program.kernels)) });
  try {
    const inputs: Record<string, HostTensor> = {
      x: { dtype: 'f32', shape: [5, 12], data: Float32Array.from(randoms(60, 1)) },
      w: { dtype: 'f32', shape: [12, 9], data: Float32Array.from(randoms(108, 2)) },
    };
    const p = await profileCuda(model, inputs, { reps: 3, warmup: 1 });
    assert.is(p.timer, 'cuda-events');
    assert.is(p.reps, 3);
    assert.equal(p.launches.map((l) => l.launch), program.launches.map((_, i) => i));
    for (const l of p.launches) {
      assert.is(l.samples.length, 3);
      assert.ok(l.samples.every((s) => Number.isFinite(s) && s >= 0));
      assert.is(l.ms, median(l.samples));
    }
    assert.ok(Number.isFinite(p.forwardMs) && p.forwardMs >= 0);
  } finally {
    model.dispose();
  }
});

test.run();
