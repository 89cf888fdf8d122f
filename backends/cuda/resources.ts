/**
 * Per-kernel resource usage from ptxas's verbose output (`nvcc --resource-usage`), one record per entry and
 * architecture. The lines look like
 *
 *   ptxas info    : Compiling entry function 'softmax_f32_6e54fd2cd8' for 'sm_90'
 *   ptxas info    : Function properties for softmax_f32_6e54fd2cd8
 *       0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
 *   ptxas info    : Used 24 registers, used 1 barriers, 512 bytes smem, 380 bytes cmem[0]
 *
 * and fields come and go between architectures and CUDA versions (sm_90 prints no cmem; older ptxas says
 * "used 1 barriers" only when there are some), so each field is read on its own and absent ones are 0.
 */
export interface KernelResources {
  readonly entry: string;
  readonly arch: string;
  readonly registers: number;
  /** Static shared memory per block. */
  readonly sharedBytes: number;
  readonly stackBytes: number;
  readonly spillStores: number;
  readonly spillLoads: number;
  readonly barriers: number;
  readonly constBytes: number;
  /** Local memory per thread (arrays the compiler could not keep in registers). */
  readonly localBytes: number;
}

const num = (line: string, re: RegExp): number => Number(re.exec(line)?.[1] ?? 0);

export function parseResourceUsage(log: string): KernelResources[] {
  const out: KernelResources[] = [];
  let current: { entry: string; arch: string; fields: Partial<Record<keyof KernelResources, number>> } | undefined;
  const flush = () => {
    if (!current) return;
    const f = current.fields;
    out.push({
      entry: current.entry,
      arch: current.arch,
      registers: f.registers ?? 0,
      sharedBytes: f.sharedBytes ?? 0,
      stackBytes: f.stackBytes ?? 0,
      spillStores: f.spillStores ?? 0,
      spillLoads: f.spillLoads ?? 0,
      barriers: f.barriers ?? 0,
      constBytes: f.constBytes ?? 0,
      localBytes: f.localBytes ?? 0,
    });
    current = undefined;
  };
  for (const line of log.split('\n')) {
    const start = /Compiling entry function '([^']+)' for '([^']+)'/.exec(line);
    if (start) {
      flush();
      current = { entry: start[1]!, arch: start[2]!, fields: {} };
      continue;
    }
    if (!current) continue;
    const f = current.fields;
    if (/bytes stack frame/.test(line)) {
      f.stackBytes = num(line, /(\d+) bytes stack frame/);
      f.spillStores = num(line, /(\d+) bytes spill stores/);
      f.spillLoads = num(line, /(\d+) bytes spill loads/);
    }
    if (/\bUsed \d+ registers/.test(line)) {
      f.registers = num(line, /Used (\d+) registers/);
      f.barriers = num(line, /used (\d+) barriers/);
      f.sharedBytes = num(line, /(\d+) bytes smem/);
      f.constBytes = num(line, /(\d+) bytes cmem\[0\]/);
      f.localBytes = num(line, /(\d+) bytes lmem/);
    }
  }
  flush();
  return out;
}

/** A fixed-width table of resource records, for test logs and the benchmark. */
export function resourceTable(rows: readonly KernelResources[]): string {
  const head = ['arch', 'regs', 'smem', 'stack', 'spill st/ld', 'entry'];
  const body = rows.map((r) => [r.arch, `${r.registers}`, `${r.sharedBytes}`, `${r.stackBytes}`, `${r.spillStores}/${r.spillLoads}`, r.entry]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  return [head, ...body].map((cells) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}
