// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// ct-lower-hadamard: ct.hadamard to vectorized fast Walsh–Hadamard
// butterflies, ct.rotate to linalg.matmul.
//
// compressed-tensors applies every transform as a dense `x @ W / sqrt(n)`,
// O(n²) per block of n. ct.hadamard's matrix is H_m ⊗ S_{2^k} (core index
// most significant, S Sylvester), so each block is transformed in
// O(n·(log n + m)): the butterfly over the 2^k index and a small dense ±1
// step over the m core index, the schedule of
// ct::hadamard::applyHadamardButterfly. The code is emitted on tensors (the
// pipeline bufferizes it) as vectors of one register's width ("chunks"):
//  - stages inside a chunk are one vector.shuffle (partner lanes i ^ h) and
//    one vector.fma with a ±1 vector, which is exactly `p + v` or `p - v`;
//  - stages across chunks are adds and subtracts of whole vectors;
//  - when 2^k is narrower than a register but n has a larger power-of-two
//    factor (80 = 20·4, 96 = 12·8), chunks are that wide and hold several
//    whole 2^k segments: the core step broadcasts each segment across a
//    vector with one shuffle and accumulates it into every output chunk with
//    per-lane ±1 fmas (emitWideCore), instead of working on 2^k-lane chunks;
//  - a block of at most `max-register-chunks` chunks is transformed in one
//    go, in registers; larger blocks in a few sweeps of register-sized groups
//    (16 chunks, 4 stages each; the block stays in L1/L2), the last sweep
//    being the core step when m > 1.
// 1/sqrt(n) is folded into the sign multiply of the first sweep (or the last
// one for a signed inverse), so it costs one multiply per element; the input
// is converted to the compute type once on load and back once on store.

#include "ct/Conversion/LowerHadamard.h"
#include "ct/Conversion/Passes.h"
#include "ct/Dialect/CT/IR/CTOps.h"
#include "ct/Support/HadamardConstruction.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>

namespace ct {
#define GEN_PASS_DEF_LOWERHADAMARD
#include "ct/Conversion/Passes.h.inc"
} // namespace ct

using namespace mlir;
using namespace ct;

namespace {

//===----------------------------------------------------------------------===//
// Shared helpers
//===----------------------------------------------------------------------===//

/// Converts `value` (scalar, vector or tensor of floats) to element type `to`.
static Value castFloat(OpBuilder &b, Location loc, Value value, Type to) {
  Type from = getElementTypeOrSelf(value.getType());
  if (from == to)
    return value;
  Type type = to;
  if (auto shaped = dyn_cast<ShapedType>(value.getType()))
    type = shaped.clone(to);
  if (from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth())
    return arith::ExtFOp::create(b, loc, type, value);
  return arith::TruncFOp::create(b, loc, type, value);
}

/// A dense float constant of `type`, each value rounded to nearest even.
static DenseElementsAttr getDenseFloats(ShapedType type,
                                        ArrayRef<double> values) {
  const llvm::fltSemantics &semantics =
      cast<FloatType>(type.getElementType()).getFloatSemantics();
  SmallVector<APFloat> rounded;
  for (double v : values) {
    APFloat value(v);
    bool lost;
    value.convert(semantics, APFloat::rmNearestTiesToEven, &lost);
    rounded.push_back(value);
  }
  return DenseElementsAttr::get(type, rounded);
}

/// Collapses a tensor to rank 1 (a no-op on rank-1 tensors).
static Value collapseToVector(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  if (type.getRank() == 1)
    return tensor;
  ReassociationIndices all =
      llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()));
  return tensor::CollapseShapeOp::create(b, loc, tensor,
                                         ArrayRef<ReassociationIndices>{all});
}

