// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Lowering of ct.hooked_attention to flash-attention loops on tensors
// (ct-lower-attention), exposed as patterns so that other pipelines can run
// it together with their own rewrites.

#ifndef CT_CONVERSION_LOWERATTENTION_H
#define CT_CONVERSION_LOWERATTENTION_H

#include "ct/Conversion/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace ct {

class HookedAttentionOp;

/// Inlines hook region `hook` of `op` before `op`, applied to `input`, and
/// returns the hooked value (`input` itself for an identity hook). The CPU
/// and GPU lowerings share it, so that both run the hooks alike.
mlir::Value inlineAttentionHook(mlir::RewriterBase &rewriter,
                                HookedAttentionOp op, mlir::Region &hook,
                                mlir::Value input);

/// Adds the pattern that rewrites ct.hooked_attention into its inlined hooks,
/// the KV-cache write and tiled online-softmax loops, with the tile sizes of
/// `options`.
void populateLowerAttentionPatterns(mlir::RewritePatternSet &patterns,
                                    const LowerAttentionOptions &options);

} // namespace ct

#endif // CT_CONVERSION_LOWERATTENTION_H
