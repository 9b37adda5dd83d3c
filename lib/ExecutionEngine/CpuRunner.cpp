// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Lowering, JIT compilation and calls of ct-compiled functions, on the host
// CPU or, through libct_cuda_runtime, on a CUDA GPU.

#include "ct/ExecutionEngine/CpuRunner.h"
#include "ct/Conversion/Passes.h"
#include "ct/Conversion/Pipelines.h"
#include "ct/Dialect/CT/IR/CTDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/MemAlloc.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"

#include <cstring>
#include <vector>

using namespace mlir;
using llvm::Error;
using llvm::Expected;

namespace ct {

static Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

static std::string typeToString(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  return text;
}

void initializeCpuRunner(DialectRegistry &registry) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
  registry.insert<CTDialect>();
}

size_t getElementByteSize(Type elementType) {
  if (elementType.isIndex())
    return 8;
  return (elementType.getIntOrFloatBitWidth() + 7) / 8;
}

bool isPackedSubByteType(Type elementType) {
  return elementType.isIntOrFloat() &&
         elementType.getIntOrFloatBitWidth() == 4;
}

SmallVector<int64_t> getStorageShape(Type elementType,
                                     ArrayRef<int64_t> shape) {
  SmallVector<int64_t> storage(shape);
  if (isPackedSubByteType(elementType) && !storage.empty())
    storage.back() /= 2;
  return storage;
}

size_t getStorageByteSize(Type elementType, ArrayRef<int64_t> shape) {
  size_t numBytes = getElementByteSize(elementType);
  for (int64_t dim : getStorageShape(elementType, shape))
    numBytes *= dim;
  return numBytes;
}

/// The bits of element `index` of a dense array of `elementType` in
/// `buffer`, as compiled code stores it (packed 4-bit types: a nibble).
static uint64_t readElementBits(const char *buffer, Type elementType,
                                int64_t index) {
  uint64_t bits = 0;
  if (isPackedSubByteType(elementType)) {
    auto byte = static_cast<uint8_t>(buffer[index / 2]);
    return index % 2 ? byte >> 4 : byte & 0xf;
  }
  size_t width = getElementByteSize(elementType);
  std::memcpy(&bits, buffer + index * width, width);
  return bits;
}

//===----------------------------------------------------------------------===//
// The CUDA runtime library
//===----------------------------------------------------------------------===//

namespace {
/// The functions of libct_cuda_runtime that the host side of ct uses; the
/// JIT-compiled code calls the same library (the same loaded copy).
struct CudaRuntime {
  const char *(*probe)() = nullptr;
  void (*synchronize)() = nullptr;
  void *(*memAlloc)(uint64_t, void *, bool) = nullptr;
  void (*memFree)(void *, void *) = nullptr;
  void (*memcpy)(void *, void *, size_t, void *) = nullptr;
};
} // namespace

static CudaRuntime &getCudaRuntime() {
  static CudaRuntime runtime;
  return runtime;
}

#ifdef CT_CUDA_RUNTIME_PATH
static constexpr const char *kCudaRuntimePath = CT_CUDA_RUNTIME_PATH;
#else
static constexpr const char *kCudaRuntimePath = nullptr;
#endif

