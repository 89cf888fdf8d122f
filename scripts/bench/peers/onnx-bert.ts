/**
 * Hugging Face's BertModel (last_hidden_state) as an ONNX graph, built from a checkpoint's tensors the way HF's
 * exporter lays it out: Gather embeddings, LayerNormalization, MatMul + Add with transposed Linear weights,
 * Reshape/Transpose into heads, Softmax, and the exact (Erf) GELU. Dynamic `batch` and `sequence` dimensions.
 *
 * Inputs are int64 `input_ids`, `attention_mask`, `token_type_ids`, as in HF's export (transformers.js feeds them).
 */
import { OnnxGraphBuilder } from './onnx-builder.ts';

export interface BertShape {
  readonly hidden: number;
  readonly layers: number;
  readonly heads: number;
  readonly intermediate: number;
  readonly layerNormEps: number;
}

export type NamedTensors = ReadonlyMap<string, { readonly shape: readonly number[]; readonly data: Float32Array }>;

/** Builds the ONNX model of BertModel (no pooler) from HF-named tensors. */
export function bertOnnx(shape: BertShape, tensors: NamedTensors): Uint8Array {
  const g = new OnnxGraphBuilder();
  const tensor = (name: string) => {
    const t = tensors.get(name);
    if (!t) throw new Error(`bertOnnx: the checkpoint has no tensor ${name}`);
    return t;
  };
  const param = (name: string) => g.weight(name, tensor(name).shape, tensor(name).data);
  /** torch.nn.Linear stores [out, in]; MatMul wants [in, out], as HF's export stores it. */
  const linear = (x: string, prefix: string) => {
    const w = tensor(`${prefix}.weight`);
    const [out, inp] = w.shape as [number, number];
    const t = new Float32Array(w.data.length);
    for (let o = 0; o < out; o++) for (let i = 0; i < inp; i++) t[i * out + o] = w.data[o * inp + i]!;
    return g.op('Add', [g.op('MatMul', [x, g.weight(`${prefix}.weight.T`, [inp, out], t)]), param(`${prefix}.bias`)]);
  };
  const layerNorm = (x: string, prefix: string) =>
    g.op('LayerNormalization', [x, param(`${prefix}.weight`), param(`${prefix}.bias`)], { axis: -1, epsilon: { float: shape.layerNormEps } });

  const ids = g.input('input_ids', 'int64', ['batch', 'sequence']);
  const mask = g.input('attention_mask', 'int64', ['batch', 'sequence']);
  const types = g.input('token_type_ids', 'int64', ['batch', 'sequence']);

  // position_ids = arange(S), with S read from input_ids' shape
  const seq = g.op('Gather', [g.op('Shape', [ids]), g.ints('one_index', [1])], { axis: 0 });
  const positions = g.op('Range', [g.ints('zero', [0]), seq, g.ints('one', [1])]);
  const positionsFlat = g.op('Reshape', [positions, g.ints('flat', [-1])]);
  let h = g.op('Add', [
    g.op('Add', [g.op('Gather', [param('embeddings.word_embeddings.weight'), ids]), g.op('Gather', [param('embeddings.token_type_embeddings.weight'), types])]),
    g.op('Gather', [param('embeddings.position_embeddings.weight'), positionsFlat]),
  ]);
  h = layerNorm(h, 'embeddings.LayerNorm');

  // HF's extended attention mask: (1 - mask) * finfo(float32).min, broadcast over heads and queries
  const keep = g.op('Unsqueeze', [g.op('Cast', [mask], { to: 1 }), g.ints('mask_axes', [1, 2])]);
  const additive = g.op('Mul', [g.op('Sub', [g.scalar('one_f', 1), keep]), g.scalar('f32_min', -3.4028234663852886e38)]);

  const headSize = shape.hidden / shape.heads;
  const splitShape = g.ints('split_heads', [0, 0, shape.heads, headSize]);
  const mergeShape = g.ints('merge_heads', [0, 0, shape.hidden]);
  const scale = g.scalar('score_scale', Math.sqrt(headSize));
  const half = g.scalar('half', 0.5);
  const sqrt2 = g.scalar('sqrt2', Math.SQRT2);
  const oneF = 'one_f';
  for (let l = 0; l < shape.layers; l++) {
    const p = `encoder.layer.${l}`;
    const heads = (x: string, perm: number[]) => g.op('Transpose', [g.op('Reshape', [x, splitShape])], { perm });
    const q = heads(linear(h, `${p}.attention.self.query`), [0, 2, 1, 3]);
    const kT = heads(linear(h, `${p}.attention.self.key`), [0, 2, 3, 1]);
    const v = heads(linear(h, `${p}.attention.self.value`), [0, 2, 1, 3]);
    const scores = g.op('Add', [g.op('Div', [g.op('MatMul', [q, kT]), scale]), additive]);
    const probs = g.op('Softmax', [scores], { axis: -1 });
    const context = g.op('Reshape', [g.op('Transpose', [g.op('MatMul', [probs, v])], { perm: [0, 2, 1, 3] }), mergeShape]);
    h = layerNorm(g.op('Add', [linear(context, `${p}.attention.output.dense`), h]), `${p}.attention.output.LayerNorm`);
    const x = linear(h, `${p}.intermediate.dense`);
    const gelu = g.op('Mul', [g.op('Mul', [x, half]), g.op('Add', [g.op('Erf', [g.op('Div', [x, sqrt2])]), oneF])]);
    h = layerNorm(g.op('Add', [linear(gelu, `${p}.output.dense`), h]), `${p}.output.LayerNorm`);
  }
  g.op('Identity', [h], {}, 'last_hidden_state');
  g.output('last_hidden_state', 'float', ['batch', 'sequence', shape.hidden]);
  return g.encode('bert');
}
