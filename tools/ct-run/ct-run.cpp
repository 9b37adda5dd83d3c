// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// ct-run: runs one function of a module on the CPU through MLIR's
// ExecutionEngine, with NumPy .npy files as inputs and outputs, so that tests,
// benchmarks and Python users share one path into compiled code. A module on
// tensors is lowered with ct-lower-to-llvm first; its tensor signature (shapes,
// element types) is what inputs are checked against and outputs are made of.

#include "ct/Conversion/Passes.h"
#include "ct/Conversion/Pipelines.h"
#include "ct/Dialect/CT/IR/CTDialect.h"
#include "ct/Support/Npy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemAlloc.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Target/TargetMachine.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>

using namespace mlir;
using llvm::Error;
using llvm::Expected;

namespace cl = llvm::cl;

static cl::OptionCategory ctRunCategory("ct-run options");

static cl::opt<std::string> inputFilename(cl::Positional,
                                          cl::desc("<module.mlir>"),
                                          cl::Required, cl::cat(ctRunCategory));
static cl::opt<std::string>
    entryName("entry", cl::desc("Name of the public function to run"),
              cl::value_desc("name"), cl::Required, cl::cat(ctRunCategory));
static cl::list<std::string>
    inputFiles("input",
               cl::desc("A .npy file per function argument, in order (0-d "
                        "arrays for scalar arguments)"),
               cl::value_desc("file.npy"), cl::cat(ctRunCategory));
static cl::list<std::string>
    outputFiles("output",
                cl::desc("Write the results, one .npy file per result"),
                cl::value_desc("file.npy"), cl::cat(ctRunCategory));
static cl::list<std::string> compareFiles(
    "compare",
    cl::desc("Compare the results with expected .npy files, one per result: "
             "floats as numpy.allclose (--rtol, --atol), integers and bools "
             "exactly; fails on a mismatch"),
    cl::value_desc("expected.npy"), cl::cat(ctRunCategory));
static cl::opt<double>
    relativeTolerance("rtol", cl::desc("Relative tolerance of --compare"),
                      cl::init(1e-5), cl::cat(ctRunCategory));
static cl::opt<double>
    absoluteTolerance("atol", cl::desc("Absolute tolerance of --compare"),
                      cl::init(1e-8), cl::cat(ctRunCategory));
static cl::opt<bool> compareBits(
    "exact",
    cl::desc("Make --compare bitwise: floats must have the same bits (NaN "
             "matches any NaN, -0 does not match +0); for golden data of "
             "quantization, which the library defines exactly"),
    cl::init(false), cl::cat(ctRunCategory));
static cl::opt<unsigned>
    benchRuns("bench",
              cl::desc("After the first run, time N more and print the "
                       "median and minimum"),
              cl::value_desc("N"), cl::init(0), cl::cat(ctRunCategory));
static cl::opt<std::string> cpuFeatures(
    "cpu-features",
    cl::desc("Target CPU features on top of the host's, as LLVM spells them "
             "(e.g. +avx512bf16,-avx512f); given to the JIT and to "
             "ct-lower-to-llvm"),
    cl::value_desc("features"), cl::cat(ctRunCategory));

/// Name under which ct-lower-to-llvm records the tensor signature of a public
/// function (see PrepareCInterfacePass in lib/Conversion/Pipelines.cpp).

/// Above this many elements a printed result shows only its edges, as numpy.
static constexpr int64_t kPrintThreshold = 1000;
static constexpr int64_t kPrintEdgeItems = 3;

static Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

static std::string typeToString(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  return text;
}

static std::string shapeToString(ArrayRef<int64_t> shape) {
  std::string text = "(";
  for (auto [i, dim] : llvm::enumerate(shape))
    text += (i ? ", " : "") + std::to_string(dim);
  return text + (shape.size() == 1 ? ",)" : ")");
}

//===----------------------------------------------------------------------===//
// Element types and .npy dtypes
//===----------------------------------------------------------------------===//

