// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// The small passes of ct-lower-to-nvvm that upstream MLIR does not provide:
// shaping bufferized loops into grid × block launches, making host-side
// allocations and copies device-capable, running a call's GPU work on one
// stream, and selecting hardware instructions (fp8 conversion, rounding) for
// the numerics of kernels.

#include "ct/Conversion/GPUKernelBuilding.h"
#include "ct/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/SetVector.h"

#include <numeric>

namespace ct {
#define GEN_PASS_DEF_GPUVECTORIZEPARALLELLOOPS
#define GEN_PASS_DEF_GPUTILEPARALLELLOOPS
#define GEN_PASS_DEF_GPUHOSTMEMORY
#define GEN_PASS_DEF_GPUASYNCSTREAM
#define GEN_PASS_DEF_GPUSELECTINSTRUCTIONS
#include "ct/Conversion/Passes.h.inc"
} // namespace ct

using namespace mlir;

namespace {

//===----------------------------------------------------------------------===//
// ct-gpu-vectorize-parallel-loops
//===----------------------------------------------------------------------===//

/// Elements per iteration at most: 16 bytes of the narrowest buffer, which
/// for 4-bit codes from f32 data would otherwise be 32 (8 loads a thread).
constexpr int64_t kMaxVectorElements = 16;

/// How an elementwise loop is vectorized: elements per iteration of its
/// innermost dimension, and the buffers it accesses at that dimension's
/// induction variable.
struct VectorizationPlan {
  int64_t width;
  llvm::SetVector<Value> contiguous;
};

/// Whether `width` consecutive elements of `type` starting at a multiple of
/// `width` in its innermost dimension are aligned to their size (given an
/// aligned buffer) and do not cross a row.
static bool isVectorAligned(MemRefType type, int64_t width) {
  int64_t offset;
  SmallVector<int64_t> strides;
  if (!type.hasStaticShape() || type.getRank() == 0 ||
      type.getShape().back() % width != 0 ||
      failed(type.getStridesAndOffset(strides, offset)) ||
      strides.back() != 1 || ShapedType::isDynamic(offset) ||
      offset % width != 0)
    return false;
  return llvm::all_of(ArrayRef(strides).drop_back(), [&](int64_t stride) {
    return !ShapedType::isDynamic(stride) && stride % width == 0;
  });
}

/// The plan for `loop`, or nullopt when it is not elementwise in its
/// innermost dimension (see the pass description).
static std::optional<VectorizationPlan>
planVectorization(scf::ParallelOp loop) {
  if (!loop.getInitVals().empty())
    return std::nullopt;
  unsigned last = loop.getNumLoops() - 1;
  Value iv = loop.getInductionVars()[last];
  std::optional<int64_t> lower =
      getConstantIntValue(loop.getLowerBound()[last]);
  std::optional<int64_t> upper =
      getConstantIntValue(loop.getUpperBound()[last]);
  std::optional<int64_t> step = getConstantIntValue(loop.getStep()[last]);
  if (!lower || *lower != 0 || !upper || !step || *step != 1)
    return std::nullopt;
  DenseSet<Value> varying = {iv};
  auto isVarying = [&](Value value) { return varying.contains(value); };
  VectorizationPlan plan;
  for (Operation &op : loop.getBody()->without_terminator()) {
    if (op.getNumRegions() != 0)
      return std::nullopt;
    auto load = dyn_cast<memref::LoadOp>(op);
    auto store = dyn_cast<memref::StoreOp>(op);
    if (load || store) {
      ValueRange indices = load ? load.getIndices() : store.getIndices();
      Value buffer = load ? load.getMemRef() : store.getMemRef();
      if (llvm::any_of(indices.drop_back(), isVarying))
        return std::nullopt;
      bool atIV = !indices.empty() && indices.back() == iv;
      // A store elsewhere would be repeated by every element of a vector.
      if (!atIV && (store || llvm::any_of(indices, isVarying)))
        return std::nullopt;
      if (atIV) {
        if (!loop.isDefinedOutsideOfLoop(buffer))
          return std::nullopt;
        plan.contiguous.insert(buffer);
        if (load)
          varying.insert(load.getResult());
      }
      continue;
    }
    if (!isMemoryEffectFree(&op))
      return std::nullopt;
    if (llvm::any_of(op.getOperands(), isVarying))
      varying.insert(op.result_begin(), op.result_end());
  }
  if (plan.contiguous.empty())
    return std::nullopt;
  unsigned narrowestBits = 128;
  for (Value buffer : plan.contiguous) {
    Type elementType = cast<MemRefType>(buffer.getType()).getElementType();
    if (!elementType.isIntOrFloat())
      return std::nullopt;
    narrowestBits =
        std::min(narrowestBits, elementType.getIntOrFloatBitWidth());
  }
  plan.width = std::min<int64_t>(kMaxVectorElements, 128 / narrowestBits);
  for (; plan.width >= 2; plan.width /= 2)
    if (*upper % plan.width == 0 &&
        llvm::all_of(plan.contiguous, [&](Value buffer) {
          return isVectorAligned(cast<MemRefType>(buffer.getType()),
                                 plan.width);
        }))
      return plan;
  return std::nullopt;
}

/// Rewrites `loop` to iterate over vectors of `plan.width` elements of its
/// innermost dimension: contiguous accesses become vector loads and stores
/// of views [..., D / width, width] of their buffers, ops that depend on
/// the element are repeated once per element, the others stay.
static void vectorizeLoop(scf::ParallelOp loop, const VectorizationPlan &plan) {
  Location loc = loop.getLoc();
  int64_t width = plan.width;
  unsigned last = loop.getNumLoops() - 1;
  OpBuilder b(loop);
  DenseMap<Value, Value> views;
  for (Value buffer : plan.contiguous) {
    auto type = cast<MemRefType>(buffer.getType());
    SmallVector<int64_t> shape(type.getShape());
    shape.back() /= width;
    shape.push_back(width);
    SmallVector<ReassociationIndices> reassociation;
    for (int64_t dim = 0; dim + 1 < type.getRank(); ++dim)
      reassociation.push_back({dim});
    reassociation.push_back({type.getRank() - 1, type.getRank()});
    views[buffer] = memref::ExpandShapeOp::create(b, loc, shape, buffer,
                                                  reassociation);
  }
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  int64_t upper = *getConstantIntValue(loop.getUpperBound()[last]);
  loop->setOperand(loop.getNumLoops() + last,
                   arith::ConstantIndexOp::create(b, loc, upper / width));

  Value tile = loop.getInductionVars()[last];
  Block *body = loop.getBody();
  DenseMap<Value, SmallVector<Value>> lanes;
  // The element index, for ops other than the accesses that use it.
  auto getLanes = [&](Value value) -> SmallVector<Value> {
    if (auto it = lanes.find(value); it != lanes.end())
      return it->second;
    if (value != tile)
      return SmallVector<Value>(width, value);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(body);
    Value first = arith::MulIOp::create(
        b, loc, tile, arith::ConstantIndexOp::create(b, loc, width));
    SmallVector<Value> elements;
    for (int64_t k = 0; k < width; ++k)
      elements.push_back(arith::AddIOp::create(
          b, loc, first, arith::ConstantIndexOp::create(b, loc, k)));
    return lanes[tile] = elements;
  };
  // Vectors are aligned to their size, up to 16 bytes: planVectorization
  // checked the offsets.
  auto vectorAccess = [&](Value buffer, ValueRange indices,
                          llvm::MaybeAlign &alignment) {
    Type elementType = cast<MemRefType>(buffer.getType()).getElementType();
    alignment = ct::getVectorAlignment(elementType, width);
    SmallVector<Value> viewIndices(indices);
    viewIndices.push_back(zero);
    return std::pair(VectorType::get({width}, elementType), viewIndices);
  };

  SmallVector<Operation *> replaced;
  for (Operation &op : body->without_terminator()) {
    b.setInsertionPoint(&op);
    auto load = dyn_cast<memref::LoadOp>(op);
    if (load && !load.getIndices().empty() &&
        load.getIndices().back() == tile &&
        plan.contiguous.contains(load.getMemRef())) {
      llvm::MaybeAlign alignment;
      auto [type, indices] =
          vectorAccess(load.getMemRef(), load.getIndices(), alignment);
      Value vector =
          vector::LoadOp::create(b, loc, type, views[load.getMemRef()],
                                 indices, /*nontemporal=*/false, alignment);
      SmallVector<Value> &elements = lanes[load.getResult()];
      for (int64_t k = 0; k < width; ++k)
        elements.push_back(vector::ExtractOp::create(b, loc, vector, k));
      replaced.push_back(&op);
      continue;
    }
    if (auto store = dyn_cast<memref::StoreOp>(op)) {
      llvm::MaybeAlign alignment;
      auto [type, indices] =
          vectorAccess(store.getMemRef(), store.getIndices(), alignment);
      Value vector = vector::FromElementsOp::create(
          b, loc, type, getLanes(store.getValueToStore()));
      vector::StoreOp::create(b, loc, vector, views[store.getMemRef()],
                              indices, /*nontemporal=*/false, alignment);
      replaced.push_back(&op);
      continue;
    }
    if (llvm::none_of(op.getOperands(), [&](Value operand) {
          return operand == tile || lanes.contains(operand);
        }))
      continue;
    for (int64_t k = 0; k < width; ++k) {
      IRMapping mapping;
      for (Value operand : op.getOperands())
        mapping.map(operand, getLanes(operand)[k]);
      Operation *clone = b.clone(op, mapping);
      for (auto [result, cloned] :
           llvm::zip(op.getResults(), clone->getResults()))
        lanes[result].push_back(cloned);
    }
    replaced.push_back(&op);
  }
  for (Operation *op : llvm::reverse(replaced))
    op->erase();
}

struct GPUVectorizeParallelLoopsPass
    : public ct::impl::GPUVectorizeParallelLoopsBase<
          GPUVectorizeParallelLoopsPass> {
  void runOnOperation() override {
    SmallVector<std::pair<scf::ParallelOp, VectorizationPlan>> loops;
    getOperation().walk([&](scf::ParallelOp loop) {
      if (loop->getParentOfType<scf::ParallelOp>() ||
          loop->getParentOfType<gpu::LaunchOp>())
        return;
      if (std::optional<VectorizationPlan> plan = planVectorization(loop))
        loops.emplace_back(loop, std::move(*plan));
    });
    for (auto &[loop, plan] : loops)
      vectorizeLoop(loop, plan);
  }
};

//===----------------------------------------------------------------------===//
// ct-gpu-tile-parallel-loops
//===----------------------------------------------------------------------===//

struct GPUTileParallelLoopsPass
    : public ct::impl::GPUTileParallelLoopsBase<GPUTileParallelLoopsPass> {
  using GPUTileParallelLoopsBase::GPUTileParallelLoopsBase;

  void runOnOperation() override {
    if (threadsPerBlock < 1 || threadsPerBlock > 1024) {
      getOperation().emitError()
          << "ct-gpu-tile-parallel-loops: threads-per-block must be in "
             "[1, 1024], got "
          << threadsPerBlock;
      return signalPassFailure();
    }
    SmallVector<scf::ParallelOp> loops;
    getOperation().walk([&](scf::ParallelOp loop) {
      if (!loop->getParentOfType<scf::ParallelOp>() &&
          !loop->getParentOfType<gpu::LaunchOp>())
        loops.push_back(loop);
    });
    IRRewriter rewriter(&getContext());
    for (scf::ParallelOp loop : loops) {
      // gpu-map-parallel-loops cannot map reductions to threads.
      if (!loop.getInitVals().empty())
        continue;
      // collapseParallelLoops replaces the loop by a new one in its place.
      Block *block = loop->getBlock();
      Operation *next = loop->getNextNode();
      if (loop.getNumLoops() > 1) {
        std::vector<unsigned> all(loop.getNumLoops());
        std::iota(all.begin(), all.end(), 0u);
        rewriter.setInsertionPoint(loop);
        collapseParallelLoops(rewriter, loop, {all});
        loop = cast<scf::ParallelOp>(next ? next->getPrevNode()
                                          : &block->back());
      }
      scf::tileParallelLoop(loop, {threadsPerBlock}, /*noMinMaxBounds=*/true);
    }
  }
};

//===----------------------------------------------------------------------===//
// ct-gpu-host-memory
//===----------------------------------------------------------------------===//

/// Whether `copy` becomes a gpu.memcpy: identity layouts (contiguous) in
/// the default memory space on both sides.
static bool isMemcpyCopy(memref::CopyOp copy) {
  auto sourceType = cast<MemRefType>(copy.getSource().getType());
  auto targetType = cast<MemRefType>(copy.getTarget().getType());
  return sourceType.getLayout().isIdentity() &&
         targetType.getLayout().isIdentity() &&
         !sourceType.getMemorySpace() && !targetType.getMemorySpace();
}

/// Whether the GPU runs `copy`: a gpu.memcpy or a copy kernel, for buffers
/// in the default memory space (the caller's device-accessible arguments,
/// the GPU allocations of this pass and views of them).
static bool isDeviceCopy(memref::CopyOp copy) {
  return !cast<MemRefType>(copy.getSource().getType()).getMemorySpace() &&
         !cast<MemRefType>(copy.getTarget().getType()).getMemorySpace();
}

/// Threads per block of a copy kernel.
constexpr int64_t kCopyThreads = 256;

/// A strided `copy` as a kernel, one thread per element: gpu.memcpy needs
/// contiguous buffers, and a host loop would end the call's stream (the
/// host waits for the GPU before it touches memory) and keep its buffers in
/// managed memory.
static void buildCopyKernel(RewriterBase &rewriter, memref::CopyOp copy) {
  Location loc = copy.getLoc();
  Value source = copy.getSource();
  auto type = cast<MemRefType>(source.getType());
  SmallVector<OpFoldResult> sizes =
      memref::getMixedSizes(rewriter, loc, source);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  Value count, blocks, threads;
  if (type.hasStaticShape()) {
    int64_t elements = type.getNumElements();
    count = arith::ConstantIndexOp::create(rewriter, loc, elements);
    threads = arith::ConstantIndexOp::create(
        rewriter, loc, std::min(elements, kCopyThreads));
    blocks = arith::ConstantIndexOp::create(
        rewriter, loc, llvm::divideCeil(elements, kCopyThreads));
  } else {
    threads = arith::ConstantIndexOp::create(rewriter, loc, kCopyThreads);
    for (OpFoldResult size : sizes) {
      Value value = getValueOrCreateConstantIndexOp(rewriter, loc, size);
      count = count ? arith::MulIOp::create(rewriter, loc, count, value)
                    : value;
    }
    blocks = arith::CeilDivUIOp::create(rewriter, loc, count, threads);
  }
  auto launch = gpu::LaunchOp::create(rewriter, loc, blocks, one, one,
                                      threads, one, one);
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointToStart(&launch.getBody().front());
  Value element = arith::AddIOp::create(
      rewriter, loc,
      arith::MulIOp::create(rewriter, loc, launch.getBlockIds().x,
                            launch.getBlockSize().x),
      launch.getThreadIds().x);
  Value inBounds = arith::CmpIOp::create(
      rewriter, loc, arith::CmpIPredicate::ult, element, count);
  auto guarded =
      scf::IfOp::create(rewriter, loc, inBounds, /*withElseRegion=*/false);
  rewriter.setInsertionPointToStart(guarded.thenBlock());
  // Row-major indices of the element, innermost first.
  SmallVector<Value> indices(type.getRank());
  Value rest = element;
  for (int64_t dim = type.getRank() - 1; dim > 0; --dim) {
    Value size = getValueOrCreateConstantIndexOp(rewriter, loc, sizes[dim]);
    indices[dim] = arith::RemUIOp::create(rewriter, loc, rest, size);
    rest = arith::DivUIOp::create(rewriter, loc, rest, size);
  }
  if (type.getRank() > 0)
    indices.front() = rest;
  Value value = memref::LoadOp::create(rewriter, loc, source, indices);
  memref::StoreOp::create(rewriter, loc, value, copy.getTarget(), indices);
  rewriter.setInsertionPointToEnd(&launch.getBody().front());
  gpu::TerminatorOp::create(rewriter, loc);
  rewriter.eraseOp(copy);
}

/// Whether only kernels and GPU copies touch `buffer`, directly or through
/// views. Such a buffer can be device memory, which kernels reach without
/// the page faults that fresh managed memory takes on its first touch on
/// the GPU (a cost paid on every call).
static bool isOnlyUsedOnDevice(Value buffer) {
  for (Operation *user : buffer.getUsers()) {
    if (user->getParentOfType<gpu::LaunchOp>() ||
        isa<memref::DeallocOp, gpu::MemcpyOp, gpu::DeallocOp>(user))
      continue;
    if (auto copy = dyn_cast<memref::CopyOp>(user)) {
      if (!isDeviceCopy(copy))
        return false;
      continue;
    }
    if (isa<memref::SubViewOp, memref::CollapseShapeOp, memref::ExpandShapeOp,
            memref::CastOp, memref::ReinterpretCastOp>(user)) {
      if (!isOnlyUsedOnDevice(user->getResult(0)))
        return false;
      continue;
    }
    return false;
  }
  return true;
}

struct GPUHostMemoryPass
    : public ct::impl::GPUHostMemoryBase<GPUHostMemoryPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    if (llvm::any_of(func.getResultTypes(), llvm::IsaPred<BaseMemRefType>)) {
      func.emitOpError("returns a buffer; ct-gpu-host-memory expects results "
                       "as out-parameters");
      return signalPassFailure();
    }
    SmallVector<Operation *> hostOps;
    WalkResult walk = func.walk([&](Operation *op) {
      if (isa<gpu::LaunchOp>(op))
        return WalkResult::skip();
      if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
        if (alloc.getType().getMemorySpace())
          return WalkResult::advance();
        if (alloc->getParentOp() != func) {
          alloc.emitOpError("in a host loop or branch is not supported by "
                            "ct-gpu-host-memory (frees happen on return)");
          return WalkResult::interrupt();
        }
      }
      if (isa<memref::AllocOp, memref::CopyOp, memref::GetGlobalOp>(op))
        hostOps.push_back(op);
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();

    SmallVector<Operation *> returns;
    for (Block &block : func.getBody())
      if (block.mightHaveTerminator() &&
          isa<func::ReturnOp>(block.getTerminator()))
        returns.push_back(block.getTerminator());
    IRRewriter rewriter(&getContext());
    for (Operation *op : hostOps) {
      rewriter.setInsertionPoint(op);
      Location loc = op->getLoc();
      auto global = dyn_cast<memref::GetGlobalOp>(op);
      if (global && global.getType().getMemorySpace())
        continue;
      if (isa<memref::AllocOp>(op) || global) {
        // Device memory where only the GPU touches the buffer, else managed
        // memory. A constant global lives in host memory, where kernels
        // cannot read it: they get a copy, made on each call.
        auto alloc = dyn_cast<memref::AllocOp>(op);
        auto type = cast<MemRefType>(op->getResult(0).getType());
        ValueRange sizes = alloc ? alloc.getDynamicSizes() : ValueRange();
        ValueRange symbols = alloc ? alloc.getSymbolOperands() : ValueRange();
        // Synchronous GPU ops: ct-gpu-async-stream puts them on the
        // function's stream.
        bool hostShared = !isOnlyUsedOnDevice(op->getResult(0));
        Value buffer =
            gpu::AllocOp::create(rewriter, loc, type, /*asyncToken=*/Type(),
                                 /*asyncDependencies=*/ValueRange(), sizes,
                                 symbols, hostShared)
                .getMemref();
        if (global) {
          Value source = memref::GetGlobalOp::create(
              rewriter, loc, type, global.getNameAttr());
          gpu::MemcpyOp::create(rewriter, loc, /*asyncToken=*/Type(),
                                /*asyncDependencies=*/ValueRange(), buffer,
                                source);
        }
        rewriter.replaceOp(op, buffer);
        for (Operation *ret : returns) {
          rewriter.setInsertionPoint(ret);
          gpu::DeallocOp::create(rewriter, loc, /*asyncToken=*/Type(),
                                 /*asyncDependencies=*/ValueRange(), buffer);
        }
        continue;
      }
      auto copy = cast<memref::CopyOp>(op);
      if (!isDeviceCopy(copy))
        continue;
      // gpu.memcpy lowers for contiguous buffers only.
      if (!isMemcpyCopy(copy)) {
        buildCopyKernel(rewriter, copy);
        continue;
      }
      rewriter.replaceOpWithNewOp<gpu::MemcpyOp>(
          copy, /*asyncToken=*/Type(), /*asyncDependencies=*/ValueRange(),
          copy.getTarget(), copy.getSource());
    }
  }
};

