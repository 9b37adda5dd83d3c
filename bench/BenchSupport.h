// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// What ct-bench (CPU) and ct-gpu-bench share: the command-line options every
// benchmark takes, median timing, the report with its CSV, and ct kernels
// compiled from MLIR text exactly as ct-run compiles them (CTCpuRunner), so
// that what is measured is what the tests check.

#ifndef CT_BENCH_BENCHSUPPORT_H
#define CT_BENCH_BENCHSUPPORT_H

#include "ct/ExecutionEngine/CpuRunner.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ct::bench {

extern llvm::cl::opt<bool> quick;
extern llvm::cl::opt<std::string> csvPath;
extern llvm::cl::opt<std::string> filter;
extern llvm::cl::opt<unsigned> runs;

/// Median wall time in microseconds of `count` calls (default --runs) after
/// one warm-up call.
double timeMedianUs(const std::function<void()> &body, unsigned count = 0);

/// Whether --filter selects the case `name`.
bool caseSelected(llvm::StringRef name);

/// "2048x4096" for {2048, 4096}.
std::string shapeString(std::initializer_list<int64_t> dims);

/// The softmax scale 1/sqrt(d) with every digit of the double: formatv's
/// default float style keeps two decimals.
std::string formatScale(int64_t d);

/// `n` normally distributed floats from `seed`.
void fillRandom(float *data, int64_t n, unsigned seed);

/// The bf16 bits of `x` truncated (its high half).
uint16_t truncateToBF16(float x);

/// How a decode benchmark stores its KV cache: float, or quantized codes
/// with static scales (operands) or dynamic per-row scales (cache-shaped,
/// updated in place like the codes).
struct CacheFormat {
  const char *name;
  const char *elementType;
  /// `#ct.quant` of both caches; empty for a float cache.
  const char *quant = "";
  bool dynamic = false;
  /// Static scale shape, with {0} = Hkv.
  const char *staticScaleShape = "";
  /// Bytes per cached element (codes) and per cached row (scales).
  double elementBytes = 2, rowBytes = 0;
};

/// `@attention`: one step over a KV cache as a server runs it, a decode
/// step (`queries` = 1) or a causal chunk of prefill queries. The caches
/// (and per-row scales) are the caller's buffers, updated in place
/// (writable, not returned), and attention reads rows [0, ctx) after
/// writing the new rows at ctx - queries (the position argument, index 5).
/// Queries, keys, values and scales are of `floatType` (f32, bf16).
std::string cacheStepSource(int64_t batch, int64_t hq, int64_t hkv, int64_t d,
                            int64_t ctx, llvm::StringRef floatType,
                            const CacheFormat &format, int64_t queries = 1);

/// One measured case: ct's time, the baseline's, and the roofline time (the
/// least the measured machine limits allow).
struct Row {
  std::string caseName, shape, variant, baseline;
  double tUs, tBaselineUs, roofUs;
};

/// Prints rows as they come and writes them as CSV
/// (case,shape,variant,baseline,t_us,t_baseline_us,speedup,roofline).
class Report {
public:
  /// `machine` describes the measured ceilings, printed first.
  explicit Report(llvm::StringRef machine);
  void add(Row row);
  void skip(llvm::StringRef caseName, llvm::StringRef shape,
            llvm::StringRef why);
  void writeCsv(llvm::StringRef path) const;

private:
  std::vector<Row> rows;
};

/// A ct kernel compiled from MLIR text, with its arguments and results.
struct Kernel {
  std::unique_ptr<CompiledFunction> function;
  std::vector<std::unique_ptr<HostArray>> inputs, results;

  /// Calls the function; exits with the message on failure.
  void call();
  float *inputF32(int i) { return reinterpret_cast<float *>(inputs[i]->data()); }
  float *resultF32(int i) {
    return reinterpret_cast<float *>(results[i]->data());
  }
};

/// Compiles `entry` of `source` with `options`, with zeroed arguments and
/// results in `memory` as its tensor signature says; the failure message
/// (with the diagnostics) when it does not lower.
llvm::Expected<Kernel> compileKernel(mlir::MLIRContext &context,
                                     llvm::StringRef source,
                                     llvm::StringRef entry,
                                     const CompileOptions &options = {},
                                     Memory memory = Memory::Host);

} // namespace ct::bench

#endif // CT_BENCH_BENCHSUPPORT_H
