/** Shared helpers for the weight-loading tests: temp dirs, hand-built safetensors bytes, error assertions. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { UserError } from '../../../dsl/errors.ts';

/** A fresh temp directory under os.tmpdir(); removed at process exit. */
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dslc-weights-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Bytes of a safetensors file with a header given verbatim (as an object or raw text) and a data buffer, so tests can
 * build files no correct writer would produce. `declaredLength` overrides the 8-byte length prefix.
 */
export function rawFile(header: object | string, data: Uint8Array = new Uint8Array(0), declaredLength?: bigint): Uint8Array {
  const text = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + text.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(text.byteLength), true);
  out.set(text, 8);
  out.set(data, 8 + text.byteLength);
  return out;
}

/** Asserts `fn` throws a UserError whose message contains every one of `parts`; returns the message. */
export function throwsUser(fn: () => unknown, ...parts: string[]): string {
  let error: unknown;
  let threw = false;
  try {
    fn();
  } catch (e) {
    error = e;
    threw = true;
  }
  if (!threw) assert.unreachable(`expected a UserError containing ${JSON.stringify(parts)}, but nothing was thrown`);
  if (!(error instanceof UserError)) {
    assert.unreachable(`expected a UserError, got ${error instanceof Error ? error.stack : String(error)}`);
  }
  const message = (error as UserError).message;
  // SHOW_MESSAGES=1 prints every message checked, for reviewing their wording.
  if (process.env["SHOW_MESSAGES"]) console.log(`    ${message}`);
  for (const p of parts) assert.ok(message.includes(p), `message should contain ${JSON.stringify(p)}:\n  ${message}`);
  return message;
}

/** Deterministic pseudo-random numbers (mulberry32), so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` random floats spread over several orders of magnitude, both signs. */
export function randomFloats(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => (r() - 0.5) * 10 ** Math.floor(r() * 8 - 4));
}
