// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// What the hand-written GPU kernel lowerings (ct-attention-to-gpu,
// ct-hadamard-to-gpu, ct-quant-to-gpu) share: their kernels index the
// buffers of tensors as rank-1 views and reason in warps.

#ifndef CT_CONVERSION_GPUKERNELBUILDING_H
#define CT_CONVERSION_GPUKERNELBUILDING_H

#include "mlir/IR/Builders.h"

namespace ct {

/// Threads of an NVIDIA warp, the width of every gpu.shuffle.
constexpr int64_t kWarpSize = 32;

/// A rank-1 view of an identity-layout buffer (the buffer itself if rank 1).
mlir::Value collapseToRankOne(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Value buffer);

/// The identity-layout buffer of a ranked tensor that kernels only read
/// (bufferization.to_buffer read_only), as a rank-1 view.
mlir::Value getReadOnlyRankOneBuffer(mlir::OpBuilder &b, mlir::Location loc,
                                     mlir::Value tensor);

} // namespace ct

#endif // CT_CONVERSION_GPUKERNELBUILDING_H
