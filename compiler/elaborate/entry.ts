/**
 * Entry points of elaboration: `elaborate` builds the graph of one module's function for one config; `checkProgram`
 * type-checks every function of every module on symbolic inputs and the config variants that reach every branch.
 */
import type { FnMember, ModuleDecl, Program, TensorType } from '../../dsl/ast.ts';
import { CompileError, type Diagnostic, DiagnosticError } from '../../dsl/diagnostics.ts';
import { UserError } from '../../dsl/errors.ts';
import { dimSym, dimSymbols, dimValue } from '../ir/dim.ts';
import type { Graph, InputArg, Node } from '../ir/graph.ts';
import { Op } from '../ir/ops.ts';
import { AssertionFailure, closest, Elaboration, isStackOverflow, PoisonAbort, TooManyErrors } from './context.ts';
import { configValue, configVariants, type PlainConfig } from './config.ts';
import { Scope, evalExpr } from './evaluate.ts';
import { callFn, checkScalar, constantExpr, entryForm, instantiate, paramForms, tensorShape } from './modules.ts';
import * as T from './tensor-ops.ts';
import { describe, intValue, type ModuleInstance, toPlain, type Value } from './values.ts';

export interface ElaborateOptions {
  /** Module to compile, e.g. `BertForMaskedLM`. */
  readonly entry: string;
  /** Function of the module (default `forward`). */
  readonly fn?: string;
  /** Config values (e.g. a parsed config.json); missing fields take the declared defaults. */
  readonly config?: PlainConfig;
  /** Values for the entry module's other arguments, e.g. `{ add_pooling_layer: false }`. */
  readonly args?: PlainConfig;
  /** Names the config's origin in error messages. */
  readonly configLabel?: string;
  /** Optional inputs (`labels: i32[B]?`) the caller will provide; the others are absent from the graph. */
  readonly inputs?: readonly string[];
  /**
   * Inputs given in another of their declared forms, by rank: `{ attention_mask: 3 }` compiles
   * `attention_mask: i32[B, S] | i32[B, S, S]` for [B, S, S] masks. The others take their first form.
   */
  readonly ranks?: Readonly<Record<string, number>>;
}

/** Builds the graph IR of `entry.fn` for one config; throws CompileError listing every diagnostic. */
export function elaborate(program: Program, source: string, opts: ElaborateOptions): Graph {
  const cx = new Elaboration(program);
  const decl = cx.modules.get(opts.entry);
  if (!decl) {
    const near = closest(opts.entry, cx.modules.keys());
    throw new UserError(`unknown entry module '${opts.entry}'${near ? ` (did you mean '${near}'?)` : ''}; modules: ${[...cx.modules.keys()].join(', ')}`);
  }
  let args: Map<string, Value>;
  try {
    args = entryArgs(cx, decl, opts);
  } catch (e) {
    if (e instanceof TooManyErrors) throw new CompileError(cx.diagnostics, source);
    if (!(e instanceof DiagnosticError)) throw e;
    throw new CompileError([...cx.diagnostics, e.diagnostic], source);
  }
  let inst: ModuleInstance;
  try {
    inst = instantiate(cx, decl, args, '', decl.span);
  } catch (e) {
    if (!(e instanceof TooManyErrors)) throw e;
    throw new CompileError(cx.diagnostics, source);
  }
  const fnName = opts.fn ?? 'forward';
  const fnValue = inst.env.get(fnName);
  if (fnValue?.kind !== 'fn') throw new UserError(`module ${decl.name} has no function '${fnName}'`);
  let result: Value = { kind: 'poison' };
  let inputs: Node[] = [];
  try {
    const fn = fnValue.fn;
    for (const name of opts.inputs ?? []) {
      const p = fn.params.find((q) => q.name === name);
      if (!p?.optional) throw new UserError(`${decl.name}.${fnName} has no optional input '${name}'; optional inputs: ${fn.params.filter((q) => q.optional).map((q) => q.name).join(', ') || 'none'}`);
    }
    for (const name of Object.keys(opts.ranks ?? {})) {
      if (!fn.params.some((q) => q.name === name)) throw new UserError(`${decl.name}.${fnName} has no input '${name}'; inputs: ${fn.params.map((q) => q.name).join(', ')}`);
    }
    const given = (p: Param) => (opts.inputs ?? []).includes(p.name);
    const replaced = new Set(fn.params.filter((p) => p.replaces !== undefined && given(p)).map((p) => p.replaces));
    const wanted = (p: Param) => (!p.optional && !replaced.has(p.name)) || given(p);
    inputs = entryInputs(cx, inst, fn, wanted, (p) => entryForm(cx, p, opts.ranks?.[p.name]));
    const named = new Map(fn.params.filter(wanted).map((p, i) => [p.name, { value: { kind: 'tensor', node: inputs[i]! } as Value, span: fn.span }]));
    result = callFn(cx, fnValue, { span: fn.span, positional: [], named });
  } catch (e) {
    if (e instanceof TooManyErrors) throw new CompileError(cx.diagnostics, source);
    if (e instanceof DiagnosticError) guardReport(cx, e.diagnostic);
    else if (!(e instanceof PoisonAbort)) throw e;
  }
  if (cx.diagnostics.length > 0) throw new CompileError(cx.diagnostics, source);
  const outputs =
    result.kind === 'tensor'
      ? [{ name: 'output', node: result.node }]
      : result.kind === 'record'
        ? [...result.fields].flatMap(([name, v]) => (v.kind === 'tensor' ? [{ name, node: v.node }] : []))
        : [];
  const config = Object.fromEntries([...args].flatMap(([k, v]) => (v.kind === 'config' ? [...v.fields].map(([f, fv]) => [f, toPlain(fv)]) : [[k, toPlain(v)]])));
  const used = new Set(inputs.flatMap((n) => n.shape.flatMap(dimSymbols)));
  const symbols = fnValue.fn.dims.filter((d) => used.has(d));
  return { entry: `${decl.name}.${fnName}`, config, symbols, inputs, outputs, constraints: cx.constraints };
}

