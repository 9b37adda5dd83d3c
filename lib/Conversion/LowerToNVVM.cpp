// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// ct-lower-to-nvvm: the GPU pipeline from functions on tensors to host LLVM
// dialect that launches NVVM kernels embedded in a gpu.binary.
//
// ct.hooked_attention gets split-K flash-decoding and tiled flash-attention
// kernels (ct-attention-to-gpu), ct.hadamard a hand-written warp-shuffle
// kernel (ct-hadamard-to-gpu);
// the quantization ops reuse ct-lower-quant's linalg.generic bodies, so that
// the GPU computes the library's numerics with the very formulas the CPU
// path uses, mapped to the GPU as parallel loops: a thread per 16-byte
// vector of consecutive elements (whole bytes of 4-bit codes) where the loop
// is elementwise, else per element; dynamic scales' min/max reductions are
// warp-shuffle kernels (ct-quant-to-gpu), a warp per row.
// Host code only allocates and launches: functions take device-accessible
// buffers (device or managed memory), temporaries are device memory (managed
// memory where host code touches them), and launches, temporaries and copies
// run on one stream per call that the host waits for before it touches
// memory and before it returns.

#include "ct/Conversion/Passes.h"
#include "ct/Conversion/Pipelines.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Pipelines/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace ct {

/// Whether NVPTX can select cvt.rn.satfinite.e4m3x2.f32 for `chip` (sm_NN,
/// sm_NNa) with `features` (+ptxNN): sm_90+ with PTX 7.8, sm_89 with 8.1.
static bool hasFP8Conversion(StringRef chip, StringRef features) {
  unsigned sm = 0, ptx = 0;
  if (!chip.consume_front("sm_") ||
      chip.take_while(llvm::isDigit).getAsInteger(10, sm))
    return false;
  size_t at = features.find("+ptx");
  if (at == StringRef::npos || features.drop_front(at + 4)
                                   .take_while(llvm::isDigit)
                                   .getAsInteger(10, ptx))
    return false;
  return (sm >= 90 && ptx >= 78) || (sm == 89 && ptx >= 81);
}

/// Whether `chip` (sm_NN, sm_NNa) has bf16 mma.sync.m16n8k16 (sm_80+).
static bool hasBF16TensorCores(StringRef chip) {
  unsigned sm = 0;
  return chip.consume_front("sm_") &&
         !chip.take_while(llvm::isDigit).getAsInteger(10, sm) && sm >= 80;
}

void buildLowerToNVVMPipeline(OpPassManager &pm,
                              const LowerToNVVMOptions &options) {
  // ct ops on tensors: attention as flash-decoding / flash-attention
  // kernels (its hooks inlined first, so that the ct ops in them are lowered
  // next), the FWHT as a kernel on buffers, quantization as linalg.generic
  // with the library's numerics and warp reductions for dynamic scales.
  bool hardwareFP8 =
      hasFP8Conversion(options.chip.getValue(), options.features.getValue());
  AttentionToGPUOptions attentionOptions;
  attentionOptions.hardwareFP8 = hardwareFP8;
  attentionOptions.tensorCores =
      options.tensorCores && hasBF16TensorCores(options.chip.getValue());
  pm.addNestedPass<func::FuncOp>(createAttentionToGPU(attentionOptions));
  pm.addNestedPass<func::FuncOp>(createHadamardToGPU());
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  pm.addNestedPass<func::FuncOp>(createDecomposeAggregatedOps());
  pm.addNestedPass<func::FuncOp>(createQuantToGPU());
  pm.addNestedPass<func::FuncOp>(createLowerQuant());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // Bufferization as in ct-lower-to-llvm: identity layouts at function
  // boundaries, results as caller-allocated out-parameters.
  addBufferizationPasses(pm);
  // A slice written in place (the KV-cache rows) leaves a copy of a subview
  // onto an identical subview: CSE makes it a self-copy that folds away.
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());

  // Linalg ops to kernels: parallel loops, a thread per 16-byte vector of
  // consecutive elements where the loop is elementwise (else per element),
  // grids of threads-per-block tiles.
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(createGPUVectorizeParallelLoops());
  pm.addNestedPass<func::FuncOp>(createGPUTileParallelLoops());
  pm.addNestedPass<func::FuncOp>(createGpuMapParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(createConvertParallelLoopToGpuPass());
  // 4-bit buffers two elements per byte, as on the CPU (public functions take
  // the caller's packed bytes); vectorized loops store whole bytes, a scalar
  // nibble store is an atomic read-modify-write of its byte (threads share
  // bytes).
  pm.addPass(createPackSubByteMemRefs());
  // Temporaries in device memory (managed where the host touches them),
  // freed on return; host copies on the GPU.
  pm.addNestedPass<func::FuncOp>(createGPUHostMemory());
  // Constants and index computations move into the kernels instead of
  // becoming kernel arguments.
  pm.addNestedPass<func::FuncOp>(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  // One stream per call instead of a stream and a host synchronization per
  // launch, allocation, free and copy.
  pm.addNestedPass<func::FuncOp>(createGPUAsyncStream());
  // Hardware fp8 conversion and rounding instead of integer emulation and
  // libdevice calls.
  GPUSelectInstructionsOptions selectOptions;
  selectOptions.hardwareFP8 = hardwareFP8;
  pm.addNestedPass<gpu::GPUModuleOp>(
      createGPUSelectInstructions(selectOptions));

  // Kernels through NVVM to a binary, host code through gpu-to-llvm.
  gpu::GPUToNVVMPipelineOptions nvvmOptions;
  nvvmOptions.cubinChip = options.chip.getValue();
  nvvmOptions.cubinFeatures = options.features.getValue();
  nvvmOptions.cubinFormat = options.format.getValue();
  nvvmOptions.optLevel = options.optLevel.getValue();
  gpu::buildLowerToNVVMPassPipeline(pm, nvvmOptions);
}

} // namespace ct