Error loadCudaRuntime() {
  CudaRuntime &runtime = getCudaRuntime();
  if (runtime.probe)
    return Error::success();
  if (!kCudaRuntimePath)
    return makeError("ct was built without the CUDA toolkit, so it has no GPU "
                     "runtime library (libct_cuda_runtime)");
  std::string message;
  llvm::sys::DynamicLibrary library =
      llvm::sys::DynamicLibrary::getPermanentLibrary(kCudaRuntimePath,
                                                     &message);
  if (!library.isValid())
    return makeError(llvm::Twine("cannot load the GPU runtime library '") +
                     kCudaRuntimePath + "': " + message +
                     " (running on a GPU needs the NVIDIA driver's "
                     "libcuda.so.1)");
  auto lookup = [&](auto &function, const char *name) {
    function = reinterpret_cast<std::remove_reference_t<decltype(function)>>(
        library.getAddressOfSymbol(name));
    return function != nullptr;
  };
  CudaRuntime loaded;
  if (!lookup(loaded.probe, "ctCudaProbe") ||
      !lookup(loaded.synchronize, "ctCudaSynchronize") ||
      !lookup(loaded.memAlloc, "mgpuMemAlloc") ||
      !lookup(loaded.memFree, "mgpuMemFree") ||
      !lookup(loaded.memcpy, "mgpuMemcpy"))
    return makeError(llvm::Twine("'") + kCudaRuntimePath +
                     "' lacks a ct_cuda_runtime function; rebuild ct");
  if (const char *failure = loaded.probe())
    return makeError(llvm::Twine("no usable CUDA GPU: ") + failure);
  runtime = loaded;
  return Error::success();
}

void synchronizeCuda() {
  assert(getCudaRuntime().synchronize && "loadCudaRuntime first");
  getCudaRuntime().synchronize();
}

//===----------------------------------------------------------------------===//
// HostArray
//===----------------------------------------------------------------------===//

HostArray::HostArray(Type elementType, ArrayRef<int64_t> shape, bool isScalar,
                     Memory memory)
    : elementType(elementType), shape(shape), isScalar(isScalar),
      memory(isScalar ? Memory::Host : memory) {
  assert((!isPackedSubByteType(elementType) || isScalar ||
          (!shape.empty() && shape.back() % 2 == 0)) &&
         "packed 4-bit arrays need an even innermost size");
  numBytes = isScalar ? getElementByteSize(elementType)
                      : getStorageByteSize(elementType, shape);
  // Never a null pointer, even for arrays without elements.
  size_t allocated = std::max<size_t>(numBytes, 1);
  if (this->memory == Memory::Host) {
    buffer = static_cast<char *>(llvm::allocate_buffer(allocated, kAlignment));
    std::memset(buffer, 0, allocated);
  } else {
    // cuMemAlloc and cuMemAllocManaged align to at least 256 bytes.
    CudaRuntime &runtime = getCudaRuntime();
    assert(runtime.memAlloc && "loadCudaRuntime before making CUDA arrays");
    buffer = static_cast<char *>(runtime.memAlloc(
        allocated, /*stream=*/nullptr,
        /*isHostShared=*/this->memory == Memory::CudaManaged));
    std::vector<char> zeros(allocated);
    copyFrom(zeros.data());
  }
  if (isScalar)
    return;
  static_assert(sizeof(void *) == sizeof(int64_t),
                "memref descriptors are built for 64-bit hosts");
  descriptor.push_back(reinterpret_cast<intptr_t>(buffer));
  descriptor.push_back(reinterpret_cast<intptr_t>(buffer));
  descriptor.push_back(0);
  SmallVector<int64_t> storageShape = getStorageShape(elementType, shape);
  llvm::append_range(descriptor, storageShape);
  SmallVector<int64_t> strides(storageShape.size());
  int64_t stride = 1;
  for (int64_t i = storageShape.size() - 1; i >= 0; --i) {
    strides[i] = stride;
    stride *= storageShape[i];
  }
  llvm::append_range(descriptor, strides);
  descriptorAddress = descriptor.data();
}

HostArray::~HostArray() {
  if (memory == Memory::Host)
    llvm::deallocate_buffer(buffer, std::max<size_t>(numBytes, 1), kAlignment);
  else
    getCudaRuntime().memFree(buffer, /*stream=*/nullptr);
}

void HostArray::copyFrom(const void *source) {
  if (memory == Memory::Host) {
    std::memcpy(buffer, source, numBytes);
    return;
  }
  // cuMemcpy on the null stream, then wait: the copy is done on return.
  getCudaRuntime().memcpy(buffer, const_cast<void *>(source), numBytes,
                          /*stream=*/nullptr);
  synchronizeCuda();
}

