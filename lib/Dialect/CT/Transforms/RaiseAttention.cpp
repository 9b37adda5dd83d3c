// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// ct-raise-attention: finds softmax(Q·Kᵀ·scale + mask)·V in linalg-on-tensors
// and in TOSA as torch-mlir emits them for Hugging Face attention layers and
// replaces it by ct.hooked_attention with identity hooks. Each matcher walks
// up from the P·V product and looks through what front ends put between the
// textbook steps (batch reshapes between [B·H, S, D] and [B, H, S, D] views,
// casts around an f32 softmax, repeat_kv broadcasts or tiles, SDPA's √scale
// on Q and K), so that everything after it can reason about one op instead of
// re-matching.

#include "ct/Dialect/CT/Transforms/Passes.h"

#include "ct/Dialect/CT/IR/CTDialect.h"
#include "ct/Dialect/CT/IR/CTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/ADT/SmallPtrSet.h"

namespace ct {
#define GEN_PASS_DEF_RAISEATTENTION
#include "ct/Dialect/CT/Transforms/Passes.h.inc"
} // namespace ct

using namespace mlir;

namespace {

//===----------------------------------------------------------------------===//
// Shapes of linalg.generic ops
//===----------------------------------------------------------------------===//

/// The payload op of an elementwise linalg.generic (all loops parallel, one
/// init that the body does not read, identity output map, a body yielding
/// that op's result), or null. Besides the payload the body may only cast
/// scalars from outside it (torch-mlir truncates f64 Python scalars there).
Operation *getElementwisePayload(Operation *op) {
  auto generic = dyn_cast_or_null<linalg::GenericOp>(op);
  if (!generic || generic.getNumDpsInits() != 1 ||
      generic.getNumReductionLoops() != 0)
    return nullptr;
  OpOperand *init = generic.getDpsInitOperand(0);
  if (!generic.getMatchingIndexingMap(init).isIdentity() ||
      generic.payloadUsesValueFromOperand(init))
    return nullptr;
  Block &body = generic.getRegion().front();
  Operation *payload = body.getTerminator()->getOperand(0).getDefiningOp();
  if (!payload || payload->getBlock() != &body || payload->getNumResults() != 1)
    return nullptr;
  for (Operation &other : body.without_terminator())
    if (&other != payload &&
        !(isa<arith::TruncFOp, arith::ExtFOp>(other) &&
          other.getOperand(0).getParentRegion() != &generic.getRegion()))
      return nullptr;
  return payload;
}

/// What a payload operand of a linalg.generic reads: an input tensor through
/// its indexing map, or a scalar defined outside the body.
struct PayloadOperand {
  Value tensor;
  AffineMap map;
  Value scalar;

  /// The input read element for element with the output.
  Value chain() const { return tensor && map.isIdentity() ? tensor : Value(); }
};

PayloadOperand resolvePayloadOperand(Operation *payload, Value v) {
  auto generic = cast<linalg::GenericOp>(payload->getParentOp());
  auto arg = dyn_cast<BlockArgument>(v);
  if (!arg || arg.getOwner() != &generic.getRegion().front())
    return {Value(), AffineMap(), v};
  OpOperand *operand = generic.getMatchingOpOperand(arg);
  if (!generic.isDpsInput(operand))
    return {};
  return {operand->get(), generic.getMatchingIndexingMap(operand), Value()};
}

/// The value of a float constant scalar or splat tensor.
std::optional<double> getFloatConstant(const PayloadOperand &operand) {
  if (Value scalar = operand.scalar) {
    auto type = dyn_cast<FloatType>(scalar.getType());
    Operation *cast = scalar.getDefiningOp();
    if (isa_and_nonnull<arith::TruncFOp, arith::ExtFOp>(cast))
      scalar = cast->getOperand(0);
    FloatAttr attr;
    if (!type || !matchPattern(scalar, m_Constant(&attr)))
      return std::nullopt;
    // The value the payload sees: rounded to its type like the cast does.
    APFloat value = attr.getValue();
    bool losesInfo;
    value.convert(type.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                  &losesInfo);
    return value.convertToDouble();
  }
  SplatElementsAttr splat;
  if (operand.tensor && matchPattern(operand.tensor, m_Constant(&splat)) &&
      isa<FloatType>(splat.getElementType()))
    return splat.getSplatValue<APFloat>().convertToDouble();
  return std::nullopt;
}

/// Whether `map` reads one element per row of an n-D iteration space whose
/// last loop is the softmax axis: (d0, ..., d(n-2)) or (d0, ..., d(n-2), 0).
bool isRowBroadcastMap(AffineMap map) {
  unsigned n = map.getNumDims();
  if (map.getNumResults() != n - 1 && map.getNumResults() != n)
    return false;
  for (auto [i, expr] : llvm::enumerate(map.getResults())) {
    if (i + 1 < n) {
      if (expr != getAffineDimExpr(i, map.getContext()))
        return false;
    } else if (expr != getAffineConstantExpr(0, map.getContext())) {
      return false;
    }
  }
  return true;
}

/// Whether `v` is a float cast (extf or truncf, `Cast`) of a tensor, applied
/// element for element; returns the source.
template <typename Cast> Value getCastSource(Value v) {
  Operation *payload = getElementwisePayload(v.getDefiningOp());
  if (!isa_and_nonnull<Cast>(payload))
    return Value();
  return resolvePayloadOperand(payload, payload->getOperand(0)).chain();
}

bool isZeroInit(Value init) {
  if (auto fill = init.getDefiningOp<linalg::FillOp>())
    return matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
  return matchPattern(init, m_AnyZeroFloat());
}

/// A batched matrix product out[b..., m, n] = Σk lhs[b..., m, k] · rhs[b...,
/// k, n] (or rhs[b..., n, k] when `rhsTransposed`) into a zero init.
struct BatchedMatmul {
  Value lhs, rhs;
  bool rhsTransposed;
};

std::optional<BatchedMatmul> matchBatchedMatmul(Operation *op) {
  auto linalgOp = dyn_cast_or_null<linalg::LinalgOp>(op);
  if (!linalgOp || !linalg::isaContractionOpInterface(linalgOp) ||
      linalgOp.getNumDpsInputs() != 2 || linalgOp.getNumDpsInits() != 1 ||
      linalgOp.getNumReductionLoops() != 1 ||
      !isZeroInit(linalgOp.getDpsInits()[0]))
    return std::nullopt;
  unsigned n = linalgOp.getNumLoops();
  if (n < 3)
    return std::nullopt;
  MLIRContext *ctx = op->getContext();
  auto map = [&](ArrayRef<unsigned> minor) {
    SmallVector<AffineExpr> exprs;
    for (unsigned i = 0; i + 3 < n; ++i)
      exprs.push_back(getAffineDimExpr(i, ctx));
    for (unsigned d : minor)
      exprs.push_back(getAffineDimExpr(d, ctx));
    return AffineMap::get(n, 0, exprs, ctx);
  };
  unsigned m = n - 3, nn = n - 2, k = n - 1;
  SmallVector<AffineMap> maps = linalgOp.getIndexingMapsArray();
  if (maps[0] != map({m, k}) || maps[2] != map({m, nn}))
    return std::nullopt;
  if (maps[1] == map({k, nn}))
    return BatchedMatmul{linalgOp.getDpsInputs()[0], linalgOp.getDpsInputs()[1],
                         false};
  if (maps[1] == map({nn, k}))
    return BatchedMatmul{linalgOp.getDpsInputs()[0], linalgOp.getDpsInputs()[1],
                         true};
  return std::nullopt;
}

/// Whether a reassociation regroups only the leading (batch) dimensions and
/// keeps the two minor ones (sequence and head or key dims) as they are.
bool keepsMinorDims(ArrayRef<ReassociationIndices> groups) {
  return groups.size() >= 2 && groups.back().size() == 1 &&
         groups[groups.size() - 2].size() == 1;
}

//===----------------------------------------------------------------------===//
// The matcher
//===----------------------------------------------------------------------===//

/// How the mask operand becomes [B|1, Hq|1, Sq, Skv].
struct MaskUse {
  Value mask;
  /// Leading dims the mask is expanded to (empty when already 4-D).
  SmallVector<int64_t> expandTo;
};

/// A DynamicCache step's concatenation of past and new K or V on the
/// sequence axis (tensor.concat or tosa.concat).
struct CacheConcat {
  Value past, fresh, result;
};

/// The concatenation that produces `v` when it is a DynamicCache step: a
/// function argument (the past) and the new entries along axis 2.
std::optional<CacheConcat> getCacheConcat(Value v) {
  Operation *def = v.getDefiningOp();
  std::optional<int64_t> axis;
  if (auto concat = dyn_cast_or_null<tensor::ConcatOp>(def))
    axis = concat.getDim();
  else if (auto concat = dyn_cast_or_null<tosa::ConcatOp>(def))
    axis = concat.getAxis();
  if (!axis || *axis != 2 || def->getNumOperands() != 2)
    return std::nullopt;
  auto past = dyn_cast<BlockArgument>(def->getOperand(0));
  if (!past || !isa<FunctionOpInterface>(past.getOwner()->getParentOp()))
    return std::nullopt;
  return CacheConcat{past, def->getOperand(1), v};
}

/// The pieces of one attention subgraph.
struct AttentionMatch {
  /// The op whose single result is the attention output.
  Operation *output = nullptr;
  /// Q, K and V where the pattern starts (rank 2 to 4; K and V before
  /// repeat_kv and, for a cache step, the new entries only).
  Value query, key, value;
  std::optional<MaskUse> mask;
  double scale = 1.0;
  /// A DynamicCache step: the concatenations of past and new K and V.
  std::optional<CacheConcat> keyConcat, valueConcat;
  /// [B, Hq, Sq, D], [B, Hkv, Skv, D], [B, Hkv, Skv, Dv].
  SmallVector<int64_t> queryShape, keyShape, valueShape;
  StringAttr name;
};

/// What the matcher of each front-end dialect fills in while it walks up from
/// the P·V product, and the checks that do not depend on the dialect.
class AttentionMatcherBase {
protected:
  explicit AttentionMatcherBase(Operation *pv) : pv(pv) {}

