/**
 * Where a package's own files and a checkpoint's tensors come from: a directory path (Node), a URL (fetch; `file:`
 * URLs read from disk in Node), or bytes already in memory.
 *
 * Nothing here imports a Node module: disk access is behind a dynamic import of package-node.ts, so the same runtime
 * works in a browser for URLs and bytes.
 */
import { UserError } from '../dsl/errors.ts';
import type { CheckpointSource } from './package-api.ts';
import { parseSafetensors, type SafetensorsFile } from './weights/safetensors-bytes.ts';

const SINGLE = 'model.safetensors';
const INDEX = 'model.safetensors.index.json';

/** A scheme of two or more letters, so a Windows path (`C:\models`) is still a path. */
export const URL_LIKE = /^[a-z][a-z\d+.-]+:/i;

export async function nodeFiles(what: string): Promise<typeof import('./package-node.ts')> {
  if (typeof process === 'undefined' || !process.versions?.node) {
    throw new UserError(`${what} can only be read from disk in Node; elsewhere pass a URL or the files' bytes`);
  }
  return import('./package-node.ts');
}

/** The response, or undefined on a 404; other failures are UserErrors naming the URL. */
export async function fetchOk(url: URL): Promise<Response | undefined> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new UserError(`cannot fetch ${url.href}: ${(e as Error).message}`);
  }
  if (res.status === 404) return undefined;
  if (!res.ok) throw new UserError(`cannot fetch ${url.href}: HTTP ${res.status} ${res.statusText}`);
  return res;
}

/** The text of one of the package's own files (manifest.json, graph.json), next to its index.js. */
export async function readPackageText(base: URL, name: string): Promise<string> {
  const url = new URL(name, base);
  if (url.protocol === 'file:') return (await nodeFiles(url.href)).readText(url);
  const res = await fetchOk(url);
  if (!res) throw new UserError(`cannot fetch ${url.href}: not found (is the package folder served whole?)`);
  return res.text();
}

/** The bytes of one of the package's own files (e.g. a CUDA cubin). */
export async function readPackageBytes(base: URL, name: string): Promise<Uint8Array> {
  const url = new URL(name, base);
  if (url.protocol === 'file:') return (await nodeFiles(url.href)).readBytes(url);
  const res = await fetchOk(url);
  if (!res) throw new UserError(`cannot fetch ${url.href}: not found (is the package folder served whole?)`);
  return new Uint8Array(await res.arrayBuffer());
}

async function fetchCheckpoint(url: URL): Promise<SafetensorsFile[]> {
  const bytes = async (u: URL): Promise<SafetensorsFile | undefined> => {
    const res = await fetchOk(u);
    return res && parseSafetensors(new Uint8Array(await res.arrayBuffer()), u.href);
  };
  if (url.pathname.endsWith('.safetensors')) {
    const file = await bytes(url);
    if (!file) throw new UserError(`checkpoint ${url.href}: not found`);
    return [file];
  }
  const dir = new URL(url.href.endsWith('/') ? url.href : `${url.href}/`);
  const single = await bytes(new URL(SINGLE, dir));
  if (single) return [single];
  const index = await fetchOk(new URL(INDEX, dir));
  if (!index) throw new UserError(`checkpoint ${dir.href}: neither ${SINGLE} nor ${INDEX} was found there`);
  const map = ((await index.json()) as { weight_map?: Record<string, string> }).weight_map;
  if (typeof map !== 'object' || map === null) throw new UserError(`${new URL(INDEX, dir).href}: "weight_map" must be an object`);
  const shards = [...new Set(Object.values(map))];
  const files = await Promise.all(shards.map((s) => bytes(new URL(s, dir))));
  const missing = shards.filter((_, i) => !files[i]);
  if (missing.length > 0) throw new UserError(`${new URL(INDEX, dir).href} names shards that are not there: ${missing.join(', ')}`);
  return files as SafetensorsFile[];
}

function fromBytes(files: Readonly<Record<string, unknown>>): SafetensorsFile[] {
  const names = Object.keys(files).filter((n) => n.endsWith('.safetensors'));
  if (names.length === 0) {
    throw new UserError(`checkpoint: no .safetensors file among the given files (${Object.keys(files).join(', ') || 'none'}); pass { '${SINGLE}': bytes }`);
  }
  return names.map((name) => {
    const v = files[name];
    if (v instanceof ArrayBuffer) return parseSafetensors(new Uint8Array(v), name);
    if (v instanceof Uint8Array) return parseSafetensors(v, name);
    throw new UserError(`checkpoint["${name}"] must be a Uint8Array or an ArrayBuffer`);
  });
}

/** Opens every safetensors file of a checkpoint; the caller closes them once the weights are bound. */
export async function openCheckpointSource(src: CheckpointSource): Promise<SafetensorsFile[]> {
  if (typeof src === 'string' && !URL_LIKE.test(src)) return (await nodeFiles(`checkpoint ${src}`)).openCheckpoint(src);
  if (typeof src === 'string' || src instanceof URL) {
    const url = new URL(src);
    if (url.protocol !== 'file:') return fetchCheckpoint(url);
    const node = await nodeFiles(`checkpoint ${url.href}`);
    return node.openCheckpoint(node.fileURLToPath(url));
  }
  if (typeof src === 'object' && src !== null && !Array.isArray(src)) return fromBytes(src);
  throw new UserError(`checkpoint must be a directory path, a URL, or { '${SINGLE}': bytes }; got ${src === null ? 'null' : typeof src}`);
}