/// The .npy descriptor ct-run writes for `elementType`, or "" when the type
/// has none. ml_dtypes stores bfloat16 and the fp8 types as opaque bytes.
static std::string npyDescrFor(Type elementType) {
  if (elementType.isIndex())
    return "<i8";
  if (elementType.isInteger(1))
    return "|b1";
  if (auto intType = dyn_cast<IntegerType>(elementType)) {
    unsigned width = intType.getWidth();
    if (width != 8 && width != 16 && width != 32 && width != 64)
      return "";
    return std::string(width == 8 ? "|" : "<") +
           (intType.isUnsigned() ? "u" : "i") + std::to_string(width / 8);
  }
  if (elementType.isF16() || elementType.isF32() || elementType.isF64())
    return "<f" + std::to_string(elementType.getIntOrFloatBitWidth() / 8);
  if (elementType.isBF16())
    return "<V2";
  if (auto floatType = dyn_cast<FloatType>(elementType))
    if (floatType.getWidth() == 8)
      return "|V1";
  return "";
}

/// Whether a file with dtype `descr` can feed `elementType`. Signless
/// integers take signed or unsigned data of their width; opaque dtypes may
/// be written with either byte-order mark ('<V2' by ml_dtypes, '|V2' by
/// numpy for np.void).
static bool npyDescrMatches(StringRef descr, Type elementType) {
  std::string expected = npyDescrFor(elementType);
  if (expected.empty() || descr.size() < 3)
    return false;
  if (descr == expected)
    return true;
  StringRef kindAndWidth = descr.drop_front();
  if (expected[1] == 'V')
    return kindAndWidth == StringRef(expected).drop_front();
  if (elementType.isSignlessInteger() && !elementType.isInteger(1))
    return kindAndWidth ==
           ("u" + StringRef(expected).drop_front(2)).str();
  return false;
}

/// "<f4 (float32)": a dtype as numpy users know it.
static std::string describeDescr(StringRef descr) {
  size_t width = ct::npyElementSize(descr);
  if (width == 0)
    return descr.str();
  std::string bits = std::to_string(width * 8);
  std::string name;
  switch (descr[1]) {
  case 'f':
    name = "float" + bits;
    break;
  case 'i':
    name = "int" + bits;
    break;
  case 'u':
    name = "uint" + bits;
    break;
  case 'b':
    name = "bool";
    break;
  case 'c':
    name = "complex" + bits;
    break;
  default:
    name = std::to_string(width) + " opaque bytes";
  }
  return (descr + " (" + name + ")").str();
}

/// The dtype ct-run uses for `elementType`, named as numpy or ml_dtypes
/// calls it: "<V2 (ml_dtypes bfloat16)".
static std::string describeDtypeOf(Type elementType) {
  std::string descr = npyDescrFor(elementType);
  if (descr.empty() || descr[1] != 'V')
    return describeDescr(descr);
  // f8E4M3FN -> float8_e4m3fn, the ml_dtypes spelling.
  std::string name = elementType.isBF16()
                         ? "bfloat16"
                         : "float8_" + StringRef(typeToString(elementType))
                                           .drop_front(2)
                                           .lower();
  return descr + " (ml_dtypes " + name + ")";
}

static size_t elementByteSize(Type elementType) {
  if (elementType.isIndex())
    return 8;
  return (elementType.getIntOrFloatBitWidth() + 7) / 8;
}

//===----------------------------------------------------------------------===//
// Host data the compiled code reads and writes
//===----------------------------------------------------------------------===//

namespace {

/// A dense row-major array in a 64-byte aligned buffer, passed to the
/// compiled code as a memref descriptor (tensors) or by value (scalars).
class HostArray {
public:
  HostArray(Type elementType, ArrayRef<int64_t> shape, bool isScalar = false)
      : elementType(elementType), shape(shape), isScalar(isScalar) {
    numBytes = elementByteSize(elementType);
    for (int64_t dim : shape)
      numBytes *= dim;
    // Never a null pointer, even for arrays without elements.
    buffer = static_cast<char *>(
        llvm::allocate_buffer(std::max<size_t>(numBytes, 1), kAlignment));
    std::memset(buffer, 0, std::max<size_t>(numBytes, 1));
    if (!isScalar)
      buildDescriptor();
  }
  HostArray(const HostArray &) = delete;
  HostArray &operator=(const HostArray &) = delete;
  ~HostArray() {
    llvm::deallocate_buffer(buffer, std::max<size_t>(numBytes, 1), kAlignment);
  }

  Type getElementType() const { return elementType; }
  ArrayRef<int64_t> getShape() const { return shape; }
  int64_t getNumElements() const {
    return numBytes / elementByteSize(elementType);
  }
  char *data() { return buffer; }
  const char *data() const { return buffer; }
  size_t size() const { return numBytes; }

