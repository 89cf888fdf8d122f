/**
 * Single kernels, ours against TensorFlow.js's WebGPU backend, both on navigator.gpu-style Dawn from the npm
 * `webgpu` package over the same SwiftShader adapter, in one process.
 */
import { loadWebGpuModel } from '../../../runtime/webgpu/index.ts';
import { kernelCases } from './kernels.ts';
import { installNavigatorGpu } from './node-navigator.ts';
import type { PeerRow } from './rows.ts';
import { relError } from './same-model.ts';
import { median } from './timing.ts';

export async function kernelRows(reps: number, shape: { seq: number; hidden: number; heads: number }): Promise<PeerRow[]> {
  installNavigatorGpu();
  const tf = await import('@tensorflow/tfjs');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('TensorFlow.js could not start its webgpu backend');
  await tf.ready();
  const rows: PeerRow[] = [];
  for (const k of kernelCases(shape.seq, shape.hidden, shape.heads)) {
    const model = await loadWebGpuModel(k.graph, k.params);
    const params = new Map([...k.params].map(([name, data]) => [name, tf.tensor(data, [...k.paramShapes.get(name)!])]));
    const theirsRun = async () => {
      const x = tf.tensor(k.input.data as Float32Array, [...k.input.shape]);
      const y = k.tfjs(tf, x, params);
      const data = (await y.data()) as Float32Array;
      x.dispose();
      y.dispose();
      return data;
    };
    const oursRun = async () => (await model.forward({ x: k.input }))['out']!.data as Float32Array;
    // warm-up (shader compilation), then alternate, so that both medians see the same machine load
    let oursOut = await oursRun();
    let theirsOut = await theirsRun();
    const oursTimes: number[] = [];
    const theirTimes: number[] = [];
    for (let i = 0; i < reps; i++) {
      let t = performance.now();
      oursOut = await oursRun();
      oursTimes.push(performance.now() - t);
      t = performance.now();
      theirsOut = await theirsRun();
      theirTimes.push(performance.now() - t);
    }
    const adapter = model.adapterName;
    model.dispose();
    for (const p of params.values()) p.dispose();
    rows.push({
      peer: `TensorFlow.js ${tf.version.tfjs} webgpu`,
      workload: k.name,
      device: `webgpu: ${adapter} (npm webgpu Dawn)`,
      theirsMs: median(theirTimes),
      oursMs: median(oursTimes),
      sameAdapter: true,
      relError: relError(theirsOut, oursOut),
      notes: 'upload input + op + read back, each rep',
    });
  }
  return rows;
}
