// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// ct-hadamard-to-gpu: ct.hadamard to a fast Walsh–Hadamard transform kernel
// (gpu.launch) for NVIDIA GPUs, ct.rotate to a matmul.
//
// The transform is memory bound (log2(n) add/sub per element), so the kernel
// is built to read and write each element once, with 16-byte vector accesses,
// and to keep every butterfly stage out of memory where it can:
//  - a thread holds 8 consecutive elements of a block (one 16-byte load for
//    bf16/f16, two for f32) and runs the first 3 stages in registers;
//  - the next stages pair threads (lane ^ h) and run as `gpu.shuffle xor`
//    (shfl.sync.bfly), up to 32 lanes = 256 elements;
//  - blocks of more than 256 elements get a thread block each and finish the
//    last stages (strides of 256 and above) through shared memory, in rounds
//    that each load 8 elements per thread differing in 3 index bits, run
//    those stages in registers and store back (one round up to 2048, two
//    for 4096 and 8192; a barrier per round);
//  - blocks of up to 256 elements (head_dim 64/128) are packed several per
//    warp and several warps per thread block, so that small rows still fill
//    the machine.
// The order of stages does not matter for Sylvester's H (each stage pairs
// indices differing in one bit), which is what lets registers, lanes and
// shared memory each take a range of bits. 1/sqrt(n) and the signs are folded
// into one multiply per element (on load, or on store for `inverse`, since
// (diag(s)·H)ᵀ = H·diag(s)). Shuffles are executed by every lane of a warp
// (shfl.sync with a full mask), so lanes past the last block compute on the
// last block and only skip the store.
//
// Sizes m·2^k (H_m ⊗ S_{2^k}, m a Paley core: head_dim 80, 96, 112, MLP
// widths 3584, 14336) run in the same kernel, still reading and writing each
// element once: a thread holds E elements at the same position of each of
// the m segments of 2^k, runs the butterflies above on every segment (the
// shared-memory rounds one segment at a time, in one segment-sized buffer)
// and then the core step y[c] = Σ_a ±z[a] in registers, adds and subtracts
// with C's signs folded (the order of ct-lower-hadamard's core step), before
// storing segment c where segment c was read. E shrinks (8, 4, 2, 1) until
// the m·E values fit (at most 64); cores that do not fit even so (108, 148,
// 172: MLP widths 13824, 18944, 11008) are rewritten on tensors instead: the
// FWHT of size 2^k above on each segment between elementwise and
// contraction linalg ops, three passes over memory.
//
// ct.rotate (a dense matrix, e.g. a random R3 rotation) gets
// ct-lower-hadamard's linalg.matmul, which the pipeline maps to a thread per
// output element.

#include "ct/Conversion/GPUKernelBuilding.h"
#include "ct/Conversion/LowerHadamard.h"
#include "ct/Conversion/Passes.h"
#include "ct/Dialect/CT/IR/CTOps.h"
#include "ct/Support/HadamardConstruction.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>

namespace ct {
#define GEN_PASS_DEF_HADAMARDTOGPU
#include "ct/Conversion/Passes.h.inc"
} // namespace ct

using namespace mlir;
using namespace ct;

namespace {

/// Elements per thread: 8 bf16 are one 16-byte vector access.
constexpr int64_t kElementsPerThread = 8;
/// Largest block: one thread block of 1024 threads with 8 elements each.
constexpr int64_t kMaxSize = 1024 * kElementsPerThread;
/// Sizes m·2^k: a thread keeps its E elements of all m segments (m·E f32
/// values) from the first segment's butterflies to the core step; 64 keeps
/// it well inside the register file (cores of 108, 148, 172 do not fit).
constexpr int64_t kMaxCoreValuesPerThread = 64;

/// Elements per thread and segment for a ct.hadamard of `m` segments of
/// `segment` = 2^k elements, or nullopt when no choice fits one kernel: the
/// largest E <= 8 with m·E <= kMaxCoreValuesPerThread, at most 1024 threads
/// per segment, and E >= 2 when the segment spans several warps (each shared
/// memory round handles log2(E) index bits).
static std::optional<int64_t> chooseElementsPerThread(int64_t m,
                                                      int64_t segment) {
  int64_t elements = std::min(segment, kElementsPerThread);
  while (elements > 1 && m * elements > kMaxCoreValuesPerThread)
    elements /= 2;
  int64_t threads = segment / elements;
  if (m * elements > kMaxCoreValuesPerThread || threads > 1024 ||
      (threads > kWarpSize && elements < 2))
    return std::nullopt;
  return elements;
}

/// How the blocks of one ct.hadamard map onto threads.
struct FWHTLaunchPlan {
  /// The block (n = m·2^k) and its matrix H_m ⊗ S_{2^k}.
  int64_t size = 0;
  hadamard::KroneckerHadamard matrix;
  int64_t numRows = 0;
  /// Elements each thread holds in registers per segment of 2^k (E) and
  /// threads per block of `size` elements (T = 2^k / E).
  int64_t elementsPerThread = 0;
  int64_t threadsPerRow = 0;
  /// Blocks of `size` per thread block: several when T <= 32, else one.
  int64_t rowsPerBlock = 0;
  int64_t numThreadBlocks = 0;

