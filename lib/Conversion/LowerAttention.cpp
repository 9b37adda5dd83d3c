// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// ct-lower-attention: ct.hooked_attention to flash-attention loops on
// tensors. Materializing softmax(Q·Kᵀ) costs Sq·Skv floats per head and
// reads K/V once per query head; the online softmax (FlashAttention) keeps
// only a tile of scores, and processing the g query heads of a kv head
// together reads each K/V row once per group, which is what bounds decode.
// Everything stays on tensors so that the inlined hooks (ct.hadamard,
// ct.fake_quantize) are lowered by the passes that follow, and so that the
// cache write, a tensor.insert_slice, bufferizes in place. A quantized cache
// is written through ct.calculate_qparams / ct.quantize, the ops whose
// lowering ct.fake_quantize shares, so it holds the fake-quantized program's
// values. Attention reads its codes: with f32 scales and integer or fp4
// codes it converts them in the dot products and folds the scales into
// scores and probabilities (equal to dequantizing up to f32 rounding);
// otherwise through ct.dequantize of each tile.

#include "ct/Conversion/LowerAttention.h"
#include "ct/Conversion/LowerQuant.h"
#include "ct/Dialect/CT/IR/CTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace ct {
#define GEN_PASS_DEF_LOWERATTENTION
#include "ct/Conversion/Passes.h.inc"
} // namespace ct

using namespace mlir;

namespace {

using utils::IteratorType;
constexpr IteratorType kPar = IteratorType::parallel;
constexpr IteratorType kRed = IteratorType::reduction;

/// f32 lanes of the register-blocked dot products: one AVX2 register.
constexpr int64_t kBlockLanes = 8;

/// Running state of the online softmax of one query tile of g heads × bq
/// rows: row maxima and sums of the log2-domain scores [g, bq] and the
/// unnormalized output [g, bq, Dv], all f32.
struct SoftmaxState {
  Value max, sum, acc;
};

/// Terminates a linalg.generic body with one value.
void yieldValue(OpBuilder &b, Location loc, Value v) {
  linalg::YieldOp::create(b, loc, ValueRange{v});
}

/// source[offsets; sizes] (unit strides) without its leading `dropped`
/// dimensions, which must have size 1.
Value extractTile(OpBuilder &b, Location loc, Value source,
                  ArrayRef<OpFoldResult> offsets, ArrayRef<OpFoldResult> sizes,
                  unsigned dropped) {
  SmallVector<int64_t> shape;
  for (OpFoldResult size : sizes.drop_front(dropped))
    shape.push_back(getConstantIntValue(size).value_or(ShapedType::kDynamic));
  auto type = RankedTensorType::get(
      shape, cast<RankedTensorType>(source.getType()).getElementType());
  return tensor::ExtractSliceOp::create(
      b, loc, type, source, offsets, sizes,
      SmallVector<OpFoldResult>(sizes.size(), b.getIndexAttr(1)));
}

/// Converts a float scalar to f32, where attention accumulates.
Value toF32(OpBuilder &b, Location loc, Value v) {
  Type f32 = b.getF32Type();
  if (v.getType() == f32)
    return v;
  if (v.getType().getIntOrFloatBitWidth() < 32)
    return arith::ExtFOp::create(b, loc, f32, v);
  return arith::TruncFOp::create(b, loc, f32, v);
}

/// Converts an f32 scalar to `type`.
Value fromF32(OpBuilder &b, Location loc, Value v, Type type) {
  if (type == v.getType())
    return v;
  if (type.getIntOrFloatBitWidth() < 32)
    return arith::TruncFOp::create(b, loc, type, v);
  return arith::ExtFOp::create(b, loc, type, v);
}

/// The subtrahend of exp2(x - m) for a row maximum m: 0 for a row whose keys
/// are all masked so far (m = -inf), which keeps exp2 at 0 instead of NaN.
Value safeMax(OpBuilder &b, Location loc, Value max) {
  Value negInf = arith::ConstantOp::create(
      b, loc, b.getF32FloatAttr(-std::numeric_limits<float>::infinity()));
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
  Value allMasked =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, max, negInf);
  return arith::SelectOp::create(b, loc, allMasked, zero, max);
}

/// 2^x in f32 for x <= 0, the only arguments the online softmax produces
/// (scores minus their running maximum, old minus new maximum). A libm exp2f
/// call per score dominated the kernels and keeps LLVM from vectorizing the
/// loops; this is plain arithmetic that vectorizes: x = n + f with n =
/// round(x), |f| <= 1/2, 2^n built in the exponent bits and 2^f from its
/// degree-7 Taylor series (truncation error below 1e-8 relative, so a few
/// ulp in all). x is clamped at -127, where 2^n has a zero exponent field and
/// the result is exactly 0: masked scores (-inf) still get probability 0. A
/// NaN score stays NaN, as in torch: the polynomial carries it, and the
/// exponent is built from 0 instead (fptosi of NaN would be poison).
Value exp2NonPositive(OpBuilder &b, Location loc, Value x) {
  Type i32 = b.getI32Type();
  auto f32Const = [&](double value) {
    return arith::ConstantOp::create(
        b, loc, b.getF32FloatAttr(static_cast<float>(value)));
  };
  auto i32Const = [&](int32_t value) {
    return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(value));
  };
  Value clamped = arith::MaximumFOp::create(b, loc, x, f32Const(-127.0));
  Value n = math::RoundEvenOp::create(b, loc, clamped);
  Value f = arith::SubFOp::create(b, loc, clamped, n);
  // Horner on Σ_k (f·ln 2)^k / k!, highest degree first.
  double ln2 = std::log(2.0), coefficient = 1.0;
  SmallVector<double, 8> coefficients = {1.0};
  for (int k = 1; k <= 7; ++k)
    coefficients.push_back(coefficient *= ln2 / k);
  // contract lets LLVM fuse each step into an FMA where the target has one.
  auto contract = arith::FastMathFlags::contract;
  Value poly = f32Const(coefficients.back());
  for (double c : llvm::reverse(ArrayRef<double>(coefficients).drop_back()))
    poly = arith::AddFOp::create(
        b, loc, arith::MulFOp::create(b, loc, poly, f, contract), f32Const(c),
        contract);
  Value isNaN =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, n, n);
  Value exponent = arith::SelectOp::create(b, loc, isNaN, f32Const(0.0), n);
  Value biased = arith::AddIOp::create(
      b, loc, arith::FPToSIOp::create(b, loc, i32, exponent), i32Const(127));
  Value scale = arith::BitcastOp::create(
      b, loc, b.getF32Type(),
      arith::ShLIOp::create(b, loc, biased, i32Const(23)));
  return arith::MulFOp::create(b, loc, poly, scale);
}

/// How attention reads one cache (keys or values): floats, or codes with the
/// scales a tile of rows dequantizes with.
struct CacheRead {
  /// All rows attention reads: floats, or the codes of a quantized cache.
  Value rows;
  /// Quantized caches only: the scheme of a [rows, D] tile (per tensor,
  /// group for per-row scales, group 1 for per-channel ones), the scale and
  /// zero point (a static parameter, or the per-row storage
  /// [B, Hkv, Smax, G]) and the float type the tile dequantizes to.
  ct::QuantSchemeAttr tileScheme;
  Value scale, zeroPoint;
  bool perRow = false;
  /// Static per-channel scales [Hkv, 1, D] (KIVI).
  bool perChannel = false;
  Type floatType;
  /// Whether attention folds the scales into scores and probabilities
  /// instead of dequantizing tiles (f32 scales, not per channel, not fp8
  /// codes), and the
  /// scale groups of a row it then reads: 1, or D / group for per-row groups.
  bool folded = false;
  int64_t rowGroups = 1;
};

/// `value` broadcast torch-style (aligned at the last dimension, size-1
/// dimensions repeated) to `sizes`: a scale computed once for a whole write
/// repeated on each row it covers, or per-channel scales on each row.
Value broadcastTo(OpBuilder &b, Location loc, Value value,
                  ArrayRef<OpFoldResult> sizes) {
  auto type = cast<RankedTensorType>(value.getType());
  unsigned rank = sizes.size();
  SmallVector<AffineExpr> exprs;
  int64_t offset = rank - type.getRank();
  for (int64_t d = 0; d < type.getRank(); ++d)
    exprs.push_back(type.getDimSize(d) == 1 &&
                            getConstantIntValue(sizes[offset + d]) != 1
                        ? b.getAffineConstantExpr(0)
                        : b.getAffineDimExpr(offset + d));
  AffineMap in = AffineMap::get(rank, 0, exprs, b.getContext());
  Value init = tensor::EmptyOp::create(b, loc, sizes, type.getElementType());
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, value, init,
             ArrayRef<AffineMap>{in, b.getMultiDimIdentityMap(rank)},
             SmallVector<IteratorType>(rank, kPar),
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               yieldValue(nb, nl, args[0]);
             })
      .getResult(0);
}

/// Emits the loops of one ct.hooked_attention. Index arithmetic is built on
/// OpFoldResults so that static shapes fold to constants.
class AttentionLowering {
public:
  AttentionLowering(ct::HookedAttentionOp op, RewriterBase &rewriter,
                    const ct::LowerAttentionOptions &options)
      : op(op), rewriter(rewriter), options(options), loc(op.getLoc()),
        f32(rewriter.getF32Type()) {}

