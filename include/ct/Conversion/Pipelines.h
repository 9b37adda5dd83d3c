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

/// Registers `ct-lower-to-llvm` (and later pipelines) with the global pass
/// registry.
void registerPipelines();

} // namespace ct

#endif // CT_CONVERSION_PIPELINES_H