  /// Checks shapes, the mask and that the pattern's intermediates feed
  /// nothing else, and takes the op's name from the locations.
  FailureOr<AttentionMatch> finish();

  Operation *pv;
  AttentionMatch result;
  /// Ops of the pattern whose results may feed nothing but the pattern.
  llvm::SmallPtrSet<Operation *, 16> internal;
  /// The scores tensor the mask is added to, with the mask's indexing map
  /// (for TOSA, the map its size-1 broadcasting amounts to).
  Value maskedScores;
  PayloadOperand maskOperand;
  int64_t keyGroup = 1, valueGroup = 1;

private:
  LogicalResult checkShapesAndMask();
  LogicalResult checkSingleUse();
};

/// Attention in linalg-on-tensors, anchored at the P·V contraction.
class LinalgAttentionMatcher : public AttentionMatcherBase {
public:
  explicit LinalgAttentionMatcher(linalg::LinalgOp pv)
      : AttentionMatcherBase(pv) {}

  FailureOr<AttentionMatch> match();

private:
  Value stripBatchReshapes(Value v, bool internal);
  Value stripReshapes(Value v);
  Value stripScaledOperand(Value v);
  Value stripRepeatKV(Value v, int64_t &group);
  Value matchRowReduction(Value stat, Value over, bool isMax);
  bool isFullyMaskedRowGuard(Value cond, Value scores);
  LogicalResult matchProbabilities(Value p);
  LogicalResult matchSoftmax(Value p, Value &scores);
  LogicalResult matchMaskedScores(Value x);
  LogicalResult matchScaledScores(Value x);
  LogicalResult matchQueryKey(BatchedMatmul qk);
};

Value LinalgAttentionMatcher::stripBatchReshapes(Value v, bool internalOps) {
  while (Operation *def = v.getDefiningOp()) {
    Value src;
    if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(def)) {
      if (keepsMinorDims(collapse.getReassociationIndices()))
        src = collapse.getSrc();
    } else if (auto expand = dyn_cast<tensor::ExpandShapeOp>(def)) {
      if (keepsMinorDims(expand.getReassociationIndices()))
        src = expand.getSrc();
    }
    if (!src)
      break;
    if (internalOps)
      internal.insert(def);
    v = src;
  }
  return v;
}

/// Looks through any reshapes of a per-row statistic (they belong to the
/// attention, so they are internal).
Value LinalgAttentionMatcher::stripReshapes(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (!isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(def))
      break;
    internal.insert(def);
    v = def->getOperand(0);
  }
  return v;
}

