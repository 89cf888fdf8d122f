/**
 * `--tiles` of `dslc build` and `dslc bench`: which GEMM and attention tiles the WebGPU kernels use.
 *
 *   default                          the lowerings' own (compiler/kernel/tuning.ts DEFAULT_TUNING)
 *   cached                           what `dslc bench --tune` chose for this machine's adapter (tune-cache.ts)
 *   matmul=32/2/16,attention=32      explicit: GEMM tile/per-thread/k-slab, attention rows (either may be left out)
 */
import { DEFAULT_TUNING, matmulTilesProblem, type Tuning } from '../compiler/kernel/tuning.ts';
import { UserError } from '../dsl/errors.ts';
import { loadTuning, tuningPath } from './tune-cache.ts';

/** An explicit tiles text → Tuning; 'cached' is returned as is (it needs the adapter). */
export function parseTiles(text: string): Tuning | 'cached' {
  const t = text.trim();
  if (t === 'default') return DEFAULT_TUNING;
  if (t === 'cached') return 'cached';
  let tuning: Tuning = DEFAULT_TUNING;
  for (const part of t.split(',').map((p) => p.trim())) {
    const mm = /^matmul=(\d+)\/(\d+)\/(\d+)$/.exec(part);
    const att = /^attention=(\d+)$/.exec(part);
    if (mm) {
      const matmul = { tile: Number(mm[1]), per: Number(mm[2]), slab: Number(mm[3]) };
      const problem = matmulTilesProblem(matmul);
      if (problem) throw new UserError(`--tiles ${part}: ${problem}`);
      tuning = { ...tuning, matmul };
    } else if (att && Number(att[1]) >= 1 && Number(att[1]) <= 256) {
      tuning = { ...tuning, attention: { rows: Number(att[1]) } };
    } else {
      throw new UserError(`--tiles expects default, cached, or matmul=TILE/PER/SLAB,attention=ROWS (rows 1 to 256), got '${part}'`);
    }
  }
  return tuning;
}

/** The tiles `text` names, looking up this machine's adapter for 'cached'. */
export async function resolveTiles(text: string): Promise<Tuning> {
  const parsed = parseTiles(text);
  if (parsed !== 'cached') return parsed;
  const { adapterName, requestAdapter } = await import('../runtime/webgpu/device.ts');
  const adapter = adapterName(await requestAdapter());
  const entry = loadTuning(adapter);
  if (!entry) throw new UserError(`--tiles cached: no tiles are cached for ${adapter} in ${tuningPath()}; run 'dslc bench FILE --entry NAME --tune' first`);
  return entry.tuning;
}
