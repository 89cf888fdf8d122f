/**
 * Modules and functions: instantiating a module tree for one config (parameters become graph leaves named by their
 * checkpoint path) and calling a module's function with its signature checked on the way in and out.
 */
import type { Expr, FnMember, FnParam, Member, ModuleDecl, ModuleParam, RecordType, ScalarType, Span, TensorType } from '../../dsl/ast.ts';
import { UserError } from '../../dsl/errors.ts';
import { DiagnosticError, diagnostic } from '../../dsl/diagnostics.ts';
import { type Dim, dimConst, dimEq, dimToString, dimValue } from '../ir/dim.ts';
import { Op } from '../ir/ops.ts';
import type { CallArgs } from './builtins.ts';
import { AssertionFailure, type Elaboration, isStackOverflow, PoisonAbort } from './context.ts';
import { evalExpr, execBlock, knownBool, MAX_UNROLL, Scope, spreadItems } from './evaluate.ts';
import * as T from './tensor-ops.ts';
import { describe, floatValue, type ModuleInstance, NONE, POISON, type Value } from './values.ts';

const DTYPES = new Set(['f32', 'f16', 'bf16', 'i32', 'bool']);

/** A short rendering of simple expressions for messages (`c.num_hidden_layers`). */
const exprText = (e: Expr): string => (e.kind === 'Ident' ? e.name : e.kind === 'Member' ? `${exprText(e.object)}.${e.name}` : e.kind === 'Number' ? String(e.value) : 'expression');

const joinPath = (prefix: string, seg: string): string => (prefix && seg ? `${prefix}.${seg}` : prefix || seg);

/** Evaluates a module-level expression (lets, shapes, sub arguments) in the instance's own scope. */
const moduleScope = (inst: ModuleInstance): Scope => new Scope(inst);

export function instantiate(cx: Elaboration, decl: ModuleDecl, args: Map<string, Value>, prefix: string, span: Span): ModuleInstance {
  const inst: ModuleInstance = { decl, prefix, env: new Map(args), span };
  addMembers(cx, inst, decl.members);
  return inst;
}

function addMembers(cx: Elaboration, inst: ModuleInstance, members: readonly Member[]): void {
  for (const m of members) {
    try {
      addMember(cx, inst, m);
    } catch (e) {
      if (e instanceof AssertionFailure) throw e;
      if (e instanceof DiagnosticError) cx.report(e.diagnostic);
      else if (isStackOverflow(e)) cx.report(diagnostic(m.span, 'this member nests too deeply to compile'));
      else if (!(e instanceof PoisonAbort)) throw e;
      if (m.kind !== 'IfMember') inst.env.set(m.name, POISON);
    }
  }
}

