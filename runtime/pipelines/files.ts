/**
 * The checkpoint's small text files the pipelines need besides the weights: the tokenizer's files and `config.json`
 * (for `id2label`), read from the same place as the weights — a folder, a URL, or the bytes the caller passed.
 *
 * All are optional at load time: a model used only through `forward` loads without them, so a missing or broken one
 * is reported when a pipeline first needs it, not here.
 */
import type { CheckpointSource } from '../package-api.ts';
import { fetchOk, nodeFiles, URL_LIKE } from '../package-sources.ts';

export type ExtraFile = 'config.json' | 'tokenizer.json' | 'vocab.txt' | 'tokenizer_config.json' | 'special_tokens_map.json';

export interface CheckpointTexts {
  /** Where they were looked for, for error messages: a folder, a URL, or "the files passed to the loader". */
  readonly where: string;
  readonly texts: Partial<Record<ExtraFile, string>>;
  /** Files that exist but could not be read, with why; reported only if a pipeline needs them. */
  readonly problems: readonly string[];
}

const TOKENIZER_EXTRAS: readonly ExtraFile[] = ['tokenizer_config.json', 'special_tokens_map.json', 'config.json'];

/** `tokenizer.json` first; `vocab.txt` only when it is absent, as HF's fast tokenizer falls back. */
async function readAll(read: (name: ExtraFile) => Promise<string | undefined>, problems: string[]): Promise<CheckpointTexts['texts']> {
  const texts: Partial<Record<ExtraFile, string>> = {};
  const one = async (name: ExtraFile): Promise<void> => {
    try {
      const text = await read(name);
      if (text !== undefined) texts[name] = text;
    } catch (e) {
      problems.push(`${name}: ${(e as Error).message}`);
    }
  };
  await Promise.all([one('tokenizer.json'), ...TOKENIZER_EXTRAS.map(one)]);
  if (texts['tokenizer.json'] === undefined) await one('vocab.txt');
  return texts;
}

function decodeBytes(v: unknown, name: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array || v instanceof ArrayBuffer) return new TextDecoder().decode(v);
  throw new Error(`checkpoint["${name}"] must be a Uint8Array or an ArrayBuffer`);
}

/** Reads what is there; never throws (the weights' own loading reports a bad source), so it can run beside it. */
export async function readCheckpointTexts(src: CheckpointSource): Promise<CheckpointTexts> {
  try {
    return await readFrom(src);
  } catch (e) {
    return { where: String(src), texts: {}, problems: [(e as Error).message] };
  }
}

async function readFrom(src: CheckpointSource): Promise<CheckpointTexts> {
  const problems: string[] = [];
  if (typeof src === 'object' && src !== null && !(src instanceof URL)) {
    const files = src as Readonly<Record<string, unknown>>;
    const texts = await readAll(async (name) => decodeBytes(files[name], name), problems);
    return { where: 'the files passed to the loader', texts, problems };
  }
  let dir: string | URL;
  if (typeof src === 'string' && !URL_LIKE.test(src)) dir = src;
  else {
    const url = new URL(src);
    // A checkpoint given as its .safetensors file: the other files sit beside it.
    dir = new URL(url.pathname.endsWith('.safetensors') ? './' : url.href.endsWith('/') ? url.href : `${url.href}/`, url);
  }
  if (dir instanceof URL && dir.protocol !== 'file:') {
    const base = dir;
    const texts = await readAll(async (name) => (await fetchOk(new URL(name, base)))?.text(), problems);
    return { where: base.href, texts, problems };
  }
  const node = await nodeFiles(`checkpoint ${String(dir)}`);
  const path = dir instanceof URL ? node.fileURLToPath(dir) : dir;
  const texts = await readAll(async (name) => node.readTextIfPresent(`${path.replace(/[\\/]+$/, '')}/${name}`), problems);
  return { where: path, texts, problems };
}
