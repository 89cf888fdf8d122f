/**
 * `npm run bench`: the benchmark of record. On this machine's WebGPU adapter, with random weights, it prints the
 * device's measured roofline and the tiles chosen, then per-kernel tables with ratios between build variants: a
 * mid-size BERT (hidden 256, 4 layers, 4 heads, intermediate 1024) at S = 128 and S = 512, fused vs unfused
 * (`--fuse none`) and fp32 vs fp16 (`--precision fp16`); BERT-base shapes (hidden 768, 12 heads, intermediate 3072) at
 * S = 128, fused vs unfused; then the race against the peers (scripts/bench/peers/) and the compile time of BERT-base
 * per target, cold and warm. Charts and JSON go to bench-results/ (git-ignored); `--update-docs` also copies the
 * charts and the tables into docs/bench/ for the README.
 *
 *   npm run bench [-- --base-layers N] [--reps N] [--quick] [--update-docs] [--no-compile-time] [--no-peers] [--peers-base]
 *
 * BERT-base's layers are identical kernels on identical shapes, so on a slow (software) adapter the script times
 * `--base-layers` of its 12 layers (default 2) and says so; `--base-layers 12` times the whole model.
 * `--quick` runs tiny configs with one repetition, to check the script itself; its numbers mean nothing.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compareText, rooflineText, variantText, type BenchReport } from '../../cli/bench-format.ts';
import { runBench } from '../../cli/bench.ts';
import { compileTimes, compileTimeText } from './compile-time.ts';
import { type PeerRow, peerTable, runPeers } from './peers/index.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const { values: args } = parseArgs({
  options: {
    'base-layers': { type: 'string', default: '2' },
    reps: { type: 'string', default: '3' },
    quick: { type: 'boolean' },
    'update-docs': { type: 'boolean' },
    'no-compile-time': { type: 'boolean' },
    'no-peers': { type: 'boolean' },
    'peers-base': { type: 'boolean' },
  },
});

const quick = args.quick === true;
const baseLayers = Number(args['base-layers']);
if (!Number.isInteger(baseLayers) || baseLayers < 1 || baseLayers > 12) throw new Error(`--base-layers expects 1 to 12, got ${args['base-layers']}`);

interface Config {
  readonly name: string;
  readonly title: string;
  readonly set: Record<string, number>;
  readonly seq: number;
  /** Build variants profiled beside the default build (dslc build flags). */
  readonly compare: readonly string[];
}

const MID = { hidden_size: 256, num_attention_heads: 4, num_hidden_layers: 4, intermediate_size: 1024 };
const MID_TITLE = 'mid-size BERT: hidden 256, 4 layers, 4 heads, intermediate 1024';
// the passes issue's comparison: fused vs unfused and fp32 vs fp16, at S = 128 and 512, for the mid-size config
const MID_COMPARE = ['--fuse none', '--precision fp16'];
const CONFIGS: Config[] = quick
  ? [{ name: 'quick', title: 'tiny check (hidden 64, 1 layer, S = 16)', set: { hidden_size: 64, num_attention_heads: 2, num_hidden_layers: 1, intermediate_size: 128 }, seq: 16, compare: MID_COMPARE }]
  : [
      { name: 'mid', title: `${MID_TITLE}, S = 128`, set: MID, seq: 128, compare: MID_COMPARE },
      { name: 'mid-512', title: `${MID_TITLE}, S = 512`, set: MID, seq: 512, compare: MID_COMPARE },
      {
        name: 'base',
        title: `BERT-base shapes: hidden 768, 12 heads, intermediate 3072, S = 128; ${baseLayers === 12 ? 'all 12 layers' : `${baseLayers} of the 12 layers timed (identical kernels per layer; a 12-layer forward is about embeddings + ${(12 / baseLayers).toFixed(0)} × the layers shown)`}`,
        set: { hidden_size: 768, num_attention_heads: 12, num_hidden_layers: baseLayers, intermediate_size: 3072 },
        seq: 128,
        compare: ['--fuse none'],
      },
    ];