  int64_t coreOrder() const { return matrix.core.order; }
  int64_t segment() const { return int64_t(1) << matrix.log2PowerOfTwo; }
  int64_t threadsPerBlock() const { return rowsPerBlock * threadsPerRow; }
  /// Lanes that exchange values with shuffles (T, at most a warp).
  int64_t shuffleLanes() const { return std::min(threadsPerRow, kWarpSize); }
  bool usesSharedMemory() const { return threadsPerRow > kWarpSize; }
};

/// The launch of a single kernel for `matrix`, or nullopt when its core does
/// not fit (see chooseElementsPerThread).
static std::optional<FWHTLaunchPlan>
planFWHTLaunch(hadamard::KroneckerHadamard matrix, int64_t numRows,
               int64_t threadsPerBlock) {
  FWHTLaunchPlan plan;
  plan.size = matrix.order();
  plan.matrix = std::move(matrix);
  plan.numRows = numRows;
  std::optional<int64_t> elements =
      chooseElementsPerThread(plan.coreOrder(), plan.segment());
  if (!elements)
    return std::nullopt;
  plan.elementsPerThread = *elements;
  plan.threadsPerRow = plan.segment() / plan.elementsPerThread;
  plan.rowsPerBlock = plan.threadsPerRow > kWarpSize
                          ? 1
                          : std::max<int64_t>(1, threadsPerBlock /
                                                     plan.threadsPerRow);
  plan.numThreadBlocks = llvm::divideCeil(numRows, plan.rowsPerBlock);
  return plan;
}

/// Builds the body of the FWHT kernel inside a gpu.launch.
class FWHTKernelBuilder {
public:
  FWHTKernelBuilder(OpBuilder &b, Location loc, const FWHTLaunchPlan &plan)
      : b(b), loc(loc), plan(plan), f32(b.getF32Type()) {}

  /// Transforms the blocks of `input` (a rank-1 buffer) into `output`.
  /// `scale` is a buffer of `size` factors s_i/sqrt(n) (or null when every
  /// factor is 1/sqrt(n)); it multiplies on load, or on store for `inverse`
  /// ((diag(s)·H)ᵀ = Hᵀ·diag(s)).
  void build(gpu::LaunchOp launch, Value input, Value output, Value scale,
             bool inverse) {
    Value tid = launch.getThreadIds().x;
    Value bid = launch.getBlockIds().x;
    int64_t threads = plan.threadsPerRow;
    Value lane = arith::RemUIOp::create(b, loc, tid, index(threads));
    Value row = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, bid, index(plan.rowsPerBlock)),
        arith::DivUIOp::create(b, loc, tid, index(threads)));
    // Lanes past the last block compute on the last one (they must take part
    // in the shuffles) and skip the store.
    Value inBounds;
    if (plan.numRows % plan.rowsPerBlock != 0) {
      inBounds = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row,
                                       index(plan.numRows));
      row = arith::MinUIOp::create(b, loc, row, index(plan.numRows - 1));
    }
    Value laneOffset =
        arith::MulIOp::create(b, loc, lane, index(plan.elementsPerThread));
    Value rowOffset = arith::MulIOp::create(b, loc, row, index(plan.size));
    Value shared;
    if (plan.usesSharedMemory()) {
      auto workgroupSpace = gpu::AddressSpaceAttr::get(
          b.getContext(), gpu::GPUDialect::getWorkgroupAddressSpace());
      shared = launch.addWorkgroupAttribution(
          MemRefType::get({plan.segment()}, f32, MemRefLayoutAttrInterface(),
                          workgroupSpace),
          loc);
    }

    // The thread's E elements of each segment a (offset a·2^k + lane·E in
    // the block), each transformed by the power-of-two butterfly.
    SmallVector<Value> segments, segmentOffsets, offsets;
    for (int64_t a = 0; a < plan.coreOrder(); ++a) {
      Value segmentOffset = laneOffset;
      if (a > 0)
        segmentOffset = arith::AddIOp::create(b, loc, laneOffset,
                                              index(a * plan.segment()));
      offsets.push_back(
          arith::AddIOp::create(b, loc, rowOffset, segmentOffset));
      Value x = loadAsF32(input, offsets.back());
      if (!inverse)
        x = applyScale(x, scale, segmentOffset);
      SmallVector<Value> elements = extractElements(x);
      inThreadStages(elements);
      shuffleStages(elements, lane);
      x = fromElements(elements);
      // A thread's last load of a segment from shared memory covers exactly
      // what it stores first for the next one: no barrier between segments.
      if (shared)
        x = sharedMemoryStages(shared, x, lane, laneOffset);
      segments.push_back(x);
      segmentOffsets.push_back(segmentOffset);
    }
    if (plan.coreOrder() > 1)
      segments = coreStep(segments, inverse);

    // Output segment c goes where input segment c came from.
    if (inverse)
      for (int64_t c = 0; c < plan.coreOrder(); ++c)
        segments[c] = applyScale(segments[c], scale, segmentOffsets[c]);
    store(segments, output, offsets, inBounds);
  }

