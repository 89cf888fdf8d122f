/** Text rendering of fuzz summaries: the outcome table and the grouped problem cases. */
import { type FuzzSummary, groupProblems } from './harness.ts';
import { OUTCOME_KINDS } from './outcome.ts';

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

export function formatTable(summaries: readonly FuzzSummary[]): string {
  const head = ['target', 'cases', ...OUTCOME_KINDS, 'wall s', 'mean ms', 'p99 ms', 'max ms'];
  const rows = summaries.map((s) => [
    s.target,
    String(s.cases),
    ...OUTCOME_KINDS.map((k) => String(s.counts[k])),
    (s.wallMs / 1000).toFixed(1),
    s.caseMs.mean.toFixed(1),
    s.caseMs.p99.toFixed(0),
    s.caseMs.max.toFixed(0),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? pad(c, widths[i]!) : lpad(c, widths[i]!))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function formatSlowest(s: FuzzSummary): string {
  return [`${s.target}: slowest cases`, ...s.slowest.map((r) => `  ${Math.round(r.outcome.ms ?? 0)} ms  case ${r.index} [${r.outcome.kind}]: ${r.desc.slice(0, 160)}`)].join('\n');
}

export function formatProblems(s: FuzzSummary, maxGroups = 30): string {
  const groups = groupProblems(s.problems);
  if (groups.length === 0) return `${s.target}: no problems`;
  const out = [`${s.target}: ${s.problems.length} problem cases in ${groups.length} groups (replay: --target ${s.target} --seed ${s.seed} --case N)`];
  for (const g of groups.slice(0, maxGroups)) {
    const { index, desc, outcome: o } = g.first;
    out.push('');
    out.push(`  [${o.kind}] x${g.count}  ${g.sig}`);
    out.push(`    first: case ${index}: ${desc}`);
    if (o.message) out.push(`    message: ${o.message.split('\n').join('\n             ')}`);
    if (o.reason) out.push(`    reason: ${o.reason}`);
    if (o.stack && o.kind === 'crash') out.push(o.stack.split('\n').map((l) => `      ${l.trim()}`).join('\n'));
  }
  if (groups.length > maxGroups) out.push(`  … ${groups.length - maxGroups} more groups`);
  return out.join('\n');
}

