/**
 * Invariants of the kernel IR, checked on every kernel in tests: names are declared before use and in scope, stores
 * go to writable buffers or workgroup arrays, and expression types agree with what they read. A violation is a bug
 * in a lowering; catching it here names the kernel instead of leaving a shader compiler error to decode.
 */
import { type FragmentUse, isWmma, type WmmaStmt } from './wmma.ts';
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
          if (isWmma(s)) wmma(s, scope);
          break;
      }
    }
  };

  // Tensor-core statements: only in CUDA kernels, on declared fragments of the right use, through workgroup arrays
  // of the fragment's element type with a leading dimension the hardware accepts (16 bytes' worth of elements).
  const fragments = new Map<string, Extract<WmmaStmt, { k: 'wmma_fragment' }>>();
  const wmma = (s: WmmaStmt, scope: Map<string, { t: Type; mutable: boolean }>): void => {
    if (kernel.target !== 'cuda') fail(`${s.k} in a kernel not marked for CUDA`);
    if (s.k === 'wmma_fragment') {
      if (fragments.has(s.name) || scope.has(s.name) || arrays.has(s.name)) fail(`${s.name} is declared twice`);
      if ((s.use === 'acc') !== (s.t === 'f32')) fail(`fragment ${s.name}: ${s.use} of ${s.t}`);
      fragments.set(s.name, s);
      return;
    }
    const frag = (name: string, use: FragmentUse) => {
      const f = fragments.get(name);
      if (!f) fail(`fragment ${name} is not declared`);
      if (f!.use !== use) fail(`fragment ${name} is ${f!.use}, used as ${use}`);
      return f!;
    };
    if (s.k === 'wmma_zero') frag(s.frag, 'acc');
    if (s.k === 'wmma_mma') {
      const [a, b] = [frag(s.a, 'a'), frag(s.b, 'b')];
      frag(s.acc, 'acc');
      if (a.t !== b.t) fail(`mma of ${a.t} by ${b.t}`);
    }
    if (s.k === 'wmma_load' || s.k === 'wmma_store') {
      const f = fragments.get(s.frag);
      if (!f) fail(`fragment ${s.frag} is not declared`);
      if ((f!.use === 'acc') !== (s.k === 'wmma_store')) fail(`${s.k} of ${s.frag}, an ${f!.use} fragment`);
      if (!kernel.shared.some((a) => a.name === s.array && a.t === f!.t)) fail(`${s.k} of ${s.frag} (${f!.t}) through ${s.array}, which is not a ${f!.t} workgroup array`);
      if (s.ld % (f!.t === 'f32' ? 4 : 8) !== 0) fail(`${s.k}: leading dimension ${s.ld} is not a multiple of 16 bytes`);
      expr(s.at, scope);
    }
  };
  block(kernel.body, new Map());
}
