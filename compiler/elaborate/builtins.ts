/**
 * The op library as the model source sees it: built-in functions with positional or named arguments.
 *
 * Each entry checks its arguments' kinds and delegates the typing rules to tensor-ops.ts. HF's activation names
 * (`ACT2FN`) are mapped here so a config string like `hidden_act = "gelu_new"` selects an op.
 */
import type { Span } from '../../dsl/ast.ts';
import { type Dim, dimAdd, dimConst, dimEq, dimToString, dimValue } from '../ir/dim.ts';
import type { Node } from '../ir/graph.ts';
import { type DType, isFloat, Op } from '../ir/ops.ts';
import type { Elaboration } from './context.ts';
import * as T from './tensor-ops.ts';
import { describe, floatValue, POISON, tensorValue, type Value } from './values.ts';

export interface ArgValue {
  readonly value: Value;
  readonly span: Span;
}

export interface CallArgs {
  readonly span: Span;
  readonly positional: readonly ArgValue[];
  readonly named: ReadonlyMap<string, ArgValue>;
}

type Builtin = (cx: Elaboration, a: Args) => Value;

/** HF's ACT2FN names → ops; `gelu_pytorch_tanh` and `gelu_new` are the same tanh approximation. */
export const ACTIVATIONS: Readonly<Record<string, Op>> = {
  gelu: Op.Gelu,
  gelu_new: Op.GeluTanh,
  gelu_pytorch_tanh: Op.GeluTanh,
  relu: Op.Relu,
  silu: Op.Silu,
  swish: Op.Silu,
  tanh: Op.Tanh,
  sigmoid: Op.Sigmoid,
};

/** Positional-or-named access to a call's arguments with kind checks that fail at the argument's span. */
class Args {
  constructor(
    readonly cx: Elaboration,
    readonly name: string,
    readonly call: CallArgs,
    readonly params: readonly string[],
  ) {
    for (const [key, arg] of call.named) {
      if (!params.includes(key)) cx.fail(arg.span, `${name} has no parameter '${key}'`, `its parameters are ${params.join(', ')}`);
    }
    if (call.positional.length > params.length) {
      cx.fail(call.positional[params.length]!.span, `${name} takes at most ${params.length} arguments`, `${name}(${params.join(', ')})`);
    }
  }

  get span(): Span {
    return this.call.span;
  }

  get(param: string): ArgValue | undefined {
    const i = this.params.indexOf(param);
    return this.call.positional[i] ?? this.call.named.get(param);
  }

  need(param: string): ArgValue {
    const a = this.get(param);
    if (!a) this.cx.fail(this.span, `${this.name} is missing its argument '${param}'`, `${this.name}(${this.params.join(', ')})`);
    return a;
  }

  tensor(param: string, like?: DType): Node {
    const a = this.need(param);
    const v = a.value;
    if (v.kind === 'tensor') return v.node;
    if (like && (v.kind === 'float' || (v.kind === 'int' && dimValue(v.dim) !== undefined))) {
      return T.constant(this.cx, a.span, v.kind === 'float' ? v.value : dimValue(v.dim)!, like);
    }
    return this.cx.fail(a.span, `${this.name}'s '${param}' must be a tensor, got ${describe(v)}`);
  }

  int(param: string, fallback?: number): number {
    const a = this.get(param);
    if (!a) {
      if (fallback !== undefined) return fallback;
      return this.need(param) as never;
    }
    const v = a.value;
    const n = v.kind === 'int' ? dimValue(v.dim) : undefined;
    if (n === undefined) this.cx.fail(a.span, `${this.name}'s '${param}' must be a known integer, got ${describe(v)}`);
    return n;
  }

  dim(param: string): Dim {
    const a = this.need(param);
    if (a.value.kind !== 'int') this.cx.fail(a.span, `${this.name}'s '${param}' must be an integer, got ${describe(a.value)}`);
    return a.value.dim;
  }

  float(param: string, fallback?: number): number {
    const a = this.get(param);
    if (!a && fallback !== undefined) return fallback;
    const v = this.need(param).value;
    if (v.kind === 'float') return v.value;
    if (v.kind === 'int' && dimValue(v.dim) !== undefined) return dimValue(v.dim)!;
    return this.cx.fail(this.need(param).span, `${this.name}'s '${param}' must be a number, got ${describe(v)}`);
  }

