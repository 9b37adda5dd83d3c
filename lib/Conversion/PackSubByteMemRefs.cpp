// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// ct-pack-sub-byte-memrefs: 4-bit buffers (i4 codes, f4E2M1FN values) hold
// two elements per byte, element 2i in the low nibble and 2i+1 in the high
// nibble of byte i, the layout compressed-tensors' pack_fp4_to_uint8
// (compressors/nvfp4/helpers.py) writes. Without this pass LLVM stores one
// 4-bit element per byte.
//
// Upstream's narrow-type emulation does the packing for integers; it turns
// every 4-bit memref into a 1-D i8 memref. This pass feeds it f4E2M1FN
// buffers as i4 ones and gives public functions a packed buffer of the
// tensor's rank instead ([..., C/2] bytes), which is what callers allocate.

#include "ct/Conversion/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Affine/ViewLikeInterfaceUtils.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/NarrowTypeEmulationConverter.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/DialectConversion.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/TypeSwitch.h"

#include <type_traits>

namespace ct {
#define GEN_PASS_DEF_PACKSUBBYTEMEMREFS
#include "ct/Conversion/Passes.h.inc"
} // namespace ct

using namespace mlir;

namespace {

/// Bits per byte of the packed storage: two 4-bit elements per i8.
constexpr unsigned kStorageBits = 8;

/// 4-bit elements a loop storing consecutive ones stores at once.
constexpr int64_t kUnrollFactor = 16;

bool isFloat4(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  return memref && isa<Float4E2M1FNType>(memref.getElementType());
}

bool isSubByteMemRef(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  return memref && memref.getElementType().isIntOrFloat() &&
         memref.getElementType().getIntOrFloatBitWidth() == 4;
}

/// `type` with f4E2M1FN memrefs (also inside function types) as i4 memrefs.
Type withIntegerStorage(Type type) {
  if (auto memref = dyn_cast<MemRefType>(type);
      memref && isFloat4(memref))
    return memref.clone(IntegerType::get(type.getContext(), 4));
  if (auto function = dyn_cast<FunctionType>(type)) {
    auto convert = [](TypeRange types) {
      return llvm::map_to_vector(types, withIntegerStorage);
    };
    return FunctionType::get(type.getContext(),
                             convert(function.getInputs()),
                             convert(function.getResults()));
  }
  return type;
}

/// Retypes f4E2M1FN buffers as i4 buffers in place: the bits are the same,
/// only loads and stores see values and get an arith.bitcast; every other
/// op on a buffer (allocation, views, copies, control flow) does not depend
/// on its element type. Upstream's emulation then packs them as integers.
LogicalResult retypeFloat4AsInteger(ModuleOp module) {
  WalkResult result = module.walk([&](Operation *op) {
    bool touchesFloat4 = llvm::any_of(op->getOperandTypes(), isFloat4) ||
                         llvm::any_of(op->getResultTypes(), isFloat4);
    // A vector load of 4-bit codes that are only bitcast (ct-attention-to-gpu
    // reads fp4 caches as words) reads the same bits from the i4 buffer.
    bool loadsCodes =
        isa<vector::LoadOp>(op) &&
        llvm::all_of(op->getUsers(), llvm::IsaPred<vector::BitCastOp>);
    if (touchesFloat4 && !loadsCodes &&
        !isa<memref::MemRefDialect, func::FuncDialect, scf::SCFDialect,
             cf::ControlFlowDialect, bufferization::BufferizationDialect>(
            op->getDialect())) {
      op->emitOpError("accesses a f4E2M1FN buffer, which "
                      "ct-pack-sub-byte-memrefs cannot pack (only memref "
                      "loads and stores, and vector loads whose codes are "
                      "only bitcast, may read or write its elements)");
      return WalkResult::interrupt();
    }
    // Loads and stores are recognized by their values: the walk may have
    // retyped their buffer already.
    OpBuilder builder(op);
    if (auto load = dyn_cast<memref::LoadOp>(op);
        load && isa<Float4E2M1FNType>(load.getType())) {
      builder.setInsertionPointAfter(load);
      auto value = arith::BitcastOp::create(builder, load.getLoc(),
                                            load.getType(), load.getResult());
      load.getResult().replaceAllUsesExcept(value, value);
      load.getResult().setType(builder.getIntegerType(4));
    } else if (auto store = dyn_cast<memref::StoreOp>(op);
               store && isa<Float4E2M1FNType>(store.getValue().getType())) {
      auto bits = arith::BitcastOp::create(builder, store.getLoc(),
                                           builder.getIntegerType(4),
                                           store.getValueToStore());
      store.getValueMutable().assign(bits);
    } else if (auto load = dyn_cast<vector::LoadOp>(op);
               load && loadsCodes &&
               isa<Float4E2M1FNType>(load.getVectorType().getElementType())) {
      load.getResult().setType(
          load.getVectorType().clone(builder.getIntegerType(4)));
    }
    for (Value value : op->getResults())
      value.setType(withIntegerStorage(value.getType()));
    for (Region &region : op->getRegions())
      for (Block &block : region)
        for (BlockArgument argument : block.getArguments())
          argument.setType(withIntegerStorage(argument.getType()));
    if (auto func = dyn_cast<func::FuncOp>(op))
      func.setFunctionType(
          cast<FunctionType>(withIntegerStorage(func.getFunctionType())));
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

/// `copy` as a loop nest of element loads and stores (static shapes).
LogicalResult expandCopy(memref::CopyOp copy) {
  auto type = cast<MemRefType>(copy.getSource().getType());
  if (!type.hasStaticShape())
    return copy.emitOpError("of a view of a 4-bit buffer at a dynamic offset "
                            "or with non-contiguous elements must have a "
                            "static shape");
  OpBuilder builder(copy);
  Location loc = copy.getLoc();
  Value zero = arith::ConstantIndexOp::create(builder, loc, 0);
  Value one = arith::ConstantIndexOp::create(builder, loc, 1);
  SmallVector<Value> lbs(type.getRank(), zero), steps(type.getRank(), one),
      ubs;
  for (int64_t size : type.getShape())
    ubs.push_back(arith::ConstantIndexOp::create(builder, loc, size));
  scf::buildLoopNest(builder, loc, lbs, ubs, steps,
                     [&](OpBuilder &b, Location l, ValueRange ivs) {
                       Value x = memref::LoadOp::create(b, l, copy.getSource(),
                                                        ivs);
                       memref::StoreOp::create(b, l, x, copy.getTarget(), ivs);
                     });
  copy.erase();
  return success();
}

/// Whether the emulation cannot pack `subview` of a 4-bit buffer: it packs
/// only subviews at static offsets whose elements are contiguous, not a
/// KV-cache row written at a position (dynamic) or the last row of a cache
/// [B, H, S, D] (static, one row of each head).
bool isUnpackableSubview(memref::SubViewOp subview) {
  return isSubByteMemRef(subview.getType()) &&
         (llvm::any_of(subview.getStaticOffsets(), ShapedType::isDynamic) ||
          !memref::isStaticShapeAndContiguousRowMajor(subview.getType()));
}

/// The subviews the emulation cannot pack and the reshapes and subviews of
/// them.
SetVector<Operation *> collectUnpackableViews(ModuleOp module) {
  SetVector<Operation *> views;
  module.walk([&](memref::SubViewOp op) {
    if (isUnpackableSubview(op))
      views.insert(op);
  });
  for (size_t i = 0; i < views.size(); ++i)
    for (Operation *user : views[i]->getUsers())
      if (isa<memref::SubViewOp, memref::ExpandShapeOp,
              memref::CollapseShapeOp>(user))
        views.insert(user);
  return views;
}

/// The buffer under the views of `views` that `memref` is, and the indices
/// of element `indices` of `memref` in it (the views' offsets, strides and
/// reshapes composed as affine maps): the same element, so whether an
/// access starts a byte does not change.
Value resolveViewIndices(PatternRewriter &rewriter, Location loc,
                         const SetVector<Operation *> &views, Value memref,
                         SmallVectorImpl<Value> &indices) {
  while (Operation *view = memref.getDefiningOp()) {
    if (!views.contains(view))
      break;
    SmallVector<Value> resolved;
    if (auto subview = dyn_cast<memref::SubViewOp>(view)) {
      affine::resolveIndicesIntoOpWithOffsetsAndStrides(
          rewriter, loc, subview.getMixedOffsets(), subview.getMixedStrides(),
          subview.getDroppedDims(), indices, resolved);
    } else if (auto expand = dyn_cast<memref::ExpandShapeOp>(view)) {
      memref::resolveSourceIndicesExpandShape(loc, rewriter, expand, indices,
                                              resolved,
                                              /*startsInbounds=*/true);
    } else {
      memref::resolveSourceIndicesCollapseShape(
          loc, rewriter, cast<memref::CollapseShapeOp>(view), indices,
          resolved);
    }
    indices.assign(resolved);
    memref = view->getOperand(0);
  }
  return memref;
}

/// Loads and stores through views of a 4-bit buffer that the emulation
/// cannot pack (ct-attention-to-gpu's cache rows written at the position or
/// into the last row, also through the reshapes of vectorized stores) access
/// the buffer itself at the composed indices instead. The access keeps its
/// attributes (a vector's alignment), a scalar store stays a nibble
/// read-modify-write; copies (the rows of a cache that is not written in
/// place) become loops of such loads and stores.
LogicalResult foldUnpackableViews(ModuleOp module) {
  SetVector<Operation *> views = collectUnpackableViews(module);
  SetVector<memref::CopyOp> copies;
  for (Operation *view : views)
    for (Operation *user : view->getUsers())
      if (auto copy = dyn_cast<memref::CopyOp>(user))
        copies.insert(copy);
  for (memref::CopyOp copy : copies)
    if (failed(expandCopy(copy)))
      return failure();
  PatternRewriter rewriter(module.getContext());
  for (Operation *view : views) {
    for (OpOperand &use : llvm::make_early_inc_range(view->getUses())) {
      Operation *user = use.getOwner();
      if (views.contains(user))
        continue;
      // Vector loads and stores have a unit innermost stride (verified):
      // their elements are consecutive in the buffer too.
      if (!isa<memref::LoadOp, vector::LoadOp>(user) &&
          !(isa<memref::StoreOp, vector::StoreOp>(user) &&
            use.getOperandNumber() == 1))
        return user->emitOpError(
            "uses a view of a 4-bit buffer at a dynamic offset or with "
            "non-contiguous elements, which ct-pack-sub-byte-memrefs can only "
            "fold into memref and vector loads and stores and into copies");
      rewriter.setInsertionPoint(user);
      MutableOperandRange indexOperands =
          TypeSwitch<Operation *, MutableOperandRange>(user)
              .Case<memref::LoadOp, memref::StoreOp, vector::LoadOp,
                    vector::StoreOp>(
                  [](auto op) { return op.getIndicesMutable(); });
      SmallVector<Value> indices = llvm::to_vector(ValueRange(indexOperands));
      Value buffer = resolveViewIndices(rewriter, user->getLoc(), views,
                                        use.get(), indices);
      rewriter.modifyOpInPlace(user, [&] {
        use.set(buffer);
        indexOperands.assign(ValueRange(indices));
      });
    }
  }
  // Only the views use each other now.
  for (Operation *view : views)
    view->dropAllUses();
  for (Operation *view : views)
    view->erase();
  return success();
}

/// Whether element [..., 2k] of `type` starts a byte of the packed storage
/// for all indices: the emulation packs the buffer's linearized elements.
bool pairsStartBytes(MemRefType type) {
  if (type.getRank() == 0)
    return false;
  if (type.getLayout().isIdentity())
    return type.getRank() == 1 || (!type.isDynamicDim(type.getRank() - 1) &&
                                   type.getShape().back() % 2 == 0);
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)) ||
      ShapedType::isDynamic(offset) || offset % 2 != 0 ||
      strides.back() != 1)
    return false;
  return llvm::all_of(ArrayRef(strides).drop_back(), [](int64_t stride) {
    return !ShapedType::isDynamic(stride) && stride % 2 == 0;
  });
}

/// The store of a loop that writes consecutive 4-bit elements, each
/// iteration the element after the previous one's, starting on a byte: a
/// single-block body whose only memory effects are that store and loads of
/// wider buffers (which cannot alias it), constant bounds, step 1, and a
/// static buffer. `factor` is how many iterations store whole bytes
/// together: the lower bound, the trip count and the innermost size are
/// multiples of it. Null otherwise.
memref::StoreOp pairableStore(scf::ForOp loop, int64_t &factor) {
  std::optional<int64_t> lower = getConstantIntValue(loop.getLowerBound());
  std::optional<int64_t> upper = getConstantIntValue(loop.getUpperBound());
  std::optional<int64_t> step = getConstantIntValue(loop.getStep());
  if (!lower || !upper || !step || *step != 1 || *upper <= *lower ||
      loop.getNumResults() != 0)
    return nullptr;
  memref::StoreOp found;
  for (Operation &op : loop.getBody()->without_terminator()) {
    if (op.getNumRegions() != 0)
      return nullptr;
    if (auto store = dyn_cast<memref::StoreOp>(op)) {
      if (found || !isSubByteMemRef(store.getMemRefType()))
        return nullptr;
      found = store;
      continue;
    }
    if (auto load = dyn_cast<memref::LoadOp>(op)) {
      if (isSubByteMemRef(load.getMemRefType()))
        return nullptr;
      continue;
    }
    if (!isMemoryEffectFree(&op))
      return nullptr;
  }
  if (!found)
    return nullptr;
  MemRefType type = found.getMemRefType();
  if (!type.hasStaticShape() || !pairsStartBytes(type) ||
      !loop.isDefinedOutsideOfLoop(found.getMemRef()))
    return nullptr;
  ValueRange indices = found.getIndices();
  if (indices.back() != loop.getInductionVar() ||
      !llvm::all_of(indices.drop_back(), [&](Value index) {
        return loop.isDefinedOutsideOfLoop(index);
      }))
    return nullptr;
  for (factor = kUnrollFactor; factor >= 2; factor /= 2)
    if (*lower % factor == 0 && (*upper - *lower) % factor == 0 &&
        type.getShape().back() % factor == 0)
      return found;
  return nullptr;
}

/// In-bounds 1-D transfer reads of consecutive 4-bit elements (the packed
/// cache codes ct-lower-attention reads a vector at a time) as vector loads:
/// upstream emulates a transfer read as one that may run out of bounds, a
/// masked byte load that x86 performs byte by byte.
void loadWholeBytes(ModuleOp module) {
  IRRewriter rewriter(module.getContext());
  module.walk([&](vector::TransferReadOp read) {
    auto type = dyn_cast<MemRefType>(read.getBase().getType());
    if (!type || !isSubByteMemRef(type) || !type.isLastDimUnitStride() ||
        read.getMask() || read.getVectorType().getRank() != 1 ||
        !read.getPermutationMap().isMinorIdentity() || !read.isDimInBounds(0))
      return;
    rewriter.setInsertionPoint(read);
    rewriter.replaceOpWithNewOp<vector::LoadOp>(
        read, read.getVectorType(), read.getBase(), read.getIndices());
  });
}

/// Stores whole bytes where loops store consecutive 4-bit elements (the
/// loops of linalg ops writing 4-bit buffers): the emulation of a scalar
/// 4-bit store is two atomic read-modify-writes of its byte, which nothing
/// vectorizes. The loop is unrolled `factor` times and an iteration stores
/// the `factor` elements as a vector into a view of the buffer whose
/// innermost dimension is that vector ([..., D] as [..., D/factor, factor]),
/// which the emulation writes as whole bytes.
LogicalResult storeWholeBytes(ModuleOp module) {
  SmallVector<scf::ForOp> loops;
  module.walk([&](scf::ForOp loop) {
    int64_t factor;
    if (pairableStore(loop, factor))
      loops.push_back(loop);
  });
  constexpr StringLiteral kMarker = "ct.whole_bytes";
  for (scf::ForOp loop : loops) {
    int64_t factor;
    memref::StoreOp store = pairableStore(loop, factor);
    MemRefType type = store.getMemRefType();
    SmallVector<int64_t> shape(type.getShape());
    shape.back() /= factor;
    shape.push_back(factor);
    SmallVector<ReassociationIndices> reassociation;
    for (int64_t dim = 0; dim + 1 < type.getRank(); ++dim)
      reassociation.push_back({dim});
    reassociation.push_back({type.getRank() - 1, type.getRank()});
    FailureOr<MemRefType> viewType =
        memref::ExpandShapeOp::computeExpandedType(type, shape, reassociation);
    if (failed(viewType))
      continue;
    OpBuilder builder(loop);
    Value view = memref::ExpandShapeOp::create(
        builder, loop.getLoc(), *viewType, store.getMemRef(), reassociation);

    store->setAttr(kMarker, UnitAttr::get(module.getContext()));
    Operation *parent = loop->getParentOp();
    if (failed(loopUnrollByFactor(loop, factor)))
      return loop.emitError("cannot be unrolled to store whole bytes");
    SmallVector<memref::StoreOp> stores;
    parent->walk([&](memref::StoreOp op) {
      if (op->hasAttr(kMarker))
        stores.push_back(op);
    });
    if (stores.size() % factor != 0)
      return parent->emitError("unexpected unrolled 4-bit stores");
    for (size_t first = 0; first < stores.size(); first += factor) {
      ArrayRef<memref::StoreOp> group = ArrayRef(stores).slice(first, factor);
      memref::StoreOp front = group.front(), last = group.back();
      builder.setInsertionPoint(last);
      Location loc = last.getLoc();
      SmallVector<Value> values = llvm::map_to_vector(
          group, [](memref::StoreOp op) { return op.getValueToStore(); });
      auto vectorType = VectorType::get({factor}, values.front().getType());
      Value vector =
          vector::FromElementsOp::create(builder, loc, vectorType, values);
      // The first element of the group is a multiple of `factor`.
      SmallVector<Value> indices(front.getIndices());
      indices.back() = arith::DivUIOp::create(
          builder, loc, indices.back(),
          arith::ConstantIndexOp::create(builder, loc, factor));
      indices.push_back(arith::ConstantIndexOp::create(builder, loc, 0));
      vector::StoreOp::create(builder, loc, vector, view, indices);
      for (memref::StoreOp op : group)
        op.erase();
    }
  }
  return success();
}

/// Public functions whose 4-bit buffer arguments the caller passes packed
/// along the innermost dimension, with the argument types they had before
/// the emulation flattened them.
using PackedBoundaries =
    SmallVector<std::pair<func::FuncOp, SmallVector<MemRefType>>>;

/// Checks that the 4-bit buffers at public function boundaries can be
/// packed along their innermost dimension and collects them.
FailureOr<PackedBoundaries> collectPackedBoundaries(ModuleOp module) {
  PackedBoundaries boundaries;
  SymbolTableCollection symbols;
  SymbolUserMap users(symbols, module);
  for (auto func : module.getOps<func::FuncOp>()) {
    if (func.isPrivate() || func.isExternal())
      continue;
    SmallVector<MemRefType> types;
    for (auto [index, type] : llvm::enumerate(func.getArgumentTypes())) {
      auto memref = dyn_cast<MemRefType>(type);
      types.push_back(memref);
      if (!isSubByteMemRef(type))
        continue;
      // The caller's bytes are [..., C/2]: each row starts on a whole byte.
      if (memref.getRank() == 0 || !memref.getLayout().isIdentity() ||
          (!memref.isDynamicDim(memref.getRank() - 1) &&
           memref.getShape().back() % 2 != 0))
        return func.emitError()
               << "argument #" << index << " has type " << type
               << ", which cannot be passed packed: 4-bit buffers hold two "
                  "elements per byte along the innermost dimension, which "
                  "must have an even size (and an identity layout)";
    }
    if (llvm::none_of(func.getArgumentTypes(), isSubByteMemRef))
      continue;
    if (llvm::any_of(func.getResultTypes(), isSubByteMemRef))
      return func.emitError()
             << "returns a 4-bit buffer, which ct-pack-sub-byte-memrefs "
                "cannot give a packed [..., C/2] shape; pass it as an "
                "out-parameter (static shapes)";
    if (!users.getUsers(func).empty())
      return func.emitError()
             << "is called inside the module and takes 4-bit buffers, "
                "which public functions take packed as [..., C/2] bytes";
    boundaries.emplace_back(func, std::move(types));
  }
  return boundaries;
}

/// Loads and stores linearize their indices with the metadata of the 4-bit
/// memref, which is constant for static shapes: the
/// memref.extract_strided_metadata they create is then unused. Nothing
/// converts it when the memref is a function argument, so it goes.
struct EraseUnusedMetadata
    : public OpConversionPattern<memref::ExtractStridedMetadataOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(memref::ExtractStridedMetadataOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!op->use_empty() || !isSubByteMemRef(op.getSource().getType()))
      return rewriter.notifyMatchFailure(op, "metadata is used");
    rewriter.eraseOp(op);
    return success();
  }
};