/// Looks through reshapes and multiplications or divisions by a constant of
/// a matmul operand, folding the constants into the scale (SDPA scales Q and
/// K by √scale each; some front ends fold the scale into Q).
Value LinalgAttentionMatcher::stripScaledOperand(Value v) {
  while (true) {
    v = stripBatchReshapes(v, /*internal=*/false);
    Operation *payload = getElementwisePayload(v.getDefiningOp());
    if (!isa_and_nonnull<arith::MulFOp, arith::DivFOp>(payload))
      return v;
    PayloadOperand lhs = resolvePayloadOperand(payload, payload->getOperand(0));
    PayloadOperand rhs = resolvePayloadOperand(payload, payload->getOperand(1));
    if (isa<arith::MulFOp>(payload) && !lhs.chain())
      std::swap(lhs, rhs);
    std::optional<double> c = getFloatConstant(rhs);
    if (!lhs.chain() || !c || *c == 0.0)
      return v;
    result.scale =
        isa<arith::MulFOp>(payload) ? result.scale * *c : result.scale / *c;
    v = lhs.chain();
  }
}

/// Looks through HF's repeat_kv ([B, Hkv, S, D] broadcast to
/// [B, Hkv, g, S, D], the caller's reshape merging Hkv and g).
Value LinalgAttentionMatcher::stripRepeatKV(Value v, int64_t &group) {
  group = 1;
  auto generic = v.getDefiningOp<linalg::GenericOp>();
  if (!generic || generic.getNumDpsInputs() != 1 ||
      generic.getNumDpsInits() != 1 || generic.getNumLoops() != 5 ||
      generic.getNumReductionLoops() != 0)
    return v;
  Block &body = generic.getRegion().front();
  if (!llvm::hasSingleElement(body) ||
      body.getTerminator()->getOperand(0) != body.getArgument(0))
    return v;
  MLIRContext *ctx = v.getContext();
  AffineMap expected =
      AffineMap::get(5, 0,
                     {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx),
                      getAffineDimExpr(3, ctx), getAffineDimExpr(4, ctx)},
                     ctx);
  SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
  if (maps[0] != expected || !maps[1].isIdentity())
    return v;
  group = cast<RankedTensorType>(v.getType()).getDimSize(2);
  return generic.getDpsInputs()[0];
}

/// If `stat` is a max (or sum) over the last axis of `over`, kept per row,
/// from the identity of that reduction (-inf or 0), returns the reduction.
Value LinalgAttentionMatcher::matchRowReduction(Value stat, Value over,
                                                bool isMax) {
  stat = stripReshapes(stat);
  auto generic = stat.getDefiningOp<linalg::GenericOp>();
  if (!generic || generic.getNumDpsInputs() != 1 ||
      generic.getDpsInputs()[0] != over)
    return Value();
  unsigned n = generic.getNumLoops();
  SmallVector<utils::IteratorType> iterators = generic.getIteratorTypesArray();
  for (auto [i, it] : llvm::enumerate(iterators))
    if ((it == utils::IteratorType::reduction) != (i + 1 == n))
      return Value();
  if (!generic.getMatchingIndexingMap(generic.getDpsInputOperand(0))
           .isIdentity())
    return Value();
  auto resultIndex = cast<OpResult>(stat).getResultNumber();
  OpOperand *init = generic.getDpsInitOperand(resultIndex);
  if (!isRowBroadcastMap(generic.getMatchingIndexingMap(init)))
    return Value();
  // Other results (torch's argmax next to the max) must be unused.
  for (OpResult other : generic->getResults())
    if (other != stat && !other.use_empty())
      return Value();
  auto fill = init->get().getDefiningOp<linalg::FillOp>();
  if (!fill)
    return Value();
  APFloat identity(0.0);
  if (!matchPattern(fill.getInputs()[0], m_ConstantFloat(&identity)) ||
      (isMax ? !(identity.isInfinity() && identity.isNegative())
             : !identity.isZero()))
    return Value();
  Block &body = generic.getRegion().front();
  Operation *combine =
      body.getTerminator()->getOperand(resultIndex).getDefiningOp();
  if (!combine || (isMax ? !isa<arith::MaximumFOp, arith::MaxNumFOp>(combine)
                         : !isa<arith::AddFOp>(combine)))
    return Value();
  BlockArgument in = body.getArgument(0);
  BlockArgument acc = generic.getMatchingBlockArgument(init);
  if (!((combine->getOperand(0) == in && combine->getOperand(1) == acc) ||
        (combine->getOperand(0) == acc && combine->getOperand(1) == in)))
    return Value();
  internal.insert(generic);
  return stat;
}

/// SDPA's softmax yields 0 instead of NaN on rows whose scores are all -inf:
/// `cond` must be "every score of the row equals -inf".
bool LinalgAttentionMatcher::isFullyMaskedRowGuard(Value cond, Value scores) {
  cond = stripReshapes(cond);
  auto all = cond.getDefiningOp<linalg::GenericOp>();
  if (!all || all.getNumDpsInputs() != 1 || all.getNumDpsInits() != 1 ||
      all.getNumReductionLoops() != 1 ||
      all.getIteratorTypesArray().back() != utils::IteratorType::reduction ||
      !isRowBroadcastMap(all.getMatchingIndexingMap(all.getDpsInitOperand(0))))
    return false;
  auto fill = all.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  if (!fill || !matchPattern(fill.getInputs()[0], m_One()))
    return false;
  Block &allBody = all.getRegion().front();
  if (!isa_and_nonnull<arith::AndIOp>(
          allBody.getTerminator()->getOperand(0).getDefiningOp()))
    return false;
  auto isInf = all.getDpsInputs()[0].getDefiningOp<linalg::GenericOp>();
  if (!isInf || isInf.getNumDpsInputs() != 1 ||
      isInf.getDpsInputs()[0] != scores ||
      !llvm::all_of(isInf.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isIdentity(); }))
    return false;
  auto cmp = isInf.getRegion()
                 .front()
                 .getTerminator()
                 ->getOperand(0)
                 .getDefiningOp<arith::CmpFOp>();
  if (!cmp || cmp.getPredicate() != arith::CmpFPredicate::OEQ)
    return false;
  Value lhs = cmp.getLhs();
  if (auto ext = lhs.getDefiningOp<arith::ExtFOp>())
    lhs = ext.getIn();
  APFloat limit(0.0);
  if (lhs != isInf.getRegion().front().getArgument(0) ||
      !matchPattern(cmp.getRhs(), m_ConstantFloat(&limit)) ||
      !limit.isInfinity() || !limit.isNegative())
    return false;
  internal.insert(all);
  internal.insert(isInf);
  return true;
}

