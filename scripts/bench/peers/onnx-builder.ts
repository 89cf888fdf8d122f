/**
 * A small builder for ONNX graphs, serialised by the `onnx-proto` package (protobufjs over ONNX's own schema).
 *
 * The peer benchmark needs the same BERT as an ONNX model for ONNX Runtime and transformers.js. It is built here
 * from the checkpoint's tensors, independently of our graph IR, so a bug in our compiler cannot hide in both.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

type Attr = number | readonly number[] | { readonly floats: readonly number[] } | { readonly float: number };

/** A dimension: a number, or a name for a dimension fixed at run time (`batch`, `sequence`). */
export type OnnxDim = number | string;

export class OnnxGraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private counter = 0;

  /** A float32 initializer (weights are stored raw, little-endian, as ONNX specifies). */
  weight(name: string, dims: readonly number[], data: Float32Array): string {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
    this.initializers.push({ name, dims: [...dims], dataType: FLOAT, rawData: bytes });
    return name;
  }

  /** An int64 initializer, e.g. a shape for Reshape. */
  ints(name: string, values: readonly number[]): string {
    const data = BigInt64Array.from(values, (v) => BigInt(v));
    this.initializers.push({ name, dims: [values.length], dataType: INT64, rawData: new Uint8Array(data.buffer) });
    return name;
  }

  /** A float32 scalar initializer. */
  scalar(name: string, value: number): string {
    this.initializers.push({ name, dims: [], dataType: FLOAT, rawData: new Uint8Array(Float32Array.of(value).buffer) });
    return name;
  }

  input(name: string, elem: 'float' | 'int64', dims: readonly OnnxDim[]): string {
    this.inputs.push(valueInfo(name, elem, dims));
    return name;
  }

  output(name: string, elem: 'float' | 'int64', dims: readonly OnnxDim[]): void {
    this.outputs.push(valueInfo(name, elem, dims));
  }

  /** Adds a node and returns its (single) output's name: `out` when given, else a fresh one. */
  op(opType: string, inputs: readonly string[], attrs: Readonly<Record<string, Attr>> = {}, out?: string): string {
    const output = out ?? `${opType.toLowerCase()}_${this.counter++}`;
    const attribute = Object.entries(attrs).map(([name, v]) => attribute_(name, v));
    this.nodes.push({ opType, input: [...inputs], output: [output], name: `${opType}_${this.nodes.length}`, attribute });
    return output;
  }

  /** The serialised ModelProto (IR version 8, default domain opset `opset`). */
  encode(graphName: string, opset = 17): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'dslc-bench-peers',
      opsetImport: [{ domain: '', version: opset }],
      graph: { name: graphName, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(name: string, elem: 'float' | 'int64', dims: readonly OnnxDim[]): onnxProto.onnx.IValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: elem === 'float' ? FLOAT : INT64, shape: { dim } } } };
}

function attribute_(name: string, v: Attr): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return { name, type: T.INT, i: v };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: [...(v as number[])] };
  if ('floats' in (v as object)) return { name, type: T.FLOATS, floats: [...(v as { floats: number[] }).floats] };
  return { name, type: T.FLOAT, f: (v as { float: number }).float };
}