/// Expands `flat` (rank 1 or rank 2) back to the shape of `like`.
static Value expandLike(OpBuilder &b, Location loc, Value flat, Value like) {
  auto type = cast<RankedTensorType>(like.getType());
  auto flatType = cast<RankedTensorType>(flat.getType());
  if (flatType == type)
    return flat;
  ReassociationIndices all =
      llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()));
  Value vector = flat;
  if (flatType.getRank() != 1)
    vector = collapseToVector(b, loc, flat);
  if (type.getRank() == 1)
    return vector;
  return tensor::ExpandShapeOp::create(
      b, loc, type.clone(flatType.getElementType()), vector,
      ArrayRef<ReassociationIndices>{all}, tensor::getMixedSizes(b, loc, like));
}

//===----------------------------------------------------------------------===//
// ct.hadamard
//===----------------------------------------------------------------------===//

/// One pass over a block: groups of `count` chunks, loaded into registers
/// together. Group g holds chunks base(g) + t·2^lowBit, t < count, with
/// base(g) = (g >> lowBit)·(count << lowBit) + (g mod 2^lowBit).
struct Sweep {
  int64_t numGroups = 1;
  unsigned lowBit = 0;
  int64_t count = 1;
  /// Whether the butterfly stages inside each chunk run in this sweep.
  bool inChunk = false;
  /// Butterfly stages over bits [0, crossBits) of the member index t.
  unsigned crossBits = 0;
  /// Whether the core step runs, over members t = a·(count / m) + j.
  bool core = false;
};

/// How the blocks of one ct.hadamard are transformed.
struct ButterflyPlan {
  hadamard::KroneckerHadamard matrix;
  int64_t size = 0;
  int64_t lanes = 1;
  unsigned log2Lanes = 0;
  /// Chunks per 2^k segment (P) and in the block (m·P).
  unsigned log2ChunksPerSegment = 0;
  int64_t numChunks = 0;
  /// Chunks wider than the 2^k segment (2^k < lanes, lanes | n): each chunk
  /// holds lanes / 2^k whole segments, the butterfly is in-chunk shuffles
  /// only, and the core step combines segments (see emitWideCore).
  bool wideCore = false;
  SmallVector<Sweep> sweeps;
};

/// Register groups of the multi-sweep schedule hold 2^4 chunks.
constexpr unsigned kLog2GroupChunks = 4;

static ButterflyPlan planButterfly(hadamard::KroneckerHadamard matrix,
                                   int64_t maxLanes, int64_t maxRegisterChunks) {
  ButterflyPlan plan;
  plan.size = matrix.order();
  unsigned k = matrix.log2PowerOfTwo;
  plan.log2Lanes = std::min<unsigned>(k, llvm::Log2_64(maxLanes));
  plan.lanes = int64_t(1) << plan.log2Lanes;
  plan.log2ChunksPerSegment = k - plan.log2Lanes;
  int64_t m = matrix.core.order;
  plan.numChunks = m << plan.log2ChunksPerSegment;
  plan.matrix = std::move(matrix);

  // 2^k narrower than a register (80 = 20·4, 96 = 12·8): when n has a larger
  // power-of-two factor, use chunks of that width (up to a register), each
  // holding several whole segments, rather than 2^k-lane chunks.
  unsigned log2Wide = std::min<unsigned>(
      llvm::countr_zero(static_cast<uint64_t>(plan.size)),
      llvm::Log2_64(maxLanes));
  if (m > 1 && log2Wide > k &&
      (plan.size >> log2Wide) <= maxRegisterChunks) {
    plan.log2Lanes = log2Wide;
    plan.lanes = int64_t(1) << log2Wide;
    plan.log2ChunksPerSegment = 0;
    plan.numChunks = plan.size >> log2Wide;
    plan.wideCore = true;
    Sweep all;
    all.count = plan.numChunks;
    all.inChunk = true;
    all.core = true;
    plan.sweeps.push_back(all);
    return plan;
  }

  if (plan.numChunks <= maxRegisterChunks) {
    Sweep all;
    all.count = plan.numChunks;
    all.inChunk = true;
    all.crossBits = plan.log2ChunksPerSegment;
    all.core = m > 1;
    plan.sweeps.push_back(all);
    return plan;
  }
  // Butterfly sweeps over 4 chunk-index bits at a time, then the core.
  unsigned done = 0;
  while (done < plan.log2ChunksPerSegment ||
         (done == 0 && plan.log2Lanes > 0)) {
    Sweep sweep;
    unsigned bits =
        std::min(kLog2GroupChunks, plan.log2ChunksPerSegment - done);
    sweep.lowBit = done;
    sweep.count = int64_t(1) << bits;
    sweep.numGroups = plan.numChunks >> bits;
    sweep.inChunk = done == 0;
    sweep.crossBits = bits;
    plan.sweeps.push_back(sweep);
    done += bits;
  }
  if (m > 1) {
    Sweep core;
    core.lowBit = plan.log2ChunksPerSegment;
    core.count = m;
    core.numGroups = int64_t(1) << plan.log2ChunksPerSegment;
    core.core = true;
    plan.sweeps.push_back(core);
  }
  return plan;
}

