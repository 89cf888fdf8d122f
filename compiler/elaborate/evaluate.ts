/**
 * Evaluation of expressions and statements: the interpreter that traces a function body into graph nodes.
 *
 * Control flow (`if`, `for`, conditional expressions) is decided at compile time; only tensors flow into the graph.
 * A failing statement reports its diagnostic and binds `poison`, so later independent mistakes are still found.
 */
import type { BinaryOp, Expr, Span, Stmt } from '../../dsl/ast.ts';
import { DiagnosticError, diagnostic } from '../../dsl/diagnostics.ts';
import { type Dim, dimAdd, dimConst, dimDiv, dimEq, dimMul, dimNeg, dimSub, dimToString, dimValue } from '../ir/dim.ts';
import { Op } from '../ir/ops.ts';
import { type ArgValue, BUILTIN_NAMES, type CallArgs, callBuiltin, isBuiltin } from './builtins.ts';
import { AssertionFailure, closest, type Elaboration, isStackOverflow, PoisonAbort } from './context.ts';
import { callFn, checkType } from './modules.ts';
import * as T from './tensor-ops.ts';
import { boolValue, describe, floatValue, type ModuleInstance, NONE, POISON, tensorValue, type Value } from './values.ts';

const DTYPE_NAMES = ['f32', 'f16', 'bf16', 'i32', 'bool'] as const;

/** Loops and submodule arrays are unrolled at compile time; far past any real model they are a mistake, not a model. */
export const MAX_UNROLL = 10_000;

/** Lexical scope of a function body; falls back to the module instance's members. */
export class Scope {
  private readonly vars = new Map<string, Value>();
  constructor(
    readonly module: ModuleInstance,
    private readonly parent?: Scope,
  ) {}

  child(): Scope {
    return new Scope(this.module, this);
  }

  define(cx: Elaboration, span: Span, name: string, v: Value): void {
    if (this.vars.has(name)) cx.fail(span, `'${name}' is already defined in this block`, `assign with '${name} = ...' to rebind it`);
    this.vars.set(name, v);
  }

  assign(cx: Elaboration, span: Span, name: string, v: Value): void {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      if (s.vars.has(name)) {
        s.vars.set(name, v);
        return;
      }
    }
    cx.fail(span, `cannot assign to '${name}': it is not a local variable`, `declare it first with 'let ${name} = ...'`);
  }

  lookup(name: string): Value | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const v = s.vars.get(name);
      if (v) return v;
    }
    return this.module.env.get(name);
  }

  names(): string[] {
    const out = [...this.module.env.keys()];
    for (let s: Scope | undefined = this; s; s = s.parent) out.push(...s.vars.keys());
    return out;
  }
}

/** Expressions nest deeper than this only in generated or corrupted sources; past it the JS stack would overflow. */
const MAX_EXPR_DEPTH = 800;

export function evalExpr(cx: Elaboration, scope: Scope, e: Expr): Value {
  if (cx.exprDepth >= MAX_EXPR_DEPTH) cx.fail(e.span, `expression nests deeper than ${MAX_EXPR_DEPTH} levels`, 'split it with let bindings');
  cx.exprDepth++;
  try {
    return evalExprAt(cx, scope, e);
  } finally {
    cx.exprDepth--;
  }
}

