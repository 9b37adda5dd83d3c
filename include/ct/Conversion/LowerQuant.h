// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Patterns of ct-lower-quant, exposed so that other lowerings (GPU, fused
// attention) can lower the ct quantization ops with the same numerics.

#ifndef CT_CONVERSION_LOWERQUANT_H
#define CT_CONVERSION_LOWERQUANT_H

#include "mlir/IR/PatternMatch.h"

namespace ct {

/// Adds the patterns that rewrite ct.calculate_qparams, ct.quantize,
/// ct.dequantize and ct.fake_quantize into linalg.generic ops on tensors.
/// Ops with a scheme the lowering does not implement are left alone (the
/// match failure says why); ct-lower-quant reports them as errors.
void populateLowerQuantPatterns(mlir::RewritePatternSet &patterns);

} // namespace ct

#endif // CT_CONVERSION_LOWERQUANT_H