/// Softmax over the last axis, as linalg.softmax or decomposed by torch-mlir:
/// exp(x - max(x)) / sum(exp(x - max(x))), optionally guarded as in SDPA.
LogicalResult LinalgAttentionMatcher::matchSoftmax(Value p, Value &scores) {
  if (auto softmax = p.getDefiningOp<linalg::SoftmaxOp>()) {
    if (softmax.getDimension() !=
        static_cast<uint64_t>(softmax.getInputOperandType().getRank() - 1))
      return failure();
    internal.insert(softmax);
    scores = softmax.getInput();
    return success();
  }
  Operation *payload = getElementwisePayload(p.getDefiningOp());
  Value guardCond;
  if (auto select = dyn_cast_or_null<arith::SelectOp>(payload)) {
    PayloadOperand cond = resolvePayloadOperand(select, select.getCondition());
    PayloadOperand zero = resolvePayloadOperand(select, select.getTrueValue());
    PayloadOperand rest = resolvePayloadOperand(select, select.getFalseValue());
    std::optional<double> z = getFloatConstant(zero);
    if (!cond.tensor || !isRowBroadcastMap(cond.map) || !z || *z != 0.0 ||
        !rest.chain())
      return failure();
    internal.insert(select->getParentOp());
    guardCond = cond.tensor;
    payload = getElementwisePayload(rest.chain().getDefiningOp());
  }
  if (!isa_and_nonnull<arith::DivFOp>(payload))
    return failure();
  PayloadOperand exp = resolvePayloadOperand(payload, payload->getOperand(0));
  PayloadOperand sum = resolvePayloadOperand(payload, payload->getOperand(1));
  if (!exp.chain() || !sum.tensor || !isRowBroadcastMap(sum.map))
    return failure();
  internal.insert(payload->getParentOp());
  Operation *expPayload = getElementwisePayload(exp.chain().getDefiningOp());
  if (!isa_and_nonnull<math::ExpOp>(expPayload))
    return failure();
  internal.insert(expPayload->getParentOp());
  Operation *sub = getElementwisePayload(
      resolvePayloadOperand(expPayload, expPayload->getOperand(0))
          .chain()
          .getDefiningOp());
  if (!isa_and_nonnull<arith::SubFOp>(sub))
    return failure();
  internal.insert(sub->getParentOp());
  PayloadOperand x = resolvePayloadOperand(sub, sub->getOperand(0));
  PayloadOperand max = resolvePayloadOperand(sub, sub->getOperand(1));
  if (!x.chain() || !max.tensor || !isRowBroadcastMap(max.map) ||
      !matchRowReduction(max.tensor, x.chain(), /*isMax=*/true) ||
      !matchRowReduction(sum.tensor, exp.chain(), /*isMax=*/false))
    return failure();
  if (guardCond && !isFullyMaskedRowGuard(guardCond, x.chain()))
    return failure();
  scores = x.chain();
  return success();
}

/// P = cast(softmax(cast(X))) with the softmax accumulated in f32.
LogicalResult LinalgAttentionMatcher::matchProbabilities(Value p) {
  p = stripBatchReshapes(p, /*internal=*/true);
  if (Value wide = getCastSource<arith::TruncFOp>(p)) {
    internal.insert(p.getDefiningOp());
    p = wide;
  }
  Value scores;
  if (failed(matchSoftmax(p, scores)) ||
      !cast<RankedTensorType>(scores.getType()).getElementType().isF32())
    return failure();
  if (Value narrow = getCastSource<arith::ExtFOp>(scores)) {
    internal.insert(scores.getDefiningOp());
    scores = narrow;
  }
  return matchMaskedScores(scores);
}

/// X = S·scale + mask, or S·scale.
LogicalResult LinalgAttentionMatcher::matchMaskedScores(Value x) {
  x = stripBatchReshapes(x, /*internal=*/true);
  Operation *payload = getElementwisePayload(x.getDefiningOp());
  if (isa_and_nonnull<arith::AddFOp>(payload)) {
    for (auto [a, b] : {std::pair{0, 1}, std::pair{1, 0}}) {
      PayloadOperand scores =
          resolvePayloadOperand(payload, payload->getOperand(a));
      PayloadOperand mask =
          resolvePayloadOperand(payload, payload->getOperand(b));
      if (!scores.chain() || !mask.tensor)
        continue;
      LinalgAttentionMatcher attempt = *this;
      attempt.internal.insert(payload->getParentOp());
      attempt.maskedScores = scores.chain();
      attempt.maskOperand = mask;
      if (succeeded(attempt.matchScaledScores(scores.chain()))) {
        *this = std::move(attempt);
        return success();
      }
    }
  }
  return matchScaledScores(x);
}

/// S·scale (or S / c) with S = cast(Q·Kᵀ).
LogicalResult LinalgAttentionMatcher::matchScaledScores(Value x) {
  x = stripBatchReshapes(x, /*internal=*/true);
  Operation *payload = getElementwisePayload(x.getDefiningOp());
  if (isa_and_nonnull<arith::MulFOp, arith::DivFOp>(payload)) {
    PayloadOperand lhs = resolvePayloadOperand(payload, payload->getOperand(0));
    PayloadOperand rhs = resolvePayloadOperand(payload, payload->getOperand(1));
    if (isa<arith::MulFOp>(payload) && !lhs.chain())
      std::swap(lhs, rhs);
    std::optional<double> c = getFloatConstant(rhs);
    if (!lhs.chain() || !c || *c == 0.0)
      return failure();
    result.scale =
        isa<arith::MulFOp>(payload) ? result.scale * *c : result.scale / *c;
    internal.insert(payload->getParentOp());
    x = stripBatchReshapes(lhs.chain(), /*internal=*/true);
  }
  if (Value wide = getCastSource<arith::TruncFOp>(x)) {
    internal.insert(x.getDefiningOp());
    x = stripBatchReshapes(wide, /*internal=*/true);
  }
  std::optional<BatchedMatmul> qk = matchBatchedMatmul(x.getDefiningOp());
  if (!qk)
    return failure();
  internal.insert(x.getDefiningOp());
  return matchQueryKey(*qk);
}

LogicalResult LinalgAttentionMatcher::matchQueryKey(BatchedMatmul qk) {
  result.query = stripScaledOperand(qk.lhs);
  Value key = stripScaledOperand(qk.rhs);
  if (!qk.rhsTransposed) {
    auto transpose = key.getDefiningOp<linalg::TransposeOp>();
    if (!transpose)
      return failure();
    ArrayRef<int64_t> perm = transpose.getPermutation();
    int64_t rank = perm.size();
    for (int64_t i = 0; i < rank; ++i)
      if (perm[i] != (i < rank - 2 ? i : (i == rank - 2 ? rank - 1 : rank - 2)))
        return failure();
    key = stripScaledOperand(transpose.getInput());
  }
  result.key = stripRepeatKV(key, keyGroup);
  return success();
}

