/**
 * The DSL fuzzer's mutations: character-level edits (`bytes`) and token/AST-aware edits (`grammar`: names, numbers,
 * dtypes, call arguments and dims, whole expressions, members and statements, operators, keywords).
 */
import { bracketArgs, type Edit, piecesOf, pickTok, span, splice, tokensOf } from './dsl-seeds.ts';
import { BUILTINS, KEYWORDS, NAMES, randomChars, randomName, randomToken, TYPES } from './dsl-vocabulary.ts';

export const BYTE_EDITS: Edit[] = [
  (rng, text) => {
    const [a, b] = span(rng, text);
    return { text: splice(text, a, b, ''), what: `delete ${a}..${b}` };
  },
  (rng, text) => {
    const at = rng.int(text.length + 1);
    const ins = rng.chance(0.5) ? text.slice(...span(rng, text)) : rng.chance(0.5) ? randomChars(rng, rng.size(40) + 1) : randomToken(rng);
    return { text: splice(text, at, at, ins), what: `insert ${JSON.stringify(ins.slice(0, 30))} at ${at}` };
  },
  (rng, text) => {
    const [a, b] = span(rng, text);
    const [c, d] = span(rng, text);
    const [p, q] = a <= c ? [[a, b], [c, d]] : [[c, d], [a, b]];
    if (p[1]! > q[0]!) return { text, what: 'swap (overlap, no-op)' };
    const t = text.slice(0, p[0]) + text.slice(q[0], q[1]) + text.slice(p[1], q[0]) + text.slice(p[0], p[1]) + text.slice(q[1]);
    return { text: t, what: `swap ${p[0]}..${p[1]} with ${q[0]}..${q[1]}` };
  },
  (rng, text) => {
    const [a, b] = span(rng, text);
    const times = rng.chance(0.9) ? 1 : rng.range(2, 50);
    return { text: splice(text, b, b, text.slice(a, b).repeat(times)), what: `duplicate ${a}..${b} x${times}` };
  },
  (rng, text) => {
    if (text.length === 0) return { text, what: 'flip (empty)' };
    let t = text;
    const n = rng.range(1, 8);
    for (let k = 0; k < n; k++) {
      const at = rng.int(t.length);
      const c = rng.chance(0.5) ? String.fromCharCode(t.charCodeAt(at) ^ (1 << rng.int(7))) : String.fromCharCode(rng.range(0x20, 0x7e));
      t = splice(t, at, at + 1, c);
    }
    return { text: t, what: `flip ${n} chars` };
  },
  (rng, text) => {
    const at = rng.int(text.length + 1);
    return { text: text.slice(0, at), what: `truncate at ${at}` };
  },
];

const DTYPES = ['f32', 'f16', 'bf16', 'i32', 'bool', 'f64', 'int', 'float', 'i64', 'u8', 'F32', 'f32x', 'none', 'str'];
const SPECIAL_NUMBERS = [
  '0', '-1', '1', '2', '3', '-0', '0.0', '0.5', '-2.5', '1e308', '1e309', '-1e308', '1e-320', '1e-400', '2147483647', '2147483648',
  '4294967296', '9007199254740992', '9007199254740993', '1e21', '123456789012345678901234567890', `${'9'.repeat(310)}`, '1e100', '65536', '100000', '1000000',
];
const DIM_REPLACEMENTS = ['0', '1', '-1', '-5', '2.5', 'B', 'S', 'B * S', '*batch', '*B', 'c', 'c.hidden_size * 0', 'x', '"a"', 'true', 'none', '[1]', '1e309', 'B // 0', 'S - S - 1', 'c.nope'];