  /// Replaces the op by its lowering.
  void run();

private:
  Value index(int64_t value) {
    return arith::ConstantIndexOp::create(rewriter, loc, value);
  }
  Value dim(OpBuilder &b, Value tensor, int64_t d) {
    return tensor::DimOp::create(b, loc, tensor, d);
  }
  Value emptyF32(OpBuilder &b, ArrayRef<OpFoldResult> sizes) {
    return tensor::EmptyOp::create(b, loc, sizes, f32);
  }
  Value filledF32(OpBuilder &b, ArrayRef<OpFoldResult> sizes, float value) {
    Value cst = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
    return linalg::FillOp::create(b, loc, cst, emptyF32(b, sizes))
        .getResult(0);
  }
  AffineMap map(unsigned numDims, ArrayRef<unsigned> results) {
    return AffineMap::getMultiDimMapWithTargets(numDims, results,
                                                rewriter.getContext());
  }
  Value generic(OpBuilder &b, ValueRange inputs, ValueRange outputs,
                ArrayRef<AffineMap> maps, ArrayRef<IteratorType> iterators,
                function_ref<void(OpBuilder &, Location, ValueRange)> body) {
    return linalg::GenericOp::create(b, loc, TypeRange(outputs), inputs,
                                     outputs, maps, iterators, body)
        .getResult(0);
  }

  Value writeRows(Value fresh, Value cache, Value rowStart);
  CacheRead writeCache(bool key, Value fresh);
  Value readCodes(OpBuilder &b, const CacheRead &cache, Value batch,
                  Value kvHead, Value first, OpFoldResult count,
                  OpFoldResult width);
  Value readTile(OpBuilder &b, const CacheRead &cache, Value batch,
                 Value kvHead, Value firstKey, OpFoldResult keyCount,
                 OpFoldResult width);
  Value readFoldedCodes(OpBuilder &b, const CacheRead &cache, Value batch,
                        Value kvHead, Value first, OpFoldResult count,
                        OpFoldResult width);
  Value readFoldedParam(OpBuilder &b, const CacheRead &cache, Value param,
                        Value batch, Value kvHead, Value firstKey,
                        OpFoldResult keyCount);
  Value splitGroups(OpBuilder &b, Value tile, int64_t groups,
                    OpFoldResult width);
  /// Converts an element of a cache tile to f32 inside a linalg.generic.
  using ElementConversion = function_ref<Value(OpBuilder &, Location, Value)>;
  Value tileToF32(OpBuilder &b, Value tile);
  Value groupDots(OpBuilder &b, Value q, Value rows, OpFoldResult keyCount,
                  ElementConversion convert);
  Value groupAccumulate(OpBuilder &b, Value probs, Value rows, Value acc,
                        ElementConversion convert);
  Value foldedScores(OpBuilder &b, Value qTile, Value batch, Value kvHead,
                     Value firstKey, OpFoldResult keyCount);
  Value foldedValues(OpBuilder &b, Value probs, Value alpha, Value acc,
                     Value batch, Value kvHead, Value firstKey,
                     OpFoldResult keyCount);
  Value logits(OpBuilder &b, Value scores, Value batch, Value firstHead,
               Value firstQuery, Value firstKey);
  SoftmaxState attendKeyBlock(OpBuilder &b, SoftmaxState state, Value qTile,
                              Value batch, Value kvHead, Value firstHead,
                              Value firstQuery, Value firstKey,
                              OpFoldResult keyCount);
  SoftmaxState attendKeyRange(OpBuilder &b, SoftmaxState state, Value qTile,
                              Value batch, Value kvHead, Value firstHead,
                              Value firstQuery, Value keyBegin, Value keyEnd);
  SoftmaxState initialState(OpBuilder &b, OpFoldResult rows);
  Value normalize(OpBuilder &b, Value acc, Value sum, OpFoldResult rows);
  Value extractQueryTile(OpBuilder &b, Value batch, Value firstHead,
                         Value firstQuery, OpFoldResult rows);
  Value causalKeyEnd(OpBuilder &b, Value firstQuery, Value rows);
  Value prefillHead(OpBuilder &b, Value out, Value batch, Value kvHead);
  Value decodeHead(OpBuilder &b, Value out, Value batch, Value kvHead);

  ct::HookedAttentionOp op;
  RewriterBase &rewriter;
  const ct::LowerAttentionOptions &options;
  Location loc;
  Type f32;

  // Set by run(): the hooked query, all keys/values attention reads (the
  // updated caches, or the hooked new entries), and the sizes.
  Value query, mask;
  CacheRead keys, values;
  SmallVector<Value> updatedScales;
  Value queryLen, keyLen, queryOffset;
  OpFoldResult groupSize, headDim, valueDim;
};

/// Whether `type` holds 4-bit elements. ct-pack-sub-byte-memrefs packs
/// their buffers, and the upstream emulation it uses cannot take subviews at
/// dynamic offsets of them: such caches are written and read element by
/// element (loads and stores, which it packs) instead of by slices.
bool isSubByte(Type type) {
  return getElementTypeOrSelf(type).getIntOrFloatBitWidth() == 4;
}

/// cache[:, :, rowStart : rowStart + S, :] = fresh.
Value AttentionLowering::writeRows(Value fresh, Value cache, Value rowStart) {
  OpFoldResult one = rewriter.getIndexAttr(1), z = rewriter.getIndexAttr(0);
  if (isSubByte(cache.getType())) {
    SmallVector<Value> lbs(4, index(0)), steps(4, index(1)), ubs;
    for (int64_t d = 0; d < 4; ++d)
      ubs.push_back(dim(rewriter, fresh, d));
    scf::LoopNest nest = scf::buildLoopNest(
        rewriter, loc, lbs, ubs, steps, ValueRange{cache},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange carried) {
          Value element = tensor::ExtractOp::create(b, l, fresh, ivs);
          SmallVector<Value> at(ivs);
          at[2] = arith::AddIOp::create(b, l, rowStart, ivs[2]);
          return scf::ValueVector{
              tensor::InsertOp::create(b, l, element, carried[0], at)};
        });
    return nest.results.front();
  }
  return tensor::InsertSliceOp::create(
             rewriter, loc, fresh, cache,
             ArrayRef<OpFoldResult>{z, z, rowStart, z},
             tensor::getMixedSizes(rewriter, loc, fresh),
             SmallVector<OpFoldResult>(4, one))
      .getResult();
}

/// Writes the hooked new entries at the position: floats as they are, or,
/// for a quantized cache, quantized once (QuantizedKVCache.update runs the
/// fake quantization on the new entries only) with their scales computed
/// here when dynamic and stored on the same rows.
CacheRead AttentionLowering::writeCache(bool key, Value fresh) {
  Value cache = key ? op.getKCache() : op.getVCache();
  Value pos = op.getPosition();
  ct::QuantSchemeAttr scheme = op.getCacheQuant(key);
  CacheRead read;
  if (!scheme) {
    read.rows = writeRows(fresh, cache, pos);
    return read;
  }
  auto freshType = cast<RankedTensorType>(fresh.getType());
  auto cacheType = cast<RankedTensorType>(cache.getType());
  read.floatType = freshType.getElementType();
  read.scale = op.getCacheScale(key);
  read.zeroPoint = op.getCacheZeroPoint(key);
  Value scale = read.scale, zeroPoint = read.zeroPoint;
  if (scheme.isDynamic()) {
    std::string why;
    SmallVector<int64_t> shape =
        *scheme.inferScaleShape(freshType.getShape(), why);
    SmallVector<Type> types = {
        RankedTensorType::get(shape, freshType.getElementType())};
    if (zeroPoint)
      types.push_back(RankedTensorType::get(
          shape, getElementTypeOrSelf(zeroPoint.getType())));
    auto qparams = ct::CalculateQParamsOp::create(
        rewriter, loc, types, fresh, /*global_scale=*/Value(), scheme);
    scale = qparams.getScale();
    zeroPoint = qparams.getZeroPoint();
  }
  ct::QuantSchemeAttr writeScheme = scheme;
  MLIRContext *ctx = rewriter.getContext();
  // Per-channel (KIVI) scales [Hkv, 1, D] have no strategy of their own on
  // [B, Hkv, S, D] data: they quantize as one scale per element (group 1).
  auto perElement = [&] {
    return ct::QuantSchemeAttr::get(
        ctx, scheme.getNumBits(), scheme.getType(), scheme.getSymmetric(),
        ct::QuantStrategy::Group, int64_t(1), {}, ct::QuantDynamic::Static,
        scheme.getScaleDtype(), scheme.getZpDtype());
  };
  if (scheme.getStrategy() == ct::QuantStrategy::Channel) {
    writeScheme = perElement();
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(rewriter, loc, fresh);
    scale = broadcastTo(rewriter, loc, scale, sizes);
    if (zeroPoint)
      zeroPoint = broadcastTo(rewriter, loc, zeroPoint, sizes);
  }
  Value codes = ct::QuantizeOp::create(
      rewriter, loc, freshType.clone(cacheType.getElementType()), fresh, scale,
      zeroPoint, /*global_scale=*/Value(), writeScheme);
  read.rows = writeRows(codes, cache, pos);

  int64_t headDim = cacheType.getDimSize(3);
  if (scheme.isDynamic()) {
    // Rows keep their own scales: the write's scale repeated on each row.
    int64_t groups = ct::HookedAttentionOp::getRowScaleCount(scheme, headDim);
    read.perRow = true;
    SmallVector<OpFoldResult> rows =
        tensor::getMixedSizes(rewriter, loc, fresh);
    rows.back() = rewriter.getIndexAttr(groups);
    read.scale =
        writeRows(broadcastTo(rewriter, loc, scale, rows), read.scale, pos);
    updatedScales.push_back(read.scale);
    if (zeroPoint) {
      read.zeroPoint = writeRows(broadcastTo(rewriter, loc, zeroPoint, rows),
                                 read.zeroPoint, pos);
      updatedScales.push_back(read.zeroPoint);
    }
  }
  if (scheme.getStrategy() == ct::QuantStrategy::Channel) {
    read.perChannel = true;
    read.tileScheme = perElement();
    return read;
  }
  // A tile [rows, D] dequantizes with one scale (static: the tile's head's),
  // or one per row or group of a row: the same (q - zp)·scale either way.
  ct::QuantStrategy tileStrategy =
      read.perRow ? ct::QuantStrategy::Group : ct::QuantStrategy::Tensor;
  std::optional<int64_t> tileGroup;
  if (read.perRow)
    tileGroup =
        headDim / ct::HookedAttentionOp::getRowScaleCount(scheme, headDim);
  read.tileScheme = ct::QuantSchemeAttr::get(
      ctx, scheme.getNumBits(), scheme.getType(), scheme.getSymmetric(),
      tileStrategy, tileGroup, {}, ct::QuantDynamic::Static,
      scheme.getScaleDtype(), scheme.getZpDtype());
  // 16-bit scales dequantize each element in their own precision (as
  // ct.dequantize rounds), which a folded f32 scale would not reproduce.
  // fp8 codes measured slower folded (decoded once per tile, then the
  // folded sums) than dequantized: they keep ct.dequantize.
  read.folded = read.floatType.isF32() &&
                getElementTypeOrSelf(read.scale.getType()).isF32() &&
                !isa<Float8E4M3FNType>(cacheType.getElementType());
  if (read.perRow)
    read.rowGroups =
        ct::HookedAttentionOp::getRowScaleCount(scheme, headDim);
  return read;
}

