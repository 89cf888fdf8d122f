// "Device" memory of the host emulation, shared by the file driver and the stand-in libcuda. Every allocation gets
// its own mapping with an inaccessible page on each side, and the data ends exactly at the upper guard page (sizes
// are rounded to 16 bytes, as the runtime rounds them), so a kernel that reads or writes past the end of a buffer
// faults at once instead of reading a neighbour's data as it might on a GPU. The fault handler names the buffer,
// the offset and the launch, block and thread that were running. Fresh memory is filled with 0xff bytes (NaN as
// f32, -1 as i32), so a kernel that reads memory nothing wrote shows it in its results.
#pragma once
#include <csignal>
#include <cstdio>
#include <cstring>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

namespace emu {

struct Region {
  char* map;
  size_t mapBytes;
  char* data;
  size_t bytes;
};

inline std::vector<Region> regions;
inline const char* launchName = "";  // what is running, for the fault message
inline void (*position)(unsigned*, unsigned*, unsigned*) = nullptr;

inline size_t pageSize() { return static_cast<size_t>(sysconf(_SC_PAGESIZE)); }

inline char* alloc(size_t bytes) {
  const size_t page = pageSize();
  const size_t rounded = bytes < 16 ? 16 : (bytes + 15) / 16 * 16;
  const size_t body = (rounded + page - 1) / page * page;
  const size_t total = body + 2 * page;
  void* m = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return nullptr;
  char* map = static_cast<char*>(m);
  mprotect(map, page, PROT_NONE);
  mprotect(map + page + body, page, PROT_NONE);
  char* data = map + page + body - rounded;
  std::memset(data, 0xff, rounded);
  regions.push_back({map, total, data, rounded});
  return data;
}

inline bool release(char* data) {
  for (size_t i = 0; i < regions.size(); i++) {
    if (regions[i].data != data) continue;
    munmap(regions[i].map, regions[i].mapBytes);
    regions.erase(regions.begin() + static_cast<long>(i));
    return true;
  }
  return false;
}

/** The region whose mapping (guards included) holds `p`, or nullptr. */
inline const Region* regionAt(const char* p) {
  for (const Region& r : regions)
    if (p >= r.map && p < r.map + r.mapBytes) return &r;
  return nullptr;
}

inline void onFault(int sig, siginfo_t* info, void*) {
  const char* addr = static_cast<const char*>(info->si_addr);
  unsigned bx = 0, by = 0, tx = 0;
  if (position) position(&bx, &by, &tx);
  char msg[512];
  const Region* r = sig == SIGFPE ? nullptr : regionAt(addr);
  int n;
  if (sig == SIGFPE) {
    n = std::snprintf(msg, sizeof msg, "emulated kernel %s: arithmetic fault (integer division by zero?) in block (%u, %u) thread %u\n", launchName, bx, by, tx);
  } else if (r) {
    const long off = addr - r->data;
    n = std::snprintf(msg, sizeof msg, "emulated kernel %s: out-of-bounds access at byte %ld of a %zu-byte buffer in block (%u, %u) thread %u\n",
                      launchName, off, r->bytes, bx, by, tx);
  } else {
    n = std::snprintf(msg, sizeof msg, "emulated kernel %s: invalid address %p in block (%u, %u) thread %u\n", launchName, static_cast<const void*>(addr), bx, by, tx);
  }
  if (n > 0 && write(2, msg, static_cast<size_t>(n)) < 0) _exit(4);
  _exit(3);
}

/** Installs the fault handler on its own stack (a fiber's stack is small and may be what overflowed). */
inline void installFaultHandler() {
  static std::vector<char> altStack(1 << 16);
  stack_t ss{};
  ss.ss_sp = altStack.data();
  ss.ss_size = altStack.size();
  sigaltstack(&ss, nullptr);
  struct sigaction sa{};
  sa.sa_sigaction = onFault;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigaction(SIGSEGV, &sa, nullptr);
  sigaction(SIGBUS, &sa, nullptr);
  sigaction(SIGFPE, &sa, nullptr);
}

}  // namespace emu
