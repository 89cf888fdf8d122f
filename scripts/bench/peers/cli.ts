/**
 * `npm run bench:peers`: prints the peer table for the mid-size config (hidden 256, 4 layers, S = 128) and, with
 * --config mid,base, BERT-base shapes too (minutes per contestant on SwiftShader); single kernels at BERT-base
 * shapes against TensorFlow.js.
 *
 *   npm run bench:peers -- [--reps 5] [--config mid|base|mid,base] [--peers all|ort-node-webgpu,...] [--no-kernels]
 *                          [--no-reference]
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_PEERS, MODEL_PEERS, type ModelPeer, peerTable, type PeerRow, runPeers } from './index.ts';

export const MID_SIZE = { hidden: 256, layers: 4, heads: 4, intermediate: 1024, seq: 128, batch: 1 } as const;
export const BERT_BASE = { hidden: 768, layers: 12, heads: 12, intermediate: 3072, seq: 128, batch: 1 } as const;
const CONFIGS = { mid: MID_SIZE, base: BERT_BASE } as const;

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
      config: { type: 'string' },
      peers: { type: 'string' },
      'no-kernels': { type: 'boolean' },
      'no-reference': { type: 'boolean' },
    },
  });
  const reps = Number(values.reps ?? 5);
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps: expected a positive integer, got ${values.reps}`);
  const peers = peersFrom(values.peers);
  const log = (line: string) => console.error(line);
  const configs = (values.config ?? 'mid').split(',').map((c) => c.trim());
  const unknown = configs.filter((c) => !(c in CONFIGS));
  if (unknown.length > 0) throw new Error(`--config: unknown ${unknown.join(', ')} (known: ${Object.keys(CONFIGS).join(', ')})`);
  const rows: PeerRow[] = [];
  for (const [i, name] of configs.entries()) {
    const config = CONFIGS[name as keyof typeof CONFIGS];
    console.error(`${name}: ${JSON.stringify(config)}, ${reps} timed runs each after one warm-up, ours and theirs alternating`);
    // kernels once; the CPU reference of BERT-base takes minutes in the interpreter, so only the mid-size is checked
    const kernels = i === 0 && !values['no-kernels'];
    rows.push(...(await runPeers({ ...config, reps, peers, kernels, reference: name === 'mid' && !values['no-reference'], log })));
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