/// Codes of rows [first, first + count) of (batch, kvHead) as [count,
/// width]: a slice, or for 4-bit caches gathered with loads (of a vector of
/// integer codes at a time where the width allows), widened to i8 on the way
/// (a packed 4-bit tile would be written nibble by nibble, each store an
/// atomic read-modify-write of its byte, and takes no dynamic size):
/// integers sign-extended, and for folded caches float codes as their bits
/// (decodeCode reads them). ct.dequantize takes 4-bit float codes as such.
Value AttentionLowering::readCodes(OpBuilder &b, const CacheRead &cache,
                                   Value batch, Value kvHead, Value first,
                                   OpFoldResult count, OpFoldResult width) {
  OpFoldResult one = b.getIndexAttr(1), zero = b.getIndexAttr(0);
  if (!isSubByte(cache.rows.getType()))
    return extractTile(b, loc, cache.rows, {batch, kvHead, first, zero},
                       {one, one, count, width}, /*dropped=*/2);
  Type storage = getElementTypeOrSelf(cache.rows.getType());
  bool isInteger = isa<IntegerType>(storage);
  bool widen = isInteger || cache.folded;
  Type tileType = widen ? b.getI8Type() : storage;
  Value init = tensor::EmptyOp::create(
      b, loc, ArrayRef<OpFoldResult>{count, width}, tileType);
  std::optional<int64_t> staticWidth = getConstantIntValue(width);
  if (isInteger && staticWidth && *staticWidth % kBlockLanes == 0) {
    // Integer codes a vector of lanes at a time: whole bytes of the packed
    // cache row (the narrow-type emulation loads kBlockLanes / 2 bytes),
    // sign-extended in registers.
    auto codeType = VectorType::get({kBlockLanes}, storage);
    auto constant = [&](int64_t value) -> Value {
      return arith::ConstantIndexOp::create(b, loc, value);
    };
    Value zero = constant(0), one = constant(1);
    Value lanes = constant(kBlockLanes), end = constant(*staticWidth);
    auto rowLoop = scf::ForOp::create(
        b, loc, zero, getValueOrCreateConstantIndexOp(b, loc, count), one,
        ValueRange{init},
        [&](OpBuilder &rb, Location rl, Value row, ValueRange rowCarried) {
          Value cacheRow = arith::AddIOp::create(rb, rl, first, row);
          auto laneLoop = scf::ForOp::create(
              rb, rl, zero, end, lanes, rowCarried,
              [&](OpBuilder &lb, Location ll, Value j, ValueRange carried) {
                Value codes = vector::TransferReadOp::create(
                    lb, ll, codeType, cache.rows,
                    ValueRange{batch, kvHead, cacheRow, j},
                    /*padding=*/std::nullopt, ArrayRef<bool>{true});
                Value wide = arith::ExtSIOp::create(
                    lb, ll, codeType.clone(tileType), codes);
                scf::YieldOp::create(
                    lb, ll,
                    vector::TransferWriteOp::create(lb, ll, wide, carried[0],
                                                    ValueRange{row, j},
                                                    ArrayRef<bool>{true})
                        .getResult());
              });
          scf::YieldOp::create(rb, rl, laneLoop.getResults());
        });
    return rowLoop.getResult(0);
  }
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, ValueRange{}, init,
             ArrayRef<AffineMap>{b.getMultiDimIdentityMap(2)},
             SmallVector<IteratorType>(2, kPar),
             [&](OpBuilder &nb, Location nl, ValueRange) {
               Value row = arith::AddIOp::create(
                   nb, nl, first, linalg::IndexOp::create(nb, nl, 0));
               Value column = linalg::IndexOp::create(nb, nl, 1);
               Value code = tensor::ExtractOp::create(
                   nb, nl, cache.rows, ValueRange{batch, kvHead, row, column});
               if (isInteger) {
                 code = arith::ExtSIOp::create(nb, nl, tileType, code);
               } else if (widen) {
                 code = arith::BitcastOp::create(nb, nl, nb.getI4Type(), code);
                 code = arith::ExtUIOp::create(nb, nl, tileType, code);
               }
               yieldValue(nb, nl, code);
             })
      .getResult(0);
}

/// Whether a static cache scale or zero point is attn_head's [Hkv, 1, 1],
/// one per kv head, rather than one for the tensor.
static bool isPerHeadParam(RankedTensorType type) {
  return type.getRank() == 3 && type.getDimSize(0) != 1;
}

/// Rows [firstKey, firstKey + keyCount) of (batch, kvHead) as [keyCount,
/// width] floats: a slice of a float cache, or the codes of a quantized one
/// dequantized here, inside the key loop, so that only codes are read from
/// the cache. ct-lower-quant wants static shapes: a block of a dynamic size
/// (the last one of a range) is dequantized row by row.
Value AttentionLowering::readTile(OpBuilder &b, const CacheRead &cache,
                                  Value batch, Value kvHead, Value firstKey,
                                  OpFoldResult keyCount, OpFoldResult width) {
  OpFoldResult one = b.getIndexAttr(1), zero = b.getIndexAttr(0);
  auto rowsOf = [&](OpBuilder &rb, Value source, Value first,
                    OpFoldResult count, OpFoldResult columns) {
    return extractTile(rb, loc, source, {batch, kvHead, first, zero},
                       {one, one, count, columns}, /*dropped=*/2);
  };
  if (!cache.tileScheme)
    return rowsOf(b, cache.rows, firstKey, keyCount, width);

  auto dequantizeRows = [&](OpBuilder &rb, Value first,
                            OpFoldResult count) -> Value {
    auto paramTile = [&](Value param) -> Value {
      if (!param)
        return param;
      auto type = cast<RankedTensorType>(param.getType());
      if (cache.perRow)
        return rowsOf(rb, param, first, count,
                      rb.getIndexAttr(type.getDimSize(3)));
      // Per channel: the head's [1, D] scales on every row of the tile.
      if (cache.perChannel)
        return broadcastTo(rb, loc,
                           extractTile(rb, loc, param, {kvHead, zero, zero},
                                       {one, one, width}, /*dropped=*/1),
                           {count, width});
      // Static: attn_head gives the head's scale; a per-tensor scale is used
      // as it is.
      if (isPerHeadParam(type))
        return extractTile(rb, loc, param, {kvHead, zero, zero},
                           {one, one, one}, /*dropped=*/0);
      return param;
    };
    Value codes = readCodes(rb, cache, batch, kvHead, first, count, width);
    auto codesType = cast<RankedTensorType>(codes.getType());
    return ct::DequantizeOp::create(rb, loc, codesType.clone(cache.floatType),
                                    codes, paramTile(cache.scale),
                                    paramTile(cache.zeroPoint),
                                    /*global_scale=*/Value(), cache.tileScheme);
  };
  if (getConstantIntValue(keyCount))
    return dequantizeRows(b, firstKey, keyCount);

  Value count = getValueOrCreateConstantIndexOp(b, loc, keyCount);
  Value init = tensor::EmptyOp::create(b, loc, ArrayRef<OpFoldResult>{count, width},
                                       cache.floatType);
  auto loop = scf::ForOp::create(
      b, loc, index(0), count, index(1), ValueRange{init},
      [&](OpBuilder &lb, Location ll, Value row, ValueRange carried) {
        Value first = arith::AddIOp::create(lb, ll, firstKey, row);
        Value dequantized = dequantizeRows(lb, first, one);
        Value updated = tensor::InsertSliceOp::create(
            lb, ll, dequantized, carried[0], ArrayRef<OpFoldResult>{row, zero},
            ArrayRef<OpFoldResult>{one, width},
            ArrayRef<OpFoldResult>{one, one});
        scf::YieldOp::create(lb, ll, updated);
      });
  return loop.getResult(0);
}

/// A code of a folded cache as f32, from its storage type or from the i8
/// that readCodes widened a 4-bit float code's bits to (or already decoded
/// by readFoldedCodes).
static Value decodeCode(OpBuilder &b, Location loc, const CacheRead &cache,
                        Value code) {
  if (code.getType().isF32())
    return code;
  Type storage = getElementTypeOrSelf(cache.rows.getType());
  if (isa<FloatType>(storage) && code.getType() != storage)
    code = arith::BitcastOp::create(
        b, loc, storage, arith::TruncIOp::create(b, loc, b.getI4Type(), code));
  return ct::convertQuantElementToF32(b, loc, code);
}