  bool(param: string, fallback: boolean): boolean {
    const a = this.get(param);
    if (!a) return fallback;
    if (a.value.kind !== 'bool') this.cx.fail(a.span, `${this.name}'s '${param}' must be true or false, got ${describe(a.value)}`);
    return a.value.value;
  }

  str(param: string, fallback?: string): string {
    const a = this.get(param);
    if (!a && fallback !== undefined) return fallback;
    const v = this.need(param);
    if (v.value.kind !== 'str') this.cx.fail(v.span, `${this.name}'s '${param}' must be a string, got ${describe(v.value)}`);
    return v.value.value;
  }

  dtype(param: string, fallback?: DType): DType {
    const a = this.get(param);
    if (!a && fallback) return fallback;
    const v = this.need(param);
    if (v.value.kind !== 'dtype') this.cx.fail(v.span, `${this.name}'s '${param}' must be a dtype such as f32, got ${describe(v.value)}`);
    return v.value.dtype;
  }

  /** A list of ints; `-1` entries come back as 'infer' when allowed. */
  dims(param: string, allowInfer = false): (Dim | 'infer')[] {
    const a = this.need(param);
    if (a.value.kind !== 'list') this.cx.fail(a.span, `${this.name}'s '${param}' must be a list like [B, S], got ${describe(a.value)}`);
    return a.value.items.map((item) => {
      if (item.kind !== 'int') this.cx.fail(a.span, `${this.name}'s '${param}' must hold integers, got ${describe(item)}`);
      if (dimValue(item.dim) === -1 && allowInfer) return 'infer';
      const v = dimValue(item.dim);
      if (v !== undefined && v < 0) this.cx.fail(a.span, `${this.name}'s '${param}' has a negative dimension ${v}`);
      return item.dim;
    });
  }

  tensors(param: string): Node[] {
    const a = this.need(param);
    if (a.value.kind !== 'list') this.cx.fail(a.span, `${this.name}'s '${param}' must be a list of tensors`);
    return a.value.items.map((v) => {
      if (v.kind === 'poison') this.cx.abort();
      return v.kind === 'tensor' ? v.node : this.cx.fail(a.span, `${this.name}'s '${param}' must hold tensors, got ${describe(v)}`);
    });
  }
}

const fixed = (dims: (Dim | 'infer')[]): Dim[] => dims.map((d) => (d === 'infer' ? dimConst(-1) : d));

function unaryBuiltin(op: Op, scalar?: (x: number) => number): Builtin {
  return (cx, a) => {
    const x = a.need('x');
    if (scalar && (x.value.kind === 'float' || x.value.kind === 'int')) {
      const n = x.value.kind === 'float' ? x.value.value : dimValue(x.value.dim);
      if (n === undefined) return cx.fail(x.span, `${a.name} of a symbolic integer is not known at compile time`);
      return floatValue(scalar(n));
    }
    return tensorValue(T.unary(cx, a.span, op, a.tensor('x')));
  };
}

const reduceBuiltin = (op: Op): Builtin => (cx, a) =>
  tensorValue(T.reduce(cx, a.span, op, a.tensor('x'), a.int('axis'), a.bool('keepdim', false)));