//===----------------------------------------------------------------------===//
// ct-gpu-async-stream
//===----------------------------------------------------------------------===//

/// Whether `op` is a synchronous GPU op that can run on a stream: a launch or
/// a device allocation, free, copy or fill. gpu.alloc host_shared has no
/// async form in gpu-to-llvm; ops already given tokens are left to their
/// author.
static bool isStreamable(Operation *op) {
  if (!isa<gpu::LaunchOp, gpu::LaunchFuncOp, gpu::AllocOp, gpu::DeallocOp,
           gpu::MemcpyOp, gpu::MemsetOp>(op))
    return false;
  auto async = cast<gpu::AsyncOpInterface>(op);
  auto alloc = dyn_cast<gpu::AllocOp>(op);
  return !async.getAsyncToken() && async.getAsyncDependencies().empty() &&
         !(alloc && alloc.getHostShared());
}

/// Whether the host may run `op` while the stream still works: it touches
/// no memory (arithmetic, memref views) or only allocates managed memory.
/// A terminator leaves the block (every block of a function has one), and
/// a chain ends with its block: results are complete on return.
static bool mayOverlapStream(Operation *op) {
  if (auto alloc = dyn_cast<gpu::AllocOp>(op))
    return alloc.getHostShared() && !alloc.getAsyncToken();
  return !op->hasTrait<OpTrait::IsTerminator>() && isMemoryEffectFree(op);
}

