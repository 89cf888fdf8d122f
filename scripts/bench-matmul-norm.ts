/**
 * The measurement behind fuse-norm's default, kernel against kernels: `layer_norm(x · Wᵀ + bias + residual)` at
 * BERT-base's two shapes (attention output K = 768, FFN output K = 3072; M = S rows, N = 768) on WebGPU (SwiftShader
 * on a CPU-only machine), as one MatMulNorm launch vs a matmul epilogue launch followed by a LayerNorm launch. The two
 * are timed alternately in one run, and each is checked against the float64 CPU reference.
 *
 *   node --import tsx scripts/bench-matmul-norm.ts [S=128] [runs=5]
 */
import { runGraph } from '../backends/cpu/index.ts';
import { hostTensor } from '../backends/tensor.ts';
import { dimConst, dimSym } from '../compiler/ir/dim.ts';
import { type Graph, NodeFactory } from '../compiler/ir/graph.ts';
import { Op } from '../compiler/ir/ops.ts';
import { optimizeGraph } from '../compiler/pipeline.ts';
import { compileKernels } from '../compiler/pipeline.ts';
import { closeWebGpu, loadWebGpuModel } from '../runtime/webgpu/index.ts';
import { normalSampler } from '../runtime/weights/random-checkpoint.ts';
import { relativeError } from '../tests/specs/bert-helpers.ts';

const [S = 128, runs = 5] = process.argv.slice(2).map(Number);
const N = 768;

/** dense + bias + residual + LayerNorm over [S, K] inputs, as the elaborator writes BERT's output blocks. */
function block(K: number): Graph {
  const f = new NodeFactory();
  const s = dimSym('S');
  const [k, n] = [dimConst(K), dimConst(N)];
  const x = f.make(Op.Input, 'f32', [s, k], [], { name: 'x' });
  const r = f.make(Op.Input, 'f32', [s, n], [], { name: 'residual' });
  const w = f.make(Op.Param, 'f32', [n, k], [], { name: 'dense.weight' });
  const wt = f.make(Op.Permute, 'f32', [k, n], [w], { perm: [1, 0] });
  const bias = f.make(Op.Param, 'f32', [n], [], { name: 'dense.bias' });
  const y = f.make(Op.Add, 'f32', [s, n], [f.make(Op.Add, 'f32', [s, n], [f.make(Op.MatMul, 'f32', [s, n], [x, wt]), bias]), r]);
  const ln = f.make(Op.LayerNorm, 'f32', [s, n], [y, f.make(Op.Param, 'f32', [n], [], { name: 'ln.weight' }), f.make(Op.Param, 'f32', [n], [], { name: 'ln.bias' })], { eps: 1e-12 });
  return { entry: `dense K=${K}`, config: {}, symbols: ['S'], inputs: [x, r], outputs: [{ name: 'y', node: ln }], constraints: [] };
}

const rand = normalSampler(4);
const floats = (n: number, std: number) => Float32Array.from({ length: n }, () => std * rand());
console.log(`layer_norm(x · Wᵀ + bias + residual), S=${S}, N=${N}, WebGPU, ${runs} runs each, alternating`);
console.log('block      LayerNorm in the matmul          matmul, then LayerNorm           ratio');
for (const K of [768, 3072]) {
  const graph = block(K);
  const weights = new Map<string, Float32Array>([
    ['dense.weight', floats(N * K, 0.02)], ['dense.bias', floats(N, 0.02)], ['ln.weight', floats(N, 1)], ['ln.bias', floats(N, 0.1)],
  ]);
  const inputs = { x: hostTensor('f32', [S, K], Array.from(floats(S * K, 1))), residual: hostTensor('f32', [S, N], Array.from(floats(S * N, 1))) };
  const want = runGraph(graph, inputs, weights).y!.data;
  const variants = [optimizeGraph(graph).graph, optimizeGraph(graph, { fuseNorm: false }).graph];
  const models = await Promise.all(variants.map((g) => loadWebGpuModel(g, weights)));
  const ms = [0, 0];
  const errs = await Promise.all(models.map(async (m) => relativeError((await m.forward(inputs)).y!.data, want)));
  for (let i = 0; i < runs; i++) {
    for (const [v, m] of models.entries()) {
      const t = performance.now();
      await m.forward(inputs);
      ms[v]! += (performance.now() - t) / runs;
    }
  }
  const cell = (v: number) => `${ms[v]!.toFixed(1)} ms (${compileKernels(variants[v]!).schedule.launches.length} launch, err ${errs[v]!.toExponential(0)})`.padEnd(33);
  console.log(`K=${String(K).padEnd(7)}  ${cell(0)}${cell(1)}${(ms[0]! / ms[1]!).toFixed(2)}`);
  for (const m of models) m.dispose();
}
await closeWebGpu();