/// Where a block lives in a tensor: element `offset` of the block is at
/// indices prefix ++ [base + offset].
struct BlockAccess {
  SmallVector<Value> prefix;
  Value base;
};

/// Emits the code of one ct.hadamard.
class HadamardEmitter {
public:
  HadamardEmitter(OpBuilder &b, Location loc, HadamardOp op,
                  const ButterflyPlan &plan)
      : b(b), loc(loc), op(op), plan(plan),
        computeType(op.getComputeType()),
        chunkType(VectorType::get({plan.lanes}, computeType)) {}

  Value emit();

private:
  Value index(int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value);
  }
  Value scaleVector(ArrayRef<double> values) {
    return arith::ConstantOp::create(b, loc,
                                     getDenseFloats(chunkType, values));
  }
  Value emitSweep(const Sweep &sweep, bool first, bool last, Value source,
                  const BlockAccess &sourceAt, Value dest,
                  const BlockAccess &destAt);
  SmallVector<Value> indices(const BlockAccess &access, Value offset) {
    SmallVector<Value> result(access.prefix);
    result.push_back(arith::AddIOp::create(b, loc, access.base, offset));
    return result;
  }
  void emitGroup(const Sweep &sweep, SmallVectorImpl<Value> &chunks);
  void emitWideCore(SmallVectorImpl<Value> &chunks);
  Value scaleChunk(Value chunk, Value scale, Value chunkOffset);

  OpBuilder &b;
  Location loc;
  HadamardOp op;
  const ButterflyPlan &plan;
  FloatType computeType;
  VectorType chunkType;
  /// The first (pre) and last (post) sweeps multiply by these: a splat
  /// vector, or a tensor of n per-element factors (signs · 1/sqrt(n)).
  Value preScale, postScale;
};

/// Multiplies a chunk by a scale: a splat vector, or the chunk's slice of a
/// per-element tensor.
Value HadamardEmitter::scaleChunk(Value chunk, Value scale,
                                  Value chunkOffset) {
  if (!scale)
    return chunk;
  Value factors = scale;
  if (isa<RankedTensorType>(scale.getType()))
    factors = vector::TransferReadOp::create(
        b, loc, chunkType, scale, chunkOffset, /*padding=*/std::nullopt,
        ArrayRef<bool>{true});
  return arith::MulFOp::create(b, loc, chunk, factors);
}