/// Replaces the synchronous `op` by a clone that runs after `token` and
/// returns its own token (the GPU ops here declare it as their last result).
static Value putOnStream(OpBuilder &builder, Operation *op, Value token) {
  cast<gpu::AsyncOpInterface>(op).addAsyncDependency(token);
  SmallVector<Type> resultTypes(op->getResultTypes());
  resultTypes.push_back(token.getType());
  Operation *async = Operation::create(
      op->getLoc(), op->getName(), resultTypes, op->getOperands(),
      op->getDiscardableAttrDictionary(), op->getPropertiesStorage(),
      op->getSuccessors(), op->getNumRegions());
  for (auto [from, to] : llvm::zip(op->getRegions(), async->getRegions()))
    to.takeBody(from);
  builder.insert(async);
  op->replaceAllUsesWith(async->getResults().drop_back());
  op->erase();
  return async->getResults().back();
}

/// Chains the GPU ops of `block` in program order, one stream from the first
/// to the next op the host must not run before the GPU is done, which waits
/// for it; blocks nested in host ops get chains of their own.
static void chainBlock(Block &block) {
  OpBuilder builder(block.getParent()->getContext());
  auto tokenType = builder.getType<gpu::AsyncTokenType>();
  Value token;
  for (Operation &op : llvm::make_early_inc_range(block)) {
    builder.setInsertionPoint(&op);
    if (isStreamable(&op)) {
      if (!token)
        token = gpu::WaitOp::create(builder, op.getLoc(), tokenType,
                                    ValueRange())
                    .getAsyncToken();
      token = putOnStream(builder, &op, token);
      continue;
    }
    if (mayOverlapStream(&op))
      continue;
    if (token)
      gpu::WaitOp::create(builder, op.getLoc(), Type(), ValueRange{token});
    token = nullptr;
    for (Region &region : op.getRegions())
      for (Block &nested : region)
        chainBlock(nested);
  }
}