/// The [B, H, S, D] shape of a Q/K/V root, with `batch` as B for
/// [B·H, S, D] views.
SmallVector<int64_t> attentionShape(Value root, int64_t batch) {
  auto type = cast<RankedTensorType>(root.getType());
  ArrayRef<int64_t> s = type.getShape();
  switch (type.getRank()) {
  case 4:
    return {s[0], s[1], s[2], s[3]};
  case 3:
    return {batch, s[0] / batch, s[1], s[2]};
  case 2:
    return {1, 1, s[0], s[1]};
  default:
    return {};
  }
}

LogicalResult AttentionMatcherBase::checkShapesAndMask() {
  // A DynamicCache step: past K/V (function arguments) ++ new K/V on the
  // sequence axis, for both K and V with the same past length.
  std::optional<CacheConcat> keyConcat = getCacheConcat(result.key);
  std::optional<CacheConcat> valueConcat = getCacheConcat(result.value);
  if (keyConcat && valueConcat &&
      keyConcat->past.getType() == valueConcat->past.getType()) {
    result.keyConcat = keyConcat;
    result.valueConcat = valueConcat;
  }

  Value roots[] = {result.query, result.key, result.value};
  for (Value root : roots) {
    auto type = cast<RankedTensorType>(root.getType());
    if (!type.hasStaticShape() || type.getRank() < 2 || type.getRank() > 4 ||
        !isa<FloatType>(type.getElementType()))
      return failure();
  }
  // The batch size comes from the first 4-D root; [B·H, S, D] views of the
  // others are split accordingly.
  int64_t batch = 1;
  for (Value root : roots)
    if (auto type = cast<RankedTensorType>(root.getType());
        type.getRank() == 4) {
      batch = type.getDimSize(0);
      break;
    }
  if (keyGroup != valueGroup)
    return failure();
  for (Value root : roots) {
    auto type = cast<RankedTensorType>(root.getType());
    if (type.getRank() == 3 && type.getDimSize(0) % batch != 0)
      return failure();
  }
  // 3-D K/V roots already repeated per query head carry Hq·B rows.
  result.queryShape = attentionShape(result.query, batch);
  result.keyShape = attentionShape(result.key, batch);
  result.valueShape = attentionShape(result.value, batch);
  ArrayRef<int64_t> q = result.queryShape, k = result.keyShape,
                    v = result.valueShape;
  if (q[0] != k[0] || k[0] != v[0] || q[1] != k[1] * keyGroup || k[1] != v[1] ||
      k[2] != v[2] || q[3] != k[3])
    return failure();
  if (cast<RankedTensorType>(result.output->getResult(0).getType())
          .getElementType() !=
      cast<RankedTensorType>(result.query.getType()).getElementType())
    return failure();

  if (!maskedScores)
    return success();
  // The mask is read through a map that broadcasts over batch dims only;
  // it becomes [B|1, Hq|1, Sq, Skv].
  auto scoresType = cast<RankedTensorType>(maskedScores.getType());
  auto maskType = dyn_cast<RankedTensorType>(maskOperand.tensor.getType());
  if (!maskType || !maskType.hasStaticShape() ||
      !isa<FloatType>(maskType.getElementType()))
    return failure();
  unsigned n = scoresType.getRank(), r = maskType.getRank();
  AffineMap map = maskOperand.map;
  MLIRContext *ctx = map.getContext();
  if (r < 2 || map.getNumResults() != r ||
      map.getResult(r - 2) != getAffineDimExpr(n - 2, ctx) ||
      map.getResult(r - 1) != getAffineDimExpr(n - 1, ctx))
    return failure();
  if (r != 2 && r != n)
    return failure();
  for (unsigned i = 0; i + 2 < r; ++i)
    if (map.getResult(i) != getAffineDimExpr(i, ctx) &&
        !(map.getResult(i) == getAffineConstantExpr(0, ctx) &&
          maskType.getDimSize(i) == 1))
      return failure();
  MaskUse mask{maskOperand.tensor, {}};
  ArrayRef<int64_t> lead = scoresType.getShape().drop_back(2);
  if (r == 2) {
    mask.expandTo = {1, 1};
  } else if (n == 3) {
    mask.expandTo = maskType.getDimSize(0) == 1
                        ? SmallVector<int64_t>{1, 1}
                        : SmallVector<int64_t>{q[0], q[1]};
  } else if (n != 4 || lead[0] != q[0] || lead[1] != q[1]) {
    return failure();
  }
  result.mask = std::move(mask);
  return success();
}

LogicalResult AttentionMatcherBase::checkSingleUse() {
  for (Operation *op : internal)
    for (Operation *user : op->getUsers())
      if (user != pv && !internal.contains(user))
        return failure();
  return success();
}

FailureOr<AttentionMatch> LinalgAttentionMatcher::match() {
  std::optional<BatchedMatmul> pvMatmul = matchBatchedMatmul(pv);
  if (!pvMatmul || pvMatmul->rhsTransposed)
    return failure();
  // A matmul accumulated in f32 from bf16/f16 operands is rounded back by a
  // cast that then is the attention output.
  result.output = pv;
  if (pv->hasOneUse())
    if (Operation *user = *pv->getUsers().begin();
        user->getNumResults() == 1 &&
        getCastSource<arith::TruncFOp>(user->getResult(0)))
      result.output = user;
  if (failed(matchProbabilities(pvMatmul->lhs)))
    return failure();
  result.value =
      stripRepeatKV(stripBatchReshapes(pvMatmul->rhs, false), valueGroup);
  return finish();
}

