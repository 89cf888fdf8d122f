/**
 * The commands of `dslc`, each a name, a summary, its options and a function over the parsed arguments.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import type { HostTensor } from '../backends/tensor.ts';
import { compileGraph, checkSource, CUDA_FUSE, optimizeGraph, parsePrecision, type Precision, parseSource, passOptions, PRECISIONS, readSource, type Source } from '../compiler/pipeline.ts';
import type { Graph } from '../compiler/ir/graph.ts';
import { graphFromJson, graphToJson, printGraph, type GraphJson } from '../compiler/ir/print.ts';
import type { Program } from '../dsl/ast.ts';
import { UserError } from '../dsl/errors.ts';
import { rangeTexts } from '../backends/glue/manifest.ts';
import { loadCpuModel } from '../runtime/cpu-model.ts';
import { readJsonConfig } from '../runtime/weights/hf-config.ts';
import { buildPackage, TARGETS } from './build.ts';
import { buildKey, restoreBuild, storeBuild } from './build-cache.ts';
import { cudaResourceText, DEFAULT_DIMS, reportDims, reportText } from './report.ts';
import { resolveTiles } from './tiles.ts';
import { tuningReportText } from './tune-cache.ts';

type Values = Record<string, string | boolean | string[] | undefined>;

export interface Command {
  readonly summary: string;
  readonly usage: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  readonly run: (values: Values, positionals: string[]) => number | Promise<number>;
}

const ENTRY_OPTIONS = {
  entry: { type: 'string', short: 'e' },
  fn: { type: 'string' },
  config: { type: 'string', short: 'c' },
  set: { type: 'string', multiple: true },
  with: { type: 'string', multiple: true },
  rank: { type: 'string', multiple: true },
} as const;

const PRECISION_NAMES = PRECISIONS.join(', ');

export const ENTRY_HELP = `  -e, --entry NAME     module to compile (e.g. BertModel, BertForMaskedLM)
      --fn NAME        function of the module (default forward; e.g. decode for a KV-cache step)
  -c, --config FILE    HF config.json whose values override the config's defaults
      --set KEY=VALUE  override one config field or entry argument (repeatable),
                       e.g. --set num_hidden_layers=2 --set add_pooling_layer=false
      --with INPUT     include an optional input in the graph (repeatable), e.g. --with labels
      --rank INPUT=N   take an input in its declared form of rank N (repeatable),
                       e.g. --rank attention_mask=3 for [B, S, S] masks, --rank head_mask=1 for [heads]`;

function oneFile(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UserError(`expected exactly one ${what}, got ${positionals.length}`);
  return positionals[0]!;
}

function parseSetting(text: string): [string, unknown] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UserError(`--set expects KEY=VALUE, got '${text}'`);
  const raw = text.slice(eq + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // a bare word is a string, as in --set hidden_act=gelu_new
  }
  return [text.slice(0, eq), value];
}

/** Config values from --config and --set; --set keys the config does not know go to the entry's arguments. */
function entryOptions(values: Values, defaultConfig?: string) {
  const configPath = (values['config'] as string | undefined) ?? (defaultConfig && existsSync(defaultConfig) ? defaultConfig : undefined);
  const config: Record<string, unknown> = configPath ? readJsonConfig(configPath) : {};
  const args: Record<string, unknown> = {};
  for (const s of (values['set'] as string[] | undefined) ?? []) {
    const [k, v] = parseSetting(s);
    config[k] = v;
    args[k] = v;
  }
  const entry = values['entry'] as string | undefined;
  if (!entry) throw new UserError('missing --entry NAME (the module to compile, e.g. --entry BertModel)');
  const inputs = (values['with'] as string[] | undefined) ?? [];
  const fn = (values['fn'] as string | undefined) ?? 'forward';
  const ranks: Record<string, number> = {};
  for (const r of (values['rank'] as string[] | undefined) ?? []) {
    const m = /^(\w+)=(\d+)$/.exec(r);
    if (!m) throw new UserError(`--rank expects INPUT=N, e.g. --rank attention_mask=3, got '${r}'`);
    ranks[m[1]!] = Number(m[2]);
  }
  return { entry, fn, config, args, inputs, ranks, configLabel: configPath ?? '--set' };
}

