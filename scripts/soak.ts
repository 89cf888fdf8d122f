/**
 * WebGPU soak: many forwards on one model, then many load/dispose cycles, sampling what the runtime holds on the
 * device (live GPUBuffers it created, from `webgpuStats()`) and the JS heap after a full GC. A leak shows as a
 * column that keeps growing; flat columns are the pass.
 *
 *   node --expose-gc --import tsx scripts/soak.ts [--forwards 1000] [--cycles 100] [--json]
 *
 * The model is a small random BertModel (1 layer, hidden 16) so the numbers measure the runtime, not the kernels.
 * --json prints the samples as one JSON object instead of a table (tests/runtime/webgpu/reliability.test.ts runs
 * this with small counts).
 */
import { hostTensor, type HostTensor } from '../backends/tensor.ts';
import { compileWgsl } from '../backends/wgsl/program.ts';
import { compileGraph, readSource } from '../compiler/pipeline.ts';
import { expectedParams } from '../runtime/cpu-model.ts';
import { closeWebGpu, WebGpuModel, webgpuStats } from '../runtime/webgpu/index.ts';
import { randomTensors } from '../runtime/weights/random-checkpoint.ts';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} takes a non-negative integer`);
  return v;
};
const FORWARDS = arg('forwards', 1000);
const CYCLES = arg('cycles', 100);
const JSON_OUT = process.argv.includes('--json');

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc && !JSON_OUT) console.warn('no --expose-gc: heap numbers include garbage not yet collected');

export interface Sample {
  readonly phase: 'forward' | 'cycle';
  readonly step: number;
  readonly buffers: number;
  readonly bytes: number;
  readonly models: number;
  readonly devices: number;
  readonly heap: number;
  readonly rss: number;
}

function sample(phase: Sample['phase'], step: number): Sample {
  gc?.();
  gc?.();
  const { heapUsed, rss } = process.memoryUsage();
  return { phase, step, ...webgpuStats(), heap: heapUsed, rss };
}

const CONFIG = { num_hidden_layers: 1, hidden_size: 16, num_attention_heads: 2, intermediate_size: 24, vocab_size: 31, max_position_embeddings: 16, type_vocab_size: 2 };
const graph = compileGraph(readSource(new URL('../specs/bert.dsl', import.meta.url).pathname), { entry: 'BertModel', config: CONFIG });
const program = compileWgsl(graph);
const weights = new Map(Object.entries(randomTensors(expectedParams(graph), { seed: 3, std: 0.2 })).map(([k, t]) => [k, t.data as Float32Array]));

/** Two rows of ids, three sequence lengths in turn (so buffers are sized for the longest after the first three). */
function inputs(i: number): Record<string, HostTensor> {
  const s = [3, 5, 8][i % 3]!;
  return { input_ids: hostTensor('i32', [2, s], Array.from({ length: 2 * s }, (_, j) => (i * 7 + j * 3) % CONFIG.vocab_size)) };
}

const started = Date.now();
const forwardSamples: Sample[] = [];
const cycleSamples: Sample[] = [];
const every = (n: number) => Math.max(1, Math.floor(n / 10));

let model = await WebGpuModel.load(graph, program, weights);
const adapter = model.adapterName;
forwardSamples.push(sample('forward', 0));
for (let i = 1; i <= FORWARDS; i++) {
  await model.forward(inputs(i));
  if (i % every(FORWARDS) === 0 || i === FORWARDS) forwardSamples.push(sample('forward', i));
}
const forwardMs = Date.now() - started;
model.dispose();

for (let i = 1; i <= CYCLES; i++) {
  model = await WebGpuModel.load(graph, program, weights);
  await model.forward(inputs(i));
  model.dispose();
  if (i === 1 || i % every(CYCLES) === 0 || i === CYCLES) cycleSamples.push(sample('cycle', i));
}
const cycleMs = Date.now() - started - forwardMs;
const final = webgpuStats();
await closeWebGpu();

if (JSON_OUT) {
  console.log(JSON.stringify({ adapter, forwardMs, cycleMs, forwards: forwardSamples, cycles: cycleSamples, final }));
} else {
  const mib = (n: number) => (n / 2 ** 20).toFixed(2);
  console.log(`WebGPU soak on ${adapter}: ${FORWARDS} forwards in ${forwardMs} ms, ${CYCLES} load/forward/dispose cycles in ${cycleMs} ms`);
  console.log('phase    step   gpu buffers  gpu KiB   models  devices  heap MiB  rss MiB');
  for (const s of [...forwardSamples, ...cycleSamples]) {
    console.log(
      `${s.phase.padEnd(8)} ${String(s.step).padStart(5)}  ${String(s.buffers).padStart(11)}  ${(s.bytes / 1024).toFixed(1).padStart(7)}  ` +
        `${String(s.models).padStart(6)}  ${String(s.devices).padStart(7)}  ${mib(s.heap).padStart(8)}  ${mib(s.rss).padStart(7)}`,
    );
  }
  const growth = (xs: Sample[]) => (xs.length > 1 ? xs[xs.length - 1]!.heap - xs[1]!.heap : 0);
  console.log(`heap growth after warm-up: ${mib(growth(forwardSamples))} MiB over forwards, ${mib(growth(cycleSamples))} MiB over cycles`);
  console.log(`after every dispose: ${final.buffers} GPU buffers (${final.bytes} bytes), ${final.models} models`);
}