const out = join(ROOT, 'bench-results');
mkdirSync(out, { recursive: true });
const reports: { config: Config; report: BenchReport }[] = [];
for (const config of CONFIGS) {
  console.log(`\n=== ${config.title} ===`);
  const report = await runBench(join(ROOT, 'specs/bert.dsl'), {
    entry: 'BertModel',
    set: Object.entries(config.set).map(([k, v]) => `${k}=${v}`),
    dims: `B=1,S=${config.seq}`,
    reps: quick ? '1' : String(args.reps),
    compare: [...config.compare],
    json: join(out, `${config.name}.json`),
    chart: join(out, `${config.name}.svg`),
  }, { ...(reports[0]?.report.roofline ? { roofline: reports[0].report.roofline } : {}) }); // the device's roofline: measured once per run
  reports.push({ config, report });
}

// The race against the peers (scripts/bench/peers/): the same BertModel on the same adapter and weights, run by
// ONNX Runtime, transformers.js and TensorFlow.js (single kernels), as ratios ours / theirs. The mid-size config by
// default; BERT-base shapes take about 25 minutes on a software adapter, so only with --peers-base.
let peers = '';
if (!args['no-peers']) {
  const peerConfigs = quick ? [{ hidden: 64, layers: 1, heads: 2, intermediate: 128, seq: 16 }] : [
    { hidden: 256, layers: 4, heads: 4, intermediate: 1024, seq: 128 },
    ...(args['peers-base'] ? [{ hidden: 768, layers: 12, heads: 12, intermediate: 3072, seq: 128 }] : []),
  ];
  const rows: PeerRow[] = [];
  for (const [i, c] of peerConfigs.entries()) {
    console.log(`\n=== peers: hidden ${c.hidden}, ${c.layers} layers, S = ${c.seq} (same adapter, same weights) ===`);
    rows.push(...(await runPeers({ ...c, batch: 1, reps: quick ? 1 : Number(args.reps), kernels: i === 0 && !quick, log: (l) => console.log(`  ${l}`) })));
  }
  peers = peerTable(rows);
  console.log(`\n${peers}`);
}

let compile = '';
if (!args['no-compile-time']) {
  console.log('\nmeasuring compile time (fresh processes, empty and warm build caches)...');
  compile = compileTimeText(await compileTimes(['cpu', 'webgpu', 'cuda'], quick ? 1 : 3));
  console.log(compile);
}

if (args['update-docs']) {
  const docs = join(ROOT, 'docs/bench');
  mkdirSync(docs, { recursive: true });
  const first = reports[0]!.report;
  const sections = reports.map(({ config, report }) => {
    copyFileSync(join(out, `${config.name}.svg`), join(docs, `${config.name}.svg`));
    const tables = [...report.variants.map(variantText), compareText(report.variants)].join('\n\n');
    return `## ${config.title}\n\n![${config.name} chart](${config.name}.svg)\n\n\`\`\`\n${tables}\n\`\`\`\n`;
  });
  const head = [
    `# Benchmark results`,
    ``,
    `Written by \`npm run bench -- --update-docs\` on ${first.date.slice(0, 16).replace('T', ' ')} UTC, adapter: ${first.adapter}.`,
    ``,
    '```',
    first.roofline ? rooflineText(first.roofline) : 'roofline not measured',
    `tiles: ${first.tuning.text} (${first.tuning.origin})`,
    '```',
    ``,
  ];
  writeFileSync(join(docs, 'results.md'), [...head, ...sections, peers ? `## Against the peers\n\n\`\`\`\n${peers}\n\`\`\`\n` : '', compile ? `## Compile time\n\n\`\`\`\n${compile}\n\`\`\`\n` : ''].join('\n'));
  console.log(`\nwrote ${docs}/results.md and the charts`);
}
console.log(`\ncharts and JSON: ${out}/`);
