/**
 * Text form of a schedule and its memory plan (`--dump=kernel`): one line per buffer and per launch, sizes as the
 * symbolic dims they are, so a dump reads the same for every batch size. Kernel bodies are best read as rendered
 * target code (`--dump=wgsl`); here each kernel appears once, by number and name.
 */
import { dimToString } from '../ir/dim.ts';
import type { MemoryPlan } from './memory-plan.ts';
import type { Schedule } from './schedule.ts';

export function printSchedule(s: Schedule, plan?: MemoryPlan): string {
  const kernelNo = new Map(s.kernels.map((k, i) => [k, i]));
  const lines = [`schedule ${s.graph.entry} [${s.graph.symbols.join(', ')}]: ${s.launches.length} launches, ${s.kernels.length} kernels`];
  s.kernels.forEach((k, i) => lines.push(`  kernel k${i} ${k.name} (workgroup ${k.workgroup}, uniforms ${k.uniforms.join(' ') || '-'})`));
  for (const b of s.buffers) {
    const slot = plan && plan.slotOf[b.id]! >= 0 ? ` slot ${plan.slotOf[b.id]}` : '';
    const what = b.name ? ` "${b.name}"` : b.value !== undefined ? ` = ${b.value}` : b.node !== undefined ? ` %${b.node}` : ' scratch';
    lines.push(`  buffer b${b.id} ${b.kind} ${b.storage}[${dimToString(b.size)}]${what}${slot}`);
  }
  for (const l of s.launches) {
    const uniforms = l.kernel.uniforms.map((u, i) => `${u}=${dimToString(l.uniforms[i]!)}`).join(' ');
    const grid = l.groups.map((g) => (g.per === 1 ? dimToString(g.dim) : `ceil(${dimToString(g.dim)}/${g.per})`)).join(' * ');
    lines.push(`  launch k${kernelNo.get(l.kernel)} ${l.kernel.name}(${l.buffers.map((b) => `b${b}`).join(', ')}) ${uniforms} grid ${grid}  # %${l.node}`);
  }
  for (const o of s.outputs) lines.push(`  return ${o.name} = b${o.buffer}`);
  if (plan) lines.push(`  plan ${plan.slots.map((sizes, i) => `slot ${i} = max(${sizes.map(dimToString).join(', ')})`).join('; ')}`);
  return lines.join('\n');
}
