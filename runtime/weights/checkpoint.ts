/**
 * Opening a Hugging Face checkpoint directory: `model.safetensors`, or the shards listed by
 * `model.safetensors.index.json` (what `save_pretrained` writes for large models).
 */
import fs from 'node:fs';
import nodePath from 'node:path';
import { UserError } from '../../dsl/errors.ts';
import { readJsonConfig } from './hf-config.ts';
import { listNames, showValue } from './names.ts';
import { fsReason, openSafetensors, type SafetensorsFile } from './safetensors.ts';

/** The contents of a `model.safetensors.index.json`. */
export interface ShardIndex {
  /** Path of the index file itself. */
  readonly path: string;
  /** The index's `metadata` (e.g. `total_size`); empty when absent. */
  readonly metadata: Record<string, unknown>;
  /** Tensor name → shard file name (relative to the index's directory). */
  readonly weightMap: ReadonlyMap<string, string>;
  /** The distinct shard file names, in first-mention order. */
  readonly shards: readonly string[];
}

const SINGLE = 'model.safetensors';
const INDEX = 'model.safetensors.index.json';

/** Reads and validates `<dir>/model.safetensors.index.json`. */
export function readShardIndex(dir: string): ShardIndex {
  const path = nodePath.join(dir, INDEX);
  const json = readJsonConfig(path);
  const map = json['weight_map'];
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new UserError(`${path}: "weight_map" must be an object mapping tensor names to shard files, got ${showValue(map)}`);
  }
  const weightMap = new Map<string, string>();
  for (const [name, file] of Object.entries(map)) {
    // Shards are plain names next to the index; anything with a path part could point outside the checkpoint.
    if (typeof file !== 'string' || file === '' || nodePath.basename(file) !== file || file === '..' || file === '.') {
      throw new UserError(`${path}: weight_map entry for tensor "${name}" must be a shard file name, got ${showValue(file)}`);
    }
    weightMap.set(name, file);
  }
  const meta = json['metadata'];
  const metadata = typeof meta === 'object' && meta !== null && !Array.isArray(meta) ? (meta as Record<string, unknown>) : {};
  return { path, metadata, weightMap, shards: [...new Set(weightMap.values())] };
}

/**
 * Opens a checkpoint: a directory holding `model.safetensors` or a sharded index, or a `.safetensors` file itself.
 * Returns the opened files, to pass to `bindWeights` and close afterwards.
 */
export function openCheckpoint(dir: string): SafetensorsFile[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch (e) {
    throw new UserError(`cannot open checkpoint ${dir}: ${fsReason(e)}`);
  }
  if (!stat.isDirectory()) return [openSafetensors(dir)];
  const single = nodePath.join(dir, SINGLE);
  if (fs.existsSync(single)) return [openSafetensors(single)];
  if (fs.existsSync(nodePath.join(dir, INDEX))) return openShards(dir, readShardIndex(dir));

  let entries: string[] = [];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    // Only used for hints; the error below stands on its own.
  }
  const others = entries.filter((e) => e.endsWith('.safetensors'));
  const legacy = entries.filter((e) => e === 'pytorch_model.bin' || e === 'tf_model.h5' || e === 'pytorch_model.bin.index.json');
  const hint =
    others.length > 0 ? `; it has ${listNames(others, 5)}: pass one of those files directly`
    : legacy.length > 0 ? `; it has ${listNames(legacy)}, which dslc cannot read: convert the checkpoint to safetensors ` +
        `(in Python: model.save_pretrained(dir, safe_serialization=True))`
    : '';
  throw new UserError(`${dir}: no ${SINGLE} or ${INDEX} in this checkpoint directory${hint}`);
}

function openShards(dir: string, index: ShardIndex): SafetensorsFile[] {
  const files: SafetensorsFile[] = [];
  try {
    for (const shard of index.shards) {
      const path = nodePath.join(dir, shard);
      if (!fs.existsSync(path)) throw new UserError(`${index.path}: names shard ${shard}, but ${path} does not exist`);
      files.push(openSafetensors(path));
    }
    const byName = new Map(index.shards.map((s, i) => [s, files[i]!] as const));
    for (const [name, shard] of index.weightMap) {
      if (!byName.get(shard)!.tensors.has(name)) {
        throw new UserError(`${index.path}: weight_map puts tensor "${name}" in ${shard}, but that shard has no such tensor`);
      }
    }
    return files;
  } catch (e) {
    for (const f of files) f.close();
    throw e;
  }
}
