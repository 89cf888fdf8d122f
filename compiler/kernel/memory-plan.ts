/**
 * Memory plan: which intermediate buffers of a schedule share memory, decided by liveness over the launch order.
 *
 * A temp buffer is live from the first launch that touches it to the last (graph outputs to the end of the run).
 * Buffers are placed largest first, each into the slot that grows least among those holding no buffer whose life
 * overlaps its own (greedy by size, as TFLite's arena planner does), or a new slot. A slot's size is the largest of
 * its buffers once the symbols are bound, so one plan serves every batch size and sequence length; sizes are only
 * compared numerically, at a few sample symbol values, to order buffers and pick among slots.
 * Two buffers of one launch never share a slot, so no kernel reads and writes the same memory.
 */
import { type Dim, dimConst, dimDiv, dimEq, dimEval, dimMul, dimSymbols } from '../ir/dim.ts';
import { storageBytes } from './launch.ts';
import type { BufferSpec, Schedule } from './schedule.ts';

export interface MemoryPlan {
  /** Pool slot of each buffer id; -1 for buffers outside the pool (inputs, parameters, constants). */
  readonly slotOf: readonly number[];
  /** Per slot, the sizes (4-byte words) of the buffers that share it. */
  readonly slots: readonly (readonly Dim[])[];
}

/** Sizes in the plan are 4-byte words. */
export const WORD = 4;

/**
 * The 4-byte words a buffer takes: its element count for f32 and i32, fewer for narrow storage when the symbols
 * cannot make the division inexact (BERT's [B, S, 768] halves are B·S·384 words), else one word per element.
 */
export function bufferWords(b: Pick<BufferSpec, 'size' | 'storage'>): Dim {
  const per = storageBytes(b.storage);
  return per === WORD ? b.size : (dimDiv(dimMul(b.size, dimConst(per)), dimConst(WORD)) ?? b.size);
}

/** First and last launch that touch each temp buffer; graph outputs stay live past the last launch. */
export function liveness(s: Schedule): { first: number[]; last: number[] } {
  const first = s.buffers.map(() => -1);
  const last = s.buffers.map(() => -1);
  s.launches.forEach((l, t) =>
    l.buffers.forEach((id) => {
      if (first[id]! < 0) first[id] = t;
      last[id] = t;
    }),
  );
  for (const o of s.outputs) last[o.buffer] = s.launches.length;
  return { first, last };
}