/// The byte holding element `indices` of a 4-bit buffer of `type` with an
/// identity layout (static unless 1-D), in the emulation's flat i8 buffer;
/// null for other layouts.
Value getByteIndex(OpBuilder &b, Location loc, MemRefType type,
                   ValueRange indices) {
  if (!type.getLayout().isIdentity() ||
      (type.getRank() != 1 && !type.hasStaticShape()))
    return nullptr;
  Value linear = indices.back();
  int64_t stride = 1;
  for (int64_t dim = type.getRank() - 2; dim >= 0; --dim) {
    stride *= type.getDimSize(dim + 1);
    linear = arith::AddIOp::create(
        b, loc, linear,
        arith::MulIOp::create(b, loc, indices[dim],
                              arith::ConstantIndexOp::create(b, loc, stride)));
  }
  return arith::DivUIOp::create(b, loc, linear,
                                arith::ConstantIndexOp::create(b, loc, 2));
}

/// A vector load or store of whole bytes of a 4-bit buffer that states its
/// alignment (ct-attention-to-gpu's loads of packed cache codes,
/// ct-gpu-vectorize-parallel-loops' codes) as an access to those bytes with
/// that alignment: upstream's patterns drop the alignment, which makes LLVM
/// access byte by byte, and a store would stay a read-modify-write.
template <typename OpTy>
struct AlignedVectorAccess : public OpConversionPattern<OpTy> {
  AlignedVectorAccess(const TypeConverter &typeConverter, MLIRContext *ctx)
      : OpConversionPattern<OpTy>(typeConverter, ctx, /*benefit=*/2) {}

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    MemRefType type = op.getMemRefType();
    VectorType vectorType = op.getVectorType();
    if (!isSubByteMemRef(type) || !op.getAlignment() ||
        vectorType.getRank() != 1 || vectorType.getNumElements() % 2 != 0)
      return rewriter.notifyMatchFailure(op, "not an aligned 1-D vector");
    Location loc = op.getLoc();
    // The first element starts a byte, as upstream's patterns also assume
    // for accesses of an even number of elements.
    Value byte = getByteIndex(rewriter, loc, type, adaptor.getIndices());
    if (!byte)
      return rewriter.notifyMatchFailure(op, "not an identity layout");
    auto bytesType = VectorType::get({vectorType.getNumElements() / 2},
                                     rewriter.getIntegerType(kStorageBits));
    llvm::MaybeAlign alignment(*op.getAlignment());
    if constexpr (std::is_same_v<OpTy, vector::LoadOp>) {
      Value bytes = vector::LoadOp::create(
          rewriter, loc, bytesType, adaptor.getBase(), ValueRange{byte},
          op.getNontemporal(), alignment);
      rewriter.replaceOpWithNewOp<vector::BitCastOp>(op, vectorType, bytes);
    } else {
      Value bytes = vector::BitCastOp::create(rewriter, loc, bytesType,
                                              adaptor.getValueToStore());
      rewriter.replaceOpWithNewOp<vector::StoreOp>(
          op, bytes, adaptor.getBase(), ValueRange{byte}, op.getNontemporal(),
          alignment);
    }
    return success();
  }
};