private:
  Value index(int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value);
  }
  Value constantF32(double value) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
  }
  VectorType vectorType(Type elementType) {
    return VectorType::get({plan.elementsPerThread}, elementType);
  }
  /// Natural alignment of a thread's vector: every thread's offset is a
  /// multiple of its vector.
  llvm::MaybeAlign vectorAlignment(Type elementType) {
    return getVectorAlignment(elementType, plan.elementsPerThread);
  }

  Value loadAsF32(Value buffer, Value offset) {
    Type elementType = cast<MemRefType>(buffer.getType()).getElementType();
    Value value = vector::LoadOp::create(b, loc, vectorType(elementType),
                                         buffer, offset, /*nontemporal=*/false,
                                         vectorAlignment(elementType));
    if (elementType == f32)
      return value;
    return arith::ExtFOp::create(b, loc, vectorType(f32), value);
  }

  Value applyScale(Value x, Value scale, Value laneOffset) {
    Value factors;
    if (scale)
      factors = vector::LoadOp::create(b, loc, vectorType(f32), scale,
                                       laneOffset, /*nontemporal=*/false,
                                       vectorAlignment(f32));
    else
      factors = vector::BroadcastOp::create(
          b, loc, vectorType(f32), constantF32(1.0 / std::sqrt(plan.size)));
    return arith::MulFOp::create(b, loc, x, factors);
  }

  SmallVector<Value> extractElements(Value x) {
    SmallVector<Value> elements;
    for (int64_t e = 0; e < plan.elementsPerThread; ++e)
      elements.push_back(vector::ExtractOp::create(b, loc, x, e));
    return elements;
  }
  Value fromElements(ArrayRef<Value> elements) {
    return vector::FromElementsOp::create(b, loc, vectorType(f32), elements);
  }

  /// The stage pairing registers i and i + h (h a power of two).
  void registerStage(MutableArrayRef<Value> elements, int64_t h) {
    for (int64_t i = 0; i < int64_t(elements.size()); ++i) {
      if (i & h)
        continue;
      Value a = elements[i], c = elements[i + h];
      elements[i] = arith::AddFOp::create(b, loc, a, c);
      elements[i + h] = arith::SubFOp::create(b, loc, a, c);
    }
  }

  /// Stages over the bits of the element index inside a thread.
  void inThreadStages(MutableArrayRef<Value> elements) {
    for (int64_t h = 1; h < plan.elementsPerThread; h *= 2)
      registerStage(elements, h);
  }

  /// Stages over the lane bits inside a warp: the lane with bit h clear
  /// keeps a + b, its partner a - b.
  void shuffleStages(MutableArrayRef<Value> elements, Value lane) {
    Value width = arith::ConstantIntOp::create(b, loc, kWarpSize, 32);
    Value zero = index(0);
    for (int64_t h = 1; h < plan.shuffleLanes(); h *= 2) {
      Value offset = arith::ConstantIntOp::create(b, loc, h, 32);
      Value upper = arith::CmpIOp::create(
          b, loc, arith::CmpIPredicate::ne,
          arith::AndIOp::create(b, loc, lane, index(h)), zero);
      for (Value &element : elements) {
        Value partner = gpu::ShuffleOp::create(b, loc, element, offset, width,
                                               gpu::ShuffleMode::XOR)
                            .getShuffleResult();
        Value sum = arith::AddFOp::create(b, loc, element, partner);
        Value difference = arith::SubFOp::create(b, loc, partner, element);
        element = arith::SelectOp::create(b, loc, upper, difference, sum);
      }
    }
  }

  /// Stages with strides of a warp's elements (32·E) and above, through
  /// shared memory (`shared`, one segment of f32) in rounds rather than a
  /// barrier per stage: each round, every thread loads the E elements whose
  /// indices differ only in the bits [low, low + log2(E)), runs the stages of
  /// those bits not done yet in registers and stores the elements back where
  /// they came from; a barrier separates rounds. low >= 5, so the lanes of a
  /// warp touch 32 consecutive words per access (no bank conflicts). With
  /// E = 8, sizes up to 2048 take one round, 4096 and 8192 two.
  Value sharedMemoryStages(Value shared, Value x, Value lane,
                           Value laneOffset) {
    llvm::MaybeAlign alignment = vectorAlignment(f32);
    vector::StoreOp::create(b, loc, x, shared, laneOffset,
                            /*nontemporal=*/false, alignment);
    gpu::BarrierOp::create(b, loc);
    int64_t sizeBits = llvm::Log2_64(plan.segment());
    int64_t registerBits = llvm::Log2_64(plan.elementsPerThread);
    int64_t doneBits = llvm::Log2_64(plan.elementsPerThread * kWarpSize);
    while (doneBits < sizeBits) {
      int64_t low = std::min(doneBits, sizeBits - registerBits);
      // Element k of the thread: the lane's bits with `registerBits` zeros
      // inserted at bit `low`, plus k << low.
      Value high = arith::MulIOp::create(
          b, loc, arith::DivUIOp::create(b, loc, lane, index(1 << low)),
          index(int64_t(1) << (low + registerBits)));
      Value base = arith::AddIOp::create(
          b, loc, high,
          arith::RemUIOp::create(b, loc, lane, index(int64_t(1) << low)));
      SmallVector<Value> indices, elements;
      for (int64_t k = 0; k < plan.elementsPerThread; ++k) {
        indices.push_back(
            arith::AddIOp::create(b, loc, base, index(k << low)));
        elements.push_back(
            memref::LoadOp::create(b, loc, shared, indices.back()));
      }
      for (int64_t bit = doneBits; bit < low + registerBits; ++bit)
        registerStage(elements, int64_t(1) << (bit - low));
      for (auto [index, element] : llvm::zip(indices, elements))
        memref::StoreOp::create(b, loc, element, shared, index);
      gpu::BarrierOp::create(b, loc);
      doneBits = low + registerBits;
    }
    return vector::LoadOp::create(b, loc, vectorType(f32), shared, laneOffset,
                                  /*nontemporal=*/false, alignment);
  }

  /// The core step on the thread's segments z[a] (same positions in each),
  /// built as ct-lower-hadamard's (buildCoreSum), so that both round alike.
  SmallVector<Value> coreStep(ArrayRef<Value> segments, bool inverse) {
    const hadamard::SignMatrix &core = plan.matrix.core;
    SmallVector<Value> mixed;
    for (int64_t c = 0; c < core.order; ++c)
      mixed.push_back(buildCoreSum(b, loc, core, c, inverse,
                                   [&](int64_t a) { return segments[a]; }));
    return mixed;
  }

  /// Stores each value at its offset, under one guard when lanes past the
  /// last block must skip the store.
  void store(ArrayRef<Value> values, Value buffer, ArrayRef<Value> offsets,
             Value inBounds) {
    Type elementType = cast<MemRefType>(buffer.getType()).getElementType();
    SmallVector<Value> converted(values);
    if (elementType != f32)
      for (Value &x : converted)
        x = arith::TruncFOp::create(b, loc, vectorType(elementType), x);
    OpBuilder::InsertionGuard guard(b);
    if (inBounds) {
      auto ifOp = scf::IfOp::create(b, loc, inBounds, /*withElse=*/false);
      b.setInsertionPointToStart(ifOp.thenBlock());
    }
    for (auto [x, offset] : llvm::zip_equal(converted, offsets))
      vector::StoreOp::create(b, loc, x, buffer, offset,
                              /*nontemporal=*/false,
                              vectorAlignment(elementType));
  }

  OpBuilder &b;
  Location loc;
  const FWHTLaunchPlan &plan;
  Type f32;
};

