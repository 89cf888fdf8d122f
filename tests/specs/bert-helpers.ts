/**
 * Shared by the BERT tests: compile specs/bert.dsl for a checkpoint folder's config.json, run it on the folder's
 * inputs, and measure relative error against expected outputs.
 */
import { join } from 'node:path';
import type { HostTensor } from '../../backends/tensor.ts';
import type { Graph } from '../../compiler/ir/graph.ts';
import { compileGraph, parseSource, readSource } from '../../compiler/pipeline.ts';
import type { FnMember, Member } from '../../dsl/ast.ts';
import { type CpuModel, loadCpuModel } from '../../runtime/cpu-model.ts';
import { readJsonConfig } from '../../runtime/weights/hf-config.ts';
import { openSafetensors } from '../../runtime/weights/safetensors.ts';

export const BERT_SOURCE = readSource(new URL('../../specs/bert.dsl', import.meta.url).pathname);

export function compileBert(entry: string, config: Record<string, unknown>, args: Record<string, unknown> = {}): Graph {
  return compileGraph(BERT_SOURCE, { entry, config, args });
}

/** ‖a − b‖ / ‖b‖ over all elements. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

export function readTensors(path: string): Map<string, { shape: number[]; data: Float32Array | Int32Array }> {
  const f = openSafetensors(path);
  try {
    return new Map([...f.tensors.values()].map((t) => [t.name, { shape: t.shape, data: f.read(t.name) }]));
  } finally {
    f.close();
  }
}

export function inputsOf(dir: string): Record<string, HostTensor> {
  const out: Record<string, HostTensor> = {};
  for (const [name, t] of readTensors(join(dir, 'inputs.safetensors'))) {
    out[name] = { dtype: t.data instanceof Float32Array ? 'f32' : 'i32', shape: t.shape, data: t.data };
  }
  return out;
}

/** The optional inputs (`labels: i32[B]?`) of an entry's function, as declared in bert.dsl. */
export function optionalInputs(entry: string, fn = 'forward'): string[] {
  const decl = parseSource(BERT_SOURCE).decls.find((d) => d.kind === 'Module' && d.name === entry);
  const fns = decl?.kind === 'Module' ? collectFns(decl.members).filter((f) => f.name === fn) : [];
  return [...new Set(fns.flatMap((f) => f.params.filter((p) => p.optional).map((p) => p.name)))];
}

function collectFns(members: readonly Member[]): FnMember[] {
  return members.flatMap((m) => (m.kind === 'FnMember' ? [m] : m.kind === 'IfMember' ? [...collectFns(m.then), ...collectFns(m.else)] : []));
}

/** Loads a checkpoint folder (config.json + model.safetensors) for one entry of bert.dsl, with the optional inputs
 * the folder's inputs.safetensors provides. */
export function loadBertFolder(dir: string, entry: string, args: Record<string, unknown> = {}, fn = 'forward', given: readonly string[] = Object.keys(inputsOf(dir))): CpuModel {
  const inputs = optionalInputs(entry, fn).filter((n) => given.includes(n));
  const graph = compileGraph(BERT_SOURCE, { entry, fn, config: readJsonConfig(join(dir, 'config.json')), args, inputs });
  return loadCpuModel(graph, dir);
}
