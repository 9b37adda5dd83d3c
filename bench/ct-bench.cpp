// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// ct-bench: the benchmark driver of BENCHMARKS.md. The machines are shared
// and noisy, so every number it reports is relative: ct's kernel against a
// baseline measured side by side in the same process, and against a
// roofline built from bandwidth and peak rates measured at start-up. ct's
// kernels are compiled exactly as ct-run compiles them (CTCpuRunner).
//
//   ct-bench [--quick] [--csv out.csv] [--filter regex] [--baseline-threads N]

#include "BenchSupport.h"
#include "ct/Support/HadamardConstruction.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Parser/Parser.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/raw_ostream.h"

#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <functional>
#include <optional>
#include <random>
#include <thread>

using namespace mlir;
using namespace ct::bench;
namespace cl = llvm::cl;

static cl::opt<unsigned> baselineThreads(
    "baseline-threads",
    cl::desc("OpenMP threads of the oneDNN baselines; ct's kernels and the "
             "roofline use one thread"),
    cl::init(1));

//===----------------------------------------------------------------------===//
// Timing and the machine's roofline
//===----------------------------------------------------------------------===//

/// Splits [0, n) over `threads` threads and waits for them.
static void parallelFor(int threads, int64_t n,
                        const std::function<void(int64_t, int64_t)> &body) {
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back(body, n * t / threads, n * (t + 1) / threads);
  for (std::thread &thread : pool)
    thread.join();
}

using Float16 = float __attribute__((vector_size(64)));
/// The f32 lanes of one vector register: the peak loops below keep twelve
/// accumulators in registers, which 512-bit vectors on a 16-register AVX2
/// machine would spill.
#ifdef __AVX512F__
constexpr int kRegisterLanes = 16;
#else
constexpr int kRegisterLanes = 8;
#endif
using RegisterFloats = float __attribute__((vector_size(kRegisterLanes * 4)));

/// A sink the compiler cannot see through, so measured loops stay.
static volatile float sink;

struct Roofline {
  double copyGBs[2];  // read + write traffic, 1 and 2 threads
  double readGBs[2];  // read traffic
  double addGflops;   // one thread, vector adds
  double fmaGflops;   // one thread, vector FMAs (2 flops each)

  /// Time the memory traffic and the flops of a kernel need at best, one
  /// thread.
  double timeUs(double readBytes, double writeBytes, double flops) const {
    double bandwidth = writeBytes > 0 ? copyGBs[0] : readGBs[0];
    double memory = (readBytes + writeBytes) / (bandwidth * 1e3);
    double compute = flops / (fmaGflops * 1e3);
    return std::max(memory, compute);
  }
};

static Roofline measureRoofline() {
  constexpr size_t kBytes = size_t(256) << 20;
  std::vector<float> a(kBytes / 4, 1.0f), b(kBytes / 4, 0.0f);
  Roofline roof;
  for (int threads : {1, 2}) {
    double us = timeMedianUs(
        [&] {
          parallelFor(threads, a.size(), [&](int64_t lo, int64_t hi) {
            std::memcpy(&b[lo], &a[lo], (hi - lo) * 4);
          });
        },
        5);
    roof.copyGBs[threads - 1] = 2.0 * kBytes / (us * 1e3);
    us = timeMedianUs(
        [&] {
          std::vector<float> partial(threads);
          parallelFor(threads, a.size(), [&](int64_t lo, int64_t hi) {
            Float16 sum = {};
            for (int64_t i = lo; i + 16 <= hi; i += 16) {
              Float16 v;
              std::memcpy(&v, &a[i], 64);
              sum += v;
            }
            partial[lo * threads / a.size()] = sum[0];
          });
          sink = partial[0];
        },
        5);
    roof.readGBs[threads - 1] = double(kBytes) / (us * 1e3);
  }
  // Twelve independent register accumulators hide the FMA latency (4
  // cycles on two pipes); the loop body is nothing but vector FMAs/adds.
  constexpr int64_t kIterations = 20000000;
  RegisterFloats mul, add;
  for (int i = 0; i < kRegisterLanes; ++i) {
    mul[i] = 0.999999f;
    add[i] = 1e-7f;
  }
  auto peak = [&](bool fma) {
    RegisterFloats a0 = {}, a1 = {}, a2 = {}, a3 = {}, a4 = {}, a5 = {}, a6 = {},
            a7 = {}, a8 = {}, a9 = {}, a10 = {}, a11 = {};
    for (int64_t i = 0; i < kIterations; ++i) {
      if (fma) {
        a0 = a0 * mul + add; a1 = a1 * mul + add; a2 = a2 * mul + add;
        a3 = a3 * mul + add; a4 = a4 * mul + add; a5 = a5 * mul + add;
        a6 = a6 * mul + add; a7 = a7 * mul + add; a8 = a8 * mul + add;
        a9 = a9 * mul + add; a10 = a10 * mul + add; a11 = a11 * mul + add;
      } else {
        a0 += add; a1 += add; a2 += add; a3 += add; a4 += add; a5 += add;
        a6 += add; a7 += add; a8 += add; a9 += add; a10 += add; a11 += add;
      }
    }
    RegisterFloats sum =
        a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
    sink = sum[0];
  };
  double us = timeMedianUs([&] { peak(true); }, 3);
  roof.fmaGflops = kIterations * 12.0 * kRegisterLanes * 2 / (us * 1e3);
  us = timeMedianUs([&] { peak(false); }, 3);
  roof.addGflops = kIterations * 12.0 * kRegisterLanes / (us * 1e3);
  return roof;
}