/// Why ct-hadamard-to-gpu cannot lower `op`, or an empty string.
static std::string getUnsupportedReason(HadamardOp op) {
  auto type = cast<RankedTensorType>(op.getType());
  int64_t size = op.getSize();
  if (!type.hasStaticShape())
    return "expected a static shape";
  if (std::optional<hadamard::HadamardFactorization> factors =
          hadamard::factorizeHadamardSize(size);
      !factors || (int64_t(1) << factors->log2PowerOfTwo) > kMaxSize)
    return "expected a size m·2^k with 2^k at most " +
           std::to_string(kMaxSize) + " and a core ct can build, got " +
           std::to_string(size);
  if (!op.getComputeType().isF32())
    return "expected f32 compute precision";
  if (!isa<Float32Type, BFloat16Type, Float16Type>(type.getElementType()))
    return "expected f32, bf16 or f16 elements";
  return "";
}

/// ct.hadamard of size m·2^k whose core does not fit one kernel (see
/// chooseElementsPerThread; e.g. the cores 108, 148, 172 of the MLP widths
/// 13824, 18944, 11008) as tensor ops around a ct.hadamard of size 2^k, in
/// f32: y = core(FWHT_{2^k}(x·diag(s))) (forward) or
/// core(FWHT_{2^k}(x))·diag(s) (inverse: the transpose, (diag(s)·H)ᵀ =
/// (Cᵀ ⊗ S)·diag(s)).
struct DecomposeKroneckerHadamard : public OpRewritePattern<HadamardOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(HadamardOp op,
                                PatternRewriter &rewriter) const override {
    int64_t size = op.getSize();
    if (llvm::isPowerOf2_64(size) || !getUnsupportedReason(op).empty())
      return failure();
    std::optional<hadamard::KroneckerHadamard> matrix =
        hadamard::buildKroneckerHadamard(size);
    if (!matrix)
      return failure();
    const hadamard::SignMatrix &core = matrix->core;
    int64_t m = core.order, segment = int64_t(1) << matrix->log2PowerOfTwo;
    if (chooseElementsPerThread(m, segment))
      return rewriter.notifyMatchFailure(op, "lowered to one kernel");
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Type f32 = rewriter.getF32Type();
    int64_t rows = type.getNumElements() / size;
    auto blocksType = RankedTensorType::get({rows, m, segment}, f32);

    // [..., N] -> [rows, m, 2^k] in f32.
    Value x = op.getInput();
    if (type.getElementType() != f32)
      x = arith::ExtFOp::create(rewriter, loc, type.clone(f32), x);
    x = reshape(rewriter, loc, x, blocksType);

    Value signs;
    if (std::optional<ArrayRef<int8_t>> values = op.getSigns()) {
      SmallVector<float> factors(values->begin(), values->end());
      signs = arith::ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(RankedTensorType::get({m, segment}, f32),
                                 ArrayRef(factors)));
    }
    if (signs && !op.getInverse())
      x = multiplySigns(rewriter, loc, x, signs);
    if (segment > 1)
      x = HadamardOp::create(rewriter, loc, x.getType(), x, segment,
                             /*inverse=*/false, /*signs=*/nullptr,
                             /*precision=*/nullptr);

    // out[r, c, l] = Σ_a K[a][c]·z[r, a, l], K = C/sqrt(m) (Cᵀ inverse).
    double norm = 1.0 / std::sqrt(static_cast<double>(m));
    SmallVector<float> kernel;
    for (int64_t a = 0; a < m; ++a)
      for (int64_t c = 0; c < m; ++c)
        kernel.push_back(static_cast<float>(
            (op.getInverse() ? core.at(c, a) : core.at(a, c)) * norm));
    Value coreMatrix = arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(RankedTensorType::get({m, m}, f32),
                               ArrayRef(kernel)));
    Value zero = arith::ConstantOp::create(rewriter, loc,
                                           rewriter.getF32FloatAttr(0.0));
    Value init = linalg::FillOp::create(
                     rewriter, loc, zero,
                     tensor::EmptyOp::create(rewriter, loc, blocksType.getShape(),
                                             f32)
                         .getResult())
                     .getResult(0);
    MLIRContext *ctx = rewriter.getContext();
    AffineExpr r, c, l, a;
    bindDims(ctx, r, c, l, a);
    SmallVector<AffineMap> maps = {AffineMap::get(4, 0, {r, a, l}, ctx),
                                   AffineMap::get(4, 0, {a, c}, ctx),
                                   AffineMap::get(4, 0, {r, c, l}, ctx)};
    Value y = linalg::GenericOp::create(
                  rewriter, loc, blocksType, ValueRange{x, coreMatrix},
                  ValueRange{init}, maps,
                  ArrayRef<utils::IteratorType>{
                      utils::IteratorType::parallel,
                      utils::IteratorType::parallel,
                      utils::IteratorType::parallel,
                      utils::IteratorType::reduction},
                  [](OpBuilder &b, Location loc, ValueRange args) {
                    Value product =
                        arith::MulFOp::create(b, loc, args[0], args[1]);
                    linalg::YieldOp::create(
                        b, loc,
                        ValueRange{
                            arith::AddFOp::create(b, loc, args[2], product)});
                  })
                  .getResult(0);
    if (signs && op.getInverse())
      y = multiplySigns(rewriter, loc, y, signs);

    y = reshape(rewriter, loc, y, type.clone(f32));
    if (type.getElementType() != f32)
      y = arith::TruncFOp::create(rewriter, loc, type, y);
    rewriter.replaceOp(op, y);
    return success();
  }

  /// Reshapes `value` to `type` (same number of elements) through rank 1.
  static Value reshape(PatternRewriter &rewriter, Location loc, Value value,
                       RankedTensorType type) {
    auto valueType = cast<RankedTensorType>(value.getType());
    auto flatType = RankedTensorType::get({valueType.getNumElements()},
                                          valueType.getElementType());
    if (valueType.getRank() != 1)
      value = tensor::CollapseShapeOp::create(
          rewriter, loc, flatType, value,
          ArrayRef<ReassociationIndices>{
              llvm::to_vector(llvm::seq<int64_t>(0, valueType.getRank()))});
    if (type.getRank() == 1)
      return value;
    return tensor::ExpandShapeOp::create(
        rewriter, loc, type, value,
        ArrayRef<ReassociationIndices>{
            llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()))});
  }

  /// x[r, a, l] · s[a, l].
  static Value multiplySigns(PatternRewriter &rewriter, Location loc, Value x,
                             Value signs) {
    MLIRContext *ctx = rewriter.getContext();
    AffineExpr r, a, l;
    bindDims(ctx, r, a, l);
    SmallVector<AffineMap> maps = {AffineMap::get(3, 0, {r, a, l}, ctx),
                                   AffineMap::get(3, 0, {a, l}, ctx),
                                   AffineMap::get(3, 0, {r, a, l}, ctx)};
    Value init = tensor::EmptyOp::create(
        rewriter, loc, cast<RankedTensorType>(x.getType()).getShape(),
        rewriter.getF32Type());
    return linalg::GenericOp::create(
               rewriter, loc, x.getType(), ValueRange{x, signs},
               ValueRange{init}, maps,
               SmallVector<utils::IteratorType>(3,
                                                utils::IteratorType::parallel),
               [](OpBuilder &b, Location loc, ValueRange args) {
                 linalg::YieldOp::create(
                     b, loc,
                     ValueRange{arith::MulFOp::create(b, loc, args[0],
                                                      args[1])});
               })
        .getResult(0);
  }
};

