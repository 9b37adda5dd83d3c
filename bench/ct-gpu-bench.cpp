// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// ct-gpu-bench: the GPU benchmarks of BENCHMARKS.md on CUDA device 0. Every
// number is relative to ceilings measured in the same process: the device's
// copy bandwidth (cuMemcpy device to device, bytes read plus bytes written)
// is the roofline of the memory-bound kernels (FWHT, quantization, decode
// attention), and the baselines are a device copy of the same bytes or ct's
// own kernel on a bf16 cache. Kernels are compiled exactly as `ct-run --gpu`
// compiles them; their arguments live in device memory, and each call
// returns when the GPU is done, so times include launch overheads.
//
//   ct-gpu-bench [--quick] [--csv out.csv] [--filter regex] [--runs N]

#include "BenchSupport.h"

#include "ct/Dialect/CT/IR/CTDialect.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/MLIRContext.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <random>

using namespace mlir;
using namespace ct::bench;
using ct::HostArray;
using ct::Memory;

namespace {

/// Random host data to fill device arrays from: uniform floats in [-1, 1) and
/// their bf16 halves (valid numbers, never zeros, which can run faster than
/// real data).
struct Staging {
  std::vector<float> f32;
  std::vector<uint16_t> bf16;

  explicit Staging(size_t bytes) : f32(bytes / 4), bf16(bytes / 2) {
    std::mt19937_64 rng(42);
    for (float &x : f32)
      x = float(int64_t(rng() >> 40) - (int64_t(1) << 23)) * 0x1p-23f;
    for (size_t i = 0; i < bf16.size(); ++i)
      bf16[i] = truncateToBF16(f32[i % f32.size()]);
  }

  /// Fills `array` (any element type) with random bytes of the right kind.
  void fill(HostArray &array) const {
    Type type = array.getElementType();
    const void *source = type.isBF16() ? static_cast<const void *>(bf16.data())
                                       : static_cast<const void *>(f32.data());
    assert(array.size() <= f32.size() * 4 && "staging too small");
    array.copyFrom(source);
  }
};

/// The device's copy bandwidth in GB/s, read plus write traffic.
double measureCopyGBs(size_t bytes) {
  MLIRContext context;
  Type byteType = IntegerType::get(&context, 8);
  HostArray a(byteType, {int64_t(bytes)}, false, Memory::CudaDevice);
  HostArray b(byteType, {int64_t(bytes)}, false, Memory::CudaDevice);
  double us = timeMedianUs([&] { b.copyFrom(a.data()); }, 20);
  return 2.0 * bytes / (us * 1e3);
}

struct Gpu {
  MLIRContext &context;
  Report &report;
  const Staging &staging;
  double copyGBs;

  /// Time of a device copy that moves `bytes` in total (half read, half
  /// written).
  double copyUs(double bytes) const { return bytes / (copyGBs * 1e3); }

  llvm::Expected<Kernel> compile(llvm::StringRef source, llvm::StringRef entry,
                                 bool tensorCores = true) const {
    ct::CompileOptions options;
    options.device = ct::Device::CUDA;
    options.gpuTensorCores = tensorCores;
    return compileKernel(context, source, entry, options, Memory::CudaDevice);
  }

  /// Random inputs; zeroed results.
  void fillInputs(Kernel &kernel) const {
    for (auto &input : kernel.inputs)
      if (!input->isScalarArgument())
        staging.fill(*input);
  }
};

} // namespace

//===----------------------------------------------------------------------===//
// Fast Walsh-Hadamard transforms
//===----------------------------------------------------------------------===//

