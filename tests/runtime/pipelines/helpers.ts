/**
 * Shared by the pipeline tests: tiny packages with tokenizers (scripts/examples/tiny-bert.ts), built once per test
 * file and imported in-process as an app would, and the pieces of the manual computations the pipelines are checked
 * against — the slow tokenizer, the CPU model on the package's own graph, and softmax written out again.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as assert from 'uvu/assert';
import type { HostTensor } from '../../../backends/tensor.ts';
import { graphFromJson } from '../../../compiler/ir/print.ts';
import { loadCpuModel } from '../../../runtime/cpu-model.ts';
import type { Pipelines } from '../../../runtime/pipelines/api.ts';
import { BertTokenizer } from '../../../runtime/tokenizer/index.ts';
import { makeTiny, TINY_VOCAB, type TinyOptions } from '../../../scripts/examples/tiny-bert.ts';

/** A loaded package model: `forward` plus every pipeline (the runtime has them all, refusing the entry's others). */
export type Model = Pipelines & {
  readonly manifest: { readonly entry: string };
  readonly config: Record<string, unknown>;
  forward(inputs: object): Promise<Record<string, HostTensor>>;
  dispose(): void;
};

export interface Package {
  readonly pkg: string;
  readonly ckpt: string;
  readonly loadBert: (checkpoint: unknown) => Promise<Model>;
  /** The package's own UserError class (the bundle has its own copy). */
  readonly UserError: new (message: string) => Error;
}

const root = mkdtempSync(join(tmpdir(), 'dslc-pipelines-'));
process.once('exit', () => rmSync(root, { recursive: true, force: true }));
let count = 0;

/** Builds `entry` with a random checkpoint and tokenizer files, and imports its index.js. */
export async function tinyPackage(entry: string, opts: TinyOptions = {}): Promise<Package> {
  const log = console.log;
  console.log = () => {}; // the build's one-line report would interleave with uvu's output
  let made;
  try {
    made = await makeTiny(join(root, `${count++}-${entry}`), entry, opts);
  } finally {
    console.log = log;
  }
  const mod = await import(pathToFileURL(join(made.pkg, 'index.js')).href);
  return { ...made, loadBert: mod.loadBert, UserError: mod.UserError };
}

/** HF's slow tokenizer on the same vocabulary: the manual computations' tokenizer, independent of the pipelines'. */
export const slow = BertTokenizer.fromVocab(`${TINY_VOCAB.join('\n')}\n`);

/** The package's graph run by the CPU reference on the checkpoint, inputs and outputs by source name. */
export function reference(p: Package, inputs: Record<string, number[][] | number[][][]>): Record<string, HostTensor> {
  const graph = graphFromJson(JSON.parse(readFileSync(join(p.pkg, 'graph.json'), 'utf8')));
  const model = loadCpuModel(graph, p.ckpt);
  try {
    return model.forward(inputs);
  } finally {
    model.dispose();
  }
}

/** Softmax of a plain array, in float64. */
export function softmaxOf(xs: ArrayLike<number>): number[] {
  const a = Array.from(xs);
  const m = Math.max(...a);
  const e = a.map((x) => Math.exp(x - m));
  const s = e.reduce((x, y) => x + y, 0);
  return e.map((x) => x / s);
}

/** `[from, to)` of a tensor's flat data as a plain array. */
export const row = (t: HostTensor, from: number, to: number): number[] => Array.from(t.data.subarray(from, to));

export function close(got: number, want: number, what: string, tol = 1e-6): void {
  assert.ok(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), `${what}: ${got} vs ${want}`);
}

/** Asserts `fn` rejects with the package's UserError and a message holding every one of `parts`. */
export async function rejects(p: Package, fn: () => Promise<unknown>, ...parts: string[]): Promise<string> {
  try {
    await fn();
  } catch (e) {
    assert.ok(e instanceof p.UserError, `expected the package's UserError, got ${e instanceof Error ? e.stack : String(e)}`);
    const message = (e as Error).message;
    for (const part of parts) assert.ok(message.includes(part), `message ${JSON.stringify(message)} lacks ${JSON.stringify(part)}`);
    return message;
  }
  return assert.unreachable(`expected a UserError containing ${JSON.stringify(parts)}`) as never;
}
