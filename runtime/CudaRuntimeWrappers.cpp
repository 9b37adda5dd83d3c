// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// The `mgpu*` runtime ABI that MLIR's gpu-to-llvm lowering (LLVM 22) calls
// from host code, implemented on the CUDA driver API. Debian's MLIR packages
// do not ship upstream's libmlir_cuda_runtime, so ct provides this one:
// code from ct-lower-to-nvvm (and any gpu-to-llvm output) runs when the JIT
// or the linker resolves these symbols here.
//
// ct-lower-to-nvvm's host code creates a stream on every call, on which it
// allocates its device temporaries, copies, launches and frees, and which it
// synchronizes before it returns. Device temporaries come from the device's
// memory pool in stream order (cuMemAllocAsync / cuMemFreeAsync, nothing
// waits), which keeps up to 8 GiB of freed memory; where a device has no
// memory pools, and for managed memory, the runtime keeps freed allocations
// (by size and kind, up to 8 GiB) itself. Idle streams are kept too, so that
// a call pays neither cuMemAlloc/cuMemFree (which synchronizes the device)
// nor stream creation after the first.
//
// Every driver call is checked: a failure prints the call, the driver's
// error name and description and exits, instead of handing a null module,
// stream or pointer to code that would crash on it later. All calls work
// in the primary context of device 0 (or of mgpuSetDefaultDevice's device),
// made current on the calling thread before each call, so that host threads
// of a JIT need no setup.

#include "mlir/ExecutionEngine/CRunnerUtils.h"

#include <cuda.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#define CT_CUDA_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

[[noreturn]] void reportCudaError(const char *call, CUresult result) {
  const char *name = nullptr;
  const char *description = nullptr;
  cuGetErrorName(result, &name);
  cuGetErrorString(result, &description);
  std::fprintf(stderr, "ct_cuda_runtime: %s failed: %s (%s)\n", call,
               name ? name : "unknown error",
               description ? description : "no description");
  std::exit(EXIT_FAILURE);
}

#define CT_CUDA_CHECK(expr)                                                    \
  do {                                                                         \
    if (CUresult ctCudaResult = (expr); ctCudaResult != CUDA_SUCCESS)          \
      reportCudaError(#expr, ctCudaResult);                                    \
  } while (false)

int defaultDevice = 0;

/// Freed memory kept for reuse at most, by the allocation cache and by the
/// device's memory pool each.
constexpr uint64_t kMaxKeptBytes = uint64_t(8) << 30;

/// The runtime's device: its primary context, and its default memory pool
/// when the device allocates in stream order (null otherwise).
struct Device {
  CUcontext context = nullptr;
  CUmemoryPool pool = nullptr;
};

/// The default device, its primary context retained on first use.
const Device &getDevice() {
  static std::mutex mutex;
  static Device current;
  static int currentIndex = -1;
  std::lock_guard<std::mutex> lock(mutex);
  if (current.context && currentIndex == defaultDevice)
    return current;
  CT_CUDA_CHECK(cuInit(/*flags=*/0));
  CUdevice device;
  CT_CUDA_CHECK(cuDeviceGet(&device, defaultDevice));
  CT_CUDA_CHECK(cuDevicePrimaryCtxRetain(&current.context, device));
  int hasPools = 0;
  CT_CUDA_CHECK(cuDeviceGetAttribute(
      &hasPools, CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED, device));
  current.pool = nullptr;
  if (hasPools) {
    CT_CUDA_CHECK(cuCtxSetCurrent(current.context));
    CT_CUDA_CHECK(cuDeviceGetDefaultMemPool(&current.pool, device));
    // The pool's default threshold of 0 gives freed memory back to the OS
    // at every synchronization: each call would map its temporaries anew.
    cuuint64_t threshold = kMaxKeptBytes;
    CT_CUDA_CHECK(cuMemPoolSetAttribute(
        current.pool, CU_MEMPOOL_ATTR_RELEASE_THRESHOLD, &threshold));
  }
  currentIndex = defaultDevice;
  return current;
}

/// Makes the runtime's context current on the calling thread.
void setContext() { CT_CUDA_CHECK(cuCtxSetCurrent(getDevice().context)); }

} // namespace

//===----------------------------------------------------------------------===//
// Modules and kernels
//===----------------------------------------------------------------------===//

/// A cubin or fatbin (gpu-module-to-binary format=bin|fatbin).
CT_CUDA_EXPORT CUmodule mgpuModuleLoad(void *data, size_t /*gpuBlobSize*/) {
  setContext();
  CUmodule module = nullptr;
  CT_CUDA_CHECK(cuModuleLoadData(&module, data));
  return module;
}

