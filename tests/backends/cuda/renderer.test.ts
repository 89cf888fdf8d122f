/**
 * The CUDA printer on small hand-built kernels: declarations, thread indices, literals, the helpers that keep
 * WGSL's meaning (wrapping i32, saturating conversions, NaN-keeping clamp), reserved names, entry names, pruning.
 * No compiler needed; compile.test.ts and emulation.test.ts check what the text means.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileCuda, cudaKernelOf, cudaModuleSource } from '../../../backends/cuda/program.ts';
import { floatLiteral, renderCuda } from '../../../backends/cuda/renderer.ts';
import { KernelBuilder } from '../../../compiler/kernel/builder.ts';
import * as E from '../../../compiler/kernel/expr.ts';
import { scheduleGraph } from '../../../compiler/kernel/schedule.ts';
import { bertCases, compileCase } from './bert-cases.ts';

function scale(factor = 2): KernelBuilder {
  const k = new KernelBuilder('scale_f32', 256);
  const x = k.buffer('x', 'f32');
  const y = k.buffer('y', 'f32', true);
  const i = k.let('i', k.global);
  k.if(E.ge(i, k.uniform('n')), () => k.return());
  k.store(y, i, E.mul(k.load(x, i), E.f32(factor)));
  return k;
}

test('a kernel is an extern "C" __global__ function with launch bounds, const restrict inputs and u32 sizes', () => {
  const { entry, source } = renderCuda(scale().build());
  assert.match(entry, /^scale_f32_[0-9a-f]{10}$/);
  assert.ok(source.includes(`extern "C" __global__ void __launch_bounds__(256) ${entry}(`), source);
  assert.ok(source.includes('const float* __restrict__ x,'));
  assert.ok(source.includes('float* __restrict__ y,'));
  assert.ok(source.includes('const unsigned n'));
  // The group index folded onto a 2-D grid, numbered as the WGSL kernels number it.
  assert.ok(source.includes('const unsigned i = ((blockIdx.x + blockIdx.y * gridDim.x) * 256u + threadIdx.x);'), source);
  assert.ok(source.includes('y[i] = x[i] * 2.0f;'));
});

test('equal kernels get equal entry names; different bodies or descriptions get different ones', () => {
  assert.is(renderCuda(scale().build()).entry, renderCuda(scale().build()).entry);
  assert.is.not(renderCuda(scale(2).build()).entry, renderCuda(scale(3).build()).entry);
  const odd = new KernelBuilder('gelu-tanh/x4', 64);
  odd.store(odd.buffer('y', 'f32', true), odd.local, E.f32(0));
  assert.match(renderCuda(odd.build()).entry, /^gelu_tanh_x4_[0-9a-f]{10}$/);
});

test('shared memory, barriers and local indices', () => {
  const k = new KernelBuilder('reverse', 64);
  const y = k.buffer('y', 'f32', true);
  const s = k.workgroupArray('tile', 'f32', 64);
  const v = k.workgroupArray('quads', 'f32x4', 8);
  k.store(s, k.local, E.cast('f32', k.local));
  k.barrier();
  k.store(y, k.local, k.load(s, E.sub(E.u32(63), k.local)));
  k.if(E.lt(k.local, E.u32(8)), () => k.store(v, k.local, { k: 'vec', t: 'f32x4', parts: [E.f32(1), E.f32(2), E.f32(3), E.f32(4)] }));
  const { source } = renderCuda(k.build());
  assert.ok(source.includes('__shared__ float tile[64];'));
  assert.ok(source.includes('__shared__ float4 quads[8];'));
  assert.ok(source.includes('__syncthreads();'));
  assert.ok(source.includes('tile[threadIdx.x] = static_cast<float>(threadIdx.x);'), source);
  assert.ok(source.includes('quads[threadIdx.x] = make_float4(1.0f, 2.0f, 3.0f, 4.0f);'), source);
});

test('float literals are the shortest f32 decimals, spelled as C floats; infinities and NaN by bit pattern', () => {
  assert.is(floatLiteral(1), '1.0f');
  assert.is(floatLiteral(0.1), '0.1f');
  assert.is(floatLiteral(1e-12), '1e-12f');
  assert.is(floatLiteral(-2.5), '-2.5f');
  assert.is(floatLiteral(-0), '-0.0f');
  assert.is(floatLiteral(3e38), '3e+38f');
  assert.is(floatLiteral(Infinity), '__int_as_float(0x7f800000)');
  assert.is(floatLiteral(-Infinity), '__int_as_float((int)0xff800000u)');
  assert.is(floatLiteral(NaN), '__int_as_float(0x7fc00000)');
});

test('i32 arithmetic wraps and divides as WGSL does; float→int conversion saturates; clamp keeps NaN', () => {
  const k = new KernelBuilder('ints', 64);
  const a = k.buffer('a', 'i32');
  const f = k.buffer('f', 'f32');
  const y = k.buffer('y', 'i32', true);
  const u = k.buffer('u', 'u32', true);
  const x = k.let('x', k.load(a, k.local));
  const g = k.let('g', k.load(f, k.local));
  k.store(y, E.u32(0), E.add(E.mul(x, E.i32(3)), E.sub(E.div(x, E.i32(-1)), E.mod(x, E.i32(7)))));
  k.store(y, E.u32(1), E.neg(E.call('max', x, E.i32(-2147483648))));
  k.store(y, E.u32(2), E.cast('i32', g));
  k.store(u, E.u32(0), E.cast('u32', E.call('clamp', g, E.f32(0), E.f32(4))));
  k.store(u, E.u32(1), E.select(E.ne(g, g), E.u32(1), E.cast('u32', E.cast('bool', g))));
  const { source } = renderCuda(k.build());
  assert.ok(source.includes('y[0u] = dslc_iadd(dslc_imul(x, 3), dslc_isub(dslc_idiv(x, -1), dslc_irem(x, 7)));'), source);
  assert.ok(source.includes('y[1u] = dslc_isub(0, dslc_max(x, (-2147483647 - 1)));'), source);
  assert.ok(source.includes('y[2u] = __float2int_rz(g);'), source);
  assert.ok(source.includes('u[0u] = __float2uint_rz(dslc_clamp(g, 0.0f, 4.0f));'), source);
  assert.ok(source.includes('(g != g ? 1u : static_cast<unsigned>((g != 0.0f)))'), source);
  const module = cudaModuleSource([renderCuda(k.build())]);
  for (const helper of ['dslc_iadd', 'dslc_imul', 'dslc_isub', 'dslc_idiv', 'dslc_irem', 'dslc_max', 'dslc_clamp']) {
    assert.ok(module.includes(`__device__ __forceinline__ int ${helper}(`) || module.includes(`float ${helper}(`), helper);
  }
  assert.not.ok(module.includes('dslc_abs'), 'helpers nothing calls are left out');
});

test('float math uses the accurate single-precision functions; float % is fmodf', () => {
  const k = new KernelBuilder('math', 64);
  const y = k.buffer('y', 'f32', true);
  const v = k.let('v', E.cast('f32', k.local));
  const fns = ['exp', 'log', 'sqrt', 'rsqrt', 'tanh', 'abs', 'floor'] as const;
  fns.forEach((fn, i) => k.store(y, E.u32(i), E.call(fn, v)));
  k.store(y, E.u32(7), E.call('pow', v, E.f32(2)));
  k.store(y, E.u32(8), E.add(E.call('min', v, E.f32(1)), E.call('max', v, E.f32(1))));
  k.store(y, E.u32(9), E.mod(v, E.f32(3)));
  const { source } = renderCuda(k.build());
  for (const name of ['expf(v)', 'logf(v)', 'sqrtf(v)', 'rsqrtf(v)', 'tanhf(v)', 'fabsf(v)', 'floorf(v)', 'powf(v, 2.0f)', 'fminf(v, 1.0f)', 'fmaxf(v, 1.0f)', 'fmodf(v, 3.0f)']) {
    assert.ok(source.includes(name), name);
  }
  assert.not.ok(/__expf|__logf|__tanhf/.test(source), 'no fast-math intrinsics');
});

test('IR names that are C++ or CUDA words are renamed; helper and double-underscore names too', () => {
  const k = new KernelBuilder('names', 64);
  const y = k.buffer('float', 'f32', true);
  const a = k.let('threadIdx', E.cast('f32', k.local));
  const b = k.let('dslc_clamp', E.mul(a, E.f32(2)));
  const c = k.let('__x', E.add(b, a));
  k.store(y, k.local, E.mul(c, E.cast('f32', k.uniform('int'))));
  const { source } = renderCuda(k.build());
  assert.ok(source.includes('float* __restrict__ float_,'), source);
  assert.ok(source.includes('const unsigned int_'), source);
  assert.ok(source.includes('const float threadIdx_ = static_cast<float>(threadIdx.x);'), source);
  assert.ok(source.includes('const float dslc_clamp_ = threadIdx_ * 2.0f;'), source);
  assert.ok(source.includes('float_[threadIdx.x] = __x_ * static_cast<float>(int_);'), source);
});

test('lets nothing reads are dropped (nvcc rejects unused variables under -Werror), chains included', () => {
  const k = scale();
  const unused = k.let('unused', E.mul(k.global, E.u32(3)));
  k.let('unused_too', E.add(unused, E.u32(1)));
  const { source } = renderCuda(k.build());
  assert.not.ok(source.includes('unused'), source);
  assert.is(source, renderCuda(scale().build()).source, 'the same kernel as without them, entry name included');
});

test('vector arithmetic, which the CUDA types do not have, is refused with the kernel named', () => {
  const k = new KernelBuilder('vec_add', 64);
  const x = k.buffer('x', 'f32x4');
  const y = k.buffer('y', 'f32x4', true);
  const v = k.let('v', k.load(x, k.local));
  k.store(y, k.local, E.add(v, v));
  assert.throws(() => renderCuda(k.build()), /vec_add computes on f32x4/);
});

test('a BERT program: one kernel per distinct kernel IR, every launch names one, and entry names are unique', () => {
  const c = bertCases()[0]!;
  const graph = compileCase(c);
  const program = compileCuda(graph);
  const schedule = scheduleGraph(graph);
  assert.is(program.kernels.length, new Set(schedule.kernels.map((k) => cudaKernelOf(k).entry)).size);
  assert.is(program.launches.length, schedule.launches.length);
  assert.ok(program.launches.every((l) => program.kernels[l.kernel]));
  assert.is(new Set(program.kernels.map((k) => k.entry)).size, program.kernels.length);
  const module = cudaModuleSource(program.kernels);
  assert.is(module.split('extern "C" __global__').length - 1, program.kernels.length);
});

test.run();
