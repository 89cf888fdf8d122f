#!/usr/bin/env node
// Runs the CLI from its pre-bundled build (dist/cli/, see cli-bundle.js) while that is up to date with the
// sources, rebuilding it first when it is not; falls back to running the TypeScript through tsx's loader when it cannot
// be built (or DSLC_NO_BUNDLE=1), so a fresh clone needs only `npm install`.
import { pathToFileURL } from 'node:url';
import { buildCliBundle, freshBundle } from './cli-bundle.js';

async function bundled() {
  if (process.env.DSLC_NO_BUNDLE === '1') return undefined;
  const fresh = freshBundle();
  if (fresh) return fresh;
  try {
    return await buildCliBundle();
  } catch {
    return undefined; // e.g. a read-only checkout: tsx below runs the same sources
  }
}

const bundle = await bundled();
if (bundle) {
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/main.ts');
}
