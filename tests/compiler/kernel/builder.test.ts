/** The kernel IR builder and its checks: type errors and scope errors are caught when a kernel is built. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KernelBuilder } from '../../../compiler/kernel/builder.ts';
import * as E from '../../../compiler/kernel/expr.ts';
import type { Kernel } from '../../../compiler/kernel/ir.ts';
import { validateKernel } from '../../../compiler/kernel/validate.ts';

test('index arithmetic folds the trivial cases', () => {
  const i = E.ref('i', 'u32');
  assert.is(E.mul(i, E.u32(1)), i);
  assert.is(E.add(E.u32(0), i), i);
  assert.equal(E.mul(i, E.u32(0)), E.u32(0));
  assert.equal(E.add(E.u32(2), E.u32(3)), E.u32(5));
  assert.equal(E.ceilDiv(i, E.u32(64)), E.div(E.add(i, E.u32(63)), E.u32(64)));
  assert.equal(E.cast('i32', E.u32(7)), E.i32(7));
  assert.is(E.cast('f32', i).k, 'cast');
});

test('mixing types is refused where the expression is built', () => {
  assert.throws(() => E.add(E.f32(1), E.u32(1)), /\+ of f32 and u32/);
  assert.throws(() => E.select(E.u32(1), E.f32(1), E.f32(2)), /select condition is u32/);
  assert.throws(() => E.and(E.u32(1), E.u32(1)), /&& of u32/);
  const k = new KernelBuilder('t', 64);
  const buf = k.buffer('x', 'f32', true);
  assert.throws(() => k.store(buf, E.u32(0), E.i32(1)), /storing i32 into x of f32/);
  assert.throws(() => k.load(buf, E.i32(0)), /index of x is i32/);
  const v = k.var('acc', 'f32', E.f32(0));
  assert.throws(() => v.set(E.u32(1)), /assigning u32 to acc: f32/);
});

test('fresh names keep helpers callable twice', () => {
  const k = new KernelBuilder('t', 64);
  const a = k.let('x', E.add(k.local, E.u32(1)));
  const b = k.let('x', E.add(k.local, E.u32(2)));
  assert.equal([a.k === 'ref' && a.name, b.k === 'ref' && b.name], ['x', 'x_1']);
  validateKernel(k.build());
});

test('the validator catches scope and access mistakes', () => {
  const base: Omit<Kernel, 'body'> = { name: 'bad', workgroup: 1, buffers: [{ name: 'x', t: 'f32', write: false }], uniforms: ['n'], shared: [] };
  const outOfScope: Kernel = {
    ...base,
    body: [
      { k: 'if', c: E.bool(true), then: [{ k: 'let', name: 'y', v: E.f32(1) }], else: [] },
      { k: 'let', name: 'z', v: E.ref('y', 'f32') },
    ],
  };
  assert.throws(() => validateKernel(outOfScope), /kernel bad: y is used outside its scope/);
  assert.throws(() => validateKernel({ ...base, body: [{ k: 'store', buf: 'x', i: E.u32(0), v: E.f32(1) }] }), /store to x, which is not writable/);
  assert.throws(() => validateKernel({ ...base, body: [{ k: 'let', name: 'a', v: E.uniform('m') }] }), /uniform m is not declared/);
  assert.throws(() => validateKernel({ ...base, body: [{ k: 'set', name: 'a', v: E.f32(1) }] }), /assignment to a/);
});

test.run();
