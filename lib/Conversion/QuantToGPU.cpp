// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// ct-quant-to-gpu: ct-lower-quant's lowering of the quantization ops, with
// the min/max reductions of dynamic scales (ct.calculate_qparams) as
// warp-shuffle kernels. As linalg loops, a reduction is one thread per row
// that walks the row serially; here a warp reduces a row with coalesced
// 16-byte loads and a shfl.sync.bfly butterfly. Min and max are associative
// (NaN-propagating and -0 < +0 included), so results are the CPU path's.

#include "ct/Conversion/GPUKernelBuilding.h"
#include "ct/Conversion/LowerQuant.h"
#include "ct/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

#include <limits>

namespace ct {
#define GEN_PASS_DEF_QUANTTOGPU
#include "ct/Conversion/Passes.h.inc"
} // namespace ct

using namespace mlir;
using ct::kWarpSize;

namespace {

constexpr int64_t kWarpsPerBlock = 8;
/// Warps to keep in flight before rows are split into segments (an H100 or
/// H200 holds 64 per SM on 132 SMs), and the shortest segment worth a warp.
constexpr int64_t kMinWarps = 4096;
constexpr int64_t kMinSegment = 1024;

/// The 1-D `tensor` in `shape` (as many elements; rank 0 included).
Value reshapeFlat(OpBuilder &b, Location loc, Value tensor,
                  ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(tensor.getType());
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  if (shape.size() == 1)
    return tensor;
  if (shape.empty())
    return tensor::CollapseShapeOp::create(
        b, loc, resultType, tensor, SmallVector<ReassociationIndices>{});
  return tensor::ExpandShapeOp::create(
      b, loc, resultType, tensor,
      SmallVector<ReassociationIndices>{
          llvm::to_vector(llvm::seq<int64_t>(0, shape.size()))});
}

/// Emits the kernel body of one warp per segment: lanes stride the segment
/// `width` elements at a time (one vector load per input), keep a running
/// min and max, combine them with a butterfly and lane 0 stores them.
void buildWarpReduction(OpBuilder &b, Location loc, ValueRange inputs,
                        Value minOut, Value maxOut, int64_t numSegments,
                        int64_t segmentLength, int64_t width) {
  auto index = [&](int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value).getResult();
  };
  auto f32 = [&](double value) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value))
        .getResult();
  };
  Value thread = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
  Value block = gpu::BlockIdOp::create(b, loc, gpu::Dimension::x);
  Value warp = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, block, index(kWarpsPerBlock)),
      arith::DivUIOp::create(b, loc, thread, index(kWarpSize)));
  Value lane = arith::RemUIOp::create(b, loc, thread, index(kWarpSize));
  // Whole warps drop out, so the shuffles below see all 32 lanes.
  Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                        warp, index(numSegments));
  auto ifOp = scf::IfOp::create(b, loc, inRange, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());

  Value start = arith::MulIOp::create(b, loc, warp, index(segmentLength));
  Value first = arith::MulIOp::create(b, loc, lane, index(width));
  auto loop = scf::ForOp::create(
      b, loc, first, index(segmentLength), index(kWarpSize * width),
      ValueRange{f32(std::numeric_limits<double>::infinity()),
                 f32(-std::numeric_limits<double>::infinity())},
      [&](OpBuilder &nb, Location nloc, Value offset, ValueRange acc) {
        Value at = arith::AddIOp::create(nb, nloc, start, offset);
        SmallVector<Value> vectors;
        for (Value input : inputs) {
          Type elementType =
              cast<MemRefType>(input.getType()).getElementType();
          // The segments start at multiples of `width` elements.
          vectors.push_back(vector::LoadOp::create(
              nb, nloc, VectorType::get({width}, elementType), input,
              ValueRange{at}, /*nontemporal=*/false,
              ct::getVectorAlignment(elementType, width)));
        }
        Value min = acc[0], max = acc[1];
        for (int64_t i = 0; i < width; ++i) {
          auto element = [&](Value vector) -> Value {
            Value value = vector::ExtractOp::create(nb, nloc, vector, i);
            if (value.getType().isF32())
              return value;
            return arith::ExtFOp::create(nb, nloc, nb.getF32Type(), value);
          };
          Value lo = element(vectors.front());
          Value hi = inputs.size() == 1 ? lo : element(vectors.back());
          min = arith::MinimumFOp::create(nb, nloc, min, lo);
          max = arith::MaximumFOp::create(nb, nloc, max, hi);
        }
        scf::YieldOp::create(nb, nloc, ValueRange{min, max});
      });
  Value min = loop.getResult(0), max = loop.getResult(1);
  for (int32_t offset = kWarpSize / 2; offset >= 1; offset /= 2) {
    auto shuffle = [&](Value value) {
      return gpu::ShuffleOp::create(b, loc, value, offset, kWarpSize,
                                    gpu::ShuffleMode::XOR)
          .getShuffleResult();
    };
    min = arith::MinimumFOp::create(b, loc, min, shuffle(min));
    max = arith::MaximumFOp::create(b, loc, max, shuffle(max));
  }
  Value isFirst =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane, index(0));
  auto store = scf::IfOp::create(b, loc, isFirst, /*withElseRegion=*/false);
  b.setInsertionPointToStart(store.thenBlock());
  memref::StoreOp::create(b, loc, min, minOut, ValueRange{warp});
  memref::StoreOp::create(b, loc, max, maxOut, ValueRange{warp});
}

