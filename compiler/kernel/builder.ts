/**
 * Writing kernels in TypeScript: a builder whose block structure follows the code that calls it, so a lowering
 * reads top to bottom like the kernel it makes.
 *
 * @example
 * const k = new KernelBuilder('scale_f32', 256);
 * const x = k.buffer('x', 'f32');
 * const y = k.buffer('y', 'f32', true);
 * const i = k.let('i', thread('global'));
 * k.if(ge(i, k.uniform('n')), () => k.return());
 * k.store(y, i, mul(k.load(x, i), f32(2)));
 * const kernel = k.build();
 */
import { ref, thread } from './expr.ts';
import type { WmmaStmt } from './wmma.ts';
import { type BufferParam, type Expr, isNarrow, type Kernel, registerOf, type SharedArray, type Stmt, type StorageType, type Type } from './ir.ts';

/** A buffer or workgroup array, for loads and stores. */
export interface ArrayRef {
  readonly name: string;
  readonly t: StorageType;
}

/** A mutable local. */
export interface VarRef {
  readonly get: Expr;
  set(v: Expr): void;
}

export class KernelBuilder {
  private readonly buffers: BufferParam[] = [];
  private readonly uniforms: string[] = [];
  private readonly shared: SharedArray[] = [];
  private readonly names = new Set<string>();
  private readonly blocks: Stmt[][] = [[]];
  private target: 'cuda' | undefined;

  constructor(
    readonly name: string,
    readonly workgroup: number,
  ) {}

  /** A name not used yet in this kernel (`acc`, `acc_1`, ...), so helpers can be called twice. */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  buffer(name: string, t: StorageType, write = false): ArrayRef {
    const b = { name: this.fresh(name), t, write };
    this.buffers.push(b);
    return b;
  }

  /** A u32 size supplied at dispatch; asking twice for one name gives the same uniform. */
  uniform(name: string): Expr {
    if (!this.uniforms.includes(name)) {
      if (this.names.has(name)) throw new Error(`kernel IR: uniform ${name} clashes with a local`);
      this.names.add(name);
      this.uniforms.push(name);
    }
    return { k: 'uniform', t: 'u32', name };
  }

  /** Marks the kernel as one only `target`'s renderer prints: it may then use that target's intrinsics. */
  onlyFor(target: 'cuda'): void {
    this.target = target;
  }

  /** A target intrinsic (tensor-core statement); the kernel must be marked with `onlyFor`. */
  intrinsic(s: WmmaStmt): void {
    if (!this.target) throw new Error(`kernel IR: ${s.k} in kernel ${this.name}, which is not marked target-specific`);
    this.emit(s);
  }

  workgroupArray(name: string, t: StorageType, size: number): ArrayRef {
    // narrow workgroup arrays are what tensor cores load from; portable kernels keep them in register types
    if (isNarrow(t) && !this.target) throw new Error(`kernel IR: workgroup array ${name} of ${t} (workgroup memory holds registers' types)`);
    const a = { name: this.fresh(name), t, size };
    this.shared.push(a);
    return a;
  }

  private emit(s: Stmt): void {
    this.blocks[this.blocks.length - 1]!.push(s);
  }

  private block(fn: () => void): Stmt[] {
    this.blocks.push([]);
    fn();
    return this.blocks.pop()!;
  }

  /** Element `i` of `a` as a register value: narrow floats (f16, bf16, i8) widen to f32. */
  load(a: ArrayRef, i: Expr): Expr {
    if (i.t !== 'u32') throw new Error(`kernel IR: index of ${a.name} is ${i.t}`);
    return { k: 'load', t: registerOf(a.t), buf: a.name, i };
  }

  /** Stores a register value; into a narrow float buffer an f32 is rounded to nearest even. */
  store(a: ArrayRef, i: Expr, v: Expr): void {
    if (a.t === 'i8') throw new Error(`kernel IR: ${a.name} is i8, which kernels only read`);
    if (v.t !== registerOf(a.t)) throw new Error(`kernel IR: storing ${v.t} into ${a.name} of ${a.t}`);
    if (i.t !== 'u32') throw new Error(`kernel IR: index of ${a.name} is ${i.t}`);
    this.emit({ k: 'store', buf: a.name, i, v });
  }

  /** An immutable local; literals and plain references are returned as they are, without a name. */
  let(name: string, v: Expr): Expr {
    if (v.k === 'lit' || v.k === 'ref' || v.k === 'uniform') return v;
    const n = this.fresh(name);
    this.emit({ k: 'let', name: n, v });
    return ref(n, v.t);
  }

  var(name: string, t: Type, init: Expr): VarRef {
    if (init.t !== t) throw new Error(`kernel IR: var ${name}: ${t} initialised with ${init.t}`);
    const n = this.fresh(name);
    this.emit({ k: 'var', name: n, t, v: init });
    return {
      get: ref(n, t),
      set: (v: Expr) => {
        if (v.t !== t) throw new Error(`kernel IR: assigning ${v.t} to ${n}: ${t}`);
        this.emit({ k: 'set', name: n, v });
      },
    };
  }

  for(name: string, from: Expr, to: Expr, step: Expr, body: (i: Expr) => void): void {
    const n = this.fresh(name);
    const stmts = this.block(() => body(ref(n, 'u32')));
    this.emit({ k: 'for', name: n, from, to, step, body: stmts });
  }

  if(c: Expr, then: () => void, otherwise?: () => void): void {
    if (c.t !== 'bool') throw new Error(`kernel IR: if condition is ${c.t}`);
    const t = this.block(then);
    const e = otherwise ? this.block(otherwise) : [];
    this.emit({ k: 'if', c, then: t, else: e });
  }

  /** The value `v` had in the thread at warp lane `lane ^ xor` (see the `shuffleXor` statement of ir.ts). */
  shuffleXor(name: string, v: Expr, xor: number): Expr {
    if (v.t !== 'f32' && v.t !== 'i32' && v.t !== 'u32') throw new Error(`kernel IR: shuffle of ${v.t}`);
    const n = this.fresh(name);
    this.emit({ k: 'shuffleXor', name: n, v, xor });
    return ref(n, v.t);
  }

  barrier(): void {
    this.emit({ k: 'barrier' });
  }

  return(): void {
    this.emit({ k: 'return' });
  }

  /** The thread's index in its group, its group's linear index, and group * workgroup + local. */
  get local(): Expr {
    return thread('local');
  }
  get group(): Expr {
    return thread('group');
  }
  get global(): Expr {
    return thread('global');
  }

  build(): Kernel {
    if (this.blocks.length !== 1) throw new Error('kernel IR: build() inside a block');
    return {
      name: this.name,
      workgroup: this.workgroup,
      buffers: this.buffers,
      uniforms: this.uniforms,
      shared: this.shared,
      body: this.blocks[0]!,
      ...(this.target ? { target: this.target } : {}),
    };
  }
}