function addMember(cx: Elaboration, inst: ModuleInstance, m: Member): void {
  if (m.kind !== 'IfMember' && inst.env.has(m.name)) {
    cx.fail(m.span, `'${m.name}' is already defined in module ${inst.decl.name}`);
  }
  switch (m.kind) {
    case 'LetMember':
      inst.env.set(m.name, evalExpr(cx, moduleScope(inst), m.value));
      return;
    case 'ParamMember': {
      const shape = tensorShape(cx, moduleScope(inst), m.type);
      const [name, ...aliases] = m.names.map((n) => joinPath(inst.prefix, n));
      const arg = aliases.length > 0 ? { name, aliases } : { name };
      inst.env.set(m.name, { kind: 'tensor', node: T.make(cx, m.span, Op.Param, m.type.dtype as 'f32', shape, [], arg) });
      return;
    }
    case 'SubMember': {
      const decl = cx.modules.get(m.module);
      if (!decl) cx.fail(m.span, `unknown module '${m.module}'`, `modules: ${[...cx.modules.keys()].join(', ')}`);
      if (cx.depth > 32) cx.fail(m.span, `module ${m.module} contains itself`);
      const scope = moduleScope(inst);
      const call = evalCallArgs(cx, scope, m.args, m.span);
      const args = bindModuleArgs(cx, decl, call);
      cx.depth++;
      try {
        if (m.count === undefined) {
          inst.env.set(m.name, { kind: 'module', inst: instantiate(cx, decl, args, joinPath(inst.prefix, m.path), m.span) });
        } else {
          const n = evalExpr(cx, scope, m.count);
          const count = n.kind === 'int' ? dimValue(n.dim) : undefined;
          if (count === undefined || count < 0) cx.fail(m.count.span, `array size must be a known non-negative integer, got ${describe(n)}`);
          if (count > MAX_UNROLL) cx.fail(m.count.span, `an array of ${count} ${m.module} (${exprText(m.count)}) is larger than the limit of ${MAX_UNROLL}`);
          const items = Array.from({ length: count }, (_, i) =>
            instantiate(cx, decl, args, joinPath(inst.prefix, m.path.replaceAll('{i}', String(i))), m.span),
          );
          inst.env.set(m.name, { kind: 'modules', items, name: m.name });
        }
      } finally {
        cx.depth--;
      }
      return;
    }
    case 'FnMember':
      inst.env.set(m.name, { kind: 'fn', inst, fn: m });
      return;
    case 'IfMember': {
      const c = evalExpr(cx, moduleScope(inst), m.cond);
      if (c.kind !== 'poison') addMembers(cx, inst, knownBool(cx, c, m.cond.span) ? m.then : m.else);
      return;
    }
  }
}

export function evalCallArgs(cx: Elaboration, scope: Scope, args: readonly { name?: string; value: Expr; span: Span }[], span: Span): CallArgs {
  const positional = args.filter((a) => a.name === undefined).map((a) => ({ value: evalExpr(cx, scope, a.value), span: a.span }));
  const named = new Map(args.filter((a) => a.name !== undefined).map((a) => [a.name!, { value: evalExpr(cx, scope, a.value), span: a.span }]));
  return { span, positional, named };
}

/** Matches a call's arguments to declared parameters by position, then name; reports unknown and missing ones. */
function matchArgs<P extends { name: string }>(cx: Elaboration, call: CallArgs, params: readonly P[], what: string) {
  if (call.positional.length > params.length) {
    cx.fail(call.positional[params.length]!.span, `${what} takes ${params.length} argument${params.length === 1 ? '' : 's'}, got ${call.positional.length}`);
  }
  for (const [name, a] of call.named) {
    const i = params.findIndex((p) => p.name === name);
    if (i < 0) cx.fail(a.span, `${what} has no parameter '${name}'`, `parameters: ${params.map((p) => p.name).join(', ')}`);
    if (i < call.positional.length) cx.fail(a.span, `argument '${name}' of ${what} is given twice`);
  }
  return params.map((p, i) => ({ param: p, arg: call.positional[i] ?? call.named.get(p.name) }));
}

export function bindModuleArgs(cx: Elaboration, decl: ModuleDecl, call: CallArgs): Map<string, Value> {
  const out = new Map<string, Value>();
  for (const { param, arg } of matchArgs(cx, call, decl.params, `module ${decl.name}`)) {
    if (arg) out.set(param.name, checkModuleArg(cx, decl, param, arg.value, arg.span));
    else if (param.default) out.set(param.name, constantExpr(cx, param.default));
    else cx.fail(call.span, `module ${decl.name} needs its argument '${param.name}'`);
  }
  return out;
}

/** Module argument defaults and config defaults are constants: evaluated with nothing in scope. */
export function constantExpr(cx: Elaboration, e: Expr): Value {
  const empty: ModuleInstance = { decl: { kind: 'Module', name: '', params: [], members: [], span: e.span }, prefix: '', env: new Map(), span: e.span };
  return evalExpr(cx, new Scope(empty), e);
}

