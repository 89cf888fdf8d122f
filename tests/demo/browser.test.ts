/**
 * The browser demo end to end (`npm run demo:web`): the page imports the webgpu package by URL, loads a random
 * checkpoint by URL and runs BertForMaskedLM with WebGPU in Debian's headless Chromium (its bundled SwiftShader when
 * there is no GPU), driven by playwright-core. The page's logits must match the CPU reference within 1e-4.
 *
 * Never downloads a browser: without /usr/bin/chromium the test is skipped with the reason printed, or fails in CI.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { graphFromJson } from '../../compiler/ir/print.ts';
import { loadCpuModel } from '../../runtime/cpu-model.ts';
import { DEMO_CONFIG, DEMO_INPUT, prepareDemo, serveFolder } from '../../scripts/demo-web.ts';
import { assertMatches } from '../runtime/webgpu/helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const inCI = (): boolean => /^(1|true|yes)$/i.test(process.env['CI'] ?? '');

/** A smaller model than the demo's: SwiftShader in a browser is slow, and the test only checks the numbers. */
const CONFIG = { ...DEMO_CONFIG, vocab_size: 211, hidden_size: 32, intermediate_size: 64 };

/** Playwright adds --headless; the rest keep Chromium from reaching the network or the GPU sandbox. */
const FLAGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-gpu-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

interface DemoResult {
  device: string;
  shape: number[];
  logits: number[];
  top: { id: number; p: number }[];
  progressEvents: number;
  loadMs: number;
  forwardMs: number;
}

test('demo page: BERT on WebGPU in headless Chromium matches the CPU reference (≤ 1e-4)', async () => {
  if (!existsSync(CHROMIUM)) {
    if (inCI()) assert.unreachable(`CI is set and ${CHROMIUM} is missing (scripts/setup.sh installs Debian's chromium)`);
    console.log(`\n  SKIPPING the browser demo test (set CI=true to make this a failure): ${CHROMIUM} is missing; run scripts/setup.sh`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'dslc-demo-web-'));
  const profile = mkdtempSync(join(tmpdir(), 'dslc-chromium-'));
  const started = Date.now();
  await prepareDemo(dir, CONFIG);
  const built = Date.now();
  const served = await serveFolder(dir, { lifetimeMs: 180_000 });
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, timeout: 60_000 });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const console_: string[] = [];
    // 404s are expected: the runtime probes the checkpoint folder for optional tokenizer files.
    page.on('console', (m) => void (/status of 404/.test(m.text()) || console_.push(`${m.type()}: ${m.text()}`)));
    page.on('pageerror', (e) => console_.push(`pageerror: ${e.message}`));
    await page.goto(served.url);
    await page.waitForSelector('body[data-state="done"], body[data-state="error"]', { timeout: 150_000 });
    const error = await page.evaluate(() => (globalThis as { demoError?: string }).demoError);
    if (error && /no WebGPU adapter/.test(error) && !inCI()) {
      console.log(`\n  SKIPPING the browser demo test (set CI=true to make this a failure): ${error}`);
      return;
    }
    assert.not.ok(error, `the page failed: ${error}\n${console_.join('\n')}`);
    const got = (await page.evaluate(() => (globalThis as { demoResult?: unknown }).demoResult)) as DemoResult;
    const shown = await page.textContent('#device');
    console.log(`\n  browser demo: ${got.device}; build ${built - started} ms, page load ${got.loadMs.toFixed(0)} ms, forward ${got.forwardMs.toFixed(0)} ms`);

    const graph = graphFromJson(JSON.parse(readFileSync(join(dir, 'pkg/graph.json'), 'utf8')));
    const want = loadCpuModel(graph, join(dir, 'ckpt')).forward({ input_ids: [DEMO_INPUT.ids] })['logits']!;
    const err = assertMatches('logits', { dtype: 'f32', shape: got.shape, data: Float32Array.from(got.logits) }, want);
    console.log(`  relative error of the page's logits vs the CPU reference: ${err.toExponential(1)}`);
    assert.match(got.device, /^webgpu: \S/);
    assert.is(shown, got.device, 'the page shows the adapter');
    assert.is(got.progressEvents, JSON.parse(readFileSync(join(dir, 'pkg/manifest.json'), 'utf8')).params.length, 'one progress event per tensor');
    // The page's best token is the reference's (unless two are within float noise of each other).
    const V = CONFIG.vocab_size;
    const row = Array.from(want.data.subarray(DEMO_INPUT.mask * V, (DEMO_INPUT.mask + 1) * V));
    const best = row.indexOf(Math.max(...row));
    assert.ok(got.top[0]!.id === best || Math.abs(row[got.top[0]!.id]! - row[best]!) < 1e-5, `top token ${got.top[0]!.id}, the reference's ${best}`);
    assert.equal(await page.locator('#result tr').count(), 6, 'a header and five tokens');
  } finally {
    await context.close();
    await served.close();
    rmSync(profile, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
