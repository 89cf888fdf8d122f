/**
 * Single kernels at BERT-base shapes, as one-op graphs for our WebGPU path (graph IR → kernel IR → WGSL, the same
 * lowering a model gets) and as the matching TensorFlow.js calls. Each side uploads the activation, runs the op and
 * reads the result back on every repetition; weights (the matmul's right side, LayerNorm's scale and shift) stay on
 * the device, as in a model.
 */
import type { HostTensor } from '../../../backends/tensor.ts';
import { dimConst } from '../../../compiler/ir/dim.ts';
import { type Graph, type Node, NodeFactory } from '../../../compiler/ir/graph.ts';
import { Op } from '../../../compiler/ir/ops.ts';
import { normalSampler } from '../../../runtime/weights/random-checkpoint.ts';

export interface KernelCase {
  readonly name: string;
  /** Our graph: input `x`, parameters by name. */
  readonly graph: Graph;
  readonly input: HostTensor;
  readonly params: ReadonlyMap<string, Float32Array>;
  readonly paramShapes: ReadonlyMap<string, readonly number[]>;
  /** The TensorFlow.js expression of the same op, given `tf`, the input tensor and the parameter tensors. */
  readonly tfjs: (tf: typeof import('@tensorflow/tfjs'), x: import('@tensorflow/tfjs').Tensor, p: ReadonlyMap<string, import('@tensorflow/tfjs').Tensor>) => import('@tensorflow/tfjs').Tensor;
}

function random(n: number, seed: number, offset = 0): Float32Array {
  const normal = normalSampler(seed);
  return Float32Array.from({ length: n }, () => offset + normal());
}

function oneOp(op: Op, shape: readonly number[], params: readonly [string, readonly number[]][], arg: Record<string, unknown>): Graph {
  const f = new NodeFactory();
  const dims = (s: readonly number[]) => s.map(dimConst);
  const x = f.make(Op.Input, 'f32', dims(shape), [], { name: 'x' });
  const ps: Node[] = params.map(([name, s]) => f.make(Op.Param, 'f32', dims(s), [], { name }));
  const outShape = op === Op.MatMul ? [shape[0]!, params[0]![1][1]!] : shape;
  const out = f.make(op, 'f32', dims(outShape), [x, ...ps], arg);
  return { entry: op, config: {}, symbols: [], inputs: [x], outputs: [{ name: 'out', node: out }], constraints: [] };
}

/** matmul 128×768 · 768×768, softmax over [12, 128, 128] (attention probabilities), LayerNorm over [128, 768]. */
export function kernelCases(seq = 128, hidden = 768, heads = 12): KernelCase[] {
  const mm = { name: `matmul ${seq}×${hidden} · ${hidden}×${hidden}`, w: [hidden, hidden] as const };
  const scores = [heads, seq, seq];
  return [
    {
      name: mm.name,
      graph: oneOp(Op.MatMul, [seq, hidden], [['w', mm.w]], {}),
      input: { dtype: 'f32', shape: [seq, hidden], data: random(seq * hidden, 1) },
      params: new Map([['w', random(hidden * hidden, 2).map((v) => v * 0.05)]]),
      paramShapes: new Map([['w', mm.w]]),
      tfjs: (tf, x, p) => tf.matMul(x as import('@tensorflow/tfjs').Tensor2D, p.get('w') as import('@tensorflow/tfjs').Tensor2D),
    },
    {
      name: `softmax [${scores.join(', ')}] (last axis)`,
      graph: oneOp(Op.Softmax, scores, [], { axis: 2 }),
      input: { dtype: 'f32', shape: scores, data: random(scores.reduce((a, b) => a * b), 3) },
      params: new Map(),
      paramShapes: new Map(),
      tfjs: (tf, x) => tf.softmax(x),
    },
    {
      name: `layer norm [${seq}, ${hidden}]`,
      graph: oneOp(Op.LayerNorm, [seq, hidden], [['weight', [hidden]], ['bias', [hidden]]], { eps: 1e-12 }),
      input: { dtype: 'f32', shape: [seq, hidden], data: random(seq * hidden, 4, 0.5) },
      params: new Map([['weight', random(hidden, 5, 1)], ['bias', random(hidden, 6)]]),
      paramShapes: new Map([['weight', [hidden]], ['bias', [hidden]]]),
      // what tf.layers.layerNormalization computes: moments over the last axis, then normalise, scale and shift
      tfjs: (tf, x, p) => {
        const { mean, variance } = tf.moments(x, -1, true);
        return x.sub(mean).mul(tf.rsqrt(variance.add(1e-12))).mul(p.get('weight')!).add(p.get('bias')!);
      },
    },
  ];
}