/// The butterfly and core stages of one group, on SSA vectors.
void HadamardEmitter::emitGroup(const Sweep &sweep,
                                SmallVectorImpl<Value> &chunks) {
  // Stages inside a chunk, distance h: lane i pairs with lane i ^ h and
  // becomes v[i ^ h] + v[i] (bit h of i clear) or v[i ^ h] - v[i] (set).
  if (sweep.inChunk) {
    int64_t segment = int64_t(1) << plan.matrix.log2PowerOfTwo;
    for (int64_t h = 1; h < plan.lanes && h < segment; h <<= 1) {
      SmallVector<int64_t> partner;
      SmallVector<double> sign;
      for (int64_t i = 0; i < plan.lanes; ++i) {
        partner.push_back(i ^ h);
        sign.push_back(i & h ? -1.0 : 1.0);
      }
      Value signs = scaleVector(sign);
      for (Value &chunk : chunks) {
        Value swapped =
            vector::ShuffleOp::create(b, loc, chunk, chunk, partner);
        chunk = vector::FMAOp::create(b, loc, chunk, signs, swapped);
      }
    }
  }
  // Stages across chunks: (u, v) -> (u + v, u - v).
  for (unsigned bit = 0; bit < sweep.crossBits; ++bit) {
    int64_t h = int64_t(1) << bit;
    for (int64_t t = 0; t < sweep.count; ++t) {
      if (t & h)
        continue;
      Value u = chunks[t], v = chunks[t + h];
      chunks[t] = arith::AddFOp::create(b, loc, u, v);
      chunks[t + h] = arith::SubFOp::create(b, loc, u, v);
    }
  }
  // Core step over members t = a·inner + j: out[c] = Σ_a C[a][c]·z[a]
  // (forward, x·(C ⊗ S)) or Σ_a C[c][a]·z[a] (inverse, x·(C ⊗ S)ᵀ).
  if (!sweep.core)
    return;
  if (plan.wideCore)
    return emitWideCore(chunks);
  const hadamard::SignMatrix &core = plan.matrix.core;
  int64_t m = core.order, inner = sweep.count / m;
  bool inverse = op.getInverse();
  SmallVector<Value> mixed(chunks.size());
  for (int64_t j = 0; j < inner; ++j)
    for (int64_t c = 0; c < m; ++c)
      mixed[c * inner + j] =
          buildCoreSum(b, loc, core, c, inverse,
                       [&](int64_t a) { return chunks[a * inner + j]; });
  chunks.assign(mixed.begin(), mixed.end());
}

/// The core step on wide chunks. Segment a (elements a·B .. a·B + B - 1,
/// B = 2^k) is lanes (a mod P)·B + [0, B) of chunk a / P, P = lanes / B.
/// Each segment is broadcast to all P positions of a vector by one shuffle;
/// output chunk q (segments c = q·P + p) is then Σ_a signs(a, q) · rep[a],
/// a multiply by ±1 and fmas with per-lane ±1 vectors, in the order of the
/// narrow core step (so the results are bit-identical to it).
void HadamardEmitter::emitWideCore(SmallVectorImpl<Value> &chunks) {
  const hadamard::SignMatrix &core = plan.matrix.core;
  int64_t m = core.order, segment = int64_t(1) << plan.matrix.log2PowerOfTwo;
  int64_t perChunk = plan.lanes / segment;
  bool inverse = op.getInverse();
  // Segment by segment (one broadcast live at a time), into all outputs.
  int64_t numOut = static_cast<int64_t>(chunks.size());
  SmallVector<Value> mixed(numOut);
  for (int64_t a = 0; a < m; ++a) {
    SmallVector<int64_t> mask;
    for (int64_t i = 0; i < plan.lanes; ++i)
      mask.push_back((a % perChunk) * segment + i % segment);
    Value chunk = chunks[a / perChunk];
    Value z = vector::ShuffleOp::create(b, loc, chunk, chunk, mask);
    for (int64_t q = 0; q < numOut; ++q) {
      SmallVector<double> sign;
      bool allPlus = true, allMinus = true;
      for (int64_t i = 0; i < plan.lanes; ++i) {
        int64_t c = q * perChunk + i / segment;
        bool negative = (inverse ? core.at(c, a) : core.at(a, c)) < 0;
        sign.push_back(negative ? -1.0 : 1.0);
        allPlus &= !negative;
        allMinus &= negative;
      }
      Value &sum = mixed[q];
      if (!sum) {
        if (allPlus)
          sum = z;
        else if (allMinus)
          sum = arith::NegFOp::create(b, loc, z);
        else
          sum = arith::MulFOp::create(b, loc, z, scaleVector(sign));
      } else if (allPlus) {
        sum = arith::AddFOp::create(b, loc, sum, z);
      } else if (allMinus) {
        sum = arith::SubFOp::create(b, loc, sum, z);
      } else {
        sum = vector::FMAOp::create(b, loc, z, scaleVector(sign), sum);
      }
    }
  }
  chunks.assign(mixed.begin(), mixed.end());
}