/** The graph of the entry named by --entry, with the source and AST it came from. */
function compileWithSource(file: string, values: Values, defaultConfig?: string): { graph: Graph; src: Source; program: Program } {
  const opts = entryOptions(values, defaultConfig);
  const src = readSource(file);
  const program = parseSource(src);
  const modParams = program.decls.find((d) => d.kind === 'Module' && d.name === opts.entry);
  const argNames = new Set(modParams?.kind === 'Module' ? modParams.params.map((p) => p.name) : []);
  const args = Object.fromEntries(Object.entries(opts.args).filter(([k]) => argNames.has(k)));
  const graph = compileGraph(src, { entry: opts.entry, fn: opts.fn, config: opts.config, args, inputs: opts.inputs, ranks: opts.ranks, configLabel: opts.configLabel });
  return { graph, src, program };
}

function compileFrom(file: string, values: Values, defaultConfig?: string): Graph {
  return compileWithSource(file, values, defaultConfig).graph;
}

const check: Command = {
  summary: 'parse and type-check a model source; report every error',
  usage: `usage: dslc check FILE\n\nChecks every function of every module for every config branch; prints each error as file:line:col.`,
  options: {},
  run(_v, positionals) {
    const file = oneFile(positionals, 'model source');
    const err = checkSource(readSource(file));
    if (err) throw err;
    console.log(`${file}: ok`);
    return 0;
  },
};

const ir: Command = {
  summary: 'print the graph IR of one entry point',
  usage: `usage: dslc ir FILE --entry NAME [options]\n\n${ENTRY_HELP}\n      --json           print the IR as JSON\n      --fuse LIST      run the graph passes first: all, none, or some of attention,epilogue,qkv,norm,add-norm\n      --precision P    storage precision: ${PRECISION_NAMES} (default fp32; with --fuse, after the fusions)`,
  options: { ...ENTRY_OPTIONS, json: { type: 'boolean' }, fuse: { type: 'string' }, precision: { type: 'string' } },
  run(values, positionals) {
    const traced = compileFrom(oneFile(positionals, 'model source'), values);
    const precision = parsePrecision((values['precision'] as string | undefined) ?? 'fp32');
    const passes = passOptions(typeof values['fuse'] === 'string' ? values['fuse'] : 'none');
    const graph = typeof values['fuse'] === 'string' || precision !== 'fp32' ? optimizeGraph(traced, { ...passes, precision }).graph : traced;
    console.log(values['json'] ? JSON.stringify(graphToJson(graph), null, 1) : printGraph(graph));
    return 0;
  },
};

const BUILD_HELP = `usage: dslc build FILE --entry NAME [options]

Compiles one entry point into a package folder that a JavaScript app imports on its own (no compiler, no tsx):
  index.js, runtime.js, chunks/   the bundled glue, runtime and backend (ES modules; Node, or a browser given URLs)
  index.ts, index.d.ts            typed glue: load<Source>(checkpoint, { onProgress }), then model.forward(inputs)
                                  or the entry's pipelines (model.fillMask(text), model.classify(text), …)
  runtime.d.ts, pipelines.d.ts    the runtime's and the pipelines' types
  package.json                    the package's entry points
  manifest.json, graph.json       inputs, outputs and checkpoint tensors; the graph IR

${ENTRY_HELP}
  -o, --out DIR        output folder (default generated/<source name>, e.g. generated/bert)
  -t, --target NAME    backend that runs the graph: cpu (the reference executor; default), webgpu (WGSL kernels
                       in kernels/, launches and memory plan in program.json; Node needs the npm package webgpu),
                       or cuda (kernels.cu, PTX and sm_80/sm_90 cubins built by nvcc; runs through koffi + libcuda)
      --fuse LIST      graph passes to run: all, none, or some of attention,epilogue,qkv,norm,add-norm (default: all)
      --no-fuse-attention  keep attention unfused (softmax and the S×S scores in memory)
      --precision P    storage of weights and activations: fp32 (default), fp16 or bf16 (f32 arithmetic; softmax,
                       LayerNorm statistics, losses and outputs stay f32), or int8w (the encoder's Linear weights
                       int8 with per-output-channel scales, dequantised in the matmul). webgpu runs native f16 where
                       the adapter has shader-f16 and halves packed in u32 words elsewhere; cuda uses __half /
                       __nv_bfloat16
      --report         print what a forward costs: kernels per encoder layer, dispatches, FLOPs, min bytes moved,
                       peak memory and largest live set, fusions fired (cuda: ptxas registers/shared/spills per
                       kernel). Builds no package unless --out is given
      --report-dims D  symbol values for the report (default ${DEFAULT_DIMS}), e.g. B=8,S=512
      --tiles T        GEMM and attention tiles of the webgpu kernels: default, cached (what 'dslc bench --tune'
                       chose for this machine's adapter), or e.g. matmul=32/2/16,attention=32 (tile/per-thread/k-slab)
      --no-cache       build even when the build cache (~/.cache/dslc/builds; DSLC_CACHE_DIR) has this exact build
                       (same source, config, options and compiler)

example:
  dslc build specs/bert.dsl --entry BertForMaskedLM --config ckpt/config.json --out generated/bert
  then in an app:  import { loadBert } from './generated/bert/index.js'`;