/// The codes of a folded cache's rows as [count, width], for the dot
/// products to convert in registers; fp4 codes, whose decoding costs more
/// than the g multiply-adds each one feeds, are decoded to f32 once per tile
/// instead.
Value AttentionLowering::readFoldedCodes(OpBuilder &b, const CacheRead &cache,
                                         Value batch, Value kvHead,
                                         Value first, OpFoldResult count,
                                         OpFoldResult width) {
  Value codes = readCodes(b, cache, batch, kvHead, first, count, width);
  if (isa<IntegerType>(getElementTypeOrSelf(cache.rows.getType())))
    return codes;
  AffineMap id = b.getMultiDimIdentityMap(2);
  return generic(b, codes, emptyF32(b, {count, width}), {id, id},
                 {kPar, kPar}, [&](OpBuilder &nb, Location nl, ValueRange args) {
                   yieldValue(nb, nl, decodeCode(nb, nl, cache, args[0]));
                 });
}

/// A folded cache's scale or zero point for keys [firstKey, firstKey +
/// keyCount): the per-row [keyCount, G] tile, or the static value of the
/// head (attn_head [Hkv, 1, 1]) or of the tensor as an f32 scalar.
Value AttentionLowering::readFoldedParam(OpBuilder &b, const CacheRead &cache,
                                         Value param, Value batch,
                                         Value kvHead, Value firstKey,
                                         OpFoldResult keyCount) {
  if (!param)
    return param;
  OpFoldResult one = b.getIndexAttr(1), zero = b.getIndexAttr(0);
  if (cache.perRow)
    return extractTile(b, loc, param, {batch, kvHead, firstKey, zero},
                       {one, one, keyCount, b.getIndexAttr(cache.rowGroups)},
                       /*dropped=*/2);
  auto type = cast<RankedTensorType>(param.getType());
  SmallVector<Value> at(type.getRank(), index(0));
  if (isPerHeadParam(type))
    at[0] = kvHead;
  return ct::convertQuantElementToF32(
      b, loc, tensor::ExtractOp::create(b, loc, param, at));
}

/// `tile` [..., D] as [..., groups, width] with D = groups·width, so that
/// each scale group of a row is a dimension of its own.
Value AttentionLowering::splitGroups(OpBuilder &b, Value tile, int64_t groups,
                                     OpFoldResult width) {
  auto type = cast<RankedTensorType>(tile.getType());
  int64_t rank = type.getRank();
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, tile);
  sizes.back() = b.getIndexAttr(groups);
  sizes.push_back(width);
  SmallVector<ReassociationIndices> reassociation;
  for (int64_t d = 0; d + 1 < rank; ++d)
    reassociation.push_back({d});
  reassociation.push_back({rank - 1, rank});
  SmallVector<int64_t> shape;
  for (OpFoldResult size : sizes)
    shape.push_back(getConstantIntValue(size).value_or(ShapedType::kDynamic));
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), tile,
      reassociation, sizes);
}

/// The width of a scale group of a folded cache's rows of `width` elements.
static OpFoldResult groupWidth(OpBuilder &b, const CacheRead &cache,
                               OpFoldResult width) {
  if (cache.rowGroups == 1)
    return width;
  int64_t rowWidth = cast<RankedTensorType>(cache.rows.getType()).getDimSize(3);
  return b.getIndexAttr(rowWidth / cache.rowGroups);
}

/// Fast-math flags of the dot products: reassociation lets LLVM vectorize
/// them over D, contraction fuses their multiplies and adds into FMAs.
static arith::FastMathFlagsAttr getDotProductMath(MLIRContext *ctx) {
  return arith::FastMathFlagsAttr::get(
      ctx, arith::FastMathFlags::reassoc | arith::FastMathFlags::contract);
}

/// Vector registers the blocked dot products give to accumulators, of the
/// 16 of x86-64: the rest hold converted row slices and a query slice or
/// probability.
constexpr int64_t kAccumulatorRegisters = 12;

/// Whether the dot products of a query tile [g, bq, C, W] with rows
/// [K, C, W] of `rowElement` run register-blocked (groupDots,
/// groupAccumulate): static sizes, W a multiple of the lanes, an accumulator
/// register per query row (g·bq), and rows that convert to f32 lane by lane
/// (integer codes, which ct.dequantize reads as sitofp, and floats).
static bool isBlockable(RankedTensorType qType, Type rowElement) {
  if (!qType.hasStaticShape() || qType.getRank() != 4 ||
      qType.getDimSize(3) % kBlockLanes != 0 ||
      qType.getDimSize(0) * qType.getDimSize(1) > kAccumulatorRegisters)
    return false;
  if (auto intType = dyn_cast<IntegerType>(rowElement))
    return intType.getWidth() <= 32;
  return rowElement.isF32() || rowElement.isBF16() || rowElement.isF16();
}

/// How many row slices (of keys, or of lanes) one step of a blocked kernel
/// with `queryRows` accumulators each takes: two where their accumulators
/// fit in registers and `extent` splits in pairs, so that each query slice
/// or probability loaded feeds two multiply-adds (x86-64 loads two vectors
/// per cycle and multiply-adds two: one load per multiply-add starves it).
static int64_t slicesPerStep(int64_t queryRows, std::optional<int64_t> extent) {
  return 2 * queryRows <= kAccumulatorRegisters && extent && *extent % 2 == 0
             ? 2
             : 1;
}

/// A vector of integer codes or floats as f32 lanes.
static Value lanesToF32(OpBuilder &b, Location loc, Value lanes) {
  auto type = cast<VectorType>(lanes.getType());
  auto f32Type = type.clone(b.getF32Type());
  if (isa<IntegerType>(type.getElementType()))
    return arith::SIToFPOp::create(b, loc, f32Type, lanes);
  if (type.getElementType().isF32())
    return lanes;
  return arith::ExtFOp::create(b, loc, f32Type, lanes);
}

/// Reads the f32 lanes [at, at + kBlockLanes) of the last dimension of
/// `source` (in bounds), converted to f32.
static Value readLanes(OpBuilder &b, Location loc, Value source,
                       ValueRange at) {
  auto type = cast<RankedTensorType>(source.getType());
  return lanesToF32(
      b, loc,
      vector::TransferReadOp::create(
          b, loc, VectorType::get({kBlockLanes}, type.getElementType()),
          source, at, /*padding=*/std::nullopt, ArrayRef<bool>{true}));
}

/// The step of a blocked kernel: accs[s·R + r] += factor(r)·slices[s] for
/// the R = accs / slices query rows r and the row slices s, each factor (a
/// query slice, a broadcast probability) built once for all slices.
static SmallVector<Value>
multiplyAddSlices(OpBuilder &b, Location loc, ValueRange accs,
                  ArrayRef<Value> slices,
                  function_ref<Value(int64_t)> factor) {
  int64_t queryRows = accs.size() / slices.size();
  SmallVector<Value> next(accs);
  for (int64_t r = 0; r < queryRows; ++r) {
    Value f = factor(r);
    for (auto [s, slice] : llvm::enumerate(slices)) {
      Value &acc = next[s * queryRows + r];
      acc = vector::FMAOp::create(b, loc, f, slice, acc);
    }
  }
  return next;
}

/// (h, i) index constants of the g·bq query rows of a blocked kernel.
static SmallVector<std::pair<Value, Value>>
queryRowIndices(OpBuilder &b, Location loc, int64_t g, int64_t bq) {
  SmallVector<std::pair<Value, Value>> rows;
  for (int64_t r = 0; r < g * bq; ++r)
    rows.push_back({arith::ConstantIndexOp::create(b, loc, r / bq),
                    arith::ConstantIndexOp::create(b, loc, r % bq)});
  return rows;
}

/// `tile` with each element converted to f32 (a copy unless it is f32).
Value AttentionLowering::tileToF32(OpBuilder &b, Value tile) {
  auto type = cast<RankedTensorType>(tile.getType());
  if (type.getElementType().isF32())
    return tile;
  AffineMap id = b.getMultiDimIdentityMap(type.getRank());
  return generic(b, tile, emptyF32(b, tensor::getMixedSizes(b, loc, tile)),
                 {id, id}, SmallVector<IteratorType>(type.getRank(), kPar),
                 [&](OpBuilder &nb, Location nl, ValueRange args) {
                   yieldValue(nb, nl, toF32(nb, nl, args[0]));
                 });
}

