// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Timing, reporting and kernel compilation shared by ct's benchmarks.

#include "BenchSupport.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Parser/Parser.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>

using namespace mlir;
namespace cl = llvm::cl;

namespace ct::bench {

cl::opt<bool> quick("quick", cl::desc("Fewer sizes and runs"));
cl::opt<std::string> csvPath("csv", cl::desc("Write the rows as CSV"),
                             cl::value_desc("file"),
                             cl::init("bench-results.csv"));
cl::opt<std::string> filter("filter",
                            cl::desc("Run only the cases whose name matches"),
                            cl::value_desc("regex"), cl::init(""));
cl::opt<unsigned> runs("runs", cl::desc("Timed runs per measurement (median)"),
                       cl::init(7));

double timeMedianUs(const std::function<void()> &body, unsigned count) {
  count = count ? count : runs.getValue();
  body();
  llvm::SmallVector<double> samples;
  for (unsigned i = 0; i < count; ++i) {
    auto start = std::chrono::steady_clock::now();
    body();
    std::chrono::duration<double, std::micro> elapsed =
        std::chrono::steady_clock::now() - start;
    samples.push_back(elapsed.count());
  }
  return getMedian(samples);
}

bool caseSelected(llvm::StringRef name) {
  return filter.empty() || llvm::Regex(filter).match(name);
}

std::string shapeString(std::initializer_list<int64_t> dims) {
  std::string text;
  for (int64_t d : dims)
    text += (text.empty() ? "" : "x") + std::to_string(d);
  return text;
}

std::string formatScale(int64_t d) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.17g", 1.0 / std::sqrt(double(d)));
  return text;
}

void fillRandom(float *data, int64_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  for (int64_t i = 0; i < n; ++i)
    data[i] = normal(rng);
}

uint16_t truncateToBF16(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, 4);
  return static_cast<uint16_t>(bits >> 16);
}

