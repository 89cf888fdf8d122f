/**
 * Binding a compiled model's parameters to checkpoint tensors, following the rules of HF's `from_pretrained`.
 *
 * A parameter matches a tensor by exact name, by one of its aliases, or by HF's legacy LayerNorm names (gamma/beta).
 * Checkpoints of models with a head prefix the base model (`bert.`) and bare base-model checkpoints do not; rather than
 * knowing the prefix, every plausible prefix mapping is tried and the one binding the most parameters wins.
 */
import { UserError } from '../../dsl/errors.ts';
import { closestNames, listNames } from './names.ts';
import type { SafetensorsFile, TensorInfo } from './safetensors-bytes.ts';

/** A parameter the compiled model needs. */
export interface ExpectedParam {
  readonly name: string;
  /** Other checkpoint names that hold the same tensor (e.g. a tied decoder weight stored only as the embedding). */
  readonly aliases?: readonly string[];
  readonly shape: readonly number[];
  readonly dtype: 'f32' | 'i32';
}

/** The result of `bindWeights`. */
export interface BoundWeights {
  /** Parameter name → data; parameters bound to the same checkpoint tensor share one array. */
  tensors: Map<string, Float32Array | Int32Array>;
  /** Checkpoint tensors no parameter used (HF warns about these and carries on). */
  unused: string[];
  /** Set when a prefix had to be added or removed to match the checkpoint; worth showing to the user. */
  prefixNote?: string;
}

/** Options for `bindWeights`. */
export interface BindOptions {
  /** Called after each parameter is read. */
  onProgress?: (done: number, total: number, name: string) => void;
}

interface Located {
  readonly file: SafetensorsFile;
  readonly info: TensorInfo;
}

interface Mapping {
  readonly map: (name: string) => string;
  readonly note?: string;
}

/**
 * Reads the tensor for every expected parameter from `files` (one file or the shards of one checkpoint).
 * Throws one UserError for all missing tensors, and one for all shape or dtype mismatches, before reading any data.
 */
export function bindWeights(
  expected: readonly ExpectedParam[],
  files: readonly SafetensorsFile[],
  opts: BindOptions = {},
): BoundWeights {
  if (files.length === 0) throw new UserError('no checkpoint files to load weights from');
  const index = indexTensors(files);
  const where = files.length === 1 ? files[0]!.label : `${files[0]!.label} and ${files.length - 1} more shards`;

  let best: { mapping: Mapping; matches: (string | undefined)[]; count: number } | undefined;
  for (const mapping of candidateMappings(expected, index)) {
    const matches = expected.map((p) => match(p, mapping, index));
    const count = matches.filter((m) => m !== undefined).length;
    // Strictly greater, and identity is tried first: ties keep names as they are.
    if (best === undefined || count > best.count) best = { mapping, matches, count };
  }
  const { mapping, matches } = best!;

  const missing = expected.filter((_, i) => matches[i] === undefined).map((p) => p.name);
  if (missing.length > 0) {
    const near = closestNames(mapping.map(missing[0]!), index.keys());
    const hint = near.length > 0 ? `; closest checkpoint names to "${missing[0]}": ${listNames(near)}` : '';
    throw new UserError(
      `${where}: checkpoint is missing ${missing.length} of the model's ${expected.length} tensors: ${listNames(missing)}${hint}` +
        (mapping.note !== undefined ? `; note: ${mapping.note}` : ''),
    );
  }

  const problems: string[] = [];
  expected.forEach((p, i) => {
    const { file, info } = index.get(matches[i]!)!;
    const named = `${file.label}: tensor "${info.name}"`;
    const param = info.name === p.name ? 'the model' : `parameter "${p.name}"`;
    if (!sameShape(info.shape, p.shape)) {
      problems.push(`${named} has shape [${info.shape.join(', ')}], but ${param} expects [${p.shape.join(', ')}]`);
    }
    const isFloat = info.dtype === 'F32' || info.dtype === 'F16' || info.dtype === 'BF16';
    if (isFloat !== (p.dtype === 'f32')) {
      problems.push(`${named} has dtype ${info.dtype}, but ${param} expects ${p.dtype === 'f32' ? 'floats (f32)' : 'integers (i32)'}`);
    }
  });
  if (problems.length > 0) {
    const more = problems.length > 20 ? `\n  ... and ${problems.length - 20} more` : '';
    throw new UserError(
      `checkpoint does not fit the model:\n  ${problems.slice(0, 20).join('\n  ')}${more}` +
        (mapping.note !== undefined ? `\nnote: ${mapping.note}` : ''),
    );
  }

  const cache = new Map<string, Float32Array | Int32Array>();
  const tensors = new Map<string, Float32Array | Int32Array>();
  expected.forEach((p, i) => {
    const name = matches[i]!;
    let data = cache.get(name);
    if (data === undefined) {
      data = index.get(name)!.file.read(name);
      cache.set(name, data);
    }
    tensors.set(p.name, data);
    opts.onProgress?.(i + 1, expected.length, p.name);
  });
  const unused = [...index.keys()].filter((n) => !cache.has(n));
  return mapping.note !== undefined ? { tensors, unused, prefixNote: mapping.note } : { tensors, unused };
}

