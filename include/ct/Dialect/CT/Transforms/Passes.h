// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Passes on ct IR and the front-end IR raised into it (see Passes.td), and the
// pattern sets they are built from, so pipelines can reuse them.

#ifndef CT_DIALECT_CT_TRANSFORMS_PASSES_H
#define CT_DIALECT_CT_TRANSFORMS_PASSES_H

#include "ct/Dialect/CT/IR/CTDialect.h"

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace ct {

#define GEN_PASS_DECL
#define GEN_PASS_REGISTRATION
#include "ct/Dialect/CT/Transforms/Passes.h.inc"

/// Patterns that replace attention subgraphs (linalg or TOSA) by
/// ct.hooked_attention with identity hooks and no name.
void populateRaiseAttentionPatterns(mlir::RewritePatternSet &patterns);

} // namespace ct

#endif // CT_DIALECT_CT_TRANSFORMS_PASSES_H
