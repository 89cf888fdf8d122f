/**
 * Writes a standalone CUDA C++ program that checks and times BERT-base's f16/bf16 GEMM kernels on a GPU: the
 * tensor-core (WMMA) kernels against the portable ones, same shapes, same data, for machines that have a GPU and
 * nvcc but no Node (the program embeds the generated kernels). Per kernel: ms per launch (CUDA events), TFLOP/s,
 * and the relative error of its output against the portable kernel's and, on sampled entries, against a float64
 * host reference (bias-only epilogue).
 *
 *   node --import tsx scripts/cuda-gemm-harness.ts DIR        # writes DIR/gemm.cu
 *   nvcc -std=c++17 -O3 -arch=sm_90 --resource-usage DIR/gemm.cu -o gemm && ./gemm   # on the GPU machine
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileCuda, cudaModuleSource, type CudaKernel } from '../backends/cuda/program.ts';
import { compileGraph, optimizeGraph, readSource } from '../compiler/pipeline.ts';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: cuda-gemm-harness.ts DIR');
  process.exit(2);
}
const BASE = { hidden_size: 768, num_attention_heads: 12, num_hidden_layers: 1, intermediate_size: 3072, vocab_size: 30522, max_position_embeddings: 512 };
const source = compileGraph(readSource(new URL('../specs/bert.dsl', import.meta.url).pathname), { entry: 'BertModel', config: BASE });

const kernels: CudaKernel[] = [];
/** [label, entry, bf16, addends, portable] for the projections: bias, bias + GELU, bias + residual. */
const rows: string[] = [];
for (const precision of ['fp16', 'bf16'] as const) {
  // LayerNorm left out of the GEMMs, so every projection is a plain GEMM with an epilogue
  const graph = optimizeGraph(source, { precision, fuseNorm: false, fuseAddNorm: false }).graph;
  const t = precision === 'fp16' ? 'f16' : 'bf16';
  const pick = (tensorCores: boolean, epi: string) => {
    const re = tensorCores ? new RegExp(`^matmul_wmma_${t}_${t}_nt_b0_${epi}$`) : new RegExp(`^matmul_${t}_nt_b0_${epi}(_v4)?$`);
    const k = compileCuda(graph, { tensorCores }).kernels.find((x) => re.test(x.name));
    if (!k) throw new Error(`no kernel ${re}`);
    kernels.push(k);
    return k;
  };
  for (const [epi, n, kk, adds] of [['epi1', 2304, 768, 1], ['epi1_gelu', 3072, 768, 1], ['epi2', 768, 3072, 2]] as const) {
    const [tc, portable] = [pick(true, epi), pick(false, epi)];
    for (const m of [4096, 16384]) {
      rows.push(`  {"${t} ${epi} M=${m} N=${n} K=${kk}", (void*)${tc.entry}, (void*)${portable.entry}, ${t === 'bf16'}, ${adds}, ${m}u, ${kk}u, ${n}u},`);
    }
    // sizes that are no multiple of 16 or 64 (K a multiple of 4, as the kernel compiled for K = 768 reads 4 at a time)
    if (epi === 'epi1') rows.push(`  {"${t} ${epi} M=999 N=1001 K=780", (void*)${tc.entry}, (void*)${portable.entry}, ${t === 'bf16'}, ${adds}, 999u, 780u, 1001u},`);
  }
  // a hidden size that is no multiple of 4: the kernel stages its operands one half at a time
  const odd = optimizeGraph(compileGraph(readSource(new URL('../specs/bert.dsl', import.meta.url).pathname), { entry: 'BertModel', config: { ...BASE, hidden_size: 770, num_attention_heads: 2 } }), { precision, fuseNorm: false, fuseAddNorm: false }).graph;
  const scalar = compileCuda(odd).kernels.find((x) => x.name === `matmul_wmma_${t}_${t}_nt_b0_epi1`);
  if (!scalar || scalar.buffers[0]!.t !== t) throw new Error('no scalar-staging WMMA kernel');
  kernels.push(scalar);
  rows.push(`  {"${t} epi1 scalar M=999 N=1001 K=771", (void*)${scalar.entry}, nullptr, ${t === 'bf16'}, 1, 999u, 771u, 1001u},`);
}

