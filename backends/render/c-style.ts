/**
 * The shared half of every kernel renderer: expressions and statements of the kernel IR printed in C-like syntax.
 * A target (WGSL now, CUDA later) overrides small tables — type names, literals, thread indices, math function
 * names — and the kernel's declarations; the walk over the IR is written once, here.
 */
import type { Expr, Kernel, MathFn, Scalar, Stmt, StorageType, ThreadIndex, Type } from '../../compiler/kernel/ir.ts';
import type { WmmaStmt } from '../../compiler/kernel/wmma.ts';
import { indent } from './code.ts';

const PRECEDENCE: Record<string, number> = {
  '*': 5, '/': 5, '%': 5, '+': 4, '-': 4, '<': 3, '<=': 3, '>': 3, '>=': 3, '==': 3, '!=': 3, '&&': 2, '||': 1,
};
const isLogicalOrCompare = (op: string): boolean => PRECEDENCE[op]! <= 3;

export abstract class CStyleRenderer {
  /** Target spelling of each math function. */
  protected abstract readonly math: Readonly<Record<MathFn, string>>;

  abstract type(t: Type): string;
  abstract literal(t: Scalar, v: number | boolean): string;
  abstract thread(which: ThreadIndex, kernel: Kernel): string;
  abstract uniform(name: string): string;
  /** Renders a whole kernel: declarations around `body`. */
  abstract render(kernel: Kernel): string;

  /** Identifiers of the IR as the target spells them (targets rename reserved words). */
  name(n: string): string {
    return n;
  }

  cast(t: Type, a: string): string {
    return `${this.type(t)}(${a})`;
  }

  select(c: string, a: string, b: string): string {
    return `(${c} ? ${a} : ${b})`;
  }

  vector(t: Type, parts: string[]): string {
    return `${this.type(t)}(${parts.join(', ')})`;
  }

  lane(a: string, i: number): string {
    return `${a}.${'xyzw'[i]}`;
  }

  /**
   * Element `i` of array `buf` (storage `t`, written by the kernel or not) as a register value. Targets override it
   * for narrow floats, which widen to f32 here.
   */
  loadText(_t: StorageType, buf: string, i: string, _written: boolean): string {
    return `${buf}[${i}]`;
  }

  /** Stores register value `v` as element `i` of `buf` (narrow floats round here). */
  storeText(_t: StorageType, buf: string, i: string, v: string): string {
    return `${buf}[${i}] = ${v};`;
  }

  /** The storage type of a buffer or workgroup array of `kernel`, and whether the kernel writes it. */
  protected array(kernel: Kernel, name: string): { t: StorageType; written: boolean } {
    const b = kernel.buffers.find((x) => x.name === name);
    if (b) return { t: b.t, written: b.write };
    const s = kernel.shared.find((x) => x.name === name);
    if (!s) throw new Error(`kernel ${kernel.name}: no array ${name}`);
    return { t: s.t, written: true };
  }

  abstract declareLet(name: string, t: Type, value: string): string;
  abstract declareVar(name: string, t: Type, value: string): string;
  abstract forHeader(name: string, from: string, to: string, step: string): string;
  abstract barrier(): string;

  /** `let name = v` from lane `lane ^ xor` of the warp; only targets with fixed-width warps spell it (ir.ts). */
  shuffleXor(name: string, _t: Type, _v: string, _xor: number, kernel: Kernel): string {
    throw new Error(`kernel ${kernel.name}: this target has no warp shuffles (shuffle ${name}); schedule it without warpShuffles`);
  }

