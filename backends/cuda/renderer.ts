/**
 * Kernel IR → CUDA C++. A printer over the shared C-style walk (backends/render/c-style.ts), like the WGSL one: CUDA's
 * type names, literals, builtins and declarations, and nothing that decides what a kernel computes.
 *
 * Where CUDA C++ and WGSL differ in meaning rather than spelling, the kernel keeps WGSL's meaning, because both
 * backends must compute what the CPU reference does: i32 arithmetic wraps (signed overflow is undefined in C++),
 * i32 division by zero or of INT_MIN by -1 gives the dividend (it is undefined in C++ and traps on x86, which the
 * host emulation runs on), float→int conversion saturates with NaN→0, and clamp lets NaN through. Those are the
 * `dslc_*` helpers of prelude.ts, emitted only into modules that call them.
 *
 * Every kernel is `extern "C"` so the runtime finds it by a plain name: the IR's descriptive name plus a hash of the
 * kernel's text, so equal kernels get equal names in every program (and share compiled code and caches) while
 * different kernels that happen to share a description do not clash in one module.
 */
import { createHash } from 'node:crypto';
import type { Expr, Kernel, MathFn, Scalar, StorageType, ThreadIndex, Type } from '../../compiler/kernel/ir.ts';
import { isVector } from '../../compiler/kernel/ir.ts';
import { CStyleRenderer } from '../render/c-style.ts';
import { pruneUnusedLets } from './prune.ts';
import { code } from '../render/code.ts';
import type { WmmaStmt } from '../../compiler/kernel/wmma.ts';
import { wmmaText } from './wmma.ts';
import { RESERVED } from './reserved.ts';

const TYPES: Record<Type, string> = {
  f32: 'float', i32: 'int', u32: 'unsigned', bool: 'bool', f32x4: 'float4', i32x4: 'int4', u32x4: 'uint4',
};

/** C element types of buffers: narrow floats are cuda_fp16.h's and cuda_bf16.h's types, i8 a signed byte. */
export const STORAGE_TYPES: Record<StorageType, string> = {
  f32: 'float', i32: 'int', u32: 'unsigned', f32x4: 'float4', i32x4: 'int4', u32x4: 'uint4',
  f16: '__half', bf16: '__nv_bfloat16', i8: 'signed char', f16x4: '__half2', bf16x4: '__nv_bfloat162',
};

/** Float math by CUDA's single-precision names (the accurate ones: no `__expf`, no fast-math). */
const FLOAT_MATH: Record<MathFn, string> = {
  exp: 'expf', log: 'logf', sqrt: 'sqrtf', rsqrt: 'rsqrtf', tanh: 'tanhf', abs: 'fabsf', min: 'fminf', max: 'fmaxf',
  pow: 'powf', floor: 'floorf', clamp: 'dslc_clamp',
};
const INT_MATH: Partial<Record<MathFn, string>> = { abs: 'dslc_abs', min: 'dslc_min', max: 'dslc_max', clamp: 'dslc_clamp' };
const WRAPPING: Partial<Record<string, string>> = { '+': 'dslc_iadd', '-': 'dslc_isub', '*': 'dslc_imul', '/': 'dslc_idiv', '%': 'dslc_irem' };

/** The shortest decimal that reads back as the same f32, spelled as a C float literal (`1.0f`, `1e-12f`). */
export function floatLiteral(v: number): string {
  const f = Math.fround(v);
  if (Number.isNaN(f)) return '__int_as_float(0x7fc00000)';
  if (!Number.isFinite(f)) return `__int_as_float(${f > 0 ? '0x7f800000' : '(int)0xff800000u'})`;
  if (Object.is(f, -0)) return '-0.0f';
  let s = String(f);
  for (let p = 1; p < 17; p++) {
    const t = String(Number(f.toPrecision(p)));
    if (Math.fround(Number(t)) === f) {
      s = t;
      break;
    }
  }
  return `${/[.e]/.test(s) ? s : `${s}.0`}f`;
}

/** A C identifier from a descriptive kernel name. */
const identifier = (s: string): string => s.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(?=[0-9])/, 'k_');

export class CudaRenderer extends CStyleRenderer {
  protected readonly math = FLOAT_MATH;

  override name(n: string): string {
    return RESERVED.has(n) || n.startsWith('__') || n.startsWith('dslc_') ? `${n}_` : n;
  }

  type(t: Type): string {
    return TYPES[t];
  }

  literal(t: Scalar, v: number | boolean): string {
    if (t === 'bool') return v ? 'true' : 'false';
    const x = Number(v);
    if (t === 'f32') return floatLiteral(x);
    if (!Number.isInteger(x)) throw new Error(`CUDA: ${t} literal ${x} is not an integer`);
    if (t === 'i32') return x === -2147483648 ? '(-2147483647 - 1)' : `${x}`;
    if (x < 0) throw new Error(`CUDA: u32 literal ${x} is negative`);
    return `${x}u`;
  }

  /** Groups are numbered x + y * width, as the WGSL side does: the runtime folds large launches onto a 2-D grid. */
  thread(which: ThreadIndex, kernel: Kernel): string {
    const group = 'blockIdx.x + blockIdx.y * gridDim.x';
    if (which === 'local') return 'threadIdx.x';
    if (which === 'group') return `(${group})`;
    return `((${group}) * ${kernel.workgroup}u + threadIdx.x)`;
  }

  uniform(name: string): string {
    return this.name(name);
  }

  override vector(t: Type, parts: string[]): string {
    return `make_${this.type(t)}(${parts.join(', ')})`;
  }

