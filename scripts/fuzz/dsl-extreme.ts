/**
 * The DSL fuzzer's stress inputs: deep nesting and huge sources (`extreme`), and unusual characters (`unicode`).
 */
import { type SeedInfo, splice } from './dsl-seeds.ts';
import { randomChars, UNICODE } from './dsl-vocabulary.ts';
import type { Rng } from './rng.ts';

/** Deep nesting and huge inputs; `big` is the size of a huge input (1 MB in the full profile). */
export function extreme(rng: Rng, text: string, info: SeedInfo, big: number): { text: string; what: string } {
  const depth = rng.pick([50, 200, 1000, 3000, 10000]);
  const kb = `${Math.round(big / 1000)} kB`;
  // counts of statements, parameters, lines: up to 30,000 in the full profile, 3,000 in the quick one
  const many = Math.min(depth * 3, Math.round(big / 33));
  const wrapAt = (f: (e: string) => string, what: string): { text: string; what: string } => {
    const e = info.exprs.length > 0 && text === info.seed.text ? rng.pick(info.exprs) : undefined;
    if (!e) {
      const body = `module M() { let x = ${f('1')} }`;
      return { text: body, what: `${what} in a fresh module` };
    }
    return { text: splice(text, e.start, e.end, f(text.slice(e.start, e.end))), what: `${what} around the expression at ${e.start}` };
  };
  return rng.weighted<() => { text: string; what: string }>([
    [3, () => wrapAt((e) => `${'('.repeat(depth)}${e}${')'.repeat(depth)}`, `${depth} nested parentheses`)],
    [1, () => wrapAt((e) => `${'('.repeat(depth)}${e}`, `${depth} unclosed parentheses`)],
    [1, () => wrapAt((e) => `${'-'.repeat(depth)}${e}`, `${depth} unary minuses`)],
    [1, () => wrapAt((e) => `${'not '.repeat(depth)}${e}`, `${depth} nots`)],
    [1, () => wrapAt((e) => `${'['.repeat(depth)}${e}${']'.repeat(depth)}`, `${depth} nested lists`)],
    [1, () => wrapAt((e) => `${e}${' + 1'.repeat(depth)}`, `${depth}-term '+' chain`)],
    [1, () => wrapAt((e) => `${e}${' == 1'.repeat(depth)}`, `${depth}-term '==' chain`)],
    [1, () => wrapAt((e) => `${e}${'.a'.repeat(depth)}`, `${depth} member accesses`)],
    [1, () => wrapAt((e) => `${e}${'(1)'.repeat(depth)}`, `${depth} chained calls`)],
    [1, () => wrapAt((e) => `${e}${'[0]'.repeat(depth)}`, `${depth} chained indexes`)],
    [1, () => wrapAt((e) => `${'1 if true else '.repeat(depth)}${e}`, `${depth} nested conditionals`)],
    [1, () => wrapAt((e) => `${'f('.repeat(depth)}${e}${')'.repeat(depth)}`, `${depth} nested calls`)],
    [1, () => wrapAt((e) => `${'{a: '.repeat(depth)}${e}${'}'.repeat(depth)}`, `${depth} nested records`)],
    [1, () => ({
      text: `module M() {\n  fn forward[B](x: f32[B]) -> f32[B] {\n${'if true {\n'.repeat(depth)}return x\n${'}\n'.repeat(depth)}  }\n}\n`,
      what: `${depth} nested if statements`,
    })],
    [1, () => ({ text: `config C { a: int = 1 }\nmodule M(c: C) {\n${'if true {\n'.repeat(depth)}let z = 1\n${'}\n'.repeat(depth)}}\n`, what: `${depth} nested if members` })],
    [1, () => ({
      text: `module M() {\n  fn forward[B](x: f32[B]) -> f32[B] {\n    let y = x\n${'    y = y + 1\n'.repeat(many)}    return y\n  }\n}\n`,
      what: `${many} statements`,
    })],
    [1, () => {
      const copies = Math.ceil(big / Math.max(1, text.length));
      return { text: text.repeat(copies), what: `the source repeated ${copies} times (~${kb})` };
    }],
    [1, () => ({ text: `${text}\n# ${'x'.repeat(big)}\n`, what: `${kb} comment` })],
    [1, () => ({ text: `module ${'M'.repeat(big)}() { }`, what: `${kb} module name` })],
    [1, () => {
      const n = rng.pick([400, big / 10, big]);
      return { text: `config C { a: int = ${'9'.repeat(n)} }\nmodule M(c: C, n: int = ${'9'.repeat(n)}) { let k = c.a }`, what: `${n}-digit integer literals` };
    }],
    [1, () => ({ text: `config C { a: str = "${'s'.repeat(big)}" }`, what: `${kb} string literal` })],
    [1, () => ({ text: `${text}${'$'.repeat(rng.pick([10_000, big]))}`, what: 'long run of bad characters' })],
    [1, () => ({ text: `${text}${'\n'.repeat(big / 5)}}`, what: `${big / 5} blank lines then junk` })],
    [1, () => ({ text: `${text}${') '.repeat(rng.pick([1000, big / 20]))}`, what: 'many stray closing parentheses' })],
    [1, () => ({ text: randomChars(rng, big / 10), what: `${big / 10} random characters` })],
    [1, () => ({ text: `module M(${Array.from({ length: many }, (_, i) => `p${i}: int = ${i}`).join(', ')}) { }`, what: `${many} module parameters` })],
    [1, () => ({ text: '$\n'.repeat(many), what: `${many} lines with a bad character each` })],
    [1, () => ({
      text: `module M() {\n  fn f[B](x: f32[B]) -> f32[B] { return f(x) }\n  fn forward[B](x: f32[B]) -> f32[B] { return f(x) }\n}\n`,
      what: 'a function that calls itself',
    })],
    [1, () => ({ text: `module M() { sub m: M() @ "m" }\n`, what: 'a module that contains itself' })],
    [1, () => ({ text: `module A() { sub b: B() @ "b" }\nmodule B() { sub a: A() @ "a" }\n`, what: 'two modules that contain each other' })],
  ])();
}

export function unicode(rng: Rng, text: string): { text: string; what: string } {
  const n = rng.range(1, 5);
  let t = text;
  const inserted: string[] = [];
  for (let k = 0; k < n; k++) {
    const u = rng.pick(UNICODE);
    const at = rng.int(t.length + 1);
    inserted.push(JSON.stringify(u));
    t = rng.chance(0.3) && t.length > 0 ? splice(t, at, Math.min(t.length, at + 1), u) : splice(t, at, at, u);
  }
  return { text: t, what: `unicode ${inserted.join(' ')}` };
}
