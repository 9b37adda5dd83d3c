// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// ct-materialize-kv-cache: a k/v hook that ends in ct.fake_quantize keeps a
// float cache of values on the quantization grid, which is how the library
// runs (QuantizedKVCache) but wastes 4x-8x the memory. The pass moves that
// quantization into the op's cache write, so the cache holds the codes and
// (for dynamic schemes) one row of scales per cache row. The op then
// quantizes on write with the same ct.calculate_qparams / ct.quantize and
// dequantizes on read, which gives the values the fake quantization gave.
// Caches arrive as function arguments (possibly padded: the DynamicCache
// concatenation raised) and leave as results, so the signature changes too.

#include "ct/Dialect/CT/Transforms/Passes.h"

#include "ct/Dialect/CT/IR/CTAttrs.h"
#include "ct/Dialect/CT/IR/CTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"

#include "llvm/Support/Format.h"

namespace ct {
#define GEN_PASS_DEF_MATERIALIZEKVCACHE
#include "ct/Dialect/CT/Transforms/Passes.h.inc"
} // namespace ct

using namespace mlir;
using namespace ct;

namespace {

/// The fake quantization found at the end of one hook, and what the cache
/// becomes.
struct CacheQuantization {
  FakeQuantizeOp fakeQuantize;
  /// The op computing the dynamic scales from the hooked tensor, if any.
  CalculateQParamsOp qparams;
  QuantSchemeAttr scheme;
  /// Element type of the codes (i8, i4, f8E4M3FN, f4E2M1FN).
  Type storage;
};

/// Where a cache operand comes from: a function argument, or a tensor.pad of
/// one (ct-raise-attention's form of a DynamicCache concatenation).
struct CacheSource {
  BlockArgument argument;
  tensor::PadOp pad;
};

/// The cache element type that holds `scheme`'s codes, or null when no
/// storage type is offered for it (the library's int8 / int4 / fp8 / fp4).
Type getStorageType(QuantSchemeAttr scheme) {
  MLIRContext *ctx = scheme.getContext();
  unsigned bits = scheme.getNumBits();
  if (!scheme.isFloat())
    return bits == 8 || bits == 4 ? IntegerType::get(ctx, bits) : Type();
  if (bits == 8)
    return Float8E4M3FNType::get(ctx);
  if (bits == 4)
    return Float4E2M1FNType::get(ctx);
  return Type();
}

/// A scale or zero point the op can take as an operand: one defined above the
/// op, or a constant inside the hook (cloned before the op).
Value hoistStaticParam(OpBuilder &builder, HookedAttentionOp op, Value param) {
  if (!param)
    return param;
  Operation *def = param.getDefiningOp();
  if (!def || !op->isProperAncestor(def))
    return param;
  if (!isa<arith::ConstantOp>(def))
    return Value();
  return builder.clone(*def)->getResult(0);
}

int64_t getByteWidth(Type type) {
  return llvm::divideCeil(type.getIntOrFloatBitWidth(), 8);
}

class CacheMaterializer {
public:
  CacheMaterializer(HookedAttentionOp op, bool perTokenHead)
      : op(op), perTokenHead(perTokenHead) {}

  /// Rewrites the op and its function; the replacement op on success. A
  /// null op without failure means nothing applied.
  FailureOr<HookedAttentionOp> run();

private:
  std::optional<CacheQuantization> findQuantization(bool key);
  FailureOr<CacheSource> findSource(Value cache, StringRef what);
  LogicalResult checkResultUse(Value updated, StringRef what);
  SmallVector<Value> rewriteSource(CacheSource source,
                                   ArrayRef<Type> storedTypes);
  void reportBytesPerToken(HookedAttentionOp newOp);

