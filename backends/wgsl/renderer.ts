/**
 * Kernel IR → WGSL. A printer over the shared C-style walk: WGSL's type names, literal suffixes, `select`, builtins
 * and declarations, and nothing that decides what a kernel computes.
 *
 * Layout every kernel follows (the runtime builds its bind group layout from the same kernel): storage buffers at
 * bindings 0..n-1 in `kernel.buffers` order, then the sizes as one uniform struct of u32 fields at binding n.
 */
import type { Kernel, MathFn, Scalar, StorageType, ThreadIndex, Type } from '../../compiler/kernel/ir.ts';
import { isNarrow } from '../../compiler/kernel/ir.ts';
import { code } from '../render/code.ts';
import { CStyleRenderer } from '../render/c-style.ts';

const TYPES: Record<Type, string> = {
  f32: 'f32', i32: 'i32', u32: 'u32', bool: 'bool', f32x4: 'vec4<f32>', i32x4: 'vec4<i32>', u32x4: 'vec4<u32>',
};

/** WGSL keywords, reserved words and the builtins kernels call: an IR name equal to one gets a trailing `_`. */
const RESERVED = new Set(
  (
    'alias break case const const_assert continue continuing default diagnostic discard else enable false fn for if let ' +
    'loop override requires return struct switch true var while NULL Self abstract active alignas alignof as asm ' +
    'async attribute auto await become binding_array cast catch class co_await co_return co_yield coherent concept ' +
    'const_cast consteval constexpr constinit crate debugger decltype delete demote do dynamic_cast enum explicit ' +
    'export extends extern external fallthrough filter final finally friend from fxgroup get goto groupshared highp ' +
    'impl implements import inline instanceof interface layout lowp macro macro_rules match mediump meta mod module ' +
    'move mut mutable namespace new nil noexcept noinline nointerpolation noperspective null nullptr of operator ' +
    'package packoffset partition pass patch pixelfragment precise precision premerge priv protected pub public ' +
    'readonly ref regardless register reinterpret_cast require resource restrict self set shared sizeof smooth snorm ' +
    'static static_assert static_cast std subroutine super target template this thread_local throw trait try type ' +
    'typedef typeid typename typeof union unless unorm unsafe unsized use using varying virtual volatile wgsl where ' +
    'with writeonly yield f32 i32 u32 bool vec4 array exp log sqrt inverseSqrt tanh abs min max pow floor clamp ' +
    'select bitcast workgroupBarrier f16 vec2 atomic atomicLoad atomicAnd atomicOr pack2x16float unpack2x16float extractBits'
  ).split(' '),
);

const BITS_FN = 'dslc_f32_bits';

/**
 * Narrow floats without native types: halves (f16, bf16) two per u32 word and bytes (i8) four per word, element 0
 * in the low bits (the little-endian layout a `__half*` or `signed char*` has, so one upload serves every variant).
 * A word written by the kernel is shared by two threads' elements, so it is an atomic<u32> and each thread clears
 * and sets only its own half: the two halves' updates commute, whatever order the threads run in.
 */
const PACKED_HELPERS: Readonly<Record<string, string>> = {
  dslc_bf16_bits: `fn dslc_bf16_bits(v: f32) -> u32 {
  let b = bitcast<u32>(v);
  return select((b + 0x7fffu + ((b >> 16u) & 1u)) >> 16u, 0x7fc0u, v != v);
}
`,
  dslc_f16_bits: `fn dslc_f16_bits(v: f32) -> u32 {
  return pack2x16float(vec2<f32>(v, 0.0f)) & 0xffffu;
}
`,
  // four halves in two words that one thread owns: plain loads and stores, no atomics
  dslc_f16x4: `fn dslc_f16x4(w: vec2<u32>) -> vec4<f32> {
  return vec4<f32>(unpack2x16float(w.x), unpack2x16float(w.y));
}
`,
  dslc_f16x4_bits: `fn dslc_f16x4_bits(v: vec4<f32>) -> vec2<u32> {
  return vec2<u32>(pack2x16float(v.xy), pack2x16float(v.zw));
}
`,
  dslc_bf16x4: `fn dslc_bf16x4(w: vec2<u32>) -> vec4<f32> {
  return bitcast<vec4<f32>>(vec4<u32>(w.x << 16u, w.x & 0xffff0000u, w.y << 16u, w.y & 0xffff0000u));
}
`,
  dslc_bf16x4_bits: `fn dslc_bf16x4_bits(v: vec4<f32>) -> vec2<u32> {
  let b = bitcast<vec4<u32>>(v);
  let r = select((b + vec4<u32>(0x7fffu) + ((b >> vec4<u32>(16u)) & vec4<u32>(1u))) >> vec4<u32>(16u), vec4<u32>(0x7fc0u), v != v);
  return vec2<u32>(r.x | (r.y << 16u), r.z | (r.w << 16u));
}
`,
};

