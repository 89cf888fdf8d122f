/**
 * Reading a tokenizer's files from a directory (what `save_pretrained` writes / a Hub snapshot holds). `node:fs` is
 * imported only when a directory is read, so browser bundles that use the in-memory constructors never pull it in.
 */
import { UserError } from '../../dsl/errors.ts';

/** The text of each named file in `dir`; `undefined` for an absent optional one. Missing required files are named. */
export async function readTokenizerFiles<K extends string>(dir: string, required: readonly K[], optional: readonly K[]): Promise<Record<K, string | undefined>> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  if (typeof dir !== 'string') throw new UserError(`fromPretrained: expected a directory path, got ${typeof dir}`);
  const stat = await fs.stat(dir).catch(() => undefined);
  if (!stat) throw new UserError(`tokenizer directory ${dir} does not exist`);
  if (!stat.isDirectory()) throw new UserError(`${dir} is not a directory; pass the folder holding the tokenizer files`);
  const out = {} as Record<K, string | undefined>;
  for (const name of [...required, ...optional]) {
    const file = path.join(dir, name);
    try {
      out[name] = await fs.readFile(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && !required.includes(name)) out[name] = undefined;
      else if (code === 'ENOENT') throw new UserError(`${file} is missing: a ${name} is needed to build this tokenizer`);
      else throw new UserError(`cannot read ${file}: ${(e as Error).message}`);
    }
  }
  return out;
}
