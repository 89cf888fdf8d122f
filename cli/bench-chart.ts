/**
 * The SVG chart of `dslc bench --chart`: on the left the device's measured roofline (log-log, FLOP/byte against
 * GFLOP/s) with every kernel that does arithmetic as a dot per variant; on the right the time per kernel as bars,
 * variants side by side. Plain SVG 1.1 text, no scripts or external resources, so a README can embed it.
 */
import type { BenchReport } from './bench-format.ts';

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd'];
const W = 1080;
const PANEL = 460;
const TOP = 70;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (x: number): string => (Math.round(x * 10) / 10).toString();
const text = (x: number, y: number, s: string, attrs = ''): string => `<text x="${num(x)}" y="${num(y)}"${attrs ? ` ${attrs}` : ''}>${esc(s)}</text>`;

function logScale(lo: number, hi: number, from: number, to: number): (v: number) => number {
  const [a, b] = [Math.log10(lo), Math.log10(hi)];
  return (v) => from + ((Math.log10(v) - a) / (b - a)) * (to - from);
}

function roofPanel(r: BenchReport, x0: number, y0: number): string[] {
  const roof = r.roofline;
  const points = r.variants.flatMap((v, vi) => v.kernels.filter((k) => k.flops > 0 && k.gflops > 0).map((k) => ({ vi, k })));
  const out = [text(x0, y0 - 12, 'Roofline: GFLOP/s against FLOP/byte (log-log)', 'font-weight="bold"')];
  if (points.length === 0) return [...out, text(x0, y0 + 20, 'no kernel with FLOPs')];
  const xs = points.map((p) => p.k.intensity);
  const ys = points.map((p) => p.k.gflops);
  const ridge = roof ? roof.gflops / roof.gbs : 1;
  const xlo = 10 ** Math.floor(Math.log10(Math.min(...xs, ridge) / 2));
  const xhi = 10 ** Math.ceil(Math.log10(Math.max(...xs, ridge) * 2));
  const ylo = 10 ** Math.floor(Math.log10(Math.min(...ys) / 2));
  const yhi = 10 ** Math.ceil(Math.log10(Math.max(...ys, roof?.gflops ?? 0) * 1.5));
  const sx = logScale(xlo, xhi, x0, x0 + PANEL);
  const sy = logScale(ylo, yhi, y0 + PANEL, y0);
  out.push(`<rect x="${x0}" y="${y0}" width="${PANEL}" height="${PANEL}" fill="none" stroke="#888"/>`);
  for (let e = Math.log10(xlo); e <= Math.log10(xhi); e++) {
    out.push(`<line x1="${num(sx(10 ** e))}" y1="${y0}" x2="${num(sx(10 ** e))}" y2="${y0 + PANEL}" stroke="#eee"/>`, text(sx(10 ** e) - 8, y0 + PANEL + 16, `1e${e}`, 'font-size="11"'));
  }
  for (let e = Math.log10(ylo); e <= Math.log10(yhi); e++) {
    out.push(`<line x1="${x0}" y1="${num(sy(10 ** e))}" x2="${x0 + PANEL}" y2="${num(sy(10 ** e))}" stroke="#eee"/>`, text(x0 - 36, sy(10 ** e) + 4, `1e${e}`, 'font-size="11"'));
  }
  out.push(text(x0 + PANEL / 2 - 40, y0 + PANEL + 34, 'FLOP / byte'), text(x0 + 6, y0 + 14, 'GFLOP/s', 'font-size="11"'));
  if (roof) {
    const clampX = (v: number) => Math.max(xlo, Math.min(xhi, v));
    const a = clampX(ylo / roof.gbs);
    const path = `M${num(sx(a))},${num(sy(a * roof.gbs))} L${num(sx(ridge))},${num(sy(roof.gflops))} L${num(sx(xhi))},${num(sy(roof.gflops))}`;
    out.push(`<path d="${path}" fill="none" stroke="#444" stroke-width="2"/>`);
    out.push(text(sx(xhi) - 150, sy(roof.gflops) - 6, `${roof.gflops.toFixed(2)} GFLOP/s`, 'font-size="11"'));
    out.push(text(sx(a) + 4, sy(a * roof.gbs) - 8, `${roof.gbs.toFixed(1)} GB/s`, 'font-size="11"'));
  }
  for (const { vi, k } of points) {
    out.push(`<circle cx="${num(sx(k.intensity))}" cy="${num(sy(k.gflops))}" r="5" fill="${COLORS[vi % COLORS.length]}" fill-opacity="0.7"><title>${esc(`${r.variants[vi]!.label}: ${k.kernel}, ${k.gflops.toFixed(2)} GFLOP/s at ${k.intensity.toFixed(1)} FLOP/B`)}</title></circle>`);
  }
  return out;
}

function barPanel(r: BenchReport, x0: number, y0: number, rowsShown: readonly string[]): string[] {
  const out = [text(x0, y0 - 12, 'Time per kernel (ms, sum over its launches)', 'font-weight="bold"')];
  const n = r.variants.length;
  const band = 12 * n + 8;
  const max = Math.max(1e-9, ...r.variants.flatMap((v) => v.kernels.map((k) => k.ms)));
  const labelW = 230;
  const span = W - x0 - labelW - 70;
  rowsShown.forEach((name, i) => {
    const y = y0 + i * band;
    out.push(text(x0, y + (12 * n) / 2 + 4, name.length > 34 ? `${name.slice(0, 33)}…` : name, 'font-size="11"'));
    r.variants.forEach((v, vi) => {
      const k = v.kernels.find((x) => x.kernel === name);
      if (!k) return;
      const w = Math.max(1, (k.ms / max) * span);
      out.push(`<rect x="${x0 + labelW}" y="${y + vi * 12}" width="${num(w)}" height="10" fill="${COLORS[vi % COLORS.length]}"/>`);
      out.push(text(x0 + labelW + w + 4, y + vi * 12 + 9, k.ms.toFixed(2), 'font-size="10"'));
    });
  });
  return out;
}

/** The chart as SVG text. */
export function benchChart(r: BenchReport): string {
  const names = [...new Set(r.variants.flatMap((v) => v.kernels.map((k) => k.kernel)))];
  const total = (name: string) => r.variants.reduce((s, v) => s + (v.kernels.find((k) => k.kernel === name)?.ms ?? 0), 0);
  const shown = names.sort((a, b) => total(b) - total(a)).slice(0, 16);
  const band = 12 * r.variants.length + 8;
  const height = Math.max(TOP + PANEL + 60, TOP + shown.length * band + 40) + 20 * r.variants.length;
  const v0 = r.variants[0];
  const title = `dslc bench: ${v0 ? `${v0.entry} at ${Object.entries(v0.dims).map(([k, v]) => `${k}=${v}`).join(', ')}` : ''} on ${r.adapter}, ${r.date.slice(0, 10)}`;
  const legend = r.variants.map((v, i) => `<rect x="60" y="${height - 20 * (r.variants.length - i) - 6}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/>${text(78, height - 20 * (r.variants.length - i) + 4, `${v.label}: ${v.totals.kernelMs.toFixed(2)} ms in ${v.totals.dispatches} dispatches`, 'font-size="12"')}`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif" font-size="13">`,
    `<rect width="${W}" height="${height}" fill="white"/>`,
    text(20, 26, title, 'font-size="15" font-weight="bold"'),
    ...roofPanel(r, 60, TOP),
    ...barPanel(r, 580, TOP, shown),
    ...legend,
    '</svg>',
    '',
  ].join('\n');
}