/// The ceilings measured at start-up, which every case is set against.
static Roofline machine;

//===----------------------------------------------------------------------===//
// Fast Walsh-Hadamard transforms (issue 4)
//===----------------------------------------------------------------------===//

/// The textbook in-place butterfly, one row at a time: the baseline every
/// FWHT library starts from.
static void naiveFwht(float *x, int64_t rows, int64_t n) {
  float norm = 1.0f / std::sqrt(float(n));
  for (int64_t r = 0; r < rows; ++r) {
    float *row = x + r * n;
    for (int64_t h = 1; h < n; h *= 2)
      for (int64_t i = 0; i < n; i += 2 * h)
        for (int64_t j = i; j < i + h; ++j) {
          float a = row[j], b = row[j + h];
          row[j] = a + b;
          row[j + h] = a - b;
        }
    for (int64_t j = 0; j < n; ++j)
      row[j] *= norm;
  }
}

/// `ct.hadamard size(n)` on [rows, n] of `type` (f32, bf16).
static llvm::Expected<Kernel> compileFwht(MLIRContext &context, int64_t rows,
                                         int64_t n, llvm::StringRef type) {
  std::string source = llvm::formatv(R"mlir(
func.func @fwht(%x: tensor<{0}x{1}x{2}>) -> tensor<{0}x{1}x{2}> {
  %y = ct.hadamard %x size({1}) : tensor<{0}x{1}x{2}>
  return %y : tensor<{0}x{1}x{2}>
}
)mlir",
                                     rows, n, type);
  return compileKernel(context, source, "fwht");
}

/// H_m ⊗ H_{2^k} the plain way: the naive butterfly on each of the m
/// contiguous 2^k-blocks of a row, then the dense m×m core across blocks
/// (the baseline BENCHMARKS.md names for m·2^k sizes).
static void naiveKroneckerFwht(float *x, int64_t rows,
                               const ct::hadamard::KroneckerHadamard &matrix,
                               std::vector<float> &scratch) {
  int64_t m = matrix.core.order, block = int64_t(1) << matrix.log2PowerOfTwo;
  int64_t n = m * block;
  naiveFwht(x, rows * m, block);
  float norm = 1.0f / std::sqrt(float(m));
  scratch.resize(n);
  for (int64_t r = 0; r < rows; ++r) {
    float *row = x + r * n;
    std::fill(scratch.begin(), scratch.end(), 0.0f);
    for (int64_t a = 0; a < m; ++a)
      for (int64_t c = 0; c < m; ++c) {
        float sign = matrix.core.at(a, c) * norm;
        for (int64_t b = 0; b < block; ++b)
          scratch[a * block + b] += sign * row[c * block + b];
      }
    std::copy(scratch.begin(), scratch.end(), row);
  }
}