/// PTX (format=isa), compiled by the driver's JIT at `optLevel`.
CT_CUDA_EXPORT CUmodule mgpuModuleLoadJIT(void *data, int optLevel) {
  setContext();
  CUmodule module = nullptr;
  char errorLog[4096] = {0};
  CUjit_option options[] = {CU_JIT_OPTIMIZATION_LEVEL, CU_JIT_ERROR_LOG_BUFFER,
                            CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {reinterpret_cast<void *>(static_cast<intptr_t>(optLevel)),
                    errorLog,
                    reinterpret_cast<void *>(sizeof(errorLog))};
  CUresult result = cuModuleLoadDataEx(&module, data, 3, options, values);
  if (result != CUDA_SUCCESS) {
    std::fprintf(stderr, "ct_cuda_runtime: PTX JIT log:\n%s\n", errorLog);
    reportCudaError("cuModuleLoadDataEx", result);
  }
  return module;
}

CT_CUDA_EXPORT void mgpuModuleUnload(CUmodule module) {
  CT_CUDA_CHECK(cuModuleUnload(module));
}

CT_CUDA_EXPORT CUfunction mgpuModuleGetFunction(CUmodule module,
                                                const char *name) {
  CUfunction function = nullptr;
  CT_CUDA_CHECK(cuModuleGetFunction(&function, module, name));
  return function;
}

/// Launches `function`; `params` points to `paramsCount` argument pointers.
CT_CUDA_EXPORT void mgpuLaunchKernel(CUfunction function, intptr_t gridX,
                                     intptr_t gridY, intptr_t gridZ,
                                     intptr_t blockX, intptr_t blockY,
                                     intptr_t blockZ, int32_t smem,
                                     CUstream stream, void **params,
                                     void **extra, size_t /*paramsCount*/) {
  setContext();
  // Dynamic shared memory beyond 48 KiB must be opted into per kernel.
  if (smem > 48 * 1024)
    CT_CUDA_CHECK(cuFuncSetAttribute(
        function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, smem));
  CT_CUDA_CHECK(cuLaunchKernel(function, gridX, gridY, gridZ, blockX, blockY,
                               blockZ, smem, stream, params, extra));
}

//===----------------------------------------------------------------------===//
// Streams and events
//===----------------------------------------------------------------------===//

namespace {
/// Streams given back by mgpuStreamDestroy, for the next mgpuStreamCreate.
struct StreamPool {
  std::mutex mutex;
  std::vector<CUstream> idle;
};
StreamPool &getStreamPool() {
  static StreamPool pool;
  return pool;
}
} // namespace

CT_CUDA_EXPORT CUstream mgpuStreamCreate() {
  setContext();
  StreamPool &pool = getStreamPool();
  {
    std::lock_guard<std::mutex> lock(pool.mutex);
    if (!pool.idle.empty()) {
      CUstream stream = pool.idle.back();
      pool.idle.pop_back();
      return stream;
    }
  }
  CUstream stream = nullptr;
  CT_CUDA_CHECK(cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING));
  return stream;
}

/// Keeps the stream for reuse: work still queued on it runs before anything
/// a later user queues.
CT_CUDA_EXPORT void mgpuStreamDestroy(CUstream stream) {
  StreamPool &pool = getStreamPool();
  std::lock_guard<std::mutex> lock(pool.mutex);
  pool.idle.push_back(stream);
}

CT_CUDA_EXPORT void mgpuStreamSynchronize(CUstream stream) {
  CT_CUDA_CHECK(cuStreamSynchronize(stream));
}

CT_CUDA_EXPORT void mgpuStreamWaitEvent(CUstream stream, CUevent event) {
  CT_CUDA_CHECK(cuStreamWaitEvent(stream, event, /*flags=*/0));
}

CT_CUDA_EXPORT CUevent mgpuEventCreate() {
  setContext();
  CUevent event = nullptr;
  CT_CUDA_CHECK(cuEventCreate(&event, CU_EVENT_DISABLE_TIMING));
  return event;
}

CT_CUDA_EXPORT void mgpuEventDestroy(CUevent event) {
  CT_CUDA_CHECK(cuEventDestroy(event));
}

CT_CUDA_EXPORT void mgpuEventSynchronize(CUevent event) {
  CT_CUDA_CHECK(cuEventSynchronize(event));
}

CT_CUDA_EXPORT void mgpuEventRecord(CUevent event, CUstream stream) {
  CT_CUDA_CHECK(cuEventRecord(event, stream));
}

//===----------------------------------------------------------------------===//
// Memory
//===----------------------------------------------------------------------===//