export const GRAMMAR_EDITS: Edit[] = [
  // a name swapped for another name of the file, a keyword, a built-in or a type
  (rng, text) => {
    const toks = tokensOf(text);
    const t = pickTok(rng, toks, (x) => x.type === 'Identifier' || KEYWORDS.includes(x.image));
    if (!t) return { text, what: 'rename (no names)' };
    const names = toks.filter((x) => x.type === 'Identifier').map((x) => x.image);
    const repl = rng.weighted<() => string>([
      [4, () => (names.length > 0 ? rng.pick(names) : 'x')],
      [2, () => rng.pick(KEYWORDS)],
      [1, () => rng.pick(BUILTINS)],
      [1, () => rng.pick(TYPES)],
      [1, () => randomName(rng)],
    ])();
    return { text: splice(text, t.start, t.end, repl), what: `rename '${t.image}' -> '${repl}' at ${t.start}` };
  },
  // a number set to an edge value
  (rng, text) => {
    const t = pickTok(rng, tokensOf(text), (x) => x.type === 'NumberLiteral');
    if (!t) return { text, what: 'number (none)' };
    const repl = rng.pick(SPECIAL_NUMBERS);
    return { text: splice(text, t.start, t.end, repl), what: `number ${t.image} -> ${repl.length > 20 ? `${repl.slice(0, 12)}…(${repl.length} chars)` : repl} at ${t.start}` };
  },
  // a dtype changed
  (rng, text) => {
    const t = pickTok(rng, tokensOf(text), (x) => ['f32', 'f16', 'bf16', 'i32', 'bool', 'int', 'float', 'str'].includes(x.image));
    if (!t) return { text, what: 'dtype (none)' };
    const repl = rng.pick(DTYPES);
    return { text: splice(text, t.start, t.end, repl), what: `dtype ${t.image} -> ${repl} at ${t.start}` };
  },
  // an argument (or list item, tensor dim, record field) dropped, duplicated or replaced
  (rng, text) => {
    const toks = tokensOf(text);
    const opens = toks.map((t, i) => [t, i] as const).filter(([t]) => t.type === 'LParen' || t.type === 'LBracket' || t.type === 'LBrace');
    if (opens.length === 0) return { text, what: 'args (none)' };
    const [open, i] = rng.pick(opens);
    const args = bracketArgs(toks, i);
    if (args.length === 0) {
      const ins = rng.pick(DIM_REPLACEMENTS);
      return { text: splice(text, open.end, open.end, ins), what: `add arg ${JSON.stringify(ins)} at ${open.end}` };
    }
    const a = rng.pick(args);
    const mode = rng.pick(['drop', 'dup', 'replace', 'swap'] as const);
    if (mode === 'drop') {
      // take the separating comma with it when there is one
      const end = text[a.end] === ',' ? a.end + 1 : a.end;
      return { text: splice(text, a.start, end, ''), what: `drop arg ${JSON.stringify(text.slice(a.start, a.end).trim().slice(0, 30))} at ${a.start}` };
    }
    if (mode === 'dup') return { text: splice(text, a.end, a.end, `,${text.slice(a.start, a.end)}`), what: `duplicate arg at ${a.start}` };
    if (mode === 'swap' && args.length > 1) {
      const b = rng.pick(args);
      if (b.start === a.start) return { text, what: 'swap args (same)' };
      const [p, q] = a.start < b.start ? [a, b] : [b, a];
      return {
        text: text.slice(0, p.start) + text.slice(q.start, q.end) + text.slice(p.end, q.start) + text.slice(p.start, p.end) + text.slice(q.end),
        what: `swap args at ${p.start} and ${q.start}`,
      };
    }
    const repl = ` ${rng.pick(DIM_REPLACEMENTS)}`;
    return { text: splice(text, a.start, a.end, repl), what: `replace arg at ${a.start} with ${JSON.stringify(repl)}` };
  },
  // an expression replaced by another expression of the same source
  (rng, text, info) => {
    const { exprs } = piecesOf(text, info);
    if (exprs.length < 2) return { text, what: 'replace expr (n/a)' };
    const target = rng.pick(exprs);
    const source = rng.pick(exprs);
    const repl = text.slice(source.start, source.end);
    return { text: splice(text, target.start, target.end, repl), what: `expr at ${target.start} -> ${JSON.stringify(repl.slice(0, 40))}` };
  },
  // a member or statement deleted, duplicated or moved
  (rng, text, info) => {
    const { items } = piecesOf(text, info);
    if (items.length < 2) return { text, what: 'item (n/a)' };
    const a = rng.pick(items);
    const b = rng.pick(items);
    const mode = rng.pick(['delete', 'dup', 'move'] as const);
    const body = text.slice(a.start, a.end);
    if (mode === 'delete') return { text: splice(text, a.start, a.end, ''), what: `delete item at ${a.start}` };
    if (mode === 'dup') return { text: splice(text, a.end, a.end, `\n${body}`), what: `duplicate item at ${a.start}` };
    if (b.start >= a.start && b.start < a.end) return { text, what: 'move item (inside itself)' };
    const without = splice(text, a.start, a.end, '');
    const at = b.start > a.start ? b.start - body.length : b.start;
    return { text: splice(without, at, at, `${body}\n`), what: `move item at ${a.start} to ${b.start}` };
  },
  // an operator swapped for another
  (rng, text) => {
    const ops = ['+', '-', '*', '/', '//', '%', '==', '!=', '<', '<=', '>', '>=', 'and', 'or', '..', '->', '=', '.', ':', '@', '|', '?'];
    const t = pickTok(rng, tokensOf(text), (x) => ops.includes(x.image));
    if (!t) return { text, what: 'op (none)' };
    const repl = rng.pick(ops);
    return { text: splice(text, t.start, t.end, ` ${repl} `), what: `op '${t.image}' -> '${repl}' at ${t.start}` };
  },
  // a keyword or bracket removed
  (rng, text) => {
    const t = pickTok(rng, tokensOf(text), (x) => KEYWORDS.includes(x.image) || /^[()[\]{},:]$/.test(x.image));
    if (!t) return { text, what: 'remove token (none)' };
    return { text: splice(text, t.start, t.end, ''), what: `remove '${t.image}' at ${t.start}` };
  },
];