function indexTensors(files: readonly SafetensorsFile[]): Map<string, Located> {
  const index = new Map<string, Located>();
  for (const file of files) {
    for (const info of file.tensors.values()) {
      const prev = index.get(info.name);
      if (prev !== undefined) {
        throw new UserError(`tensor "${info.name}" is in both ${prev.file.label} and ${file.label}; which one to load is ambiguous`);
      }
      index.set(info.name, { file, info });
    }
  }
  return index;
}

/** Identity first, then stripping each leading segment the model uses, then prepending each the checkpoint uses. */
function candidateMappings(expected: readonly ExpectedParam[], index: ReadonlyMap<string, Located>): Mapping[] {
  const mappings: Mapping[] = [{ map: (n) => n }];
  const modelHeads = new Set(expected.flatMap((p) => [p.name, ...(p.aliases ?? [])]).flatMap(firstSegment));
  for (const s of modelHeads) {
    // Names outside the stripped segment (e.g. a head's "cls.*") keep their names, as in HF's base-model loading.
    mappings.push({
      map: (n) => (n.startsWith(`${s}.`) ? n.slice(s.length + 1) : n),
      note: `the checkpoint has no "${s}." prefix, as a base-model checkpoint, so "${s}.*" parameters were matched without it`,
    });
  }
  const checkpointHeads = new Set([...index.keys()].flatMap(firstSegment));
  for (const s of [...checkpointHeads].sort()) {
    mappings.push({
      map: (n) => `${s}.${n}`,
      note: `the checkpoint prefixes tensor names with "${s}.", as a checkpoint of a model with a head does, so parameters were matched as "${s}.<name>"`,
    });
  }
  return mappings;
}

function firstSegment(name: string): string[] {
  const dot = name.indexOf('.');
  return dot > 0 ? [name.slice(0, dot)] : [];
}

/**
 * The checkpoint name holding parameter `p` under `mapping`, if any. The unmapped names are the last resort, so a
 * tensor stored under exactly the parameter's name is never reported missing because the rest needed a prefix.
 */
function match(p: ExpectedParam, mapping: Mapping, index: ReadonlyMap<string, Located>): string | undefined {
  const given = [p.name, ...(p.aliases ?? [])];
  const names = [...given, ...given.map(legacyName)].filter((n) => n !== undefined);
  for (const n of [...names.map(mapping.map), ...names]) if (index.has(n)) return n;
  return undefined;
}

/** TF-era LayerNorm names still found in HF checkpoints: `X.gamma` for `X.weight`, `X.beta` for `X.bias`. */
function legacyName(name: string): string | undefined {
  if (name.endsWith('.weight')) return `${name.slice(0, -'.weight'.length)}.gamma`;
  if (name.endsWith('.bias')) return `${name.slice(0, -'.bias'.length)}.beta`;
  return undefined;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