function evalExprAt(cx: Elaboration, scope: Scope, e: Expr): Value {
  switch (e.kind) {
    case 'Number':
      if (e.isInt && !Number.isSafeInteger(e.value)) cx.fail(e.span, 'integer literal is too large', `integers must stay below 2^53 (${Number.MAX_SAFE_INTEGER})`);
      if (!Number.isFinite(e.value)) cx.fail(e.span, 'number literal is too large for a double');
      return e.isInt ? intValueOf(e.value) : floatValue(e.value);
    case 'String':
      return { kind: 'str', value: e.value };
    case 'Bool':
      return boolValue(e.value);
    case 'None':
      return NONE;
    case 'Ident':
      return lookupIdent(cx, scope, e.name, e.span);
    case 'Member':
      return member(cx, evalExpr(cx, scope, e.object), e.name, e.span);
    case 'Index':
      return index(cx, evalExpr(cx, scope, e.object), evalExpr(cx, scope, e.index), e.span);
    case 'Call':
      return call(cx, scope, e.callee, e.args, e.span);
    case 'Binary':
      return binaryValue(cx, e.span, e.op, evalExpr(cx, scope, e.left), evalExpr(cx, scope, e.right));
    case 'Unary':
      return unaryValue(cx, e.span, e.op, evalExpr(cx, scope, e.operand));
    case 'List':
      return { kind: 'list', items: e.items.flatMap((i) => (i.kind === 'Spread' ? spreadItems(cx, scope, i) : [evalExpr(cx, scope, i)])) };
    case 'Spread':
      return cx.fail(e.span, `*${e.name} can only appear inside a shape or a list`);
    case 'Record':
      return { kind: 'record', fields: new Map(e.fields.map((f) => [f.name, evalExpr(cx, scope, f.value)])) };
    case 'Cond': {
      const c = evalExpr(cx, scope, e.cond);
      if (c.kind === 'poison') return POISON;
      return evalExpr(cx, scope, knownBool(cx, c, e.cond.span) ? e.then : e.else);
    }
  }
}

/** The dims a `*name` stands for. */
export function spreadItems(cx: Elaboration, scope: Scope, e: Expr & { kind: 'Spread' }): Value[] {
  const v = lookupIdent(cx, scope, e.name, e.span);
  if (v.kind === 'poison') return [v];
  if (v.kind !== 'list') return cx.fail(e.span, `*${e.name} needs a list of dimensions, got ${describe(v)}`);
  return [...v.items];
}

function lookupIdent(cx: Elaboration, scope: Scope, name: string, span: Span): Value {
  const v = scope.lookup(name);
  if (v) return v;
  if (isBuiltin(name)) return { kind: 'builtin', name };
  if ((DTYPE_NAMES as readonly string[]).includes(name)) return { kind: 'dtype', dtype: name as (typeof DTYPE_NAMES)[number] };
  const near = closest(name, [...scope.names(), ...BUILTIN_NAMES]);
  return cx.fail(span, `unknown name '${name}'`, near ? `did you mean '${near}'?` : 'declare it with let, or add it to the signature');
}

export function knownBool(cx: Elaboration, v: Value, span: Span): boolean {
  if (v.kind === 'bool') return v.value;
  const hint = v.kind === 'tensor' ? 'branching on tensor values is not possible; use where(cond, a, b)' : undefined;
  return cx.fail(span, `condition must be a bool known at compile time, got ${describe(v)}`, hint);
}

function member(cx: Elaboration, obj: Value, name: string, span: Span): Value {
  if (obj.kind === 'poison') return POISON;
  const fields = obj.kind === 'config' || obj.kind === 'record' ? obj.fields : obj.kind === 'module' ? obj.inst.env : undefined;
  if (!fields) return cx.fail(span, `${describe(obj)} has no member '${name}'`);
  const v = fields.get(name);
  if (v) return v;
  const near = closest(name, fields.keys());
  return cx.fail(span, `${describe(obj)} has no member '${name}'`, near ? `did you mean '${near}'?` : undefined);
}

function index(cx: Elaboration, obj: Value, idx: Value, span: Span): Value {
  if (obj.kind === 'poison' || idx.kind === 'poison') return POISON;
  const i = idx.kind === 'int' ? dimValue(idx.dim) : undefined;
  if (i === undefined) return cx.fail(span, `index must be a known integer, got ${describe(idx)}`);
  const items = obj.kind === 'modules' ? obj.items.map((inst): Value => ({ kind: 'module', inst })) : obj.kind === 'list' ? obj.items : undefined;
  if (!items) return cx.fail(span, `${describe(obj)} cannot be indexed`, obj.kind === 'tensor' ? 'use select(x, axis, index) or slice(...)' : undefined);
  if (i < 0 || i >= items.length) return cx.fail(span, `index ${i} is out of range for ${describe(obj)}`);
  return items[i]!;
}