export interface WgslOptions {
  /** Render f16 buffers as WGSL's native `f16` (`enable f16;`, adapters with `shader-f16`) instead of packed words. */
  readonly f16?: boolean;
}

/** The shortest decimal that reads back as the same f32 (`1e-12`, not the double `9.999999960041972e-13`). */
function shortestF32(f: number): string {
  for (let p = 1; p < 17; p++) {
    const s = String(Number(f.toPrecision(p)));
    if (Math.fround(Number(s)) === f) return s;
  }
  return String(f);
}

export class WgslRenderer extends CStyleRenderer {
  constructor(private readonly options: WgslOptions = {}) {
    super();
  }

  protected readonly math: Record<MathFn, string> = {
    exp: 'exp', log: 'log', sqrt: 'sqrt', rsqrt: 'inverseSqrt', tanh: 'tanh', abs: 'abs', min: 'min', max: 'max',
    pow: 'pow', floor: 'floor', clamp: 'clamp',
  };

  override name(n: string): string {
    return RESERVED.has(n) ? `${n}_` : n;
  }

  type(t: Type): string {
    return TYPES[t];
  }

  /**
   * Infinities and NaN are not allowed in WGSL constant expressions, so they come from a bit pattern passed through
   * a function parameter (which makes the value a runtime one).
   */
  literal(t: Scalar, v: number | boolean): string {
    if (t === 'bool') return v ? 'true' : 'false';
    const x = Number(v);
    if (t === 'f32') {
      const f = Math.fround(x);
      if (Number.isNaN(f)) return `${BITS_FN}(0x7fc00000u)`;
      if (!Number.isFinite(f)) return `${BITS_FN}(${f > 0 ? '0x7f800000u' : '0xff800000u'})`;
      return `${Object.is(f, -0) ? '-0.0' : shortestF32(f)}f`;
    }
    if (!Number.isInteger(x)) throw new Error(`WGSL: ${t} literal ${x} is not an integer`);
    if (t === 'i32') return x === -2147483648 ? '(-2147483647i - 1i)' : `${x}i`;
    if (x < 0) throw new Error(`WGSL: u32 literal ${x} is negative`);
    return `${x}u`;
  }

  thread(which: ThreadIndex, kernel: Kernel): string {
    const group = 'dslc_wid.x + dslc_wid.y * dslc_nwg.x';
    if (which === 'local') return 'dslc_lid';
    if (which === 'group') return `(${group})`;
    return `((${group}) * ${kernel.workgroup}u + dslc_lid)`;
  }

  uniform(name: string): string {
    return `dslc_u.${this.name(name)}`;
  }

  private native(t: StorageType): boolean {
    return (t === 'f16' || t === 'f16x4') && this.options.f16 === true;
  }

  /** The element type of a storage buffer's array. */
  private arrayType(t: StorageType, written: boolean): string {
    if (this.native(t)) return t === 'f16x4' ? 'vec4<f16>' : 'f16';
    if (t === 'f16x4' || t === 'bf16x4') return 'vec2<u32>';
    if (isNarrow(t)) return written ? 'atomic<u32>' : 'u32';
    return this.type(t as Type);
  }

  override loadText(t: StorageType, buf: string, i: string, written: boolean): string {
    if (!isNarrow(t)) return super.loadText(t, buf, i, written);
    if (this.native(t)) return `${t === 'f16x4' ? 'vec4<f32>' : 'f32'}(${buf}[${i}])`;
    if (t === 'f16x4' || t === 'bf16x4') return `dslc_${t}(${buf}[${i}])`;
    const perWord = t === 'i8' ? 4 : 2;
    const word = written ? `atomicLoad(&${buf}[(${i}) / ${perWord}u])` : `${buf}[(${i}) / ${perWord}u]`;
    const shift = `(((${i}) % ${perWord}u) * ${32 / perWord}u)`;
    if (t === 'i8') return `f32(extractBits(bitcast<i32>(${word}), ${shift}, 8u))`;
    if (t === 'bf16') return `bitcast<f32>((${word} >> ${shift}) << 16u)`;
    return `unpack2x16float(${word} >> ${shift}).x`;
  }