/// `[min, max]` of `inputs` (one tensor, or a pair of partial mins and maxes)
/// over every dimension after the first `numKept`, which the result keeps:
/// a warp per row, or per segment of long rows when there are too few rows
/// to fill the GPU, whose partial results a second kernel reduces.
std::optional<std::pair<Value, Value>>
reduceTrailingDims(OpBuilder &b, Location loc, ValueRange inputs,
                   int64_t numKept) {
  auto type = cast<RankedTensorType>(inputs.front().getType());
  if (!type.hasStaticShape())
    return std::nullopt;
  ArrayRef<int64_t> keptShape = type.getShape().take_front(numKept);
  int64_t rows = ShapedType::getNumElements(keptShape);
  int64_t length =
      ShapedType::getNumElements(type.getShape().drop_front(numKept));
  // Short rows are as fast as a thread per row.
  if (length < kWarpSize)
    return std::nullopt;
  int64_t segments = 1;
  if (inputs.size() == 1)
    while (rows * segments < kMinWarps && length % (2 * segments) == 0 &&
           length / (2 * segments) >= kMinSegment)
      segments *= 2;
  // The second kernel reduces a warp's worth of partials per row.
  if (segments < kWarpSize)
    segments = 1;
  int64_t segmentLength = length / segments;
  int64_t width = 128 / type.getElementTypeBitWidth();
  if (segmentLength % width != 0)
    width = 1;

  SmallVector<Value> buffers = llvm::map_to_vector(inputs, [&](Value input) {
    return ct::getReadOnlyRankOneBuffer(b, loc, input);
  });
  int64_t numSegments = rows * segments;
  auto partialType = MemRefType::get({numSegments}, b.getF32Type());
  Value minOut = memref::AllocOp::create(b, loc, partialType);
  Value maxOut = memref::AllocOp::create(b, loc, partialType);
  int64_t warpsPerBlock = std::min(kWarpsPerBlock, numSegments);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto launch = gpu::LaunchOp::create(
      b, loc,
      arith::ConstantIndexOp::create(
          b, loc, llvm::divideCeil(numSegments, kWarpsPerBlock)),
      one, one,
      arith::ConstantIndexOp::create(b, loc, warpsPerBlock * kWarpSize), one,
      one);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&launch.getBody().front());
    buildWarpReduction(b, loc, buffers, minOut, maxOut, numSegments,
                       segmentLength, width);
    gpu::TerminatorOp::create(b, loc);
  }

  auto toTensor = [&](Value buffer) {
    return bufferization::ToTensorOp::create(
        b, loc, RankedTensorType::get({numSegments}, b.getF32Type()), buffer,
        /*restrict=*/true, /*writable=*/true);
  };
  SmallVector<int64_t> shape(keptShape);
  if (segments > 1)
    shape.push_back(segments);
  Value min = reshapeFlat(b, loc, toTensor(minOut), shape);
  Value max = reshapeFlat(b, loc, toTensor(maxOut), shape);
  if (segments == 1)
    return std::pair(min, max);
  return reduceTrailingDims(b, loc, ValueRange{min, max}, numKept);
}

/// ct-lower-quant's MinMaxBuilder hook: warp reductions where the kept
/// dimensions lead (token, group, channel, tensor), so that each kept entry
/// reduces a contiguous row; block and per-head scales stay linalg.
std::optional<std::pair<Value, Value>>
buildWarpMinMax(OpBuilder &b, Location loc, Value view,
                ArrayRef<int64_t> kept) {
  for (auto [position, dim] : llvm::enumerate(kept))
    if (dim != static_cast<int64_t>(position))
      return std::nullopt;
  return reduceTrailingDims(b, loc, ValueRange{view}, kept.size());
}

struct QuantToGPUPass : public ct::impl::QuantToGPUBase<QuantToGPUPass> {
  void runOnOperation() override {
    // Ops the patterns leave alone are ct-lower-quant's to report.
    RewritePatternSet patterns(&getContext());
    ct::populateLowerQuantPatterns(patterns, buildWarpMinMax);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace
