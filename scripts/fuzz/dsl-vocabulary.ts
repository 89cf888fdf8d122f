/**
 * The DSL fuzzer's vocabulary: keywords, types, built-ins, names, operators, numbers, strings and odd characters,
 * and random tokens and characters drawn from them (the `soup` generator and the insertions of the edits).
 */
import type { Rng } from './rng.ts';

export const KEYWORDS = ['config', 'module', 'param', 'sub', 'let', 'fn', 'if', 'else', 'for', 'in', 'return', 'assert', 'and', 'or', 'not', 'true', 'false', 'none', 'replaces'];
export const TYPES = ['int', 'float', 'bool', 'str', 'f32', 'f16', 'bf16', 'i32', 'f64', 'i64', 'u8', 'tensor', 'BertConfig', 'C'];
export const BUILTINS = [
  'matmul', 'transpose', 'permute', 'reshape', 'expand', 'unsqueeze', 'select', 'slice', 'concat', 'softmax', 'layer_norm',
  'gather', 'where', 'cast', 'sum', 'mean', 'max', 'maximum', 'minimum', 'arange', 'full', 'zeros', 'ones', 'cross_entropy',
  'activation', 'size', 'rank', 'min_value', 'exp', 'log', 'sqrt', 'rsqrt', 'tanh', 'erf', 'sigmoid', 'relu', 'gelu', 'gelu_new', 'silu', 'abs',
];
export const NAMES = ['x', 'y', 'B', 'S', 'h', 'c', 'w', 'forward', 'self', 'batch', 'Linear', 'LayerNorm', 'BertModel', 'hidden_size', 'i', '_', 'a1', 'M'];
export const OPERATORS = ['->', '..', '.', '==', '!=', '<=', '>=', '<', '>', '=', '+', '-', '*', '//', '/', '%', '(', ')', '[', ']', '{', '}', ',', ':', '@', '|', '?'];
export const NUMBERS = [
  '0', '1', '-1', '2', '12', '768', '0.5', '1.0', '1e-12', '1e308', '1e309', '1e-400', '9007199254740993', '99999999999999999999999',
  '2147483648', '4294967296', '0.0000001', '1E5', '00', '0x10', '1.', '.5', '1e', '1e+', `${'9'.repeat(400)}`, '3.14159265358979323846',
];
export const STRINGS = ['"gelu"', '"weight"', '""', '"a.{i}"', '"{i}"', '"\\n"', '"\\q"', '"\\', '"unterminated', '"é"', '"😀"', '"a" | "b"', `"${'x'.repeat(200)}"`];
export const ODD_CHARS = ['$', '`', '~', '^', '&', '!', ';', '\\', "'", '#', '\t', '\n', '\r', '\r\n', '\f', '\v', '\u0000'];
export const UNICODE = [
  'é', 'α', 'ß', 'İ', '😀', '👨‍👩‍👧', '\u0000', '\uFEFF', '\u2028', '\u2029', '\r', '\u0085', '\uD800', '\uDC00', '\uDBFF\uDFFF', '\u0301',
  '\u202E', '\u00A0', '\u200B', '\u3000', 'ｆ３２', 'ℌ', '∑', '\uFFFD', '\uFFFF', '\u{10FFFF}', 'Ω', '\u0007', '\u001B[31m',
];

export function randomName(rng: Rng): string {
  const alpha = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_';
  const n = rng.range(1, 12);
  let s = alpha[rng.int(alpha.length)]!;
  for (let i = 1; i < n; i++) s += (alpha + '0123456789')[rng.int(alpha.length + 10)]!;
  return s;
}

export function randomToken(rng: Rng): string {
  return rng.weighted<() => string>([
    [4, () => rng.pick(KEYWORDS)],
    [2, () => rng.pick(TYPES)],
    [2, () => rng.pick(BUILTINS)],
    [3, () => rng.pick(NAMES)],
    [1, () => randomName(rng)],
    [3, () => rng.pick(NUMBERS)],
    [1, () => rng.pick(STRINGS)],
    [8, () => rng.pick(OPERATORS)],
    [1, () => rng.pick(ODD_CHARS)],
    [0.5, () => rng.pick(UNICODE)],
    [0.5, () => `# ${randomName(rng)}\n`],
  ])();
}

export function randomChars(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    s += rng.weighted<() => string>([
      [6, () => String.fromCharCode(rng.range(0x20, 0x7e))],
      [1, () => rng.pick(['\n', '\t', ' ', '\r'])],
      [1, () => String.fromCharCode(rng.int(0x10000))],
      [0.5, () => rng.pick(UNICODE)],
    ])();
  }
  return s;
}
