/**
 * The whole model, ours against each peer, on one random BERT: every contestant loads the same checkpoint (ours from
 * model.safetensors, the peers from the ONNX model built from it), runs the same inputs, and its output is compared
 * with ours. Our time is measured once per configuration and shared by the rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useSwiftShaderUnlessChosen } from './node-navigator.ts';
import { ortNode } from './ort-node.ts';
import { ortWebGpu } from './ort-web.ts';
import { oursCpuReference, oursWebGpu, type Runner } from './ours.ts';
import type { PeerRow } from './rows.ts';
import { makeSameModel, type PeerConfig, relError } from './same-model.ts';
import { median } from './timing.ts';
import { transformersJs } from './transformers-js.ts';

/** The whole-model peers, by the name `--peers` takes. */
export const MODEL_PEERS = {
  'ort-node-webgpu': { label: 'onnxruntime-node webgpu EP', sameAdapter: true, make: (m: Made) => ortNode(m.onnx, m.inputs, 'webgpu') },
  'transformers.js-webgpu': { label: "transformers.js 4 AutoModel, device 'webgpu'", sameAdapter: true, make: (m: Made) => transformersJs(m.dir, m.inputs, 'webgpu') },
  'ort-web-webgpu': { label: 'onnxruntime-web webgpu EP', sameAdapter: true, make: (m: Made) => ortWebGpu(m.onnx, m.inputs) },
  'ort-node-cpu': { label: 'onnxruntime-node cpu EP', sameAdapter: false, make: (m: Made) => ortNode(m.onnx, m.inputs, 'cpu') },
} as const;
export type ModelPeer = keyof typeof MODEL_PEERS;

/** Peers raced by default; onnxruntime-web (wasm) compiles its shaders for minutes in Node, so it is opt-in. */
export const DEFAULT_PEERS: readonly ModelPeer[] = ['ort-node-webgpu', 'transformers.js-webgpu', 'ort-node-cpu'];

type Made = ReturnType<typeof makeSameModel>;

export interface ModelRaceOptions {
  readonly reps: number;
  readonly peers: readonly ModelPeer[];
  /** Also check our output against the CPU reference (slow for BERT-base: the interpreter is the oracle, not fast). */
  readonly reference: boolean;
  readonly log?: (line: string) => void;
}

export async function modelRows(c: PeerConfig, opts: ModelRaceOptions): Promise<PeerRow[]> {
  useSwiftShaderUnlessChosen();
  const log = opts.log ?? (() => {});
  const root = mkdtempSync(join(tmpdir(), 'dslc-peers-'));
  try {
    const m = makeSameModel(join(root, 'bert'), c);
    const workload = `BertModel h${c.hidden} L${c.layers} heads${c.heads} I${c.intermediate} S${c.seq} B${c.batch}`;
    const rows: PeerRow[] = [];
    const ours = await oursWebGpu(m);
    try {
      const t = performance.now();
      const oursOut = await ours.run();
      const oursFirstMs = performance.now() - t;
      log(`  ours: first run ${oursFirstMs.toFixed(0)} ms on ${ours.device}`);
      const refNote = opts.reference ? `; ours vs CPU reference ${relError(oursOut, oursCpuReference(m)).toExponential(1)}` : '';
      for (const name of opts.peers) {
        const peer = MODEL_PEERS[name];
        let raced: Interleaved;
        try {
          raced = await interleaved(ours, await peer.make(m), opts.reps);
        } catch (e) {
          log(`  ${name}: could not run (${(e as Error).message.split('\n')[0]})`);
          continue;
        }
        log(`  ${name}: ${raced.theirsMs.toFixed(1)} ms, ours ${raced.oursMs.toFixed(1)} ms (their first run ${raced.firstMs.toFixed(0)} ms)`);
        rows.push({
          peer: peer.label,
          workload,
          device: raced.device,
          theirsMs: raced.theirsMs,
          oursMs: raced.oursMs,
          sameAdapter: peer.sameAdapter,
          relError: relError(raced.out, oursOut),
          notes: `first run ${seconds(raced.firstMs)} (ours ${seconds(oursFirstMs)})${rows.length === 0 ? refNote : ''}`,
        });
      }
    } finally {
      await ours.close();
    }
    return rows;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

interface Interleaved {
  readonly device: string;
  readonly theirsMs: number;
  readonly oursMs: number;
  /** The peer's first run: shader compilation and allocation happen there, for every contestant. */
  readonly firstMs: number;
  readonly out: Float32Array;
}

/**
 * Alternates one run of ours and one of theirs, `reps` times, after the peer's warm-up run: on a shared machine
 * whose load changes, both medians then come from the same stretch of time.
 */
async function interleaved(ours: Runner, theirs: Runner, reps: number): Promise<Interleaved> {
  try {
    const t = performance.now();
    let out = await theirs.run();
    const firstMs = performance.now() - t;
    const oursTimes: number[] = [];
    const theirTimes: number[] = [];
    for (let i = 0; i < reps; i++) {
      oursTimes.push(await timed(() => ours.run()));
      const t0 = performance.now();
      out = await theirs.run();
      theirTimes.push(performance.now() - t0);
    }
    return { device: theirs.device, theirsMs: median(theirTimes), oursMs: median(oursTimes), firstMs, out };
  } finally {
    await theirs.close();
  }
}

const seconds = (ms: number): string => (ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(1)} s`);

async function timed(run: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await run();
  return performance.now() - t;
}
