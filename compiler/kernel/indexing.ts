/**
 * Strided views with symbolic dims: the one indexing idea behind broadcasting, permute, expand, slice and concat.
 *
 * A view is an iteration shape plus, per operand, one stride per axis (0 where the operand is broadcast). Before a
 * kernel is written, axes are collapsed wherever every operand steps through them contiguously, so `[B, S, H] + [H]`
 * indexes as `[B*S, H]` and a same-shape add needs no index arithmetic at all. Constant 0 and 1 strides are kept in
 * the kernel (they are structure); every other size and stride is a uniform.
 */
import { type Dim, dimConst, dimEq, dimMul, dimValue } from '../ir/dim.ts';
import { add, div, mod, mul, u32 } from './expr.ts';
import type { Expr } from './ir.ts';
import type { LaunchBuilder } from './launch.ts';

const ZERO = dimConst(0);
const ONE = dimConst(1);

export function contiguousStrides(shape: readonly Dim[]): Dim[] {
  const out = new Array<Dim>(shape.length);
  let s = ONE;
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = s;
    s = dimMul(s, shape[i]!);
  }
  return out;
}

/** Strides reading `inShape` (aligned right, size-1 axes stretched) as `outShape`. */
export function broadcastStrides(inShape: readonly Dim[], outShape: readonly Dim[]): Dim[] {
  const inner = contiguousStrides(inShape);
  const lead = outShape.length - inShape.length;
  if (lead < 0) throw new Error(`kernel lowering: cannot broadcast rank ${inShape.length} to rank ${outShape.length}`);
  return outShape.map((_, o) => {
    const i = o - lead;
    return i < 0 || dimValue(inShape[i]!) === 1 ? ZERO : inner[i]!;
  });
}

/** Drops size-1 axes and merges neighbours that every stride set walks contiguously. */
export function collapse(shape: readonly Dim[], strides: readonly (readonly Dim[])[]): { shape: Dim[]; strides: Dim[][] } {
  const keep = shape.map((_, i) => i).filter((i) => dimValue(shape[i]!) !== 1);
  let outShape = keep.map((i) => shape[i]!);
  let outStrides = strides.map((s) => keep.map((i) => s[i]!));
  for (let d = outShape.length - 2; d >= 0; d--) {
    const inner = outShape[d + 1]!;
    if (!outStrides.every((s) => dimEq(s[d]!, dimMul(s[d + 1]!, inner)))) continue;
    outShape = [...outShape.slice(0, d), dimMul(outShape[d]!, inner), ...outShape.slice(d + 2)];
    outStrides = outStrides.map((s) => [...s.slice(0, d), s[d + 1]!, ...s.slice(d + 2)]);
  }
  return { shape: outShape, strides: outStrides };
}

export const isZero = (d: Dim): boolean => dimValue(d) === 0;
export const isContiguous = (shape: readonly Dim[], strides: readonly Dim[]): boolean =>
  contiguousStrides(shape).every((s, i) => dimEq(s, strides[i]!));

/** A stride as an expression: literal when it is 0 or 1, a uniform otherwise. */
export function strideExpr(lb: LaunchBuilder, name: string, d: Dim): Expr {
  const v = dimValue(d);
  return v === 0 || v === 1 ? u32(v) : lb.size(name, d);
}

/**
 * Emits the offsets of flat position `i` of the iteration `shape` into each operand (`strides[o]`), plus `base[o]`.
 * Coordinates are peeled from the innermost axis; the outermost needs no modulo because `i` is in bounds.
 */
export function stridedOffsets(
  lb: LaunchBuilder,
  i: Expr,
  shape: readonly Dim[],
  strides: readonly (readonly Dim[])[],
  base: readonly Expr[] = strides.map(() => u32(0)),
): Expr[] {
  const offsets = [...base];
  const used = (d: number) => strides.some((s) => !isZero(s[d]!));
  // The quotient is only worth computing while an outer axis still needs its coordinate.
  const outerUsed = shape.map((_, d) => shape.slice(0, d).some((_, e) => used(e)));
  let rest = i;
  for (let d = shape.length - 1; d >= 0; d--) {
    const size = d > 0 && (used(d) || outerUsed[d]) ? lb.size(`d${d}`, shape[d]!) : undefined;
    if (used(d)) {
      const coord = size ? lb.k.let(`c${d}`, mod(rest, size)) : rest;
      strides.forEach((s, o) => {
        if (!isZero(s[d]!)) offsets[o] = add(offsets[o]!, mul(coord, strideExpr(lb, `s${o}_${d}`, s[d]!)));
      });
    }
    if (!outerUsed[d]) break;
    rest = lb.k.let(`q${d}`, div(rest, size!));
  }
  return offsets;
}
