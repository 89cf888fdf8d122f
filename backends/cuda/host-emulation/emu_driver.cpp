// Runs a bound CUDA program on the host emulation: `emu_driver MODULE.so PLAN`. The plan (written by emulate.ts) is
// whitespace-separated text:
//
//   regions N          then N lines:  BYTES INIT        INIT is a file of initial bytes, or - (left as 0xff bytes)
//   launches M         then M lines:  ENTRY GX GY BLOCK P ARG...   ARG is rR (region R's address) or uV (a u32)
//   outputs K          then K lines:  REGION BYTES FILE
//
// Launches run in order; outputs are written at the end. Any error (unknown kernel, divergent barrier, fault) is
// printed to stderr with the launch index and exits non-zero.
#include <dlfcn.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "dslc_emu.h"
#include "emu_memory.h"

using FindFn = const dslc_emu_kernel* (*)(const char*);
using LaunchFn = int (*)(const dslc_emu_kernel*, unsigned, unsigned, unsigned, void**, char*, size_t);
using PositionFn = void (*)(unsigned*, unsigned*, unsigned*);

static int fail(const std::string& why) {
  std::fprintf(stderr, "emu_driver: %s\n", why.c_str());
  return 2;
}

int main(int argc, char** argv) {
  if (argc != 3) return fail("usage: emu_driver MODULE.so PLAN");
  void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) return fail(std::string("cannot load module: ") + dlerror());
  auto find = reinterpret_cast<FindFn>(dlsym(lib, "dslc_emu_find"));
  auto launch = reinterpret_cast<LaunchFn>(dlsym(lib, "dslc_emu_launch"));
  emu::position = reinterpret_cast<PositionFn>(dlsym(lib, "dslc_emu_position"));
  if (!find || !launch) return fail("module lacks dslc_emu_find/dslc_emu_launch");
  emu::installFaultHandler();

  std::ifstream plan(argv[2]);
  std::string word;
  size_t n = 0;
  plan >> word >> n;
  if (word != "regions") return fail("plan: expected 'regions'");
  std::vector<char*> regions(n);
  std::vector<size_t> sizes(n);
  for (size_t r = 0; r < n; r++) {
    std::string init;
    plan >> sizes[r] >> init;
    regions[r] = emu::alloc(sizes[r]);
    if (!regions[r]) return fail("out of memory");
    if (init == "-") continue;
    std::ifstream in(init, std::ios::binary);
    if (!in.read(regions[r], static_cast<std::streamsize>(sizes[r]))) return fail("cannot read " + init);
  }

  size_t m = 0;
  plan >> word >> m;
  if (word != "launches") return fail("plan: expected 'launches'");
  for (size_t l = 0; l < m; l++) {
    std::string entry;
    unsigned gx = 0, gy = 0, block = 0, p = 0;
    plan >> entry >> gx >> gy >> block >> p;
    const dslc_emu_kernel* k = find(entry.c_str());
    if (!k) return fail("launch " + std::to_string(l) + ": no kernel " + entry + " in the module");
    if (k->params != p) return fail("launch " + std::to_string(l) + ": " + entry + " takes " + std::to_string(k->params) + " arguments");
    // One 8-byte slot per argument, as cuLaunchKernel's kernelParams: params[i] points at argument i's value.
    std::vector<uint64_t> slots(p);
    std::vector<void*> params(p);
    for (unsigned i = 0; i < p; i++) {
      std::string arg;
      plan >> arg;
      const unsigned long v = std::strtoul(arg.c_str() + 1, nullptr, 10);
      if (arg[0] == 'r') {
        if (v >= n) return fail("launch " + std::to_string(l) + ": no region " + arg);
        void* ptr = regions[v];
        std::memcpy(&slots[i], &ptr, sizeof ptr);
      } else {
        const unsigned u = static_cast<unsigned>(v);
        std::memcpy(&slots[i], &u, sizeof u);
      }
      params[i] = &slots[i];
    }
    emu::launchName = k->entry;
    char err[512];
    if (launch(k, gx, gy, block, params.data(), err, sizeof err) != 0) return fail("launch " + std::to_string(l) + ": " + err);
  }

  size_t k = 0;
  plan >> word >> k;
  if (word != "outputs") return fail("plan: expected 'outputs'");
  for (size_t o = 0; o < k; o++) {
    size_t r = 0, bytes = 0;
    std::string file;
    plan >> r >> bytes >> file;
    std::ofstream out(file, std::ios::binary);
    if (r >= n || bytes > sizes[r] || !out.write(regions[r], static_cast<std::streamsize>(bytes))) return fail("cannot write " + file);
  }
  return 0;
}