/// d[h, i, k, c] = Σ_j q[h, i, c, j]·convert(rows[k, c, j]) for a query
/// tile q [g, bq, C, W] and cache rows [K, C, W], in f32. The g·bq query
/// rows share each cache row: the blocked kernel converts a slice of lanes
/// of a row once and feeds it to a register accumulator per query row, for
/// two keys at a time (a loop nest with the query rows innermost converts
/// each slice g·bq times, and LLVM keeps its accumulators in memory).
/// Otherwise a linalg.generic, with `convert` applied to each element.
Value AttentionLowering::groupDots(OpBuilder &b, Value q, Value rows,
                                   OpFoldResult keyCount,
                                   ElementConversion convert) {
  auto qType = cast<RankedTensorType>(q.getType());
  auto rowsType = cast<RankedTensorType>(rows.getType());
  OpFoldResult heads = tensor::getMixedSize(b, loc, q, 0);
  OpFoldResult queries = tensor::getMixedSize(b, loc, q, 1);
  OpFoldResult groups = tensor::getMixedSize(b, loc, q, 2);
  auto fastMath = getDotProductMath(b.getContext());
  if (!isBlockable(qType, rowsType.getElementType()))
    return generic(
        b, {q, rows}, filledF32(b, {heads, queries, keyCount, groups}, 0.0f),
        {map(5, {0, 1, 3, 4}), map(5, {2, 3, 4}), map(5, {0, 1, 2, 3})},
        {kPar, kPar, kPar, kPar, kRed},
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          Value prod = arith::MulFOp::create(nb, nl, toF32(nb, nl, args[0]),
                                             convert(nb, nl, args[1]),
                                             fastMath);
          yieldValue(nb, nl,
                     arith::AddFOp::create(nb, nl, args[2], prod, fastMath));
        });

  q = tileToF32(b, q);
  int64_t queryRows = qType.getDimSize(0) * qType.getDimSize(1);
  int64_t keysPerStep = slicesPerStep(queryRows, getConstantIntValue(keyCount));
  auto laneType = VectorType::get({kBlockLanes}, f32);
  Value zeroLanes = arith::ConstantOp::create(
      b, loc, laneType, DenseElementsAttr::get(laneType, 0.0f));
  auto constant = [&](int64_t value) -> Value {
    return arith::ConstantIndexOp::create(b, loc, value);
  };
  Value zero = constant(0), one = constant(1), step = constant(keysPerStep);
  Value width = constant(qType.getDimSize(3)), lanes = constant(kBlockLanes);
  auto rowIndex = queryRowIndices(b, loc, qType.getDimSize(0),
                                  qType.getDimSize(1));
  // Every score is written below.
  Value init = emptyF32(b, {heads, queries, keyCount, groups});
  auto keyLoop = scf::ForOp::create(
      b, loc, zero, getValueOrCreateConstantIndexOp(b, loc, keyCount), step,
      ValueRange{init},
      [&](OpBuilder &kb, Location kl, Value firstKey, ValueRange keyCarried) {
        SmallVector<Value> keys = {firstKey};
        if (keysPerStep == 2)
          keys.push_back(arith::AddIOp::create(kb, kl, firstKey, one));
        auto groupLoop = scf::ForOp::create(
            kb, kl, zero, getValueOrCreateConstantIndexOp(kb, kl, groups),
            one, keyCarried,
            [&](OpBuilder &cb, Location cl, Value c, ValueRange carried) {
              // Accumulators [key][query row], flattened.
              auto laneLoop = scf::ForOp::create(
                  cb, cl, zero, width, lanes,
                  SmallVector<Value>(keysPerStep * queryRows, zeroLanes),
                  [&](OpBuilder &jb, Location jl, Value j, ValueRange accs) {
                    SmallVector<Value> slices;
                    for (Value key : keys)
                      slices.push_back(readLanes(jb, jl, rows, {key, c, j}));
                    scf::YieldOp::create(
                        jb, jl,
                        multiplyAddSlices(jb, jl, accs, slices, [&](int64_t r) {
                          return readLanes(
                              jb, jl, q,
                              {rowIndex[r].first, rowIndex[r].second, c, j});
                        }));
                  });
              Value dots = carried[0];
              for (int64_t s = 0; s < keysPerStep; ++s) {
                for (int64_t r = 0; r < queryRows; ++r) {
                  Value sum = vector::ReductionOp::create(
                      cb, cl, vector::CombiningKind::ADD,
                      laneLoop.getResult(s * queryRows + r), Value(),
                      fastMath.getValue());
                  dots = tensor::InsertOp::create(
                      cb, cl, sum, dots,
                      ValueRange{rowIndex[r].first, rowIndex[r].second,
                                 keys[s], c});
                }
              }
              scf::YieldOp::create(cb, cl, dots);
            });
        scf::YieldOp::create(kb, kl, groupLoop.getResults());
      });
  return keyLoop.getResult(0);
}

/// acc'[h, i, c, j] = acc[h, i, c, j] + Σ_k p[h, i, k, c]·convert(rows[k,
/// c, j]) for probabilities p [g, bq, K, C] and cache rows [K, C, W], in
/// f32: register-blocked as groupDots (two slices of lanes of each query
/// row accumulate in registers over all keys, each probability broadcast
/// once for both), else a linalg.generic.
Value AttentionLowering::groupAccumulate(OpBuilder &b, Value probs,
                                         Value rows, Value acc,
                                         ElementConversion convert) {
  auto accType = cast<RankedTensorType>(acc.getType());
  auto rowsType = cast<RankedTensorType>(rows.getType());
  auto fastMath = getDotProductMath(b.getContext());
  if (!isBlockable(accType, rowsType.getElementType()))
    return generic(
        b, {probs, rows}, acc,
        {map(5, {0, 1, 2, 3}), map(5, {2, 3, 4}), map(5, {0, 1, 3, 4})},
        {kPar, kPar, kRed, kPar, kPar},
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          Value prod = arith::MulFOp::create(
              nb, nl, args[0], convert(nb, nl, args[1]), fastMath);
          yieldValue(
              nb, nl, arith::AddFOp::create(nb, nl, args[2], prod, fastMath));
        });

  int64_t queryRows = accType.getDimSize(0) * accType.getDimSize(1);
  int64_t slicesPerKey =
      slicesPerStep(queryRows, accType.getDimSize(3) / kBlockLanes);
  auto laneType = VectorType::get({kBlockLanes}, f32);
  auto constant = [&](int64_t value) -> Value {
    return arith::ConstantIndexOp::create(b, loc, value);
  };
  Value zero = constant(0), one = constant(1);
  Value groups = constant(accType.getDimSize(2));
  Value width = constant(accType.getDimSize(3));
  Value step = constant(slicesPerKey * kBlockLanes);
  SmallVector<Value> sliceOffsets = {zero};
  if (slicesPerKey == 2)
    sliceOffsets.push_back(constant(kBlockLanes));
  Value keyCount = tensor::DimOp::create(b, loc, rows, 0);
  auto rowIndex = queryRowIndices(b, loc, accType.getDimSize(0),
                                  accType.getDimSize(1));
  auto groupLoop = scf::ForOp::create(
      b, loc, zero, groups, one, ValueRange{acc},
      [&](OpBuilder &cb, Location cl, Value c, ValueRange groupCarried) {
        auto laneLoop = scf::ForOp::create(
            cb, cl, zero, width, step, groupCarried,
            [&](OpBuilder &jb, Location jl, Value firstLane,
                ValueRange carried) {
              // Accumulators [slice][query row], flattened.
              SmallVector<Value> at, init;
              for (Value offset : sliceOffsets)
                at.push_back(arith::AddIOp::create(jb, jl, firstLane, offset));
              for (Value j : at)
                for (int64_t r = 0; r < queryRows; ++r)
                  init.push_back(readLanes(
                      jb, jl, carried[0],
                      {rowIndex[r].first, rowIndex[r].second, c, j}));
              auto keyLoop = scf::ForOp::create(
                  jb, jl, zero, keyCount, one, init,
                  [&](OpBuilder &kb, Location kl, Value k, ValueRange accs) {
                    SmallVector<Value> slices;
                    for (Value j : at)
                      slices.push_back(readLanes(kb, kl, rows, {k, c, j}));
                    scf::YieldOp::create(
                        kb, kl,
                        multiplyAddSlices(kb, kl, accs, slices, [&](int64_t r) {
                          return vector::BroadcastOp::create(
                              kb, kl, laneType,
                              tensor::ExtractOp::create(
                                  kb, kl, probs,
                                  ValueRange{rowIndex[r].first,
                                             rowIndex[r].second, k, c}));
                        }));
                  });
              Value updated = carried[0];
              for (auto [s, j] : llvm::enumerate(at))
                for (int64_t r = 0; r < queryRows; ++r)
                  updated = vector::TransferWriteOp::create(
                                jb, jl, keyLoop.getResult(s * queryRows + r),
                                updated,
                                ValueRange{rowIndex[r].first,
                                           rowIndex[r].second, c, j},
                                ArrayRef<bool>{true})
                                .getResult();
              scf::YieldOp::create(jb, jl, updated);
            });
        scf::YieldOp::create(cb, cl, laneLoop.getResults());
      });
  return groupLoop.getResult(0);
}

/// Scores q·k of a folded key cache, with the dequantization
/// (code − zp)·scale of ct.dequantize distributed over the dot product: per
/// scale group c of a row, with codes converted to f32 in registers,
///   s[h, i, k] = Σ_c scale[k, c]·(Σ_j q[h, i, c, j]·code[k, c, j]
///                                 − zp[k, c]·Σ_j q[h, i, c, j]),
/// one scale multiply per score and group instead of one per element.
Value AttentionLowering::foldedScores(OpBuilder &b, Value qTile, Value batch,
                                      Value kvHead, Value firstKey,
                                      OpFoldResult keyCount) {
  int64_t groups = keys.rowGroups;
  OpFoldResult width = groupWidth(b, keys, headDim);
  OpFoldResult heads = tensor::getMixedSize(b, loc, qTile, 0);
  OpFoldResult rows = tensor::getMixedSize(b, loc, qTile, 1);
  OpFoldResult groupCount = b.getIndexAttr(groups);
  auto fastMath = getDotProductMath(b.getContext());
  Value q = splitGroups(b, qTile, groups, width);
  Value codes = splitGroups(
      b, readFoldedCodes(b, keys, batch, kvHead, firstKey, keyCount,
                          headDim),
      groups, width);
  Value dots = groupDots(b, q, codes, keyCount,
                         [&](OpBuilder &nb, Location nl, Value code) {
                           return decodeCode(nb, nl, keys, code);
                         });

  Value scale = readFoldedParam(b, keys, keys.scale, batch, kvHead, firstKey,
                                keyCount);
  Value zeroPoint = readFoldedParam(b, keys, keys.zeroPoint, batch, kvHead,
                                    firstKey, keyCount);
  SmallVector<Value> inputs = {dots};
  SmallVector<AffineMap> maps = {map(4, {0, 1, 2, 3})};
  for (Value param : {scale, zeroPoint}) {
    if (param && keys.perRow) {
      inputs.push_back(param);
      maps.push_back(map(4, {2, 3}));
    }
  }
  if (zeroPoint) {
    Value qSum = generic(
        b, q, filledF32(b, {heads, rows, groupCount}, 0.0f),
        {map(4, {0, 1, 2, 3}), map(4, {0, 1, 2})}, {kPar, kPar, kPar, kRed},
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          yieldValue(nb, nl,
                     arith::AddFOp::create(nb, nl, args[1],
                                           toF32(nb, nl, args[0]), fastMath));
        });
    inputs.push_back(qSum);
    maps.push_back(map(4, {0, 1, 3}));
  }
  maps.push_back(map(4, {0, 1, 2}));
  return generic(
      b, inputs, filledF32(b, {heads, rows, keyCount}, 0.0f), maps,
      {kPar, kPar, kPar, kRed},
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        unsigned next = 1;
        auto param = [&](Value value) {
          return keys.perRow
                     ? ct::convertQuantElementToF32(nb, nl, args[next++])
                     : value;
        };
        Value s = param(scale);
        Value dot = args[0];
        if (zeroPoint) {
          Value zp = param(zeroPoint);
          dot = arith::SubFOp::create(
              nb, nl, dot, arith::MulFOp::create(nb, nl, zp, args[next++]));
        }
        yieldValue(nb, nl,
                   arith::AddFOp::create(
                       nb, nl, args.back(),
                       arith::MulFOp::create(nb, nl, dot, s), fastMath));
      });
}

