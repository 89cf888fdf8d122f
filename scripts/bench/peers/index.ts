/**
 * The race against the peers (issue #6): our BERT forward pass and single kernels against ONNX Runtime,
 * transformers.js and TensorFlow.js, on the same WebGPU adapter (SwiftShader here), same weights, same inputs, in
 * one run; ratios ours / theirs, and each peer's output compared with ours.
 *
 * @example
 * const rows = await runPeers({ hidden: 256, layers: 4, heads: 4, intermediate: 1024, seq: 128, batch: 1, reps: 5 });
 * console.log(peerTable(rows));
 */
import { kernelRows } from './kernel-race.ts';
import { DEFAULT_PEERS, type ModelPeer, modelRows } from './model-race.ts';
import type { PeerRow } from './rows.ts';
import type { PeerConfig } from './same-model.ts';

export { DEFAULT_PEERS, MODEL_PEERS, type ModelPeer } from './model-race.ts';
export { peerTable, type PeerRow, ratio } from './rows.ts';
export type { PeerConfig } from './same-model.ts';

export interface PeerOptions extends PeerConfig {
  /** Timed runs per contestant after one warm-up run (median reported). */
  readonly reps: number;
  /** Whole-model peers to race (default: DEFAULT_PEERS; `Object.keys(MODEL_PEERS)` for all). */
  readonly peers?: readonly ModelPeer[];
  /** Race single kernels against TensorFlow.js at BERT-base shapes too (default true). */
  readonly kernels?: boolean;
  /** Check our output against the CPU reference as well (default true; slow for BERT-base). */
  readonly reference?: boolean;
  /** Progress lines (default: none). */
  readonly log?: (line: string) => void;
}

export async function runPeers(opts: PeerOptions): Promise<PeerRow[]> {
  if (opts.hidden % opts.heads !== 0) throw new Error(`runPeers: hidden (${opts.hidden}) must be a multiple of heads (${opts.heads})`);
  const peers = opts.peers ?? DEFAULT_PEERS;
  const rows = await modelRows(opts, { reps: opts.reps, peers, reference: opts.reference ?? true, ...(opts.log ? { log: opts.log } : {}) });
  if (opts.kernels ?? true) rows.push(...(await kernelRows(opts.reps, { seq: 128, hidden: 768, heads: 12 })));
  return rows;
}
