/** The median of a few timings: robust to the odd slow run on a shared machine. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of no timings');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
