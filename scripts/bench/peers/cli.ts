/**
 * `npm run bench:peers`: prints the peer table for the mid-size config (hidden 256, 4 layers, S = 128) and, with
 * --base, BERT-base shapes too; single kernels at BERT-base shapes against TensorFlow.js.
 *
 *   node --import tsx scripts/bench/peers/cli.ts [--reps 5] [--base] [--peers ort-node-webgpu,ort-node-cpu] [--no-kernels] [--no-reference]
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { MODEL_PEERS, type ModelPeer, peerTable, type PeerRow, runPeers } from './index.ts';

export const MID_SIZE = { hidden: 256, layers: 4, heads: 4, intermediate: 1024, seq: 128, batch: 1 } as const;
export const BERT_BASE = { hidden: 768, layers: 12, heads: 12, intermediate: 3072, seq: 128, batch: 1 } as const;

/** Peers raced by default; onnxruntime-web (wasm) compiles its shaders for minutes in Node, so it is opt-in. */
export const DEFAULT_PEERS: readonly ModelPeer[] = ['ort-node-webgpu', 'transformers.js-webgpu', 'ort-node-cpu'];

function peersFrom(list: string | undefined): ModelPeer[] {
  if (list === undefined) return [...DEFAULT_PEERS];
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  const known = Object.keys(MODEL_PEERS);
  const bad = names.filter((n) => n !== 'all' && !known.includes(n));
  if (bad.length > 0) throw new Error(`--peers: unknown peer ${bad.join(', ')} (known: all, ${known.join(', ')})`);
  return names.includes('all') ? (known as ModelPeer[]) : (names as ModelPeer[]);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      reps: { type: 'string' },
      base: { type: 'boolean' },
      peers: { type: 'string' },
      'no-kernels': { type: 'boolean' },
      'no-reference': { type: 'boolean' },
    },
  });
  const reps = Number(values.reps ?? 5);
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps: expected a positive integer, got ${values.reps}`);
  const peers = peersFrom(values.peers);
  const log = (line: string) => console.error(line);
  const rows: PeerRow[] = [];
  console.error(`mid-size config ${JSON.stringify(MID_SIZE)}, ${reps} timed runs each after one warm-up`);
  rows.push(...(await runPeers({ ...MID_SIZE, reps, peers, kernels: !values['no-kernels'], reference: !values['no-reference'], log })));
  if (values.base) {
    console.error(`BERT-base shapes ${JSON.stringify(BERT_BASE)}`);
    rows.push(...(await runPeers({ ...BERT_BASE, reps, peers, kernels: false, reference: false, log })));
  }
  console.log(peerTable(rows));
  console.log('\nours/theirs < 1: we are faster. Times include uploading inputs and reading outputs back; the first run');
  console.log('(shader compilation) is not timed. Errors are ‖theirs − ours‖ / ‖ours‖ over the whole output.');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0), // the peers' native thread pools and Dawn instances would keep the process alive
    (e) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