static void benchHadamard(MLIRContext &context, Report &report) {
  std::vector<int64_t> sizes =
      quick ? std::vector<int64_t>{128, 1024, 8192, 96, 3584}
            : std::vector<int64_t>{64,  128,  256,   1024,  4096,  8192,
                                   16384, 80, 96,    112,   3584,  11008,
                                   13824, 14336, 18944};
  const int64_t workingSetBytes = int64_t(128) << 20;
  for (int64_t n : sizes) {
    std::string name = "fwht";
    int64_t rows = workingSetBytes / (n * 4);
    std::string shape = shapeString({rows, n});
    if (!caseSelected(name))
      continue;
    llvm::Expected<Kernel> kernel = compileFwht(context, rows, n, "f32");
    if (!kernel) {
      report.skip(name, shape, llvm::toString(kernel.takeError()));
      continue;
    }
    fillRandom(kernel->inputF32(0), rows * n, n);

    // Accuracy gate: the first rows against the double-precision reference.
    kernel->call();
    std::optional<ct::hadamard::KroneckerHadamard> matrix =
        ct::hadamard::buildKroneckerHadamard(n);
    double maxError = 0;
    for (int64_t r = 0; r < 4; ++r) {
      std::vector<double> row(kernel->inputF32(0) + r * n,
                              kernel->inputF32(0) + (r + 1) * n);
      std::vector<double> expected =
          ct::hadamard::applyHadamardButterfly(*matrix, {}, false, row);
      for (int64_t j = 0; j < n; ++j)
        maxError = std::max(maxError,
                            std::fabs(kernel->resultF32(0)[r * n + j] -
                                      expected[j]));
    }
    if (maxError > 1e-4) {
      report.skip(name, shape,
                  llvm::formatv("accuracy gate failed: max error {0:e2}",
                                maxError)
                      .str());
      continue;
    }

    double tCt = timeMedianUs([&] { kernel->call(); });
    double flops = double(rows) * n * (std::log2(double(n)) + 1);
    double roof = machine.timeUs(rows * n * 4.0, rows * n * 4.0, flops);
    std::string variant = llvm::formatv("f32 n={0}", n);

    std::vector<float> copy(kernel->inputF32(0),
                            kernel->inputF32(0) + rows * n);
    if (llvm::isPowerOf2_64(n)) {
      double tNaive = timeMedianUs([&] { naiveFwht(copy.data(), rows, n); });
      report.add({name, shape, variant, "naive-butterfly", tCt, tNaive, roof});
    } else {
      std::vector<float> scratch;
      double tNaive = timeMedianUs(
          [&] { naiveKroneckerFwht(copy.data(), rows, *matrix, scratch); });
      report.add(
          {name, shape, variant, "naive-kronecker", tCt, tNaive, roof});
    }
    // Dense x @ H (how the Python library applies it), oneDNN sgemm.
    if (n <= 4096) {
      std::optional<ct::hadamard::SignMatrix> dense =
          ct::hadamard::buildHadamardMatrix(n);
      std::vector<float> h(n * n), y(rows * n);
      float norm = 1.0f / std::sqrt(float(n));
      for (int64_t i = 0; i < n * n; ++i)
        h[i] = dense->entries[i] * norm;
      double tDense = timeMedianUs([&] {
        dnnl_sgemm('N', 'N', rows, n, n, 1.0f, kernel->inputF32(0), n,
                   h.data(), n, 0.0f, y.data(), n);
      });
      report.add({name, shape, variant, "dense-onednn", tCt, tDense, roof});
    }
  }
}