namespace {
/// Freed allocations kept for reuse, keyed by size and kind (managed or
/// device), and the live allocations (those from the memory pool marked
/// stream-ordered). At most kMaxKeptBytes stay cached; when the device runs
/// out of memory, the cache and the pool's free memory are released and the
/// allocation retried.
struct AllocationCache {
  using Key = std::pair<uint64_t, bool>;
  struct Live {
    Key key;
    bool streamOrdered;
  };
  std::mutex mutex;
  std::unordered_map<CUdeviceptr, Live> live;
  std::multimap<Key, CUdeviceptr> freed;
  uint64_t cachedBytes = 0;

  /// Frees every cached allocation; the caller holds the mutex.
  void release() {
    for (auto &[key, pointer] : freed)
      CT_CUDA_CHECK(cuMemFree(pointer));
    freed.clear();
    cachedBytes = 0;
    if (CUmemoryPool pool = getDevice().pool)
      CT_CUDA_CHECK(cuMemPoolTrimTo(pool, /*minBytesToKeep=*/0));
  }
};
AllocationCache &getAllocationCache() {
  static AllocationCache cache;
  return cache;
}
} // namespace

/// Device memory, or managed memory (valid on host and device) when
/// `isHostShared` (gpu.alloc host_shared). Device memory for a stream comes
/// from the memory pool in stream order where the device has one: usable by
/// work queued on `stream` after this call. Zero bytes give a null pointer.
CT_CUDA_EXPORT void *mgpuMemAlloc(uint64_t sizeBytes, CUstream stream,
                                  bool isHostShared) {
  if (sizeBytes == 0)
    return nullptr;
  setContext();
  bool streamOrdered = stream && !isHostShared && getDevice().pool;
  AllocationCache &cache = getAllocationCache();
  std::lock_guard<std::mutex> lock(cache.mutex);
  AllocationCache::Key key(sizeBytes, isHostShared);
  CUdeviceptr pointer = 0;
  auto found = streamOrdered ? cache.freed.end() : cache.freed.find(key);
  if (found != cache.freed.end()) {
    pointer = found->second;
    cache.freed.erase(found);
    cache.cachedBytes -= sizeBytes;
  } else {
    auto allocate = [&] {
      if (streamOrdered)
        return cuMemAllocAsync(&pointer, sizeBytes, stream);
      return isHostShared ? cuMemAllocManaged(&pointer, sizeBytes,
                                              CU_MEM_ATTACH_GLOBAL)
                          : cuMemAlloc(&pointer, sizeBytes);
    };
    CUresult result = allocate();
    if (result == CUDA_ERROR_OUT_OF_MEMORY) {
      cache.release();
      result = allocate();
    }
    if (result != CUDA_SUCCESS)
      reportCudaError(streamOrdered  ? "cuMemAllocAsync"
                      : isHostShared ? "cuMemAllocManaged"
                                     : "cuMemAlloc",
                      result);
  }
  cache.live[pointer] = {key, streamOrdered};
  return reinterpret_cast<void *>(pointer);
}

/// Frees a stream-ordered allocation on `stream` once the work queued before
/// has run (without a stream, after all work of the context); returns other
/// allocations to the cache once `stream` (if any) is done with them.
CT_CUDA_EXPORT void mgpuMemFree(void *pointer, CUstream stream) {
  if (!pointer)
    return;
  setContext();
  auto address = reinterpret_cast<CUdeviceptr>(pointer);
  AllocationCache &cache = getAllocationCache();
  std::optional<AllocationCache::Live> allocation;
  {
    std::lock_guard<std::mutex> lock(cache.mutex);
    if (auto found = cache.live.find(address); found != cache.live.end()) {
      allocation = found->second;
      cache.live.erase(found);
    }
  }
  if (allocation && allocation->streamOrdered) {
    if (!stream)
      CT_CUDA_CHECK(cuCtxSynchronize());
    CT_CUDA_CHECK(cuMemFreeAsync(address, stream));
    return;
  }
  // A cached allocation may be handed to work on another stream next.
  if (stream)
    CT_CUDA_CHECK(cuStreamSynchronize(stream));
  if (!allocation) {
    CT_CUDA_CHECK(cuMemFree(address));
    return;
  }
  uint64_t sizeBytes = allocation->key.first;
  std::lock_guard<std::mutex> lock(cache.mutex);
  if (cache.cachedBytes + sizeBytes > kMaxKeptBytes) {
    CT_CUDA_CHECK(cuMemFree(address));
    return;
  }
  cache.freed.emplace(allocation->key, address);
  cache.cachedBytes += sizeBytes;
}