  HookedAttentionOp op;
  bool perTokenHead;
  std::optional<CacheQuantization> quantizations[2];
};

std::optional<CacheQuantization> CacheMaterializer::findQuantization(bool key) {
  if (op.getCacheQuant(key))
    return std::nullopt;
  Region &hook = key ? op.getKHook() : op.getVHook();
  auto yield = cast<YieldOp>(hook.front().getTerminator());
  auto fakeQuantize = yield.getValue().getDefiningOp<FakeQuantizeOp>();
  if (!fakeQuantize || !fakeQuantize->getResult(0).hasOneUse())
    return std::nullopt;
  QuantSchemeAttr scheme = fakeQuantize.getScheme();
  Type storage = getStorageType(scheme);
  if (!storage || fakeQuantize.getGlobalScale())
    return std::nullopt;
  CacheQuantization result{fakeQuantize, nullptr, scheme, storage};
  if (scheme.isDynamic()) {
    // The op computes dynamic scales itself, from the hooked tensor.
    auto qparams =
        fakeQuantize.getScale().getDefiningOp<CalculateQParamsOp>();
    if (!qparams || qparams.getInput() != fakeQuantize.getInput() ||
        qparams.getScheme() != scheme || qparams.getGlobalScale() ||
        (fakeQuantize.getZeroPoint() &&
         fakeQuantize.getZeroPoint() != qparams.getZeroPoint()))
      return std::nullopt;
    result.qparams = qparams;
    if (perTokenHead && scheme.getStrategy() == QuantStrategy::Token)
      result.scheme = QuantSchemeAttr::get(
          scheme.getContext(), scheme.getNumBits(), scheme.getType(),
          scheme.getSymmetric(), QuantStrategy::Group,
          fakeQuantize.getInput().getType().getDimSize(3),
          scheme.getBlockStructure(),
          scheme.getDynamic(), scheme.getScaleDtype(), scheme.getZpDtype());
  }
  // A fake_quantize's channel scheme has one scale per row of the states,
  // not the per-channel key scales a cache stores under that name.
  if (!HookedAttentionOp::isStorableCacheScheme(scheme, key) ||
      scheme.getStrategy() == QuantStrategy::Channel)
    return std::nullopt;
  return result;
}

FailureOr<CacheSource> CacheMaterializer::findSource(Value cache,
                                                     StringRef what) {
  CacheSource source;
  Value root = cache;
  if (auto pad = cache.getDefiningOp<tensor::PadOp>()) {
    ArrayRef<int64_t> high = pad.getStaticHigh();
    bool rowsOnly = pad.getSourceType().getRank() == 4 && high.size() == 4 &&
                    high[0] == 0 && high[1] == 0 && high[3] == 0 &&
                    pad.getSourceType().getDimSize(2) != 0;
    if (!pad->hasOneUse() || !pad.hasZeroLowPad() || !rowsOnly)
      return op.emitOpError() << what
                              << " is padded other than by rows at the end "
                                 "of a non-empty past, which "
                                 "ct-materialize-kv-cache cannot redo on codes";
    source.pad = pad;
    root = pad.getSource();
  }
  auto argument = dyn_cast<BlockArgument>(root);
  auto func = argument ? dyn_cast<func::FuncOp>(
                             argument.getOwner()->getParentOp())
                       : func::FuncOp();
  if (!func || !argument.getOwner()->isEntryBlock() || !root.hasOneUse())
    return op.emitOpError()
           << what
           << " must be a function argument (or a tensor.pad of one) used "
              "only by this op, so that its storage type can change";
  return source.argument = argument, source;
}

LogicalResult CacheMaterializer::checkResultUse(Value updated,
                                                StringRef what) {
  for (OpOperand &use : updated.getUses())
    if (!isa<func::ReturnOp>(use.getOwner()))
      return op.emitOpError()
             << "the updated " << what
             << " may only be returned by the function once it is stored "
                "quantized, but it is used by "
             << use.getOwner()->getName();
  return success();
}

/// Changes the argument behind a cache to its codes and inserts the stored
/// scale / zero-point arguments after it; returns the values the op reads
/// (padded like the cache was).
SmallVector<Value>
CacheMaterializer::rewriteSource(CacheSource source,
                                 ArrayRef<Type> storedTypes) {
  BlockArgument argument = source.argument;
  auto func = cast<func::FuncOp>(argument.getOwner()->getParentOp());
  auto argType = cast<RankedTensorType>(argument.getType());
  SmallVector<Type> argTypes;
  for (Type stored : storedTypes) {
    auto storedType = cast<RankedTensorType>(stored);
    SmallVector<int64_t> shape(argType.getShape());
    shape.back() = storedType.getShape().back();
    argTypes.push_back(
        RankedTensorType::get(shape, storedType.getElementType()));
  }
  unsigned index = argument.getArgNumber();
  SmallVector<unsigned> indices(argTypes.size() - 1, index + 1);
  SmallVector<DictionaryAttr> attrs(argTypes.size() - 1, DictionaryAttr());
  SmallVector<Location> locs(argTypes.size() - 1, argument.getLoc());
  (void)func.insertArguments(indices, ArrayRef<Type>(argTypes).drop_front(),
                             attrs, locs);
  argument.setType(argTypes.front());
  SmallVector<Value> values;
  for (unsigned i = 0; i < argTypes.size(); ++i)
    values.push_back(func.getArgument(index + i));
  if (!source.pad)
    return values;

  // The pad grows the sequence dim. The op writes the new rows before
  // attention reads them, so any code or scale does there; zero is what the
  // float cache held. It is a gather of loads rather than a tensor.pad,
  // whose copy into a subview the 4-bit buffer packing cannot take.
  OpBuilder builder(source.pad);
  Location loc = source.pad.getLoc();
  for (unsigned i = 0; i < values.size(); ++i) {
    auto storedType = cast<RankedTensorType>(storedTypes[i]);
    Type element = storedType.getElementType();
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(builder, loc, source.pad.getResult());
    sizes.back() = builder.getIndexAttr(storedType.getShape().back());
    Value init = tensor::EmptyOp::create(builder, loc, sizes, element);
    Value past = values[i];
    Value pastRows = tensor::DimOp::create(builder, loc, past, 2);
    values[i] =
        linalg::GenericOp::create(
            builder, loc, TypeRange{init.getType()}, ValueRange{}, init,
            ArrayRef<AffineMap>{builder.getMultiDimIdentityMap(4)},
            SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
            [&](OpBuilder &b, Location l, ValueRange) {
              SmallVector<Value> at;
              for (int64_t d = 0; d < 4; ++d)
                at.push_back(linalg::IndexOp::create(b, l, d));
              Value isPast = arith::CmpIOp::create(
                  b, l, arith::CmpIPredicate::ult, at[2], pastRows);
              Value zeroIndex = arith::ConstantIndexOp::create(b, l, 0);
              at[2] = arith::SelectOp::create(b, l, isPast, at[2], zeroIndex);
              Value loaded = tensor::ExtractOp::create(b, l, past, at);
              Value zero = arith::ConstantOp::create(b, l,
                                                     b.getZeroAttr(element));
              linalg::YieldOp::create(
                  b, l,
                  ValueRange{arith::SelectOp::create(b, l, isPast, loaded,
                                                     zero)});
            })
            .getResult(0);
  }
  return values;
}

FailureOr<HookedAttentionOp> CacheMaterializer::run() {
  if (!op.hasCache())
    return HookedAttentionOp();
  for (bool key : {true, false})
    quantizations[key ? 0 : 1] = findQuantization(key);
  if (!quantizations[0] && !quantizations[1])
    return HookedAttentionOp();

  // Check everything before changing anything.
  CacheSource sources[2];
  for (bool key : {true, false}) {
    std::optional<CacheQuantization> &q = quantizations[key ? 0 : 1];
    if (!q)
      continue;
    StringRef what = key ? "k_cache" : "v_cache";
    FailureOr<CacheSource> source =
        findSource(key ? op.getKCache() : op.getVCache(), what);
    if (failed(source) ||
        failed(checkResultUse(op.getUpdatedCaches()[key ? 0 : 1], what)))
      return failure();
    sources[key ? 0 : 1] = *source;
    int64_t headDim =
        cast<RankedTensorType>(op.getKCache().getType()).getDimSize(3);
    if (!key)
      headDim = cast<RankedTensorType>(op.getVCache().getType()).getDimSize(3);
    if (q->storage.getIntOrFloatBitWidth() == 4 &&
        (ShapedType::isDynamic(headDim) || headDim % 2 != 0))
      return op.emitOpError()
             << "a 4-bit " << what
             << " packs two codes per byte and needs an even, static head "
                "dim, got "
             << headDim;
  }

  OpBuilder builder(op);
  SmallVector<Value> params[2];
  for (bool key : {true, false}) {
    std::optional<CacheQuantization> &q = quantizations[key ? 0 : 1];
    if (!q || q->scheme.isDynamic())
      continue;
    Value scale = hoistStaticParam(builder, op, q->fakeQuantize.getScale());
    Value zeroPoint =
        hoistStaticParam(builder, op, q->fakeQuantize.getZeroPoint());
    if (!scale || (q->fakeQuantize.getZeroPoint() && !zeroPoint))
      return op.emitOpError()
             << "the static scale of the " << (key ? "k" : "v")
             << " hook's ct.fake_quantize must be defined outside the op or "
                "be a constant";
    params[key ? 0 : 1] = {scale};
    if (zeroPoint)
      params[key ? 0 : 1].push_back(zeroPoint);
  }

  // New cache and stored-scale types, then the function arguments.
  SmallVector<Value> cacheValues[2];
  SmallVector<Type> storedTypes[2];
  for (bool key : {true, false}) {
    unsigned side = key ? 0 : 1;
    Value cache = key ? op.getKCache() : op.getVCache();
    auto cacheType = cast<RankedTensorType>(cache.getType());
    std::optional<CacheQuantization> &q = quantizations[side];
    if (!q) {
      cacheValues[side] = {cache};
      continue;
    }
    storedTypes[side].push_back(cacheType.clone(q->storage));
    if (q->scheme.isDynamic()) {
      SmallVector<int64_t> rowShape(cacheType.getShape());
      rowShape.back() = HookedAttentionOp::getRowScaleCount(
          q->scheme, cacheType.getDimSize(3));
      storedTypes[side].push_back(RankedTensorType::get(
          rowShape, q->qparams.getScale().getType().getElementType()));
      if (Value zp = q->qparams.getZeroPoint())
        storedTypes[side].push_back(RankedTensorType::get(
            rowShape, getElementTypeOrSelf(zp.getType())));
    }
    cacheValues[side] = rewriteSource(sources[side], storedTypes[side]);
  }

  // The new op: same operands with the caches' codes and the scales.
  OperationState state(op.getLoc(), op->getName());
  state.addOperands({op.getQuery(), op.getKey(), op.getValue()});
  if (op.getMask())
    state.addOperands(op.getMask());
  state.addOperands(
      {cacheValues[0].front(), cacheValues[1].front(), op.getPosition()});
  std::array<int32_t, 11> segments = {1, 1, 1, op.getMask() ? 1 : 0, 1, 1, 1,
                                      0, 0, 0, 0};
  SmallVector<Type> resultTypes = {op.getOutput().getType(),
                                   cacheValues[0].front().getType(),
                                   cacheValues[1].front().getType()};
  for (unsigned side : {0u, 1u}) {
    std::optional<CacheQuantization> &q = quantizations[side];
    if (!q)
      continue;
    ArrayRef<Value> stored =
        q->scheme.isDynamic() ? ArrayRef<Value>(cacheValues[side]).drop_front()
                              : ArrayRef<Value>(params[side]);
    state.addOperands(stored);
    segments[7 + 2 * side] = 1;
    segments[8 + 2 * side] = stored.size() > 1 ? 1 : 0;
    if (q->scheme.isDynamic())
      for (Value value : stored)
        resultTypes.push_back(value.getType());
  }
  state.addTypes(resultTypes);
  state.addAttributes(llvm::to_vector(op->getDiscardableAttrs()));
  HookedAttentionOp::Properties &props =
      state.getOrAddProperties<HookedAttentionOp::Properties>();
  props = op.getProperties();
  props.operandSegmentSizes = segments;
  if (quantizations[0])
    props.k_cache_quant = quantizations[0]->scheme;
  if (quantizations[1])
    props.v_cache_quant = quantizations[1]->scheme;
  for (Region &region : op->getRegions())
    state.addRegion()->takeBody(region);
  auto newOp = cast<HookedAttentionOp>(builder.create(state));

  // The hooks now yield the unquantized tensor: the op quantizes on write.
  for (std::optional<CacheQuantization> &q : quantizations) {
    if (!q)
      continue;
    q->fakeQuantize.replaceAllUsesWith(q->fakeQuantize.getInput());
    q->fakeQuantize.erase();
    if (q->qparams && q->qparams->use_empty())
      q->qparams.erase();
  }

  // Results: the codes where the float caches were returned, the updated
  // scales right after them.
  op.getOutput().replaceAllUsesWith(newOp.getOutput());
  for (bool key : {true, false}) {
    unsigned side = key ? 0 : 1;
    Value updated = op.getUpdatedCaches()[side];
    Value replacement = newOp.getUpdatedCaches()[side];
    SmallVector<OpOperand *> uses = llvm::map_to_vector(
        updated.getUses(), [](OpOperand &use) { return &use; });
    for (OpOperand *use : uses) {
      auto ret = cast<func::ReturnOp>(use->getOwner());
      auto func = cast<func::FuncOp>(ret->getParentOp());
      unsigned index = use->getOperandNumber();
      SmallVector<Value> operands(ret.getOperands());
      operands[index] = replacement;
      Value scale = newOp.getUpdatedCacheScale(key);
      Value zeroPoint = newOp.getUpdatedCacheZeroPoint(key);
      SmallVector<Value> extra;
      for (Value value : {scale, zeroPoint})
        if (value)
          extra.push_back(value);
      SmallVector<unsigned> indices(extra.size(), index + 1);
      SmallVector<DictionaryAttr> attrs(extra.size(), DictionaryAttr());
      (void)func.insertResults(indices, TypeRange(extra), attrs);
      operands.insert(operands.begin() + index + 1, extra.begin(),
                      extra.end());
      ret->setOperands(operands);
      func.setFunctionType(FunctionType::get(
          func.getContext(), func.front().getArgumentTypes(),
          ret.getOperandTypes()));
    }
  }
  op.erase();
  for (CacheSource &source : sources)
    if (source.pad)
      source.pad.erase();
  // Arguments changed type: keep the function type in sync.
  auto func = newOp->getParentOfType<func::FuncOp>();
  func.setFunctionType(FunctionType::get(func.getContext(),
                                         func.front().getArgumentTypes(),
                                         func.getResultTypes()));
  reportBytesPerToken(newOp);
  return newOp;
}

/// A remark with the cache's bytes per token of this layer (one batch
/// element, all kv heads), K and V, codes and stored scales, against the
/// float cache.
void CacheMaterializer::reportBytesPerToken(HookedAttentionOp newOp) {
  int64_t total = 0, floatTotal = 0;
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "KV cache bytes per token";
  if (std::optional<StringRef> name = newOp.getName())
    os << " of " << *name;
  os << ": ";
  for (bool key : {true, false}) {
    auto cache = cast<RankedTensorType>(
        (key ? newOp.getKCache() : newOp.getVCache()).getType());
    RankedTensorType fresh =
        key ? newOp.getKey().getType() : newOp.getValue().getType();
    int64_t elements = cache.getDimSize(1) * cache.getDimSize(3);
    int64_t floatBytes = elements * getByteWidth(fresh.getElementType());
    floatTotal += floatBytes;
    os << (key ? "K " : ", V ");
    QuantSchemeAttr scheme = newOp.getCacheQuant(key);
    if (!scheme) {
      os << floatBytes << " (float)";
      total += floatBytes;
      continue;
    }
    int64_t codes =
        elements * cache.getElementType().getIntOrFloatBitWidth() / 8;
    int64_t scales = 0, zeroPoints = 0;
    if (Value scale = newOp.getUpdatedCacheScale(key)) {
      auto type = cast<RankedTensorType>(scale.getType());
      scales = type.getDimSize(1) * type.getDimSize(3) *
               getByteWidth(type.getElementType());
    }
    if (Value zp = newOp.getUpdatedCacheZeroPoint(key)) {
      auto type = cast<RankedTensorType>(zp.getType());
      zeroPoints = type.getDimSize(1) * type.getDimSize(3) *
                   getByteWidth(type.getElementType());
    }
    int64_t bytes = codes + scales + zeroPoints;
    total += bytes;
    os << bytes << " (" << codes << " codes + " << scales << " scales";
    if (zeroPoints)
      os << " + " << zeroPoints << " zero points";
    os << ')';
  }
  os << "; total " << total << " vs " << floatTotal << " for the float cache ("
     << llvm::format("%.2f", double(floatTotal) / double(total))
     << "x smaller)";
  newOp.emitRemark(text);
}

struct MaterializeKVCachePass
    : public ct::impl::MaterializeKVCacheBase<MaterializeKVCachePass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<HookedAttentionOp> ops;
    getOperation()->walk([&](HookedAttentionOp op) { ops.push_back(op); });
    for (HookedAttentionOp op : ops)
      if (failed(CacheMaterializer(op, perTokenHead).run()))
        return signalPassFailure();
  }
};

} // namespace
