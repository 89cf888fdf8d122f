/** The peer table: one row per (peer, workload), ratios ours / theirs, and how far each peer's output is from ours. */

export interface PeerRow {
  /** Who we race, e.g. `onnxruntime-node 1.30.0 webgpu EP`. */
  readonly peer: string;
  /** What ran, e.g. `BertModel h256 L4 S128 B1` or `matmul 128×768 · 768×768`. */
  readonly workload: string;
  /** Backend and adapter the peer ran on. */
  readonly device: string;
  /** Median wall time of one run (inputs in, outputs read back). */
  readonly theirsMs: number;
  /** Our median on the same adapter (our WebGPU path). */
  readonly oursMs: number;
  /** False when the peer ran on another device (the CPU): the ratio then compares devices, not implementations. */
  readonly sameAdapter: boolean;
  /** ‖theirs − ours‖ / ‖ours‖ over the output. */
  readonly relError: number;
  readonly notes: string;
}

/** ours / theirs: below 1 means we are faster. */
export const ratio = (r: PeerRow): number => r.oursMs / r.theirsMs;

const ms = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

/** A Markdown table (it reads as plain text too, and pastes into the README). */
export function peerTable(rows: readonly PeerRow[]): string {
  const head = ['workload', 'peer', 'device / adapter', 'theirs ms', 'ours ms', 'ours/theirs', 'rel. err vs ours', 'notes'];
  const body = rows.map((r) => [
    r.workload,
    r.peer,
    r.device,
    ms(r.theirsMs),
    ms(r.oursMs),
    r.sameAdapter ? ratio(r).toFixed(2) : `(${ratio(r).toFixed(1)}, other device)`,
    r.relError.toExponential(1),
    r.notes,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