/// Emits one sweep over a block: reads it from `source` at `sourceAt`,
/// writes it into `dest` at `destAt`, returns the updated `dest`. The first
/// sweep applies the pre-scale, the last the post-scale.
Value HadamardEmitter::emitSweep(const Sweep &sweep, bool first, bool last,
                                 Value source, const BlockAccess &sourceAt,
                                 Value dest, const BlockAccess &destAt) {
  auto body = [&](Value group, Value current) -> Value {
    // Chunk index of member t: base(g) + t·2^lowBit.
    Value low = index((int64_t(1) << sweep.lowBit));
    Value base = arith::AddIOp::create(
        b, loc,
        arith::MulIOp::create(
            b, loc, arith::DivUIOp::create(b, loc, group, low),
            index(sweep.count << sweep.lowBit)),
        arith::RemUIOp::create(b, loc, group, low));
    // A sweep within one tensor reads the groups' current values.
    Value sourceTensor = source == dest ? current : source;
    SmallVector<Value> chunks, offsets;
    for (int64_t t = 0; t < sweep.count; ++t) {
      Value chunkIndex = arith::AddIOp::create(
          b, loc, base, index(t << sweep.lowBit));
      Value offset = arith::MulIOp::create(b, loc, chunkIndex,
                                           index(plan.lanes));
      offsets.push_back(offset);
      auto sourceType = cast<RankedTensorType>(sourceTensor.getType());
      Value chunk = vector::TransferReadOp::create(
          b, loc, chunkType.clone(sourceType.getElementType()), sourceTensor,
          indices(sourceAt, offset), /*padding=*/std::nullopt,
          ArrayRef<bool>{true});
      chunk = castFloat(b, loc, chunk, computeType);
      if (first)
        chunk = scaleChunk(chunk, preScale, offset);
      chunks.push_back(chunk);
    }
    emitGroup(sweep, chunks);
    auto destType = cast<RankedTensorType>(current.getType());
    for (auto [chunk, offset] : llvm::zip_equal(chunks, offsets)) {
      Value result = chunk;
      if (last)
        result = scaleChunk(result, postScale, offset);
      result = castFloat(b, loc, result, destType.getElementType());
      current = vector::TransferWriteOp::create(b, loc, result, current,
                                                indices(destAt, offset),
                                                ArrayRef<bool>{true})
                    .getResult();
    }
    return current;
  };
  if (sweep.numGroups == 1)
    return body(index(0), dest);
  auto loop = scf::ForOp::create(
      b, loc, index(0), index(sweep.numGroups), index(1), ValueRange{dest},
      [&](OpBuilder &nested, Location, Value group, ValueRange iterArgs) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nested.getInsertionBlock(),
                            nested.getInsertionPoint());
        scf::YieldOp::create(b, loc, body(group, iterArgs[0]));
      });
  return loop.getResult(0);
}