/// Upstream's emulation: 4-bit memrefs become 1-D i8 memrefs, loads extract
/// and stores insert nibbles (element i at bit 4 * (i % 2) of byte i / 2).
LogicalResult emulateNarrowTypes(ModuleOp module) {
  MLIRContext *ctx = module.getContext();
  arith::NarrowTypeEmulationConverter typeConverter(kStorageBits);
  memref::populateMemRefNarrowTypeEmulationConversions(typeConverter);
  // Only 4-bit buffers are packed: i1 masks and other narrow buffers keep a
  // byte per element, which callers and the rest of the pipeline expect.
  // Conversions added last are tried first; nullopt defers to upstream's.
  typeConverter.addConversion([](MemRefType type) -> std::optional<Type> {
    if (isSubByteMemRef(type))
      return std::nullopt;
    return type;
  });

  ConversionTarget target(*ctx);
  auto isLegal = [&](Operation *op) { return typeConverter.isLegal(op); };
  target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp op) {
    return typeConverter.isSignatureLegal(op.getFunctionType()) &&
           typeConverter.isLegal(&op.getBody());
  });
  target.addDynamicallyLegalOp<func::CallOp, func::ReturnOp>(isLegal);
  target.addDynamicallyLegalDialect<
      affine::AffineDialect, arith::ArithDialect,
      bufferization::BufferizationDialect, memref::MemRefDialect,
      vector::VectorDialect>(isLegal);

  RewritePatternSet patterns(ctx);
  arith::populateArithNarrowTypeEmulationPatterns(typeConverter, patterns);
  memref::populateMemRefNarrowTypeEmulationPatterns(typeConverter, patterns);
  vector::populateVectorNarrowTypeEmulationPatterns(typeConverter, patterns);
  scf::populateSCFStructuralTypeConversionsAndLegality(typeConverter, patterns,
                                                       target);
  patterns.add<EraseUnusedMetadata, AlignedVectorAccess<vector::LoadOp>,
               AlignedVectorAccess<vector::StoreOp>>(typeConverter, ctx);
  return applyPartialConversion(module, target, std::move(patterns));
}

