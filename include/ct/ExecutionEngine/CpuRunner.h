// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Running ct-compiled functions from C++: lower a module with
// ct-lower-to-llvm (host CPU) or ct-lower-to-nvvm (CUDA GPU), JIT-compile the
// host code with MLIR's ExecutionEngine and call a public function on arrays.
// ct-run and the benchmarks share this, so that what is measured is exactly
// what the tests check. GPU code runs through libct_cuda_runtime, which the
// JIT loads; its arguments live in CUDA managed or device memory.

#ifndef CT_EXECUTIONENGINE_CPURUNNER_H
#define CT_EXECUTIONENGINE_CPURUNNER_H

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectRegistry.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <memory>

namespace ct {

/// Registers what modules run through CompiledFunction may contain (every
/// upstream dialect and extension, their LLVM IR translations including GPU
/// offloading, ct) and initializes the host and NVPTX targets.
void initializeCpuRunner(mlir::DialectRegistry &registry);

/// Where compiled code runs.
enum class Device { Host, CUDA };

/// Where an array's buffer lives: host memory; CUDA managed memory, which
/// host and GPU code both access (ct-run --gpu); or CUDA device memory, which
/// only GPU code reads and writes (benchmarks: copyFrom/copyTo move data).
enum class Memory { Host, CudaManaged, CudaDevice };

/// Loads libct_cuda_runtime (built next to ct when the CUDA toolkit is found)
/// and initializes the CUDA driver on device 0; needed before CUDA arrays are
/// made. An error says why when there is no runtime library, driver or GPU.
llvm::Error loadCudaRuntime();

/// Waits until all work on the GPU has finished (cuCtxSynchronize).
void synchronizeCuda();

/// Bytes per element of `elementType` as the compiled code stores it; 4-bit
/// types, which it packs, take one byte per two elements (see
/// getStorageShape).
size_t getElementByteSize(mlir::Type elementType);

/// Whether compiled code stores `elementType` (i4, f4E2M1FN) two elements
/// per byte (ct-pack-sub-byte-memrefs).
bool isPackedSubByteType(mlir::Type elementType);

/// The shape of the buffer compiled code takes for an array of `shape`:
/// `shape` itself, or [..., C/2] bytes for packed 4-bit types (element 2i
/// in the low nibble of byte i, 2i+1 in the high one). `shape` must then
/// have an even innermost size.
llvm::SmallVector<int64_t> getStorageShape(mlir::Type elementType,
                                           llvm::ArrayRef<int64_t> shape);

/// Bytes of the buffer compiled code takes for an array of `shape`.
size_t getStorageByteSize(mlir::Type elementType,
                          llvm::ArrayRef<int64_t> shape);

/// A dense row-major array in a 64-byte aligned buffer, passed to compiled
/// code as a memref descriptor (tensors) or by value (scalars). Packed 4-bit
/// arrays have their logical shape here and the storage shape
/// (getStorageShape) in the descriptor. Scalars always live on the host;
/// CUDA memory needs loadCudaRuntime first.
class HostArray {
public:
  HostArray(mlir::Type elementType, llvm::ArrayRef<int64_t> shape,
            bool isScalar = false, Memory memory = Memory::Host);
  HostArray(const HostArray &) = delete;
  HostArray &operator=(const HostArray &) = delete;
  ~HostArray();

  mlir::Type getElementType() const { return elementType; }
  llvm::ArrayRef<int64_t> getShape() const { return shape; }
  int64_t getNumElements() const;
  Memory getMemory() const { return memory; }
  /// Whether the array is a scalar argument, passed by value.
  bool isScalarArgument() const { return isScalar; }
  /// The buffer; in CUDA device memory a device pointer the host must not
  /// dereference.
  char *data() { return buffer; }
  const char *data() const { return buffer; }
  size_t size() const { return numBytes; }

  /// Copies size() bytes from host memory `source` into the array, or from
  /// the array to host memory `target`, whatever memory the array is in.
  void copyFrom(const void *source);
  void copyTo(void *target) const;

