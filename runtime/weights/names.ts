/** Small helpers for naming tensors in error messages. */

/** Formats a list of names for a message: quoted, comma-separated, at most `limit` shown, then "and N more". */
export function listNames(names: readonly string[], limit = 20): string {
  const shown = names.slice(0, limit).map((n) => JSON.stringify(n));
  const more = names.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}

/** The candidates most similar to `target` (edit distance), best first; distant candidates are left out. */
export function closestNames(target: string, candidates: Iterable<string>, limit = 3): string[] {
  const scored: { name: string; d: number }[] = [];
  for (const name of candidates) {
    const d = editDistance(target, name);
    // A suggestion further away than half the name's length is noise rather than a likely typo or prefix slip.
    if (d <= Math.max(3, Math.ceil(target.length / 2))) scored.push({ name, d });
  }
  scored.sort((a, b) => a.d - b.d || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return scored.slice(0, limit).map((s) => s.name);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const subst = prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur[j] = Math.min(subst, prev[j]! + 1, cur[j - 1]! + 1);
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** A short, safe rendering of an arbitrary JSON value for "got ..." in messages. */
export function showValue(v: unknown): string {
  let s: string;
  try {
    s = v === undefined ? 'nothing' : (JSON.stringify(v) ?? String(v));
  } catch {
    // Deeply nested input overflows JSON.stringify's recursion; the kind of value is still worth saying.
    s = Array.isArray(v) ? 'a deeply nested array' : `a ${typeof v}`;
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
