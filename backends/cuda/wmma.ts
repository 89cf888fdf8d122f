/**
 * Tensor-core statements (compiler/kernel/wmma.ts) as CUDA's `nvcuda::wmma` API from <mma.h>: m16n16k16 fragments of
 * `__half` or `__nv_bfloat16` operands with `float` accumulators, loaded from and stored to shared memory. The host
 * emulation gives the same calls their meaning with per-thread whole-tile fragments (host-emulation/dslc_emu_wmma.h).
 */
import type { Kernel } from '../../compiler/kernel/ir.ts';
import type { FragmentUse, WmmaStmt } from '../../compiler/kernel/wmma.ts';
import { STORAGE_TYPES } from './renderer.ts';

const NS = 'nvcuda::wmma';
const USE: Record<FragmentUse, string> = { a: `${NS}::matrix_a`, b: `${NS}::matrix_b`, acc: `${NS}::accumulator` };

/** One tensor-core statement as CUDA C++; `name` and `expr` are the renderer's spellings of identifiers and values. */
export function wmmaText(s: WmmaStmt, kernel: Kernel, name: (n: string) => string, expr: (e: Extract<WmmaStmt, { k: 'wmma_load' }>['at']) => string): string {
  if (kernel.target !== 'cuda') throw new Error(`CUDA: kernel ${kernel.name} uses ${s.k} but is not marked for CUDA`);
  switch (s.k) {
    case 'wmma_fragment': {
      const layout = s.use === 'acc' ? '' : `, ${NS}::${s.layout}_major`;
      return `${NS}::fragment<${USE[s.use]}, 16, 16, 16, ${STORAGE_TYPES[s.t]}${layout}> ${name(s.name)};`;
    }
    case 'wmma_zero':
      return `${NS}::fill_fragment(${name(s.frag)}, 0.0f);`;
    case 'wmma_load':
      return `${NS}::load_matrix_sync(${name(s.frag)}, ${name(s.array)} + (${expr(s.at)}), ${s.ld});`;
    case 'wmma_mma':
      return `${NS}::mma_sync(${name(s.acc)}, ${name(s.a)}, ${name(s.b)}, ${name(s.acc)});`;
    case 'wmma_store':
      return `${NS}::store_matrix_sync(${name(s.array)} + (${expr(s.at)}), ${name(s.frag)}, ${s.ld}, ${NS}::mem_row_major);`;
  }
}