  /// What the packed wrapper of a `_mlir_ciface_` function takes for this
  /// argument: the address of the value it passes, i.e. of the scalar, or
  /// of the pointer to the memref descriptor.
  void *getPackedArgument() {
    return isScalar ? static_cast<void *>(buffer)
                    : static_cast<void *>(&descriptorAddress);
  }

  /// Element `index` as a double (floats of every width, integers, bools).
  /// Not for arrays in CUDA device memory.
  double getAsDouble(int64_t index) const;
  /// Element `index` of an integer or bool array, sign- or zero-extended as
  /// its type says.
  int64_t getAsInteger(int64_t index) const;

private:
  static constexpr size_t kAlignment = 64;

  mlir::Type elementType;
  llvm::SmallVector<int64_t> shape;
  bool isScalar;
  Memory memory;
  size_t numBytes;
  char *buffer;
  /// The memref descriptor as StridedMemRefType<T, rank> lays it out:
  /// allocated and aligned pointers, offset, sizes[rank], strides[rank].
  llvm::SmallVector<int64_t> descriptor;
  void *descriptorAddress = nullptr;
};

/// How CompiledFunction::compile lowers and compiles a module.
struct CompileOptions {
  Device device = Device::Host;
  /// Host CPU features on top of the host's (+f,-g), for the pipeline and
  /// the JIT.
  std::string cpuFeatures;
  /// ct-lower-to-nvvm's chip and gpu-module-to-binary format (Device::CUDA).
  std::string gpuChip = "sm_90";
  std::string gpuFormat = "fatbin";
  /// ct-lower-to-nvvm's tensor-cores (16-bit prefill attention).
  bool gpuTensorCores = true;
};

/// A public function of a module, lowered for the host CPU or a CUDA GPU and
/// JIT-compiled.
class CompiledFunction {
public:
  /// Compiles `entry` of `module`, which is lowered in place with
  /// ct-lower-to-llvm (or ct-lower-to-nvvm for Device::CUDA) unless it
  /// already is LLVM dialect (then the function must carry the signature the
  /// pipelines record). Functions the entry does not reach are dropped first,
  /// so they need not lower. `source` names the module in messages. For
  /// Device::CUDA the JIT loads libct_cuda_runtime (loadCudaRuntime), and
  /// tensor arguments and results must be in CUDA memory.
  static llvm::Expected<std::unique_ptr<CompiledFunction>>
  compile(mlir::ModuleOp module, llvm::StringRef entry,
          const CompileOptions &options, llvm::StringRef source);

  /// The function's signature on tensors, before lowering.
  mlir::FunctionType getSignature() const { return signature; }

  /// Calls the function: one array per argument, one preallocated array per
  /// result (written in place). On the GPU it returns once the GPU is done.
  llvm::Error call(llvm::ArrayRef<HostArray *> inputs,
                   llvm::ArrayRef<HostArray *> results);

private:
  CompiledFunction(std::unique_ptr<mlir::ExecutionEngine> engine,
                   mlir::FunctionType signature, std::string entry,
                   Device device)
      : engine(std::move(engine)), signature(signature),
        entry(std::move(entry)), device(device) {}

  std::unique_ptr<mlir::ExecutionEngine> engine;
  mlir::FunctionType signature;
  std::string entry;
  Device device;
};

/// Checks that `signature` can be called through HostArrays: ranked tensor
/// or integer/index/float scalar arguments, ranked static-shape tensor
/// results.
llvm::Error checkCallableSignature(mlir::FunctionType signature,
                                   llvm::StringRef entry);

/// The tensor signature of public function `entry` of `module` (on tensors,
/// or as recorded by ct-lower-to-llvm), checked to be callable.
llvm::Expected<mlir::FunctionType>
lookupEntrySignature(mlir::ModuleOp module, llvm::StringRef entry,
                     llvm::StringRef source);

/// The median of `values` (the mean of the middle two for an even count).
double getMedian(llvm::SmallVector<double> values);

} // namespace ct

#endif // CT_EXECUTIONENGINE_CPURUNNER_H