/// acc' = α·acc + p·V for a folded value cache, with (code − zp)·scale
/// distributed over the sum: per scale group c of a row (e in group c),
///   ps[h, i, k, c] = p[h, i, k]·scale[k, c],
///   acc'[h, i, e] = α·acc − Σ_k ps·zp[k, c] + Σ_k ps·code[k, e],
/// one scale multiply per probability and group instead of one per element,
/// codes converted to f32 in registers.
Value AttentionLowering::foldedValues(OpBuilder &b, Value probs, Value alpha,
                                      Value acc, Value batch, Value kvHead,
                                      Value firstKey, OpFoldResult keyCount) {
  int64_t groups = values.rowGroups;
  OpFoldResult width = groupWidth(b, values, valueDim);
  OpFoldResult heads = tensor::getMixedSize(b, loc, probs, 0);
  OpFoldResult rows = tensor::getMixedSize(b, loc, probs, 1);
  OpFoldResult groupCount = b.getIndexAttr(groups);
  auto fastMath = getDotProductMath(b.getContext());
  Value scale = readFoldedParam(b, values, values.scale, batch, kvHead,
                                firstKey, keyCount);
  Value zeroPoint = readFoldedParam(b, values, values.zeroPoint, batch,
                                    kvHead, firstKey, keyCount);
  auto param = [&](OpBuilder &nb, Location nl, Value value, Value arg) {
    return values.perRow ? ct::convertQuantElementToF32(nb, nl, arg) : value;
  };

  SmallVector<Value> inputs = {probs};
  SmallVector<AffineMap> maps = {map(4, {0, 1, 2})};
  if (values.perRow) {
    inputs.push_back(scale);
    maps.push_back(map(4, {2, 3}));
  }
  maps.push_back(map(4, {0, 1, 2, 3}));
  Value scaledProbs = generic(
      b, inputs, emptyF32(b, {heads, rows, keyCount, groupCount}), maps,
      {kPar, kPar, kPar, kPar},
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        yieldValue(nb, nl,
                   arith::MulFOp::create(nb, nl, args[0],
                                         param(nb, nl, scale, args[1])));
      });

  SmallVector<Value> rescaleInputs = {alpha};
  SmallVector<AffineMap> rescaleMaps = {map(4, {0, 1})};
  if (zeroPoint) {
    SmallVector<Value> zpInputs = {scaledProbs};
    SmallVector<AffineMap> zpMaps = {map(4, {0, 1, 3, 2})};
    if (values.perRow) {
      zpInputs.push_back(zeroPoint);
      zpMaps.push_back(map(4, {3, 2}));
    }
    zpMaps.push_back(map(4, {0, 1, 2}));
    Value zpSum = generic(
        b, zpInputs, filledF32(b, {heads, rows, groupCount}, 0.0f), zpMaps,
        {kPar, kPar, kPar, kRed},
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          Value term = arith::MulFOp::create(
              nb, nl, args[0], param(nb, nl, zeroPoint, args[1]));
          yieldValue(nb, nl,
                     arith::AddFOp::create(nb, nl, args.back(), term,
                                           fastMath));
        });
    rescaleInputs.push_back(zpSum);
    rescaleMaps.push_back(map(4, {0, 1, 2}));
  }
  rescaleMaps.push_back(map(4, {0, 1, 2, 3}));
  Value rescaled = generic(
      b, rescaleInputs, splitGroups(b, acc, groups, width), rescaleMaps,
      {kPar, kPar, kPar, kPar},
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value v = arith::MulFOp::create(nb, nl, args.back(), args[0]);
        if (zeroPoint)
          v = arith::SubFOp::create(nb, nl, v, args[1]);
        yieldValue(nb, nl, v);
      });

  Value codes = splitGroups(
      b, readFoldedCodes(b, values, batch, kvHead, firstKey, keyCount,
                          valueDim),
      groups, width);
  Value newAcc = groupAccumulate(b, scaledProbs, codes, rescaled,
                                 [&](OpBuilder &nb, Location nl, Value code) {
                                   return decodeCode(nb, nl, values, code);
                                 });
  return tensor::CollapseShapeOp::create(
      b, loc, newAcc, ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
}

/// Scores of one tile in the log2 domain, masked:
/// (q·k·scale + mask)·log2(e), -inf where the boolean mask is false or the
/// key lies after the query (causal). scores: [g, bq, bk] f32.
Value AttentionLowering::logits(OpBuilder &b, Value scores, Value batch,
                                Value firstHead, Value firstQuery,
                                Value firstKey) {
  // exp(x) = exp2(x·log2(e)): folding log2(e) into the scale leaves one
  // multiply per score, as FlashAttention does.
  Value scale = arith::ConstantOp::create(
      b, loc, b.getF32FloatAttr(static_cast<float>(op.getLog2ScoreScale())));
  Value maskScale = arith::ConstantOp::create(
      b, loc, b.getF32FloatAttr(llvm::numbers::log2ef));
  Value negInf = arith::ConstantOp::create(
      b, loc, b.getF32FloatAttr(-std::numeric_limits<float>::infinity()));

  // A mask dimension of size 1 broadcasts: its index is 0. The mask head of
  // tile head h is then headBase + h·headStride with a stride of 0 or 1.
  Value maskBatch, maskHeadBase, maskHeadStride;
  if (mask) {
    Value zero = index(0), one = index(1);
    auto isBroadcast = [&](int64_t d) {
      return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                   dim(b, mask, d), one);
    };
    maskBatch = arith::SelectOp::create(b, loc, isBroadcast(0), zero, batch);
    maskHeadStride =
        arith::SelectOp::create(b, loc, isBroadcast(1), zero, one);
    maskHeadBase = arith::MulIOp::create(b, loc, firstHead, maskHeadStride);
  }

  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, scores);
  AffineMap id = b.getMultiDimIdentityMap(3);
  return generic(
      b, scores, emptyF32(b, sizes), {id, id}, {kPar, kPar, kPar},
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value x = arith::MulFOp::create(nb, nl, args[0], scale);
        Value head = linalg::IndexOp::create(nb, nl, 0);
        Value row = linalg::IndexOp::create(nb, nl, 1);
        Value col = linalg::IndexOp::create(nb, nl, 2);
        Value queryPos = arith::AddIOp::create(nb, nl, firstQuery, row);
        Value keyPos = arith::AddIOp::create(nb, nl, firstKey, col);
        if (mask) {
          Value maskHead = arith::AddIOp::create(
              nb, nl, maskHeadBase,
              arith::MulIOp::create(nb, nl, head, maskHeadStride));
          Value m = tensor::ExtractOp::create(
              nb, nl, mask, ValueRange{maskBatch, maskHead, queryPos, keyPos});
          if (m.getType().isInteger(1)) {
            x = arith::SelectOp::create(nb, nl, m, x, negInf);
          } else {
            Value additive =
                arith::MulFOp::create(nb, nl, toF32(nb, nl, m), maskScale);
            x = arith::AddFOp::create(nb, nl, x, additive);
          }
        }
        if (op.getCausal()) {
          // Bottom-right aligned: query i sits at key position
          // Skv_total − Sq + i.
          Value visible = arith::AddIOp::create(nb, nl, queryOffset, queryPos);
          Value future = arith::CmpIOp::create(
              nb, nl, arith::CmpIPredicate::sgt, keyPos, visible);
          x = arith::SelectOp::create(nb, nl, future, negInf, x);
        }
        yieldValue(nb, nl, x);
      });
}