Value HadamardEmitter::emit() {
  Value input = op.getInput();
  auto inputType = cast<RankedTensorType>(input.getType());
  Type elementType = inputType.getElementType();
  int64_t n = plan.size;

  // Normalization and signs: forward diag(s) acts on the input, inverse on
  // the output; 1/sqrt(n) rides along with whichever multiply comes first.
  double norm = 1.0 / std::sqrt(static_cast<double>(n));
  std::optional<ArrayRef<int8_t>> signs = op.getSigns();
  Value signScale;
  if (signs) {
    SmallVector<double> factors;
    for (int8_t s : *signs)
      factors.push_back(s * norm);
    signScale = arith::ConstantOp::create(
        b, loc,
        getDenseFloats(RankedTensorType::get({n}, computeType), factors));
  }
  Value splatNorm = scaleVector(SmallVector<double>(plan.lanes, norm));
  if (signs && op.getInverse()) {
    postScale = signScale;
  } else {
    preScale = signs ? signScale : splatNorm;
  }

  Value flat = collapseToVector(b, loc, input);
  Value total = tensor::DimOp::create(b, loc, flat, 0);
  Value rows = arith::DivUIOp::create(b, loc, total, index(n));
  // The output keeps the input's shape, so that it can be the caller's
  // buffer after bufferization (a reshaped result would be copied out).
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, input);
  Value init = tensor::EmptyOp::create(b, loc, sizes, elementType);
  int64_t lastDim = inputType.getShape().back();
  ArrayRef<OpFoldResult> leadingSizes = ArrayRef(sizes).drop_back();

  // Intermediate sweeps work in the output itself when it has the compute
  // type, else in an n-element scratch block of the compute type.
  bool inPlace = elementType == computeType || plan.sweeps.size() == 1;
  SmallVector<Value> inits{init};
  if (!inPlace)
    inits.push_back(tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{n},
                                            computeType));
  auto rowLoop = scf::ForOp::create(
      b, loc, index(0), rows, index(1), inits,
      [&](OpBuilder &nested, Location, Value rowIndex, ValueRange iterArgs) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nested.getInsertionBlock(),
                            nested.getInsertionPoint());
        Value row = arith::MulIOp::create(b, loc, rowIndex, index(n));
        Value output = iterArgs[0];
        Value scratch = inPlace ? Value() : iterArgs[1];
        size_t numSweeps = plan.sweeps.size();
        // Block `rowIndex` of the output: the leading indices of element
        // row / lastDim, at column row mod lastDim.
        BlockAccess outputAt{{}, row};
        if (!leadingSizes.empty()) {
          outputAt.base = arith::RemUIOp::create(b, loc, row, index(lastDim));
          Value lead = arith::DivUIOp::create(b, loc, row, index(lastDim));
          if (leadingSizes.size() == 1)
            outputAt.prefix.push_back(lead);
          else
            llvm::append_range(outputAt.prefix,
                               affine::AffineDelinearizeIndexOp::create(
                                   b, loc, lead, leadingSizes)
                                   .getResults());
        }
        BlockAccess inputAt{{}, row}, scratchAt{{}, index(0)};
        for (auto [i, sweep] : llvm::enumerate(plan.sweeps)) {
          bool first = i == 0, last = i + 1 == numSweeps;
          Value source = first ? flat : (inPlace ? output : scratch);
          const BlockAccess &sourceAt =
              first ? inputAt : (inPlace ? outputAt : scratchAt);
          if (last || inPlace)
            output = emitSweep(sweep, first, last, source, sourceAt, output,
                               outputAt);
          else
            scratch = emitSweep(sweep, first, last, source, sourceAt, scratch,
                                scratchAt);
        }
        SmallVector<Value> yields{output};
        if (!inPlace)
          yields.push_back(scratch);
        scf::YieldOp::create(b, loc, yields);
      });
  return rowLoop.getResult(0);
}

struct LowerHadamardOp : public OpRewritePattern<HadamardOp> {
  LowerHadamardOp(MLIRContext *ctx, int64_t vectorBits,
                  int64_t maxRegisterChunks)
      : OpRewritePattern(ctx), vectorBits(vectorBits),
        maxRegisterChunks(maxRegisterChunks) {}

  LogicalResult matchAndRewrite(HadamardOp op,
                                PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getInput().getType());
    if (type.isDynamicDim(type.getRank() - 1))
      return op.emitOpError("lowering needs a static last dimension, got ")
             << type;
    std::string why;
    std::optional<hadamard::KroneckerHadamard> matrix =
        hadamard::buildKroneckerHadamard(op.getSize(), &why);
    if (!matrix)
      return op.emitOpError() << why;
    int64_t maxLanes = std::max<int64_t>(
        1, vectorBits / op.getComputeType().getIntOrFloatBitWidth());
    ButterflyPlan plan =
        planButterfly(std::move(*matrix), maxLanes, maxRegisterChunks);
    HadamardEmitter emitter(rewriter, op.getLoc(), op, plan);
    rewriter.replaceOp(op, emitter.emit());
    return success();
  }

  int64_t vectorBits, maxRegisterChunks;
};

