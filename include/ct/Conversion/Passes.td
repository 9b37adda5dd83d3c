// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Passes of ct's lowering pipelines. Each does one step of ct-lower-to-llvm
// and is registered on its own so that tests and embedding compilers can run
// it in isolation.

#ifndef CT_CONVERSION_PASSES_TD
#define CT_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def DecomposeAggregatedOps
    : Pass<"ct-decompose-aggregated-ops", "::mlir::func::FuncOp"> {
  let summary = "Decompose ops implementing AggregatedOpInterface (linalg.softmax)";
  let description = [{
    Replaces every op that implements `linalg::AggregatedOpInterface` by the
    ops its `decomposeOperation` produces (`linalg.softmax` becomes a max
    reduction, a subtraction and exponential, a sum and a division). Upstream
    offers this only as a transform-dialect op.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect"];
}

def PrepareCInterface : Pass<"ct-prepare-c-interface", "::mlir::ModuleOp"> {
  let summary = "Prepare public functions for being called from C";
  let description = [{
    On every public function with a body: requests a `_mlir_ciface_` wrapper
    (`llvm.emit_c_interface`), marks tensor arguments non-writable so that
    bufferization never writes into the caller's inputs, and records the
    tensor signature as `ct.signature`, which the lowered C ABI no longer
    shows and which `ct-run` uses to marshal `.npy` files.
  }];
}

def AnnotateTargetFeatures
    : Pass<"ct-annotate-target-features", "::mlir::ModuleOp"> {
  let summary = "Set target_features on the module's LLVM functions";
  let description = [{
    Sets `target_features` on every defined `llvm.func`, so that the CPU
    features travel with the IR to whichever code generator consumes it (the
    JIT of ct-run, mlir-translate + llc).
  }];
  let options = [
    Option<"features", "features", "std::string", /*default=*/"",
           "Comma-separated +feature/-feature list as LLVM spells it">
  ];
}

#endif // CT_CONVERSION_PASSES_TD
