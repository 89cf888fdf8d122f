/**
 * `dslc build --report` on a small BERT: the report's fields, kernels per layer dropping with fusion on, the dims
 * option, and for --target cuda ptxas's per-kernel registers/shared memory/spills. Reports only: no package is written
 * unless --out is given.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nvccUnavailable } from '../../backends/cuda/compile.ts';
import { COMMANDS } from '../../cli/commands.ts';
import { BERT, SMALL } from '../backends/glue/helpers.ts';

const set = Object.entries(SMALL).map(([k, v]) => `${k}=${v}`);

/** Runs `dslc build --report` with extra options; returns what it printed. */
async function report(extra: Record<string, string | boolean> = {}): Promise<string> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => lines.push(args.join(' '));
  try {
    assert.is(await COMMANDS['build']!.run({ entry: 'BertModel', set, report: true, ...extra }, [BERT]), 0);
  } finally {
    console.log = log;
  }
  return lines.join('\n');
}

/** The value column of the row labelled `label`. */
function field(text: string, label: string): string {
  const m = new RegExp(`^  ${label} +(.+)$`, 'm').exec(text);
  assert.ok(m, `no '${label}' row in:\n${text}`);
  return m![1]!;
}
const count = (text: string, label: string): number => Number(/^\d+/.exec(field(text, label))![0]);

test('--report --precision: says which precision, and fp16 halves the bytes moved and the weights', async () => {
  const f32 = await report();
  const f16 = await report({ precision: 'fp16' });
  const bf16 = await report({ precision: 'bf16' });
  assert.match(field(f32, 'precision'), /^fp32/);
  assert.match(field(f16, 'precision'), /^fp16: \d+ nodes \(weights included\) stored f16, f32 arithmetic/);
  assert.match(field(bf16, 'precision'), /^bf16: \d+ nodes \(weights included\) stored bf16/);
  // five kernels a layer (fused q/k/v, packed attention, two matmul + LayerNorm), each storing f16
  assert.match(field(f16, 'kernels per encoder layer'), /^5 +\(matmul_f16_nt_b0_epi1\w*, attention_f16_packed_\w+, matmul_norm_f16_t_n\d+_epi2, matmul_f16_nt_b0_epi1\w*_gelu\w*, matmul_norm_f16_t_n\d+_epi2\)$/);
  const mib = (text: string, label: string) => {
    const m = /^([\d.]+) (KiB|MiB)/.exec(field(text, label))!;
    return Number(m[1]) * (m[2] === 'MiB' ? 1024 : 1);
  };
  const ratio = mib(f16, 'min bytes moved') / mib(f32, 'min bytes moved');
  // a little over half: ids, mask and the f32 outputs (last_hidden_state, pooler) keep their width, and with five
  // kernels a layer they are a larger share of this small model's traffic
  assert.ok(ratio > 0.45 && ratio < 0.65, `fp16 moves ${ratio.toFixed(2)}× the fp32 bytes`);
  let error: Error | undefined;
  try {
    await report({ precision: 'fp8' });
  } catch (e) {
    error = e as Error;
  }
  assert.match(error?.message ?? '', /--precision: unknown precision "fp8" \(known: fp32, fp16, bf16, int8w\)/);
});

test('--report: every field, at B=1, S=128 by default; kernels per layer drop with fusion on', async () => {
  const fused = await report();
  const unfused = await report({ fuse: 'none' });
  console.log(`\n${fused}\n${unfused}`);
  assert.match(fused, /^BertModel\.forward at B=1, S=128 \(--fuse all\)$/m);
  assert.match(unfused, /\(--fuse none\)$/m);
  for (const label of ['kernels per encoder layer', 'dispatches per forward', 'FLOPs per forward', 'min bytes moved', 'peak memory', 'largest live set', 'fusions fired']) {
    field(fused, label);
    field(unfused, label);
  }
  assert.is(count(unfused, 'kernels per encoder layer'), 26);
  assert.ok(count(fused, 'kernels per encoder layer') <= 5, field(fused, 'kernels per encoder layer'));
  assert.ok(count(fused, 'dispatches per forward') < count(unfused, 'dispatches per forward'));
  assert.match(field(fused, 'FLOPs per forward'), /^[\d.]+ [kMG]?FLOP$/);
  assert.match(field(fused, 'peak memory'), /^[\d.]+ [KM]?i?B +\(activations [\d.]+ [KM]?i?B in \d+ slots, weights .+, inputs .+\)$/);
  const ratio = Number(/, ([\d.]+)×\)$/.exec(field(fused, 'largest live set'))![1]);
  assert.ok(ratio >= 1 && ratio <= 1.25, `pool vs largest live set: ${ratio}`);
  assert.match(field(fused, 'fusions fired'), /fuse-attention \d+×, fuse-epilogue \d+×, fuse-qkv \d+×, fuse-norm \d+×, fuse-add-norm 1×  →  2 attention ops, \d+ matmul epilogues, 4 matmul norms, 1 sum norms, 2 joined projections/);
  assert.is(field(unfused, 'fusions fired'), 'none (--fuse none)');
});

test('--report-dims: other sizes, and a clear error for a symbol the entry lacks', async () => {
  const small = await report();
  const big = await report({ 'report-dims': 'B=8,S=16' });
  assert.match(big, /^BertModel\.forward at B=8, S=16 /m);
  const gflop = (t: string) => parseFloat(field(t, 'FLOPs per forward')) * { FLOP: 1, kFLOP: 1e3, MFLOP: 1e6, GFLOP: 1e9 }[field(t, 'FLOPs per forward').split(' ')[1]!]!;
  assert.ok(gflop(big) !== gflop(small));
  let message = '';
  try {
    await report({ 'report-dims': 'B=2,Q=3' });
  } catch (e) {
    message = (e as Error).message;
  }
  assert.match(message, /^--report-dims: BertModel\.forward has no symbol Q \(it has B, S\)$/);
});

test('--report writes no package without --out, and builds one with it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dslc-report-'));
  try {
    await report();
    assert.not.ok(existsSync(join(dir, 'pkg')));
    const text = await report({ out: join(dir, 'pkg') });
    assert.match(text, /^built BertModel\.forward → /m);
    assert.ok(existsSync(join(dir, 'pkg', 'index.js')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--report --target cuda: ptxas registers, shared memory and spills per kernel and architecture', async () => {
  const missing = nvccUnavailable();
  if (missing) return console.log(`\n  SKIPPING the cuda report (${missing})`);
  const text = await report({ target: 'cuda' });
  assert.match(text, /^  kernel +sm_80 regs\/smem\/spill +sm_90 regs\/smem\/spill$/m);
  const rows = text.split('\n').filter((l) => /^  \w+_[0-9a-f]{10} /.test(l));
  assert.ok(rows.some((r) => r.includes('attention_f32')), 'the attention kernel is listed');
  for (const r of rows) assert.match(r, /^  \w+ +\d+ \/ [\d.]+ [KM]?i?B \/ \d+ B +\d+ \/ [\d.]+ [KM]?i?B \/ \d+ B$/);
});

test.run();