function checkModuleArg(cx: Elaboration, decl: ModuleDecl, p: ModuleParam, v: Value, span: Span): Value {
  if (v.kind === 'poison') return v;
  if (p.type.kind === 'NamedType') {
    if (v.kind === 'config' && v.decl.name === p.type.name) return v;
    return cx.fail(span, `argument '${p.name}' of module ${decl.name} must be a ${p.type.name}, got ${describe(v)}`);
  }
  return checkScalar(cx, p.type, v, `argument '${p.name}' of module ${decl.name}`, span);
}

/** Checks a scalar against `int`, `float`, `bool`, `str` or a string enum; ints widen to floats. */
export function checkScalar(cx: Elaboration, t: ScalarType, v: Value, what: string, span: Span): Value {
  if (v.kind === 'poison' || (v.kind === 'none' && t.optional)) return v;
  if (t.name === 'float' && v.kind === 'int' && dimValue(v.dim) !== undefined) return floatValue(dimValue(v.dim)!);
  const ok = (t.name === 'int' && v.kind === 'int') || (t.name === 'float' && v.kind === 'float') || (t.name === 'bool' && v.kind === 'bool') || (t.name === 'str' && v.kind === 'str');
  const article = t.name === 'int' ? 'an' : 'a';
  if (!ok) return cx.fail(span, `${what} must be ${t.optional ? 'none or ' : ''}${t.choices ? `one of ${t.choices.map((c) => `"${c}"`).join(', ')}` : `${article} ${t.name}`}, got ${describe(v)}`);
  if (t.choices && v.kind === 'str' && !t.choices.includes(v.value)) {
    cx.fail(span, `${what} must be one of ${t.choices.map((c) => `"${c}"`).join(', ')}, got "${v.value}"`);
  }
  return v;
}

/** Evaluates a declared shape; `*name` entries expand to the dims they were bound to. */
export function tensorShape(cx: Elaboration, scope: Scope, t: TensorType): Dim[] {
  if (!DTYPES.has(t.dtype)) cx.fail(t.span, `'${t.dtype}' is not a dtype`, 'dtypes are f32, f16, bf16, i32, bool');
  return t.dims.flatMap((d) => (d.kind === 'Spread' ? spreadItems(cx, scope, d) : [evalExpr(cx, scope, d)]).map((v) => {
    if (v.kind === 'poison') cx.abort();
    if (v.kind !== 'int') cx.fail(d.span, `a dimension must be an integer, got ${describe(v)}`);
    const n = dimValue(v.dim);
    if (n !== undefined && n < 0) cx.fail(d.span, `dimension ${n} is negative`);
    return v.dim;
  }));
}

const renderDims = (dims: readonly Dim[]): string => dims.map(dimToString).join(', ');

/**
 * Checks `v` against a declared tensor type. Identifiers in `bindable` that are not yet in scope are signature dims
 * (`B`, `S`, `*batch`) and get bound to the actual sizes; every other dim must equal its declared value.
 */
export function checkType(cx: Elaboration, scope: Scope, v: Value, t: TensorType, what: string, span: Span, bindable: ReadonlySet<string> = new Set()): void {
  if (v.kind === 'poison') return;
  if (!DTYPES.has(t.dtype)) cx.fail(t.span, `'${t.dtype}' is not a dtype`, 'dtypes are f32, f16, bf16, i32, bool');
  if (v.kind !== 'tensor') cx.fail(span, `${what} must be a tensor ${t.dtype}[...], got ${describe(v)}`);
  const node = v.node;
  const spreads = t.dims.filter((d) => d.kind === 'Spread').length;
  if (spreads > 1) cx.fail(t.span, 'a shape can hold at most one *spread');
  const spreadLen = node.shape.length - (t.dims.length - spreads);
  const expected: string[] = [];
  let ok = node.dtype === t.dtype && (spreads ? spreadLen >= 0 : node.shape.length === t.dims.length);
  let at = 0;
  for (const d of t.dims) {
    const n = d.kind === 'Spread' ? Math.max(0, spreadLen) : 1;
    const actual = node.shape.slice(at, at + n);
    at += n;
    const name = d.kind === 'Spread' || d.kind === 'Ident' ? d.name : undefined;
    if (name !== undefined && bindable.has(name) && !scope.lookup(name)) {
      const bound: Value = d.kind === 'Spread' ? { kind: 'list', items: actual.map((dim) => ({ kind: 'int', dim })) } : { kind: 'int', dim: actual[0] ?? dimConst(1) };
      if (actual.length === n) scope.define(cx, d.span, name, bound);
      expected.push(d.kind === 'Spread' ? `*${name}` : name);
      continue;
    }
    const dims = tensorShape(cx, scope, { ...t, dims: [d] });
    expected.push(renderDims(dims));
    if (dims.length !== actual.length || !dims.every((x, i) => dimEq(x, actual[i]!))) ok = false;
  }
  if (!ok) cx.fail(span, `${what} must be ${t.dtype}[${expected.filter((e) => e !== '').join(', ')}], got ${describe(v)}`);
}

