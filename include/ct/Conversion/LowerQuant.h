// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Patterns of ct-lower-quant, exposed so that other lowerings (GPU, fused
// attention) can lower the ct quantization ops with the same numerics.

#ifndef CT_CONVERSION_LOWERQUANT_H
#define CT_CONVERSION_LOWERQUANT_H

#include "mlir/IR/PatternMatch.h"

#include <functional>
#include <optional>

namespace ct {

/// Builds the f32 `[min, max]` (NaN-propagating, as torch.amin / amax) of
/// `view` over every dimension but `kept`, as tensors of the kept dimensions'
/// sizes; nullopt leaves the reduction to linalg. A target hook: min and max
/// are associative, so any reduction order gives the same results.
using MinMaxBuilder = std::function<std::optional<std::pair<
    mlir::Value, mlir::Value>>(mlir::OpBuilder &, mlir::Location,
                               mlir::Value view, llvm::ArrayRef<int64_t> kept)>;

/// Adds the patterns that rewrite ct.calculate_qparams, ct.quantize,
/// ct.dequantize and ct.fake_quantize into linalg.generic ops on tensors.
/// Ops with a scheme the lowering does not implement are left alone (the
/// match failure says why); ct-lower-quant reports them as errors.
/// `buildMinMax`, when given, reduces the observed tensor of
/// ct.calculate_qparams where it can (ct-quant-to-gpu's warp reductions).
void populateLowerQuantPatterns(mlir::RewritePatternSet &patterns,
                                MinMaxBuilder buildMinMax = nullptr);

/// An element of a quantization operand (integer codes or zero points,
/// fp8/fp6/fp4 bit patterns, narrow float scales) as f32, as ct.dequantize
/// reads it: for kernels that fold the scales in instead of dequantizing.
mlir::Value convertQuantElementToF32(mlir::OpBuilder &b, mlir::Location loc,
                                     mlir::Value element);

} // namespace ct

#endif // CT_CONVERSION_LOWERQUANT_H