/// Gives the packed arguments of public functions the caller's shape
/// [..., C/2] and collapses them at entry into the 1-D buffer the emulated
/// body uses: a row-major collapse, so byte i of both is the same byte.
LogicalResult reshapePackedArguments(PackedBoundaries &boundaries) {
  for (auto &[func, originalTypes] : boundaries) {
    Block &entry = func.getBody().front();
    OpBuilder builder = OpBuilder::atBlockBegin(&entry);
    SmallVector<Type> inputs(func.getArgumentTypes());
    for (auto [index, original] : llvm::enumerate(originalTypes)) {
      // A 1-D argument already is the emulation's flat buffer.
      if (!original || !isSubByteMemRef(original) || original.getRank() == 1)
        continue;
      BlockArgument argument = entry.getArgument(index);
      auto flat = cast<MemRefType>(argument.getType());
      SmallVector<int64_t> shape(original.getShape());
      if (!ShapedType::isDynamic(shape.back()))
        shape.back() /= 2;
      auto packed = MemRefType::get(shape, flat.getElementType(),
                                    MemRefLayoutAttrInterface(),
                                    original.getMemorySpace());
      argument.setType(packed);
      SmallVector<ReassociationIndices> all(1);
      for (int64_t dim = 0; dim < packed.getRank(); ++dim)
        all.front().push_back(dim);
      auto collapsed = memref::CollapseShapeOp::create(builder, func.getLoc(),
                                                       argument, all);
      if (collapsed.getType() != flat)
        return func.emitError() << "the emulation made argument #" << index
                                << " a " << flat << ", not the contiguous "
                                << collapsed.getType() << " of its bytes";
      argument.replaceAllUsesExcept(collapsed, collapsed);
      inputs[index] = packed;
    }
    func.setFunctionType(
        FunctionType::get(func.getContext(), inputs, func.getResultTypes()));
  }
  return success();
}

struct PackSubByteMemRefsPass
    : public ct::impl::PackSubByteMemRefsBase<PackSubByteMemRefsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (failed(retypeFloat4AsInteger(module)) ||
        failed(foldUnpackableViews(module)) ||
        failed(storeWholeBytes(module)))
      return signalPassFailure();
    loadWholeBytes(module);
    FailureOr<PackedBoundaries> boundaries = collectPackedBoundaries(module);
    if (failed(boundaries) || failed(emulateNarrowTypes(module)) ||
        failed(reshapePackedArguments(*boundaries)))
      return signalPassFailure();
    // Codes loaded as bytes and bitcast to 4-bit lanes are widened with
    // shifts and an interleave of the bytes: LLVM legalizes a bitcast to
    // 4-bit lanes through memory, a nibble at a time.
    RewritePatternSet patterns(&getContext());
    vector::populateVectorNarrowTypeRewritePatterns(patterns);
    if (failed(applyPatternsGreedily(module, std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