export function callFn(cx: Elaboration, callee: Value & { kind: 'fn' }, call: CallArgs): Value {
  const { inst, fn } = callee;
  const what = `${inst.decl.name}.${fn.name}`;
  if ([...call.positional, ...call.named.values()].some((a) => a.value.kind === 'poison')) return POISON;
  if (cx.depth > 64) cx.fail(call.span, `calls nest more than 64 deep: does ${what} call itself?`);
  const scope = new Scope(inst);
  const bindable = new Set(fn.dims);
  const matched = matchArgs(cx, call, fn.params, what);
  const replaced = replacedParams(cx, matched, what, call.span);
  // parameters whose dims are plain names bind them first, so `P + S` can be checked whatever the order
  const plain = (t: TensorType) => t.dims.every((d) => d.kind === 'Ident' || d.kind === 'Spread' || d.kind === 'Number');
  const bindersFirst = [...matched].sort((a, b) => Number(plain(b.param.type)) - Number(plain(a.param.type)));
  for (const { param, arg } of bindersFirst) {
    if (!arg || ((param.optional || replaced.has(param.name)) && arg.value.kind === 'none')) continue;
    const type = formOf(cx, param, arg.value, `argument '${param.name}' of ${what}`, arg.span);
    checkType(cx, scope, arg.value, type, `argument '${param.name}' of ${what}`, arg.span, bindable);
  }
  for (const { param, arg } of matched) {
    scope.define(cx, param.span, param.name, arg ? arg.value : replaced.has(param.name) ? NONE : defaultArg(cx, scope, what, fn, param, call.span));
  }
  cx.depth++;
  let result: Value | undefined;
  try {
    result = execBlock(cx, scope, fn.body);
  } finally {
    cx.depth--;
  }
  if (!result) return cx.fail(fn.span, `${what} ends without a return`);
  checkReturn(cx, scope, result, fn, what);
  return result;
}

type Matched = { param: FnParam; arg?: { value: Value; span: Span } | undefined }[];

/** Required parameters that a given `x: ...? replaces name` parameter stands in for (so they are none). */
function replacedParams(cx: Elaboration, matched: Matched, what: string, span: Span): Set<string> {
  const out = new Set<string>();
  for (const { param, arg } of matched) {
    if (param.replaces === undefined) continue;
    const target = matched.find((m) => m.param.name === param.replaces);
    if (!param.optional || !target || target.param.optional) {
      cx.fail(param.span, `'${param.name}' must be optional and replace a required parameter of ${what}, not '${param.replaces}'`);
    }
    if (!arg || arg.value.kind === 'none') continue;
    if (target.arg && target.arg.value.kind !== 'none') cx.fail(span, `give ${what} '${target.param.name}' or '${param.name}', not both`);
    out.add(target.param.name);
  }
  return out;
}