FailureOr<AttentionMatch> AttentionMatcherBase::finish() {
  if (failed(checkShapesAndMask()) || failed(checkSingleUse()))
    return failure();
  for (Operation *op : {pv, result.output})
    op->getLoc()->walk([&](Location loc) {
      if (auto named = dyn_cast<NameLoc>(loc); named && !result.name) {
        result.name = named.getName();
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
  return result;
}

//===----------------------------------------------------------------------===//
// The TOSA matcher
//===----------------------------------------------------------------------===//

/// Whether a tosa.matmul multiplies floats without zero points.
bool isFloatMatmul(tosa::MatMulOp op) {
  FailureOr<int64_t> aZp = op.getAZeroPoint(), bZp = op.getBZeroPoint();
  return isa<FloatType>(getElementTypeOrSelf(op.getA())) && succeeded(aZp) &&
         *aZp == 0 && succeeded(bZp) && *bZp == 0;
}

/// Whether a tosa.reshape regroups only leading (batch) dimensions: both
/// sides have rank 3 or more and the same two minor dimensions, so that the
/// row-major batch index is unchanged.
bool isBatchReshape(tosa::ReshapeOp reshape) {
  auto in = cast<ShapedType>(reshape.getInput1().getType());
  auto out = cast<ShapedType>(reshape.getType());
  return in.hasStaticShape() && out.hasStaticShape() && in.getRank() >= 3 &&
         out.getRank() >= 3 &&
         in.getShape().take_back(2) == out.getShape().take_back(2);
}

/// The source of a tosa.cast between float types that widens them (or, with
/// `widens` false, narrows them), or null.
Value getTosaCastSource(Value v, bool widens) {
  auto castOp = v.getDefiningOp<tosa::CastOp>();
  if (!castOp)
    return Value();
  auto from = dyn_cast<FloatType>(getElementTypeOrSelf(castOp.getInput()));
  auto to = dyn_cast<FloatType>(getElementTypeOrSelf(v));
  if (!from || !to ||
      (widens ? from.getWidth() >= to.getWidth()
              : from.getWidth() <= to.getWidth()))
    return Value();
  return castOp.getInput();
}

/// If `v` is a tosa.mul (without shift) of a tensor of its own type by a
/// nonzero float splat constant, multiplies `scale` by the constant and
/// returns that tensor; else null.
Value getTosaScaledSource(Value v, double &scale) {
  auto mul = v.getDefiningOp<tosa::MulOp>();
  if (!mul || !matchPattern(mul.getShift(), m_Zero()))
    return Value();
  for (auto [x, c] : {std::pair{mul.getInput1(), mul.getInput2()},
                      std::pair{mul.getInput2(), mul.getInput1()}}) {
    std::optional<double> value = getFloatConstant({c, AffineMap(), Value()});
    if (x.getType() == v.getType() && value && *value != 0.0) {
      scale *= *value;
      return x;
    }
  }
  return Value();
}

/// The indexing map with which TOSA's broadcasting of size-1 dimensions
/// reads `mask` (of the same rank) at each element of `scores`.
AffineMap getBroadcastMap(RankedTensorType scores, RankedTensorType mask) {
  MLIRContext *ctx = scores.getContext();
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0, e = scores.getRank(); i < e; ++i)
    exprs.push_back(mask.getDimSize(i) == 1 && scores.getDimSize(i) != 1
                        ? getAffineConstantExpr(0, ctx)
                        : getAffineDimExpr(i, ctx));
  return AffineMap::get(scores.getRank(), 0, exprs, ctx);
}

/// Attention in TOSA as torch-mlir emits it, anchored at the P·V
/// tosa.matmul: products on [B·H, S, D] between tosa.reshape views, Kᵀ by
/// tosa.transpose, the scale as tosa.mul by a constant, the mask by a
/// broadcasting tosa.add, softmax as reduce_max/sub/exp/reduce_sum and a
/// multiplication by the reciprocal of the sum, casts by tosa.cast.
class TosaAttentionMatcher : public AttentionMatcherBase {
public:
  explicit TosaAttentionMatcher(tosa::MatMulOp pv) : AttentionMatcherBase(pv) {}

  FailureOr<AttentionMatch> match();

private:
  Value stripBatchReshapes(Value v, bool internalOps);
  Value stripScaledOperand(Value v);
  Value stripRepeatKV(Value v, int64_t &group);
  template <typename ReduceOp> bool isRowReduction(Value stat, Value over);
  bool isFullyMaskedRowGuard(Value cond, Value scores);
  LogicalResult matchProbabilities(Value p);
  LogicalResult matchSoftmax(Value p, Value &scores);
  LogicalResult matchMaskedScores(Value x);
  LogicalResult matchScaledScores(Value x);
  LogicalResult matchQueryKey(tosa::MatMulOp qk);
};

Value TosaAttentionMatcher::stripBatchReshapes(Value v, bool internalOps) {
  while (auto reshape = v.getDefiningOp<tosa::ReshapeOp>()) {
    if (!isBatchReshape(reshape))
      break;
    if (internalOps)
      internal.insert(reshape);
    v = reshape.getInput1();
  }
  return v;
}

/// Looks through reshapes and multiplications by a constant of a matmul
/// operand, folding the constants into the scale (SDPA scales Q and Kᵀ by
/// √scale each).
Value TosaAttentionMatcher::stripScaledOperand(Value v) {
  while (true) {
    v = stripBatchReshapes(v, /*internalOps=*/false);
    Value unscaled = getTosaScaledSource(v, result.scale);
    if (!unscaled)
      return v;
    v = unscaled;
  }
}

/// Looks through HF's repeat_kv as TOSA spells it: [B, Hkv, S, D] reshaped
/// to [B, Hkv, 1, S, D] and tiled g times on the new axis. Merging Hkv and g
/// afterwards makes kv head j serve query heads j·g … j·g+g−1; tiling any
/// other axis would interleave the heads differently and is not looked
/// through.
Value TosaAttentionMatcher::stripRepeatKV(Value v, int64_t &group) {
  group = 1;
  auto tile = v.getDefiningOp<tosa::TileOp>();
  if (!tile)
    return v;
  auto reshape = tile.getInput1().getDefiningOp<tosa::ReshapeOp>();
  auto in = cast<ShapedType>(tile.getInput1().getType());
  auto out = cast<ShapedType>(tile.getType());
  if (!reshape || !out.hasStaticShape() || out.getRank() != 5 ||
      in.getDimSize(2) != 1)
    return v;
  ArrayRef<int64_t> s = out.getShape();
  for (int64_t i : {0, 1, 3, 4})
    if (in.getDimSize(i) != s[i])
      return v;
  Value root = reshape.getInput1();
  if (cast<ShapedType>(root.getType()).getShape() !=
      ArrayRef<int64_t>{s[0], s[1], s[3], s[4]})
    return v;
  group = s[2];
  return root;
}

/// Whether `stat` is a ReduceOp of `over` along its last axis (kept with
/// size 1, as TOSA reductions do).
template <typename ReduceOp>
bool TosaAttentionMatcher::isRowReduction(Value stat, Value over) {
  auto reduce = stat.getDefiningOp<ReduceOp>();
  if (!reduce || reduce.getInput() != over ||
      static_cast<int64_t>(reduce.getAxis()) !=
          cast<ShapedType>(over.getType()).getRank() - 1)
    return false;
  internal.insert(reduce);
  return true;
}

/// SDPA's softmax yields 0 instead of NaN on rows whose scores are all -inf:
/// `cond` must be "every score of the row equals -inf" (torch-mlir compares
/// in f64 after a cast).
bool TosaAttentionMatcher::isFullyMaskedRowGuard(Value cond, Value scores) {
  auto all = cond.getDefiningOp<tosa::ReduceAllOp>();
  if (!all)
    return false;
  auto equal = all.getInput().getDefiningOp<tosa::EqualOp>();
  if (!equal || static_cast<int64_t>(all.getAxis()) !=
                    cast<ShapedType>(all.getInput().getType()).getRank() - 1)
    return false;
  for (auto [x, limit] : {std::pair{equal.getInput1(), equal.getInput2()},
                          std::pair{equal.getInput2(), equal.getInput1()}}) {
    auto castOp = x.getDefiningOp<tosa::CastOp>();
    if (castOp && isa<FloatType>(getElementTypeOrSelf(x)))
      x = castOp.getInput();
    std::optional<double> value =
        getFloatConstant({limit, AffineMap(), Value()});
    if (x != scores || !value || !std::isinf(*value) || *value > 0)
      continue;
    internal.insert(all);
    internal.insert(equal);
    if (castOp)
      internal.insert(castOp);
    return true;
  }
  return false;
}

/// Softmax over the last axis: exp(x - max(x)) · reciprocal(sum(exp(...))),
/// optionally guarded as in SDPA.
LogicalResult TosaAttentionMatcher::matchSoftmax(Value p, Value &scores) {
  Value guardCond;
  if (auto select = p.getDefiningOp<tosa::SelectOp>()) {
    std::optional<double> zero =
        getFloatConstant({select.getInput2(), AffineMap(), Value()});
    if (!zero || *zero != 0.0 || select.getInput3().getType() != p.getType())
      return failure();
    internal.insert(select);
    guardCond = select.getInput1();
    p = select.getInput3();
  }
  auto mul = p.getDefiningOp<tosa::MulOp>();
  if (!mul || !matchPattern(mul.getShift(), m_Zero()))
    return failure();
  tosa::ExpOp exp;
  tosa::ReciprocalOp reciprocal;
  for (auto [a, b] : {std::pair{mul.getInput1(), mul.getInput2()},
                      std::pair{mul.getInput2(), mul.getInput1()}}) {
    if (a.getType() != p.getType())
      continue;
    exp = a.getDefiningOp<tosa::ExpOp>();
    reciprocal = b.getDefiningOp<tosa::ReciprocalOp>();
    if (exp && reciprocal)
      break;
  }
  if (!exp || !reciprocal)
    return failure();
  auto sub = exp.getInput1().getDefiningOp<tosa::SubOp>();
  if (!sub)
    return failure();
  Value x = sub.getInput1();
  if (x.getType() != sub.getType() ||
      !isRowReduction<tosa::ReduceMaxOp>(sub.getInput2(), x) ||
      !isRowReduction<tosa::ReduceSumOp>(reciprocal.getInput1(), exp))
    return failure();
  internal.insert(mul);
  internal.insert(exp);
  internal.insert(reciprocal);
  internal.insert(sub);
  if (guardCond && !isFullyMaskedRowGuard(guardCond, x))
    return failure();
  scores = x;
  return success();
}

/// P = cast(softmax(cast(X))) with the softmax computed in f32.
LogicalResult TosaAttentionMatcher::matchProbabilities(Value p) {
  p = stripBatchReshapes(p, /*internalOps=*/true);
  if (Value wide = getTosaCastSource(p, /*widens=*/false)) {
    internal.insert(p.getDefiningOp());
    p = wide;
  }
  Value scores;
  if (failed(matchSoftmax(p, scores)) || !getElementTypeOrSelf(scores).isF32())
    return failure();
  if (Value narrow = getTosaCastSource(scores, /*widens=*/true)) {
    internal.insert(scores.getDefiningOp());
    scores = narrow;
  }
  return matchMaskedScores(scores);
}

/// X = S·scale + mask, or S·scale.
LogicalResult TosaAttentionMatcher::matchMaskedScores(Value x) {
  x = stripBatchReshapes(x, /*internalOps=*/true);
  if (auto add = x.getDefiningOp<tosa::AddOp>()) {
    for (auto [scores, mask] : {std::pair{add.getInput1(), add.getInput2()},
                                std::pair{add.getInput2(), add.getInput1()}}) {
      auto scoresType = dyn_cast<RankedTensorType>(scores.getType());
      auto maskType = dyn_cast<RankedTensorType>(mask.getType());
      if (scores.getType() != x.getType() || !scoresType || !maskType)
        continue;
      TosaAttentionMatcher attempt = *this;
      attempt.internal.insert(add);
      attempt.maskedScores = scores;
      attempt.maskOperand = {mask, getBroadcastMap(scoresType, maskType),
                             Value()};
      if (succeeded(attempt.matchScaledScores(scores))) {
        *this = std::move(attempt);
        return success();
      }
    }
  }
  return matchScaledScores(x);
}

/// S·scale with S = cast(Q·Kᵀ).
LogicalResult TosaAttentionMatcher::matchScaledScores(Value x) {
  x = stripBatchReshapes(x, /*internalOps=*/true);
  if (Value unscaled = getTosaScaledSource(x, result.scale)) {
    internal.insert(x.getDefiningOp());
    x = stripBatchReshapes(unscaled, /*internalOps=*/true);
  }
  if (Value wide = getTosaCastSource(x, /*widens=*/false)) {
    internal.insert(x.getDefiningOp());
    x = stripBatchReshapes(wide, /*internalOps=*/true);
  }
  auto qk = x.getDefiningOp<tosa::MatMulOp>();
  if (!qk || !isFloatMatmul(qk))
    return failure();
  internal.insert(qk);
  return matchQueryKey(qk);
}

/// Q·Kᵀ: tosa.matmul has no transposed form, so Kᵀ is a tosa.transpose of
/// the two minor axes.
LogicalResult TosaAttentionMatcher::matchQueryKey(tosa::MatMulOp qk) {
  result.query = stripScaledOperand(qk.getA());
  auto transpose =
      stripScaledOperand(qk.getB()).getDefiningOp<tosa::TransposeOp>();
  if (!transpose)
    return failure();
  ArrayRef<int32_t> perms = transpose.getPerms();
  int64_t rank = perms.size();
  for (int64_t i = 0; i < rank; ++i)
    if (perms[i] != (i < rank - 2 ? i : (i == rank - 2 ? rank - 1 : rank - 2)))
      return failure();
  result.key =
      stripRepeatKV(stripScaledOperand(transpose.getInput1()), keyGroup);
  return success();
}

FailureOr<AttentionMatch> TosaAttentionMatcher::match() {
  auto pvMatmul = cast<tosa::MatMulOp>(pv);
  if (!isFloatMatmul(pvMatmul))
    return failure();
  // bf16/f16 products accumulate in f32 and are rounded back by a cast that
  // then is the attention output.
  result.output = pv;
  if (pv->hasOneUse())
    if (auto castOp = dyn_cast<tosa::CastOp>(*pv->getUsers().begin());
        castOp && getTosaCastSource(castOp, /*widens=*/false))
      result.output = castOp;
  if (failed(matchProbabilities(pvMatmul.getA())))
    return failure();
  result.value = stripRepeatKV(
      stripBatchReshapes(pvMatmul.getB(), /*internalOps=*/false), valueGroup);
  return finish();
}

//===----------------------------------------------------------------------===//
// The rewrite
//===----------------------------------------------------------------------===//

/// A Q/K/V root as [B, H, S, D].
Value toAttentionLayout(OpBuilder &b, Location loc, Value root,
                        ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(root.getType());
  if (type.getRank() == 4)
    return root;
  SmallVector<ReassociationIndices> groups =
      type.getRank() == 3 ? SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}}
                          : SmallVector<ReassociationIndices>{{0, 1, 2}, {3}};
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), root,
      groups);
}