struct HadamardToGPULowering : public OpRewritePattern<HadamardOp> {
  HadamardToGPULowering(MLIRContext *ctx, int64_t threadsPerBlock)
      : OpRewritePattern(ctx), threadsPerBlock(threadsPerBlock) {}

  LogicalResult matchAndRewrite(HadamardOp op,
                                PatternRewriter &rewriter) const override {
    std::string reason = getUnsupportedReason(op);
    if (!reason.empty())
      return rewriter.notifyMatchFailure(op, reason);
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t size = op.getSize();
    std::optional<hadamard::KroneckerHadamard> matrix =
        hadamard::buildKroneckerHadamard(size);
    if (!matrix)
      return rewriter.notifyMatchFailure(op, "no matrix of this size");
    std::optional<FWHTLaunchPlan> plan = planFWHTLaunch(
        std::move(*matrix), type.getNumElements() / size, threadsPerBlock);
    if (!plan)
      return rewriter.notifyMatchFailure(op, "a large core is decomposed");

    // The kernel sees rank-1 views of identity-layout buffers. The output is
    // allocated in the result's shape, so that a returned result becomes the
    // caller's buffer (buffer-results-to-out-params) instead of a copy.
    auto bufferType = MemRefType::get(type.getShape(), type.getElementType());
    Value input = bufferization::ToBufferOp::create(
        rewriter, loc, bufferType, op.getInput(), /*read_only=*/true);
    Value output = memref::AllocOp::create(rewriter, loc, bufferType);
    Value flatInput = collapseToRankOne(rewriter, loc, input);
    Value flatOutput = collapseToRankOne(rewriter, loc, output);
    Value scale = buildScaleBuffer(rewriter, loc, op);

    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value gridX =
        arith::ConstantIndexOp::create(rewriter, loc, plan->numThreadBlocks);
    Value blockX =
        arith::ConstantIndexOp::create(rewriter, loc, plan->threadsPerBlock());
    auto launch = gpu::LaunchOp::create(rewriter, loc, gridX, one, one, blockX,
                                        one, one);
    {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(&launch.getBody().front());
      FWHTKernelBuilder(rewriter, loc, *plan)
          .build(launch, flatInput, flatOutput, scale, op.getInverse());
      gpu::TerminatorOp::create(rewriter, loc);
    }

    rewriter.replaceOp(op, bufferization::ToTensorOp::create(
                               rewriter, loc, type, output, /*restrict=*/true,
                               /*writable=*/true));
    return success();
  }