/// The same transform on bf16 rows (computed in f32, rounded once): half the
/// bytes of the f32 case, so the roofline halves too. The baseline is the
/// naive butterfly on the f32 copy of the data.
static void benchHadamardBF16(MLIRContext &context, Report &report) {
  std::vector<int64_t> sizes = quick ? std::vector<int64_t>{1024}
                                     : std::vector<int64_t>{128, 1024, 4096};
  const int64_t workingSetBytes = int64_t(128) << 20;
  for (int64_t n : sizes) {
    std::string name = "fwht";
    int64_t rows = workingSetBytes / (n * 2);
    std::string shape = shapeString({rows, n});
    if (!caseSelected(name))
      continue;
    llvm::Expected<Kernel> kernel = compileFwht(context, rows, n, "bf16");
    if (!kernel) {
      report.skip(name, shape, llvm::toString(kernel.takeError()));
      continue;
    }
    std::vector<float> data(rows * n);
    fillRandom(data.data(), rows * n, n);
    auto *bits = reinterpret_cast<uint16_t *>(kernel->inputs[0]->data());
    for (int64_t i = 0; i < rows * n; ++i) {
      uint32_t word;
      std::memcpy(&word, &data[i], 4);
      bits[i] = static_cast<uint16_t>(word >> 16);
    }
    double tCt = timeMedianUs([&] { kernel->call(); });
    double flops = double(rows) * n * (std::log2(double(n)) + 1);
    double roof = machine.timeUs(rows * n * 2.0, rows * n * 2.0, flops);
    double tNaive = timeMedianUs([&] { naiveFwht(data.data(), rows, n); });
    report.add({name, shape, llvm::formatv("bf16 n={0}", n).str(),
                "naive-butterfly-f32", tCt, tNaive, roof});
  }
}

//===----------------------------------------------------------------------===//
// Quantization (issue 3)
//===----------------------------------------------------------------------===//

/// Per-tensor static int8 as a plain loop: the scalar reference.
static void scalarQuantizeInt8(const float *x, int8_t *q, int64_t n,
                               float scale) {
  for (int64_t i = 0; i < n; ++i) {
    float y = std::clamp(x[i] / scale, -128.0f, 127.0f);
    q[i] = static_cast<int8_t>(std::nearbyint(y));
  }
}

/// Per-token dynamic int8 as a plain loop: absmax, scale, quantize.
static void scalarQuantizeInt8PerToken(const float *x, int8_t *q,
                                       float *scales, int64_t rows,
                                       int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) {
    const float *row = x + r * cols;
    float absMax = 0;
    for (int64_t c = 0; c < cols; ++c)
      absMax = std::max(absMax, std::fabs(row[c]));
    float scale = absMax / 127.5f;
    scales[r] = scale == 0 ? 1.1920929e-07f : scale;
    scalarQuantizeInt8(row, q + r * cols, cols, scales[r]);
  }
}