  override expr(e: Expr, kernel: Kernel): string {
    const x = (a: Expr) => this.expr(a, kernel);
    const vectorOp = e.k === 'bin' || e.k === 'un' || e.k === 'call' || e.k === 'cast' || e.k === 'select';
    if (vectorOp && isVector(e.t)) throw new Error(`CUDA: kernel ${kernel.name} computes on ${e.t} (${e.k}); only loads, stores and lanes of vectors are supported`);
    switch (e.k) {
      case 'bin': {
        const wrap = e.a.t === 'i32' ? WRAPPING[e.op] : undefined;
        if (wrap) return `${wrap}(${x(e.a)}, ${x(e.b)})`;
        if (e.op === '%' && e.a.t === 'f32') return `fmodf(${x(e.a)}, ${x(e.b)})`;
        break;
      }
      case 'un':
        if (e.op === 'neg' && e.t === 'i32') return `dslc_isub(0, ${x(e.a)})`;
        break;
      case 'call': {
        const fn = e.t === 'f32' ? FLOAT_MATH[e.fn] : INT_MATH[e.fn];
        if (!fn) throw new Error(`CUDA: kernel ${kernel.name} calls ${e.fn} on ${e.t}`);
        return `${fn}(${e.args.map(x).join(', ')})`;
      }
      case 'cast':
        if (e.a.t === 'f32' && e.t === 'i32') return `__float2int_rz(${x(e.a)})`;
        if (e.a.t === 'f32' && e.t === 'u32') return `__float2uint_rz(${x(e.a)})`;
        if (e.t === 'bool') return `(${x(e.a)} != ${this.literal(e.a.t as Scalar, 0)})`;
        return `static_cast<${this.type(e.t)}>(${x(e.a)})`;
      default:
        break;
    }
    return super.expr(e, kernel);
  }

  /** Narrow floats widen with the intrinsics of cuda_fp16.h / cuda_bf16.h (exact), and round to nearest even. */
  override loadText(t: StorageType, buf: string, i: string, written: boolean): string {
    if (t === 'f16') return `__half2float(${buf}[${i}])`;
    if (t === 'bf16') return `__bfloat162float(${buf}[${i}])`;
    if (t === 'i8') return `static_cast<float>(${buf}[${i}])`;
    // four halves as two half2 loads (prelude.ts)
    if (t === 'f16x4') return `dslc_load_h4(${buf}, ${i})`;
    if (t === 'bf16x4') return `dslc_load_b4(${buf}, ${i})`;
    return super.loadText(t, buf, i, written);
  }

  override storeText(t: StorageType, buf: string, i: string, v: string): string {
    if (t === 'f16') return `${buf}[${i}] = __float2half_rn(${v});`;
    if (t === 'bf16') return `${buf}[${i}] = __float2bfloat16_rn(${v});`;
    if (t === 'f16x4') return `dslc_store_h4(${buf}, ${i}, ${v});`;
    if (t === 'bf16x4') return `dslc_store_b4(${buf}, ${i}, ${v});`;
    return super.storeText(t, buf, i, v);
  }

  declareLet(name: string, t: Type, value: string): string {
    return `const ${this.type(t)} ${name} = ${value};`;
  }

  declareVar(name: string, t: Type, value: string): string {
    return `${this.type(t)} ${name} = ${value};`;
  }

  forHeader(name: string, from: string, to: string, step: string): string {
    return `for (unsigned ${name} = ${from}; ${name} < ${to}; ${name} += ${step})`;
  }

  barrier(): string {
    return '__syncthreads();';
  }

  override intrinsic(s: WmmaStmt, kernel: Kernel): string {
    return wmmaText(s, kernel, (n) => this.name(n), (e) => this.expr(e, kernel));
  }

  /** Every lane of the warp takes part (the IR puts shuffles only where the whole workgroup is). */
  override shuffleXor(name: string, t: Type, v: string, xor: number): string {
    return this.declareLet(name, t, `__shfl_xor_sync(0xffffffffu, ${v}, ${xor})`);
  }

  /**
   * The kernel's source and `extern "C"` name: its description plus a hash of its text, so equal kernels share one
   * name. The text is rendered once with a placeholder that no identifier of the body can be (it is a C++ keyword).
   */
  renderWithEntry(ir: Kernel): { entry: string; source: string } {
    const kernel = pruneUnusedLets(ir);
    const text = this.text(kernel, 'register');
    const entry = `${identifier(kernel.name)}_${createHash('sha256').update(text).digest('hex').slice(0, 10)}`;
    const head = `__launch_bounds__(${kernel.workgroup}) `;
    return { entry, source: text.replace(`${head}register(`, `${head}${entry}(`) };
  }

  private text(kernel: Kernel, entry: string): string {
    const params = [
      ...kernel.buffers.map((b) => `${b.write ? '' : 'const '}${STORAGE_TYPES[b.t]}* __restrict__ ${this.name(b.name)}`),
      ...kernel.uniforms.map((u) => `const unsigned ${this.name(u)}`),
    ];
    // tensor-core loads and stores need 256-bit aligned tiles
    const align = kernel.target === 'cuda' ? '__align__(32) ' : '';
    const shared = kernel.shared.map((s) => `__shared__ ${align}${STORAGE_TYPES[s.t]} ${this.name(s.name)}[${s.size}];`);
    return code`
      // ${kernel.name}
      extern "C" __global__ void __launch_bounds__(${kernel.workgroup}) ${entry}(
        ${params.join(',\n')}
      ) {
        ${[...shared, this.stmts(kernel.body, kernel)]}
      }
    ` + '\n';
  }

  render(kernel: Kernel): string {
    return this.renderWithEntry(kernel).source;
  }
}

const shared = new CudaRenderer();

/** One kernel's CUDA source (without the prelude: see `cudaModuleSource`) and its entry name. */
export function renderCuda(kernel: Kernel): { entry: string; source: string } {
  return shared.renderWithEntry(kernel);
}
