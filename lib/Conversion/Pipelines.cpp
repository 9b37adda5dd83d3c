// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// ct-lower-to-llvm: the CPU pipeline from functions on tensors to the LLVM
// dialect. Public functions get the C ABI that ct-run and embedders call
// (`_mlir_ciface_<name>`, results as caller-allocated out-parameters, inputs
// never written), and the tensor signature they had before lowering, which
// the C ABI no longer shows (shapes, element types, results).

#include "ct/Conversion/Pipelines.h"
#include "ct/Conversion/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/TosaToLinalg/TosaToLinalg.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace ct {

void addBufferizationPasses(OpPassManager &pm) {
  // Bufferize with plain (identity-layout) memrefs at function boundaries,
  // then hand result buffers to the caller: with static shapes the result is
  // computed directly into the caller's buffer.
  pm.addPass(createPrepareCInterface());
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  bufferization::OneShotBufferizePassOptions bufferizeOptions;
  bufferizeOptions.bufferizeFunctionBoundaries = true;
  bufferizeOptions.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferizeOptions));
  // Fold in-place loop results (scf.for iter_args) to their buffers, so that
  // a result computed by a loop is the caller's buffer, not copied into it.
  pm.addPass(createCanonicalizerPass());
  bufferization::BufferResultsToOutParamsPassOptions outParamsOptions;
  outParamsOptions.hoistStaticAllocs = true;
  outParamsOptions.modifyPublicFunctions = true;
  pm.addPass(
      bufferization::createBufferResultsToOutParamsPass(outParamsOptions));
}

void buildLowerToLLVMPipeline(OpPassManager &pm,
                              const LowerToLLVMOptions &options) {
  // TOSA to linalg/arith/tensor on tensors. Validation is left to front
  // ends: it rejects programs (profiles, levels) that lower fine.
  tosa::addTosaToLinalgPasses(pm, TosaToLinalgOptions(),
                              TosaToLinalgNamedOptions(),
                              /*validationOptions=*/std::nullopt);
  pm.addNestedPass<func::FuncOp>(createTosaToArithPass());
  pm.addNestedPass<func::FuncOp>(createTosaToTensorPass());

  // ct.hooked_attention to flash-attention loops; its inlined hooks may hold
  // the ct ops lowered next.
  pm.addNestedPass<func::FuncOp>(createLowerAttention());
  // ct.hadamard to vectorized butterflies, ct.rotate to linalg.matmul.
  pm.addNestedPass<func::FuncOp>(createLowerHadamard());
  // Only linalg and tensor ops bufferize: elementwise arith/math on tensors
  // become linalg.generic, aggregated ops their constituent linalg ops.
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  pm.addNestedPass<func::FuncOp>(
      createDecomposeAggregatedOps());
  // ct quantization ops to linalg.generic with the library's exact numerics.
  pm.addNestedPass<func::FuncOp>(createLowerQuant());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  addBufferizationPasses(pm);
  // Flash-decoding chunks (scf.forall) run sequentially on the CPU.
  pm.addPass(createForallToForLoopPass());
  // Ownership-based deallocation frees every temporary; it must run after
  // the out-parameter rewrite so that copied-out results are freed too.
  bufferization::buildBufferDeallocationPipeline(pm);

  // Loops, then the LLVM dialect. Math ops get LLVM intrinsics where LLVM
  // has them and libm calls otherwise (tanh, erf, ...); bf16/f16 math is
  // computed in f32.
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  // 4-bit buffers two elements per byte, as compressed-tensors packs them;
  // the emulation rewrites loads and stores, so it runs on loops.
  pm.addPass(createPackSubByteMemRefs());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addNestedPass<func::FuncOp>(math::createMathExtendToSupportedTypes());
  pm.addNestedPass<func::FuncOp>(arith::createArithExpandOpsPass());
  // Vector ops (the butterflies' transfers, shuffles, fma) to LLVM vectors.
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
  if (!options.cpuFeatures.empty())
    pm.addPass(createAnnotateTargetFeatures(
        AnnotateTargetFeaturesOptions{options.cpuFeatures.getValue()}));
}

void registerPipelines() {
  registerCTConversionPasses();
  PassPipelineRegistration<LowerToLLVMOptions>(
      "ct-lower-to-llvm",
      "Lower functions on tensors (ct, linalg, tensor, arith, math, tosa) to "
      "the LLVM dialect for the CPU: TOSA to linalg, decomposition of "
      "aggregated ops, one-shot bufferization with results as out-parameters "
      "and ownership-based deallocation, loops, LLVM dialect with C interface "
      "wrappers on public functions; cpu-features becomes the "
      "target_features of every llvm.func",
      buildLowerToLLVMPipeline);
  PassPipelineRegistration<LowerToNVVMOptions>(
      "ct-lower-to-nvvm",
      "Lower functions on tensors (ct.hooked_attention, ct.hadamard, ct "
      "quantization ops, linalg) for NVIDIA GPUs: attention to split-K "
      "decode and tiled prefill kernels, ct.hadamard to a warp-shuffle FWHT "
      "kernel, quantization to ct-lower-quant's linalg mapped to "
      "parallel-loop kernels (fp8 with the hardware conversion), "
      "bufferization with device-memory temporaries and packed 4-bit "
      "buffers, kernels through NVVM to a gpu.binary of `format` for `chip`, "
      "host code on one stream per call through gpu-to-llvm",
      buildLowerToNVVMPipeline);
}

} // namespace ct