void HostArray::copyTo(void *target) const {
  if (memory == Memory::Host) {
    std::memcpy(target, buffer, numBytes);
    return;
  }
  getCudaRuntime().memcpy(target, buffer, numBytes, /*stream=*/nullptr);
  synchronizeCuda();
}

int64_t HostArray::getNumElements() const {
  int64_t count = 1;
  for (int64_t dim : shape)
    count *= dim;
  return count;
}

double HostArray::getAsDouble(int64_t index) const {
  assert(memory != Memory::CudaDevice && "copyTo host memory first");
  uint64_t bits = readElementBits(buffer, elementType, index);
  if (auto floatType = dyn_cast<FloatType>(elementType)) {
    llvm::APFloat value(floatType.getFloatSemantics(),
                        llvm::APInt(floatType.getWidth(), bits));
    bool losesInfo;
    value.convert(llvm::APFloat::IEEEdouble(),
                  llvm::APFloat::rmNearestTiesToEven, &losesInfo);
    return value.convertToDouble();
  }
  return static_cast<double>(getAsInteger(index));
}

int64_t HostArray::getAsInteger(int64_t index) const {
  assert(memory != Memory::CudaDevice && "copyTo host memory first");
  unsigned width = isPackedSubByteType(elementType)
                       ? 4
                       : getElementByteSize(elementType) * 8;
  llvm::APInt value(width, readElementBits(buffer, elementType, index));
  if (elementType.isUnsignedInteger() || elementType.isInteger(1))
    return static_cast<int64_t>(value.getZExtValue());
  return value.getSExtValue();
}

//===----------------------------------------------------------------------===//
// Compiling
//===----------------------------------------------------------------------===//

/// The host's target machine with `--cpu-features` on top. Feature names are
/// checked against the target's list first: LLVM would only warn about an
/// unknown one and ignore it.
static Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(StringRef cpuFeatures) {
  Expected<llvm::orc::JITTargetMachineBuilder> builder =
      llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!builder)
    return builder.takeError();
  builder->setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
  Expected<std::unique_ptr<llvm::TargetMachine>> host =
      builder->createTargetMachine();
  if (!host || cpuFeatures.empty())
    return host;

  ArrayRef<llvm::SubtargetFeatureKV> known =
      (*host)->getMCSubtargetInfo()->getAllProcessorFeatures();
  SmallVector<StringRef> features;
  StringRef(cpuFeatures).split(features, ',', /*MaxSplit=*/-1,
                               /*KeepEmpty=*/false);
  for (StringRef feature : features) {
    feature = feature.trim();
    StringRef name = feature.drop_front();
    if (!feature.starts_with("+") && !feature.starts_with("-"))
      return makeError("--cpu-features: '" + feature +
                       "' must start with '+' or '-'");
    if (llvm::none_of(known, [&](const llvm::SubtargetFeatureKV &kv) {
          return name == kv.Key;
        }))
      return makeError("--cpu-features: unknown feature '" + name + "' for " +
                       (*host)->getTargetTriple().str() +
                       " (llc -mattr=help lists them)");
    builder->getFeatures().AddFeature(feature);
  }
  return builder->createTargetMachine();
}

/// Erases the functions that the entry does not reach through symbol
/// references: ct-run compiles only what it runs, so the other functions of
/// a module need not lower yet.
static void eraseFunctionsUnreachableFromEntry(ModuleOp module,
                                               StringRef entryName) {
  SymbolTable symbols(module);
  Operation *entry = symbols.lookup(entryName);
  llvm::SmallPtrSet<Operation *, 8> reachable = {entry};
  SmallVector<Operation *> worklist = {entry};
  while (!worklist.empty()) {
    std::optional<SymbolTable::UseRange> uses =
        SymbolTable::getSymbolUses(worklist.pop_back_val());
    if (!uses)
      continue;
    for (const SymbolTable::SymbolUse &use : *uses)
      if (Operation *callee =
              symbols.lookup(use.getSymbolRef().getRootReference()))
        if (reachable.insert(callee).second)
          worklist.push_back(callee);
  }
  for (auto func : llvm::make_early_inc_range(module.getOps<func::FuncOp>()))
    if (!reachable.contains(func))
      func.erase();
}