/** The command line that rebuilds a package, for the glue's header. */
function buildCommand(file: string, values: Values, out: string): string {
  const q = (s: string): string => (/^[\w./=:@,+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const parts = ['dslc build', q(file)];
  for (const key of ['entry', 'fn', 'config', 'set', 'with', 'rank', 'target', 'fuse', 'tiles', 'precision']) {
    const v = values[key];
    for (const x of Array.isArray(v) ? v : typeof v === 'string' ? [v] : []) parts.push(`--${key}`, q(x));
  }
  return [...parts, '--out', q(out)].join(' ');
}

/**
 * The graph `dslc build` compiles for these options: the entry traced, then the graph passes (attention and epilogue
 * fusion by default; --fuse none keeps the traced graph). `dslc bench` builds its variants through here too, so a
 * build flag means the same in both.
 */
export function buildGraph(file: string, values: Values): { traced: ReturnType<typeof compileWithSource>; graph: Graph; fired: Record<string, number>; fuse: string; precision: Precision } {
  const traced = compileWithSource(file, values);
  // the graph passes run by default (every fusion); --fuse none keeps the traced graph
  const fuse = (values['fuse'] as string | undefined) ?? (values['target'] === 'cuda' ? CUDA_FUSE : 'all');
  const precision = parsePrecision((values['precision'] as string | undefined) ?? 'fp32');
  const passes = { ...passOptions(fuse), precision };
  const { graph, fired } = optimizeGraph(traced.graph, values['no-fuse-attention'] ? { ...passes, fuseAttention: false } : passes);
  return { traced, graph, fired, fuse: `${fuse}${values['no-fuse-attention'] ? ' --no-fuse-attention' : ''}`, precision };
}

export const build: Command = {
  summary: 'compile an entry point into an importable package (typed glue, bundle, manifest, graph)',
  usage: BUILD_HELP,
  options: {
    ...ENTRY_OPTIONS,
    out: { type: 'string', short: 'o' },
    target: { type: 'string', short: 't' },
    fuse: { type: 'string' },
    'no-fuse-attention': { type: 'boolean' },
    precision: { type: 'string' },
    report: { type: 'boolean' },
    'report-dims': { type: 'string' },
    'no-cache': { type: 'boolean' },
    tiles: { type: 'string' },
  },
  async run(values, positionals) {
    const file = oneFile(positionals, 'model source');
    const target = (values['target'] as string | undefined) ?? 'cpu';
    if (!Object.hasOwn(TARGETS, target)) throw new UserError(`unknown --target '${target}'; available: ${Object.keys(TARGETS).join(', ')}`);
    const reporting = values['report'] || values['report-dims'] !== undefined;
    const out = (values['out'] as string | undefined) ?? join('generated', file.split('/').pop()!.replace(/\.dsl$/, ''));
    if (values['tiles'] !== undefined && target !== 'webgpu') throw new UserError(`--tiles applies to --target webgpu, not ${target}`);
    const tuning = typeof values['tiles'] === 'string' ? await resolveTiles(values['tiles']) : undefined;
    // the tiles themselves are hashed: 'cached' may name other tiles after a new search
    const keyed = tuning ? { ...values, tiles: JSON.stringify(tuning) } : values;
    const key = values['no-cache'] || reporting ? undefined : buildKey(file, keyed, out);
    const hit = key && restoreBuild(key, out);
    if (hit) {
      console.log(`${hit.summary} (unchanged: copied from the build cache)`);
      return 0;
    }
    const { traced, graph, fired, fuse, precision } = buildGraph(file, values);
    if (values['report'] || values['report-dims'] !== undefined) {
      const env = reportDims(graph, values['report-dims'] as string | undefined);
      console.log(reportText(graph, env, fired, fuse, precision));
      const tuned = tuningReportText();
      if (tuned) console.log(tuned);
      if (target === 'cuda') console.log(await cudaResourceText(graph));
      if (values['out'] === undefined) return 0;
    }
    const { src, program } = traced;
    const ranges = rangeTexts(program, src.text, graph.entry);
    const { files } = await buildPackage(graph, out, { source: file, target, ranges, command: buildCommand(file, values, out), ...(tuning ? { tuning } : {}) });
    const summary = `built ${graph.entry} → ${out}/ (${graph.inputs.length} inputs, ${graph.outputs.length} outputs; ${files.length} files)`;
    if (key) storeBuild(key, out, files, summary);
    console.log(summary);
    return 0;
  },
};

function loadGraph(path: string, values: Values, weights: string): Graph {
  if (existsSync(path) && statSync(path).isDirectory()) {
    const g = join(path, 'graph.json');
    if (!existsSync(g)) throw new UserError(`${path} is not a built package: it has no graph.json`);
    return graphFromJson(JSON.parse(readFileSync(g, 'utf8')) as GraphJson);
  }
  return compileFrom(path, values, join(weights, 'config.json'));
}

/** `1,2,3;4,5,6` → [[1,2,3],[4,5,6]] */
function parseRows(name: string, text: string): number[][] {
  return text.split(';').map((row) =>
    row.split(',').map((t) => {
      const n = Number(t.trim());
      if (t.trim() === '' || !Number.isFinite(n)) throw new UserError(`--${name}: '${t}' is not a number`);
      return n;
    }),
  );
}

function summarize(name: string, t: HostTensor): string {
  const d = t.data;
  const head = Array.from(d.subarray(0, 6), (x) => (Number.isInteger(x) ? String(x) : x.toPrecision(5))).join(', ');
  return `${name}: ${t.dtype}[${t.shape.join(', ')}]  [${head}${d.length > 6 ? ', ...' : ''}]`;
}

const run: Command = {
  summary: 'run an entry point (or a built package) on token ids with the CPU reference',
  usage: `usage: dslc run (FILE | PACKAGE_DIR) --weights DIR --ids IDS [options]\n\n${ENTRY_HELP}
  -w, --weights DIR    checkpoint folder (model.safetensors or shards; its config.json is used by default)
      --ids IDS        token ids, rows separated by ';' e.g. "101,7592,102;101,2088,102"
      --mask IDS       attention mask in the same layout (default all ones)
      --token-types IDS  token type ids (default all zeros)
      --json           print all outputs as JSON`,
  options: {
    ...ENTRY_OPTIONS,
    weights: { type: 'string', short: 'w' },
    ids: { type: 'string' },
    mask: { type: 'string' },
    'token-types': { type: 'string' },
    json: { type: 'boolean' },
  },
  run(values, positionals) {
    const weights = values['weights'] as string | undefined;
    if (!weights) throw new UserError('missing --weights DIR (a folder with model.safetensors)');
    const ids = values['ids'] as string | undefined;
    if (!ids) throw new UserError('missing --ids (token ids, e.g. --ids "101,7592,102")');
    const graph = loadGraph(oneFile(positionals, 'model source or package'), values, weights);
    const model = loadCpuModel(graph, weights);
    const inputs: Record<string, number[][]> = { input_ids: parseRows('ids', ids) };
    if (values['mask']) inputs['attention_mask'] = parseRows('mask', values['mask'] as string);
    if (values['token-types']) inputs['token_type_ids'] = parseRows('token-types', values['token-types'] as string);
    const outputs = model.forward(inputs);
    if (values['json']) {
      console.log(JSON.stringify(Object.fromEntries(Object.entries(outputs).map(([k, t]) => [k, { dtype: t.dtype, shape: t.shape, data: Array.from(t.data) }]))));
    } else {
      console.log(`${graph.entry} on ${inputs['input_ids']!.length}×${inputs['input_ids']![0]!.length} tokens`);
      for (const [name, t] of Object.entries(outputs)) console.log(`  ${summarize(name, t)}`);
    }
    return 0;
  },
};

export type { Values };

export const COMMANDS: Readonly<Record<string, Command>> = { check, ir, build, run };