/** Whether a tensor of rank `rank` can have type `t` (a `*spread` takes any number of dims). */
const rankFits = (t: TensorType, rank: number): boolean =>
  t.dims.some((d) => d.kind === 'Spread') ? rank >= t.dims.length - 1 : rank === t.dims.length;

/** The forms of a parameter, checked to differ in rank (so an argument's rank picks one). */
export function paramForms(cx: Elaboration, p: FnParam): readonly TensorType[] {
  const forms = p.forms ?? [p.type];
  const ranks = forms.map((f) => (f.dims.some((d) => d.kind === 'Spread') ? -1 : f.dims.length));
  if (forms.length > 1 && (ranks.includes(-1) || new Set(ranks).size < ranks.length)) {
    cx.fail(p.span, `the forms of '${p.name}' must each have their own rank, without *spreads`, 'a call picks the form of its argument\'s rank');
  }
  return forms;
}

/** The form of parameter `p` that argument `v` takes: the one of its rank. */
function formOf(cx: Elaboration, p: FnParam, v: Value, what: string, span: Span): TensorType {
  const forms = paramForms(cx, p);
  if (forms.length === 1 || v.kind !== 'tensor') return p.type;
  const form = forms.find((f) => rankFits(f, v.node.shape.length));
  if (!form) cx.fail(span, `${what} must have rank ${forms.map((f) => f.dims.length).join(' or ')}, got ${describe(v)}`);
  return form;
}

/** The form of an entry input of the given rank (the first form when `rank` is undefined). */
export function entryForm(cx: Elaboration, p: FnParam, rank: number | undefined): TensorType {
  const forms = paramForms(cx, p);
  if (rank === undefined) return p.type;
  const form = forms.find((f) => f.dims.length === rank);
  if (!form) throw new UserError(`input '${p.name}' has no form of rank ${rank}; its ranks: ${forms.map((f) => f.dims.length).join(', ')}`);
  return form;
}

function defaultArg(cx: Elaboration, scope: Scope, what: string, fn: FnMember, p: FnMember['params'][number], span: Span): Value {
  if (p.optional && !p.default) return NONE;
  if (!p.default) return cx.fail(span, `${what} is missing its argument '${p.name}'`, `signature: ${fn.params.map((q) => q.name).join(', ')}`);
  const fill = evalExpr(cx, scope, p.default);
  const value = fill.kind === 'float' ? fill.value : fill.kind === 'int' ? dimValue(fill.dim) : fill.kind === 'bool' ? Number(fill.value) : undefined;
  if (value === undefined) return cx.fail(p.default.span, `default of '${p.name}' must be a number, got ${describe(fill)}`);
  return { kind: 'tensor', node: T.constant(cx, p.span, value, p.type.dtype as 'f32', tensorShape(cx, scope, p.type)) };
}

function checkReturn(cx: Elaboration, scope: Scope, result: Value, fn: FnMember, what: string): void {
  if (result.kind === 'poison') return;
  if (fn.ret.kind === 'TensorType') {
    if (result.kind === 'none' && fn.retOptional) return;
    checkType(cx, scope, result, fn.ret, `the result of ${what}`, fn.ret.span);
    return;
  }
  const ret: RecordType = fn.ret;
  if (result.kind !== 'record') cx.fail(fn.ret.span, `${what} must return a record (${ret.fields.map((f) => f.name).join(', ')}), got ${describe(result)}`);
  for (const name of result.fields.keys()) {
    if (!ret.fields.some((f) => f.name === name)) cx.fail(fn.ret.span, `${what} returns a field '${name}' its signature does not declare`);
  }
  for (const f of ret.fields) {
    const v = result.fields.get(f.name);
    if (!v || v.kind === 'none') {
      if (!f.optional) cx.fail(f.span, `${what} must return '${f.name}'`, v ? "mark the field optional with '?' to allow none" : undefined);
      continue;
    }
    checkType(cx, scope, v, f.type, `field '${f.name}' of the result of ${what}`, f.span);
  }
}