const BUILTINS: Record<string, [params: string[], fn: Builtin]> = {
  matmul: [['a', 'b'], (cx, a) => tensorValue(T.matmul(cx, a.span, a.tensor('a'), a.tensor('b')))],
  transpose: [['x', 'dim0', 'dim1'], (cx, a) => {
    const x = a.tensor('x');
    const perm = x.shape.map((_, i) => i);
    const i = T.axisOf(cx, a.span, a.int('dim0'), perm.length);
    const j = T.axisOf(cx, a.span, a.int('dim1'), perm.length);
    [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    return tensorValue(T.permute(cx, a.span, x, perm));
  }],
  permute: [['x', 'dims'], (cx, a) => {
    const dims = a.dims('dims').map((d) => (d === 'infer' ? -1 : dimValue(d) ?? cx.fail(a.span, 'permute needs known axes')));
    return tensorValue(T.permute(cx, a.span, a.tensor('x'), dims));
  }],
  reshape: [['x', 'shape'], (cx, a) => tensorValue(T.reshape(cx, a.span, a.tensor('x'), a.dims('shape', true)))],
  expand: [['x', 'shape'], (cx, a) => tensorValue(T.expand(cx, a.span, a.tensor('x'), fixed(a.dims('shape'))))],
  unsqueeze: [['x', 'axis'], (cx, a) => {
    const x = a.tensor('x');
    const axis = T.axisOf(cx, a.span, a.int('axis'), x.shape.length + 1);
    return tensorValue(T.reshape(cx, a.span, x, [...x.shape.slice(0, axis), dimConst(1), ...x.shape.slice(axis)]));
  }],
  select: [['x', 'axis', 'index'], (cx, a) => {
    const x = a.tensor('x');
    const axis = T.axisOf(cx, a.span, a.int('axis'), x.shape.length);
    const index = a.dim('index');
    const one = T.slice(cx, a.span, x, axis, index, dimAdd(index, dimConst(1)));
    return tensorValue(T.reshape(cx, a.span, one, x.shape.filter((_, i) => i !== axis)));
  }],
  slice: [['x', 'axis', 'start', 'end'], (cx, a) => tensorValue(T.slice(cx, a.span, a.tensor('x'), a.int('axis'), a.dim('start'), a.dim('end')))],
  concat: [['xs', 'axis'], (cx, a) => tensorValue(T.concat(cx, a.span, a.tensors('xs'), a.int('axis')))],
  // `item` (each element's shape, and `dtype`) lets a list that may be empty stack to a tensor with a 0 dim, as
  // HF's per-layer tuples are empty for a model of 0 layers
  stack: [['xs', 'axis', 'item', 'dtype'], (cx, a) => {
    const xs = a.tensors('xs');
    const item = a.get('item') ? fixed(a.dims('item')) : undefined;
    if (item) {
      const bad = xs.find((x) => x.shape.length !== item.length || x.shape.some((d, i) => !dimEq(d, item[i]!)));
      if (bad) cx.fail(a.need('item').span, `stack's item shape [${item.map(dimToString).join(', ')}] differs from an element's [${bad.shape.map(dimToString).join(', ')}]`);
      if (xs.length === 0) {
        const axis = T.axisOf(cx, a.span, a.int('axis', 0), item.length + 1);
        return tensorValue(T.constant(cx, a.span, 0, a.dtype('dtype', 'f32'), [...item.slice(0, axis), dimConst(0), ...item.slice(axis)]));
      }
    }
    if (xs.length === 0) cx.fail(a.span, 'stack needs at least one tensor', "or the elements' shape: stack(xs, axis, item=[...])");
    const axis = T.axisOf(cx, a.span, a.int('axis', 0), xs[0]!.shape.length + 1);
    const up = xs.map((x) => T.reshape(cx, a.span, x, [...x.shape.slice(0, axis), dimConst(1), ...x.shape.slice(axis)]));
    return tensorValue(T.concat(cx, a.span, up, axis));
  }],
  softmax: [['x', 'axis'], (cx, a) => tensorValue(T.softmax(cx, a.span, a.tensor('x'), a.int('axis', -1)))],
  layer_norm: [['x', 'weight', 'bias', 'eps'], (cx, a) =>
    tensorValue(T.layerNorm(cx, a.span, a.tensor('x'), a.tensor('weight'), a.tensor('bias'), a.float('eps', 1e-5)))],
  gather: [['table', 'ids', 'what'], (cx, a) => tensorValue(T.gather(cx, a.span, a.tensor('table'), a.tensor('ids'), a.str('what', 'gather')))],
  where: [['cond', 'a', 'b'], (cx, a) => {
    const cond = a.tensor('cond');
    const av = a.need('a').value;
    const like = av.kind === 'tensor' ? av.node.dtype : a.need('b').value.kind === 'tensor' ? (a.need('b').value as { node: Node }).node.dtype : 'f32';
    return tensorValue(T.where(cx, a.span, cond, a.tensor('a', like), a.tensor('b', like)));
  }],
  cast: [['x', 'dtype'], (cx, a) => tensorValue(T.cast(cx, a.span, a.tensor('x'), a.dtype('dtype')))],
  sum: [['x', 'axis', 'keepdim'], reduceBuiltin(Op.ReduceSum)],
  mean: [['x', 'axis', 'keepdim'], reduceBuiltin(Op.ReduceMean)],
  max: [['x', 'axis', 'keepdim'], reduceBuiltin(Op.ReduceMax)],
  maximum: [['a', 'b'], (cx, a) => tensorValue(T.binary(cx, a.span, Op.Max, a.tensor('a'), a.tensor('b', a.tensor('a').dtype)))],
  minimum: [['a', 'b'], (cx, a) => tensorValue(T.binary(cx, a.span, Op.Min, a.tensor('a'), a.tensor('b', a.tensor('a').dtype)))],
  arange: [['n'], (cx, a) => tensorValue(T.make(cx, a.span, Op.Arange, 'i32', [a.dim('n')], []))],
  full: [['shape', 'value', 'dtype'], (cx, a) => tensorValue(T.constant(cx, a.span, a.float('value'), a.dtype('dtype', 'f32'), fixed(a.dims('shape'))))],
  zeros: [['shape', 'dtype'], (cx, a) => tensorValue(T.constant(cx, a.span, 0, a.dtype('dtype', 'f32'), fixed(a.dims('shape'))))],
  ones: [['shape', 'dtype'], (cx, a) => tensorValue(T.constant(cx, a.span, 1, a.dtype('dtype', 'f32'), fixed(a.dims('shape'))))],
  cross_entropy: [['logits', 'labels', 'ignore_index'], (cx, a) => {
    const logits = a.tensor('logits');
    const labels = a.tensor('labels');
    if (logits.shape.length !== 2 || labels.shape.length !== 1 || labels.dtype !== 'i32' || !isFloat(logits.dtype)) {
      cx.fail(a.span, 'cross_entropy needs float logits [N, C] and i32 labels [N]', 'reshape both to flatten the batch first');
    }
    T.broadcastShapes(cx, a.span, [[logits.shape[0]!], labels.shape]);
    return tensorValue(T.make(cx, a.span, Op.CrossEntropy, logits.dtype, [], [logits, labels], { ignoreIndex: a.int('ignore_index', -100) }));
  }],
  activation: [['x', 'name'], (cx, a) => {
    const name = a.str('name');
    const op = ACTIVATIONS[name];
    if (!op) cx.fail(a.need('name').span, `unknown activation "${name}"`, `known: ${Object.keys(ACTIVATIONS).join(', ')}`);
    return tensorValue(T.unary(cx, a.span, op, a.tensor('x')));
  }],
  // a compile-time int: lets a function taking several forms of a tensor (`i32[B, S] | i32[B, S, S]`) branch on it
  rank: [['x'], (_cx, a) => ({ kind: 'int', dim: dimConst(a.tensor('x').shape.length) })],
  size: [['x', 'axis'], (cx, a) => {
    const x = a.tensor('x');
    return { kind: 'int', dim: x.shape[T.axisOf(cx, a.span, a.int('axis'), x.shape.length)]! };
  }],
  min_value: [['dtype'], (_cx, a) => floatValue({ f32: -3.4028234663852886e38, f16: -65504, bf16: -3.3895313892515355e38, i32: -2147483648, bool: 0 }[a.dtype('dtype')])],
  exp: [['x'], unaryBuiltin(Op.Exp, Math.exp)],
  log: [['x'], unaryBuiltin(Op.Log, Math.log)],
  sqrt: [['x'], unaryBuiltin(Op.Sqrt, Math.sqrt)],
  rsqrt: [['x'], unaryBuiltin(Op.Rsqrt, (x) => 1 / Math.sqrt(x))],
  tanh: [['x'], unaryBuiltin(Op.Tanh, Math.tanh)],
  erf: [['x'], unaryBuiltin(Op.Erf)],
  sigmoid: [['x'], unaryBuiltin(Op.Sigmoid)],
  relu: [['x'], unaryBuiltin(Op.Relu)],
  gelu: [['x'], unaryBuiltin(Op.Gelu)],
  gelu_new: [['x'], unaryBuiltin(Op.GeluTanh)],
  silu: [['x'], unaryBuiltin(Op.Silu)],
  abs: [['x'], unaryBuiltin(Op.Abs, Math.abs)],
};

export const BUILTIN_NAMES: readonly string[] = Object.keys(BUILTINS);

export function isBuiltin(name: string): boolean {
  return Object.hasOwn(BUILTINS, name);
}

export function callBuiltin(cx: Elaboration, name: string, call: CallArgs): Value {
  if ([...call.positional, ...call.named.values()].some((a) => a.value.kind === 'poison')) return POISON;
  const [params, fn] = BUILTINS[name]!;
  return fn(cx, new Args(cx, name, call, params));
}
