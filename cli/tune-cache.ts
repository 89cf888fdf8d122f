/**
 * The tile choices `dslc bench --tune` found, per adapter, in `<cache>/tuning.json` (cache-dir.ts). An adapter is
 * known by its name as the runtime reports it ("SwiftShader driver 5.0.0 (google, swiftshader)": description,
 * vendor, architecture), so two machines with the same GPU and driver share an entry and a driver update re-tunes.
 *
 * @example
 * saveTuning('SwiftShader driver 5.0.0 (google, swiftshader)', entry);
 * loadTuning('SwiftShader driver 5.0.0 (google, swiftshader)')?.tuning; // the entry's Tuning
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { matmulTilesProblem, type Tuning, tuningText } from '../compiler/kernel/tuning.ts';
import { cacheDir } from './cache-dir.ts';

export interface TuningEntry {
  readonly tuning: Tuning;
  /** ISO date of the search. */
  readonly date: string;
  /** What each candidate measured: GEMM GFLOP/s and attention milliseconds, by candidate label. */
  readonly gemm: Readonly<Record<string, number>>;
  readonly attention: Readonly<Record<string, number>>;
}

interface TuningFile {
  readonly format: 'dslc-tuning/1';
  readonly adapters: Record<string, TuningEntry>;
}

export const tuningPath = (): string => join(cacheDir(), 'tuning.json');

/** Whether a cached value is a usable tuning (a file edited by hand or from another version is ignored, not trusted). */
function validEntry(e: unknown): e is TuningEntry {
  const t = (e as TuningEntry | undefined)?.tuning;
  return (
    typeof t?.matmul?.tile === 'number' &&
    typeof t.matmul.per === 'number' &&
    typeof t.matmul.slab === 'number' &&
    matmulTilesProblem(t.matmul) === undefined &&
    Number.isInteger(t.attention?.rows) &&
    t.attention.rows >= 1 &&
    t.attention.rows <= 256
  );
}

/** Every valid entry of the cache file; none when it is missing or unreadable. */
export function readTunings(): Record<string, TuningEntry> {
  let file: TuningFile;
  try {
    file = JSON.parse(readFileSync(tuningPath(), 'utf8')) as TuningFile;
  } catch {
    return {};
  }
  if (file?.format !== 'dslc-tuning/1' || typeof file.adapters !== 'object') return {};
  return Object.fromEntries(Object.entries(file.adapters).filter(([, e]) => validEntry(e)));
}

export const loadTuning = (adapter: string): TuningEntry | undefined => readTunings()[adapter];

/** Stores `entry` for `adapter`, keeping the other adapters' entries; written atomically (rename). */
export function saveTuning(adapter: string, entry: TuningEntry): void {
  const file: TuningFile = { format: 'dslc-tuning/1', adapters: { ...readTunings(), [adapter]: entry } };
  mkdirSync(cacheDir(), { recursive: true });
  const tmp = `${tuningPath()}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(file, null, 2)}\n`);
  renameSync(tmp, tuningPath());
}

/** The cached tile choices, one line per adapter, for `dslc build --report`; undefined when none is cached. */
export function tuningReportText(): string | undefined {
  const entries = Object.entries(readTunings());
  if (entries.length === 0) return undefined;
  const lines = entries.map(([adapter, e]) => `    ${adapter}: ${tuningText(e.tuning)} (searched ${e.date.slice(0, 10)})`);
  return [`  autotuned WebGPU tiles (dslc bench --tune; used by --tiles cached; ${tuningPath()}):`, ...lines].join('\n');
}