struct GPUAsyncStreamPass
    : public ct::impl::GPUAsyncStreamBase<GPUAsyncStreamPass> {
  void runOnOperation() override {
    for (Block &block : getOperation().getBody())
      chainBlock(block);
  }
};

//===----------------------------------------------------------------------===//
// ct-gpu-select-instructions
//===----------------------------------------------------------------------===//

/// Whether `value` is the integer constant `expected`.
static bool isConstantInt(Value value, uint64_t expected) {
  APInt constant;
  return matchPattern(value, m_ConstantInt(&constant)) &&
         constant.getZExtValue() == expected;
}

/// `arith.bitcast %x : f32 to i32`, returning %x.
static Value matchF32Bits(Value value) {
  auto bitcast = value.getDefiningOp<arith::BitcastOp>();
  if (!bitcast || !bitcast.getIn().getType().isF32())
    return nullptr;
  return bitcast.getIn();
}

/// `arith.andi(lhs, mask)` with a constant mask, returning lhs.
static Value matchAndMask(Value value, uint64_t mask) {
  auto andOp = value.getDefiningOp<arith::AndIOp>();
  if (!andOp || !isConstantInt(andOp.getRhs(), mask))
    return nullptr;
  return andOp.getLhs();
}

/// The sign byte of f32 %x: `andi(shrui(bitcast(%x), 24), 0x80)`.
static Value matchSignByte(Value value) {
  Value shifted = matchAndMask(value, 0x80);
  auto shift = shifted ? shifted.getDefiningOp<arith::ShRUIOp>() : nullptr;
  if (!shift || !isConstantInt(shift.getRhs(), 24))
    return nullptr;
  return matchF32Bits(shift.getLhs());
}