function entryArgs(cx: Elaboration, decl: ModuleDecl, opts: ElaborateOptions): Map<string, Value> {
  const args = new Map<string, Value>();
  for (const p of decl.params) {
    if (p.type.kind === 'NamedType') {
      const c = cx.configs.get(p.type.name);
      if (!c) throw new UserError(`module ${decl.name}: '${p.type.name}' is not a config declaration`);
      args.set(p.name, configValue(cx, c, opts.config ?? {}, opts.configLabel ?? 'config'));
      continue;
    }
    const raw = opts.args?.[p.name];
    if (raw === undefined) {
      if (!p.default) throw new UserError(`entry module ${decl.name} needs a value for its argument '${p.name}'`);
      args.set(p.name, constantExpr(cx, p.default));
      continue;
    }
    const v: Value = typeof raw === 'boolean' ? { kind: 'bool', value: raw } : typeof raw === 'string' ? { kind: 'str', value: raw }
      : typeof raw === 'number' ? (Number.isInteger(raw) && p.type.name === 'int' ? intValue(raw) : { kind: 'float', value: raw }) : { kind: 'none' };
    try {
      args.set(p.name, checkScalar(cx, p.type, v, `argument '${p.name}' of ${decl.name}`, p.span));
    } catch (e) {
      if (e instanceof DiagnosticError) throw new UserError(e.diagnostic.message);
      throw e;
    }
  }
  return args;
}

type Param = FnMember['params'][number];

/** Input nodes for a function's parameters (each in the form `form` picks): signature dims become graph symbols. */
function entryInputs(cx: Elaboration, inst: ModuleInstance, fn: FnMember, wanted: (p: Param) => boolean, form: (p: Param) => TensorType): Node[] {
  const scope = new Scope(inst);
  const spreads = new Set(fn.params.flatMap((p) => p.type.dims.flatMap((d) => (d.kind === 'Spread' ? [d.name] : []))));
  for (const d of fn.dims) {
    // a *spread stands for one symbolic dim at an entry: enough to check every use of it
    const dim: Value = { kind: 'int', dim: dimSym(d) };
    scope.define(cx, fn.span, d, spreads.has(d) ? { kind: 'list', items: [dim] } : dim);
  }
  return fn.params.filter(wanted).map((p) => {
    const type = form(p);
    const shape = tensorShape(cx, scope, type);
    const arg: { name: string; fill?: number; range?: [number, number] } = { name: p.name };
    if (p.default) {
      const f = evalExpr(cx, scope, p.default);
      const n = f.kind === 'float' ? f.value : f.kind === 'int' ? dimValue(f.dim) : f.kind === 'bool' ? Number(f.value) : undefined;
      if (n === undefined) cx.fail(p.default.span, `default of '${p.name}' must be a number, got ${describe(f)}`);
      arg.fill = n;
    }
    if (p.range) {
      const [lo, hi] = p.range.map((e) => evalExpr(cx, scope, e));
      const l = lo?.kind === 'int' ? dimValue(lo.dim) : undefined;
      const h = hi?.kind === 'int' ? dimValue(hi.dim) : undefined;
      if (l === undefined || h === undefined) cx.fail(p.span, `the range of '${p.name}' must have known integer bounds`);
      arg.range = [l, h];
    }
    return T.make(cx, p.span, Op.Input, type.dtype as 'f32', shape, [], arg satisfies InputArg);
  });
}

/**
 * Checks a whole program: every function of every module, elaborated on symbolic inputs under each config variant.
 * Integer module arguments without defaults become symbols; bool arguments are tried both ways.
 */
export function checkProgram(program: Program): Diagnostic[] {
  const cx = new Elaboration(program);
  try {
    checkModules(cx, program);
  } catch (e) {
    if (!(e instanceof TooManyErrors)) throw e;
  }
  return cx.diagnostics;
}

