// A stand-in for libcuda.so.1 over the host emulation, so the koffi runtime (runtime/cuda) runs end to end on a
// machine without a GPU: the same driver calls with the same signatures and argument conventions (kernelParams,
// out-parameters, 64-bit device pointers), executed by the emulation's scheduler on guarded host memory.
//
// A module image is not PTX or a cubin but the text "DSLCEMU\n" followed by the path of a module built by
// emulate.ts (`buildEmulatedModule`), NUL-terminated. The device claims compute capability 8.0. Events measure host
// time. Copies check that they stay inside one allocation. It does not model asynchrony (every call completes
// before it returns), sticky context errors, or anything about performance.
#include <dlfcn.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "dslc_emu.h"
#include "emu_memory.h"

namespace {
using FindFn = const dslc_emu_kernel* (*)(const char*);
using LaunchFn = int (*)(const dslc_emu_kernel*, unsigned, unsigned, unsigned, void**, char*, size_t);

struct Module {
  void* lib;
  FindFn find;
  LaunchFn launch;
};
struct Function {
  Module* module;
  const dslc_emu_kernel* kernel;
};

// The CUresult values this file returns.
enum : int {
  OK = 0, INVALID_VALUE = 1, OUT_OF_MEMORY = 2, INVALID_DEVICE = 101, INVALID_IMAGE = 200, NOT_FOUND = 500,
  LAUNCH_FAILED = 719,
};

int token;  // the one context and stream
std::string lastError;

bool inside(const char* p, size_t n) {
  const emu::Region* r = emu::regionAt(p);
  return r && p >= r->data && p + n <= r->data + r->bytes;
}
}  // namespace