static void benchQuantize(MLIRContext &context, Report &report) {
  const int64_t rows = 2048, cols = 4096;
  std::string shape = shapeString({rows, cols});
  struct QuantCase {
    const char *variant;
    const char *body; // {0} rows, {1} cols
  };
  // Each case quantizes x [rows, cols] f32; scales are arguments (static) or
  // computed (dynamic).
  const QuantCase cases[] = {
      {"int8 tensor static", R"mlir(
func.func @q(%x: tensor<{0}x{1}xf32>, %s: tensor<1xf32>) -> tensor<{0}x{1}xi8> {
  %q = ct.quantize %x scale(%s) quant<int8> : (tensor<{0}x{1}xf32>, tensor<1xf32>) -> tensor<{0}x{1}xi8>
  return %q : tensor<{0}x{1}xi8>
})mlir"},
      {"int8 token dynamic", R"mlir(
func.func @q(%x: tensor<1x{0}x{1}xf32>) -> (tensor<1x{0}x{1}xi8>, tensor<1x{0}x1xf32>) {
  %s = ct.calculate_qparams %x quant<int8, token, dynamic> : (tensor<1x{0}x{1}xf32>) -> tensor<1x{0}x1xf32>
  %q = ct.quantize %x scale(%s) quant<int8, token, dynamic> : (tensor<1x{0}x{1}xf32>, tensor<1x{0}x1xf32>) -> tensor<1x{0}x{1}xi8>
  return %q, %s : tensor<1x{0}x{1}xi8>, tensor<1x{0}x1xf32>
})mlir"},
      {"int8 group128 static", R"mlir(
func.func @q(%x: tensor<{0}x{1}xf32>, %s: tensor<{0}x32xf32>) -> tensor<{0}x{1}xi8> {
  %q = ct.quantize %x scale(%s) quant<int8, group = 128> : (tensor<{0}x{1}xf32>, tensor<{0}x32xf32>) -> tensor<{0}x{1}xi8>
  return %q : tensor<{0}x{1}xi8>
})mlir"},
      {"int4 group128 static", R"mlir(
func.func @q(%x: tensor<{0}x{1}xf32>, %s: tensor<{0}x32xf32>) -> tensor<{0}x{1}xi4> {
  %q = ct.quantize %x scale(%s) quant<int4, group = 128> : (tensor<{0}x{1}xf32>, tensor<{0}x32xf32>) -> tensor<{0}x{1}xi4>
  return %q : tensor<{0}x{1}xi4>
})mlir"},
      {"fp8 tensor static", R"mlir(
func.func @q(%x: tensor<{0}x{1}xf32>, %s: tensor<1xf32>) -> tensor<{0}x{1}xf8E4M3FN> {
  %q = ct.quantize %x scale(%s) quant<float8> : (tensor<{0}x{1}xf32>, tensor<1xf32>) -> tensor<{0}x{1}xf8E4M3FN>
  return %q : tensor<{0}x{1}xf8E4M3FN>
})mlir"},
      {"fp4 group16 static", R"mlir(
func.func @q(%x: tensor<{0}x{1}xf32>, %s: tensor<{0}x256xf32>) -> tensor<{0}x{1}xf4E2M1FN> {
  %q = ct.quantize %x scale(%s) quant<float4, group = 16> : (tensor<{0}x{1}xf32>, tensor<{0}x256xf32>) -> tensor<{0}x{1}xf4E2M1FN>
  return %q : tensor<{0}x{1}xf4E2M1FN>
})mlir"},
  };
  for (const QuantCase &quantCase : cases) {
    std::string name = "quantize";
    if (!caseSelected(name))
      continue;
    std::string source = llvm::formatv(quantCase.body, rows, cols);
    llvm::Expected<Kernel> kernel = compileKernel(context, source, "q");
    if (!kernel) {
      report.skip(name, shape,
                  std::string(quantCase.variant) + ": " +
                      llvm::toString(kernel.takeError()));
      continue;
    }
    fillRandom(kernel->inputF32(0), rows * cols, 7);
    // Static scales: absmax / (range / 2) of the data they scale.
    if (kernel->inputs.size() > 1) {
      ct::HostArray &scales = *kernel->inputs[1];
      float *s = reinterpret_cast<float *>(scales.data());
      for (int64_t i = 0; i < scales.getNumElements(); ++i)
        s[i] = 4.0f / 127.5f;
    }
    double tCt = timeMedianUs([&] { kernel->call(); });
    int64_t codeBits =
        getElementTypeOrSelf(kernel->results[0]->getElementType())
            .getIntOrFloatBitWidth();
    double written = rows * cols * std::max<int64_t>(codeBits, 8) / 8.0;
    double roof = machine.timeUs(rows * cols * 4.0, written, 0);

    std::vector<int8_t> q(rows * cols);
    std::vector<float> scales(rows);
    double tScalar =
        llvm::StringRef(quantCase.variant).contains("token")
            ? timeMedianUs([&] {
                scalarQuantizeInt8PerToken(kernel->inputF32(0), q.data(),
                                           scales.data(), rows, cols);
              })
            : timeMedianUs([&] {
                scalarQuantizeInt8(kernel->inputF32(0), q.data(), rows * cols,
                                   4.0f / 127.5f);
              });
    report.add(
        {name, shape, quantCase.variant, "scalar-loop", tCt, tScalar, roof});
  }
}

//===----------------------------------------------------------------------===//
// Attention (issue 5)
//===----------------------------------------------------------------------===//

/// Decode attention as a composition: per head q·Kᵀ (oneDNN), softmax,
/// p·V (oneDNN); GQA reads each kv head for its g query heads.
static void composedDecode(const float *q, const float *k, const float *v,
                           float *out, float *scores, int64_t hq, int64_t hkv,
                           int64_t context, int64_t d, float scale) {
  int64_t g = hq / hkv;
  for (int64_t kv = 0; kv < hkv; ++kv) {
    const float *kHead = k + kv * context * d, *vHead = v + kv * context * d;
    // [g, d] x [context, d]ᵀ -> [g, context]
    dnnl_sgemm('N', 'T', g, context, d, scale, q + kv * g * d, d, kHead, d,
               0.0f, scores, context);
    for (int64_t i = 0; i < g; ++i) {
      float *row = scores + i * context;
      float maxValue = *std::max_element(row, row + context), sum = 0;
      for (int64_t j = 0; j < context; ++j)
        sum += row[j] = std::exp(row[j] - maxValue);
      for (int64_t j = 0; j < context; ++j)
        row[j] /= sum;
    }
    dnnl_sgemm('N', 'N', g, d, context, 1.0f, scores, context, vHead, d, 0.0f,
               out + kv * g * d, d);
  }
}

