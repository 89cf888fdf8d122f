/**
 * Runs generated CUDA on the host (see build.ts for how it is compiled): a list of launches on guarded host memory,
 * executed by the file driver (emu_driver.cpp) with data exchanged through files in a temp dir, and on top of it a
 * whole graph's CUDA program bound to its inputs, the counterpart of the CPU reference's `runGraph`. It checks what
 * kernels compute, not how fast or how a GPU schedules them (see ../README.md).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bindInputs, loadParam } from '../../cpu/bind.ts';
import type { HostTensor } from '../../tensor.ts';
import { dimEval, dimValue } from '../../../compiler/ir/dim.ts';
import { type Graph, graphNodes } from '../../../compiler/ir/graph.ts';
import { bindProgram, constWords, hostTensorOf } from '../binding.ts';
import { compileCuda, type CudaProgram } from '../program.ts';
import { buildDriver, buildEmulatedModule } from './build.ts';
import { paramDeviceData } from '../../../runtime/weights/device-storage.ts';

const run = promisify(execFile);

/** A pointer argument (a region's address) or a u32 argument. */
export type EmulatedArg = { readonly region: number } | { readonly u32: number };

export interface EmulatedRun {
  /** Memory to allocate, optionally filled; the rest starts as 0xff bytes (NaN as f32, -1 as i32). */
  readonly regions: readonly { readonly bytes: number; readonly init?: ArrayBufferView }[];
  readonly launches: readonly { readonly entry: string; readonly grid: readonly [number, number]; readonly block: number; readonly args: readonly EmulatedArg[] }[];
  /** Regions (and how many of their bytes) to read back after the last launch. */
  readonly outputs: readonly { readonly region: number; readonly bytes: number }[];
}

/** Runs launches in order on a module built by buildEmulatedModule; throws with the driver's message on any error. */
export async function emulate(module: string, plan: EmulatedRun): Promise<ArrayBuffer[]> {
  const driver = await buildDriver();
  const dir = mkdtempSync(join(tmpdir(), 'dslc-emu-run-'));
  try {
    const lines = [`regions ${plan.regions.length}`];
    plan.regions.forEach((r, i) => {
      if (!r.init) return lines.push(`${r.bytes} -`);
      const bytes = Buffer.alloc(r.bytes, 0xff);
      Buffer.from(r.init.buffer, r.init.byteOffset, Math.min(r.init.byteLength, r.bytes)).copy(bytes);
      writeFileSync(join(dir, `r${i}.bin`), bytes);
      return lines.push(`${r.bytes} ${join(dir, `r${i}.bin`)}`);
    });
    const launches = plan.launches.filter((l) => l.grid[0] > 0 && l.grid[1] > 0);
    lines.push(`launches ${launches.length}`);
    for (const l of launches) {
      const args = l.args.map((a) => ('region' in a ? `r${a.region}` : `u${a.u32}`));
      lines.push(`${l.entry} ${l.grid[0]} ${l.grid[1]} ${l.block} ${args.length} ${args.join(' ')}`);
    }
    lines.push(`outputs ${plan.outputs.length}`, ...plan.outputs.map((o, i) => `${o.region} ${o.bytes} ${join(dir, `out${i}.bin`)}`));
    writeFileSync(join(dir, 'plan.txt'), `${lines.join('\n')}\n`);
    try {
      await run(driver, [module, join(dir, 'plan.txt')], { maxBuffer: 64 << 20 });
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw new Error(`host emulation failed: ${(err.stderr || err.message).trim()}`);
    }
    return plan.outputs.map((_, i) => new Uint8Array(readFileSync(join(dir, `out${i}.bin`))).buffer);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export type Weights = ReadonlyMap<string, Float32Array | Int32Array>;

export interface EmulateOptions {
  readonly program?: CudaProgram;
  /** A module built by buildEmulatedModule holding (at least) the program's kernels; built when absent. */
  readonly module?: string;
  /** Folds grids onto y past this many blocks in x (small values exercise the 2-D numbering). */
  readonly maxGridX?: number;
}

const words = (data: Float32Array | Int32Array | Uint8Array): Float32Array | Int32Array => (data instanceof Uint8Array ? Int32Array.from(data) : data);

/**
 * Runs `graph` on the host emulation of its CUDA program, bound exactly as the CUDA runtime binds it (memory plan,
 * grid folding): the counterpart of the CPU reference's `runGraph`. Inputs are not range-checked here (the runtime
 * does that on the host, and kernels clamp indices).
 */
export async function runGraphEmulated(
  graph: Graph,
  inputs: Readonly<Record<string, HostTensor>>,
  weights: Weights,
  opts: EmulateOptions = {},
): Promise<Record<string, HostTensor>> {
  const program = opts.program ?? compileCuda(graph);
  const nodes = new Map(graphNodes(graph).map((n) => [n.id, n]));
  const { env, values } = bindInputs(graph, inputs);
  const module = opts.module ?? (await buildEmulatedModule(program.kernels));
  const bound = bindProgram(program, env, opts.maxGridX);
  const regions = bound.regions.map((r) => {
    if (r.buffer === undefined) return { bytes: r.bytes };
    const b = program.buffers[r.buffer]!;
    const node = nodes.get(b.node!)!;
    if (b.kind === 'param') {
      const shape = node.shape.map((d) => dimValue(d)!);
      return { bytes: r.bytes, init: paramDeviceData(b, shape, loadParam(node, shape, weights).data) };
    }
    if (b.kind === 'input') return { bytes: r.bytes, init: words(values.get(node.id)!.data) };
    return { bytes: r.bytes, init: constWords(program, r.buffer, env) };
  });
  const launches = bound.launches.map((l) => ({
    entry: program.kernels[l.kernel]!.entry,
    grid: l.grid,
    block: l.block,
    args: [...l.regions.map((region) => ({ region })), ...l.uniforms.map((u32) => ({ u32 }))],
  }));
  const outputs = program.outputs.map((o) => {
    const node = graph.outputs.find((g) => g.name === o.name)!.node;
    const shape = node.shape.map((d) => dimEval(d, env));
    return { name: o.name, node, shape, region: bound.regionOf[o.buffer]!, bytes: 4 * shape.reduce((a, b) => a * b, 1) };
  });
  const data = await emulate(module, { regions, launches, outputs });
  return Object.fromEntries(outputs.map((o, i) => [o.name, hostTensorOf(o.node, o.shape, data[i]!)]));
}