function call(cx: Elaboration, scope: Scope, calleeExpr: Expr, args: readonly { name?: string; value: Expr; span: Span }[], span: Span): Value {
  const callee = evalExpr(cx, scope, calleeExpr);
  const positional: ArgValue[] = [];
  const named = new Map<string, ArgValue>();
  for (const a of args) {
    const v = { value: evalExpr(cx, scope, a.value), span: a.span };
    if (a.name === undefined) {
      if (named.size > 0) cx.fail(a.span, 'positional argument after a named one');
      positional.push(v);
    } else {
      if (named.has(a.name)) cx.fail(a.span, `argument '${a.name}' is given twice`);
      named.set(a.name, v);
    }
  }
  const callArgs: CallArgs = { span, positional, named };
  switch (callee.kind) {
    case 'poison':
      return POISON;
    case 'builtin':
      return callBuiltin(cx, callee.name, callArgs);
    case 'fn':
      return callFn(cx, callee, callArgs);
    case 'module': {
      const forward = callee.inst.env.get('forward');
      if (forward?.kind !== 'fn') return cx.fail(span, `module ${callee.inst.decl.name} has no 'forward' function to call`);
      return callFn(cx, forward, callArgs);
    }
    default:
      return cx.fail(calleeExpr.span, `${describe(callee)} is not callable`);
  }
}

const TENSOR_BINARY: Partial<Record<BinaryOp, Op>> = {
  '+': Op.Add, '-': Op.Sub, '*': Op.Mul, '/': Op.Div, '//': Op.Div, '==': Op.Eq, '!=': Op.Ne,
  '<': Op.Lt, '<=': Op.Le, '>': Op.Gt, '>=': Op.Ge, and: Op.And, or: Op.Or,
};

export function binaryValue(cx: Elaboration, span: Span, op: BinaryOp, l: Value, r: Value): Value {
  if (l.kind === 'poison' || r.kind === 'poison') return POISON;
  if ((op === '==' || op === '!=') && (l.kind === 'none' || r.kind === 'none')) {
    return boolValue((l.kind === r.kind) === (op === '=='));
  }
  if (l.kind === 'tensor' || r.kind === 'tensor') {
    const top = TENSOR_BINARY[op];
    if (!top) return cx.fail(span, `operator '${op}' is not defined for tensors`);
    const like = l.kind === 'tensor' ? l.node : (r as Value & { kind: 'tensor' }).node;
    if (op === '/' && like.dtype === 'i32') cx.fail(span, "'/' on i32 tensors is ambiguous", "use '//' for integer division, or cast to f32");
    const a = asTensor(cx, span, l, like.dtype);
    const b = asTensor(cx, span, r, like.dtype);
    return tensorValue(T.binary(cx, span, top, a, b));
  }
  if (l.kind === 'int' && r.kind === 'int') return intBinary(cx, span, op, l.dim, r.dim);
  if ((l.kind === 'int' || l.kind === 'float') && (r.kind === 'int' || r.kind === 'float')) {
    return floatBinary(cx, span, op, scalarOf(cx, span, l), scalarOf(cx, span, r));
  }
  if (op === '==' || op === '!=') {
    const same = l.kind === r.kind && (l.kind === 'none' || (l as { value: unknown }).value === (r as { value: unknown }).value);
    if (l.kind !== r.kind && l.kind !== 'none' && r.kind !== 'none') {
      cx.fail(span, `cannot compare ${describe(l)} with ${describe(r)}`);
    }
    return boolValue(op === '==' ? same : !same);
  }
  if ((op === 'and' || op === 'or') && l.kind === 'bool' && r.kind === 'bool') {
    return boolValue(op === 'and' ? l.value && r.value : l.value || r.value);
  }
  return cx.fail(span, `operator '${op}' is not defined for ${describe(l)} and ${describe(r)}`);
}

function scalarOf(cx: Elaboration, span: Span, v: Value & { kind: 'int' | 'float' }): number {
  if (v.kind === 'float') return v.value;
  const n = dimValue(v.dim);
  return n ?? cx.fail(span, `symbolic ${dimToString(v.dim)} is not known at compile time`);
}