/// The past entries of a DynamicCache step padded to the total length: the
/// cache the op writes the new entries into.
Value padCache(OpBuilder &b, Location loc, const CacheConcat &concat) {
  auto type = cast<RankedTensorType>(concat.result.getType());
  Value zero = arith::ConstantOp::create(
      b, loc, b.getFloatAttr(type.getElementType(), 0.0));
  return tensor::createPadHighOp(type, concat.past, zero, /*nofold=*/false, loc,
                                 b);
}

/// Replaces a matched subgraph by ct.hooked_attention, in the [B, H, S, D]
/// layout of the op, reshaped from and to the layout of the match.
void replaceByHookedAttention(PatternRewriter &rewriter,
                              const AttentionMatch &match) {
  Operation *output = match.output;
  Location loc = output->getLoc();
  rewriter.setInsertionPoint(output);

  Value key = match.key, value = match.value;
  Value kCache, vCache, position;
  if (match.keyConcat) {
    key = match.keyConcat->fresh;
    value = match.valueConcat->fresh;
    kCache = padCache(rewriter, loc, *match.keyConcat);
    vCache = padCache(rewriter, loc, *match.valueConcat);
    int64_t past =
        cast<RankedTensorType>(match.keyConcat->past.getType()).getDimSize(2);
    position = arith::ConstantIndexOp::create(rewriter, loc, past);
  }
  Value query = toAttentionLayout(rewriter, loc, match.query, match.queryShape);
  SmallVector<int64_t> newKeyShape(match.keyShape),
      newValueShape(match.valueShape);
  if (match.keyConcat) {
    newKeyShape[2] = newValueShape[2] =
        cast<RankedTensorType>(key.getType()).getDimSize(2);
  }
  key = toAttentionLayout(rewriter, loc, key, newKeyShape);
  value = toAttentionLayout(rewriter, loc, value, newValueShape);

  Value mask;
  if (match.mask) {
    mask = match.mask->mask;
    if (!match.mask->expandTo.empty()) {
      auto type = cast<RankedTensorType>(mask.getType());
      SmallVector<int64_t> shape(match.mask->expandTo);
      llvm::append_range(shape, type.getShape().take_back(2));
      SmallVector<ReassociationIndices> groups =
          type.getRank() == 3
              ? SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}}
              : SmallVector<ReassociationIndices>{{0, 1, 2}, {3}};
      mask = tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get(shape, type.getElementType()),
          mask, groups);
    }
  }

  auto attention = ct::HookedAttentionOp::create(
      rewriter, loc, query, key, value, mask, kCache, vCache, position,
      match.scale, /*causal=*/false, match.name);
  Value result = attention.getOutput();
  auto outputType = cast<RankedTensorType>(output->getResult(0).getType());
  if (outputType.getRank() != 4)
    result = tensor::CollapseShapeOp::create(
        rewriter, loc, outputType, result,
        outputType.getRank() == 3
            ? SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}}
            : SmallVector<ReassociationIndices>{{0, 1, 2}, {3}});
  rewriter.replaceOp(output, result);

  // Users of the concatenated cache after the attention read the op's
  // updated caches; those before it (the old pattern) keep the concat.
  if (match.keyConcat) {
    for (auto [concat, updated] :
         llvm::zip(SmallVector<Value>{match.keyConcat->result,
                                      match.valueConcat->result},
                   attention.getUpdatedCaches())) {
      rewriter.replaceUsesWithIf(concat, updated, [&](OpOperand &use) {
        Operation *user =
            attention->getBlock()->findAncestorOpInBlock(*use.getOwner());
        return user && attention->isBeforeInBlock(user);
      });
    }
  }
}

