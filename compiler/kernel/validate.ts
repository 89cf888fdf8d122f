/**
 * Invariants of the kernel IR, checked on every kernel in tests: names are declared before use and in scope, stores
 * go to writable buffers or workgroup arrays, and expression types agree with what they read. A violation is a bug
 * in a lowering; catching it here names the kernel instead of leaving a shader compiler error to decode.
 */
import { type Expr, type Kernel, registerOf, type Stmt, type StorageType, type Type, WARP } from './ir.ts';

export function validateKernel(kernel: Kernel): void {
  const fail = (why: string): never => {
    throw new Error(`kernel ${kernel.name}: ${why}`);
  };
  const arrays = new Map<string, { t: StorageType; write: boolean }>();
  for (const b of kernel.buffers) arrays.set(b.name, { t: b.t, write: b.write });
  for (const s of kernel.shared) arrays.set(s.name, { t: s.t, write: true });
  const uniforms = new Set(kernel.uniforms);

  const expr = (e: Expr, scope: Map<string, { t: Type; mutable: boolean }>): void => {
    switch (e.k) {
      case 'ref': {
        const v = scope.get(e.name);
        if (!v) fail(`${e.name} is used outside its scope`);
        if (v!.t !== e.t) fail(`${e.name} is ${v!.t} but read as ${e.t}`);
        return;
      }
      case 'uniform':
        if (!uniforms.has(e.name)) fail(`uniform ${e.name} is not declared`);
        return;
      case 'load': {
        const a = arrays.get(e.buf);
        if (!a) fail(`array ${e.buf} is not declared`);
        if (registerOf(a!.t) !== e.t) fail(`load from ${e.buf} (${a!.t}) typed ${e.t}`);
        return expr(e.i, scope);
      }
      case 'bin':
        expr(e.a, scope);
        return expr(e.b, scope);
      case 'un':
      case 'cast':
      case 'lane':
        return expr(e.a, scope);
      case 'call':
        return e.args.forEach((a) => expr(a, scope));
      case 'select':
        expr(e.c, scope);
        expr(e.a, scope);
        return expr(e.b, scope);
      case 'vec':
        return e.parts.forEach((a) => expr(a, scope));
      default:
        return;
    }
  };

  const block = (stmts: readonly Stmt[], outer: Map<string, { t: Type; mutable: boolean }>): void => {
    const scope = new Map(outer);
    for (const s of stmts) {
      switch (s.k) {
        case 'let':
        case 'var':
          expr(s.v, scope);
          if (scope.has(s.name) || arrays.has(s.name)) fail(`${s.name} is declared twice`);
          scope.set(s.name, { t: s.k === 'var' ? s.t : s.v.t, mutable: s.k === 'var' });
          break;
        case 'set': {
          expr(s.v, scope);
          const v = scope.get(s.name);
          if (!v?.mutable) fail(`assignment to ${s.name}, which is not a var in scope`);
          break;
        }
        case 'store': {
          const a = arrays.get(s.buf);
          if (!a?.write) fail(`store to ${s.buf}, which is not writable`);
          if (registerOf(a!.t) !== s.v.t) fail(`store of ${s.v.t} into ${s.buf} (${a!.t})`);
          expr(s.i, scope);
          expr(s.v, scope);
          break;
        }
        case 'for':
          [s.from, s.to, s.step].forEach((e) => expr(e, scope));
          block(s.body, new Map([...scope, [s.name, { t: 'u32', mutable: false }]]));
          break;
        case 'shuffleXor':
          expr(s.v, scope);
          if (scope.has(s.name) || arrays.has(s.name)) fail(`${s.name} is declared twice`);
          if (!Number.isInteger(s.xor) || s.xor < 1 || s.xor >= WARP) fail(`shuffle ${s.name} exchanges with lane ^ ${s.xor}, outside a warp of ${WARP}`);
          if (kernel.workgroup % WARP !== 0) fail(`shuffle ${s.name} in a workgroup of ${kernel.workgroup}, not whole warps of ${WARP}`);
          scope.set(s.name, { t: s.v.t, mutable: false });
          break;
        case 'if':
          expr(s.c, scope);
          block(s.then, scope);
          block(s.else, scope);
          break;
        default:
          break;
      }
    }
  };
  block(kernel.body, new Map());
}