function asTensor(cx: Elaboration, span: Span, v: Value, dtype: 'f32' | 'f16' | 'bf16' | 'i32' | 'bool') {
  if (v.kind === 'tensor') return v.node;
  if (v.kind === 'float' && dtype === 'i32') cx.fail(span, `cannot mix an i32 tensor with the float ${v.value}`, 'cast the tensor to f32');
  if (v.kind === 'float' || v.kind === 'int') return T.constant(cx, span, scalarOf(cx, span, v), dtype);
  if (v.kind === 'bool' && dtype === 'bool') return T.constant(cx, span, v.value ? 1 : 0, 'bool');
  return cx.fail(span, `cannot combine a tensor with ${describe(v)}`);
}

/** Integer results must stay exact: a dim past 2^53 would silently lose its low digits. */
function exact(cx: Elaboration, span: Span, d: Dim): Value {
  if (d.terms.some(([, c]) => !Number.isSafeInteger(c))) cx.fail(span, 'integer arithmetic overflows 2^53', 'this value is far larger than any tensor dimension');
  return { kind: 'int', dim: d };
}

function intBinary(cx: Elaboration, span: Span, op: BinaryOp, a: Dim, b: Dim): Value {
  const av = dimValue(a);
  const bv = dimValue(b);
  switch (op) {
    case '+':
      return exact(cx, span, dimAdd(a, b));
    case '-':
      return exact(cx, span, dimSub(a, b));
    case '*':
      return exact(cx, span, dimMul(a, b));
    case '//': {
      if (bv === 0) cx.fail(span, 'integer division by zero');
      if (av !== undefined && bv !== undefined) return intValueOf(Math.floor(av / bv));
      const q = dimDiv(a, b);
      return q ? { kind: 'int', dim: q } : cx.fail(span, `${dimToString(a)} is not known to be divisible by ${dimToString(b)}`);
    }
    case '%':
      if (av === undefined || bv === undefined || bv === 0) return cx.fail(span, `'%' needs known non-zero integers`);
      return intValueOf(((av % bv) + bv) % bv);
    case '/':
      if (av === undefined || bv === undefined) return cx.fail(span, "'/' of symbolic integers", "use '//' for exact division");
      return floatBinary(cx, span, op, av, bv);
    case '==':
    case '!=':
      if (av === undefined || bv === undefined) {
        if (dimEq(a, b)) return boolValue(op === '==');
        return cx.fail(span, `comparison of symbolic ${dimToString(a)} and ${dimToString(b)} is not known at compile time`, 'use assert for run-time checks on dimensions');
      }
      return boolValue(op === '==' ? av === bv : av !== bv);
    default:
      if (av === undefined || bv === undefined) {
        return cx.fail(span, `comparison of symbolic ${dimToString(a)} and ${dimToString(b)} is not known at compile time`, 'use assert for run-time checks on dimensions');
      }
      return floatBinary(cx, span, op, av, bv);
  }
}

const intValueOf = (n: number): Value => ({ kind: 'int', dim: dimConst(n) });

function floatBinary(cx: Elaboration, span: Span, op: BinaryOp, a: number, b: number): Value {
  switch (op) {
    case '+': return floatValue(a + b);
    case '-': return floatValue(a - b);
    case '*': return floatValue(a * b);
    case '/': return b === 0 ? cx.fail(span, 'division by zero') : floatValue(a / b);
    case '//': return b === 0 ? cx.fail(span, 'division by zero') : floatValue(Math.floor(a / b));
    case '%': return floatValue(a % b);
    case '==': return boolValue(a === b);
    case '!=': return boolValue(a !== b);
    case '<': return boolValue(a < b);
    case '<=': return boolValue(a <= b);
    case '>': return boolValue(a > b);
    case '>=': return boolValue(a >= b);
    default: return cx.fail(span, `operator '${op}' is not defined for numbers`);
  }
}

