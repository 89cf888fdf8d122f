/**
 * The config.json fuzz target: text written to a temp file, read with `readJsonConfig`, then
 * `compileGraph(bert, { entry, config, configLabel: path })` as `dslc` does with `--config`.
 *
 * Cases start from bert-base-uncased's config.json and change its values (wrong types, null, huge and fractional
 * numbers, 1e308/1e309, strings for ints, booleans for floats, nested and deeply nested values, unknown enum values,
 * huge layer counts) or its text (byte edits, truncation, BOM, comments, trailing commas, NaN/Infinity, duplicate keys,
 * non-object documents, deep nesting, invalid UTF-8, 1 MB files). A few cases are valid and must compile.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Program } from '../../dsl/ast.ts';
import { elaborate } from '../../compiler/elaborate/entry.ts';
import { validateGraph } from '../../compiler/ir/validate.ts';
import { compileGraph, parseSource } from '../../compiler/pipeline.ts';
import { readJsonConfig } from '../../runtime/weights/hf-config.ts';
import { BERT_ENTRIES, bertSource } from './dsl-corpus.ts';
import { CompileError, diagnosticProblems, judgeError, OK, type Outcome } from './outcome.ts';
import type { Profile } from './dsl.ts';
import type { Rng } from './rng.ts';

export interface ConfigCase {
  readonly bytes: Uint8Array;
  readonly desc: string;
  readonly entry: string;
  /** A valid config: it must compile. */
  readonly mustCompile: boolean;
  /**
   * Quick profile: elaborate a parsed-once BERT instead of calling compileGraph, which parses the 350-line source
   * again for every case (most of its time). Same elaborate + validateGraph steps, same errors.
   */
  readonly reuseParse: boolean;
}

/** bert-base-uncased's config.json (values as JSON text, so edits can write any token). */
const BASE: [string, string][] = [
  ['architectures', '["BertForMaskedLM"]'],
  ['attention_probs_dropout_prob', '0.1'],
  ['gradient_checkpointing', 'false'],
  ['hidden_act', '"gelu"'],
  ['hidden_dropout_prob', '0.1'],
  ['hidden_size', '768'],
  ['initializer_range', '0.02'],
  ['intermediate_size', '3072'],
  ['layer_norm_eps', '1e-12'],
  ['max_position_embeddings', '512'],
  ['model_type', '"bert"'],
  ['num_attention_heads', '12'],
  ['num_hidden_layers', '12'],
  ['pad_token_id', '0'],
  ['position_embedding_type', '"absolute"'],
  ['transformers_version', '"4.6.0.dev0"'],
  ['type_vocab_size', '2'],
  ['use_cache', 'true'],
  ['vocab_size', '30522'],
];

/** The fields BertConfig declares, by type. */
const INT_FIELDS = ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size', 'max_position_embeddings', 'type_vocab_size', 'pad_token_id', 'num_labels'];
const FLOAT_FIELDS = ['hidden_dropout_prob', 'attention_probs_dropout_prob', 'initializer_range', 'layer_norm_eps', 'classifier_dropout'];
const BOOL_FIELDS = ['use_cache', 'is_decoder', 'add_cross_attention', 'tie_word_embeddings'];
const ENUM_FIELDS = ['hidden_act', 'position_embedding_type', 'problem_type'];
const ALL_FIELDS = [...INT_FIELDS, ...FLOAT_FIELDS, ...BOOL_FIELDS, ...ENUM_FIELDS];
const OTHER_KEYS = ['architectures', 'model_type', 'id2label', 'label2id', 'torch_dtype', '__proto__', 'constructor', 'toString', '', 'hidden_size ', 'HIDDEN_SIZE', '😀'];

function nested(depth: number, open: string, close: string, inner = '1'): string {
  return `${open.repeat(depth)}${inner}${close.repeat(depth)}`;
}

/** JSON text of an edge value; some are not valid JSON on purpose. */
function edgeValue(rng: Rng, field: string): string {
  const depth = rng.pick([10, 1000, 100_000]);
  return rng.weighted<() => string>([
    // wrong types
    [3, () => rng.pick(['null', 'true', 'false', '"12"', '"768"', '"1e-12"', '"true"', '""', '[]', '{}', '[12]', '{"value": 12}', '[null]'])],
    // numbers at the edges
    [4, () => rng.pick(['0', '-0', '-1', '1', '2', '7', '12.5', '12.0', '1e308', '-1e308', '1e309', '-1e309', '4.9e-324', '1e-400', '9007199254740993', '1e21', '2147483648', '4294967296', `${'9'.repeat(400)}`, '0.1', '1e2', '100000', '1000000'])],
    // not JSON at all
    [1, () => rng.pick(['NaN', 'Infinity', '-Infinity', 'undefined', '0x10', '.5', '01', '+1', '1.', "'gelu'", 'None', 'True'])],
    // enum values that are not choices
    [ENUM_FIELDS.includes(field) ? 3 : 0.5, () => rng.pick(['"GELU"', '"gelu "', '"relu6"', '"__proto__"', '"constructor"', '"toString"', '"gelu\\u0000"', '"\\ud800"', `"${'g'.repeat(100_000)}"`])],
    // nested values
    [1, () => rng.pick([nested(depth, '[', ']'), nested(depth, '{"a":', '}'), `{"hidden_size": ${nested(depth, '[', ']')}}`])],
    // layer counts and sizes that are valid JSON ints but absurd
    [field === 'num_hidden_layers' ? 2 : 0.2, () => rng.pick(['100', '1000', '100000', '10000000', '2147483647', '4294967295', '1e15', '1e300'])],
  ])();
}