/// `select(cmpi ugt (andi(bitcast(%x), 0x7fffffff), 0x7f800000), 0x7f, _)`:
/// the NaN case of the encoding, returning %x.
static Value matchNaNCode(Value value) {
  auto select = value.getDefiningOp<arith::SelectOp>();
  if (!select || !isConstantInt(select.getTrueValue(), 0x7f))
    return nullptr;
  auto cmp = select.getCondition().getDefiningOp<arith::CmpIOp>();
  if (!cmp || cmp.getPredicate() != arith::CmpIPredicate::ugt ||
      !isConstantInt(cmp.getRhs(), 0x7f800000))
    return nullptr;
  Value bits = matchAndMask(cmp.getLhs(), 0x7fffffff);
  return bits ? matchF32Bits(bits) : nullptr;
}

/// Replaces ct-lower-quant's software f32 -> float8_e4m3fn encoding
/// (`sign | (isNaN ? 0x7f : code)`, an i32 holding the byte) with
/// cvt.rn.satfinite.e4m3x2.f32 of (0, x), whose low byte converts x.
struct HardwareFP8Encoding : public OpRewritePattern<arith::OrIOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(arith::OrIOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getType().isInteger(32))
      return failure();
    for (auto [signOperand, codeOperand] :
         {std::pair(op.getLhs(), op.getRhs()),
          std::pair(op.getRhs(), op.getLhs())}) {
      Value x = matchSignByte(signOperand);
      if (!x || matchNaNCode(codeOperand) != x)
        continue;
      Location loc = op.getLoc();
      Value zero = arith::ConstantOp::create(rewriter, loc,
                                             rewriter.getF32FloatAttr(0.0));
      Value pair = NVVM::ConvertF32x2ToF8x2Op::create(
          rewriter, loc, rewriter.getI16Type(), zero, x,
          NVVM::FPRoundingMode::RN, NVVM::SaturationMode::SATFINITE,
          /*relu=*/false, rewriter.getType<Float8E4M3FNType>());
      Value wide = arith::ExtUIOp::create(rewriter, loc, rewriter.getI32Type(),
                                          pair);
      Value low = arith::AndIOp::create(
          rewriter, loc, wide,
          arith::ConstantIntOp::create(rewriter, loc, 0xff, 32));
      // Or the sign in: NaN then keeps its sign as in the software path.
      rewriter.replaceOpWithNewOp<arith::OrIOp>(op, signOperand, low);
      return success();
    }
    return failure();
  }
};