CT_CUDA_EXPORT void mgpuMemcpy(void *dst, void *src, size_t sizeBytes,
                               CUstream stream) {
  setContext();
  CT_CUDA_CHECK(cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                              reinterpret_cast<CUdeviceptr>(src), sizeBytes,
                              stream));
}

CT_CUDA_EXPORT void mgpuMemset32(void *dst, unsigned int value, size_t count,
                                 CUstream stream) {
  setContext();
  CT_CUDA_CHECK(cuMemsetD32Async(reinterpret_cast<CUdeviceptr>(dst), value,
                                 count, stream));
}

CT_CUDA_EXPORT void mgpuMemset16(void *dst, unsigned short value,
                                 size_t count, CUstream stream) {
  setContext();
  CT_CUDA_CHECK(cuMemsetD16Async(reinterpret_cast<CUdeviceptr>(dst), value,
                                 count, stream));
}

/// Page-locks host memory and maps it for the device (gpu.host_register).
CT_CUDA_EXPORT void mgpuMemHostRegister(void *pointer, uint64_t sizeBytes) {
  setContext();
  CT_CUDA_CHECK(cuMemHostRegister(pointer, sizeBytes, /*flags=*/0));
}

CT_CUDA_EXPORT void mgpuMemHostUnregister(void *pointer) {
  setContext();
  CT_CUDA_CHECK(cuMemHostUnregister(pointer));
}

/// The bytes a strided memref spans from its aligned pointer plus offset.
static uint64_t getSpannedBytes(int64_t rank,
                                StridedMemRefType<char, 1> *descriptor,
                                int64_t elementSizeBytes) {
  const int64_t *sizes = descriptor->sizes;
  const int64_t *strides = sizes + rank;
  int64_t lastElement = 0;
  for (int64_t i = 0; i < rank; ++i) {
    if (sizes[i] == 0)
      return 0;
    lastElement += (sizes[i] - 1) * strides[i];
  }
  return static_cast<uint64_t>(lastElement + 1) * elementSizeBytes;
}

/// gpu.host_register of a memref: `descriptor` is its ranked descriptor.
CT_CUDA_EXPORT void
mgpuMemHostRegisterMemRef(int64_t rank, StridedMemRefType<char, 1> *descriptor,
                          int64_t elementSizeBytes) {
  uint64_t sizeBytes = getSpannedBytes(rank, descriptor, elementSizeBytes);
  if (sizeBytes == 0)
    return;
  mgpuMemHostRegister(descriptor->data + descriptor->offset * elementSizeBytes,
                      sizeBytes);
}

CT_CUDA_EXPORT void
mgpuMemHostUnregisterMemRef(int64_t rank,
                            StridedMemRefType<char, 1> *descriptor,
                            int64_t elementSizeBytes) {
  if (getSpannedBytes(rank, descriptor, elementSizeBytes) == 0)
    return;
  mgpuMemHostUnregister(descriptor->data +
                        descriptor->offset * elementSizeBytes);
}

//===----------------------------------------------------------------------===//
// Devices
//===----------------------------------------------------------------------===//

/// Selects the device whose primary context later calls use.
CT_CUDA_EXPORT void mgpuSetDefaultDevice(int32_t device) {
  defaultDevice = device;
}

//===----------------------------------------------------------------------===//
// ct's own entry points (ct-run --gpu, ct-bench --gpu)
//===----------------------------------------------------------------------===//

/// Initializes the driver and the default device's primary context without
/// exiting on failure: null when a GPU is usable, else the failing step and
/// the driver's description (a static string).
CT_CUDA_EXPORT const char *ctCudaProbe() {
  static char message[256];
  auto describe = [](const char *step, CUresult result) {
    const char *description = nullptr;
    cuGetErrorString(result, &description);
    std::snprintf(message, sizeof(message), "%s: %s", step,
                  description ? description : "unknown CUDA error");
    return message;
  };
  if (CUresult result = cuInit(/*flags=*/0); result != CUDA_SUCCESS)
    return describe("cuInit", result);
  int count = 0;
  if (CUresult result = cuDeviceGetCount(&count); result != CUDA_SUCCESS)
    return describe("cuDeviceGetCount", result);
  if (count <= defaultDevice) {
    std::snprintf(message, sizeof(message),
                  "no CUDA device %d (%d device(s) found)", defaultDevice,
                  count);
    return message;
  }
  setContext();
  return nullptr;
}

/// Waits for all work of the context (cuCtxSynchronize).
CT_CUDA_EXPORT void ctCudaSynchronize() {
  setContext();
  CT_CUDA_CHECK(cuCtxSynchronize());
}