/// Random cache codes that are finite in every format (no fp8 NaN pattern),
/// small scales.
static void fillCodes(ct::HostArray &array, unsigned seed) {
  std::mt19937 rng(seed);
  for (size_t i = 0; i < array.size(); ++i)
    array.data()[i] = static_cast<char>(rng() & 0x77);
}

/// `n` normally distributed bf16 values (truncated f32) from `seed`.
static void fillRandomBF16(ct::HostArray &array, unsigned seed) {
  int64_t n = array.getNumElements();
  std::vector<float> data(n);
  fillRandom(data.data(), n, seed);
  auto *bits = reinterpret_cast<uint16_t *>(array.data());
  for (int64_t i = 0; i < n; ++i)
    bits[i] = truncateToBF16(data[i]);
}

/// The row of one decode case: BENCHMARKS.md sets decode against the
/// read-bandwidth roofline, the cache bytes attention reads over the
/// measured read bandwidth, unless the multiply-adds take longer; the
/// variant states the achieved GB/s.
static Row decodeRow(llvm::StringRef shape, llvm::StringRef format,
                     llvm::StringRef baseline, double tCt, double tBaseline,
                     double cacheBytes, int64_t hq, int64_t ctx, int64_t d) {
  // Reading the cache, or the f32 multiply-adds of q·k and p·v (2·D flops
  // each, per query head and key), whichever takes longer: with g = 4 query
  // heads per kv head an int8 cache carries 8 flops per byte, more than a
  // CPU core's FMA rate over its read bandwidth.
  double roof = machine.timeUs(cacheBytes, 0, 4.0 * hq * ctx * d);
  return {"decode-attention", shape.str(),
          llvm::formatv("{0} {1:f1}GB/s", format, cacheBytes / (tCt * 1e3)),
          baseline.str(), tCt, tBaseline, roof};
}

/// The decode step of benchAttention over a bf16 cache (bf16 activations),
/// the baseline BENCHMARKS.md sets quantized caches against; its time.
static std::optional<double> benchBF16Cache(MLIRContext &context,
                                            Report &report,
                                            llvm::StringRef shape, int64_t ctx,
                                            double tF32) {
  const int64_t hq = 32, hkv = 8, d = 128;
  const CacheFormat bf16Cache = {"bf16 cache", "bf16", "", false, "", 2};
  llvm::Expected<Kernel> kernel = compileKernel(
      context, cacheStepSource(1, hq, hkv, d, ctx, "bf16", bf16Cache),
      "attention");
  if (!kernel) {
    report.skip("decode-attention", (shape + " bf16 cache").str(),
                llvm::toString(kernel.takeError()));
    return std::nullopt;
  }
  for (int i = 0; i < 5; ++i)
    fillRandomBF16(*kernel->inputs[i], i + 1);
  *reinterpret_cast<int64_t *>(kernel->inputs[5]->data()) = ctx - 1;
  double tCt = timeMedianUs([&] { kernel->call(); });
  report.add(decodeRow(shape, "bf16", "f32-cache", tCt, tF32,
                       2.0 * hkv * ctx * d * 2, hq, ctx, d));
  return tCt;
}