function render(entries: [string, string][], rng: Rng): string {
  const pretty = rng.chance(0.7);
  const body = entries.map(([k, v]) => `${pretty ? '  ' : ''}${JSON.stringify(k)}:${pretty ? ' ' : ''}${v}`).join(pretty ? ',\n' : ',');
  return pretty ? `{\n${body}\n}\n` : `{${body}}`;
}

type Gen = (rng: Rng) => { text: string | Uint8Array; what: string; valid?: boolean };

const GENERATORS: [number, Gen][] = [
  // one to three values changed
  [45, (rng) => {
    const entries = BASE.map(([k, v]) => [k, v] as [string, string]);
    const steps: string[] = [];
    const n = rng.weighted([[6, 1], [3, 2], [1, 3]]);
    for (let i = 0; i < n; i++) {
      const key = rng.chance(0.85) ? rng.pick(ALL_FIELDS) : rng.pick(OTHER_KEYS);
      const v = edgeValue(rng, key);
      const at = entries.findIndex(([k]) => k === key);
      if (at >= 0) entries[at] = [key, v];
      else entries.push([key, v]);
      steps.push(`${key} = ${v.length > 40 ? `${v.slice(0, 20)}…(${v.length} chars)` : v}`);
    }
    return { text: render(entries, rng), what: steps.join(', ') };
  }],
  // a value of another field's type
  [10, (rng) => {
    const entries = BASE.map(([k, v]) => [k, v] as [string, string]);
    const key = rng.pick(ALL_FIELDS);
    const v = rng.pick(['0.5', '12', 'true', '"gelu"', 'null', '1.0e-12', '"absolute"']);
    const at = entries.findIndex(([k]) => k === key);
    if (at >= 0) entries[at] = [key, v];
    else entries.push([key, v]);
    return { text: render(entries, rng), what: `${key} = ${v}` };
  }],
  // keys deleted, duplicated, or hidden under __proto__
  [8, (rng) => {
    const entries = BASE.map(([k, v]) => [k, v] as [string, string]);
    const mode = rng.int(3);
    if (mode === 0) {
      const i = rng.int(entries.length);
      const [k] = entries.splice(i, 1)[0]!;
      return { text: render(entries, rng), what: `delete ${k}`, valid: true };
    }
    if (mode === 1) {
      const [k] = rng.pick(entries);
      const v = edgeValue(rng, k);
      entries.push([k, v]);
      return { text: render(entries, rng), what: `${k} twice, then ${v.slice(0, 30)}` };
    }
    entries.push(['__proto__', `{"num_hidden_layers": ${rng.pick(['1000000', '"x"', 'null'])}, "hidden_size": "x"}`]);
    return { text: render(entries, rng), what: '__proto__ key with fields inside', valid: true };
  }],
  // valid variations: must compile
  [6, (rng) => {
    const entries = BASE.map(([k, v]) => [k, v] as [string, string]);
    const steps: string[] = [];
    if (rng.chance(0.5)) {
      entries.find(([k]) => k === 'num_hidden_layers')![1] = rng.pick(['0', '1', '2', '2.0', '2e0', '20e-1']);
      steps.push('layers changed');
    }
    if (rng.chance(0.5)) {
      entries.push(['id2label', '{"0": "NEG", "1": "POS"}'], ['torch_dtype', '"float32"'], ['unknown', `${nested(50, '[', ']')}`]);
      steps.push('unknown keys added');
    }
    if (rng.chance(0.5)) {
      entries.push(['hidden_act', `"${rng.pick(['gelu_new', 'relu', 'silu', 'swish', 'tanh', 'sigmoid', 'gelu_pytorch_tanh'])}"`]);
      steps.push('hidden_act changed (duplicate key)');
    }
    if (rng.chance(0.3)) {
      entries.push(['position_embedding_type', `"${rng.pick(['relative_key', 'relative_key_query'])}"`], ['is_decoder', 'true'], ['classifier_dropout', 'null']);
      steps.push('relative positions, decoder');
    }
    const text = render(entries, rng);
    const bom = rng.chance(0.2);
    return { text: bom ? `\uFEFF${text}` : text, what: `${steps.join(', ') || 'unchanged'}${bom ? ', BOM' : ''}`, valid: true };
  }],
  // the text edited
  [20, (rng) => {
    let t = render(BASE, rng);
    const steps: string[] = [];
    const n = rng.range(1, 3);
    for (let i = 0; i < n; i++) {
      const at = rng.int(t.length + 1);
      const mode = rng.int(6);
      if (mode === 0) {
        t = t.slice(0, at);
        steps.push(`truncate at ${at}`);
      } else if (mode === 1) {
        const end = Math.min(t.length, at + rng.size(30));
        t = t.slice(0, at) + t.slice(end);
        steps.push(`delete ${at}..${end}`);
      } else if (mode === 2 && t.length > 0) {
        const i2 = Math.min(at, t.length - 1);
        t = t.slice(0, i2) + String.fromCharCode(t.charCodeAt(i2) ^ (1 << rng.int(7))) + t.slice(i2 + 1);
        steps.push(`flip at ${i2}`);
      } else {
        const ins = rng.pick([',', '}', '{', '[', ']', '"', ':', '// comment\n', '/* c */', 'NaN', "'", '\u0000', '\uFEFF', '\ud800', '😀', ' ', '\\']);
        t = t.slice(0, at) + ins + t.slice(at);
        steps.push(`insert ${JSON.stringify(ins)} at ${at}`);
      }
    }
    return { text: t, what: steps.join('; ') };
  }],
  // whole-document oddities
  [11, (rng) => {
    const depth = rng.pick([1000, 100_000, 1_000_000]);
    const [text, what] = rng.pick<() => [string | Uint8Array, string]>([
      () => ['', 'empty file'],
      () => ['   \n\t ', 'only whitespace'],
      () => ['[]', 'an array'],
      () => ['null', 'null'],
      () => ['"config"', 'a string'],
      () => ['12', 'a number'],
      () => ['{}', 'an empty object', ],
      () => ['{"hidden_size": 768,}', 'trailing comma'],
      () => ["{'hidden_size': 768}", 'single quotes'],
      () => ['{"hidden_size": 768} {"x": 1}', 'two documents'],
      () => [nested(depth, '[', ']'), `${depth} nested arrays`],
      () => [`${'['.repeat(depth)}`, `${depth} unclosed brackets`],
      () => [`{"a": ${nested(depth, '{"a":', '}')}}`, `${depth} nested objects`],
      () => [`{"hidden_size": 768, "pad": "${'p'.repeat(1_000_000)}"}`, '1 MB string value'],
      () => [`${' '.repeat(1_000_000)}{}`, '1 MB of whitespace'],
      () => [Uint8Array.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), 'invalid UTF-8 in a key'],
      () => [Uint8Array.from([0xff, 0xfe, ...[...'{"hidden_size": 8}'].flatMap((ch) => [ch.charCodeAt(0), 0])]), 'UTF-16 LE with BOM'],
      () => [rng.bytes(rng.size(200)), 'random bytes'],
      () => [`{${Array.from({ length: 100_000 }, (_, i) => `"k${i}": ${i}`).join(',')}}`, '100k keys'],
    ])();
    return { text, what };
  }],
];