//===----------------------------------------------------------------------===//
// ct.rotate
//===----------------------------------------------------------------------===//

/// The inverse of a constant square matrix, computed in double: the
/// transpose when the matrix is orthogonal to within `tolerance` (what
/// compressed-tensors applies, weight.T), else by Gauss–Jordan elimination
/// with partial pivoting (mirrors compressed_tensors high_precision_invert,
/// which inverts in float64). Fails on a singular matrix.
static FailureOr<SmallVector<double>>
invertMatrix(ArrayRef<double> matrix, int64_t n, double tolerance) {
  bool orthogonal = true;
  for (int64_t i = 0; i < n && orthogonal; ++i)
    for (int64_t j = 0; j < n && orthogonal; ++j) {
      double dot = 0;
      for (int64_t k = 0; k < n; ++k)
        dot += matrix[i * n + k] * matrix[j * n + k];
      orthogonal = std::abs(dot - (i == j ? 1.0 : 0.0)) <= tolerance;
    }
  SmallVector<double> result(n * n);
  if (orthogonal) {
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j)
        result[j * n + i] = matrix[i * n + j];
    return result;
  }
  SmallVector<double> work(matrix);
  for (int64_t i = 0; i < n; ++i)
    result[i * n + i] = 1.0;
  double largest = 0;
  for (double v : matrix)
    largest = std::max(largest, std::abs(v));
  for (int64_t col = 0; col < n; ++col) {
    int64_t pivot = col;
    for (int64_t r = col + 1; r < n; ++r)
      if (std::abs(work[r * n + col]) > std::abs(work[pivot * n + col]))
        pivot = r;
    if (std::abs(work[pivot * n + col]) <= largest * n * 1e-15)
      return failure();
    for (int64_t k = 0; k < n; ++k) {
      std::swap(work[col * n + k], work[pivot * n + k]);
      std::swap(result[col * n + k], result[pivot * n + k]);
    }
    double inv = 1.0 / work[col * n + col];
    for (int64_t k = 0; k < n; ++k) {
      work[col * n + k] *= inv;
      result[col * n + k] *= inv;
    }
    for (int64_t r = 0; r < n; ++r) {
      double factor = work[r * n + col];
      if (r == col || factor == 0)
        continue;
      for (int64_t k = 0; k < n; ++k) {
        work[r * n + k] -= factor * work[col * n + k];
        result[r * n + k] -= factor * result[col * n + k];
      }
    }
  }
  return result;
}

