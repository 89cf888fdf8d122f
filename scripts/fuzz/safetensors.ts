/**
 * The safetensors fuzz target: bytes through `parseSafetensors` (or `openSafetensors` from a temp file), reading every
 * tensor (`read` and `readRaw`), then `bindWeights` against a small list of expected parameters.
 *
 * Every case starts from a valid file of a few small tensors (F32, F16, BF16, I64, I32, an empty one, a scalar) and
 * changes one region: the JSON header (structurally: wrong types, missing fields, edge-value dims and offsets, dtype
 * strings, duplicate, unicode and huge names, metadata, deep nesting, many entries; or as text), the 8-byte length,
 * a truncation in any region, random bytes, or bit flips in the data (which must still load: data is opaque).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bindWeights, type ExpectedParam } from '../../runtime/weights/bind.ts';
import { openSafetensors, parseSafetensors, type SafetensorsFile } from '../../runtime/weights/safetensors.ts';
import { judgeError, OK, type Outcome } from './outcome.ts';
import type { Profile } from './dsl.ts';
import type { Rng } from './rng.ts';
import { baseFile, type Ctx, headerOf } from './safetensors-base.ts';
import { HEADER_MUTATIONS, OTHER_MUTATIONS } from './safetensors-mutations.ts';

export interface SafetensorsCase {
  readonly bytes: Uint8Array;
  readonly desc: string;
  readonly expected: readonly ExpectedParam[];
  /** The tensor the mutation was aimed at: a header error about it must name it. */
  readonly blame?: string;
  /** The file is valid (e.g. only data bits flipped): it must load, unless an I64 value no longer fits in int32. */
  readonly mustLoad: boolean;
  /** The file is valid and the expected parameters match it: binding must succeed too. */
  readonly mustBind: boolean;
  /** Read through a temp file with openSafetensors instead of from memory. */
  readonly onDisk: boolean;
}

export function generateSafetensors(rng: Rng, _profile: Profile): SafetensorsCase {
  const { bytes: base, names, expected, variant, changed } = baseFile(rng);
  const header = headerOf(base);
  const ctx: Ctx = { base, names, header, data: base.subarray(8 + header.length) };
  const m = rng.chance(0.6) ? rng.pick(HEADER_MUTATIONS) : rng.pick(OTHER_MUTATIONS);
  const r = m(rng, ctx);
  const c: SafetensorsCase = {
    bytes: r.bytes,
    desc: `${variant}: ${r.what}`,
    expected,
    mustLoad: r.mustLoad ?? false,
    mustBind: (r.mustLoad ?? false) && !changed,
    onDisk: rng.chance(0.1),
    ...(r.blame !== undefined ? { blame: r.blame } : {}),
  };
  return c;
}

let tmp: string | undefined;
function tempFile(): string {
  if (tmp === undefined) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dslc-fuzz-st-'));
    const dir = tmp;
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  return path.join(tmp, 'case.safetensors');
}

const MEM_LABEL = 'fuzz/case.safetensors';

export function runSafetensors(c: SafetensorsCase): Outcome {
  let label = MEM_LABEL;
  if (c.onDisk) {
    label = tempFile();
    fs.writeFileSync(label, c.bytes);
  }
  const where = (e: { message: string }): string | undefined => {
    if (!e.message.includes(label)) return `message does not name the file ${label}`;
    return undefined;
  };
  // An I64 value past int32 after a bit flip is a legitimate refusal.
  const legit = (o: Outcome, must = c.mustLoad): Outcome =>
    must && o.kind !== 'crash' && !/does not fit in int32/.test(o.message ?? '') ? { ...o, kind: 'wrong', reason: `a valid file was rejected: ${o.message}` } : o;

  let file: SafetensorsFile;
  try {
    file = c.onDisk ? openSafetensors(label) : parseSafetensors(c.bytes, label);
  } catch (e) {
    const o = judgeError(e, c.onDisk ? 'openSafetensors' : 'parseSafetensors', (err) => {
      const w = where(err);
      if (w) return w;
      // A header problem with the mutated tensor must name it (other problems may be found first, e.g. a bad length).
      if (c.blame !== undefined && /tensor/.test(err.message) && !err.message.includes(c.blame) && c.blame.length < 1000) {
        return `message about a tensor does not name "${c.blame.slice(0, 40)}"`;
      }
      return undefined;
    });
    return legit(o);
  }
  try {
    for (const [name, info] of file.tensors) {
      let data: Float32Array | Int32Array;
      let raw: Uint8Array;
      try {
        data = file.read(name);
        raw = file.readRaw(name);
      } catch (e) {
        return legit(judgeError(e, 'read', (err) => where(err) ?? (err.message.includes(name) ? undefined : `read error does not name "${name.slice(0, 40)}"`)));
      }
      const n = info.shape.reduce((a, b) => a * b, 1);
      if (data.length !== n) return { kind: 'wrong', stage: 'read', reason: `tensor "${name.slice(0, 40)}" ${info.dtype}[${info.shape.join(', ')}] read as ${data.length} elements` };
      if (raw.byteLength !== info.byteLength) return { kind: 'wrong', stage: 'read', reason: `readRaw of "${name.slice(0, 40)}" gave ${raw.byteLength} bytes, expected ${info.byteLength}` };
    }
    try {
      const bound = bindWeights(c.expected, [file]);
      for (const p of c.expected) if (!bound.tensors.has(p.name)) return { kind: 'wrong', stage: 'bindWeights', reason: `parameter "${p.name}" not bound` };
    } catch (e) {
      return legit(judgeError(e, 'bindWeights', where), c.mustBind);
    }
    return OK;
  } finally {
    file.close();
  }
}
