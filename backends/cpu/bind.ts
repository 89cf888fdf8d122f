/**
 * Checking what the caller passed in before anything runs: input tensors (presence, dtype, shape, values), the
 * symbolic dims they bind, the graph's dim constraints, and parameter tensors.
 *
 * Every mistake a caller can make here is a UserError that names the input or weight and the values involved.
 */
import { UserError } from '../../dsl/errors.ts';
import { type Dim, dimConst, dimEval, dimSymbols, dimToString, shapeToString } from '../../compiler/ir/dim.ts';
import { type DType, isFloat } from '../../compiler/ir/ops.ts';
import type { Graph, InputArg, Node, ParamArg } from '../../compiler/ir/graph.ts';
import { formatShape, isStorageOf, sizeOf, storageOf, unravelIndex, type HostTensor } from '../tensor.ts';
import { roundStorage } from './precision.ts';

/** Values of the symbolic dims. */
export type Env = Record<string, number>;

/** The value of `d`, or undefined while one of its symbols is unbound. */
export function tryEval(d: Dim, env: Env): number | undefined {
  return dimSymbols(d).every((s) => env[s] !== undefined) ? dimEval(d, env) : undefined;
}

/** Solves `d = actual` for its only unbound symbol when that symbol appears linearly; undefined otherwise. */
function solveLinear(d: Dim, env: Env, actual: number): [string, number] | undefined {
  const unknown = dimSymbols(d).filter((s) => env[s] === undefined);
  if (unknown.length !== 1) return undefined;
  const u = unknown[0]!;
  let coeff = 0;
  let rest = 0;
  for (const [mono, c] of d.terms) {
    const uses = mono.filter((s) => s === u).length;
    if (uses > 1) return undefined;
    const known = mono.filter((s) => s !== u).reduce((v, s) => v * env[s]!, c);
    if (uses === 1) coeff += known;
    else rest += known;
  }
  const value = (actual - rest) / coeff;
  return coeff !== 0 && Number.isInteger(value) && value >= 0 ? [u, value] : undefined;
}

const inputName = (node: Node): string => (node.arg as unknown as InputArg).name;

/** "a Float32Array", "an Int32Array". */
const aName = (name: string): string => (/^[AEIOU]/.test(name) ? `an ${name}` : `a ${name}`);

/** An input whose data a backend holds already (its own earlier output): only its dtype and shape are given. */
export interface ShapeOnly {
  readonly dtype: DType;
  readonly shape: readonly number[];
}

function checkTensor(name: string, node: Node, t: HostTensor): void {
  if (typeof t !== 'object' || t === null || !Array.isArray(t.shape) || !ArrayBuffer.isView(t.data)) {
    throw new UserError(`input "${name}" is not a tensor ({ dtype, shape, data })`);
  }
  if (!isStorageOf(node.dtype, t.data) || (t.dtype !== node.dtype && !(isFloat(t.dtype) && isFloat(node.dtype)))) {
    throw new UserError(
      `input "${name}" must be ${node.dtype} (${aName(storageOf(node.dtype).name)}) but is ${t.dtype} in ${aName(t.data.constructor.name)}`,
    );
  }
  if (t.shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new UserError(`input "${name}" has an invalid shape ${formatShape(t.shape)}`);
  }
  if (t.data.length !== sizeOf(t.shape)) {
    throw new UserError(`input "${name}" has ${t.data.length} values but its shape ${formatShape(t.shape)} needs ${sizeOf(t.shape)}`);
  }
  if (t.shape.length !== node.shape.length) {
    throw new UserError(`input "${name}" has shape ${formatShape(t.shape)} but ${shapeToString(node.shape)} is expected`);
  }
}

