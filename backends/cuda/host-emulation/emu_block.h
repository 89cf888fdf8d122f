// The block scheduler of the host emulation, compiled into every emulated module (the generated translation unit
// includes it after the kernels and a table of them, `dslc_emu_kernels`). It exports a small C API, so the file
// driver (emu_driver.cpp) and the stand-in libcuda (emu_libcuda.cpp) can dlopen any module and launch its kernels
// with cuLaunchKernel's argument convention: `params[i]` points at the value of the kernel's i-th parameter.
//
// A block's threads are ucontext fibers on one OS thread, resumed in thread order; each runs until it returns or
// reaches __syncthreads() or a warp shuffle. When no thread can run, the warps whose 32 lanes all wait at one shuffle
// exchange their values and run on; when none does, every live thread must wait at the same barrier (same line) and
// none may have returned: otherwise the barrier (or a shuffle still waiting) is divergent, undefined in CUDA, and
// reported as an error.
// Running a block this way is deterministic: the same kernel and inputs always give the same bits.
#pragma once
#include <cstdio>
#include <memory>
#include <ucontext.h>
#include <vector>

extern "C" {
dim3 dslc_emu_threadIdx, dslc_emu_blockIdx, dslc_emu_gridDim, dslc_emu_blockDim;
extern char __start_dslc_shared[] __attribute__((weak));
extern char __stop_dslc_shared[] __attribute__((weak));
}

namespace {
constexpr size_t kStack = 64 * 1024;  // kernels keep a few dozen scalars; libm needs little more
constexpr unsigned kWarp = 32;

enum class Wait { kNone, kBarrier, kShuffle };

struct Fiber {
  ucontext_t ctx;
  bool done = false;
  Wait wait = Wait::kNone;
  int line = 0;  // barrier or shuffle line it waits at
  unsigned members = 0;  // a shuffle's lane mask argument, its xor distance, the bits it gives and takes
  int lane_mask = 0;
  unsigned give = 0, take = 0;
};

ucontext_t scheduler;
std::vector<Fiber> fibers;
std::vector<std::unique_ptr<char[]>> stacks;  // uninitialised: the OS commits only what is touched
Fiber* current = nullptr;
void (*running)(void**) = nullptr;
void** running_params = nullptr;

void fiber_main() {
  running(running_params);
  current->done = true;  // returning resumes uc_link: the scheduler
}

// Completes the shuffles that every lane of a warp waits at: 1 if any did, 0 if none is waiting, -1 (message in
// `err`) for a shuffle that can never complete. Called only when no thread of the block can run.
int exchange_warps(unsigned threads, char* err, size_t errlen) {
  int progressed = 0;
  for (unsigned lo = 0; lo < threads; lo += kWarp) {
    const unsigned hi = lo + kWarp < threads ? lo + kWarp : threads;
    int line = -1;
    for (unsigned t = lo; t < hi && line < 0; t++)
      if (!fibers[t].done && fibers[t].wait == Wait::kShuffle) line = fibers[t].line;
    if (line < 0) continue;
    const Fiber& first = fibers[lo];
    for (unsigned t = lo; t < hi; t++) {
      const Fiber& f = fibers[t];
      const char* why = f.done ? "has returned"
                        : f.wait != Wait::kShuffle ? "waits at a barrier"
                        : f.line != line ? "waits at another shuffle"
                        : f.members != 0xffffffffu ? "names a partial mask"
                        : f.lane_mask != first.lane_mask || f.lane_mask < 0 || f.lane_mask >= static_cast<int>(kWarp) ? "gives another xor distance"
                                                                                                        : nullptr;
      if (hi - lo != kWarp) why = "is in a partial warp";
      if (why != nullptr) {
        std::snprintf(err, errlen, "shuffle at line %d of warp %u never completes: thread %u %s (line %d)", line, lo / kWarp, t, why, f.line);
        return -1;
      }
    }
    for (unsigned t = lo; t < hi; t++) fibers[t].take = fibers[lo + ((t - lo) ^ static_cast<unsigned>(first.lane_mask))].give;
    for (unsigned t = lo; t < hi; t++) fibers[t].wait = Wait::kNone;
    progressed = 1;
  }
  return progressed;
}

// Returns 0, or 1 with a message in `err` when the block's threads disagree about a barrier or a shuffle.
int run_block(unsigned threads, char* err, size_t errlen) {
  if (fibers.size() < threads) fibers.resize(threads);
  while (stacks.size() < threads) stacks.emplace_back(new char[kStack]);
  if (__start_dslc_shared != nullptr) std::memset(__start_dslc_shared, 0xff, __stop_dslc_shared - __start_dslc_shared);
  for (unsigned t = 0; t < threads; t++) {
    Fiber& f = fibers[t];
    f.done = false;
    f.wait = Wait::kNone;
    f.line = 0;
    getcontext(&f.ctx);
    f.ctx.uc_stack.ss_sp = stacks[t].get();
    f.ctx.uc_stack.ss_size = kStack;
    f.ctx.uc_link = &scheduler;
    makecontext(&f.ctx, fiber_main, 0);
  }
  for (;;) {
    unsigned live = 0, done = 0;
    for (unsigned t = 0; t < threads; t++) {
      Fiber& f = fibers[t];
      if (f.done || f.wait != Wait::kNone) continue;
      current = &f;
      dslc_emu_threadIdx = {t, 0, 0};
      swapcontext(&scheduler, &f.ctx);
    }
    const int exchanged = exchange_warps(threads, err, errlen);
    if (exchanged < 0) return 1;
    if (exchanged > 0) continue;
    int line = -1, other = -1;
    for (unsigned t = 0; t < threads; t++) {
      if (fibers[t].done) {
        done++;
        continue;
      }
      live++;
      if (line < 0) line = fibers[t].line;
      else if (fibers[t].line != line) other = fibers[t].line;
    }
    if (live == 0) return 0;
    if (other >= 0) {
      std::snprintf(err, errlen, "divergent barrier: threads wait at lines %d and %d", line, other);
      return 1;
    }
    if (done > 0) {
      std::snprintf(err, errlen, "barrier at line %d reached by %u threads after %u threads of the block returned", line, live, done);
      return 1;
    }
    for (unsigned t = 0; t < threads; t++) fibers[t].wait = Wait::kNone;
  }
}
}  // namespace

