/**
 * The Node-only half of the package runtime: reading files from disk. Loaded with a dynamic import, so a bundle keeps
 * it in its own chunk and a browser, which loads checkpoints by URL or from bytes, never evaluates `node:fs`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UserError } from '../dsl/errors.ts';
import { fsReason } from './weights/safetensors.ts';

export { openCheckpoint } from './weights/checkpoint.ts';

export function readText(url: URL): string {
  const path = fileURLToPath(url);
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read ${path}: ${fsReason(e)}`);
  }
}

export function readBytes(url: URL): Uint8Array {
  const path = fileURLToPath(url);
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new UserError(`cannot read ${path}: ${fsReason(e)}`);
  }
}

/** A file's text, or undefined when there is no such file (optional checkpoint files: tokenizer, config). */
export function readTextIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UserError(`cannot read ${path}: ${fsReason(e)}`);
  }
}

export { fileURLToPath };