export function generateConfig(rng: Rng, profile: Profile): ConfigCase {
  const gen = rng.weighted(GENERATORS);
  const r = gen(rng);
  const entry = rng.chance(0.8) ? 'BertModel' : rng.pick(BERT_ENTRIES);
  const bytes = typeof r.text === 'string' ? new TextEncoder().encode(r.text) : r.text;
  return { bytes, desc: `${r.what} (entry ${entry})`, entry, mustCompile: r.valid ?? false, reuseParse: profile === 'quick' };
}

let tmp: string | undefined;
function tempFile(): string {
  if (tmp === undefined) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dslc-fuzz-config-'));
    const dir = tmp;
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  return path.join(tmp, 'config.json');
}

const BERT_FILE = 'specs/bert.dsl';

let bertProgram: Program | undefined;

export function runConfig(c: ConfigCase): Outcome {
  const file = tempFile();
  fs.writeFileSync(file, c.bytes);
  const wrongIfValid = (o: Outcome): Outcome => (c.mustCompile && o.kind !== 'crash' && o.kind !== 'ok' ? { ...o, kind: 'wrong', reason: `a valid config was rejected: ${o.message}` } : o);
  let json: Record<string, unknown>;
  try {
    json = readJsonConfig(file);
  } catch (e) {
    return wrongIfValid(judgeError(e, 'readJsonConfig', (err) => (err.message.includes(file) ? undefined : `message does not name ${file}`)));
  }
  try {
    const opts = { entry: c.entry, config: json, configLabel: file };
    if (c.reuseParse) {
      bertProgram ??= parseSource({ file: BERT_FILE, text: bertSource() });
      validateGraph(elaborate(bertProgram, bertSource(), opts));
    } else {
      compileGraph({ file: BERT_FILE, text: bertSource() }, opts);
    }
    return OK;
  } catch (e) {
    return wrongIfValid(
      judgeError(e, 'compileGraph', (err) => {
        if (err instanceof CompileError) return diagnosticProblems(err, BERT_FILE, bertSource());
        return err.message.includes(file) ? undefined : `message does not name ${file}`;
      }),
    );
  }
}
