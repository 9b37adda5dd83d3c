// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// ct-run: runs one function of a module on the CPU, or with --gpu on a CUDA
// GPU, through MLIR's ExecutionEngine, with NumPy .npy files as inputs and
// outputs, so that tests, benchmarks and Python users share one path into
// compiled code. A module on tensors is lowered with ct-lower-to-llvm (or
// ct-lower-to-nvvm) first; its tensor signature (shapes, element types) is
// what inputs are checked against and outputs are made of. On the GPU,
// arguments and results live in CUDA managed memory.

#include "ct/ExecutionEngine/CpuRunner.h"
#include "ct/Support/Npy.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>

using namespace mlir;
using llvm::Error;
using llvm::Expected;
using ct::HostArray;

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

static cl::opt<bool> runOnGpu(
    "gpu",
    cl::desc("Run on CUDA device 0: lower with ct-lower-to-nvvm, load "
             "libct_cuda_runtime, pass arrays in managed memory"),
    cl::init(false), cl::cat(ctRunCategory));
static cl::opt<std::string>
    gpuChip("gpu-chip", cl::desc("ct-lower-to-nvvm's chip with --gpu"),
            cl::init("sm_90"), cl::cat(ctRunCategory));
static cl::opt<std::string> gpuFormat(
    "gpu-format",
    cl::desc("ct-lower-to-nvvm's format with --gpu: isa (PTX, compiled by "
             "the driver), bin or fatbin (need ptxas on PATH)"),
    cl::init("fatbin"), cl::cat(ctRunCategory));

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
/// has none. ml_dtypes stores bfloat16 and the fp8 types as opaque bytes;
/// 4-bit types are uint8 arrays of packed bytes (ct::getStorageShape), as
/// compressed-tensors stores them.
static std::string npyDescrFor(Type elementType) {
  if (elementType.isIndex())
    return "<i8";
  if (ct::isPackedSubByteType(elementType))
    return "|u1";
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
  if (ct::isPackedSubByteType(elementType))
    return false;
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
  if (ct::isPackedSubByteType(elementType))
    return describeDescr(descr) + ", two " + typeToString(elementType) +
           " values per byte";
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

//===----------------------------------------------------------------------===//
// Loading and checking the module
//===----------------------------------------------------------------------===//

/// Checks that every argument and result has a .npy dtype.
static Error checkNpyTypes(FunctionType signature) {
  for (auto [index, type] : llvm::enumerate(signature.getInputs())) {
    Type elementType = getElementTypeOrSelf(type);
    if (npyDescrFor(elementType).empty())
      return makeError("argument #" + llvm::Twine(index) + " of @" +
                       entryName + " has element type " +
                       typeToString(elementType) + ", which has no .npy dtype");
  }
  for (auto [index, type] : llvm::enumerate(signature.getResults())) {
    Type elementType = getElementTypeOrSelf(type);
    if (npyDescrFor(elementType).empty())
      return makeError("result #" + llvm::Twine(index) + " of @" + entryName +
                       " has element type " + typeToString(elementType) +
                       ", which has no .npy dtype");
  }
  return Error::success();
}

/// Where arguments and results live: host memory, or managed memory that
/// both the host (reading .npy files, comparing) and the GPU access.
static ct::Memory getArrayMemory() {
  return runOnGpu ? ct::Memory::CudaManaged : ct::Memory::Host;
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
  SmallVector<int64_t> shape(array->shape.begin(), array->shape.end());
  if (!tensorType) {
    if (!shape.empty())
      return makeError(where + ": " + argument +
                       " is a scalar and needs a 0-d array, got shape " +
                       shapeToString(shape));
  } else {
    SmallVector<int64_t> expected =
        ct::getStorageShape(elementType, tensorType.getShape());
    bool packed = ct::isPackedSubByteType(elementType);
    bool matches = expected.size() == shape.size();
    for (size_t i = 0; matches && i < expected.size(); ++i)
      matches = ShapedType::isDynamic(expected[i]) || expected[i] == shape[i];
    if (!matches && packed)
      return makeError(where + ": shape " + shapeToString(shape) +
                       " does not match " + argument +
                       ", which expects packed shape [.., C/2] " +
                       shapeToString(expected) +
                       " (uint8, element 2i in the low nibble of byte i, "
                       "2i+1 in the high nibble; ? is any size)");
    if (!matches)
      return makeError(where + ": shape " + shapeToString(shape) +
                       " does not match " + argument);
    // The array holds bytes; the function sees two elements in each.
    if (packed)
      shape.back() *= 2;
  }
  auto host = std::make_unique<HostArray>(elementType, shape,
                                         /*isScalar=*/!tensorType,
                                         getArrayMemory());
  host->copyFrom(array->data.data());
  return host;
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

/// A packed 4-bit array as the uint8 array of its bytes ([..., C/2]), which
/// is how ct-run writes, prints and compares it; other arrays as they are.
static const HostArray &
asNpyView(const HostArray &array, std::unique_ptr<HostArray> &storage) {
  Type elementType = array.getElementType();
  if (!ct::isPackedSubByteType(elementType))
    return array;
  storage = std::make_unique<HostArray>(
      IntegerType::get(elementType.getContext(), 8, IntegerType::Unsigned),
      ct::getStorageShape(elementType, array.getShape()));
  std::memcpy(storage->data(), array.data(), array.size());
  return *storage;
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
      size_t width = ct::getElementByteSize(elementType);
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

  // Inputs are checked against the signature before anything is compiled.
  Expected<FunctionType> found =
      ct::lookupEntrySignature(*module, entryName, inputFilename);
  if (!found)
    return found.takeError();
  FunctionType signature = *found;
  if (Error error = checkNpyTypes(signature))
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

  if (runOnGpu)
    if (Error error = ct::loadCudaRuntime())
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
    results.push_back(std::make_unique<HostArray>(
        tensorType.getElementType(), tensorType.getShape(),
        /*isScalar=*/false, getArrayMemory()));
  }

  ct::CompileOptions options;
  options.device = runOnGpu ? ct::Device::CUDA : ct::Device::Host;
  options.cpuFeatures = cpuFeatures;
  options.gpuChip = gpuChip;
  options.gpuFormat = gpuFormat;
  Expected<std::unique_ptr<ct::CompiledFunction>> function =
      ct::CompiledFunction::compile(*module, entryName, options,
                                    inputFilename);
  if (!function)
    return function.takeError();
  SmallVector<HostArray *> inputPointers, resultPointers;
  for (const std::unique_ptr<HostArray> &array : inputs)
    inputPointers.push_back(array.get());
  for (const std::unique_ptr<HostArray> &array : results)
    resultPointers.push_back(array.get());
  auto call = [&] { return (*function)->call(inputPointers, resultPointers); };
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
                                  ct::getMedian(microseconds),
                                  *llvm::min_element(microseconds));
  }

  for (auto [index, result] : llvm::enumerate(results)) {
    std::unique_ptr<HostArray> bytes;
    const HostArray &npyView = asNpyView(*result, bytes);
    if (!outputFiles.empty())
      if (Error error = ct::writeNpy(outputFiles[index], toNpy(npyView)))
        return error;
    if (!compareFiles.empty()) {
      if (Error error = compareResult(index, npyView))
        return error;
    } else if (outputFiles.empty()) {
      llvm::outs() << "result #" << index << ": shape "
                   << shapeToString(npyView.getShape()) << ", dtype "
                   << describeDtypeOf(result->getElementType()) << "\n";
      printArray(llvm::outs(), npyView);
    }
  }
  return Error::success();
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  cl::HideUnrelatedOptions(ctRunCategory);
  cl::ParseCommandLineOptions(
      argc, argv,
      "ct-run: run a function of an MLIR module on the CPU or a CUDA GPU "
      "with .npy inputs and outputs\n\n"
      "  ct-run FILE.mlir --entry NAME --input a.npy [--input b.npy ...]\n"
      "         [--output out.npy ...] [--compare expected.npy ...]\n"
      "         [--bench N] [--cpu-features=+f1,-f2]\n"
      "         [--gpu [--gpu-chip=sm_90] [--gpu-format=isa|bin|fatbin]]\n");

  DialectRegistry registry;
  ct::initializeCpuRunner(registry);
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