/// What `entryName` looks like on tensors, and whether it still needs
/// lowering.
static Expected<std::pair<FunctionType, bool>>
findEntry(ModuleOp module, StringRef entryName, StringRef source) {
  Operation *symbol = module.lookupSymbol(entryName);
  if (auto func = dyn_cast_or_null<func::FuncOp>(symbol)) {
    if (func.isExternal())
      return makeError("function '" + entryName + "' in '" + source +
                       "' is a declaration without a body");
    if (func.isPrivate())
      return makeError("function '" + entryName + "' in '" + source +
                       "' is private; ct-run calls public functions");
    return std::make_pair(func.getFunctionType(), true);
  }
  if (auto func = dyn_cast_or_null<LLVM::LLVMFuncOp>(symbol)) {
    auto signature = func->getAttrOfType<TypeAttr>(kSignatureAttrName);
    if (!signature || !isa<FunctionType>(signature.getValue()) ||
        !module.lookupSymbol(("_mlir_ciface_" + entryName).str()))
      return makeError("llvm.func '" + entryName + "' in '" + source +
                       "' has no '" + kSignatureAttrName +
                       "' attribute or no _mlir_ciface_ wrapper; lower the "
                       "module with ct-opt --ct-lower-to-llvm, which adds "
                       "both");
    return std::make_pair(cast<FunctionType>(signature.getValue()), false);
  }
  return makeError("no function '" + entryName + "' in '" + source + "'");
}

Expected<FunctionType> lookupEntrySignature(ModuleOp module,
                                            StringRef entry, StringRef source) {
  Expected<std::pair<FunctionType, bool>> found =
      findEntry(module, entry, source);
  if (!found)
    return found.takeError();
  if (Error error = checkCallableSignature(found->first, entry))
    return std::move(error);
  return found->first;
}

/// Whether a tensor of `type` can be passed packed: 4-bit elements travel
/// two per byte along the innermost dimension, which must have an even size.
static Error checkPackable(Type type, const llvm::Twine &what,
                           StringRef entryName) {
  auto tensorType = dyn_cast<RankedTensorType>(type);
  if (!tensorType || !isPackedSubByteType(tensorType.getElementType()))
    return Error::success();
  if (tensorType.getRank() > 0 &&
      (tensorType.isDynamicDim(tensorType.getRank() - 1) ||
       tensorType.getShape().back() % 2 == 0))
    return Error::success();
  return makeError(what + " of @" + entryName + " has type " +
                   typeToString(type) +
                   "; 4-bit tensors are passed packed, two elements per byte "
                   "along the innermost dimension, which needs an even size");
}

Error checkCallableSignature(FunctionType type, StringRef entryName) {
  for (auto [index, argType] : llvm::enumerate(type.getInputs())) {
    if (!isa<RankedTensorType>(argType) && !argType.isIntOrIndexOrFloat())
      return makeError("argument #" + llvm::Twine(index) + " of @" +
                       entryName + " has type " + typeToString(argType) +
                       "; ct-run passes ranked tensors and integer, index "
                       "or float scalars");
    if (Error error = checkPackable(
            argType, "argument #" + llvm::Twine(index), entryName))
      return error;
  }
  for (auto [index, resultType] : llvm::enumerate(type.getResults())) {
    auto tensorType = dyn_cast<RankedTensorType>(resultType);
    if (!tensorType)
      return makeError("result #" + llvm::Twine(index) + " of @" + entryName +
                       " has type " + typeToString(resultType) +
                       "; ct-run returns ranked tensors only");
    if (Error error = checkPackable(
            resultType, "result #" + llvm::Twine(index), entryName))
      return error;
    if (!tensorType.hasStaticShape())
      return makeError("result #" + llvm::Twine(index) + " of @" + entryName +
                       " has the dynamic shape " + typeToString(resultType) +
                       "; ct-run allocates results before the call and needs "
                       "static result shapes");
  }
  return Error::success();
}