/// An f32 math op as the LLVM intrinsic `name`, called through
/// llvm.call_intrinsic: convert-gpu-to-nvvm would turn both the math op and
/// its llvm.intr.* form into a libdevice call (`__nv_fabsf`, ...), and
/// kernels must not need libdevice (docs/GPUNotes.md).
template <typename MathOp>
struct F32Intrinsic : public OpRewritePattern<MathOp> {
  F32Intrinsic(MLIRContext *context, StringRef name)
      : OpRewritePattern<MathOp>(context), name(name) {}

  LogicalResult matchAndRewrite(MathOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getType().isF32())
      return failure();
    rewriter.replaceOpWithNewOp<LLVM::CallIntrinsicOp>(
        op, op.getType(), rewriter.getStringAttr(name), op->getOperands());
    return success();
  }

  StringRef name;
};

struct GPUSelectInstructionsPass
    : public ct::impl::GPUSelectInstructionsBase<GPUSelectInstructionsPass> {
  using GPUSelectInstructionsBase::GPUSelectInstructionsBase;

  /// Besides the NVVM dialect, the kernels' way to the gpu.binary: the NVVM
  /// target's serialization and the LLVM IR translations of the dialects a
  /// kernel module holds, so that ct-lower-to-nvvm runs in any tool.
  void getDependentDialects(DialectRegistry &registry) const override {
    GPUSelectInstructionsBase::getDependentDialects(registry);
    NVVM::registerNVVMTargetInterfaceExternalModels(registry);
    registerBuiltinDialectTranslation(registry);
    registerGPUDialectTranslation(registry);
    registerLLVMDialectTranslation(registry);
    registerNVVMDialectTranslation(registry);
    gpu::registerOffloadingLLVMTranslationInterfaceExternalModels(registry);
  }

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    MLIRContext *context = &getContext();
    patterns.add<F32Intrinsic<math::RoundEvenOp>>(context,
                                                  "llvm.roundeven.f32");
    patterns.add<F32Intrinsic<math::AbsFOp>>(context, "llvm.fabs.f32");
    // sqrt.rn.f32: correctly rounded, as torch's sqrt.
    patterns.add<F32Intrinsic<math::SqrtOp>>(context, "llvm.sqrt.f32");
    patterns.add<F32Intrinsic<math::FmaOp>>(context, "llvm.fma.f32");
    patterns.add<F32Intrinsic<math::FloorOp>>(context, "llvm.floor.f32");
    // RMSNorm's x^2 and rsqrt as multiplies, 1 / sqrt: exact and correctly
    // rounded steps instead of libdevice calls.
    math::populateExpansionPatterns(patterns, {"fpowi", "rsqrt"});
    // Activations (SiLU's exp, GELU's tanh / erf) as upstream's f32
    // polynomial approximations instead of libdevice calls.
    populateMathPolynomialApproximationPatterns(patterns, [](StringRef op) {
      return llvm::is_contained({"math.exp", "math.tanh", "math.erf"}, op);
    });
    if (hardwareFP8)
      patterns.add<HardwareFP8Encoding>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
