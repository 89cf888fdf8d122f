/**
 * BERT-base forward on a CUDA GPU: milliseconds per forward (CUDA events around back-to-back runs of every launch,
 * inputs already on the device), the GEMM work as TFLOP/s, and that as a share of the device's peak: the fp32 FMA
 * peak for fp32 (the kernels run on CUDA cores), the dense fp16/bf16 tensor-core peak for `--precision fp16|bf16`
 * (the GEMMs with two narrow operands run on tensor cores; `--tensor-cores off` keeps them on the portable kernel,
 * for the ratio).
 *
 *   node --import tsx scripts/bench-cuda.ts [--batches 1,8,32] [--seqs 128,512] [--iterations 20] [--profile]
 *     [--precision fp32|fp16|bf16] [--tensor-cores on|off]
 *
 * --profile adds the time per kernel (summed over launches) for the first shape. --config small and --stand-in
 * (the host emulation's stand-in driver) exist to check this script on a machine without a GPU; their numbers mean
 * nothing.
 */
import { compileCudaSource } from '../backends/cuda/compile.ts';
import { buildEmulatedModule, buildStandInLibcuda, emulatedImage } from '../backends/cuda/host-emulation/build.ts';
import { compileCuda, cudaModuleSource } from '../backends/cuda/program.ts';
import type { HostTensor } from '../backends/tensor.ts';
import { dimEval } from '../compiler/ir/dim.ts';
import { type Graph, graphNodes } from '../compiler/ir/graph.ts';
import { Op } from '../compiler/ir/ops.ts';
import { compileGraph, CUDA_FUSE, optimizeGraph, parsePrecision, passOptions, readSource } from '../compiler/pipeline.ts';
import { CudaContext, cudaContext } from '../runtime/cuda/context.ts';
import { cudaAvailable, CudaDriver, type DeviceInfo } from '../runtime/cuda/driver.ts';
import { CudaModel, type CudaLoadOptions } from '../runtime/cuda/model.ts';
import { expectedParams } from '../runtime/cpu-model.ts';
import { randomTensors } from '../runtime/weights/random-checkpoint.ts';

const BASE = { hidden_size: 768, num_attention_heads: 12, num_hidden_layers: 12, intermediate_size: 3072, vocab_size: 30522, max_position_embeddings: 512 };
const SMALL = { hidden_size: 64, num_attention_heads: 2, num_hidden_layers: 1, intermediate_size: 128, vocab_size: 100, max_position_embeddings: 64 };

/** Dense fp32 (non-tensor-core) peaks in TFLOP/s from the vendors' data sheets, by device name. */
const PEAKS: [RegExp, number][] = [
  [/H200/, 67],
  [/H100.*PCIe/, 51],
  [/H100.*NVL/, 60],
  [/H100/, 67],
  [/A100/, 19.5],
];

/** Dense (no sparsity) fp16/bf16 tensor-core peaks with f32 accumulation, TFLOP/s, from the data sheets. */
const TENSOR_PEAKS: [RegExp, number][] = [
  [/H200/, 989],
  [/H100.*PCIe/, 756],
  [/H100.*NVL/, 835],
  [/H100/, 989],
  [/A100/, 312],
];

/** FP32 lanes per SM by compute capability (sm_80: 64; sm_86, 89, 90 and later: 128). */
const lanesPerSm = ([major, minor]: readonly [number, number]): number => (major === 8 && minor === 0 ? 64 : 128);

function peak(info: DeviceInfo, tensor: boolean): { tflops: number; source: string } {
  const listed = (tensor ? TENSOR_PEAKS : PEAKS).find(([re]) => re.test(info.name));
  if (listed) return { tflops: listed[1], source: 'data sheet' };
  if (tensor) return { tflops: 0, source: 'not listed for this device' };
  const tflops = (info.multiprocessors * lanesPerSm(info.computeCapability) * 2 * info.clockKHz * 1e3) / 1e12;
  return { tflops, source: 'SMs x lanes x 2 x clock' };
}