export function planMemory(s: Schedule, hint?: Readonly<Record<string, number>>): MemoryPlan {
  // Sizes are compared summed over a few symbol values (small, typical, large), so a plan made once stays good
  // whether attention's S² or the FFN's 4·H·S dominates; `hint` adds one more.
  const symbols = [...new Set(s.buffers.flatMap((b) => dimSymbols(b.size)))];
  const samples = [8, 64, 512].map((v) => Object.fromEntries(symbols.map((sym) => [sym, v])));
  if (hint) samples.push(Object.fromEntries(symbols.map((sym) => [sym, hint[sym] ?? 64])));
  const sizesAt = (d: Dim) => samples.map((env) => dimEval(d, env));
  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
  const { first, last } = liveness(s);
  const temps = s.buffers
    .filter((b) => b.kind === 'temp')
    .map((b) => {
      const from = Math.max(first[b.id]!, 0);
      const words = bufferWords(b); // narrow storage takes fewer words
      return { id: b.id, size: words, need: sizesAt(words), from, to: Math.max(last[b.id]!, from) };
    });
  type Temp = (typeof temps)[number];
  // Greedy by size: the largest buffers are placed first, each in the slot that grows least among those whose
  // buffers' lives (closed intervals of launches) miss its own, so small buffers fill the gaps big ones leave and
  // buffers of one size class end up sharing. Within a size, by first use: first-fit over intervals in start order
  // uses as few slots as the most buffers live at once. No one order is best for every schedule (narrow storage
  // mixes sizes), so a few orders are tried and the smallest pool kept.
  // `tight`: among slots that grow equally, the one whose buffers end nearest before this one starts (fills gaps in
  // time) rather than the smallest (keeps big slots for big buffers)
  const place = (order: readonly Temp[], tight: boolean) => {
    const slotOf = s.buffers.map(() => -1);
    const slots: { sizes: Dim[]; need: number[]; lives: [number, number][] }[] = [];
    for (const t of order) {
      const fits = (i: number) => slots[i]!.lives.every(([a, b]) => t.to < a || b < t.from);
      const growth = (i: number) => sum(t.need.map((v, j) => Math.max(0, v - slots[i]!.need[j]!)));
      const candidates = slots.map((_, i) => i).filter(fits);
      // least growth first, then the tie-break
      const gap = (i: number) => Math.min(...slots[i]!.lives.map(([a, b]) => (b < t.from ? t.from - b : a - t.to)));
      const tie = tight ? (a: number, b: number) => gap(a) - gap(b) : (a: number, b: number) => sum(slots[a]!.need) - sum(slots[b]!.need);
      let slot = candidates.sort((a, b) => growth(a) - growth(b) || tie(a, b))[0];
      // a new slot when every fitting one would grow by more than the buffer itself needs
      if (slot === undefined || growth(slot) >= sum(t.need)) {
        slot = slots.length;
        slots.push({ sizes: [], need: t.need.map(() => 0), lives: [] });
      }
      const chosen = slots[slot]!;
      if (!chosen.sizes.some((d) => dimEq(d, t.size))) chosen.sizes.push(t.size);
      chosen.need = chosen.need.map((v, j) => Math.max(v, t.need[j]!));
      chosen.lives.push([t.from, t.to]);
      slotOf[t.id] = slot;
    }
    return { plan: { slotOf, slots: slots.map((x) => x.sizes) }, pooled: sum(slots.map((x) => sum(x.need))) };
  };
  const orders = [
    (x: Temp, y: Temp) => sum(y.need) - sum(x.need) || x.from - y.from,
    (x: Temp, y: Temp) => x.from - y.from || sum(y.need) - sum(x.need),
    (x: Temp, y: Temp) => y.to - y.from - (x.to - x.from) || sum(y.need) - sum(x.need),
    (x: Temp, y: Temp) => sum(y.need) * (y.to - y.from + 1) - sum(x.need) * (x.to - x.from + 1) || x.from - y.from,
  ];
  const tried = orders.flatMap((o) => [false, true].map((tight) => place([...temps].sort(o), tight)));
  return tried.reduce((best, t) => (t.pooled < best.pooled ? t : best)).plan;
}

/** Bytes of each slot for bound symbols. */
export function slotBytes(plan: MemoryPlan, env: Readonly<Record<string, number>>): number[] {
  return plan.slots.map((sizes) => WORD * Math.max(0, ...sizes.map((d) => dimEval(d, env))));
}

export interface MemoryReport {
  readonly params: number;
  readonly consts: number;
  readonly inputs: number;
  /** The pool the plan allocates: the sum of its slots. */
  readonly pooled: number;
  /** What the intermediates would take with a buffer each. */
  readonly unshared: number;
  /** The most intermediate bytes live at any one launch: the least any plan could allocate. */
  readonly liveMax: number;
  readonly slots: number;
  readonly temps: number;
  readonly launches: number;
  readonly kernels: number;
}

/** Device memory of a schedule and its plan for bound symbols, in bytes. */
export function memoryReport(s: Schedule, plan: MemoryPlan, env: Readonly<Record<string, number>>): MemoryReport {
  const size = (id: number) => WORD * dimEval(bufferWords(s.buffers[id]!), env);
  const sum = (kind: string) => s.buffers.filter((b) => b.kind === kind).reduce((acc, b) => acc + size(b.id), 0);
  const { first, last } = liveness(s);
  let liveMax = 0;
  for (let t = 0; t < s.launches.length; t++) {
    const live = s.buffers.filter((b) => b.kind === 'temp' && first[b.id]! <= t && t <= last[b.id]!);
    liveMax = Math.max(liveMax, live.reduce((acc, b) => acc + size(b.id), 0));
  }
  return {
    params: sum('param'),
    consts: sum('const'),
    inputs: sum('input'),
    pooled: slotBytes(plan, env).reduce((a, b) => a + b, 0),
    unshared: sum('temp'),
    liveMax,
    slots: plan.slots.length,
    temps: s.buffers.filter((b) => b.kind === 'temp').length,
    launches: s.launches.length,
    kernels: s.kernels.length,
  };
}