  /** An operand of a binary op, parenthesised where precedence (or the target's rules on chained comparisons) needs it. */
  private operand(e: Expr, parentOp: string, right: boolean, kernel: Kernel): string {
    const text = this.expr(e, kernel);
    if (e.k === 'lit' && typeof e.v === 'number' && (e.v < 0 || Object.is(e.v, -0))) return `(${text})`;
    if (e.k !== 'bin') return text;
    const p = PRECEDENCE[e.op]!;
    const q = PRECEDENCE[parentOp]!;
    const needs = p < q || (p === q && right) || (isLogicalOrCompare(e.op) && isLogicalOrCompare(parentOp) && e.op !== parentOp) ||
      (p === 3 && q === 3);
    return needs ? `(${text})` : text;
  }

  expr(e: Expr, kernel: Kernel): string {
    switch (e.k) {
      case 'lit':
        return this.literal(e.t, e.v);
      case 'ref':
        return this.name(e.name);
      case 'uniform':
        return this.uniform(e.name);
      case 'thread':
        return this.thread(e.which, kernel);
      case 'load': {
        const a = this.array(kernel, e.buf);
        return this.loadText(a.t, this.name(e.buf), this.expr(e.i, kernel), a.written);
      }
      case 'bin':
        return `${this.operand(e.a, e.op, false, kernel)} ${e.op} ${this.operand(e.b, e.op, true, kernel)}`;
      case 'un': {
        const a = this.expr(e.a, kernel);
        const wrapped = e.a.k === 'ref' || e.a.k === 'call' || e.a.k === 'load' ? a : `(${a})`;
        return `${e.op === 'neg' ? '-' : '!'}${wrapped}`;
      }
      case 'call':
        return `${this.math[e.fn]}(${e.args.map((a) => this.expr(a, kernel)).join(', ')})`;
      case 'cast':
        return this.cast(e.t, this.expr(e.a, kernel));
      case 'select':
        return this.select(this.expr(e.c, kernel), this.expr(e.a, kernel), this.expr(e.b, kernel));
      case 'lane':
        return this.lane(this.wrap(e.a, kernel), e.i);
      case 'vec':
        return this.vector(e.t, e.parts.map((p) => this.expr(p, kernel)));
    }
  }

  private wrap(e: Expr, kernel: Kernel): string {
    const text = this.expr(e, kernel);
    return e.k === 'ref' || e.k === 'load' || e.k === 'call' ? text : `(${text})`;
  }

  stmt(s: Stmt, kernel: Kernel): string {
    const e = (x: Expr) => this.expr(x, kernel);
    const block = (ss: readonly Stmt[]) => indent(this.stmts(ss, kernel));
    switch (s.k) {
      case 'let':
        return this.declareLet(this.name(s.name), s.v.t, e(s.v));
      case 'var':
        return this.declareVar(this.name(s.name), s.t, e(s.v));
      case 'set':
        return `${this.name(s.name)} = ${e(s.v)};`;
      case 'store':
        return this.storeText(this.array(kernel, s.buf).t, this.name(s.buf), e(s.i), e(s.v));
      case 'for':
        return `${this.forHeader(this.name(s.name), e(s.from), e(s.to), e(s.step))} {\n${block(s.body)}\n}`;
      case 'if': {
        const head = `if (${e(s.c)}) {\n${block(s.then)}\n}`;
        return s.else.length === 0 ? head : `${head} else {\n${block(s.else)}\n}`;
      }
      case 'barrier':
        return this.barrier();
      case 'shuffleXor':
        return this.shuffleXor(this.name(s.name), s.v.t, e(s.v), s.xor, kernel);
      case 'return':
        return 'return;';
      default:
        return this.intrinsic(s, kernel);
    }
  }

  /** A target intrinsic (tensor-core statement, compiler/kernel/wmma.ts): only the target it is for prints it. */
  intrinsic(s: WmmaStmt, kernel: Kernel): string {
    throw new Error(`kernel ${kernel.name} is for ${kernel.target ?? 'no target'}: this renderer cannot print ${s.k}`);
  }

  stmts(ss: readonly Stmt[], kernel: Kernel): string {
    return ss.map((s) => this.stmt(s, kernel)).join('\n');
  }
}