/// The decode step of benchAttention over stored caches
/// (ct-materialize-kv-cache's formats, f32 activations and scales), against
/// ct's time `tBaseline` with a `baseline` cache.
static void benchStoredCaches(MLIRContext &context, Report &report,
                              llvm::StringRef shape, int64_t ctx,
                              llvm::StringRef baseline, double tBaseline) {
  const int64_t hq = 32, hkv = 8, d = 128;
  const CacheFormat formats[] = {
      {"fp8 head", "f8E4M3FN", "#ct.quant<float8, attn_head>", false,
       "{0}x1x1", 1},
      {"int8 tensor", "i8", "#ct.quant<int8>", false, "1", 1},
      {"int4 token-head", "i4", "#ct.quant<int4, group = 128, dynamic>",
       true, "", 0.5, 4},
  };
  for (const CacheFormat &format : formats) {
    std::string name = "decode-attention";
    llvm::Expected<Kernel> kernel = compileKernel(
        context, cacheStepSource(1, hq, hkv, d, ctx, "f32", format),
        "attention");
    if (!kernel) {
      report.skip(name, (shape + " " + format.name).str(),
                  llvm::toString(kernel.takeError()));
      continue;
    }
    for (int i = 0; i < 3; ++i)
      fillRandom(kernel->inputF32(i), kernel->inputs[i]->getNumElements(),
                 i + 1);
    fillCodes(*kernel->inputs[3], 4);
    fillCodes(*kernel->inputs[4], 5);
    *reinterpret_cast<int64_t *>(kernel->inputs[5]->data()) = ctx - 1;
    for (int i = 6; i < 8; ++i) {
      float *scales = kernel->inputF32(i);
      for (int64_t j = 0, e = kernel->inputs[i]->getNumElements(); j < e; ++j)
        scales[j] = 0.01f;
    }
    double tCt = timeMedianUs([&] { kernel->call(); });
    double cacheBytes =
        2.0 * hkv * ctx * (d * format.elementBytes + format.rowBytes);
    report.add(
        decodeRow(shape, format.name, baseline, tCt, tBaseline, cacheBytes,
                  hq, ctx, d));
  }
}

static void benchAttention(MLIRContext &context, Report &report) {
  const int64_t hq = 32, hkv = 8, d = 128;
  std::vector<int64_t> contexts =
      quick ? std::vector<int64_t>{4096}
            : std::vector<int64_t>{512, 1024, 2048, 4096, 8192, 16384, 32768};
  for (int64_t ctx : contexts) {
    std::string name = "decode-attention";
    std::string shape = llvm::formatv("ctx={0}", ctx);
    if (!caseSelected(name))
      continue;
    const CacheFormat f32Cache = {"f32 cache", "f32", "", false, "", 4};
    std::string source = cacheStepSource(1, hq, hkv, d, ctx, "f32", f32Cache);
    llvm::Expected<Kernel> kernel = compileKernel(context, source, "attention");
    if (!kernel) {
      report.skip(name, shape, llvm::toString(kernel.takeError()));
      continue;
    }
    for (int i = 0; i < 5; ++i)
      fillRandom(kernel->inputF32(i), kernel->inputs[i]->getNumElements(),
                 i + 1);
    *reinterpret_cast<int64_t *>(kernel->inputs[5]->data()) = ctx - 1;
    double tCt = timeMedianUs([&] { kernel->call(); });

    std::vector<float> out(hq * d), scores(hq / hkv * ctx);
    double tComposed = timeMedianUs([&] {
      composedDecode(kernel->inputF32(0), kernel->inputF32(3),
                     kernel->inputF32(4), out.data(), scores.data(), hq, hkv,
                     ctx, d, 1.0f / std::sqrt(float(d)));
    });
    report.add(decodeRow(shape, "f32", "composed-onednn", tCt, tComposed,
                         2.0 * hkv * ctx * d * 4, hq, ctx, d));
    // BENCHMARKS.md sets quantized caches against a bf16 cache; f32 when
    // that does not compile.
    std::optional<double> tBF16 =
        benchBF16Cache(context, report, shape, ctx, tCt);
    benchStoredCaches(context, report, shape, ctx,
                      tBF16 ? "bf16-cache" : "f32-cache", tBF16.value_or(tCt));
  }
}

/// Causal prefill as a composition: per query head S = Q·Kᵀ·scale
/// (oneDNN), the causal mask and a softmax per row, then S·V (oneDNN).
static void composedPrefill(const float *q, const float *k, const float *v,
                            float *out, float *scores, int64_t hq,
                            int64_t hkv, int64_t length, int64_t d,
                            float scale) {
  int64_t g = hq / hkv;
  for (int64_t h = 0; h < hq; ++h) {
    const float *kHead = k + (h / g) * length * d;
    const float *vHead = v + (h / g) * length * d;
    dnnl_sgemm('N', 'T', length, length, d, scale, q + h * length * d, d,
               kHead, d, 0.0f, scores, length);
    for (int64_t i = 0; i < length; ++i) {
      float *row = scores + i * length;
      float maxValue = *std::max_element(row, row + i + 1), sum = 0;
      for (int64_t j = 0; j <= i; ++j)
        sum += row[j] = std::exp(row[j] - maxValue);
      for (int64_t j = 0; j <= i; ++j)
        row[j] /= sum;
      std::fill(row + i + 1, row + length, 0.0f);
    }
    dnnl_sgemm('N', 'N', length, d, length, 1.0f, scores, length, vHead, d,
               0.0f, out + h * length * d, d);
  }
}

