/**
 * Shared by the CUDA tests: comparing outputs with the CPU reference, and skipping loudly when a tool is missing
 * (a skipped test is counted as skipped by uvu and its title and a console line say why; nothing passes silently).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HostTensor } from '../../../backends/tensor.ts';
import { relativeError } from '../../specs/bert-helpers.ts';

const announced = new Set<string>();

/** Registers `title` as a skipped test naming `reason`, and prints the reason once per reason. */
export function skipBecause(title: string, reason: string): void {
  if (!announced.has(reason)) console.log(`\n  SKIPPING CUDA tests: ${reason}`);
  announced.add(reason);
  test.skip(`${title} (skipped: ${reason})`, () => {});
}

/** Floats by relative error ‖a − b‖ / ‖b‖ (NaN must match NaN), integers and booleans exactly. */
export function assertClose(name: string, got: HostTensor, want: HostTensor, tol = 1e-4): number {
  assert.equal(got.shape, want.shape, `${name}: shape`);
  assert.is(got.dtype, want.dtype, `${name}: dtype`);
  if (got.dtype !== 'f32') {
    const bad = want.data.findIndex((v, i) => got.data[i] !== v);
    assert.is(bad, -1, `${name}: first difference at ${bad}: ${got.data[bad]} vs ${want.data[bad]}`);
    return 0;
  }
  const nan = want.data.findIndex((v, i) => Number.isNaN(v) !== Number.isNaN(got.data[i]!));
  assert.is(nan, -1, `${name}: NaN at ${nan} on one side only (${got.data[nan]} vs ${want.data[nan]})`);
  const keep = (d: ArrayLike<number>) => Array.from(d).filter((_, i) => !Number.isNaN(want.data[i]!));
  const w = keep(want.data);
  if (w.every((v) => v === 0)) {
    assert.ok(keep(got.data).every((v) => v === 0), `${name}: expected all zeros`);
    return 0;
  }
  const err = relativeError(keep(got.data), w);
  assert.ok(err <= tol, `${name}: relative error ${err.toExponential(2)} > ${tol}`);
  return err;
}

/** Compares every output of `got` with `want` (same names); returns the largest relative error. */
export function assertOutputs(got: Record<string, HostTensor>, want: Record<string, HostTensor>, tol = 1e-4): number {
  assert.equal(Object.keys(got).sort(), Object.keys(want).sort(), 'output names');
  return Math.max(0, ...Object.keys(want).map((name) => assertClose(name, got[name]!, want[name]!, tol)));
}

/** Asserts that `fn` rejects with a message matching `re` (uvu's assert has no async `throws`). */
export async function rejects(fn: () => Promise<unknown>, re: RegExp): Promise<void> {
  let error: Error | undefined;
  try {
    await fn();
  } catch (e) {
    error = e as Error;
  }
  assert.ok(error, `expected a rejection matching ${re}`);
  assert.match(error!.message, re);
}