extern "C" {
void dslc_emu_barrier(int line) {
  current->wait = Wait::kBarrier;
  current->line = line;
  swapcontext(&current->ctx, &scheduler);
}

unsigned dslc_emu_shuffle_xor(unsigned bits, unsigned members, int lane_mask, int line) {
  current->wait = Wait::kShuffle;
  current->line = line;
  current->members = members;
  current->lane_mask = lane_mask;
  current->give = bits;
  swapcontext(&current->ctx, &scheduler);
  return current->take;
}

int dslc_emu_kernel_count() { return static_cast<int>(sizeof(dslc_emu_kernels) / sizeof(dslc_emu_kernels[0])); }

const dslc_emu_kernel* dslc_emu_find(const char* entry) {
  for (const dslc_emu_kernel& k : dslc_emu_kernels)
    if (std::strcmp(k.entry, entry) == 0) return &k;
  return nullptr;
}

// Runs a grid of gx * gy blocks; 0 on success, else 1 with a message naming the block.
int dslc_emu_launch(const dslc_emu_kernel* k, unsigned gx, unsigned gy, unsigned block, void** params, char* err, size_t errlen) {
  if (block != k->workgroup) {
    std::snprintf(err, errlen, "%s: launched with %u threads per block, compiled for %u", k->entry, block, k->workgroup);
    return 1;
  }
  dslc_emu_gridDim = {gx, gy, 1};
  dslc_emu_blockDim = {block, 1, 1};
  running = k->thunk;
  running_params = params;
  for (unsigned by = 0; by < gy; by++) {
    for (unsigned bx = 0; bx < gx; bx++) {
      dslc_emu_blockIdx = {bx, by, 0};
      char why[256];
      if (run_block(block, why, sizeof why) != 0) {
        std::snprintf(err, errlen, "%s, block (%u, %u): %s", k->entry, bx, by, why);
        return 1;
      }
    }
  }
  return 0;
}

// Where the current launch is, for a fault handler's message.
void dslc_emu_position(unsigned* bx, unsigned* by, unsigned* tx) {
  *bx = dslc_emu_blockIdx.x;
  *by = dslc_emu_blockIdx.y;
  *tx = dslc_emu_threadIdx.x;
}
}