function checkValues(name: string, node: Node, t: HostTensor): void {
  const arg = node.arg as unknown as InputArg;
  const d = t.data;
  const bad = (i: number, why: string): UserError =>
    new UserError(`input "${name}" has value ${d[i]} at [${unravelIndex(i, t.shape).join(', ')}], ${why}`);
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (isFloat(node.dtype) && !Number.isFinite(v)) throw bad(i, 'but float inputs must be finite');
    if (node.dtype === 'bool' && v > 1) throw bad(i, 'but bool values are 0 or 1');
    if (arg.range !== undefined && !(v >= arg.range[0] && v < arg.range[1])) {
      throw bad(i, `outside [${arg.range[0]}, ${arg.range[1]})`);
    }
  }
}

/**
 * Validates the inputs, binds the graph's symbols from their shapes, checks the constraints and fills omitted
 * inputs that have a fill value. Returns the symbol values and each input node's tensor (keyed by node id).
 */
export function bindInputs(
  graph: Graph,
  inputs: Readonly<Record<string, HostTensor>>,
  resident: Readonly<Record<string, ShapeOnly>> = {},
): { env: Env; values: Map<number, HostTensor> } {
  const known = new Set(graph.inputs.map(inputName));
  for (const name of [...Object.keys(inputs), ...Object.keys(resident)]) {
    if (!known.has(name)) throw new UserError(`unknown input "${name}" (inputs are: ${[...known].join(', ')})`);
  }
  const given: [Node, HostTensor][] = [];
  const shapeOnly = new Set<number>();
  for (const node of graph.inputs) {
    const name = inputName(node);
    const onDevice = resident[name];
    const t = inputs[name];
    if (onDevice !== undefined) {
      // data already on the device: its dtype and rank are checked here, its shape below with the others
      if (onDevice.dtype !== node.dtype || onDevice.shape.length !== node.shape.length) {
        throw new UserError(`input "${name}" is ${onDevice.dtype}${formatShape(onDevice.shape)} on the device but ${node.dtype}${shapeToString(node.shape)} is expected`);
      }
      given.push([node, { dtype: onDevice.dtype, shape: [...onDevice.shape], data: new (storageOf(node.dtype))(0) }]);
      shapeOnly.add(node.id);
    } else if (t !== undefined) {
      checkTensor(name, node, t);
      given.push([node, t]);
    } else if ((node.arg as unknown as InputArg).fill === undefined) {
      throw new UserError(`missing input "${name}"`);
    }
  }

  // Bind symbols: repeatedly solve any dim with a single unbound symbol (plain `S` dims bind on the first sweep).
  const env: Env = {};
  const from: Record<string, string> = {};
  for (let progress = true; progress; ) {
    progress = false;
    for (const [node, t] of given) {
      node.shape.forEach((d, i) => {
        const solved = solveLinear(d, env, t.shape[i]!);
        if (solved === undefined) return;
        env[solved[0]] = solved[1];
        from[solved[0]] = inputName(node);
        progress = true;
      });
    }
  }
  for (const [node, t] of given) {
    const want = node.shape.map((d) => tryEval(d, env));
    const wrong = node.shape.filter((_, i) => want[i] !== t.shape[i]);
    if (wrong.length === 0) continue;
    const syms = [...new Set(wrong.flatMap(dimSymbols))];
    const why = syms.map((s) => (env[s] === undefined ? `${s} cannot be determined` : `${s} = ${env[s]} from "${from[s]}"`));
    const values = want.every((v) => v !== undefined) && syms.length > 0 ? ` = ${formatShape(want as number[])}` : '';
    throw new UserError(
      `input "${inputName(node)}" has shape ${formatShape(t.shape)} but ${shapeToString(node.shape)}${values} is expected` +
        (why.length > 0 ? ` (${why.join(', ')})` : ''),
    );
  }

  for (const c of graph.constraints) {
    const v = tryEval(c.dim, env);
    if (v === undefined) continue; // mentions a symbol no input binds: nothing to check it against
    if (v > c.max) throw new UserError(`${c.message} (${dimToString(c.dim)} = ${v}, at most ${c.max})`);
  }

  const values = new Map<number, HostTensor>();
  for (const [node, t] of given) {
    const name = inputName(node);
    if (shapeOnly.has(node.id)) {
      values.set(node.id, t);
      continue;
    }
    checkValues(name, node, t);
    let data = t.data;
    if (node.dtype === 'f16' || node.dtype === 'bf16') {
      data = Float32Array.from(data);
      roundStorage(node.dtype, data);
    }
    values.set(node.id, { dtype: node.dtype, shape: [...t.shape], data });
  }
  for (const node of graph.inputs) {
    if (values.has(node.id)) continue;
    const arg = node.arg as unknown as InputArg;
    const shape = node.shape.map((d) => tryEval(d, env));
    if (shape.some((d) => d === undefined)) {
      const unbound = node.shape.flatMap(dimSymbols).filter((s) => env[s] === undefined);
      throw new UserError(`input "${arg.name}" was omitted and its shape ${shapeToString(node.shape)} is unknown (${unbound[0]} is not bound by any given input)`);
    }
    const data = new (storageOf(node.dtype))(sizeOf(shape as number[])).fill(arg.fill!);
    if (node.dtype === 'f16' || node.dtype === 'bf16') roundStorage(node.dtype, data as Float32Array);
    values.set(node.id, { dtype: node.dtype, shape: shape as number[], data });
  }
  return { env, values };
}

