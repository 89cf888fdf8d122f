/**
 * A package built with `dslc build --target cuda`: its files (kernels.cu, PTX, sm_80/sm_90 cubins, program.json, koffi
 * as its one dependency, no compiler in the bundle), and a plain-node app importing only `pkg/index.js` from a temp
 * folder. Without a GPU, loading fails with "no CUDA device: <reason>"; on the host emulation's stand-in libcuda
 * (DSLC_LIBCUDA, as runtime.test.ts), with the cubin swapped for the emulated module, it runs end to end and matches
 * the CPU reference. With nvcc hidden and no cache, the build says nvcc is missing.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nvccUnavailable } from '../../../backends/cuda/compile.ts';
import { buildEmulatedModule, buildStandInLibcuda, emulatedImage, emulationUnavailable } from '../../../backends/cuda/host-emulation/build.ts';
import { compileCuda } from '../../../backends/cuda/program.ts';
import { COMMANDS } from '../../../cli/commands.ts';
import { graphFromJson } from '../../../compiler/ir/print.ts';
import { loadCpuModel } from '../../../runtime/cpu-model.ts';
import { cudaAvailable } from '../../../runtime/cuda/driver.ts';
import { BERT, buildSmall, ROOT, runApp, SMALL } from '../glue/helpers.ts';
import { assertClose, rejects, skipBecause } from './helpers.ts';

const IDS = [
  [2, 15, 87, 4, 96],
  [2, 9, 4, 3, 0],
];
const MASK = [
  [1, 1, 1, 1, 1],
  [1, 1, 1, 1, 0],
];

const APP = `
import { loadBert } from './pkg/index.js';
const plain = (t) => ({ dtype: t.dtype, shape: t.shape, data: Array.from(t.data) });
const out = {};
try {
  const model = await loadBert('./ckpt');
  out.device = model.device;
  out.logits = plain((await model.forward({ inputIds: ${JSON.stringify(IDS)}, attentionMask: ${JSON.stringify(MASK)} })).logits);
  try {
    await model.forward({ inputIds: [[2, 1000]] });
  } catch (e) {
    out.badInput = [e.name, e.message];
  }
  model.dispose();
} catch (e) {
  out.error = [e.name, e.message];
}
console.log(JSON.stringify(out));
`;

/** What `npm install` of the package's dependency gives the app. */
function installKoffi(dir: string): void {
  if (existsSync(join(dir, 'node_modules/koffi'))) return;
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules/koffi'), join(dir, 'node_modules/koffi'), 'dir');
}

interface AppOut {
  device?: string;
  logits?: { shape: number[]; data: number[] };
  badInput?: [string, string];
  error?: [string, string];
}

function checkRun(out: AppOut, pkg: string, ckpt: string): void {
  assert.not.ok(out.error, `load failed: ${out.error?.join(': ')}`);
  const graph = graphFromJson(JSON.parse(readFileSync(join(pkg, 'graph.json'), 'utf8')));
  const want = loadCpuModel(graph, ckpt).forward({ input_ids: IDS, attention_mask: MASK })['logits']!;
  const err = assertClose('logits', { dtype: 'f32', shape: out.logits!.shape, data: Float32Array.from(out.logits!.data) }, want, 1e-4);
  console.log(`\n  cuda package on ${out.device}: relative error ${err.toExponential(1)} vs the CPU reference`);
  assert.is(out.badInput![0], 'UserError');
  assert.match(out.badInput![1], /^inputIds\[0\]\[1\] is 1000, outside \[0, 97\)/);
}

const noNvcc = nvccUnavailable();
// Without nvcc the package cannot be built (unless .cache/cuda has it, which a skip cannot tell in advance).
const built = noNvcc ? (title: string) => skipBecause(title, noNvcc) : (title: string, fn: () => Promise<void>) => test(title, fn);

built('cuda package: kernels.cu, PTX, sm_80 and sm_90 cubins, program.json, koffi as its dependency, no compiler', async () => {
  const { pkg } = await buildSmall('BertForMaskedLM', 'cuda');
  const files = readdirSync(pkg);
  for (const f of ['kernels.cu', 'kernels.compute_80.ptx', 'kernels.sm_80.cubin', 'kernels.sm_90.cubin', 'program.json']) assert.ok(files.includes(f), f);
  const program = JSON.parse(readFileSync(join(pkg, 'program.json'), 'utf8'));
  assert.is(program.format, 'dslc-cuda/1');
  assert.equal(program.images, { compute_80: 'kernels.compute_80.ptx', sm_80: 'kernels.sm_80.cubin', sm_90: 'kernels.sm_90.cubin' });
  const cu = readFileSync(join(pkg, 'kernels.cu'), 'utf8');
  for (const k of program.kernels) assert.ok(cu.includes(`void __launch_bounds__(${k.workgroup}) ${k.entry}(`), k.entry);
  assert.match(readFileSync(join(pkg, 'kernels.compute_80.ptx'), 'utf8'), /\.target sm_80/);
  for (const cubin of ['kernels.sm_80.cubin', 'kernels.sm_90.cubin']) assert.equal([...readFileSync(join(pkg, cubin)).subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46], `${cubin} is ELF`);
  assert.ok(program.resources.some((r: { arch: string }) => r.arch === 'sm_90'), 'ptxas resources per kernel');
  assert.equal(JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).dependencies, { koffi: JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).dependencies.koffi });
  const text = readdirSync(join(pkg, 'chunks')).map((f) => readFileSync(join(pkg, 'chunks', f), 'utf8')).join('\n');
  for (const banned of ['// compiler/kernel/', '// backends/cuda/renderer.ts', '// backends/cuda/compile.ts', '// runtime/cuda/load.ts', 'child_process']) {
    assert.not.ok(text.includes(banned), `the bundle contains ${banned}`);
  }
});

