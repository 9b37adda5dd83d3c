// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// What the GPU kernel lowerings (ct-attention-to-gpu, ct-hadamard-to-gpu,
// ct-quant-to-gpu, ct-gpu-vectorize-parallel-loops) share: kernels index the
// buffers of tensors as rank-1 views, reason in warps and access memory in
// vectors aligned to their size.

#ifndef CT_CONVERSION_GPUKERNELBUILDING_H
#define CT_CONVERSION_GPUKERNELBUILDING_H

#include "mlir/IR/Builders.h"
#include "llvm/Support/Alignment.h"

namespace ct {

/// Threads of an NVIDIA warp, the width of every gpu.shuffle.
constexpr int64_t kWarpSize = 32;

/// A rank-1 view of an identity-layout buffer (the buffer itself if rank 1).
mlir::Value collapseToRankOne(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Value buffer);

/// The alignment of a vector of `elements` of `elementType` at a multiple
/// of its size into a buffer aligned to 16 bytes (cuMemAlloc gives 256):
/// its size rounded up to a power of two, at most 16 bytes.
llvm::Align getVectorAlignment(mlir::Type elementType, int64_t elements);

/// The identity-layout buffer of a ranked tensor that kernels only read
/// (bufferization.to_buffer read_only), as a rank-1 view.
mlir::Value getReadOnlyRankOneBuffer(mlir::OpBuilder &b, mlir::Location loc,
                                     mlir::Value tensor);

} // namespace ct

#endif // CT_CONVERSION_GPUKERNELBUILDING_H