  /// A device-accessible buffer of s_i/sqrt(n), or null without signs. The
  /// constant bufferizes to a host global; the copy into an allocation puts
  /// it where kernels can read it (managed memory after
  /// ct-gpu-managed-allocations).
  static Value buildScaleBuffer(PatternRewriter &rewriter, Location loc,
                                HadamardOp op) {
    std::optional<ArrayRef<int8_t>> signs = op.getSigns();
    if (!signs)
      return nullptr;
    int64_t size = op.getSize();
    double norm = 1.0 / std::sqrt(static_cast<double>(size));
    SmallVector<float> factors;
    for (int8_t sign : *signs)
      factors.push_back(static_cast<float>(sign * norm));
    auto tensorType =
        RankedTensorType::get({size}, rewriter.getF32Type());
    Value constant = arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(tensorType, ArrayRef(factors)));
    auto bufferType = MemRefType::get({size}, rewriter.getF32Type());
    Value global = bufferization::ToBufferOp::create(
        rewriter, loc, bufferType, constant, /*read_only=*/true);
    Value buffer = memref::AllocOp::create(rewriter, loc, bufferType);
    memref::CopyOp::create(rewriter, loc, global, buffer);
    return buffer;
  }

  int64_t threadsPerBlock;
};

struct HadamardToGPUPass
    : public ct::impl::HadamardToGPUBase<HadamardToGPUPass> {
  using HadamardToGPUBase::HadamardToGPUBase;

  void runOnOperation() override {
    if (threadsPerBlock < kWarpSize || threadsPerBlock > 1024 ||
        threadsPerBlock % kWarpSize != 0) {
      getOperation().emitError()
          << "ct-hadamard-to-gpu: threads-per-block must be a multiple of "
          << kWarpSize << " in [32, 1024], got " << threadsPerBlock;
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    patterns.add<HadamardToGPULowering>(&getContext(), threadsPerBlock);
    patterns.add<DecomposeKroneckerHadamard>(&getContext());
    populateLowerRotatePatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // A ct.rotate left behind has had its error reported by its pattern.
    WalkResult result = getOperation().walk([](Operation *op) {
      if (auto hadamard = dyn_cast<HadamardOp>(op))
        hadamard.emitOpError("cannot be lowered to the GPU: ")
            << getUnsupportedReason(hadamard);
      return isa<HadamardOp, RotateOp>(op) ? WalkResult::interrupt()
                                           : WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