/** The tensor of a Param node from `weights` (by name, then by alias), checked against the node's dtype and size. */
export function loadParam(node: Node, shape: readonly number[], weights: ReadonlyMap<string, Float32Array | Int32Array>): HostTensor {
  const arg = node.arg as unknown as ParamArg;
  if (arg.concat) return { dtype: node.dtype, shape: [...shape], data: concatParts(node, arg.concat, weights) };
  const names = [arg.name, ...(arg.aliases ?? [])];
  const found = names.find((n) => weights.has(n));
  if (found === undefined) {
    const also = names.length > 1 ? ` (also looked for ${names.slice(1).map((n) => `"${n}"`).join(', ')})` : '';
    throw new UserError(`missing weight "${arg.name}"${also}`);
  }
  const w = weights.get(found)!;
  if (!isStorageOf(node.dtype, w)) {
    throw new UserError(`weight "${found}" is ${aName(w.constructor.name)} but the model declares it ${node.dtype}`);
  }
  const n = sizeOf(shape);
  if (w.length !== n) {
    const symbolic = node.shape.some((d) => dimSymbols(d).length > 0);
    const declared = shapeToString(node.shape) + (symbolic ? ` = ${formatShape(shape)}` : '');
    throw new UserError(`weight "${found}" has ${w.length} values but its shape ${declared} needs ${n}`);
  }
  let data = w;
  if (node.dtype === 'f16' || node.dtype === 'bf16') {
    data = Float32Array.from(w); // round a copy: the caller's weights are never modified
    roundStorage(node.dtype, data);
  }
  return { dtype: node.dtype, shape: [...shape], data };
}

/** A derived parameter's data: its checkpoint parts (each checked as a parameter of its own) joined along `axis`. */
function concatParts(node: Node, concat: NonNullable<ParamArg['concat']>, weights: ReadonlyMap<string, Float32Array | Int32Array>): Float32Array | Int32Array {
  const parts = concat.parts.map((p) => loadParam({ ...node, arg: { ...p }, shape: p.shape.map(dimConst) }, p.shape, weights).data as Float32Array | Int32Array);
  const outer = concat.parts[0]!.shape.slice(0, concat.axis).reduce((a, b) => a * b, 1);
  const blocks = concat.parts.map((p) => p.shape.slice(concat.axis).reduce((a, b) => a * b, 1));
  const row = blocks.reduce((a, b) => a + b, 0);
  const out = parts[0] instanceof Int32Array ? new Int32Array(outer * row) : new Float32Array(outer * row);
  for (let o = 0; o < outer; o++) {
    let at = o * row;
    parts.forEach((data, i) => {
      out.set(data.subarray(o * blocks[i]!, (o + 1) * blocks[i]!), at);
      at += blocks[i]!;
    });
  }
  return out;
}