static void benchHadamard(const Gpu &gpu, size_t bytes) {
  struct Case {
    int64_t n;
    const char *type;
    int64_t elementBytes;
  };
  std::vector<Case> cases = {{64, "f32", 4},   {128, "f32", 4},
                             {256, "f32", 4},  {1024, "f32", 4},
                             {4096, "f32", 4}, {8192, "f32", 4},
                             {128, "bf16", 2}, {4096, "bf16", 2},
                             // m·2^k in one kernel: head_dim 80 = 20·4,
                             // 96 = 12·8, 112 = 28·4, MLP widths
                             // 3584 = 28·128, 14336 = 28·512.
                             {80, "f32", 4},   {96, "f32", 4},
                             {112, "f32", 4},  {3584, "f32", 4},
                             {14336, "f32", 4}, {112, "bf16", 2},
                             {14336, "bf16", 2},
                             // Cores 172, 108, 148: still decomposed.
                             {11008, "f32", 4}, {13824, "f32", 4},
                             {18944, "f32", 4}};
  if (quick)
    cases = {{128, "f32", 4}, {4096, "f32", 4}};
  for (const Case &c : cases) {
    std::string name = "gpu-fwht";
    int64_t rows = bytes / (c.n * c.elementBytes);
    std::string shape = shapeString({rows, c.n});
    if (!caseSelected(name))
      continue;
    std::string source = llvm::formatv(R"mlir(
func.func @fwht(%x: tensor<{0}x{1}x{2}>) -> tensor<{0}x{1}x{2}> {
  %y = ct.hadamard %x size({1}) : tensor<{0}x{1}x{2}>
  return %y : tensor<{0}x{1}x{2}>
}
)mlir",
                                       rows, c.n, c.type);
    llvm::Expected<Kernel> kernel = gpu.compile(source, "fwht");
    if (!kernel) {
      gpu.report.skip(name, shape, llvm::toString(kernel.takeError()));
      continue;
    }
    gpu.fillInputs(*kernel);
    double tCt = timeMedianUs([&] { kernel->call(); });
    double moved = 2.0 * rows * c.n * c.elementBytes;
    double tCopy = timeMedianUs([&] {
      kernel->results[0]->copyFrom(kernel->inputs[0]->data());
    });
    gpu.report.add({name, shape, std::string(c.type) + " n=" +
                                     std::to_string(c.n),
                    "device-copy", tCt, tCopy, gpu.copyUs(moved)});
  }
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

static void benchQuantize(const Gpu &gpu) {
  const int64_t rows = quick ? 8192 : 65536, cols = 4096;
  // [1, rows, cols]: the library's token strategy keeps dims 0 and 1, so
  // this gives one scale per row.
  struct Case {
    const char *variant, *quant, *codeType;
    std::string scaleShape;
    bool dynamic;
    double codeBytes;
  };
  const Case cases[] = {
      {"fp8 per-tensor", "quant<float8>", "f8E4M3FN", "1", false, 1},
      {"int8 per-tensor", "quant<int8>", "i8", "1", false, 1},
      {"int8 per-token dynamic", "quant<int8, token, dynamic>", "i8",
       llvm::formatv("1x{0}x1", rows).str(), true, 1},
      {"int4 group-128", "quant<int4, group = 128>", "i4",
       llvm::formatv("1x{0}x{1}", rows, cols / 128).str(), false, 0.5},
  };
  for (const Case &c : cases) {
    std::string name = "gpu-quantize";
    std::string shape = shapeString({rows, cols});
    if (!caseSelected(name))
      continue;
    // Dynamic scales are computed in the function; static ones are an
    // argument.
    std::string source = llvm::formatv(
        R"mlir(
func.func @quant(%x: tensor<1x{0}x{1}xf32>{5}) -> tensor<1x{0}x{1}x{3}> {
  {6}
  %q = ct.quantize %x scale(%s) {2} : (tensor<1x{0}x{1}xf32>, tensor<{4}xf32>) -> tensor<1x{0}x{1}x{3}>
  return %q : tensor<1x{0}x{1}x{3}>
}
)mlir",
        rows, cols, c.quant, c.codeType, c.scaleShape,
        c.dynamic ? "" : llvm::formatv(", %s: tensor<{0}xf32>", c.scaleShape)
                             .str(),
        c.dynamic ? llvm::formatv("%s = ct.calculate_qparams %x {0} : "
                                  "(tensor<1x{1}x{2}xf32>) -> tensor<{3}xf32>",
                                  c.quant, rows, cols, c.scaleShape)
                        .str()
                  : "");
    llvm::Expected<Kernel> kernel = gpu.compile(source, "quant");
    if (!kernel) {
      gpu.report.skip(name, shape, llvm::toString(kernel.takeError()));
      continue;
    }
    gpu.fillInputs(*kernel);
    double tCt = timeMedianUs([&] { kernel->call(); });
    // The bytes a quantizer must move: the input read once, the codes
    // written once. The baseline is a device copy moving as many bytes at
    // the measured copy bandwidth (so speedup and roofline agree here).
    double moved = rows * cols * (4.0 + c.codeBytes);
    gpu.report.add({name, shape, c.variant, "device-copy", tCt,
                    gpu.copyUs(moved), gpu.copyUs(moved)});
  }
}