/** 2·M·N·K over every matmul of the graph for bound symbols. */
function gemmFlops(graph: Graph, env: Record<string, number>): number {
  return graphNodes(graph)
    .filter((n) => n.op === Op.MatMul || n.op === Op.MatMulEpilogue || n.op === Op.MatMulNorm)
    .reduce((sum, n) => {
      const a = n.src[0]!;
      const k = dimEval(a.shape[a.shape.length - 1]!, env);
      return sum + 2 * k * n.shape.reduce((p, d) => p * dimEval(d, env), 1);
    }, 0);
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

const standIn = process.argv.includes('--stand-in');
const status = standIn ? true : cudaAvailable();
if (status !== true) {
  console.error(`bench-cuda: ${status}`);
  process.exit(2);
}
const small = arg('config', 'base') === 'small';
const batches = arg('batches', small ? '1,2' : '1,8,32').split(',').map(Number);
const seqs = arg('seqs', small ? '8,16' : '128,512').split(',').map(Number);
const iterations = Number(arg('iterations', small ? '2' : '20'));

const precision = parsePrecision(arg('precision', 'fp32'));
const tensorCores = arg('tensor-cores', 'on') !== 'off';
const source = compileGraph(readSource(new URL('../specs/bert.dsl', import.meta.url).pathname), { entry: 'BertModel', config: small ? SMALL : BASE });
// the graph `dslc build --target cuda` makes: the default fusions but LayerNorm-in-the-matmul (see CUDA_FUSE), then
// the precision pass
const graph = optimizeGraph(source, { ...passOptions(CUDA_FUSE), precision }).graph;
const program = compileCuda(graph, { tensorCores });
let context: CudaContext;
let load: Partial<CudaLoadOptions>;
if (standIn) {
  context = CudaContext.open(0, CudaDriver.open(await buildStandInLibcuda()));
  load = { image: emulatedImage(await buildEmulatedModule(program.kernels)) };
} else {
  context = cudaContext();
  load = { images: (await compileCudaSource(cudaModuleSource(program.kernels))).images };
}
const info = context.info;
const narrow = precision === 'fp16' || precision === 'bf16';
const top = peak(info, narrow && tensorCores);
const wmma = program.kernels.filter((k) => k.name.startsWith('matmul_wmma')).length;
console.log(`${info.name}: sm_${info.computeCapability.join('')}, ${info.multiprocessors} SMs, ${(info.totalBytes / 2 ** 30).toFixed(0)} GiB`);
console.log(`${narrow && tensorCores ? `${precision} tensor-core` : 'fp32'} peak ${top.tflops.toFixed(1)} TFLOP/s (${top.source}); BERT-${small ? 'small (script check)' : 'base'} ${precision}, ${program.kernels.length} kernels (${wmma} on tensor cores), ${program.launches.length} launches`);

const weights = new Map(Object.entries(randomTensors(expectedParams(graph), { seed: 1 })).map(([k, t]) => [k, t.data as Float32Array]));
const model = await CudaModel.load(graph, weights, { program, context, ...load });
console.log(`image: ${model.target}\n`);
console.log('   B     S        ms   GFLOP   TFLOP/s   % peak   device MiB');
let profiled = !process.argv.includes('--profile');
for (const B of batches) {
  for (const S of seqs) {
    const ids = Int32Array.from({ length: B * S }, (_, i) => (i * 7919 + 13) % (small ? SMALL : BASE).vocab_size);
    const inputs: Record<string, HostTensor> = { input_ids: { dtype: 'i32', shape: [B, S], data: ids } };
    const ms = await model.time(inputs, iterations, 2);
    const flops = gemmFlops(graph, { B, S });
    const tflops = flops / (ms / 1e3) / 1e12;
    const row = [B, S].map((v) => String(v).padStart(4)).join('  ');
    console.log(`${row}  ${ms.toFixed(3).padStart(8)}  ${(flops / 1e9).toFixed(1).padStart(6)}  ${tflops.toFixed(2).padStart(8)}  ${(top.tflops > 0 ? ((100 * tflops) / top.tflops).toFixed(1) : 'n/a').padStart(7)}  ${(model.deviceBytes / 2 ** 20).toFixed(0).padStart(11)}`);
    if (!profiled) {
      profiled = true;
      const byKernel = new Map<string, { ms: number; n: number }>();
      for (const p of await model.profile(inputs)) {
        const e = byKernel.get(p.kernel) ?? { ms: 0, n: 0 };
        byKernel.set(p.kernel, { ms: e.ms + p.ms, n: e.n + 1 });
      }
      const total = [...byKernel.values()].reduce((s, e) => s + e.ms, 0);
      console.log(`\n  time by kernel at B = ${B}, S = ${S} (one forward, ${total.toFixed(3)} ms between events):`);
      for (const [k, e] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12)) {
        console.log(`  ${e.ms.toFixed(3).padStart(9)} ms  ${((100 * e.ms) / total).toFixed(1).padStart(5)}%  ${String(e.n).padStart(4)}x  ${k}`);
      }
      console.log('');
    }
  }
}
model.dispose();
