/**
 * Compile-time values of the elaborator.
 *
 * Elaboration runs the model source once for a given config, like tracing: integers are `Dim`s (so shapes can stay
 * symbolic), tensors are graph nodes, and everything else (strings, bools, modules, records) disappears into the
 * graph's structure. `poison` stands for the result of an expression that already produced a diagnostic, so one
 * mistake is reported once and elaboration continues to find the next.
 */
import type { ConfigDecl, FnMember, ModuleDecl, Span } from '../../dsl/ast.ts';
import { type Dim, dimConst, dimToString, dimValue, shapeToString } from '../ir/dim.ts';
import type { Node } from '../ir/graph.ts';
import type { DType } from '../ir/ops.ts';

export type Value =
  | { readonly kind: 'int'; readonly dim: Dim }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'str'; readonly value: string }
  | { readonly kind: 'none' }
  | { readonly kind: 'tensor'; readonly node: Node }
  | { readonly kind: 'list'; readonly items: readonly Value[] }
  | { readonly kind: 'record'; readonly fields: ReadonlyMap<string, Value> }
  | { readonly kind: 'config'; readonly decl: ConfigDecl; readonly fields: ReadonlyMap<string, Value> }
  | { readonly kind: 'module'; readonly inst: ModuleInstance }
  | { readonly kind: 'modules'; readonly items: readonly ModuleInstance[]; readonly name: string }
  | { readonly kind: 'fn'; readonly inst: ModuleInstance; readonly fn: FnMember }
  | { readonly kind: 'builtin'; readonly name: string }
  | { readonly kind: 'dtype'; readonly dtype: DType }
  | { readonly kind: 'poison' };

export interface ModuleInstance {
  readonly decl: ModuleDecl;
  /** Dotted checkpoint prefix of this instance, '' at the root, e.g. `bert.encoder.layer.3.attention.self`. */
  readonly prefix: string;
  /** Module arguments, lets, params, subs and fns by name. */
  readonly env: Map<string, Value>;
  readonly span: Span;
}

export const POISON: Value = { kind: 'poison' };
export const NONE: Value = { kind: 'none' };
export const intValue = (n: number): Value => ({ kind: 'int', dim: dimConst(n) });
export const boolValue = (value: boolean): Value => ({ kind: 'bool', value });
export const floatValue = (value: number): Value => ({ kind: 'float', value });
export const tensorValue = (node: Node): Value => ({ kind: 'tensor', node });

/** How a value is named in messages: `f32[B, S, 768]`, `int 12`, `module BertLayer`. */
export function describe(v: Value): string {
  switch (v.kind) {
    case 'int':
      return `int ${dimToString(v.dim)}`;
    case 'float':
      return `float ${v.value}`;
    case 'bool':
      return `bool ${v.value}`;
    case 'str':
      return `str "${v.value}"`;
    case 'none':
      return 'none';
    case 'tensor':
      return `${v.node.dtype}${shapeToString(v.node.shape)}`;
    case 'list':
      return `list of ${v.items.length}`;
    case 'record':
      return `record (${[...v.fields.keys()].join(', ')})`;
    case 'config':
      return `config ${v.decl.name}`;
    case 'module':
      return `module ${v.inst.decl.name}`;
    case 'modules':
      return `array of ${v.items.length} ${v.items[0]?.decl.name ?? 'modules'}`;
    case 'fn':
      return `function ${v.inst.decl.name}.${v.fn.name}`;
    case 'builtin':
      return `built-in ${v.name}`;
    case 'dtype':
      return `dtype ${v.dtype}`;
    case 'poison':
      return '<error>';
  }
}

/** JSON-friendly form of a config or module argument, for the graph's `config` record. */
export function toPlain(v: Value): unknown {
  switch (v.kind) {
    case 'int':
      return dimValue(v.dim) ?? dimToString(v.dim);
    case 'float':
    case 'bool':
    case 'str':
      return v.value;
    case 'none':
      return null;
    default:
      return describe(v);
  }
}