built('cuda package in plain node: without a CUDA device, loading says so and what to build instead', async () => {
  const { dir, pkg, ckpt } = await buildSmall('BertForMaskedLM', 'cuda');
  const noKoffi = runApp<AppOut>(dir, 'cuda-app.mjs', APP);
  assert.is(noKoffi.error![0], 'UserError');
  assert.match(noKoffi.error![1], /^no CUDA device: the npm package koffi, which reaches libcuda, cannot be loaded .*--target cpu or --target webgpu/);
  installKoffi(dir);
  const out = runApp<AppOut>(dir, 'cuda-app.mjs', APP);
  if (cudaAvailable() === true) return checkRun(out, pkg, ckpt); // a GPU machine: it runs
  assert.is(out.error![0], 'UserError');
  assert.match(out.error![1], /^no CUDA device: .+ \(this package was built with --target cuda; rebuild it with --target cpu or --target webgpu/);
  const missing = runApp<AppOut>(dir, 'cuda-app.mjs', APP.replace("'./pkg/index.js'", "'./pkg/index.js'; process.env.DSLC_LIBCUDA = '/nonexistent/libcuda.so.1'"));
  assert.match(missing.error![1], /^no CUDA device: \/nonexistent\/libcuda\.so\.1 not found \(/);
});

const reason = emulationUnavailable();
if (reason || noNvcc) skipBecause('cuda package on the stand-in libcuda', (reason ?? noNvcc)!);
else {
  test('cuda package on the stand-in libcuda: end to end, matches the CPU reference', async () => {
    const { pkg, ckpt } = await buildSmall('BertForMaskedLM', 'cuda');
    // A copy of the package whose sm_80 cubin (the stand-in reports compute capability 8.0) is the emulated module.
    const dir = mkdtempSync(join(tmpdir(), 'dslc-cuda-standin-'));
    try {
      const copy = join(dir, 'pkg');
      mkdirSync(join(copy, 'chunks'), { recursive: true });
      for (const f of readdirSync(pkg)) if (f !== 'chunks') writeFileSync(join(copy, f), readFileSync(join(pkg, f)));
      for (const f of readdirSync(join(pkg, 'chunks'))) writeFileSync(join(copy, 'chunks', f), readFileSync(join(pkg, 'chunks', f)));
      const graph = graphFromJson(JSON.parse(readFileSync(join(pkg, 'graph.json'), 'utf8')));
      writeFileSync(join(copy, 'kernels.sm_80.cubin'), emulatedImage(await buildEmulatedModule(compileCuda(graph).kernels)));
      symlinkSync(ckpt, join(dir, 'ckpt'), 'dir');
      installKoffi(dir);
      const libcuda = await buildStandInLibcuda();
      const out = runApp<AppOut>(dir, 'app.mjs', APP.replace("'./pkg/index.js'", `'./pkg/index.js'; process.env.DSLC_LIBCUDA = ${JSON.stringify(libcuda)}`));
      assert.match(out.device ?? '', /^cuda: dslc host emulation \(sm_80, cubin sm_80\)$/);
      checkRun(out, pkg, ckpt);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('without nvcc (and no cached build), --target cuda says what is missing', async () => {
  const cache = mkdtempSync(join(tmpdir(), 'dslc-cuda-nocache-'));
  const saved = { NVCC: process.env['NVCC'], DSLC_CUDA_CACHE: process.env['DSLC_CUDA_CACHE'] };
  process.env['NVCC'] = '/nonexistent/nvcc';
  process.env['DSLC_CUDA_CACHE'] = cache;
  try {
    const set = Object.entries(SMALL).map(([k, v]) => `${k}=${v}`);
    const out = join(cache, 'pkg');
    await rejects(() => Promise.resolve(COMMANDS['build']!.run({ entry: 'BertModel', set, out, target: 'cuda' }, [BERT])), /^--target cuda compiles the kernels with nvcc at build time: nvcc not found \(NVCC=\/nonexistent\/nvcc does not exist\)\. Install the CUDA toolkit, or build with --target cpu or webgpu$/);
  } finally {
    for (const [k, v] of Object.entries(saved)) v === undefined ? delete process.env[k] : (process.env[k] = v);
    rmSync(cache, { recursive: true, force: true });
  }
});

test.run();