function unaryValue(cx: Elaboration, span: Span, op: '-' | 'not', v: Value): Value {
  if (v.kind === 'poison') return POISON;
  if (op === '-') {
    if (v.kind === 'int') return { kind: 'int', dim: dimNeg(v.dim) };
    if (v.kind === 'float') return floatValue(-v.value);
    if (v.kind === 'tensor') return tensorValue(T.unary(cx, span, Op.Neg, v.node));
  } else {
    if (v.kind === 'bool') return boolValue(!v.value);
    if (v.kind === 'tensor') return tensorValue(T.unary(cx, span, Op.Not, v.node));
  }
  return cx.fail(span, `operator '${op}' is not defined for ${describe(v)}`);
}

/** Runs statements; returns the value of a `return`, or undefined when the block falls through. */
export function execBlock(cx: Elaboration, scope: Scope, stmts: readonly Stmt[]): Value | undefined {
  for (const s of stmts) {
    try {
      const r = execStmt(cx, scope, s);
      if (r) return r;
    } catch (e) {
      if (e instanceof AssertionFailure) throw e;
      if (e instanceof DiagnosticError) cx.report(e.diagnostic);
      else if (isStackOverflow(e)) cx.report(diagnostic(s.span, 'this statement nests too deeply to compile', 'split long expressions with let bindings'));
      else if (!(e instanceof PoisonAbort)) throw e;
      if (s.kind === 'LetStmt') scope.define(cx, s.span, s.name, POISON);
      if (s.kind === 'ReturnStmt') return POISON;
    }
  }
  return undefined;
}

function execStmt(cx: Elaboration, scope: Scope, s: Stmt): Value | undefined {
  switch (s.kind) {
    case 'LetStmt': {
      const v = evalExpr(cx, scope, s.value);
      if (s.type) checkType(cx, scope, v, s.type, `'${s.name}'`, s.value.span);
      scope.define(cx, s.span, s.name, v);
      return undefined;
    }
    case 'AssignStmt':
      scope.assign(cx, s.span, s.name, evalExpr(cx, scope, s.value));
      return undefined;
    case 'ForStmt': {
      const from = evalExpr(cx, scope, s.from);
      const to = evalExpr(cx, scope, s.to);
      if (from.kind === 'poison' || to.kind === 'poison') return undefined;
      const lo = from.kind === 'int' ? dimValue(from.dim) : undefined;
      const hi = to.kind === 'int' ? dimValue(to.dim) : undefined;
      if (lo === undefined || hi === undefined) cx.fail(s.span, 'loop bounds must be integers known at compile time', 'loops are unrolled; use config values as bounds');
      if (hi - lo > MAX_UNROLL) cx.fail(s.span, `a loop of ${hi - lo} iterations is too long to unroll (the limit is ${MAX_UNROLL})`);
      for (let i = lo; i < hi; i++) {
        const body = scope.child();
        body.define(cx, s.span, s.var, intValueOf(i));
        const r = execBlock(cx, body, s.body);
        if (r) return r;
      }
      return undefined;
    }
    case 'IfStmt': {
      const c = evalExpr(cx, scope, s.cond);
      if (c.kind === 'poison') return undefined;
      return execBlock(cx, scope.child(), knownBool(cx, c, s.cond.span) ? s.then : s.else);
    }
    case 'ReturnStmt':
      return evalExpr(cx, scope, s.value);
    case 'AssertStmt':
      assertStmt(cx, scope, s);
      return undefined;
  }
}

/** Known conditions are checked now; `dim <= n` on symbolic dims becomes a run-time constraint of the graph. */
function assertStmt(cx: Elaboration, scope: Scope, s: Stmt & { kind: 'AssertStmt' }): void {
  const c = s.cond;
  if (c.kind === 'Binary' && (c.op === '<=' || c.op === '<')) {
    const l = evalExpr(cx, scope, c.left);
    const r = evalExpr(cx, scope, c.right);
    if (l.kind === 'int' && r.kind === 'int' && dimValue(l.dim) === undefined && dimValue(r.dim) !== undefined) {
      cx.addConstraint(l.dim, dimValue(r.dim)! - (c.op === '<' ? 1 : 0), s.message);
      return;
    }
  }
  const v = evalExpr(cx, scope, c);
  if (v.kind !== 'poison' && !knownBool(cx, v, c.span)) throw new AssertionFailure(diagnostic(s.span, `assertion failed: ${s.message}`));
}