static void benchPrefill(MLIRContext &context, Report &report) {
  const int64_t hq = 32, hkv = 8, d = 128;
  std::vector<int64_t> lengths =
      quick ? std::vector<int64_t>{512} : std::vector<int64_t>{512, 1024, 2048};
  for (int64_t length : lengths) {
    std::string name = "prefill-attention";
    std::string shape = llvm::formatv("L={0}", length);
    if (!caseSelected(name))
      continue;
    std::string source = llvm::formatv(R"mlir(
func.func @prefill(%q: tensor<1x{0}x{3}x{2}xf32>, %k: tensor<1x{1}x{3}x{2}xf32>, %v: tensor<1x{1}x{3}x{2}xf32>)
    -> tensor<1x{0}x{3}x{2}xf32> {
  %o = ct.hooked_attention %q, %k, %v {{scale = {4} : f64, causal}
      : (tensor<1x{0}x{3}x{2}xf32>, tensor<1x{1}x{3}x{2}xf32>, tensor<1x{1}x{3}x{2}xf32>)
      -> tensor<1x{0}x{3}x{2}xf32>
  return %o : tensor<1x{0}x{3}x{2}xf32>
}
)mlir",
                                       hq, hkv, d, length, formatScale(d));
    llvm::Expected<Kernel> kernel = compileKernel(context, source, "prefill");
    if (!kernel) {
      report.skip(name, shape, llvm::toString(kernel.takeError()));
      continue;
    }
    for (int i = 0; i < 3; ++i)
      fillRandom(kernel->inputF32(i), kernel->inputs[i]->getNumElements(),
                 i + 11);
    double tCt = timeMedianUs([&] { kernel->call(); }, 3);
    std::vector<float> out(hq * length * d), scores(length * length);
    double tComposed = timeMedianUs(
        [&] {
          composedPrefill(kernel->inputF32(0), kernel->inputF32(1),
                          kernel->inputF32(2), out.data(), scores.data(), hq,
                          hkv, length, d, 1.0f / std::sqrt(float(d)));
        },
        3);
    // The causal half of Q·Kᵀ and P·V: 2 · 2 · L²/2 · D flops per head.
    double flops = 2.0 * hq * length * length * d;
    double roof = machine.timeUs(0, 0, flops);
    report.add({name, shape,
                llvm::formatv("f32 causal {0:f1} GF/s", flops / (tCt * 1e3)),
                "composed-onednn", tCt, tComposed, roof});
  }
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  cl::ParseCommandLineOptions(
      argc, argv,
      "ct-bench: ct kernels against baselines and a measured roofline\n");
  if (quick)
    runs = std::min(runs.getValue(), 5u);
  // oneDNN reads its thread count from OpenMP when it first runs.
  setenv("OMP_NUM_THREADS", std::to_string(baselineThreads).c_str(), 1);
  DialectRegistry registry;
  ct::initializeCpuRunner(registry);
  MLIRContext context(registry);

  machine = measureRoofline();
  Report report(llvm::formatv(
      "copy {0:f1} GB/s (1 thread) {1:f1} GB/s (2), read {2:f1} GB/s (1) "
      "{3:f1} GB/s (2), f32 add {4:f1} GFLOP/s, fma {5:f1} GFLOP/s (1 thread)",
      machine.copyGBs[0], machine.copyGBs[1], machine.readGBs[0],
      machine.readGBs[1], machine.addGflops, machine.fmaGflops).str());
  benchHadamard(context, report);
  benchHadamardBF16(context, report);
  benchQuantize(context, report);
  benchAttention(context, report);
  benchPrefill(context, report);
  report.writeCsv(csvPath);
  llvm::outs() << "\nwrote " << csvPath << "\n";
  return 0;
}
