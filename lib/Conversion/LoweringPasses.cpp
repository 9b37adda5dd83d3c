// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// The small passes of ct-lower-to-llvm that upstream MLIR does not provide:
// decomposing aggregated ops outside the transform dialect, preparing public
// functions for C callers, and stamping CPU features on LLVM functions.

#include "ct/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace ct {
#define GEN_PASS_DEF_DECOMPOSEAGGREGATEDOPS
#define GEN_PASS_DEF_PREPARECINTERFACE
#define GEN_PASS_DEF_ANNOTATETARGETFEATURES
#include "ct/Conversion/Passes.h.inc"
} // namespace ct

using namespace mlir;

namespace {

/// Rewrites an op implementing AggregatedOpInterface (linalg.softmax, ...)
/// into the ops its decomposition produces.
struct DecomposeAggregatedOp
    : public OpInterfaceRewritePattern<linalg::AggregatedOpInterface> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;

  LogicalResult matchAndRewrite(linalg::AggregatedOpInterface op,
                                PatternRewriter &rewriter) const override {
    FailureOr<SmallVector<Value>> results = op.decomposeOperation(rewriter);
    if (failed(results))
      return rewriter.notifyMatchFailure(op, "has no decomposition");
    rewriter.replaceOp(op, *results);
    return success();
  }
};

struct DecomposeAggregatedOpsPass
    : public ct::impl::DecomposeAggregatedOpsBase<DecomposeAggregatedOpsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<DecomposeAggregatedOp>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

struct PrepareCInterfacePass
    : public ct::impl::PrepareCInterfaceBase<PrepareCInterfacePass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isPrivate() || func.isExternal())
        continue;
      func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                    UnitAttr::get(ctx));
      func->setAttr(ct::kSignatureAttrName,
                    TypeAttr::get(func.getFunctionType()));
      // An argument the function declares writable (a KV cache it updates in
      // place) keeps that: the caller lends the buffer for writing.
      for (auto [index, type] : llvm::enumerate(func.getArgumentTypes()))
        if (isa<TensorType>(type) &&
            !func.getArgAttr(index,
                             bufferization::BufferizationDialect::
                                 kWritableAttrName))
          func.setArgAttr(index,
                          bufferization::BufferizationDialect::kWritableAttrName,
                          BoolAttr::get(ctx, false));
    }
  }
};

struct AnnotateTargetFeaturesPass
    : public ct::impl::AnnotateTargetFeaturesBase<AnnotateTargetFeaturesPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // getChecked appends why the list is malformed.
    auto attr = LLVM::TargetFeaturesAttr::getChecked(
        [&] {
          return emitError(module.getLoc())
                 << "invalid cpu-features '" << features << "': ";
        },
        &getContext(), StringRef(features));
    if (!attr)
      return signalPassFailure();
    module.walk([&](LLVM::LLVMFuncOp func) {
      if (!func.isExternal())
        func.setTargetFeaturesAttr(attr);
    });
  }

};

} // namespace