/// Raises the attention whose P·V matmul is `OpTy`, as `Matcher` finds it.
template <typename OpTy, typename Base, typename Matcher>
struct RaiseAttentionPattern : Base {
  using Base::Base;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    FailureOr<AttentionMatch> match = Matcher(op).match();
    if (failed(match))
      return rewriter.notifyMatchFailure(op, "not an attention P·V matmul");
    replaceByHookedAttention(rewriter, *match);
    return success();
  }
};

using RaiseLinalgAttention =
    RaiseAttentionPattern<linalg::LinalgOp,
                          OpInterfaceRewritePattern<linalg::LinalgOp>,
                          LinalgAttentionMatcher>;
using RaiseTosaAttention =
    RaiseAttentionPattern<tosa::MatMulOp, OpRewritePattern<tosa::MatMulOp>,
                          TosaAttentionMatcher>;

struct RaiseAttentionPass : ct::impl::RaiseAttentionBase<RaiseAttentionPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    ct::populateRaiseAttentionPatterns(patterns);
    // Only raise: folding or simplifying the rest of the front end's IR is
    // not this pass's business.
    GreedyRewriteConfig config;
    config.enableFolding(false).enableConstantCSE(false);
    config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
    if (failed(
            applyPatternsGreedily(getOperation(), std::move(patterns), config)))
      return signalPassFailure();

    int64_t index = 0;
    getOperation()->walk([&](ct::HookedAttentionOp op) {
      if (!op.getNameAttr())
        op.setNameAttr(StringAttr::get(
            &getContext(),
            ct::HookedAttentionOp::expandNameTemplate(nameTemplate, index)));
      ++index;
    });
  }
};

} // namespace

void ct::populateRaiseAttentionPatterns(RewritePatternSet &patterns) {
  patterns.add<RaiseLinalgAttention, RaiseTosaAttention>(patterns.getContext());
}