extern "C" {
int cuInit(unsigned) { return OK; }
int cuDriverGetVersion(int* v) { *v = 13000; return OK; }

int cuGetErrorName(int e, const char** s) {
  switch (e) {
    case OK: *s = "CUDA_SUCCESS"; break;
    case INVALID_VALUE: *s = "CUDA_ERROR_INVALID_VALUE"; break;
    case OUT_OF_MEMORY: *s = "CUDA_ERROR_OUT_OF_MEMORY"; break;
    case INVALID_DEVICE: *s = "CUDA_ERROR_INVALID_DEVICE"; break;
    case INVALID_IMAGE: *s = "CUDA_ERROR_INVALID_IMAGE"; break;
    case NOT_FOUND: *s = "CUDA_ERROR_NOT_FOUND"; break;
    case LAUNCH_FAILED: *s = "CUDA_ERROR_LAUNCH_FAILED"; break;
    default: *s = "CUDA_ERROR_UNKNOWN";
  }
  return OK;
}
int cuGetErrorString(int e, const char** s) {
  *s = lastError.empty() ? (e == OK ? "no error" : "host emulation error") : lastError.c_str();
  return OK;
}

int cuDeviceGetCount(int* n) { *n = 1; return OK; }
int cuDeviceGet(int* d, int ordinal) {
  if (ordinal != 0) return INVALID_DEVICE;
  *d = 0;
  return OK;
}
int cuDeviceGetName(char* name, int len, int) {
  std::snprintf(name, static_cast<size_t>(len), "dslc host emulation");
  return OK;
}
int cuDeviceGetAttribute(int* v, int attr, int) {
  const char* maxX = std::getenv("DSLC_EMU_MAX_GRID_X");  // small values exercise grid folding
  switch (attr) {
    case 5: *v = maxX ? std::atoi(maxX) : 2147483647; break;
    case 6: *v = 65535; break;
    case 16: *v = 1; break;
    case 75: *v = 8; break;
    default: *v = 0;
  }
  return OK;
}
int cuDeviceTotalMem_v2(size_t* bytes, int) { *bytes = size_t{1} << 30; return OK; }
int cuDevicePrimaryCtxRetain(void** ctx, int) { *ctx = &token; return OK; }
int cuDevicePrimaryCtxRelease_v2(int) { return OK; }
int cuCtxSetCurrent(void* ctx) { return ctx == &token ? OK : INVALID_VALUE; }

int cuMemAlloc_v2(unsigned long long* ptr, size_t bytes) {
  char* p = emu::alloc(bytes);
  if (!p) return OUT_OF_MEMORY;
  *ptr = reinterpret_cast<uintptr_t>(p);
  return OK;
}
int cuMemFree_v2(unsigned long long ptr) { return emu::release(reinterpret_cast<char*>(ptr)) ? OK : INVALID_VALUE; }
int cuMemcpyHtoD_v2(unsigned long long dst, const void* src, size_t n) {
  char* d = reinterpret_cast<char*>(dst);
  if (!inside(d, n)) return INVALID_VALUE;
  std::memcpy(d, src, n);
  return OK;
}
// launches run at once here, so a copy "on the stream" is ordered after them by running now too
int cuMemcpyDtoDAsync_v2(unsigned long long dst, unsigned long long src, size_t n, void*) {
  char* d = reinterpret_cast<char*>(dst);
  const char* s = reinterpret_cast<const char*>(src);
  if (!inside(d, n) || !inside(s, n)) return INVALID_VALUE;
  std::memmove(d, s, n);
  return OK;
}
int cuMemcpyDtoH_v2(void* dst, unsigned long long src, size_t n) {
  const char* s = reinterpret_cast<const char*>(src);
  if (!inside(s, n)) return INVALID_VALUE;
  std::memcpy(dst, s, n);
  return OK;
}

int cuModuleLoadData(void** module, const void* image) {
  const char* text = static_cast<const char*>(image);
  if (std::strncmp(text, "DSLCEMU\n", 8) != 0) {
    lastError = "the host emulation loads only DSLCEMU images (no PTX or cubin)";
    return INVALID_IMAGE;
  }
  void* lib = dlopen(text + 8, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    lastError = dlerror();
    return INVALID_IMAGE;
  }
  auto* m = new Module{lib, reinterpret_cast<FindFn>(dlsym(lib, "dslc_emu_find")), reinterpret_cast<LaunchFn>(dlsym(lib, "dslc_emu_launch"))};
  if (!m->find || !m->launch) {
    dlclose(lib);
    delete m;
    return INVALID_IMAGE;
  }
  *module = m;
  return OK;
}
int cuModuleUnload(void* module) {
  auto* m = static_cast<Module*>(module);
  dlclose(m->lib);
  delete m;
  return OK;
}
int cuModuleGetFunction(void** fn, void* module, const char* name) {
  auto* m = static_cast<Module*>(module);
  const dslc_emu_kernel* k = m->find(name);
  if (!k) return NOT_FOUND;
  *fn = new Function{m, k};  // freed never, like the driver's: functions live as long as their module
  return OK;
}
int cuFuncGetAttribute(int* v, int attr, void* fn) {
  *v = attr == 0 ? static_cast<int>(static_cast<Function*>(fn)->kernel->workgroup) : 0;
  return OK;
}

int cuLaunchKernel(void* fn, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz, unsigned shmem, void*,
                   void** params, void** extra) {
  auto* f = static_cast<Function*>(fn);
  if (gz != 1 || by != 1 || bz != 1 || shmem != 0 || extra != nullptr || params == nullptr) return INVALID_VALUE;
  char err[512];
  if (f->module->launch(f->kernel, gx, gy, bx, params, err, sizeof err) != 0) {
    lastError = err;
    return LAUNCH_FAILED;
  }
  return OK;
}

int cuStreamCreate(void** stream, unsigned) { *stream = &token; return OK; }
int cuStreamSynchronize(void*) { return OK; }
int cuStreamDestroy_v2(void*) { return OK; }

int cuEventCreate(void** event, unsigned) { *event = new double(0); return OK; }
int cuEventRecord(void* event, void*) {
  *static_cast<double*>(event) = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
  return OK;
}
int cuEventSynchronize(void*) { return OK; }
int cuEventElapsedTime_v2(float* ms, void* start, void* end) {
  *ms = static_cast<float>(*static_cast<double*>(end) - *static_cast<double*>(start));
  return OK;
}
int cuEventDestroy_v2(void* event) {
  delete static_cast<double*>(event);
  return OK;
}
}
