/**
 * Symbolic dimensions: integer polynomials over named symbols (B, S, ...).
 *
 * Shapes stay symbolic in the graph IR so one compiled program serves every batch size and sequence length.
 * Polynomials (not just symbols) because reshapes multiply dims (`[B, S, H] -> [B*S, H]`) and a KV cache adds
 * them (`P + S`); normalising to a sorted sum of monomials makes equality structural.
 */

/** A monomial is its sorted list of symbol names (with repetition); the empty list is the constant term. */
type Monomial = readonly string[];

export interface Dim {
  /** Sorted by monomial key; no zero coefficients. */
  readonly terms: readonly (readonly [Monomial, number])[];
}

const keyOf = (m: Monomial): string => m.join('*');

function normalize(terms: Iterable<readonly [Monomial, number]>): Dim {
  const acc = new Map<string, [Monomial, number]>();
  for (const [m, c] of terms) {
    const k = keyOf(m);
    const prev = acc.get(k);
    acc.set(k, [m, (prev ? prev[1] : 0) + c]);
  }
  const out = [...acc.values()].filter(([, c]) => c !== 0);
  out.sort((a, b) => (keyOf(a[0]) < keyOf(b[0]) ? -1 : keyOf(a[0]) > keyOf(b[0]) ? 1 : 0));
  return { terms: out };
}

export function dimConst(n: number): Dim {
  if (!Number.isInteger(n)) throw new RangeError(`dimension must be an integer, got ${n}`);
  return normalize([[[], n]]);
}

export function dimSym(name: string): Dim {
  return normalize([[[name], 1]]);
}

export function dimAdd(a: Dim, b: Dim): Dim {
  return normalize([...a.terms, ...b.terms]);
}

export function dimNeg(a: Dim): Dim {
  return normalize(a.terms.map(([m, c]) => [m, -c] as const));
}

export function dimSub(a: Dim, b: Dim): Dim {
  return dimAdd(a, dimNeg(b));
}

export function dimMul(a: Dim, b: Dim): Dim {
  const out: [Monomial, number][] = [];
  for (const [ma, ca] of a.terms) for (const [mb, cb] of b.terms) out.push([[...ma, ...mb].sort(), ca * cb]);
  return normalize(out);
}

/** Exact division; undefined when `a` is not a multiple of `b` as polynomials (b must be a monomial). */
export function dimDiv(a: Dim, b: Dim): Dim | undefined {
  if (b.terms.length !== 1) return dimEq(a, b) ? dimConst(1) : undefined;
  const [mb, cb] = b.terms[0]!;
  const out: [Monomial, number][] = [];
  for (const [ma, ca] of a.terms) {
    if (ca % cb !== 0) return undefined;
    const rest = [...ma];
    for (const s of mb) {
      const i = rest.indexOf(s);
      if (i < 0) return undefined;
      rest.splice(i, 1);
    }
    out.push([rest, ca / cb]);
  }
  return normalize(out);
}

export function dimEq(a: Dim, b: Dim): boolean {
  if (a.terms.length !== b.terms.length) return false;
  return a.terms.every(([m, c], i) => keyOf(m) === keyOf(b.terms[i]![0]) && c === b.terms[i]![1]);
}

/** The constant value, or undefined when the dim mentions a symbol. */
export function dimValue(d: Dim): number | undefined {
  if (d.terms.length === 0) return 0;
  if (d.terms.length === 1 && d.terms[0]![0].length === 0) return d.terms[0]![1];
  return undefined;
}

export function dimSymbols(d: Dim): string[] {
  return [...new Set(d.terms.flatMap(([m]) => m))];
}

/** Evaluates with every symbol bound; throws naming the first unbound symbol. */
export function dimEval(d: Dim, env: Readonly<Record<string, number>>): number {
  let total = 0;
  for (const [m, c] of d.terms) {
    let v = c;
    for (const s of m) {
      const x = env[s];
      if (x === undefined) throw new Error(`symbolic dimension ${s} is not bound`);
      v *= x;
    }
    total += v;
  }
  return total;
}

export function dimToString(d: Dim): string {
  if (d.terms.length === 0) return '0';
  const parts = d.terms.map(([m, c]) => {
    if (m.length === 0) return String(c);
    const body = m.join('*');
    return c === 1 ? body : c === -1 ? `-${body}` : `${c}*${body}`;
  });
  return parts.join(' + ').replace(/\+ -/g, '- ');
}

export function shapeToString(shape: readonly Dim[]): string {
  return `[${shape.map(dimToString).join(', ')}]`;
}

export function shapeEq(a: readonly Dim[], b: readonly Dim[]): boolean {
  return a.length === b.length && a.every((d, i) => dimEq(d, b[i]!));
}

/** Number of elements as a Dim. */
export function shapeSize(shape: readonly Dim[]): Dim {
  return shape.reduce((acc, d) => dimMul(acc, d), dimConst(1));
}

/** Parses the output of dimToString (used by the JSON form of the IR). */
export function dimParse(text: string): Dim {
  const src = text.replace(/\s+/g, '').replace(/-/g, '+-');
  const terms: [Monomial, number][] = [];
  for (const raw of src.split('+').filter((t) => t.length > 0)) {
    let coeff = 1;
    const syms: string[] = [];
    let t = raw;
    if (t.startsWith('-')) {
      coeff = -1;
      t = t.slice(1);
    }
    for (const f of t.split('*')) {
      if (/^\d+$/.test(f)) coeff *= Number(f);
      else syms.push(f);
    }
    terms.push([syms.sort(), coeff]);
  }
  return normalize(terms);
}