/** Reports a diagnostic unless the limit was reached while doing so (then the caller's result is already final). */
function guardReport(cx: Elaboration, d: Diagnostic): void {
  try {
    cx.report(d);
  } catch (e) {
    if (!(e instanceof TooManyErrors)) throw e;
  }
}

function checkModules(cx: Elaboration, program: Program): void {
  const names = new Set<string>();
  for (const d of program.decls) {
    if (names.has(d.name)) cx.report({ span: d.span, message: `'${d.name}' is declared twice` });
    names.add(d.name);
  }
  for (const decl of cx.modules.values()) {
    for (const [variant, args] of (guard(cx, () => false, () => argVariants(cx, decl)) ?? []).entries()) {
      // an assert that fails for a non-default config or input set rules that combination out; it is not a bug
      const tolerate = (e: unknown) => e instanceof AssertionFailure && variant > 0;
      const inst = guard(cx, tolerate, () => instantiate(cx, decl, args, '', decl.span));
      if (!inst) continue;
      for (const v of inst.env.values()) {
        if (v.kind !== 'fn' || v.inst !== inst) continue;
        // with every optional input given, and with none of them: both sides of each `x != none` get checked; and
        // each input with several forms in each of them (form k of every such input at once); the other forms only
        // with every optional input given, the variant that has every input (optional ones have forms too)
        const variants = v.fn.params.some((p) => p.optional) ? [false, true] : [false];
        const formCount = Math.max(...v.fn.params.map((p) => p.forms?.length ?? 1));
        for (const withOptional of variants) for (let k = 0; k < (withOptional === variants.at(-1) ? formCount : 1); k++) {
          guard(cx, (e) => tolerate(e) || ((withOptional || k > 0) && e instanceof AssertionFailure), () => {
            // every optional input given also means every input they replace absent
            const replaced = new Set(v.fn.params.flatMap((p) => (withOptional && p.replaces !== undefined ? [p.replaces] : [])));
            const wanted = (p: Param) => (withOptional || !p.optional) && !replaced.has(p.name);
            const form = (p: Param) => paramForms(cx, p)[Math.min(k, (p.forms?.length ?? 1) - 1)]!;
            const inputs = entryInputs(cx, inst, v.fn, wanted, form);
            const named = new Map(v.fn.params.filter(wanted).map((p, i) => [p.name, { value: { kind: 'tensor', node: inputs[i]! } as Value, span: v.fn.span }]));
            callFn(cx, v, { span: v.fn.span, positional: [], named });
          });
        }
      }
    }
  }
}

function guard<T>(cx: Elaboration, tolerated: (e: unknown) => boolean, f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    if (tolerated(e)) return undefined;
    if (e instanceof DiagnosticError) cx.report(e.diagnostic);
    else if (isStackOverflow(e)) cx.report({ span: cx.program.decls[0]?.span ?? { file: cx.program.file, line: 1, col: 1, endLine: 1, endCol: 2 }, message: 'the source nests too deeply to compile' });
    else if (e instanceof PoisonAbort) return undefined;
    else if (e instanceof UserError) cx.report({ span: cx.program.decls[0]?.span ?? { file: cx.program.file, line: 1, col: 1, endLine: 1, endCol: 2 }, message: e.message });
    else throw e;
    return undefined;
  }
}

/**
 * Argument sets to check a module with: a base set, then one set per alternative value of one argument (each config
 * variant, the other value of each bool). One change at a time keeps the count linear in the arguments.
 */
function argVariants(cx: Elaboration, decl: ModuleDecl): Map<string, Value>[] {
  const base = new Map<string, Value>();
  const alternatives: [string, Value][] = [];
  for (const p of decl.params) {
    let options: Value[];
    if (p.type.kind === 'NamedType') {
      const c = cx.configs.get(p.type.name);
      if (!c) {
        cx.report({ span: p.type.span, message: `unknown config type '${p.type.name}'`, hint: `configs: ${[...cx.configs.keys()].join(', ') || 'none declared'}` });
        return [];
      }
      options = configVariants(c).map((o) => configValue(cx, c, o, `${c.name} variant`));
    } else if (p.type.name === 'bool') {
      const d = p.default ? checkScalar(cx, p.type, constantExpr(cx, p.default), `default of '${p.name}'`, p.default.span) : undefined;
      const first = d?.kind === 'bool' ? d.value : true;
      options = [{ kind: 'bool', value: first }, { kind: 'bool', value: !first }];
    } else if (p.default) options = [constantExpr(cx, p.default)];
    else if (p.type.name === 'int') options = [{ kind: 'int', dim: dimSym(p.name) }];
    // a float argument only scales values, never shapes: any positive number checks the same code
    else if (p.type.name === 'float') options = [{ kind: 'float', value: 1e-5 }];
    else options = p.type.choices ? p.type.choices.map((value) => ({ kind: 'str', value }) as Value) : [{ kind: 'none' }];
    base.set(p.name, options[0]!);
    for (const o of options.slice(1)) alternatives.push([p.name, o]);
  }
  return [base, ...alternatives.map(([name, v]) => new Map(base).set(name, v))];
}