/// One step of the online softmax (FlashAttention-2, and the recurrence of
/// torch's scaled_dot_product_attention flash kernels): with the scores s of
/// keys [firstKey, firstKey + keyCount),
///   m' = max(m, rowmax s), p = exp2(s − m'), α = exp2(m − m'),
///   l' = α·l + rowsum p, acc' = α·acc + p·V.
SoftmaxState AttentionLowering::attendKeyBlock(
    OpBuilder &b, SoftmaxState state, Value qTile, Value batch, Value kvHead,
    Value firstHead, Value firstQuery, Value firstKey, OpFoldResult keyCount) {
  MLIRContext *ctx = b.getContext();
  OpFoldResult groups = tensor::getMixedSize(b, loc, qTile, 0);
  OpFoldResult rows = tensor::getMixedSize(b, loc, qTile, 1);
  auto fastMath = getDotProductMath(ctx);

  Value kTile, vTile;
  if (!keys.folded)
    kTile = readTile(b, keys, batch, kvHead, firstKey, keyCount, headDim);
  if (!values.folded)
    vTile = readTile(b, values, batch, kvHead, firstKey, keyCount, valueDim);

  // s[h, i, k] = Σ_d q[h, i, d]·k[k, d]
  Value scores;
  if (keys.folded) {
    scores = foldedScores(b, qTile, batch, kvHead, firstKey, keyCount);
  } else {
    // One scale group of D elements per row.
    scores = tensor::CollapseShapeOp::create(
        b, loc,
        groupDots(b, splitGroups(b, qTile, 1, headDim),
                  splitGroups(b, kTile, 1, headDim), keyCount, toF32),
        ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
  }
  Value x = logits(b, scores, batch, firstHead, firstQuery, firstKey);

  AffineMap id2 = b.getMultiDimIdentityMap(2);
  AffineMap id3 = b.getMultiDimIdentityMap(3);
  AffineMap rowOf3 = map(3, {0, 1});
  Value blockMax = generic(
      b, x,
      filledF32(b, {groups, rows}, -std::numeric_limits<float>::infinity()),
      {id3, rowOf3}, {kPar, kPar, kRed},
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        yieldValue(nb, nl, arith::MaximumFOp::create(nb, nl, args[0], args[1]));
      });
  // m' = max(m, block max), α = exp2(m − m') and α·l in one pass over the
  // rows, updating m and l where they are (each is read only here, so
  // bufferization keeps the loop-carried buffers).
  auto update = linalg::GenericOp::create(
      b, loc, TypeRange{state.max.getType(), state.sum.getType(),
                        state.sum.getType()},
      ValueRange{blockMax},
      ValueRange{state.max, state.sum, emptyF32(b, {groups, rows})},
      SmallVector<AffineMap>(4, id2), {kPar, kPar},
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value newMax = arith::MaximumFOp::create(nb, nl, args[1], args[0]);
        Value d =
            arith::SubFOp::create(nb, nl, args[1], safeMax(nb, nl, newMax));
        Value alpha = exp2NonPositive(nb, nl, d);
        Value scaledSum = arith::MulFOp::create(nb, nl, alpha, args[2]);
        linalg::YieldOp::create(nb, nl, ValueRange{newMax, scaledSum, alpha});
      });
  Value newMax = update.getResult(0), alpha = update.getResult(2);
  Value probs = generic(b, {x, newMax}, emptyF32(b, {groups, rows, keyCount}),
                        {id3, rowOf3, id3}, {kPar, kPar, kPar},
                        [&](OpBuilder &nb, Location nl, ValueRange args) {
                          Value d = arith::SubFOp::create(
                              nb, nl, args[0], safeMax(nb, nl, args[1]));
                          yieldValue(nb, nl, exp2NonPositive(nb, nl, d));
                        });
  Value newSum = generic(b, probs, update.getResult(1), {id3, rowOf3},
                         {kPar, kPar, kRed},
                         [&](OpBuilder &nb, Location nl, ValueRange args) {
                           yieldValue(nb, nl,
                                      arith::AddFOp::create(nb, nl, args[1],
                                                            args[0], fastMath));
                         });
  if (values.folded)
    return {newMax, newSum,
            foldedValues(b, probs, alpha, state.acc, batch, kvHead, firstKey,
                         keyCount)};
  Value scaledAcc =
      generic(b, alpha, state.acc, {rowOf3, id3}, {kPar, kPar, kPar},
              [&](OpBuilder &nb, Location nl, ValueRange args) {
                yieldValue(
                    nb, nl, arith::MulFOp::create(nb, nl, args[1], args[0]));
              });
  // acc[h, i, e] += Σ_k p[h, i, k]·v[k, e], as one scale group of Dv
  // elements per row.
  SmallVector<OpFoldResult> probSizes = {groups, rows, keyCount,
                                         b.getIndexAttr(1)};
  SmallVector<int64_t> probShape;
  for (OpFoldResult size : probSizes)
    probShape.push_back(getConstantIntValue(size).value_or(ShapedType::kDynamic));
  Value groupedProbs = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(probShape, f32), probs,
      ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}}, probSizes);
  Value newAcc = groupAccumulate(b, groupedProbs,
                                 splitGroups(b, vTile, 1, valueDim),
                                 splitGroups(b, scaledAcc, 1, valueDim), toF32);
  return {newMax, newSum,
          tensor::CollapseShapeOp::create(
              b, loc, newAcc, ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}})};
}

/// Runs the online softmax over keys [keyBegin, keyEnd) in blocks of
/// key-block keys. The full blocks run in a loop of their own, with the block
/// size a constant, so that their tiles have static shapes (fixed trip
/// counts for LLVM to vectorize and unroll); the last, partial block, if any,
/// runs after it with a dynamic size.
SoftmaxState AttentionLowering::attendKeyRange(OpBuilder &b,
                                               SoftmaxState state, Value qTile,
                                               Value batch, Value kvHead,
                                               Value firstHead,
                                               Value firstQuery,
                                               Value keyBegin, Value keyEnd) {
  Value step = index(options.keyBlock);
  Value fullEnd = arith::SubIOp::create(
      b, loc, keyEnd,
      arith::RemSIOp::create(
          b, loc, arith::SubIOp::create(b, loc, keyEnd, keyBegin), step));
  auto blockLoop = [&](Value begin, Value end, bool full,
                       SoftmaxState init) -> SoftmaxState {
    auto loop = scf::ForOp::create(
        b, loc, begin, end, step, ValueRange{init.max, init.sum, init.acc},
        [&](OpBuilder &nb, Location nl, Value firstKey, ValueRange carried) {
          OpFoldResult count =
              full ? OpFoldResult(nb.getIndexAttr(options.keyBlock))
                   : OpFoldResult(
                         arith::SubIOp::create(nb, nl, end, firstKey));
          SoftmaxState next = attendKeyBlock(
              nb, {carried[0], carried[1], carried[2]}, qTile, batch, kvHead,
              firstHead, firstQuery, firstKey, count);
          scf::YieldOp::create(nb, nl,
                               ValueRange{next.max, next.sum, next.acc});
        });
    return {loop.getResult(0), loop.getResult(1), loop.getResult(2)};
  };
  // The tail loop runs at most once: [fullEnd, keyEnd) is shorter than a
  // block.
  return blockLoop(fullEnd, keyEnd, /*full=*/false,
                   blockLoop(keyBegin, fullEnd, /*full=*/true, state));
}

SoftmaxState AttentionLowering::initialState(OpBuilder &b, OpFoldResult rows) {
  OpFoldResult groups = groupSize;
  return {filledF32(b, {groups, rows},
                    -std::numeric_limits<float>::infinity()),
          filledF32(b, {groups, rows}, 0.0f),
          filledF32(b, {groups, rows, valueDim}, 0.0f)};
}

/// out = acc / l, cast to the output's element type. A row with every key
/// masked has l = 0 and gives NaN, as torch's softmax does.
Value AttentionLowering::normalize(OpBuilder &b, Value acc, Value sum,
                                   OpFoldResult rows) {
  Type outType = op.getOutput().getType().getElementType();
  Value init = tensor::EmptyOp::create(
      b, loc, ArrayRef<OpFoldResult>{groupSize, rows, valueDim}, outType);
  AffineMap id3 = b.getMultiDimIdentityMap(3);
  return generic(b, {acc, sum}, init, {id3, map(3, {0, 1}), id3},
                 {kPar, kPar, kPar},
                 [&](OpBuilder &nb, Location nl, ValueRange args) {
                   Value v = arith::DivFOp::create(nb, nl, args[0], args[1]);
                   yieldValue(nb, nl,
                                           fromF32(nb, nl, v, outType));
                 });
}

/// Q[batch, firstHead : firstHead + g, firstQuery : firstQuery + rows, :]
/// as [g, rows, D].
Value AttentionLowering::extractQueryTile(OpBuilder &b, Value batch,
                                          Value firstHead, Value firstQuery,
                                          OpFoldResult rows) {
  return extractTile(b, loc, query,
                     {batch, firstHead, firstQuery, b.getIndexAttr(0)},
                     {b.getIndexAttr(1), groupSize, rows, headDim},
                     /*dropped=*/1);
}

/// The end of the keys that queries [firstQuery, firstQuery + rows) can see:
/// all of them, or with `causal` up to the last query's own position, which
/// skips the key blocks above the diagonal.
Value AttentionLowering::causalKeyEnd(OpBuilder &b, Value firstQuery,
                                      Value rows) {
  if (!op.getCausal())
    return keyLen;
  Value end = arith::AddIOp::create(
      b, loc, queryOffset, arith::AddIOp::create(b, loc, firstQuery, rows));
  end = arith::MaxSIOp::create(b, loc, end, index(0));
  return arith::MinSIOp::create(b, loc, end, keyLen);
}

/// Prefill: query blocks of query-block rows, each a full online softmax over
/// its visible keys, written into `out`.
Value AttentionLowering::prefillHead(OpBuilder &b, Value out, Value batch,
                                     Value kvHead) {
  Value firstHead = arith::MulIOp::create(
      b, loc, kvHead, getValueOrCreateConstantIndexOp(b, loc, groupSize));
  Value step = index(options.queryBlock);
  auto loop = scf::ForOp::create(
      b, loc, index(0), queryLen, step, ValueRange{out},
      [&](OpBuilder &nb, Location nl, Value firstQuery, ValueRange carried) {
        Value left = arith::SubIOp::create(nb, nl, queryLen, firstQuery);
        Value rows = arith::MinSIOp::create(nb, nl, left, step);
        Value qTile = extractQueryTile(nb, batch, firstHead, firstQuery, rows);
        SoftmaxState state = attendKeyRange(
            nb, initialState(nb, rows), qTile, batch, kvHead, firstHead,
            firstQuery, index(0), causalKeyEnd(nb, firstQuery, rows));
        Value tile = normalize(nb, state.acc, state.sum, rows);
        OpFoldResult one = nb.getIndexAttr(1);
        SmallVector<OpFoldResult> offsets = {batch, firstHead, firstQuery,
                                             nb.getIndexAttr(0)};
        SmallVector<OpFoldResult> sizes = {one, groupSize, rows, valueDim};
        Value updated = tensor::InsertSliceOp::create(
            nb, nl, tile, carried[0], offsets, sizes,
            SmallVector<OpFoldResult>(4, one));
        scf::YieldOp::create(nb, nl, updated);
      });
  return loop.getResult(0);
}

