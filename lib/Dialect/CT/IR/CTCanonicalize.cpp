// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Canonicalization of ct.rotate by a constant Hadamard matrix into
// ct.hadamard, whose lowering is an O(n log n) butterfly instead of a dense
// O(n²) matmul.
//
// ct.rotate applies its matrix as given, y = x·R (the op's definition; the
// same op carries random-matrix transforms, which compressed-tensors applies
// unscaled). A checkpoint's random-hadamard weight W (`...R3_q_attn.weight`)
// is stored unnormalized, ±1, and the library applies it as
// `x @ W / sqrt(n)` (HadamardTransform.forward), so it becomes
// `ct.rotate by W/sqrt(n)`. A constant R = diag(s)·H/sqrt(n), with H ct's
// Hadamard matrix of order n (Sylvester for powers of two, H_m ⊗ S_{2^k}
// otherwise), is exactly `ct.hadamard size(n) signs(s)`; with `inverse`,
// R⁻¹ = Rᵀ is the inverse ct.hadamard. Not rewritten: a ±1 matrix without the
// 1/sqrt(n) factor (x·W is sqrt(n)·ct.hadamard), and matrices built on the
// library's table cores (Paley n = 32, non-power-of-two random-hadamard;
// docs/HadamardNotes.md), which are not diag(s)·H for ct's H.

#include "ct/Dialect/CT/IR/CTOps.h"
#include "ct/Support/HadamardConstruction.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>

using namespace mlir;
using namespace ct;

namespace {

/// ct.rotate by a constant diag(s)·H/sqrt(n) → ct.hadamard signs(s).
struct RotateByHadamardMatrix : public OpRewritePattern<RotateOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RotateOp op,
                                PatternRewriter &rewriter) const override {
    DenseFPElementsAttr values;
    if (!matchPattern(op.getMatrix(), m_Constant(&values)))
      return rewriter.notifyMatchFailure(op, "matrix is not a constant");
    auto type = cast<RankedTensorType>(values.getType());
    auto elementType = cast<FloatType>(type.getElementType());
    int64_t n = type.getDimSize(0);
    std::optional<hadamard::KroneckerHadamard> matrix =
        hadamard::buildKroneckerHadamard(n);
    if (!matrix)
      return rewriter.notifyMatchFailure(op, "no Hadamard matrix of order n");

    // Every entry must be ±c with one c, the element type's 1/sqrt(n) (to
    // within an ulp of rounding by whoever divided the checkpoint matrix).
    SmallVector<double> entries;
    for (const APFloat &v : values.getValues<APFloat>())
      entries.push_back(v.convertToDouble());
    double magnitude = std::abs(entries[0]);
    double epsilon = std::ldexp(
        1.0, 1 - static_cast<int>(APFloat::semanticsPrecision(
                     elementType.getFloatSemantics())));
    if (std::abs(magnitude * std::sqrt(static_cast<double>(n)) - 1.0) >
        epsilon)
      return rewriter.notifyMatchFailure(op, "not normalized by 1/sqrt(n)");

    // Row r of diag(s)·H is s_r·H[r][:]; column 0 gives s_r.
    SmallVector<int8_t> signs;
    for (int64_t r = 0; r < n; ++r) {
      int8_t sign = (entries[r * n] < 0 ? -1 : 1) * matrix->at(r, 0);
      signs.push_back(sign);
      for (int64_t c = 0; c < n; ++c)
        if (entries[r * n + c] != magnitude * sign * matrix->at(r, c))
          return rewriter.notifyMatchFailure(op, "not diag(s)·H/sqrt(n)");
    }

    bool allPositive = llvm::all_of(signs, [](int8_t s) { return s == 1; });
    auto hadamardOp = HadamardOp::create(
        rewriter, op.getLoc(), op.getType(), op.getInput(), n,
        op.getInverse(),
        allPositive ? DenseI8ArrayAttr() : rewriter.getDenseI8ArrayAttr(signs),
        elementType.isF32() ? TypeAttr() : TypeAttr::get(elementType));
    rewriter.replaceOp(op, hadamardOp.getResult());
    return success();
  }
};

} // namespace

void RotateOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                           MLIRContext *context) {
  results.add<RotateByHadamardMatrix>(context);
}
