/**
 * `npm run demo:web`: BERT in a browser on WebGPU. Writes a small random BertForMaskedLM checkpoint, builds a webgpu
 * package with `dslc build`, puts both next to demo/index.html and serves that folder on 127.0.0.1 for a bounded
 * time (a forgotten server should not outlive the session).
 *
 *   node --import tsx scripts/demo-web.ts [--dir .cache/demo-web] [--port 0] [--seconds 600]
 *
 * tests/demo/browser.test.ts uses prepareDemo and serveFolder, and drives the page in headless Chromium.
 */
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { COMMANDS } from '../cli/commands.ts';
import { compileGraph, readSource } from '../compiler/pipeline.ts';
import { expectedParams } from '../runtime/cpu-model.ts';
import { writeRandomCheckpoint } from '../runtime/weights/random-checkpoint.ts';

const ROOT = resolve(new URL('..', import.meta.url).pathname);

/** Small enough for SwiftShader in a browser to load and run in seconds. */
export const DEMO_CONFIG = {
  architectures: ['BertForMaskedLM'],
  vocab_size: 1000,
  hidden_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  intermediate_size: 256,
  max_position_embeddings: 64,
};

/** What the page runs: one row of ids and the position whose tokens it ranks. */
export const DEMO_INPUT = { ids: [2, 45, 110, 4, 77, 158, 3], mask: 3 };

/** Fills `dir` with the page (index.html, main.js, demo.json), `ckpt/` and the webgpu package `pkg/`. */
export async function prepareDemo(dir: string, config: Readonly<Record<string, unknown>> = DEMO_CONFIG): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const ckpt = join(dir, 'ckpt');
  const bert = join(ROOT, 'specs/bert.dsl');
  const graph = compileGraph(readSource(bert), { entry: 'BertForMaskedLM', config: { ...config }, args: {} });
  writeRandomCheckpoint(ckpt, expectedParams(graph), { seed: 7, config: { ...config } });
  const log = console.log;
  console.log = () => {}; // the build's one-line report; the caller says what happened
  try {
    await COMMANDS['build']!.run({ entry: 'BertForMaskedLM', config: join(ckpt, 'config.json'), target: 'webgpu', out: join(dir, 'pkg') }, [bert]);
  } finally {
    console.log = log;
  }
  for (const f of ['index.html', 'main.js']) copyFileSync(join(ROOT, 'demo', f), join(dir, f));
  writeFileSync(join(dir, 'demo.json'), `${JSON.stringify(DEMO_INPUT)}\n`);
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wgsl': 'text/plain; charset=utf-8',
  '.safetensors': 'application/octet-stream',
};

export interface Served {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `root` read-only on 127.0.0.1; the server closes itself after `lifetimeMs`. */
export async function serveFolder(root: string, opts: { port?: number; lifetimeMs: number }): Promise<Served> {
  const base = resolve(root);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(base, path.endsWith('/') ? `${path}index.html` : path));
    let body: Buffer | undefined;
    try {
      if ((file === base || file.startsWith(base + sep)) && statSync(file).isFile()) body = readFileSync(file);
    } catch {
      // a missing file is a 404: the runtime probes for optional checkpoint files (tokenizer.json, …)
    }
    res.setHeader('Cache-Control', 'no-store');
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
  });
  await new Promise<void>((ok, fail) => server.once('error', fail).listen(opts.port ?? 0, '127.0.0.1', ok));
  const close = (): Promise<void> => new Promise((ok) => {
    clearTimeout(timer);
    server.closeAllConnections();
    server.close(() => ok());
  });
  const timer = setTimeout(() => void close(), opts.lifetimeMs);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { dir: { type: 'string' }, port: { type: 'string' }, seconds: { type: 'string' } } });
  const dir = values.dir ?? join(ROOT, '.cache/demo-web');
  const seconds = Number(values.seconds ?? 600);
  console.log(`building a random BertForMaskedLM checkpoint and its webgpu package in ${dir}`);
  await prepareDemo(dir);
  const served = await serveFolder(dir, { port: Number(values.port ?? 0), lifetimeMs: seconds * 1000 });
  console.log(`open ${served.url} in a browser with WebGPU (Chrome/Chromium; on Linux: --enable-unsafe-webgpu)`);
  console.log(`serving for ${seconds} s; Ctrl-C stops it sooner`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