const harness = `${cudaModuleSource(kernels)}

// ---- harness (scripts/cuda-gemm-harness.ts) ----
#include <cuda_fp16.h>
#include <cuda_bf16.h>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <vector>

#define CHECK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { std::printf("%s: %s\\n", #x, cudaGetErrorString(e)); std::exit(1); } } while (0)

struct Case { const char* name; void* tc; void* portable; bool bf16; int adds; unsigned m, k, n; };
static const Case CASES[] = {
${rows.join('\n')}
};

static uint16_t narrow(float f, bool bf16) {
  if (bf16) { __nv_bfloat16 h = __float2bfloat16_rn(f); uint16_t b; std::memcpy(&b, &h, 2); return b; }
  __half h = __float2half_rn(f); uint16_t b; std::memcpy(&b, &h, 2); return b;
}
static float widen(uint16_t b, bool bf16) {
  if (bf16) { __nv_bfloat16 h; std::memcpy(&h, &b, 2); return __bfloat162float(h); }
  __half h; std::memcpy(&h, &b, 2); return __half2float(h);
}
static std::vector<uint16_t> random(size_t n, float scale, bool bf16, uint32_t seed) {
  std::vector<uint16_t> v(n);
  for (size_t i = 0; i < n; i++) { seed = seed * 1664525u + 1013904223u; v[i] = narrow(scale * ((seed >> 8) / 8388608.0f - 1.0f), bf16); }
  return v;
}

// ms per launch over \`iters\` launches (after one warm-up), and the output of the warm-up
static float run(void* fn, const Case& c, void** bufs, std::vector<uint16_t>& out, int iters) {
  unsigned batches = 1, m = c.m, k = c.k, n = c.n;
  void* args[9]; int a = 0;
  for (int i = 0; i < 3 + c.adds; i++) args[a++] = &bufs[i];
  args[a++] = &m; args[a++] = &k; args[a++] = &n; args[a++] = &batches;
  dim3 grid(((m + 63) / 64) * ((n + 63) / 64)), block(fn == c.tc ? 128 : 256);
  CHECK(cudaMemset(bufs[2], 0xff, sizeof(uint16_t) * m * n));
  CHECK(cudaLaunchKernel(fn, grid, block, args, 0, 0));
  CHECK(cudaDeviceSynchronize());
  out.resize(size_t(m) * n);
  CHECK(cudaMemcpy(out.data(), bufs[2], sizeof(uint16_t) * out.size(), cudaMemcpyDeviceToHost));
  cudaEvent_t t0, t1; cudaEventCreate(&t0); cudaEventCreate(&t1);
  cudaEventRecord(t0);
  for (int i = 0; i < iters; i++) cudaLaunchKernel(fn, grid, block, args, 0, 0);
  cudaEventRecord(t1); CHECK(cudaEventSynchronize(t1));
  float ms = 0; cudaEventElapsedTime(&ms, t0, t1);
  return ms / iters;
}

int main() {
  cudaDeviceProp p; CHECK(cudaGetDeviceProperties(&p, 0));
  std::printf("%s, sm_%d%d, %d SMs\\n\\n", p.name, p.major, p.minor, p.multiProcessorCount);
  std::printf("%-34s %10s %10s %9s %9s %8s %12s %12s\\n", "GEMM (x @ W^T + epilogue)", "wmma ms", "port ms", "wmma TF/s", "port TF/s", "speedup", "wmma~port", "wmma~f64");
  int bad = 0;
  for (const Case& c : CASES) {
    const size_t mk = size_t(c.m) * c.k, nk = size_t(c.n) * c.k, mn = size_t(c.m) * c.n;
    std::vector<std::vector<uint16_t>> host = {random(mk, 1.0f, c.bf16, 1), random(nk, 0.05f, c.bf16, 2), {}, random(c.n, 0.5f, c.bf16, 3), random(mn, 1.0f, c.bf16, 4)};
    void* bufs[5] = {};
    for (int i = 0; i < 5; i++) {
      size_t n = i == 2 ? mn : host[i].size();
      CHECK(cudaMalloc(&bufs[i], 2 * n));
      if (i != 2) CHECK(cudaMemcpy(bufs[i], host[i].data(), 2 * n, cudaMemcpyHostToDevice));
    }
    if (c.adds == 1) bufs[4] = nullptr;
    std::vector<uint16_t> tc, port;
    const int iters = c.m >= 4096 ? 20 : 3;
    const float tms = run(c.tc, c, bufs, tc, iters), pms = c.portable ? run(c.portable, c, bufs, port, iters) : NAN;
    double num = 0, den = 0, rnum = 0, rden = 0;
    // the portable kernels here store 4 columns at a time (_v4), which needs N % 4 == 0: elsewhere only f64 counts
    const bool comparable = c.portable != nullptr && c.n % 4 == 0;
    for (size_t i = 0; comparable && i < mn; i++) { const double x = widen(tc[i], c.bf16), y = widen(port[i], c.bf16); num += (x - y) * (x - y); den += y * y; }
    bool sampled = false;
    if (std::strstr(c.name, "epi1 ") != nullptr) {  // bias only: a float64 reference on sampled entries
      sampled = true;
      for (size_t s = 0; s < 4096; s++) {
        const size_t i = (s * 2654435761u) % mn, r = i / c.n, col = i % c.n;
        double ref = widen(host[3][col], c.bf16);
        for (size_t q = 0; q < c.k; q++) ref += double(widen(host[0][r * c.k + q], c.bf16)) * widen(host[1][col * c.k + q], c.bf16);
        const double x = widen(tc[i], c.bf16);
        rnum += (x - ref) * (x - ref); rden += ref * ref;
      }
    }
    const double flops = 2.0 * c.m * c.n * c.k, e = comparable ? std::sqrt(num / den) : NAN, er = sampled ? std::sqrt(rnum / rden) : NAN;
    const double tol = c.bf16 ? 1e-2 : 2e-3;
    if ((comparable && !(e <= tol)) || (sampled && !(er <= tol))) bad++;
    std::printf("%-34s %10.4f %10.4f %9.1f %9.1f %7.2fx %12.2e %12.2e\\n", c.name, tms, comparable ? pms : NAN, flops / tms / 1e9, comparable ? flops / pms / 1e9 : NAN, comparable ? pms / tms : NAN, e, er);
    for (void* b : bufs) if (b) cudaFree(b);
  }
  std::printf("\\n%s\\n", bad ? "MISMATCH: some tensor-core results differ from the portable kernel or the f64 reference" : "all tensor-core results agree with the portable kernel and the f64 reference");
  return bad ? 1 : 0;
}
`;
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'gemm.cu'), harness);
console.log(`wrote ${join(dir, 'gemm.cu')}: ${rows.length} cases, ${new Set(kernels.map((k) => k.entry)).size} kernels`);
