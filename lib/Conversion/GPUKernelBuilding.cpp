// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Buffer views and vector alignments shared by the GPU kernel lowerings.

#include "ct/Conversion/GPUKernelBuilding.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;

Value ct::collapseToRankOne(OpBuilder &b, Location loc, Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  if (type.getRank() == 1)
    return buffer;
  return memref::CollapseShapeOp::create(
      b, loc, buffer,
      ArrayRef<ReassociationIndices>{
          llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()))});
}

Value ct::getReadOnlyRankOneBuffer(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  Value buffer = bufferization::ToBufferOp::create(
      b, loc, MemRefType::get(type.getShape(), type.getElementType()), tensor,
      /*read_only=*/true);
  return collapseToRankOne(b, loc, buffer);
}

llvm::Align ct::getVectorAlignment(Type elementType, int64_t elements) {
  int64_t bytes = elements * elementType.getIntOrFloatBitWidth() / 8;
  return llvm::Align(std::min<int64_t>(llvm::PowerOf2Ceil(bytes), 16));
}
