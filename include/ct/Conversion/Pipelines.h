// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// The user-facing lowering pipelines of ct (ARCHITECTURE.md): each is a pass
// pipeline registered under its contract name with typed options, so that
// ct-opt, ct-run and embedding compilers build exactly the same sequence.

#ifndef CT_CONVERSION_PIPELINES_H
#define CT_CONVERSION_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace ct {

struct LowerToLLVMOptions
    : public mlir::PassPipelineOptions<LowerToLLVMOptions> {
  PassOptions::Option<std::string> cpuFeatures{
      *this, "cpu-features",
      llvm::cl::desc("Target CPU features for the generated code, as LLVM "
                     "spells them (e.g. +avx512f,+avx512bf16); empty means "
                     "the host's")};
};

/// Lowers a module of functions on tensors (ct ops, linalg, tensor, arith,
/// math, tosa) to the LLVM dialect: bufferized, results turned into
/// out-parameters, C interface wrappers emitted.
void buildLowerToLLVMPipeline(mlir::OpPassManager &pm,
                              const LowerToLLVMOptions &options);

struct LowerToNVVMOptions
    : public mlir::PassPipelineOptions<LowerToNVVMOptions> {
  PassOptions::Option<std::string> chip{
      *this, "chip",
      llvm::cl::desc("NVIDIA architecture the kernels are compiled for"),
      llvm::cl::init("sm_90")};
  PassOptions::Option<std::string> features{
      *this, "features",
      llvm::cl::desc("NVPTX target features (PTX ISA version); CUDA 13's "
                     "ptxas rejects the NVPTX default"),
      llvm::cl::init("+ptx80")};
  PassOptions::Option<std::string> format{
      *this, "format",
      llvm::cl::desc("What gpu-module-to-binary embeds: isa (PTX, JIT-compiled "
                     "by the driver; needs no toolkit), bin (cubin, needs "
                     "ptxas) or fatbin (needs ptxas and fatbinary)"),
      llvm::cl::init("fatbin")};
  PassOptions::Option<int> optLevel{
      *this, "opt-level",
      llvm::cl::desc("Optimization level of the NVPTX code generator"),
      llvm::cl::init(3)};
  PassOptions::Option<bool> tensorCores{
      *this, "tensor-cores",
      llvm::cl::desc("Run 16-bit prefill attention on tensor cores where the "
                     "chip has them (sm_80+); false keeps the CUDA-core "
                     "kernel (a baseline)"),
      llvm::cl::init(true)};
};

/// Lowers a module of functions on tensors (ct.hadamard, ct quantization
/// ops, linalg, tensor, arith, math) to host LLVM dialect that launches NVVM
/// kernels embedded as a gpu.binary. Functions take device-accessible
/// buffers (device or managed memory).
void buildLowerToNVVMPipeline(mlir::OpPassManager &pm,
                              const LowerToNVVMOptions &options);

/// The bufferization step both pipelines share: ct-prepare-c-interface,
/// one-shot bufferization with identity-layout memrefs at function
/// boundaries, and results as caller-allocated out-parameters.
void addBufferizationPasses(mlir::OpPassManager &pm);

/// Registers `ct-lower-to-llvm`, `ct-lower-to-nvvm` and the passes of
/// Passes.td with the global pass registry.
void registerPipelines();

} // namespace ct

#endif // CT_CONVERSION_PIPELINES_H