//===----------------------------------------------------------------------===//
// Decode attention
//===----------------------------------------------------------------------===//

/// The caches the decode and chunked-prefill cases compare, the bf16 cache
/// (the baseline) first.
static const CacheFormat cacheFormats[] = {
    {"bf16 cache", "bf16"},
    {"fp8 per-head cache", "f8E4M3FN", "#ct.quant<float8, attn_head>", false,
     "{0}x1x1", 1},
    {"int8 per-tensor cache", "i8", "#ct.quant<int8>", false, "1", 1},
    {"int4 per-token-head", "i4", "#ct.quant<int4, group = 128, dynamic>", true,
     "", 0.5, 2},
};

/// `queries` bf16 queries of a Llama-3-8B-like layer (Hq32 Hkv8 D128) at
/// the end of a context of `ctx` over each of cacheFormats, against the
/// bf16 cache. The roofline counts both caches' codes and scales read once,
/// plus `otherBytes`.
static void benchCacheStep(const Gpu &gpu, llvm::StringRef name,
                           const std::string &shape, int64_t batch, int64_t ctx,
                           int64_t queries, double otherBytes) {
  const int64_t hq = 32, hkv = 8, d = 128;
  double tBaseline = 0;
  for (const CacheFormat &format : cacheFormats) {
    llvm::Expected<Kernel> kernel = gpu.compile(
        cacheStepSource(batch, hq, hkv, d, ctx, "bf16", format, queries),
        "attention");
    if (!kernel) {
      gpu.report.skip(name, shape + " " + format.name,
                      llvm::toString(kernel.takeError()));
      continue;
    }
    gpu.fillInputs(*kernel);
    *reinterpret_cast<int64_t *>(kernel->inputs[5]->data()) = ctx - queries;
    double tCt = timeMedianUs([&] { kernel->call(); });
    if (tBaseline == 0)
      tBaseline = tCt;
    double rows = 2.0 * batch * hkv * ctx;
    double cacheBytes = rows * (d * format.elementBytes + format.rowBytes);
    gpu.report.add({name.str(), shape,
                    std::string(format.name) + " Hq32 Hkv8 D128", "bf16-cache",
                    tCt, tBaseline, gpu.copyUs(cacheBytes + otherBytes)});
  }
}

/// Decode steps of batch 4: the least a step must read is both caches.
static void benchDecode(const Gpu &gpu) {
  const int64_t batch = 4;
  std::vector<int64_t> contexts =
      quick ? std::vector<int64_t>{8192}
            : std::vector<int64_t>{1024, 4096, 16384, 32768, 65536};
  for (int64_t ctx : contexts) {
    std::string name = "gpu-decode-attention";
    if (caseSelected(name))
      benchCacheStep(gpu, name, llvm::formatv("B{0} ctx={1}", batch, ctx),
                     batch, ctx, /*queries=*/1, /*otherBytes=*/0);
  }
}

//===----------------------------------------------------------------------===//
// Prefill attention
//===----------------------------------------------------------------------===//

