/**
 * Inputs that made dslc hang (or run for minutes), run one per process so a test can bound them with a timeout:
 *
 *   node --import tsx tests/fuzz/hang-cases.ts <name>
 *
 * Prints one JSON line: { kind: 'ok' | 'user-error' | 'crash', name?, message? }. Used by regressions.test.ts.
 */
import { readFileSync } from 'node:fs';
import { checkSource, compileGraph } from '../../compiler/pipeline.ts';
import { UserError } from '../../dsl/errors.ts';

const bert = () => readFileSync(new URL('../../specs/bert.dsl', import.meta.url), 'utf8');

export const HANG_CASES: Record<string, () => unknown> = {
  // config.json with num_hidden_layers: 10000000 (found by the config fuzzer; also 100000 takes minutes)
  'config-huge-layer-count': () =>
    compileGraph({ file: 'specs/bert.dsl', text: bert() }, { entry: 'BertModel', config: { num_hidden_layers: 10_000_000 }, configLabel: 'config.json' }),
  // a loop bound the DSL fuzzer set to 2^53 + 1
  'dsl-huge-loop': () =>
    checkSource({ file: 'loop.dsl', text: 'module M() {\n  fn forward[B](x: f32[B]) -> f32[B] {\n    for i in 0..9007199254740993 { }\n    return x\n  }\n}\n' }),
  // a submodule array of a billion modules
  'dsl-huge-sub-array': () => checkSource({ file: 'subs.dsl', text: 'module L() { }\nmodule M() { sub l: L()[1000000000] @ "l.{i}" }\n' }),
  // 100,000 lines with one bad character each (200 kB, e.g. a binary file passed as the model source): each
  // diagnostic's rendering splits the whole source into lines again (formatDiagnostic), so CompileError is quadratic
  // (30,000 lines: ~30 s).
  'dsl-many-error-lines': () => checkSource({ file: 'junk.dsl', text: '$\n'.repeat(100_000) }),
  // 200,000 bad characters on one 400 kB line: each of the 200,000 diagnostics renders the whole line, so the message
  // would be 80 GB (5,000 of them already make a 75 MB message); runs out of memory.
  'dsl-many-errors-one-line': () => checkSource({ file: 'junk.dsl', text: '$ '.repeat(200_000) }),
  // 20,000 module parameters with defaults: argVariants copies the whole argument map once per parameter (quadratic;
  // 10,000 took over 15 s under the fuzzer).
  'dsl-many-module-params': () =>
    checkSource({ file: 'params.dsl', text: `module M(${Array.from({ length: 20_000 }, (_, i) => `p${i}: int = ${i}`).join(', ')}) { }\n` }),
  // A binary file passed as the model source (e.g. `dslc check model.safetensors`): every byte that starts no token
  // becomes a token and most become diagnostics (~180 MB of heap per MB of input). 24 MB of random bytes: 34 s and
  // 4.4 GB; a 440 MB checkpoint runs out of memory. Expected: a prompt error (e.g. "not a text file" or a size cap).
  'dsl-binary-source': () => {
    let seed = 1;
    const bytes = new Uint8Array(24_000_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
    return checkSource({ file: 'model.safetensors', text: new TextDecoder().decode(bytes) });
  },
};

const name = process.argv[2];
if (name !== undefined) {
  const run = HANG_CASES[name];
  if (!run) {
    console.log(JSON.stringify({ kind: 'crash', message: `no hang case named ${name}` }));
  } else {
    try {
      const r = run();
      console.log(JSON.stringify(r instanceof UserError ? { kind: 'user-error', name: r.name, message: r.message } : { kind: 'ok' }));
    } catch (e) {
      const err = e as Error;
      console.log(JSON.stringify({ kind: e instanceof UserError ? 'user-error' : 'crash', name: err?.name, message: String(err?.message ?? e), stack: err?.stack }));
    }
  }
}
