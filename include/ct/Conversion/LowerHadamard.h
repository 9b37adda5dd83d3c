// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Patterns of ct-lower-hadamard, for pipelines that compose their own
// rewrites: ct.hadamard to vectorized butterflies, ct.rotate to matmuls.

#ifndef CT_CONVERSION_LOWERHADAMARD_H
#define CT_CONVERSION_LOWERHADAMARD_H

#include "mlir/IR/PatternMatch.h"

namespace ct {
namespace hadamard {
struct SignMatrix;
} // namespace hadamard

/// Adds the patterns lowering ct.hadamard (fast Walsh–Hadamard butterflies on
/// vectors of `vectorBits` bits; blocks of at most `maxRegisterChunks`
/// vectors are transformed in registers in one go) and ct.rotate (a
/// linalg.matmul per block, inverses of constant matrices computed at compile
/// time). A pattern that cannot lower its op reports why with emitOpError.
void populateLowerHadamardPatterns(mlir::RewritePatternSet &patterns,
                                   int64_t vectorBits = 512,
                                   int64_t maxRegisterChunks = 32);

/// Adds only the ct.rotate pattern: a linalg.matmul per block, for pipelines
/// that give ct.hadamard a kernel of their own (ct-hadamard-to-gpu).
void populateLowerRotatePatterns(mlir::RewritePatternSet &patterns);

/// Output `c` of the core step of a size m·2^k transform on the segments
/// z[a] = segment(a) (one position of each of the m segments):
/// Σ_a C[a][c]·z[a] (x·(C ⊗ S)), or Σ_a C[c][a]·z[a] when `inverse`, as adds
/// and subtracts in the order of a. ct-lower-hadamard and ct-hadamard-to-gpu
/// both build their core step with it, so that the two round alike.
mlir::Value
buildCoreSum(mlir::OpBuilder &b, mlir::Location loc,
             const hadamard::SignMatrix &core, int64_t c, bool inverse,
             llvm::function_ref<mlir::Value(int64_t)> segment);

} // namespace ct

#endif // CT_CONVERSION_LOWERHADAMARD_H