struct LowerRotateOp : public OpRewritePattern<RotateOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RotateOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = op.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    if (inputType.isDynamicDim(inputType.getRank() - 1))
      return op.emitOpError("lowering needs a static last dimension, got ")
             << inputType;
    Value matrix = op.getMatrix();
    auto matrixType = cast<RankedTensorType>(matrix.getType());
    auto matrixElement = cast<FloatType>(matrixType.getElementType());
    int64_t n = matrixType.getDimSize(0);

    if (op.getInverse()) {
      DenseFPElementsAttr values;
      if (!matchPattern(matrix, m_Constant(&values)))
        return op.emitOpError(
            "inverse needs a constant matrix, inverted at compile time: a "
            "matrix known only at run time may not be orthogonal");
      SmallVector<double> entries;
      for (const APFloat &v : values.getValues<APFloat>())
        entries.push_back(v.convertToDouble());
      double epsilon = std::ldexp(
          1.0, 1 - static_cast<int>(APFloat::semanticsPrecision(
                       matrixElement.getFloatSemantics())));
      FailureOr<SmallVector<double>> inverse =
          invertMatrix(entries, n, 4.0 * n * epsilon);
      if (failed(inverse))
        return op.emitOpError("inverse of a singular ")
               << matrixType << " matrix";
      matrix = arith::ConstantOp::create(
          rewriter, loc, getDenseFloats(matrixType, *inverse));
    }

    // x as [rows · blocks, n] in the matrix's type, times the matrix.
    Value flat = collapseToVector(rewriter, loc, input);
    auto flatType = cast<RankedTensorType>(flat.getType());
    int64_t rows = flatType.isDynamicDim(0) ? ShapedType::kDynamic
                                            : flatType.getDimSize(0) / n;
    SmallVector<OpFoldResult> shape;
    if (ShapedType::isDynamic(rows)) {
      Value total = tensor::DimOp::create(rewriter, loc, flat, 0);
      shape.push_back(
          arith::DivUIOp::create(
              rewriter, loc, total,
              arith::ConstantIndexOp::create(rewriter, loc, n))
              .getResult());
    } else {
      shape.push_back(rewriter.getIndexAttr(rows));
    }
    shape.push_back(rewriter.getIndexAttr(n));
    Value blocks = tensor::ExpandShapeOp::create(
        rewriter, loc,
        RankedTensorType::get({rows, n}, inputType.getElementType()), flat,
        ArrayRef<ReassociationIndices>{{0, 1}}, shape);
    blocks = castFloat(rewriter, loc, blocks, matrixElement);
    Value empty =
        tensor::EmptyOp::create(rewriter, loc, shape, matrixElement);
    Value zero = arith::ConstantOp::create(rewriter, loc,
                                           rewriter.getZeroAttr(matrixElement));
    Value acc =
        linalg::FillOp::create(rewriter, loc, zero, empty).getResult(0);
    Value product = linalg::MatmulOp::create(rewriter, loc, acc.getType(),
                                             ValueRange{blocks, matrix}, acc)
                        .getResult(0);
    product = castFloat(rewriter, loc, product, inputType.getElementType());
    rewriter.replaceOp(op, expandLike(rewriter, loc, product, input));
    return success();
  }
};

struct LowerHadamardPass
    : public ct::impl::LowerHadamardBase<LowerHadamardPass> {
  using Base::Base;

  void runOnOperation() override {
    if (vectorBits < 32 || !llvm::isPowerOf2_64(vectorBits)) {
      getOperation().emitError("ct-lower-hadamard: vector-bits must be a "
                               "power of two >= 32, got ")
          << vectorBits;
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    populateLowerHadamardPatterns(patterns, vectorBits, maxRegisterChunks);
    // A rewrite that emitted an error leaves its op in place.
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    WalkResult remaining = getOperation().walk([](Operation *op) {
      return isa<HadamardOp, RotateOp>(op) ? WalkResult::interrupt()
                                           : WalkResult::advance();
    });
    if (remaining.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace

void ct::populateLowerHadamardPatterns(RewritePatternSet &patterns,
                                       int64_t vectorBits,
                                       int64_t maxRegisterChunks) {
  patterns.add<LowerHadamardOp>(patterns.getContext(), vectorBits,
                                maxRegisterChunks);
  populateLowerRotatePatterns(patterns);
}

Value ct::buildCoreSum(OpBuilder &b, Location loc,
                       const hadamard::SignMatrix &core, int64_t c,
                       bool inverse, function_ref<Value(int64_t)> segment) {
  Value sum;
  for (int64_t a = 0; a < core.order; ++a) {
    Value z = segment(a);
    bool negative = (inverse ? core.at(c, a) : core.at(a, c)) < 0;
    if (!sum)
      sum = negative ? arith::NegFOp::create(b, loc, z).getResult() : z;
    else if (negative)
      sum = arith::SubFOp::create(b, loc, sum, z);
    else
      sum = arith::AddFOp::create(b, loc, sum, z);
  }
  return sum;
}

void ct::populateLowerRotatePatterns(RewritePatternSet &patterns) {
  patterns.add<LowerRotateOp>(patterns.getContext());
}