/// Causal bf16 prefill of a Llama-3-8B-like layer (Hq32 Hkv8 D128) on tensor
/// cores against ct's CUDA-core prefill kernel (ct-lower-to-nvvm
/// tensor-cores=false) on the same op. Prefill is compute-bound: the
/// roofline column (Q, K, V read and O written once at the copy bandwidth)
/// is a loose bound.
static void benchPrefill(const Gpu &gpu) {
  const int64_t batch = 1, hq = 32, hkv = 8, d = 128;
  std::vector<int64_t> lengths =
      quick ? std::vector<int64_t>{1024} : std::vector<int64_t>{1024, 4096};
  for (int64_t len : lengths) {
    std::string name = "gpu-prefill-attention";
    std::string shape = llvm::formatv("B{0} L={1}", batch, len);
    if (!caseSelected(name))
      continue;
    std::string qType =
        llvm::formatv("tensor<{0}x{1}x{2}x{3}xbf16>", batch, hq, len, d);
    std::string kvType =
        llvm::formatv("tensor<{0}x{1}x{2}x{3}xbf16>", batch, hkv, len, d);
    std::string source = llvm::formatv(R"mlir(
func.func @prefill(%q: {0}, %k: {1}, %v: {1}) -> {0} {{
  %o = ct.hooked_attention %q, %k, %v
      {{scale = 0.08838834764831845 : f64, causal} : ({0}, {1}, {1}) -> {0}
  return %o : {0}
}
)mlir",
                                       qType, kvType);
    double times[2] = {0, 0};
    for (bool tensorCores : {false, true}) {
      llvm::Expected<Kernel> kernel =
          gpu.compile(source, "prefill", tensorCores);
      if (!kernel) {
        gpu.report.skip(name, shape, llvm::toString(kernel.takeError()));
        return;
      }
      gpu.fillInputs(*kernel);
      times[tensorCores] = timeMedianUs([&] { kernel->call(); });
    }
    double bytes = 2.0 * (2 * batch * hq * len * d + 2 * batch * hkv * len * d);
    gpu.report.add({name, shape, "bf16 causal Hq32 Hkv8 D128 tensor cores",
                    "cuda-cores", times[1], times[0], gpu.copyUs(bytes)});
  }
}

/// A causal chunk of 512 bf16 queries at the end of a context of 8192
/// (chunked prefill, or a prompt after a cached prefix) over each cache of
/// benchDecode, against the bf16 cache: a quantized cache's visible rows
/// are dequantized to bf16 before the tensor-core prefill, and this shows
/// what that pass costs. The roofline column is the least the step must
/// read (the caches' codes and scales, the chunk's Q, K, V) and write (its
/// output and new rows) at the copy bandwidth: a loose bound, the step
/// being compute bound.
static void benchPrefillOverCache(const Gpu &gpu) {
  const int64_t batch = 1, hq = 32, hkv = 8, d = 128, ctx = 8192, chunk = 512;
  std::string name = "gpu-prefill-cache";
  if (caseSelected(name))
    benchCacheStep(gpu, name, llvm::formatv("B{0} {1}@{2}", batch, chunk, ctx),
                   batch, ctx, chunk,
                   2.0 * batch * (2 * hq + 2 * hkv) * chunk * d);
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  llvm::cl::ParseCommandLineOptions(
      argc, argv,
      "ct-gpu-bench: ct's GPU kernels against device copies, bf16-cache "
      "kernels and the measured copy bandwidth\n");
  if (llvm::Error error = ct::loadCudaRuntime()) {
    llvm::errs() << "ct-gpu-bench: " << llvm::toString(std::move(error))
                 << "\n";
    return 1;
  }
  DialectRegistry registry;
  ct::initializeCpuRunner(registry);
  MLIRContext context(registry);

  // 1 GiB arrays: many times the H200's 60 MB L2, and long enough that a
  // launch's overhead is small.
  const size_t bytes = quick ? size_t(256) << 20 : size_t(1) << 30;
  double copyGBs = measureCopyGBs(bytes);
  Staging staging(bytes);
  Report report(llvm::formatv("CUDA device 0, device-to-device copy {0:f0} "
                              "GB/s (read + write)",
                              copyGBs)
                    .str());
  Gpu gpu{context, report, staging, copyGBs};
  benchHadamard(gpu, bytes);
  benchQuantize(gpu);
  benchDecode(gpu);
  benchPrefill(gpu);
  benchPrefillOverCache(gpu);
  report.writeCsv(csvPath);
  llvm::outs() << "\nwrote " << csvPath << "\n";
  return 0;
}