  override storeText(t: StorageType, buf: string, i: string, v: string): string {
    if (!isNarrow(t)) return super.storeText(t, buf, i, v);
    if (this.native(t)) return `${buf}[${i}] = ${t === 'f16x4' ? 'vec4<f16>' : 'f16'}(${v});`;
    if (t === 'f16x4' || t === 'bf16x4') return `${buf}[${i}] = dslc_${t}_bits(${v});`;
    const bits = t === 'bf16' ? 'dslc_bf16_bits' : 'dslc_f16_bits';
    return [
      '{',
      `  let dslc_at = ${i};`,
      '  let dslc_shift = (dslc_at % 2u) * 16u;',
      `  atomicAnd(&${buf}[dslc_at / 2u], ~(0xffffu << dslc_shift));`,
      `  atomicOr(&${buf}[dslc_at / 2u], ${bits}(${v}) << dslc_shift);`,
      '}',
    ].join('\n');
  }

  override select(c: string, a: string, b: string): string {
    return `select(${b}, ${a}, ${c})`;
  }

  declareLet(name: string, _t: Type, value: string): string {
    return `let ${name} = ${value};`;
  }

  declareVar(name: string, t: Type, value: string): string {
    return `var ${name}: ${this.type(t)} = ${value};`;
  }

  forHeader(name: string, from: string, to: string, step: string): string {
    return `for (var ${name}: u32 = ${from}; ${name} < ${to}; ${name} += ${step})`;
  }

  barrier(): string {
    return 'workgroupBarrier();';
  }

  render(kernel: Kernel): string {
    const body = this.stmts(kernel.body, kernel);
    const decls: string[] = [];
    if (kernel.buffers.some((b) => this.native(b.t))) decls.push('enable f16;\n');
    if (/dslc_f32_bits\(/.test(body)) decls.push(`fn ${BITS_FN}(bits: u32) -> f32 {\n  return bitcast<f32>(bits);\n}\n`);
    for (const [fn, text] of Object.entries(PACKED_HELPERS)) if (body.includes(`${fn}(`)) decls.push(text);
    if (kernel.uniforms.length > 0) {
      decls.push(`struct Sizes {\n${kernel.uniforms.map((u) => `  ${this.name(u)}: u32,`).join('\n')}\n}\n`);
    }
    kernel.buffers.forEach((b, i) => {
      const access = b.write ? 'read_write' : 'read';
      decls.push(`@group(0) @binding(${i}) var<storage, ${access}> ${this.name(b.name)}: array<${this.arrayType(b.t, b.write)}>;`);
    });
    if (kernel.uniforms.length > 0) decls.push(`@group(0) @binding(${kernel.buffers.length}) var<uniform> dslc_u: Sizes;`);
    for (const s of kernel.shared) decls.push(`var<workgroup> ${this.name(s.name)}: array<${this.arrayType(s.t, true)}, ${s.size}>;`);
    return code`
      // ${kernel.name}
      ${decls}

      @compute @workgroup_size(${kernel.workgroup})
      fn main(
        @builtin(local_invocation_index) dslc_lid: u32,
        @builtin(workgroup_id) dslc_wid: vec3<u32>,
        @builtin(num_workgroups) dslc_nwg: vec3<u32>,
      ) {
        ${body}
      }
    ` + '\n';
  }
}

const packed = new WgslRenderer();
const native = new WgslRenderer({ f16: true });

/** WGSL source of one kernel; with `f16`, f16 buffers use the native type (`enable f16;`). */
export function renderWgsl(kernel: Kernel, opts: WgslOptions = {}): string {
  return (opts.f16 ? native : packed).render(kernel);
}

/** True when the kernel has an f16 buffer, so its `shader-f16` variant differs from the packed one. */
export const usesF16 = (kernel: Kernel): boolean => kernel.buffers.some((b) => b.t === 'f16' || b.t === 'f16x4');

