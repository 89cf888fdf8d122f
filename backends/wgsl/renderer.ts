/**
 * Kernel IR → WGSL. A printer over the shared C-style walk: WGSL's type names, literal suffixes, `select`, builtins
 * and declarations, and nothing that decides what a kernel computes.
 *
 * Layout every kernel follows (the runtime builds its bind group layout from the same kernel): storage buffers at
 * bindings 0..n-1 in `kernel.buffers` order, then the sizes as one uniform struct of u32 fields at binding n.
 */
import type { Kernel, MathFn, Scalar, ThreadIndex, Type } from '../../compiler/kernel/ir.ts';
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
    'select bitcast workgroupBarrier'
  ).split(' '),
);

const BITS_FN = 'dslc_f32_bits';

/** The shortest decimal that reads back as the same f32 (`1e-12`, not the double `9.999999960041972e-13`). */
function shortestF32(f: number): string {
  for (let p = 1; p < 17; p++) {
    const s = String(Number(f.toPrecision(p)));
    if (Math.fround(Number(s)) === f) return s;
  }
  return String(f);
}

export class WgslRenderer extends CStyleRenderer {
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
    if (/dslc_f32_bits\(/.test(body)) decls.push(`fn ${BITS_FN}(bits: u32) -> f32 {\n  return bitcast<f32>(bits);\n}\n`);
    if (kernel.uniforms.length > 0) {
      decls.push(`struct Sizes {\n${kernel.uniforms.map((u) => `  ${this.name(u)}: u32,`).join('\n')}\n}\n`);
    }
    kernel.buffers.forEach((b, i) => {
      const access = b.write ? 'read_write' : 'read';
      decls.push(`@group(0) @binding(${i}) var<storage, ${access}> ${this.name(b.name)}: array<${this.type(b.t)}>;`);
    });
    if (kernel.uniforms.length > 0) decls.push(`@group(0) @binding(${kernel.buffers.length}) var<uniform> dslc_u: Sizes;`);
    for (const s of kernel.shared) decls.push(`var<workgroup> ${this.name(s.name)}: array<${this.type(s.t)}, ${s.size}>;`);
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

const shared = new WgslRenderer();

/** WGSL source of one kernel. */
export function renderWgsl(kernel: Kernel): string {
  return shared.render(kernel);
}