  /// What the packed wrapper of a `_mlir_ciface_` function takes for this
  /// argument: the address of the value it passes, i.e. of the scalar, or
  /// of the pointer to the memref descriptor.
  void *getPackedArgument() {
    return isScalar ? static_cast<void *>(buffer)
                    : static_cast<void *>(&descriptorAddress);
  }

  /// Element `index` as a double (floats of every width, integers, bools).
  double getAsDouble(int64_t index) const {
    size_t width = elementByteSize(elementType);
    uint64_t bits = 0;
    std::memcpy(&bits, buffer + index * width, width);
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

  /// Element `index` of an integer or bool array, sign- or zero-extended as
  /// its type says.
  int64_t getAsInteger(int64_t index) const {
    size_t width = elementByteSize(elementType);
    uint64_t bits = 0;
    std::memcpy(&bits, buffer + index * width, width);
    llvm::APInt value(width * 8, bits);
    if (elementType.isUnsignedInteger() || elementType.isInteger(1))
      return static_cast<int64_t>(value.getZExtValue());
    return value.getSExtValue();
  }

private:
  static constexpr size_t kAlignment = 64;

  /// The memref descriptor as StridedMemRefType<T, rank> lays it out:
  /// allocated and aligned pointers, offset, sizes[rank], strides[rank].
  void buildDescriptor() {
    static_assert(sizeof(void *) == sizeof(int64_t),
                  "memref descriptors are built for 64-bit hosts");
    descriptor.push_back(reinterpret_cast<intptr_t>(buffer));
    descriptor.push_back(reinterpret_cast<intptr_t>(buffer));
    descriptor.push_back(0);
    llvm::append_range(descriptor, shape);
    SmallVector<int64_t> strides(shape.size());
    int64_t stride = 1;
    for (int64_t i = shape.size() - 1; i >= 0; --i) {
      strides[i] = stride;
      stride *= shape[i];
    }
    llvm::append_range(descriptor, strides);
    descriptorAddress = descriptor.data();
  }

  Type elementType;
  SmallVector<int64_t> shape;
  bool isScalar;
  size_t numBytes;
  char *buffer;
  SmallVector<int64_t> descriptor;
  void *descriptorAddress = nullptr;
};

/// What the entry function looked like on tensors, before lowering.
struct EntrySignature {
  FunctionType type;
  /// Whether the module still needs ct-lower-to-llvm.
  bool needsLowering;
};

} // namespace

//===----------------------------------------------------------------------===//
// Loading and checking the module
//===----------------------------------------------------------------------===//

static Expected<EntrySignature> findEntry(ModuleOp module) {
  Operation *symbol = module.lookupSymbol(entryName);
  if (auto func = dyn_cast_or_null<func::FuncOp>(symbol)) {
    if (func.isExternal())
      return makeError("function '" + entryName + "' in '" + inputFilename +
                       "' is a declaration without a body");
    if (func.isPrivate())
      return makeError("function '" + entryName + "' in '" + inputFilename +
                       "' is private; ct-run calls public functions");
    return EntrySignature{func.getFunctionType(), /*needsLowering=*/true};
  }
  if (auto func = dyn_cast_or_null<LLVM::LLVMFuncOp>(symbol)) {
    auto signature = func->getAttrOfType<TypeAttr>(ct::kSignatureAttrName);
    if (!signature || !isa<FunctionType>(signature.getValue()) ||
        !module.lookupSymbol("_mlir_ciface_" + entryName))
      return makeError("llvm.func '" + entryName + "' in '" + inputFilename +
                       "' has no '" + ct::kSignatureAttrName +
                       "' attribute or no _mlir_ciface_ wrapper; lower the "
                       "module with ct-opt --ct-lower-to-llvm, which adds "
                       "both");
    return EntrySignature{cast<FunctionType>(signature.getValue()),
                          /*needsLowering=*/false};
  }
  return makeError("no function '" + entryName + "' in '" + inputFilename +
                   "'");
}

/// Checks that ct-run can pass every argument and return every result.
static Error checkSignature(FunctionType type) {
  for (auto [index, argType] : llvm::enumerate(type.getInputs())) {
    Type elementType = argType;
    if (auto tensorType = dyn_cast<RankedTensorType>(argType))
      elementType = tensorType.getElementType();
    else if (!argType.isIntOrIndexOrFloat())
      return makeError("argument #" + llvm::Twine(index) + " of @" +
                       entryName + " has type " + typeToString(argType) +
                       "; ct-run passes ranked tensors and integer, index "
                       "or float scalars");
    if (npyDescrFor(elementType).empty())
      return makeError("argument #" + llvm::Twine(index) + " of @" +
                       entryName + " has element type " +
                       typeToString(elementType) + ", which has no .npy dtype");
  }
  for (auto [index, resultType] : llvm::enumerate(type.getResults())) {
    auto tensorType = dyn_cast<RankedTensorType>(resultType);
    if (!tensorType)
      return makeError("result #" + llvm::Twine(index) + " of @" + entryName +
                       " has type " + typeToString(resultType) +
                       "; ct-run returns ranked tensors only");
    if (!tensorType.hasStaticShape())
      return makeError("result #" + llvm::Twine(index) + " of @" + entryName +
                       " has the dynamic shape " + typeToString(resultType) +
                       "; ct-run allocates results before the call and needs "
                       "static result shapes");
    if (npyDescrFor(tensorType.getElementType()).empty())
      return makeError("result #" + llvm::Twine(index) + " of @" + entryName +
                       " has element type " +
                       typeToString(tensorType.getElementType()) +
                       ", which has no .npy dtype");
  }
  return Error::success();
}

/// Reads input `index` and checks it against the argument it feeds.
static Expected<std::unique_ptr<HostArray>> loadInput(unsigned index,
                                                      Type argType) {
  StringRef path = inputFiles[index];
  std::string where = ("input " + llvm::Twine(index) + " (" + path + ")").str();
  Expected<ct::NpyArray> array = ct::readNpy(path);
  if (!array)
    return makeError("input " + llvm::Twine(index) + ": " +
                     llvm::toString(array.takeError()));

  auto tensorType = dyn_cast<RankedTensorType>(argType);
  Type elementType = tensorType ? tensorType.getElementType() : argType;
  std::string argument = "argument #" + std::to_string(index) + " of type " +
                         typeToString(argType);
  if (!npyDescrMatches(array->descr, elementType))
    return makeError(where + ": dtype " + describeDescr(array->descr) +
                     " does not match " + argument + " (expected " +
                     describeDtypeOf(elementType) + ")");
  if (!tensorType) {
    if (!array->shape.empty())
      return makeError(where + ": " + argument +
                       " is a scalar and needs a 0-d array, got shape " +
                       shapeToString(array->shape));
  } else {
    ArrayRef<int64_t> expected = tensorType.getShape();
    bool matches = expected.size() == array->shape.size();
    for (size_t i = 0; matches && i < expected.size(); ++i)
      matches = ShapedType::isDynamic(expected[i]) ||
                expected[i] == array->shape[i];
    if (!matches)
      return makeError(where + ": shape " + shapeToString(array->shape) +
                       " does not match " + argument);
  }
  auto host = std::make_unique<HostArray>(elementType, array->shape,
                                         /*isScalar=*/!tensorType);
  std::memcpy(host->data(), array->data.data(), host->size());
  return host;
}

//===----------------------------------------------------------------------===//
// Compiling and calling
//===----------------------------------------------------------------------===//

/// The host's target machine with `--cpu-features` on top. Feature names are
/// checked against the target's list first: LLVM would only warn about an
/// unknown one and ignore it.
static Expected<std::unique_ptr<llvm::TargetMachine>> createTargetMachine() {
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
static void eraseFunctionsUnreachableFromEntry(ModuleOp module) {
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

static Error lowerToLLVM(ModuleOp module) {
  PassManager pm(module->getContext());
  ct::LowerToLLVMOptions options;
  options.cpuFeatures = cpuFeatures;
  ct::buildLowerToLLVMPipeline(pm, options);
  if (failed(pm.run(module)))
    return makeError("lowering '" + inputFilename +
                     "' with ct-lower-to-llvm failed (diagnostics above)");
  return Error::success();
}

static double medianOf(SmallVector<double> values) {
  llvm::sort(values);
  size_t middle = values.size() / 2;
  return values.size() % 2 ? values[middle]
                           : (values[middle - 1] + values[middle]) / 2;
}

//===----------------------------------------------------------------------===//
// Results
//===----------------------------------------------------------------------===//

/// `value` as printf's %.<precision>g writes it.
static std::string formatDouble(double value, int precision = 6) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.*g", precision, value);
  return buffer;
}

static std::string formatElement(const HostArray &array, int64_t index) {
  Type elementType = array.getElementType();
  if (elementType.isInteger(1))
    return array.getAsInteger(index) ? "True" : "False";
  if (!isa<FloatType>(elementType))
    return std::to_string(array.getAsInteger(index));
  double value = array.getAsDouble(index);
  if (std::isnan(value))
    return "nan";
  if (std::isinf(value))
    return value > 0 ? "inf" : "-inf";
  std::string text = formatDouble(value);
  // numpy marks integral floats with a trailing dot: "2." rather than "2".
  if (text.find_first_of(".en") == std::string::npos)
    text += ".";
  return text;
}

/// Prints `array` as numpy's str() does: nested brackets, right-aligned
/// columns, and only the edges of each axis when the array is large.
static void printArray(llvm::raw_ostream &os, const HostArray &array) {
  ArrayRef<int64_t> shape = array.getShape();
  bool summarize = array.getNumElements() > kPrintThreshold;
  size_t width = 0;
  // Visits the printed elements in order; run once to measure, once to print.
  std::function<void(llvm::raw_ostream &, size_t, int64_t)> visit =
      [&](llvm::raw_ostream &out, size_t axis, int64_t offset) {
        if (axis == shape.size()) {
          std::string text = formatElement(array, offset);
          width = std::max(width, text.size());
          out.indent(width - std::min(width, text.size())) << text;
          return;
        }
        int64_t stride = 1;
        for (int64_t dim : shape.drop_front(axis + 1))
          stride *= dim;
        bool innermost = axis + 1 == shape.size();
        std::string separator =
            innermost ? " "
                      : std::string(shape.size() - axis - 1, '\n') +
                            std::string(axis + 1, ' ');
        out << '[';
        for (int64_t i = 0; i < shape[axis]; ++i) {
          if (summarize && shape[axis] > 2 * kPrintEdgeItems &&
              i == kPrintEdgeItems) {
            out << "..." << separator;
            i = shape[axis] - kPrintEdgeItems;
          }
          visit(out, axis + 1, offset + i * stride);
          if (i + 1 < shape[axis])
            out << separator;
        }
        out << ']';
      };
  llvm::raw_null_ostream measure;
  visit(measure, 0, 0);
  visit(os, 0, 0);
  os << '\n';
}

static ct::NpyArray toNpy(const HostArray &array) {
  ct::NpyArray npy;
  npy.descr = npyDescrFor(array.getElementType());
  npy.shape.assign(array.getShape().begin(), array.getShape().end());
  npy.data.assign(array.data(), array.data() + array.size());
  return npy;
}

/// Compares result `index` with the expected file: numpy.allclose for
/// floats, exact equality otherwise. Prints a one-line summary.
static Error compareResult(unsigned index, const HostArray &result) {
  StringRef path = compareFiles[index];
  Expected<ct::NpyArray> expectedNpy = ct::readNpy(path);
  if (!expectedNpy)
    return makeError("--compare for result #" + llvm::Twine(index) + ": " +
                     llvm::toString(expectedNpy.takeError()));
  Type elementType = result.getElementType();
  if (!npyDescrMatches(expectedNpy->descr, elementType))
    return makeError("result #" + llvm::Twine(index) + " has element type " +
                     typeToString(elementType) + " but '" + path +
                     "' holds dtype " + describeDescr(expectedNpy->descr));
  if (ArrayRef<int64_t>(expectedNpy->shape) != result.getShape())
    return makeError("result #" + llvm::Twine(index) + " has shape " +
                     shapeToString(result.getShape()) + " but '" + path +
                     "' holds shape " + shapeToString(expectedNpy->shape));
  HostArray expected(elementType, expectedNpy->shape);
  std::memcpy(expected.data(), expectedNpy->data.data(), expected.size());

  bool isFloat = isa<FloatType>(elementType);
  int64_t mismatches = 0, firstMismatch = -1;
  double maxAbs = 0, maxRel = 0;
  for (int64_t i = 0, e = result.getNumElements(); i < e; ++i) {
    bool equal;
    if (isFloat && compareBits) {
      double got = result.getAsDouble(i), want = expected.getAsDouble(i);
      size_t width = result.size() / result.getNumElements();
      equal = (std::isnan(got) && std::isnan(want)) ||
              std::memcmp(result.data() + i * width,
                          expected.data() + i * width, width) == 0;
      if (!std::isnan(got) && !std::isnan(want))
        maxAbs = std::max(maxAbs, std::fabs(got - want));
    } else if (isFloat) {
      double got = result.getAsDouble(i), want = expected.getAsDouble(i);
      double diff = std::fabs(got - want);
      if (std::isnan(got) || std::isnan(want) || std::isinf(want)) {
        equal = (std::isnan(got) && std::isnan(want)) || got == want;
      } else {
        equal = diff <= absoluteTolerance + relativeTolerance * std::fabs(want);
        maxAbs = std::max(maxAbs, diff);
        if (want != 0)
          maxRel = std::max(maxRel, diff / std::fabs(want));
      }
    } else {
      equal = result.getAsInteger(i) == expected.getAsInteger(i);
    }
    if (!equal && mismatches++ == 0)
      firstMismatch = i;
  }

  llvm::outs() << "result #" << index << ": " << result.getNumElements()
               << " elements";
  if (isFloat && compareBits)
    llvm::outs() << llvm::formatv(", max abs error {0:e2} (bitwise)", maxAbs);
  else if (isFloat)
    llvm::outs() << llvm::formatv(", max abs error {0:e2}, max rel error "
                                  "{1:e2} (rtol {2}, atol {3})",
                                  maxAbs, maxRel,
                                  formatDouble(relativeTolerance),
                                  formatDouble(absoluteTolerance));
  llvm::outs() << (mismatches ? ": MISMATCH\n" : ": match\n");
  if (!mismatches)
    return Error::success();

  SmallVector<int64_t> position(result.getShape().size());
  for (int64_t axis = position.size() - 1, rest = firstMismatch; axis >= 0;
       --axis) {
    position[axis] = rest % result.getShape()[axis];
    rest /= result.getShape()[axis];
  }
  return makeError("result #" + llvm::Twine(index) + " does not match '" +
                   path + "': " + llvm::Twine(mismatches) + " of " +
                   llvm::Twine(result.getNumElements()) +
                   " elements differ; first at " + shapeToString(position) +
                   ": got " + formatElement(result, firstMismatch) +
                   ", expected " + formatElement(expected, firstMismatch));
}

//===----------------------------------------------------------------------===//
// Driver
//===----------------------------------------------------------------------===//

static Error run(MLIRContext &context) {
  Expected<std::unique_ptr<llvm::TargetMachine>> machine =
      createTargetMachine();
  if (!machine)
    return machine.takeError();

  std::string message;
  std::unique_ptr<llvm::MemoryBuffer> file =
      openInputFile(inputFilename, &message);
  if (!file)
    return makeError(message);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return makeError("cannot parse '" + inputFilename +
                     "' (diagnostics above)");

  Expected<EntrySignature> entry = findEntry(*module);
  if (!entry)
    return entry.takeError();
  FunctionType signature = entry->type;
  if (Error error = checkSignature(signature))
    return error;
  auto describeArguments = [&] {
    std::string text;
    for (auto [i, type] : llvm::enumerate(signature.getInputs()))
      text += (i ? ", " : "") + typeToString(type);
    return text;
  };
  if (inputFiles.size() != signature.getNumInputs())
    return makeError("@" + entryName + " takes " +
                     llvm::Twine(signature.getNumInputs()) + " arguments (" +
                     describeArguments() + ") but " +
                     llvm::Twine(inputFiles.size()) + " --input files were "
                     "given");
  auto checkResultFiles = [&](StringRef option,
                              ArrayRef<std::string> files) -> Error {
    if (files.empty() || files.size() == signature.getNumResults())
      return Error::success();
    return makeError("@" + entryName + " has " +
                     llvm::Twine(signature.getNumResults()) + " results but " +
                     llvm::Twine(files.size()) + " " + option +
                     " files were given");
  };
  if (Error error = checkResultFiles("--output", outputFiles))
    return error;
  if (Error error = checkResultFiles("--compare", compareFiles))
    return error;

  SmallVector<std::unique_ptr<HostArray>> inputs, results;
  for (auto [index, argType] : llvm::enumerate(signature.getInputs())) {
    Expected<std::unique_ptr<HostArray>> input = loadInput(index, argType);
    if (!input)
      return input.takeError();
    inputs.push_back(std::move(*input));
  }
  for (Type resultType : signature.getResults()) {
    auto tensorType = cast<RankedTensorType>(resultType);
    results.push_back(std::make_unique<HostArray>(tensorType.getElementType(),
                                                  tensorType.getShape()));
  }

  if (entry->needsLowering) {
    eraseFunctionsUnreachableFromEntry(*module);
    if (Error error = lowerToLLVM(*module))
      return error;
  }

  std::function<Error(llvm::Module *)> optimize = makeOptimizingTransformer(
      /*optLevel=*/3, /*sizeLevel=*/0, machine->get());
  ExecutionEngineOptions engineOptions;
  engineOptions.transformer = optimize;
  engineOptions.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  StringRef runtimeLibraries[] = {CT_C_RUNNER_UTILS_PATH};
  engineOptions.sharedLibPaths = runtimeLibraries;
  Expected<std::unique_ptr<ExecutionEngine>> engine =
      ExecutionEngine::create(*module, engineOptions, std::move(*machine));
  if (!engine)
    return makeError("JIT compilation of '" + inputFilename + "' failed: " +
                     llvm::toString(engine.takeError()));

  // The C interface takes tensors as pointers to memref descriptors and
  // scalars by value, results last as out-parameters.
  SmallVector<void *> packedArgs;
  for (const std::unique_ptr<HostArray> &array :
       llvm::concat<std::unique_ptr<HostArray>>(inputs, results))
    packedArgs.push_back(array->getPackedArgument());
  std::string cInterfaceName = "_mlir_ciface_" + entryName;
  auto call = [&]() -> Error {
    if (Error error = (*engine)->invokePacked(cInterfaceName, packedArgs))
      return makeError("cannot call @" + entryName + ": " +
                       llvm::toString(std::move(error)));
    return Error::success();
  };
  if (Error error = call())
    return error;

  if (benchRuns > 0) {
    SmallVector<double> microseconds;
    for (unsigned i = 0; i < benchRuns; ++i) {
      auto start = std::chrono::steady_clock::now();
      if (Error error = call())
        return error;
      std::chrono::duration<double, std::micro> elapsed =
          std::chrono::steady_clock::now() - start;
      microseconds.push_back(elapsed.count());
    }
    llvm::outs() << llvm::formatv("bench @{0}: {1} runs, median {2:f3} us, "
                                  "min {3:f3} us\n",
                                  entryName, benchRuns.getValue(),
                                  medianOf(microseconds),
                                  *llvm::min_element(microseconds));
  }

  for (auto [index, result] : llvm::enumerate(results)) {
    if (!outputFiles.empty())
      if (Error error = ct::writeNpy(outputFiles[index], toNpy(*result)))
        return error;
    if (!compareFiles.empty()) {
      if (Error error = compareResult(index, *result))
        return error;
    } else if (outputFiles.empty()) {
      llvm::outs() << "result #" << index << ": shape "
                   << shapeToString(result->getShape()) << ", dtype "
                   << describeDtypeOf(result->getElementType())
                   << "\n";
      printArray(llvm::outs(), *result);
    }
  }
  return Error::success();
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  cl::HideUnrelatedOptions(ctRunCategory);
  cl::ParseCommandLineOptions(
      argc, argv,
      "ct-run: run a function of an MLIR module on the CPU with .npy inputs "
      "and outputs\n\n"
      "  ct-run FILE.mlir --entry NAME --input a.npy [--input b.npy ...]\n"
      "         [--output out.npy ...] [--compare expected.npy ...]\n"
      "         [--bench N] [--cpu-features=+f1,-f2]\n");

  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
  registry.insert<ct::CTDialect>();
  MLIRContext context(registry);

  if (Error error = run(context)) {
    // Keep what was printed (e.g. a comparison summary) before the error.
    llvm::outs().flush();
    llvm::WithColor::error(llvm::errs(), "ct-run")
        << llvm::toString(std::move(error)) << "\n";
    return 1;
  }
  return 0;
}
