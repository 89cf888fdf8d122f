/**
 * Where dslc keeps what it can recompute but would rather not: tile choices per adapter (tune-cache.ts) and built
 * packages by content hash (build-cache.ts). `DSLC_CACHE_DIR`, else `$XDG_CACHE_HOME/dslc`, else `~/.cache/dslc`.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function cacheDir(): string {
  const own = process.env['DSLC_CACHE_DIR'];
  if (own) return own;
  const xdg = process.env['XDG_CACHE_HOME'];
  return join(xdg || join(homedir(), '.cache'), 'dslc');
}
