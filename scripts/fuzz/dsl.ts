/**
 * The DSL fuzz target: model sources through `parse`, `checkSource` and, for sources that check clean, `compileGraph`.
 *
 * Generators (each case picks one, then stacks a few mutations):
 *   soup      purely random token sequences (keywords, names, numbers, strings, operators, stray characters)
 *   bytes     character-level edits of a seed (BERT or a small valid program): delete/insert/swap/duplicate spans,
 *             flip characters, truncate
 *   grammar   token- and AST-aware edits: names swapped for other names or keywords, numbers set to 0/-1/huge/float,
 *             dtypes changed, call arguments and tensor dims dropped/duplicated/replaced, expressions replaced by
 *             other expressions of the same file, members and statements deleted/duplicated/swapped
 *   extreme   deep nesting (up to 10,000 parentheses, prefix operators, lists, blocks, long operator chains) and
 *             huge inputs (1 MB files, names, numbers, strings, comments)
 *   unicode   unusual characters inserted (NUL, BOM, emoji, lone surrogates, line/paragraph separators, lone CR, ...)
 */
import { parse } from '../../dsl/parser.ts';
import { checkSource, compileGraph } from '../../compiler/pipeline.ts';
import { allSeeds, bertSeed, SMALL_SEEDS } from './dsl-corpus.ts';
import { BYTE_EDITS, GRAMMAR_EDITS } from './dsl-edits.ts';
import { extreme, unicode } from './dsl-extreme.ts';
import { FUZZ_FILE, seedInfo } from './dsl-seeds.ts';
import { randomToken } from './dsl-vocabulary.ts';
import { CompileError, diagnosticProblems, judgeError, OK, type Outcome } from './outcome.ts';
import type { Rng } from './rng.ts';

export type Profile = 'full' | 'quick';

export interface DslCase {
  readonly text: string;
  readonly file: string;
  /** What was done to make this input (for reports). */
  readonly desc: string;
  /** Whether to run compileGraph when the source checks clean, with which entry and config. */
  readonly compile: boolean;
  /** Run compileGraph even when checkSource reported errors: it must fail as clearly (the CLI compiles unchecked). */
  readonly compileAnyway: boolean;
  readonly entry?: string;
  readonly config?: Readonly<Record<string, unknown>>;
}

// ---- cases ----------------------------------------------------------------------------------------------------

export function generateDsl(rng: Rng, profile: Profile): DslCase {
  const bertShare = profile === 'full' ? 0.12 : 0.03;
  const seed = rng.chance(bertShare) ? bertSeed() : rng.pick(SMALL_SEEDS);
  const info = seedInfo(seed);
  const strategy = rng.weighted<string>([
    [15, 'soup'],
    [25, 'bytes'],
    [40, 'grammar'],
    [profile === 'full' ? 6 : 4, 'extreme'],
    [10, 'unicode'],
  ]);
  let text = seed.text;
  const steps: string[] = [];
  if (strategy === 'soup') {
    const n = rng.size(400);
    const parts: string[] = [];
    for (let i = 0; i < n; i++) parts.push(randomToken(rng));
    text = parts.join(rng.chance(0.7) ? ' ' : '');
    steps.push(`${n} random tokens`);
  } else if (strategy === 'extreme') {
    const r = extreme(rng, text, info, profile === 'full' ? 1_000_000 : 100_000);
    text = r.text;
    steps.push(r.what);
  } else {
    const edits = strategy === 'bytes' ? BYTE_EDITS : strategy === 'grammar' ? GRAMMAR_EDITS : undefined;
    const n = rng.weighted([[5, 1], [3, 2], [1, 3], [1, rng.range(4, 8)]]);
    for (let k = 0; k < n; k++) {
      const r = edits ? rng.pick(edits)(rng, text, info) : unicode(rng, text);
      text = r.text;
      steps.push(r.what);
    }
  }
  const isBert = seed.name === 'bert.dsl';
  // compileGraph costs little next to checkSource, except for BERT with 12 layers; the quick profile compiles rarely.
  const compile = profile === 'full' ? true : rng.chance(0.25);
  const compileAnyway = rng.chance(profile === 'full' ? 0.3 : 0.1);
  const entry = rng.chance(0.9) ? rng.pick(seed.entries) : rng.pick(info.moduleNames.length > 0 ? info.moduleNames : ['Nope']);
  const config = isBert && profile === 'quick' ? seed.config : rng.chance(0.5) ? seed.config : undefined;
  const desc = `${strategy === 'soup' ? 'soup' : `${strategy} on ${seed.name}`}: ${steps.join('; ')}`;
  const c = { text, file: FUZZ_FILE, desc, compile, compileAnyway, entry };
  return config === undefined ? c : { ...c, config };
}

export function runDsl(c: DslCase): Outcome {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(c.text, c.file);
  } catch (e) {
    return judgeError(e, 'parse', () => 'parse threw instead of returning diagnostics');
  }
  if (!Array.isArray(parsed.diagnostics) || parsed.program?.kind !== 'Program') return { kind: 'wrong', stage: 'parse', reason: 'parse returned no program/diagnostics' };

  let checked: CompileError | undefined;
  try {
    checked = checkSource({ file: c.file, text: c.text });
  } catch (e) {
    return judgeError(e, 'checkSource', () => 'checkSource threw instead of returning the CompileError');
  }
  if (checked !== undefined) {
    if (!(checked instanceof CompileError)) return { kind: 'wrong', stage: 'checkSource', reason: `returned ${String(checked)}` };
    if (parsed.diagnostics.length === 0 && checked.diagnostics.length === 0) return { kind: 'wrong', stage: 'checkSource', reason: 'empty CompileError' };
    const bad = diagnosticProblems(checked, c.file, c.text);
    const outcome: Outcome =
      bad === undefined
        ? { kind: 'error', stage: 'checkSource', errorName: 'CompileError', message: checked.diagnostics[0]!.message.slice(0, 300) }
        : { kind: 'unclear', stage: 'checkSource', errorName: 'CompileError', message: checked.message.slice(0, 300), reason: bad };
    if (c.compileAnyway && c.entry !== undefined) {
      const compiled = compile(c);
      // compiling a source with errors must fail as clearly; a crash there is a crash
      if (compiled.kind === 'crash' || compiled.kind === 'unclear') return compiled;
    }
    return outcome;
  }
  if (parsed.diagnostics.length > 0) return { kind: 'wrong', stage: 'checkSource', reason: 'parse reported diagnostics but checkSource passed' };
  if (!c.compile || c.entry === undefined) return OK;
  return compile(c);
}

function compile(c: DslCase): Outcome {
  try {
    const opts = c.config === undefined ? { entry: c.entry! } : { entry: c.entry!, config: c.config };
    compileGraph({ file: c.file, text: c.text }, opts);
    return OK;
  } catch (e) {
    return judgeError(e, 'compileGraph', (err) => (err instanceof CompileError ? diagnosticProblems(err, c.file, c.text) : undefined));
  }
}

export { allSeeds };