Expected<std::unique_ptr<CompiledFunction>>
CompiledFunction::compile(ModuleOp module, StringRef entry,
                          const CompileOptions &options, StringRef source) {
  bool onGpu = options.device == Device::CUDA;
  if (onGpu)
    if (Error error = loadCudaRuntime())
      return std::move(error);
  Expected<std::unique_ptr<llvm::TargetMachine>> machine =
      createTargetMachine(options.cpuFeatures);
  if (!machine)
    return machine.takeError();
  Expected<std::pair<FunctionType, bool>> found =
      findEntry(module, entry, source);
  if (!found)
    return found.takeError();
  auto [signature, needsLowering] = *found;
  if (Error error = checkCallableSignature(signature, entry))
    return std::move(error);

  if (needsLowering) {
    eraseFunctionsUnreachableFromEntry(module, entry);
    PassManager pm(module->getContext());
    StringRef pipeline = onGpu ? "ct-lower-to-nvvm" : "ct-lower-to-llvm";
    if (onGpu) {
      LowerToNVVMOptions gpuOptions;
      gpuOptions.chip = options.gpuChip;
      gpuOptions.format = options.gpuFormat;
      gpuOptions.tensorCores = options.gpuTensorCores;
      buildLowerToNVVMPipeline(pm, gpuOptions);
    } else {
      LowerToLLVMOptions cpuOptions;
      cpuOptions.cpuFeatures = options.cpuFeatures;
      buildLowerToLLVMPipeline(pm, cpuOptions);
    }
    if (failed(pm.run(module)))
      return makeError("lowering '" + source + "' with " + pipeline +
                       " failed (diagnostics above)");
  }

  std::function<Error(llvm::Module *)> optimize = makeOptimizingTransformer(
      /*optLevel=*/3, /*sizeLevel=*/0, machine->get());
  ExecutionEngineOptions engineOptions;
  engineOptions.transformer = optimize;
  engineOptions.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  // memref.copy of non-contiguous views lowers to a call into the C runner
  // utils; GPU host code calls the mgpu* functions of ct's runtime.
  SmallVector<StringRef, 2> runtimeLibraries = {CT_C_RUNNER_UTILS_PATH};
  if (onGpu)
    runtimeLibraries.push_back(kCudaRuntimePath);
  engineOptions.sharedLibPaths = runtimeLibraries;
  Expected<std::unique_ptr<ExecutionEngine>> engine =
      ExecutionEngine::create(module, engineOptions, std::move(*machine));
  if (!engine)
    return makeError("JIT compilation of '" + source + "' failed: " +
                     llvm::toString(engine.takeError()));
  return std::unique_ptr<CompiledFunction>(new CompiledFunction(
      std::move(*engine), signature, entry.str(), options.device));
}

Error CompiledFunction::call(ArrayRef<HostArray *> inputs,
                             ArrayRef<HostArray *> results) {
  // The C interface takes tensors as pointers to memref descriptors and
  // scalars by value, results last as out-parameters.
  SmallVector<void *> packedArgs;
  for (HostArray *array : llvm::concat<HostArray *const>(inputs, results)) {
    if (device == Device::CUDA && array->getMemory() == Memory::Host &&
        !array->isScalarArgument())
      return makeError("cannot call @" + entry +
                       " on the GPU with a tensor in host memory; make its "
                       "arrays with Memory::CudaManaged or CudaDevice");
    packedArgs.push_back(array->getPackedArgument());
  }
  if (Error error = engine->invokePacked("_mlir_ciface_" + entry, packedArgs))
    return makeError("cannot call @" + entry + ": " +
                     llvm::toString(std::move(error)));
  // Launches are synchronous, but copies on the null stream need not be.
  if (device == Device::CUDA)
    synchronizeCuda();
  return Error::success();
}

double getMedian(SmallVector<double> values) {
  llvm::sort(values);
  size_t middle = values.size() / 2;
  return values.size() % 2 ? values[middle]
                           : (values[middle - 1] + values[middle]) / 2;
}

} // namespace ct