std::string cacheStepSource(int64_t batch, int64_t hq, int64_t hkv, int64_t d,
                            int64_t ctx, llvm::StringRef floatType,
                            const CacheFormat &format, int64_t queries) {
  std::string qType = llvm::formatv("tensor<{0}x{1}x{2}x{3}x{4}>", batch, hq,
                                    queries, d, floatType);
  std::string kvType = llvm::formatv("tensor<{0}x{1}x{2}x{3}x{4}>", batch, hkv,
                                     queries, d, floatType);
  std::string cacheType = llvm::formatv("tensor<{0}x{1}x{2}x{3}x{4}>", batch,
                                        hkv, ctx, d, format.elementType);
  bool quantized = *format.quant;
  std::string scaleType =
      !quantized ? ""
      : format.dynamic
          ? llvm::formatv("tensor<{0}x{1}x{2}x1x{3}>", batch, hkv, ctx,
                          floatType)
                .str()
          : llvm::formatv("tensor<{0}x{1}>",
                          llvm::formatv(format.staticScaleShape, hkv).str(),
                          floatType)
                .str();
  std::string writable = " {bufferization.writable = true}";
  std::string scaleArgs, scaleOperands, scaleTypes, scaleResults, attrs;
  if (quantized) {
    std::string scaleAttr = format.dynamic ? writable : "";
    scaleArgs = llvm::formatv(", %ks: {0}{1}, %vs: {0}{1}", scaleType,
                              scaleAttr);
    scaleOperands = " quantized(k: %ks, v: %vs)";
    scaleTypes = ", " + scaleType + ", " + scaleType;
    if (format.dynamic)
      scaleResults = ", " + scaleType + ", " + scaleType;
    attrs = llvm::formatv(", k_cache_quant = {0}, v_cache_quant = {0}",
                          format.quant);
  }
  if (queries > 1)
    attrs += ", causal";
  int numResults = format.dynamic ? 5 : 3;
  return llvm::formatv(R"mlir(
func.func @attention(%q: {0}, %k: {1}, %v: {1}, %kc: {2}{3}, %vc: {2}{3},
                     %pos: index{4}) -> {0} {{
  %o, %c:{5} = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos{6}
      {{scale = {7} : f64{8}}
      : ({0}, {1}, {1}, {2}, {2}, index{9}) -> ({0}, {2}, {2}{10})
  return %o : {0}
}
)mlir",
                       qType, kvType, cacheType, writable, scaleArgs,
                       numResults - 1, scaleOperands, formatScale(d), attrs,
                       scaleTypes, scaleResults);
}

Report::Report(llvm::StringRef machine) {
  llvm::outs() << "machine: " << machine << "\n\n";
  llvm::outs() << llvm::formatv("{0,-22} {1,-18} {2,-22} {3,-16} {4,12} "
                                "{5,14} {6,8} {7,9}\n",
                                "case", "shape", "variant", "baseline", "t_us",
                                "t_baseline_us", "speedup", "roofline");
}

void Report::add(Row row) {
  llvm::outs() << llvm::formatv(
      "{0,-22} {1,-18} {2,-22} {3,-16} {4,12:f1} {5,14:f1} {6,8:f2} "
      "{7,8:f0}%\n",
      row.caseName, row.shape, row.variant, row.baseline, row.tUs,
      row.tBaselineUs, row.tBaselineUs / row.tUs, 100.0 * row.roofUs / row.tUs);
  rows.push_back(std::move(row));
}

void Report::skip(llvm::StringRef caseName, llvm::StringRef shape,
                  llvm::StringRef why) {
  llvm::outs() << llvm::formatv("{0,-22} {1,-18} skipped: {2}\n", caseName,
                                shape, why);
}

void Report::writeCsv(llvm::StringRef path) const {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec) {
    llvm::errs() << "cannot write '" << path << "': " << ec.message() << "\n";
    return;
  }
  os << "case,shape,variant,baseline,t_us,t_baseline_us,speedup,roofline\n";
  for (const Row &row : rows)
    os << llvm::formatv("{0},{1},{2},{3},{4:f3},{5:f3},{6:f4},{7:f4}\n",
                        row.caseName, row.shape, row.variant, row.baseline,
                        row.tUs, row.tBaselineUs, row.tBaselineUs / row.tUs,
                        row.roofUs / row.tUs);
}

void Kernel::call() {
  llvm::SmallVector<HostArray *> in, out;
  for (auto &array : inputs)
    in.push_back(array.get());
  for (auto &array : results)
    out.push_back(array.get());
  if (llvm::Error error = function->call(in, out)) {
    llvm::errs() << "benchmark: " << llvm::toString(std::move(error)) << "\n";
    std::exit(1);
  }
}

llvm::Expected<Kernel> compileKernel(MLIRContext &context,
                                     llvm::StringRef source,
                                     llvm::StringRef entry,
                                     const CompileOptions &options,
                                     Memory memory) {
  std::string diagnostics;
  llvm::raw_string_ostream diagnosticStream(diagnostics);
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    diagnosticStream << diag.str() << "; ";
    return success();
  });
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, &context);
  if (!module)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "parse error: " + diagnostics);
  llvm::Expected<std::unique_ptr<CompiledFunction>> function =
      CompiledFunction::compile(*module, entry, options, "<bench>");
  if (!function)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::toString(function.takeError()) + " " + diagnostics);
  Kernel kernel;
  FunctionType signature = (*function)->getSignature();
  kernel.function = std::move(*function);
  for (Type type : signature.getInputs()) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    kernel.inputs.push_back(std::make_unique<HostArray>(
        tensor ? tensor.getElementType() : type,
        tensor ? tensor.getShape() : ArrayRef<int64_t>{}, !tensor, memory));
  }
  for (Type type : signature.getResults()) {
    auto tensor = cast<RankedTensorType>(type);
    kernel.results.push_back(std::make_unique<HostArray>(
        tensor.getElementType(), tensor.getShape(), /*isScalar=*/false,
        memory));
  }
  return kernel;
}

} // namespace ct::bench