/// Decode (flash-decoding): all Sq queries of the g heads form one tile; the
/// visible keys are split into decode-chunk chunks, each reduced
/// independently (an scf.forall) to a partial (m, l, acc), then merged:
///   M = max_c m_c, w_c = exp2(m_c − M), out = Σ w_c·acc_c / Σ w_c·l_c.
Value AttentionLowering::decodeHead(OpBuilder &b, Value out, Value batch,
                                    Value kvHead) {
  Value firstHead = arith::MulIOp::create(
      b, loc, kvHead, getValueOrCreateConstantIndexOp(b, loc, groupSize));
  Value zero = index(0);
  OpFoldResult rows = tensor::getMixedSize(b, loc, query, 2);
  Value qTile = extractQueryTile(b, batch, firstHead, zero, rows);
  Value keyEnd = causalKeyEnd(b, zero, queryLen);
  Value chunk = index(options.decodeChunk);
  Value chunks = arith::CeilDivSIOp::create(b, loc, keyEnd, chunk);

  OpFoldResult groups = groupSize;
  auto forall = scf::ForallOp::create(
      b, loc, ArrayRef<OpFoldResult>{chunks},
      ValueRange{emptyF32(b, {chunks, groups, rows}),
                 emptyF32(b, {chunks, groups, rows}),
                 emptyF32(b, {chunks, groups, rows, valueDim})},
      std::nullopt);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(forall.getBody());
    Value c = forall.getInductionVar(0);
    Value begin = arith::MulIOp::create(b, loc, c, chunk);
    Value end = arith::MinSIOp::create(
        b, loc, arith::AddIOp::create(b, loc, begin, chunk), keyEnd);
    SoftmaxState part = attendKeyRange(b, initialState(b, rows), qTile, batch,
                                       kvHead, firstHead, zero, begin, end);
    b.setInsertionPointToStart(forall.getTerminator().getBody());
    OpFoldResult one = b.getIndexAttr(1), z = b.getIndexAttr(0);
    Value partials[] = {part.max, part.sum, part.acc};
    for (auto [partial, dest] :
         llvm::zip(partials, forall.getRegionIterArgs())) {
      int64_t rank = cast<RankedTensorType>(dest.getType()).getRank();
      SmallVector<OpFoldResult> offsets(rank, z), sizes, strides(rank, one);
      offsets[0] = c;
      sizes.push_back(one);
      llvm::append_range(sizes, tensor::getMixedSizes(b, loc, partial));
      tensor::ParallelInsertSliceOp::create(b, loc, partial, dest, offsets,
                                            sizes, strides);
    }
  }
  Value partMax = forall.getResult(0), partSum = forall.getResult(1),
        partAcc = forall.getResult(2);

  AffineMap id3 = b.getMultiDimIdentityMap(3);
  Value max = generic(
      b, partMax,
      filledF32(b, {groups, rows}, -std::numeric_limits<float>::infinity()),
      {map(3, {2, 0, 1}), map(3, {0, 1})}, {kPar, kPar, kRed},
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        yieldValue(
            nb, nl, arith::MaximumFOp::create(nb, nl, args[0], args[1]));
      });
  Value weights = generic(
      b, {partMax, max}, emptyF32(b, {chunks, groups, rows}),
      {id3, map(3, {1, 2}), id3}, {kPar, kPar, kPar},
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value d =
            arith::SubFOp::create(nb, nl, args[0], safeMax(nb, nl, args[1]));
        yieldValue(nb, nl, exp2NonPositive(nb, nl, d));
      });
  Value sum = generic(b, {partSum, weights}, filledF32(b, {groups, rows}, 0.0f),
                      {map(3, {2, 0, 1}), map(3, {2, 0, 1}), map(3, {0, 1})},
                      {kPar, kPar, kRed},
                      [&](OpBuilder &nb, Location nl, ValueRange args) {
                        Value w = arith::MulFOp::create(nb, nl, args[0],
                                                        args[1]);
                        yieldValue(
                            nb, nl, arith::AddFOp::create(nb, nl, args[2], w));
                      });
  Value acc = generic(
      b, {partAcc, weights}, filledF32(b, {groups, rows, valueDim}, 0.0f),
      {map(4, {2, 0, 1, 3}), map(4, {2, 0, 1}), map(4, {0, 1, 3})},
      {kPar, kPar, kRed, kPar},
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value w = arith::MulFOp::create(nb, nl, args[0], args[1]);
        yieldValue(nb, nl,
                                arith::AddFOp::create(nb, nl, args[2], w));
      });
  Value tile = normalize(b, acc, sum, rows);
  OpFoldResult one = b.getIndexAttr(1), z = b.getIndexAttr(0);
  return tensor::InsertSliceOp::create(
      b, loc, tile, out, ArrayRef<OpFoldResult>{batch, firstHead, z, z},
      ArrayRef<OpFoldResult>{one, groupSize, rows, valueDim},
      SmallVector<OpFoldResult>(4, one));
}

void AttentionLowering::run() {
  rewriter.setInsertionPoint(op);
  // Hooks in the library's order: k/v on the new entries before the cache
  // write (QuantizedKVCache.update), q before the scores.
  Value key = inlineAttentionHook(rewriter, op, op.getKHook(), op.getKey());
  Value value =
      inlineAttentionHook(rewriter, op, op.getVHook(), op.getValue());
  query = inlineAttentionHook(rewriter, op, op.getQHook(), op.getQuery());
  mask = op.getMask();

  SmallVector<Value> replacements;
  keys.rows = key;
  values.rows = value;
  keyLen = dim(rewriter, key, 2);
  if (op.hasCache()) {
    keys = writeCache(/*key=*/true, key);
    values = writeCache(/*key=*/false, value);
    keyLen = arith::AddIOp::create(rewriter, loc, op.getPosition(), keyLen);
  }

  int64_t staticGroupSize = op.getGroupSize();
  groupSize = ShapedType::isDynamic(staticGroupSize)
                  ? OpFoldResult(arith::DivUIOp::create(
                        rewriter, loc, dim(rewriter, query, 1),
                        dim(rewriter, key, 1)))
                  : OpFoldResult(rewriter.getIndexAttr(staticGroupSize));
  queryLen = dim(rewriter, query, 2);
  queryOffset = arith::SubIOp::create(rewriter, loc, keyLen, queryLen);
  headDim = tensor::getMixedSize(rewriter, loc, query, 3);
  valueDim = tensor::getMixedSize(rewriter, loc, value, 3);

  RankedTensorType outType = op.getOutput().getType();
  SmallVector<OpFoldResult> outSizes =
      tensor::getMixedSizes(rewriter, loc, query);
  outSizes[3] = valueDim;
  Value out = tensor::EmptyOp::create(rewriter, loc, outSizes,
                                      outType.getElementType());
  bool decode = !ShapedType::isDynamic(outType.getDimSize(2)) &&
                outType.getDimSize(2) <= options.decodeMaxQueries;

  Value one = index(1);
  auto batchLoop = scf::ForOp::create(
      rewriter, loc, index(0), dim(rewriter, query, 0), one, ValueRange{out},
      [&](OpBuilder &b, Location l, Value batch, ValueRange batchCarried) {
        auto headLoop = scf::ForOp::create(
            b, l, index(0), dim(b, key, 1), one, batchCarried,
            [&](OpBuilder &hb, Location hl, Value kvHead,
                ValueRange headCarried) {
              Value result =
                  decode ? decodeHead(hb, headCarried[0], batch, kvHead)
                         : prefillHead(hb, headCarried[0], batch, kvHead);
              scf::YieldOp::create(hb, hl, result);
            });
        scf::YieldOp::create(b, l, headLoop.getResults());
      });
  replacements.push_back(batchLoop.getResult(0));
  if (op.hasCache()) {
    replacements.push_back(keys.rows);
    replacements.push_back(values.rows);
    llvm::append_range(replacements, updatedScales);
  }
  rewriter.replaceOp(op, replacements);
}

struct LowerHookedAttention : public OpRewritePattern<ct::HookedAttentionOp> {
  LowerHookedAttention(MLIRContext *ctx,
                       const ct::LowerAttentionOptions &options)
      : OpRewritePattern(ctx), options(options) {}

  LogicalResult matchAndRewrite(ct::HookedAttentionOp op,
                                PatternRewriter &rewriter) const override {
    AttentionLowering(op, rewriter, options).run();
    return success();
  }

  ct::LowerAttentionOptions options;
};

struct LowerAttentionPass
    : public ct::impl::LowerAttentionBase<LowerAttentionPass> {
  using Base::Base;

  void runOnOperation() override {
    ct::LowerAttentionOptions opts{queryBlock, keyBlock, decodeMaxQueries,
                                   decodeChunk};
    for (auto [name, value] :
         {std::pair<StringRef, int64_t>{"query-block", queryBlock},
          {"key-block", keyBlock},
          {"decode-chunk", decodeChunk}})
      if (value <= 0) {
        emitError(getOperation().getLoc())
            << "ct-lower-attention: " << name << " must be positive, got "
            << value;
        return signalPassFailure();
      }
    RewritePatternSet patterns(&getContext());
    ct::populateLowerAttentionPatterns(patterns, opts);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void ct::populateLowerAttentionPatterns(RewritePatternSet &patterns,
                                        const LowerAttentionOptions &options) {
  patterns.add<LowerHookedAttention>(patterns.getContext(), options);
}

Value ct::inlineAttentionHook(RewriterBase &rewriter, HookedAttentionOp op,
                              Region &hook, Value input) {
  Block &block = hook.front();
  auto yield = cast<ct::YieldOp>(block.getTerminator());
  Value result = yield.getValue();
  if (result == block.getArgument(0))
    result = input;
  rewriter.inlineBlockBefore(&block, op, input);
  rewriter.eraseOp(yield);
  return result;
}
