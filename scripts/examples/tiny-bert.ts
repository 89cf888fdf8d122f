/**
 * Tiny random BERT checkpoints with a real tokenizer, in Hugging Face's layout, and packages built for them: what the
 * pipelines example (pipelines-setup.ts) and the pipeline tests load, since no real checkpoint can be downloaded here.
 *
 * The vocabulary is a small hand-written WordPiece one, so the example sentences tokenise into known words (and a
 * few `##` pieces and [UNK]s); the weights are random, so the predictions are noise but every shape, offset, label and
 * error path is the real one.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS } from '../../cli/commands.ts';
import { compileGraph, readSource } from '../../compiler/pipeline.ts';
import { expectedParams } from '../../runtime/cpu-model.ts';
import { writeRandomCheckpoint } from '../../runtime/weights/random-checkpoint.ts';

export const BERT_DSL = new URL('../../specs/bert.dsl', import.meta.url).pathname;

const WORDS = `. , ? ! ' - the a an is was are of and in on to my i me name it this that be do does did where who what
when which how not new york paris france berlin london capital city live lives sarah wolfgang jim henson puppet nice
cat dog sat mat moon sun out film loved great bad good raining shop went bought some milk quick brown fox jumps first
second text longer man plays guitar someone makes music prompt choice house big small red blue
##s ##ing ##ed ##ly ##er un ##believ ##able play`.split(/\s+/);

/** `vocab.txt`'s lines: HF's special tokens first, then the words; ids are line numbers. */
export const TINY_VOCAB: readonly string[] = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...WORDS];

/** A `tokenizer.json` for TINY_VOCAB as `BertTokenizerFast.save_pretrained` writes it (uncased). */
export function tinyTokenizerJson(vocab: readonly string[] = TINY_VOCAB): object {
  const id = (t: string) => vocab.indexOf(t);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map((content) => ({
      id: id(content), content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: { type: 'BertProcessing', sep: ['[SEP]', id('[SEP]')], cls: ['[CLS]', id('[CLS]')] },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
    },
  };
}

/** Small sizes: fast to build and run, big enough for a few windows of question answering. */
export const TINY_CONFIG = {
  vocab_size: TINY_VOCAB.length,
  hidden_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  intermediate_size: 37,
  max_position_embeddings: 64,
} as const;

export interface TinyOptions {
  /** Config keys besides TINY_CONFIG's: `id2label`, `num_labels`, `problem_type`, … */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Entry arguments, e.g. `{ add_pooling_layer: false }`. */
  readonly args?: Readonly<Record<string, unknown>>;
  /** Which tokenizer files to write: tokenizer.json (default), vocab.txt + tokenizer_config.json, or none. */
  readonly tokenizer?: 'json' | 'vocab' | 'none';
  readonly seed?: number;
}

export interface Tiny {
  /** The package folder (index.js, …). */
  readonly pkg: string;
  /** The checkpoint folder (config.json, model.safetensors, tokenizer files). */
  readonly ckpt: string;
}

/**
 * Writes a random checkpoint for `entry` into `dir/ckpt` and builds its package into `dir/pkg` with `dslc build
 * --config dir/ckpt/config.json`, as an app developer would.
 */
export async function makeTiny(dir: string, entry: string, opts: TinyOptions = {}): Promise<Tiny> {
  const ckpt = join(dir, 'ckpt');
  const pkg = join(dir, 'pkg');
  const config = { architectures: [entry], ...TINY_CONFIG, ...opts.config };
  const graph = compileGraph(readSource(BERT_DSL), { entry, config, args: opts.args ?? {} });
  // A larger spread than HF's initializer makes the random predictions differ visibly from token to token.
  writeRandomCheckpoint(ckpt, expectedParams(graph), { seed: opts.seed ?? 5, std: 0.3, config });
  const tokenizer = opts.tokenizer ?? 'json';
  if (tokenizer === 'json') writeFileSync(join(ckpt, 'tokenizer.json'), JSON.stringify(tinyTokenizerJson()));
  if (tokenizer === 'vocab') {
    writeFileSync(join(ckpt, 'vocab.txt'), `${TINY_VOCAB.join('\n')}\n`);
    writeFileSync(join(ckpt, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: true, model_max_length: 512 }));
  }
  mkdirSync(pkg, { recursive: true });
  const set = Object.entries(opts.args ?? {}).map(([k, v]) => `${k}=${String(v)}`);
  await COMMANDS['build']!.run({ entry, config: join(ckpt, 'config.json'), set, out: pkg }, [BERT_DSL]);
  return { pkg, ckpt };
}
