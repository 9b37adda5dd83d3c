// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// ct-attention-to-gpu: ct.hooked_attention to CUDA kernels (gpu.launch).
//
// Decode attention is memory bound: every step reads the whole K/V cache of
// the layer once, so the kernel is built around reading each K/V byte once
// and keeping all of the machine busy while it does:
//  - the g query heads of a GQA group share one thread block, so a K/V row is
//    read once per group, not once per query head;
//  - a key row is owned by a group of lanes that each hold one contiguous
//    slice of up to 16 elements (bf16: 32 bytes; quantized caches: 16
//    codes, 16 bytes of int8/fp8 or 8 bytes of packed int4/fp4): the fewer
//    lanes per row, the fewer shuffles and softmax steps per cache byte;
//    the dot products are reduced in the group with shfl.sync.bfly, so
//    there is no shared memory in the loop;
//  - the decode loop is instruction-bound as much as memory-bound: codes
//    convert without I2F/F2F (quarter-rate) instructions, scales are folded
//    into the query, score, probability or accumulator instead of every
//    element, and the accumulators are rescaled only when a maximum grows;
//    narrower codes take more rows per step, so that every cache keeps as
//    many bytes in flight per warp (4 KiB at D = 128);
//  - the key range is split (flash-decoding) so that short batches still
//    launch several blocks per multiprocessor; each split leaves a partial
//    (max, sum, accumulator) that a second, small kernel merges.
// The online softmax runs in f32 in the log2 domain: scale·log2(e) is folded
// into the query once, and exponentials are ex2.approx (llvm.exp2), not a
// libdevice call. Prefill uses the same lane layout on K/V tiles staged in
// shared memory, one thread block per tile of queries of one head, for f32
// (and before sm_80). 16-bit prefill runs on tensor cores, FlashAttention-2
// style: a warp owns 16 query rows, S = Q·Kᵀ and O += P·V are
// mma.sync.m16n8k16 (bf16/f16 operands, f32 accumulators) on fragments from
// ldmatrix, the online softmax runs on the S fragments (row statistics over
// the 4 lanes of a quad) and P, rounded to the 16-bit type, is reused in
// registers as the A operand of P·V; K/V tiles come in with cp.async, V
// overlapping S and the next K overlapping P·V. Prefill over a quantized
// cache dequantizes the rows it can see into the new entries' type first
// (one pass over them; prefill is compute bound) and attends over those.
// The recurrences are those of ct-lower-attention (FlashAttention-2):
//   m' = max(m, s), α = exp2(m − m'), p = exp2(s − m'), l' = α·l + p,
//   acc' = α·acc + p·v; merging partials weighs each by exp2(m_i − M).

#include "ct/Conversion/GPUKernelBuilding.h"
#include "ct/Conversion/LowerAttention.h"
#include "ct/Conversion/Passes.h"
#include "ct/Dialect/CT/IR/CTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/Support/MathExtras.h"

#include <limits>

namespace ct {
#define GEN_PASS_DEF_ATTENTIONTOGPU
#include "ct/Conversion/Passes.h.inc"
} // namespace ct

using namespace mlir;
using namespace ct;

namespace {

/// Bytes of the widest vector access of one lane (ld.global.v4.b32).
constexpr int64_t kVectorBytes = 16;
/// Elements of a K/V row a lane holds at most (see planAttention).
constexpr int64_t kMaxLaneElements = 16;
/// f32 registers a decode lane spends on its query and accumulator slices of
/// the g heads together: more spills.
constexpr int64_t kLaneStateRegisters = 128;
/// Static shared memory a thread block may use without opting in.
constexpr int64_t kMaxSharedBytes = 48 * 1024;
/// Query rows each warp of a prefill block owns.
constexpr int64_t kQueriesPerWarp = 4;
/// Bytes of K and V staged in shared memory per prefill tile.
constexpr int64_t kPrefillTileBytes = 32 * 1024;
/// Query rows of a tensor-core prefill warp: the M of mma.m16n8k16.
constexpr int64_t kMmaRows = 16;

struct AttentionKernelOptions {
  int64_t smCount, blocksPerSM, warpsPerBlock, decodeUnroll, laneBytes;
  bool hardwareFP8, tensorCores;
};

/// Shapes of one ct.hooked_attention and how its kernels map onto threads.
struct AttentionPlan {
  int64_t batch = 0, queryHeads = 0, kvHeads = 0, group = 0, queryLen = 0,
          headDim = 0, valueDim = 0;
  /// Rows of the K/V buffers the kernels read: the cache's Smax, or Skv.
  int64_t keyRows = 0;
  /// Lanes that share a K/V row (L), the elements each holds of a key row
  /// (E = D/L) and of a value row (Ev = Dv/L), rows per warp (32/L).
  int64_t lanesPerRow = 0, keyElems = 0, valueElems = 0, rowsPerWarp = 0;
  int64_t warps = 0;
  /// Decode: key splits (thread blocks per batch and kv head) and the key
  /// rows a lane group handles per loop iteration.
  int64_t splits = 0, unroll = 0;
  /// Prefill: keys per shared-memory tile, query tiles per head.
  int64_t keysPerTile = 0, queryTiles = 0;
  /// Prefill on tensor cores (see planTensorCorePrefill).
  bool tensorCores = false;
  /// Prefill over a quantized cache: thread blocks per (batch, kv head) of
  /// buildDequantizedCache.
  int64_t dequantizeSplits = 0;

  int64_t threads() const { return warps * kWarpSize; }
  bool isDecode() const { return queryLen == 1; }
  /// Key rows a decode lane group loads per step: `unroll` for 16-bit rows,
  /// scaled up to 4 times for narrower codes, so that a step reads (and
  /// keeps in flight) as many bytes whatever the cache's code width.
  static int64_t decodeUnroll(int64_t unroll, int64_t codeBits) {
    return unroll * std::clamp<int64_t>(16 / codeBits, 1, 4);
  }
  /// Keys a decode block covers per step of its lane groups.
  int64_t decodeRound() const { return warps * rowsPerWarp; }
  /// The warps' states a decode block merges in shared memory.
  int64_t decodeSharedBytes() const {
    return warps * group * (valueDim + 2) * 4;
  }
};

int64_t byteWidth(Type type) { return type.getIntOrFloatBitWidth() / 8; }
int64_t bitWidth(Type type) { return type.getIntOrFloatBitWidth(); }

/// i4 and f4E2M1FN cache codes: ct-pack-sub-byte-memrefs stores them two per
/// byte (element 2i in the low nibble of byte i), so the kernel loads a
/// lane's codes as whole bytes and unpacks the nibbles itself.
bool isPackedCode(Type type) {
  return type.isInteger(4) || isa<Float4E2M1FNType>(type);
}

/// What the kernel's decoded codes of `stored` elements are worth: fp4 codes
/// decode to value·2^-14 (see fp4ToF32), so the factor multiplies the query
/// (keys) or the accumulator (values) once.
double codeUnit(Type stored) {
  return isa<Float4E2M1FNType>(stored) ? 16384.0 : 1.0;
}

/// The element type the attention kernels read keys (`key`) or values in:
/// the cache's, except for prefill over a quantized cache, whose visible
/// rows are dequantized to the new entries' type first (see
/// buildDequantizedCache).
Type attendedType(HookedAttentionOp op, bool key) {
  Value fresh = key ? op.getKey() : op.getValue();
  if (!op.hasCache() ||
      (op.getCacheQuant(key) && op.getQuery().getType().getDimSize(2) != 1))
    return cast<RankedTensorType>(fresh.getType()).getElementType();
  Value cache = key ? op.getKCache() : op.getVCache();
  return cast<RankedTensorType>(cache.getType()).getElementType();
}

/// Codes of a cache row a thread of buildDequantizedCache converts at once:
/// the most (up to 8, one 16-byte store of bf16) that a row of `dim`
/// elements and a scale group of `groupSize` both divide into.
int64_t dequantizeSliceElems(int64_t dim, int64_t groupSize) {
  int64_t elems = 8;
  while (elems > 1 && (dim % elems != 0 || groupSize % elems != 0))
    elems /= 2;
  return elems;
}

/// Whether the prefill of `op` runs on tensor cores, filling its tile sizes:
/// queries, keys and values all bf16 or all f16 (a 16-bit float cache, or
/// a quantized one dequantized to the queries' type, included), head dims in
/// whole k16 steps and at most 256 (a lane keeps D/4 Q fragment words and Dv/2
/// f32 accumulators in registers; 256 fills them). Key tiles of at most 64
/// rows, K and V (rows padded by 16 bytes) in 48 KiB.
bool planTensorCorePrefill(HookedAttentionOp op,
                           const AttentionKernelOptions &options,
                           AttentionPlan &plan) {
  Type element = op.getQuery().getType().getElementType();
  if (!options.tensorCores || !isa<BFloat16Type, Float16Type>(element) ||
      attendedType(op, /*key=*/true) != element ||
      attendedType(op, /*key=*/false) != element)
    return false;
  if (plan.headDim % 16 != 0 || plan.valueDim % 16 != 0 ||
      plan.headDim > 256 || plan.valueDim > 256)
    return false;
  int64_t rowBytes = (plan.headDim + plan.valueDim + 16) * byteWidth(element);
  plan.keysPerTile = 64;
  while (plan.keysPerTile > 16 && plan.keysPerTile * rowBytes > kMaxSharedBytes)
    plan.keysPerTile /= 2;
  plan.queryTiles = llvm::divideCeil(plan.queryLen, plan.warps * kMmaRows);
  plan.tensorCores = true;
  return true;
}

/// Why ct-attention-to-gpu cannot lower `op`, or an empty string; fills
/// `plan` when it can.
std::string planAttention(HookedAttentionOp op,
                          const AttentionKernelOptions &options,
                          AttentionPlan &plan) {
  auto queryType = op.getQuery().getType();
  auto keyType = op.getKey().getType();
  auto valueType = op.getValue().getType();
  SmallVector<RankedTensorType> types = {queryType, keyType, valueType};
  if (Value mask = op.getMask())
    if (!cast<RankedTensorType>(mask.getType()).hasStaticShape())
      return "expected a static mask shape";
  for (RankedTensorType type : types) {
    if (!type.hasStaticShape())
      return "expected static shapes";
    if (!isa<Float32Type, BFloat16Type, Float16Type>(type.getElementType()))
      return "expected f32, bf16 or f16 tensors";
  }
  for (bool key : {true, false}) {
    if (!op.hasCache())
      break;
    auto cacheType =
        cast<RankedTensorType>((key ? op.getKCache() : op.getVCache()).getType());
    if (!cacheType.hasStaticShape())
      return "expected static shapes";
    QuantSchemeAttr scheme = op.getCacheQuant(key);
    if (!scheme) {
      if (!isa<Float32Type, BFloat16Type, Float16Type>(
              cacheType.getElementType()))
        return "expected f32, bf16 or f16 tensors";
      continue;
    }
    if (!isa<Float8E4M3FNType>(cacheType.getElementType()) &&
        !cacheType.getElementType().isInteger(8) &&
        !isPackedCode(cacheType.getElementType())) {
      std::string got;
      llvm::raw_string_ostream(got) << cacheType.getElementType();
      return "expected i8, i4, f8E4M3FN or f4E2M1FN cache codes, got " + got;
    }
    if (isa<Float8E4M3FNType>(cacheType.getElementType()) &&
        !options.hardwareFP8)
      return "f8E4M3FN caches need the hardware fp8 conversion (sm_89+)";
    if (Value zeroPoint = op.getCacheZeroPoint(key)) {
      // A zero point folds into the bias of the integer code conversion
      // (codeBias); an fp8 zero point is no integer.
      std::string got;
      llvm::raw_string_ostream os(got);
      if (!cacheType.getElementType().isInteger(8) &&
          !cacheType.getElementType().isInteger(4)) {
        os << cacheType.getElementType();
        return "expected i8 or i4 codes for a cache with zero points, got " +
               got;
      }
      if (!getElementTypeOrSelf(zeroPoint.getType()).isSignlessInteger(8)) {
        os << getElementTypeOrSelf(zeroPoint.getType());
        return "expected i8 cache zero points, got " + got;
      }
    }
    if (scheme.getStrategy() == QuantStrategy::Channel)
      return "per-channel cache scales are not lowered to the GPU";
    Value scale = op.getCacheScale(key);
    if (!scheme.isDynamic() &&
        cast<RankedTensorType>(scale.getType()).getNumElements() != 1 &&
        cast<RankedTensorType>(scale.getType()).getNumElements() !=
            keyType.getDimSize(1))
      return "expected a static scale per tensor or per kv head";
  }
  plan.batch = queryType.getDimSize(0);
  plan.queryHeads = queryType.getDimSize(1);
  plan.queryLen = queryType.getDimSize(2);
  plan.headDim = queryType.getDimSize(3);
  plan.kvHeads = keyType.getDimSize(1);
  plan.valueDim = valueType.getDimSize(3);
  plan.group = plan.queryHeads / plan.kvHeads;
  plan.keyRows = op.hasCache() ? op.getKCache().getType().getDimSize(2)
                               : keyType.getDimSize(2);
  if (plan.keyRows == 0 || plan.queryLen == 0)
    return "expected at least one key and one query";

  // The widest lane slice of at most `lane-bytes` bytes (as stored: 8-bit or
  // 4-bit codes for a quantized cache) and 16 elements that splits both rows:
  // the per-row work (shuffles, softmax) is then spread over more bytes. A
  // lane keeps its slices of the g query rows (prefill: 4) and accumulators
  // in registers, which bounds the elements (g = 4: 16 elements; bf16: two
  // 16-byte loads, 8-bit codes: one, 4-bit codes: 8 bytes).
  Type keyStorage = attendedType(op, /*key=*/true);
  Type valueStorage = attendedType(op, /*key=*/false);
  int64_t widest = std::max(bitWidth(keyStorage), bitWidth(valueStorage));
  int64_t laneElems = std::clamp<int64_t>(
      std::min(options.laneBytes * 8 / widest,
               kLaneStateRegisters /
                   (2 * (plan.isDecode() ? plan.group : kQueriesPerWarp))),
      1, kMaxLaneElements);
  int64_t lanes = 1;
  while (lanes * 2 <= kWarpSize && lanes * 2 * laneElems <= plan.headDim &&
         plan.headDim % (lanes * 2) == 0 && plan.valueDim % (lanes * 2) == 0)
    lanes *= 2;
  plan.lanesPerRow = lanes;
  plan.keyElems = plan.headDim / lanes;
  plan.valueElems = plan.valueDim / lanes;
  plan.rowsPerWarp = kWarpSize / lanes;
  if (plan.keyElems * widest > 4 * kVectorBytes * 8 ||
      plan.valueElems * widest > 4 * kVectorBytes * 8)
    return "expected head dims of at most " +
           std::to_string(kWarpSize * 4 * kVectorBytes * 8 / widest) +
           " elements, got " + std::to_string(plan.headDim) + " and " +
           std::to_string(plan.valueDim);
  // A lane's 4-bit codes are whole bytes, unpacked from 8-, 16- or 32-bit
  // words.
  for (auto [storage, elems] : {std::pair(keyStorage, plan.keyElems),
                                std::pair(valueStorage, plan.valueElems)})
    if (isPackedCode(storage) && elems != 2 && elems != 4 && elems % 8 != 0)
      return "expected 2, 4 or a multiple of 8 elements of a 4-bit cache "
             "row per lane, got " +
             std::to_string(elems);
  // Decode: a lane folds one scale (and zero point) of a row into its
  // slice, so narrower scale groups must hold whole lane slices. Prefill:
  // a thread dequantizes a slice of a group at once, whole bytes of 4-bit
  // codes and pairs of fp8 codes.
  for (bool key : {true, false}) {
    QuantSchemeAttr scheme = op.hasCache() ? op.getCacheQuant(key) : nullptr;
    if (!scheme)
      continue;
    int64_t dim = key ? plan.headDim : plan.valueDim;
    int64_t groupSize =
        scheme.isDynamic()
            ? dim / HookedAttentionOp::getRowScaleCount(scheme, dim)
            : dim;
    if (!plan.isDecode()) {
      Type codes =
          (key ? op.getKCache() : op.getVCache()).getType().getElementType();
      if (dequantizeSliceElems(dim, groupSize) == 1 && !codes.isInteger(8))
        return "expected scale groups of an even number of elements, got "
               "groups of " +
               std::to_string(groupSize);
      continue;
    }
    int64_t elems = key ? plan.keyElems : plan.valueElems;
    if (groupSize % elems != 0)
      return "expected scale groups of whole lane slices of " +
             std::to_string(elems) + " elements, got groups of " +
             std::to_string(groupSize);
  }
  plan.warps = options.warpsPerBlock;

  if (plan.isDecode()) {
    // Enough blocks to fill the machine, but no split shorter than one
    // round of the block's lane groups.
    int64_t wanted = llvm::divideCeil(options.smCount * options.blocksPerSM,
                                      plan.batch * plan.kvHeads);
    int64_t most = llvm::divideCeil(
        plan.keyRows,
        plan.decodeRound() * plan.decodeUnroll(options.decodeUnroll, widest));
    plan.unroll = plan.decodeUnroll(options.decodeUnroll, widest);
    plan.splits = std::clamp<int64_t>(wanted, 1, most);
    if (plan.decodeSharedBytes() > kMaxSharedBytes)
      return "the decode block's partial results need " +
             std::to_string(plan.decodeSharedBytes()) +
             " bytes of shared memory, more than " +
             std::to_string(kMaxSharedBytes);
    return "";
  }
  // Dequantizing a quantized cache's visible rows: enough blocks per
  // (batch, kv head) to fill the machine, but no thread without a slice of
  // 8 elements of a full cache.
  plan.dequantizeSplits = std::clamp<int64_t>(
      llvm::divideCeil(options.smCount * options.blocksPerSM,
                       plan.batch * plan.kvHeads),
      1,
      llvm::divideCeil(plan.keyRows * std::max(plan.headDim, plan.valueDim),
                       plan.threads() * 8));
  if (planTensorCorePrefill(op, options, plan))
    return "";
  int64_t rowBytes = plan.headDim * byteWidth(keyType.getElementType()) +
                     plan.valueDim * byteWidth(valueType.getElementType());
  plan.keysPerTile =
      llvm::bit_floor(static_cast<uint64_t>(
          std::max<int64_t>(kPrefillTileBytes / rowBytes, 1)));
  plan.keysPerTile = std::min<int64_t>(plan.keysPerTile, 64);
  if (plan.keysPerTile < plan.rowsPerWarp)
    return "a prefill tile of " + std::to_string(plan.rowsPerWarp) +
           " keys does not fit in shared memory";
  plan.queryTiles =
      llvm::divideCeil(plan.queryLen, plan.warps * kQueriesPerWarp);
  return "";
}

/// The running softmax state of one query row held by a lane group: the
/// maximum and sum of its log2-domain scores and its slice of the
/// unnormalized output.
struct RowState {
  Value max, sum, acc;
};

/// Builds the kernels of one ct.hooked_attention on flat (rank-1) buffers.
class AttentionKernelBuilder {
public:
  AttentionKernelBuilder(OpBuilder &b, Location loc, HookedAttentionOp op,
                         const AttentionPlan &plan)
      : b(b), loc(loc), op(op), plan(plan), f32(b.getF32Type()) {}

  /// Buffers the kernels read and write, all rank-1 and identity-layout.
  /// How the codes of a quantized cache dequantize: (code − zp) · scale,
  /// with one scale (and zero point) for the tensor, per kv head or per
  /// group of a cache row (`groups` per row, 1 for the whole row).
  enum class ScaleKind { None, Tensor, Head, Row };
  struct CacheScale {
    ScaleKind kind = ScaleKind::None;
    int64_t groups = 1;
    /// The scales as a rank-1 buffer (Row: [B·Hkv·Smax·groups]), and the i8
    /// zero points laid out alike (null for a symmetric scheme).
    Value buffer, zeroPoint;
  };

  struct Buffers {
    Value query, keys, values, mask, output;
    CacheScale keyScale, valueScale;
    /// Decode: per split and query row, (max, sum) pairs and accumulators.
    Value partialStats, partialAcc;
  };

  void buildDecode(Value keyLen, const Buffers &buffers);
  Value buildDequantizedCache(Value keyLen, Value codes,
                              const CacheScale &scale, int64_t dim, Type type);
  void buildPrefill(Value keyLen, const Buffers &buffers);
  void buildTensorCorePrefill(Value keyLen, const Buffers &buffers);

private:
  Value index(int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value);
  }
  Value constantF32(double value) {
    return arith::ConstantOp::create(b, loc,
                                     b.getF32FloatAttr(static_cast<float>(value)));
  }
  Value negInf() { return constantF32(-std::numeric_limits<float>::infinity()); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value mul(Value x, int64_t y) { return mul(x, index(y)); }
  Value div(Value x, int64_t y) {
    return arith::DivUIOp::create(b, loc, x, index(y));
  }
  Value rem(Value x, int64_t y) {
    return arith::RemUIOp::create(b, loc, x, index(y));
  }
  Value ult(Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x, y);
  }
  /// ex2.approx.ftz.f32 (2 ulp, exp2(-inf) = 0): convert-gpu-to-nvvm would
  /// turn math.exp2 and llvm.intr.exp2 into libdevice's __nv_exp2f. Without
  /// .ftz ptxas wraps MUFU.EX2 in a subnormal range check and two FMULs;
  /// probabilities below 2^-126 are flushed to 0 instead.
  Value exp2(Value x) {
    return LLVM::CallIntrinsicOp::create(
               b, loc, f32, b.getStringAttr("llvm.nvvm.ex2.approx.ftz.f32"),
               ValueRange{x})
        .getResult(0);
  }
  /// The subtrahend of exp2(x − m): 0 while every score so far is masked
  /// (m = −inf), which keeps exp2 at 0 instead of NaN.
  Value safeMax(Value max) {
    Value allMasked = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                            max, negInf());
    return arith::SelectOp::create(b, loc, allMasked, constantF32(0.0), max);
  }
  Value broadcast(Value scalar, int64_t elems) {
    return vector::BroadcastOp::create(b, loc, VectorType::get({elems}, f32),
                                       scalar);
  }

  /// `elems` elements of `buffer` at `offset` as an f32 vector: one load,
  /// aligned to the slice's bytes up to 16 (the caller's buffers come from
  /// cuMemAlloc, 256-byte aligned; every slice offset is a multiple of it).
  Value loadSlice(Value buffer, Value offset, int64_t elems) {
    return toF32(loadRawSlice(buffer, offset, elems),
                 cast<MemRefType>(buffer.getType()).getElementType());
  }
  /// A slice as loaded (and carried to the next iteration): `elems`
  /// elements, or for 4-bit codes the words of their bytes (8 codes per i32
  /// word; 2 or 4 codes as an i8 or i16).
  VectorType rawSliceType(Type elementType, int64_t elems) {
    if (!isPackedCode(elementType))
      return VectorType::get({elems}, elementType);
    int64_t bits = std::min<int64_t>(4 * elems, 32);
    return VectorType::get({4 * elems / bits}, b.getIntegerType(bits));
  }
  Value loadRawSlice(Value buffer, Value offset, int64_t elems) {
    Type elementType = cast<MemRefType>(buffer.getType()).getElementType();
    auto type = VectorType::get({elems}, elementType);
    Value slice = vector::LoadOp::create(b, loc, type, buffer, offset,
                                         /*nontemporal=*/false,
                                         sliceAlignment(elementType, elems));
    if (!isPackedCode(elementType))
      return slice;
    // ct-pack-sub-byte-memrefs makes the load one of whole bytes.
    return vector::BitCastOp::create(b, loc, rawSliceType(elementType, elems),
                                     slice);
  }
  /// A raw slice of a buffer of `stored` elements as f32; integer codes
  /// minus the zero point whose codeBias is `bias`, when given.
  Value toF32(Value slice, Type stored, Value bias = nullptr) {
    auto type = cast<VectorType>(slice.getType());
    auto f32Type = VectorType::get(type.getShape(), f32);
    Type element = type.getElementType();
    if (isa<Float4E2M1FNType>(stored))
      return fp4ToF32(slice);
    if (isPackedCode(stored))
      return unpackCodes(slice, bias);
    if (element == f32)
      return slice;
    if (element.isBF16() && type.getNumElements() % 2 == 0)
      return bf16ToF32(slice);
    if (element.isInteger(8) && type.getNumElements() % 4 == 0)
      return int8ToF32(slice, bias);
    if (element.isInteger(8)) {
      Value codes = arith::SIToFPOp::create(b, loc, f32Type, slice);
      if (!bias)
        return codes;
      // 2^23 + 128 + zp − (2^23 + 128) is zp (exact).
      Value zp =
          arith::SubFOp::create(b, loc, bias, constantF32(8388608.0 + 128.0));
      return arith::SubFOp::create(b, loc, codes,
                                   broadcast(zp, type.getNumElements()));
    }
    if (isa<Float8E4M3FNType>(element))
      return fp8ToF32(slice);
    return arith::ExtFOp::create(b, loc, f32Type, slice);
  }
  /// Signed 4-bit codes to f32 from the words holding them, code j of a word
  /// in its bits [4j, 4j + 4), as int8ToF32 does: the even and the odd codes
  /// of a word, biased by 8, are put in bytes at once; then per code one prmt
  /// makes it the low byte of 2^23 and one subtraction of 2^23 + 8 leaves it
  /// (exact; no shift pair and I2F per code); a codeBias `bias` subtracts a
  /// zero point too.
  Value unpackCodes(Value words, Value bias = nullptr) {
    auto type = cast<VectorType>(words.getType());
    int64_t wordBits = type.getElementType().getIntOrFloatBitWidth();
    Type i32 = b.getI32Type();
    auto constant = [&](int64_t bits) {
      return arith::ConstantIntOp::create(b, loc, bits, 32);
    };
    // (x & 0x0F0F0F0F) ^ 0x08080808: the codes in the low nibbles, biased.
    auto biased = [&](Value x) {
      return arith::XOrIOp::create(
          b, loc, arith::AndIOp::create(b, loc, x, constant(0x0F0F0F0F)),
          constant(0x08080808));
    };
    Value exponent = constant(0x4B000000);
    if (!bias)
      bias = constantF32(8388608.0 + 8.0);
    SmallVector<Value> values;
    for (int64_t w = 0; w < type.getNumElements(); ++w) {
      Value word = vector::ExtractOp::create(b, loc, words, w);
      if (wordBits < 32)
        word = arith::ExtUIOp::create(b, loc, i32, word);
      Value even = biased(word);
      Value odd = biased(arith::ShRUIOp::create(b, loc, word, constant(4)));
      for (int64_t j = 0; j < wordBits / 4; ++j) {
        // Byte j / 2 of the even or odd codes, then bytes 4, 5, 7 of the
        // pool (0, 0, 0x4B of the exponent).
        Value bits = NVVM::PermuteOp::create(
            b, loc, i32, j % 2 ? odd : even, exponent,
            constant(0x7540 | (j / 2)), NVVM::PermuteMode::DEFAULT);
        values.push_back(arith::SubFOp::create(
            b, loc, arith::BitcastOp::create(b, loc, f32, bits), bias));
      }
    }
    return vector::FromElementsOp::create(
        b, loc, VectorType::get({static_cast<int64_t>(values.size())}, f32),
        values);
  }
  /// bf16 to f32 from the 32-bit words holding pairs: element 2i is the low
  /// half shifted up, element 2i+1 the high half masked, one instruction
  /// each (arith.extf takes a prmt and a shift for the high half).
  Value bf16ToF32(Value slice) {
    int64_t elems = cast<VectorType>(slice.getType()).getNumElements();
    Type i32 = b.getI32Type();
    Value words = vector::BitCastOp::create(
        b, loc, VectorType::get({elems / 2}, i32), slice);
    Value shift = arith::ConstantIntOp::create(b, loc, 16, 32);
    Value high = arith::ConstantIntOp::create(b, loc, 0xFFFF0000, 32);
    SmallVector<Value> values;
    for (int64_t w = 0; w < elems / 2; ++w) {
      Value word = vector::ExtractOp::create(b, loc, words, w);
      for (Value bits : {Value(arith::ShLIOp::create(b, loc, word, shift)),
                         Value(arith::AndIOp::create(b, loc, word, high))})
        values.push_back(arith::BitcastOp::create(b, loc, f32, bits));
    }
    return vector::FromElementsOp::create(
        b, loc, VectorType::get({elems}, f32), values);
  }
  /// Signed 8-bit codes to f32 without I2F (a quarter-rate conversion): the
  /// code biased by 128 becomes the low byte of 2^23 (one prmt), then one
  /// subtraction of 2^23 + 128 leaves the code (exact); a codeBias `bias`
  /// subtracts a zero point too.
  Value int8ToF32(Value codes, Value bias = nullptr) {
    int64_t elems = cast<VectorType>(codes.getType()).getNumElements();
    Type i32 = b.getI32Type();
    auto constant = [&](int64_t bits) {
      return arith::ConstantIntOp::create(b, loc, bits, 32);
    };
    Value words = vector::BitCastOp::create(
        b, loc, VectorType::get({elems / 4}, i32), codes);
    Value exponent = constant(0x4B000000);
    if (!bias)
      bias = constantF32(8388608.0 + 128.0);
    SmallVector<Value> values;
    for (int64_t w = 0; w < elems / 4; ++w) {
      Value word = arith::XOrIOp::create(
          b, loc, vector::ExtractOp::create(b, loc, words, w),
          constant(0x80808080));
      // Bytes 0..3 of the result: code byte j, then bytes 4, 5, 7 of the pool
      // (0, 0, 0x4B of the exponent).
      for (int64_t j = 0; j < 4; ++j) {
        Value bits = NVVM::PermuteOp::create(b, loc, i32, word, exponent,
                                             constant(0x7540 | j),
                                             NVVM::PermuteMode::DEFAULT);
        values.push_back(arith::SubFOp::create(
            b, loc, arith::BitcastOp::create(b, loc, f32, bits), bias));
      }
    }
    return vector::FromElementsOp::create(
        b, loc, VectorType::get({elems}, f32), values);
  }
  /// f4E2M1FN codes (from the words holding them, as unpackCodes) to f32,
  /// worth value·2^-14: a code's sign and three e2m1 bits become the sign and
  /// the top exponent/mantissa bits of an f16 (its high byte), where e2m1's
  /// subnormal (0.5) is f16's and the exponent biases differ by 14; the f16
  /// to f32 conversion is exact. Mirrors decodeFP4E2M1 (QuantReference.h).
  /// The high bytes of the even and of the odd codes of a word are built at
  /// once, then one prmt per pair of codes places them in an f16x2.
  Value fp4ToF32(Value words) {
    auto type = cast<VectorType>(words.getType());
    int64_t wordBits = type.getElementType().getIntOrFloatBitWidth();
    Type i32 = b.getI32Type(), f16 = b.getF16Type();
    auto constant = [&](int64_t bits) {
      return arith::ConstantIntOp::create(b, loc, bits, 32);
    };
    auto masked = [&](Value x, int64_t mask) {
      return arith::AndIOp::create(b, loc, x, constant(mask));
    };
    SmallVector<Value> halves;
    for (int64_t w = 0; w < type.getNumElements(); ++w) {
      Value word = vector::ExtractOp::create(b, loc, words, w);
      if (wordBits < 32)
        word = arith::ExtUIOp::create(b, loc, i32, word);
      // Byte k: code 2k's (even) or 2k+1's (odd) sign in bit 7, e2m1 bits
      // in bits 1..3.
      Value even = arith::OrIOp::create(
          b, loc,
          arith::ShLIOp::create(b, loc, masked(word, 0x07070707), constant(1)),
          arith::ShLIOp::create(b, loc, masked(word, 0x08080808),
                                constant(4)));
      Value odd = arith::OrIOp::create(
          b, loc,
          arith::ShRUIOp::create(b, loc, masked(word, 0x70707070),
                                 constant(3)),
          masked(word, 0x80808080));
      for (int64_t k = 0; k < wordBits / 8; ++k) {
        // Bytes 1 and 3 of the pair: even byte k, odd byte k (pool byte
        // 4 + k); bytes 0 and 2 are cleared.
        Value pair = NVVM::PermuteOp::create(
            b, loc, i32, even, odd,
            constant((4 + k) << 12 | (4 + k) << 8 | k << 4 | k),
            NVVM::PermuteMode::DEFAULT);
        Value bits = vector::BitCastOp::create(
            b, loc, VectorType::get({2}, f16),
            vector::BroadcastOp::create(b, loc, VectorType::get({1}, i32),
                                        masked(pair, 0xFF00FF00)));
        for (int64_t i = 0; i < 2; ++i)
          halves.push_back(vector::ExtractOp::create(b, loc, bits, i));
      }
    }
    int64_t elems = halves.size();
    Value packed = vector::FromElementsOp::create(
        b, loc, VectorType::get({elems}, f16), halves);
    return arith::ExtFOp::create(b, loc, VectorType::get({elems}, f32),
                                 packed);
  }
  /// float8_e4m3fn codes to f32 with the hardware conversion, two at a time
  /// (cvt.rn.f16x2.e4m3x2, sm_89+; exact, as is f16 to f32).
  Value fp8ToF32(Value codes) {
    int64_t elems = cast<VectorType>(codes.getType()).getNumElements();
    Type i8 = b.getI8Type(), f16 = b.getF16Type();
    Value bytes = vector::BitCastOp::create(
        b, loc, VectorType::get({elems}, i8), codes);
    SmallVector<Value> halves;
    for (int64_t e = 0; e < elems; e += 2) {
      Value pair = vector::FromElementsOp::create(
          b, loc, VectorType::get({2}, i8),
          ValueRange{vector::ExtractOp::create(b, loc, bytes, e),
                     vector::ExtractOp::create(b, loc, bytes, e + 1)});
      Value converted = NVVM::ConvertF8x2ToF16x2Op::create(
          b, loc, VectorType::get({2}, f16), pair, b.getBoolAttr(false),
          TypeAttr::get(cast<VectorType>(codes.getType()).getElementType()));
      for (int64_t i = 0; i < 2; ++i)
        halves.push_back(vector::ExtractOp::create(b, loc, converted, i));
    }
    Value packed = vector::FromElementsOp::create(
        b, loc, VectorType::get({elems}, f16), halves);
    return arith::ExtFOp::create(b, loc, VectorType::get({elems}, f32),
                                 packed);
  }
  /// Where the scale (and zero point) of cache row `row` of kv head `kvHead`
  /// lies in its buffer; for Row, `row` is the flat index of the row's (or
  /// its group's) scale, see buildDecodeSplits.
  Value scaleIndex(const CacheScale &scale, Value kvHead, Value row) {
    switch (scale.kind) {
    case ScaleKind::Tensor:
      return index(0);
    case ScaleKind::Head:
      return kvHead;
    case ScaleKind::Row:
      return row;
    case ScaleKind::None:
      break;
    }
    return nullptr;
  }
  /// The scale of a cache row as f32 (see scaleIndex), or null for a float
  /// cache.
  Value loadScale(const CacheScale &scale, Value kvHead, Value row) {
    if (scale.kind == ScaleKind::None)
      return nullptr;
    Value s = memref::LoadOp::create(b, loc, scale.buffer,
                                     scaleIndex(scale, kvHead, row));
    return s.getType() == f32 ? s : arith::ExtFOp::create(b, loc, f32, s);
  }
  /// The bias int8ToF32 / unpackCodes subtract for the codes of a cache row
  /// with a zero point, or null without one: 2^23 + 128 + zp (i8 codes) or
  /// 2^23 + 8 + zp (i4), so that the codes convert to code − zp exactly.
  /// This folds (code − zp)·scale at no cost per element, where
  /// ct-lower-attention subtracts zp·Σq from each score and Σ p·zp from the
  /// accumulators. The zero point xor 128 is the low byte of 2^23 + 128 + zp
  /// (as a code's in int8ToF32; no I2F).
  Value codeBias(const CacheScale &scale, Type stored, Value kvHead,
                 Value row) {
    if (!scale.zeroPoint)
      return nullptr;
    Type i32 = b.getI32Type();
    Value zp = arith::ExtUIOp::create(
        b, loc, i32,
        memref::LoadOp::create(b, loc, scale.zeroPoint,
                               scaleIndex(scale, kvHead, row)));
    Value bits = arith::OrIOp::create(
        b, loc,
        arith::XOrIOp::create(b, loc, zp,
                              arith::ConstantIntOp::create(b, loc, 0x80, 32)),
        arith::ConstantIntOp::create(b, loc, 0x4B000000, 32));
    Value bias = arith::BitcastOp::create(b, loc, f32, bits);
    if (isPackedCode(stored))
      bias = arith::SubFOp::create(b, loc, bias, constantF32(128.0 - 8.0));
    return bias;
  }
  llvm::MaybeAlign sliceAlignment(Type elementType, int64_t elems) {
    int64_t bytes = elems * bitWidth(elementType) / 8;
    return llvm::Align(
        std::min<int64_t>(bytes & -bytes, kVectorBytes));
  }
  void storeSlice(Value slice, Value buffer, Value offset) {
    Type elementType = cast<MemRefType>(buffer.getType()).getElementType();
    int64_t elems = cast<VectorType>(slice.getType()).getNumElements();
    if (elementType != f32)
      slice = arith::TruncFOp::create(
          b, loc, VectorType::get({elems}, elementType), slice);
    vector::StoreOp::create(b, loc, slice, buffer, offset,
                            /*nontemporal=*/false,
                            sliceAlignment(elementType, elems));
  }

  /// q·k over a row whose slices the lanes of a group hold: one fma chain in
  /// the lane (the fewest instructions; the g heads × unrolled rows give the
  /// independent chains that hide its latency), then butterflies across the
  /// group's lanes.
  /// `laneScale`, when given, multiplies the lane's partial sum: the scale
  /// of the row's group that holds the lane's slice.
  Value rowDot(Value q, Value k, Value laneScale = nullptr) {
    int64_t elems = cast<VectorType>(q.getType()).getNumElements();
    Value sum;
    for (int64_t e = 0; e < elems; ++e) {
      Value qe = vector::ExtractOp::create(b, loc, q, e);
      Value ke = vector::ExtractOp::create(b, loc, k, e);
      sum = sum ? Value(LLVM::FMAOp::create(b, loc, qe, ke, sum))
                : Value(arith::MulFOp::create(b, loc, qe, ke));
    }
    if (laneScale)
      sum = arith::MulFOp::create(b, loc, sum, laneScale);
    for (int64_t h = 1; h < plan.lanesPerRow; h *= 2)
      sum = arith::AddFOp::create(b, loc, sum, shuffleXor(sum, h));
    return sum;
  }
  Value shuffleXor(Value x, int64_t offset) {
    Value width = arith::ConstantIntOp::create(b, loc, kWarpSize, 32);
    Value lanes = arith::ConstantIntOp::create(b, loc, offset, 32);
    return gpu::ShuffleOp::create(b, loc, x, lanes, width,
                                  gpu::ShuffleMode::XOR)
        .getShuffleResult();
  }

  /// The score of a query row in the log2 domain: `dot` (already scaled),
  /// plus the mask, -inf for causally hidden keys and where `valid` is false.
  /// `keyPos` must lie in [0, Skv_total) even for an invalid key: the mask
  /// is read there.
  Value logit(Value dot, Value valid, Value batch, Value queryHead,
              Value queryPos, Value keyPos, Value mask, Value queryOffset) {
    Value x = dot;
    if (mask) {
      // A mask dimension of size 1 broadcasts.
      auto shape = cast<RankedTensorType>(op.getMask().getType()).getShape();
      Value indices[] = {batch, queryHead, queryPos, keyPos};
      Value offset = index(0);
      for (int64_t d = 0; d < 4; ++d) {
        offset = mul(offset, shape[d]);
        if (shape[d] != 1)
          offset = add(offset, indices[d]);
      }
      Value m = memref::LoadOp::create(b, loc, mask, offset);
      if (m.getType().isInteger(1)) {
        x = arith::SelectOp::create(b, loc, m, x, negInf());
      } else {
        if (m.getType() != f32)
          m = arith::ExtFOp::create(b, loc, f32, m);
        x = arith::AddFOp::create(
            b, loc, x,
            arith::MulFOp::create(b, loc, m,
                                  constantF32(llvm::numbers::log2e)));
      }
    }
    if (op.getCausal()) {
      // Bottom-right aligned: query i sits at key position Skv_total − Sq + i.
      Value future = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt,
                                           keyPos, add(queryOffset, queryPos));
      x = arith::SelectOp::create(b, loc, future, negInf(), x);
    }
    return arith::SelectOp::create(b, loc, valid, x, negInf());
  }

  /// One online-softmax step of the query rows `rows` over the log2-domain
  /// scores `x[r]` of some keys and their value slices `valueSlice(u)`
  /// (built when key u is accumulated): one rescale for
  /// all of them, skipped (in a branch) unless some row's maximum grew,
  /// which at long context is rare, and its factors exp2(m − m') are 1.
  /// `valueScales`, when given, multiply each key's probability in the
  /// accumulation only: values stored as codes with per-row scales (or the
  /// scale of the row's group that holds the lane's slice).
  void attend(MutableArrayRef<RowState> rows, ArrayRef<SmallVector<Value>> x,
              llvm::function_ref<Value(int64_t)> valueSlice,
              ArrayRef<Value> valueScales = {}) {
    SmallVector<Value> maxima;
    Value grew;
    for (auto [row, scores] : llvm::zip_equal(rows, x)) {
      Value max = row.max;
      for (Value score : scores)
        max = arith::MaximumFOp::create(b, loc, max, score);
      maxima.push_back(max);
      Value rowGrew = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT,
                                            max, row.max);
      grew = grew ? arith::OrIOp::create(b, loc, grew, rowGrew) : rowGrew;
    }
    SmallVector<Type> types;
    SmallVector<Value> unchanged;
    for (RowState &row : rows) {
      types.append({f32, row.acc.getType()});
      unchanged.append({row.sum, row.acc});
    }
    auto ifGrew = scf::IfOp::create(b, loc, types, grew, /*withElse=*/true);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifGrew.thenBlock());
      SmallVector<Value> rescaled;
      for (auto [row, max] : llvm::zip_equal(rows, maxima)) {
        Value alpha =
            exp2(arith::SubFOp::create(b, loc, row.max, safeMax(max)));
        rescaled.push_back(arith::MulFOp::create(b, loc, row.sum, alpha));
        rescaled.push_back(arith::MulFOp::create(
            b, loc, row.acc, broadcast(alpha, plan.valueElems)));
      }
      scf::YieldOp::create(b, loc, rescaled);
      b.setInsertionPointToStart(ifGrew.elseBlock());
      scf::YieldOp::create(b, loc, unchanged);
    }
    SmallVector<Value> subtrahends;
    for (auto [r, row] : llvm::enumerate(rows)) {
      subtrahends.push_back(safeMax(maxima[r]));
      row = {maxima[r], ifGrew.getResult(2 * r), ifGrew.getResult(2 * r + 1)};
    }
    // Key by key, so that one value slice is live at a time.
    for (int64_t u = 0, e = x.front().size(); u < e; ++u) {
      Value slice = valueSlice(u);
      for (auto [r, row] : llvm::enumerate(rows)) {
        Value p = exp2(arith::SubFOp::create(b, loc, x[r][u], subtrahends[r]));
        row.sum = arith::AddFOp::create(b, loc, row.sum, p);
        if (!valueScales.empty())
          p = arith::MulFOp::create(b, loc, p, valueScales[u]);
        row.acc = vector::FMAOp::create(
            b, loc, broadcast(p, plan.valueElems), slice, row.acc);
      }
    }
  }

  /// Merges the states that the lane groups of a warp hold for the same
  /// query rows, with butterflies across groups (lanes l and l ^ L·2^i):
  /// afterwards every group holds the merged state.
  void mergeLaneGroups(MutableArrayRef<RowState> rows) {
    for (int64_t h = plan.lanesPerRow; h < kWarpSize; h *= 2) {
      for (RowState &row : rows) {
        Value otherMax = shuffleXor(row.max, h);
        Value otherSum = shuffleXor(row.sum, h);
        SmallVector<Value> otherAcc;
        for (int64_t e = 0; e < plan.valueElems; ++e)
          otherAcc.push_back(
              shuffleXor(vector::ExtractOp::create(b, loc, row.acc, e), h));
        Value other = vector::FromElementsOp::create(
            b, loc, VectorType::get({plan.valueElems}, f32), otherAcc);
        Value max = arith::MaximumFOp::create(b, loc, row.max, otherMax);
        Value subtrahend = safeMax(max);
        Value w = exp2(arith::SubFOp::create(b, loc, row.max, subtrahend));
        Value wOther =
            exp2(arith::SubFOp::create(b, loc, otherMax, subtrahend));
        row.sum = arith::AddFOp::create(
            b, loc, arith::MulFOp::create(b, loc, w, row.sum),
            arith::MulFOp::create(b, loc, wOther, otherSum));
        row.acc = vector::FMAOp::create(
            b, loc, broadcast(wOther, plan.valueElems), other,
            arith::MulFOp::create(b, loc, broadcast(w, plan.valueElems),
                                  row.acc));
        row.max = max;
      }
    }
  }

  /// The query slice of a lane times scale·log2(e), so that dot products
  /// are log2-domain scores.
  Value scaledQuery(Value query, Value offset) {
    return arith::MulFOp::create(
        b, loc, loadSlice(query, offset, plan.keyElems),
        broadcast(constantF32(op.getLog2ScoreScale()), plan.keyElems));
  }

  /// The keys the last query of a prefill block's tile can see: causal
  /// tiles past them are skipped.
  Value visibleKeyEnd(Value keyLen, Value queryOffset, Value queryTile,
                      int64_t tileQueries) {
    if (!op.getCausal())
      return keyLen;
    Value lastQuery = arith::MinUIOp::create(
        b, loc, add(mul(queryTile, tileQueries), index(tileQueries)),
        index(plan.queryLen));
    Value visible = arith::MaxSIOp::create(b, loc, add(queryOffset, lastQuery),
                                           index(0));
    return arith::MinSIOp::create(b, loc, visible, keyLen);
  }

  /// A pair of 16-bit values as the 32-bit word MMA fragments hold: the
  /// first element (the lower column) in the low half.
  Value fragmentWord(Value pair) {
    Type i32 = b.getI32Type();
    Value word = vector::BitCastOp::create(b, loc, VectorType::get({1}, i32),
                                           pair);
    return vector::ExtractOp::create(b, loc, word, 0);
  }
  /// Two f32 rounded to `element` (to nearest even) as a fragment word.
  Value roundPair(Value lo, Value hi, Type element) {
    Value pair = vector::FromElementsOp::create(
        b, loc, VectorType::get({2}, f32), ValueRange{lo, hi});
    return fragmentWord(arith::TruncFOp::create(
        b, loc, VectorType::get({2}, element), pair));
  }
  /// D = A·B + C with mma.sync.aligned.m16n8k16.row.col.f32.{bf16,f16}: `a`
  /// four and `bWords` two fragment words, `c` and the result four f32.
  SmallVector<Value> mma(Type element, ArrayRef<Value> a,
                         ArrayRef<Value> bWords, ArrayRef<Value> c) {
    // bf16 operands are i32 words in NVVM, f16 ones f16x2 vectors.
    auto operands = [&](ArrayRef<Value> words) {
      SmallVector<Value> result;
      for (Value word : words)
        result.push_back(element.isBF16()
                             ? word
                             : Value(LLVM::BitcastOp::create(
                                   b, loc, VectorType::get({2}, element),
                                   word)));
      return result;
    };
    auto resultType = LLVM::LLVMStructType::getLiteral(
        b.getContext(), SmallVector<Type>(4, f32));
    NVVM::MMATypes type =
        element.isBF16() ? NVVM::MMATypes::bf16 : NVVM::MMATypes::f16;
    Value d = NVVM::MmaOp::create(
        b, loc, resultType, operands(a), operands(bWords), c,
        ArrayRef<int64_t>{16, 8, 16}, std::nullopt, std::nullopt,
        std::array<NVVM::MMATypes, 2>{type, type},
        std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                       NVVM::MMALayout::col});
    SmallVector<Value> result;
    for (int64_t i = 0; i < 4; ++i)
      result.push_back(LLVM::ExtractValueOp::create(b, loc, d, i));
    return result;
  }
  /// The shared-memory address of a workgroup buffer, for ldmatrix and
  /// cp.async.
  Value sharedPointer(Value buffer) {
    Value address =
        memref::ExtractAlignedPointerAsIndexOp::create(b, loc, buffer);
    return LLVM::IntToPtrOp::create(
        b, loc, LLVM::LLVMPointerType::get(b.getContext(), 3),
        arith::IndexCastOp::create(b, loc, b.getI64Type(), address),
        LLVM::DereferenceableAttr());
  }
  /// The global-memory address of a kernel's buffer (cuMemAlloc memory, an
  /// identity layout: offset 0), for cp.async.
  Value globalPointer(Value buffer) {
    Value address =
        memref::ExtractAlignedPointerAsIndexOp::create(b, loc, buffer);
    Value generic = LLVM::IntToPtrOp::create(
        b, loc, LLVM::LLVMPointerType::get(b.getContext()),
        arith::IndexCastOp::create(b, loc, b.getI64Type(), address),
        LLVM::DereferenceableAttr());
    return LLVM::AddrSpaceCastOp::create(
        b, loc, LLVM::LLVMPointerType::get(b.getContext(), 1), generic);
  }
  /// `base` advanced by `bytes` (an index).
  Value offsetPointer(Value base, Value bytes) {
    return LLVM::GEPOp::create(
        b, loc, base.getType(), b.getI8Type(), base,
        ValueRange{arith::IndexCastOp::create(b, loc, b.getI64Type(), bytes)});
  }
  /// ldmatrix.sync.aligned.m8n8.x4(.trans).shared.b16: four 8×8 matrices of
  /// 16-bit elements, lane l giving the address (`base` + `bytes`) of row
  /// l % 8 of matrix l / 8; returns word i of matrix i (see
  /// buildTensorCorePrefill).
  SmallVector<Value> loadMatrices(Value base, Value bytes, bool transpose) {
    Type i32 = b.getI32Type();
    Value address = offsetPointer(base, bytes);
    Value words = NVVM::LdMatrixOp::create(
        b, loc,
        LLVM::LLVMStructType::getLiteral(b.getContext(),
                                         SmallVector<Type>(4, i32)),
        address, 4, transpose ? NVVM::MMALayout::col : NVVM::MMALayout::row,
        NVVM::LdStMatrixShapeAttr::get(b.getContext(), 8, 8),
        NVVM::LdStMatrixEltType::B16);
    SmallVector<Value> result;
    for (int64_t i = 0; i < 4; ++i)
      result.push_back(LLVM::ExtractValueOp::create(b, loc, words, i));
    return result;
  }

  gpu::LaunchOp launch(int64_t blocks, int64_t threads) {
    Value one = index(1);
    auto launchOp = gpu::LaunchOp::create(b, loc, index(blocks), one, one,
                                          index(threads), one, one);
    b.setInsertionPointToStart(&launchOp.getBody().front());
    gpu::TerminatorOp::create(b, loc);
    b.setInsertionPointToStart(&launchOp.getBody().front());
    return launchOp;
  }
  /// Shared memory of `count` elements of `type` (vectors are naturally
  /// aligned, which 16-byte accesses need).
  Value sharedBuffer(gpu::LaunchOp launchOp, int64_t count, Type type) {
    auto space = gpu::AddressSpaceAttr::get(
        b.getContext(), gpu::GPUDialect::getWorkgroupAddressSpace());
    return launchOp.addWorkgroupAttribution(
        MemRefType::get({count}, type, MemRefLayoutAttrInterface(), space),
        loc);
  }

  void buildDecodeSplits(Value keyLen, const Buffers &buffers);
  void buildDecodeMerge(const Buffers &buffers);

  OpBuilder &b;
  Location loc;
  HookedAttentionOp op;
  const AttentionPlan &plan;
  Type f32;
};

void AttentionKernelBuilder::buildDecode(Value keyLen,
                                         const Buffers &buffers) {
  buildDecodeSplits(keyLen, buffers);
  buildDecodeMerge(buffers);
}

/// Kernel 1 of decode: block (batch·Hkv + kv head)·splits + split reduces
/// its keys for the group's g query heads to one partial per head.
void AttentionKernelBuilder::buildDecodeSplits(Value keyLen,
                                               const Buffers &buffers) {
  OpBuilder::InsertionGuard guard(b);
  int64_t g = plan.group, states = plan.warps;
  int64_t blocks = plan.batch * plan.kvHeads * plan.splits;
  gpu::LaunchOp launchOp = launch(blocks, plan.threads());
  auto sliceType = VectorType::get({plan.valueElems}, f32);
  Value sharedStats = sharedBuffer(launchOp, states * g * 2, f32);
  Value sharedAcc =
      sharedBuffer(launchOp, states * g * plan.lanesPerRow, sliceType);

  Value tid = launchOp.getThreadIds().x, bid = launchOp.getBlockIds().x;
  Value split = rem(bid, plan.splits);
  Value batchHead = div(bid, plan.splits);
  Value batch = div(batchHead, plan.kvHeads);
  Value kvHead = rem(batchHead, plan.kvHeads);
  Value warp = div(tid, kWarpSize), lane = rem(tid, kWarpSize);
  Value rowGroup = div(lane, plan.lanesPerRow);
  Value rowLane = rem(lane, plan.lanesPerRow);
  // Codes are dequantized by folding their scales (and what a decoded code
  // is worth, codeUnit) into the math instead of multiplying every element,
  // which differs from ct.dequantize's product (rounded to a 16-bit scale's
  // type) only in rounding: factors shared by all rows of the block (per
  // tensor or kv head) multiply the query and the final accumulator, a row's
  // scale its score and its probabilities. With several scale groups per
  // row a lane's slice lies in one group (planAttention): the group's scale
  // multiplies the lane's partial dot product (before the lane group's
  // reduction) and the probability the lane weighs its value slice by.
  Type keyStorage = cast<MemRefType>(buffers.keys.getType()).getElementType();
  Type valueStorage =
      cast<MemRefType>(buffers.values.getType()).getElementType();
  auto blockFactor = [&](const CacheScale &scale, Type stored) -> Value {
    Value factor = scale.kind == ScaleKind::Row
                       ? Value()
                       : loadScale(scale, kvHead, Value());
    if (codeUnit(stored) == 1.0)
      return factor;
    Value unit = constantF32(codeUnit(stored));
    return factor ? arith::MulFOp::create(b, loc, factor, unit) : unit;
  };
  Value keyFactor = blockFactor(buffers.keyScale, keyStorage);
  Value valueFactor = blockFactor(buffers.valueScale, valueStorage);
  // Zero points shared by all rows of the block convert once to the codes'
  // bias (codeBias); a row's, in the loop beside its scale.
  auto blockBias = [&](const CacheScale &scale, Type stored) -> Value {
    return scale.kind == ScaleKind::Row
               ? Value()
               : codeBias(scale, stored, kvHead, Value());
  };
  Value keyBias = blockBias(buffers.keyScale, keyStorage);
  Value valueBias = blockBias(buffers.valueScale, valueStorage);
  // The group of a row's scales that holds this lane's slice of `elems` of
  // the row's `dim` elements (null for one scale per row), and where the
  // scale of flat cache row `row` lies: row·G + that group.
  auto laneGroup = [&](const CacheScale &scale, int64_t dim,
                       int64_t elems) -> Value {
    return scale.groups == 1 ? Value()
                             : div(rowLane, dim / scale.groups / elems);
  };
  Value keyGroup = laneGroup(buffers.keyScale, plan.headDim, plan.keyElems);
  Value valueGroup =
      laneGroup(buffers.valueScale, plan.valueDim, plan.valueElems);
  auto scaleAt = [&](const CacheScale &scale, Value group, Value row) {
    return group ? add(mul(row, scale.groups), group) : row;
  };

  // Splits of whole rounds of lane groups; the last ones may be short or
  // empty when the context is shorter than the cache.
  int64_t round = plan.decodeRound();
  Value perSplit = arith::CeilDivUIOp::create(b, loc, keyLen, index(plan.splits));
  Value chunk = mul(arith::CeilDivUIOp::create(b, loc, perSplit, index(round)),
                    round);
  Value begin = mul(split, chunk);
  Value end = arith::MinUIOp::create(b, loc, add(begin, chunk), keyLen);
  Value queryOffset = arith::SubIOp::create(b, loc, keyLen, index(1));

  SmallVector<Value> queries;
  SmallVector<Value> init;
  for (int64_t h = 0; h < g; ++h) {
    Value row = add(mul(batchHead, g), index(h));
    Value query = scaledQuery(
        buffers.query,
        add(mul(row, plan.headDim), mul(rowLane, plan.keyElems)));
    if (keyFactor)
      query = arith::MulFOp::create(b, loc, query,
                                    broadcast(keyFactor, plan.keyElems));
    queries.push_back(query);
    init.append({negInf(), constantF32(0.0),
                 broadcast(constantF32(0.0), plan.valueElems)});
  }

  // Every lane of a warp runs the same iterations (shuffles need the whole
  // warp): a lane group past the end loads the last key and masks it. The
  // loop is software-pipelined: an iteration issues the loads of the next
  // one (clamped, so always in bounds) before it computes on the slices the
  // previous one loaded, which doubles the bytes in flight per warp. It
  // starts one step early, on zeros whose keys lie before the split's first
  // key (possibly below 0, hence the signed compares), so they are invalid:
  // loading the first rows before the loop instead lets LLVM
  // fold the two loads feeding the carried value into one at the top of the
  // loop, which undoes the pipelining.
  Value first = add(begin, mul(warp, plan.rowsPerWarp));
  int64_t step = round * plan.unroll;
  // end >= 1 (keyLen >= 1), so `last` is a row even for an empty split.
  Value last = arith::SubIOp::create(b, loc, end, index(1));
  auto keysAt = [&](Value base) {
    SmallVector<Value> keys;
    for (int64_t u = 0; u < plan.unroll; ++u)
      keys.push_back(add(add(base, index(u * round)), rowGroup));
    return keys;
  };
  auto loadRows = [&](Value base) {
    SmallVector<Value> slices;
    for (Value key : keysAt(base)) {
      Value row = add(mul(batchHead, plan.keyRows),
                      arith::MinUIOp::create(b, loc, key, last));
      slices.push_back(loadRawSlice(
          buffers.keys,
          add(mul(row, plan.headDim), mul(rowLane, plan.keyElems)),
          plan.keyElems));
      slices.push_back(loadRawSlice(
          buffers.values,
          add(mul(row, plan.valueDim), mul(rowLane, plan.valueElems)),
          plan.valueElems));
    }
    return slices;
  };
  int64_t stateValues = 3 * g;
  for (int64_t u = 0; u < plan.unroll; ++u)
    for (bool key : {true, false}) {
      VectorType type =
          key ? rawSliceType(keyStorage, plan.keyElems)
              : rawSliceType(valueStorage, plan.valueElems);
      init.push_back(arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(
                      type, b.getZeroAttr(type.getElementType()))));
    }
  auto loop = scf::ForOp::create(
      b, loc, arith::SubIOp::create(b, loc, first, index(step)), end,
      index(step), init);
  {
    OpBuilder::InsertionGuard loopGuard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value base = loop.getInductionVar();
    ValueRange carried = loop.getRegionIterArgs();
    SmallVector<Value> prefetched = loadRows(add(base, index(step)));
    SmallVector<Value> keys, valid, kScales, vScales;
    SmallVector<Value> kBiases(plan.unroll, keyBias),
        vBiases(plan.unroll, valueBias);
    for (auto [u, key] : llvm::enumerate(keysAt(base))) {
      valid.push_back(arith::AndIOp::create(
          b, loc,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, key, begin),
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, key, end)));
      keys.push_back(arith::MinUIOp::create(b, loc, key, last));
      Value row = add(mul(batchHead, plan.keyRows), keys.back());
      if (buffers.keyScale.kind == ScaleKind::Row) {
        Value at = scaleAt(buffers.keyScale, keyGroup, row);
        kScales.push_back(loadScale(buffers.keyScale, kvHead, at));
        kBiases[u] = codeBias(buffers.keyScale, keyStorage, kvHead, at);
      }
      if (buffers.valueScale.kind == ScaleKind::Row) {
        Value at = scaleAt(buffers.valueScale, valueGroup, row);
        vScales.push_back(loadScale(buffers.valueScale, kvHead, at));
        vBiases[u] = codeBias(buffers.valueScale, valueStorage, kvHead, at);
      }
    }
    // Key by key (converted when used), so that one key slice is live at a
    // time.
    SmallVector<Value> yields;
    SmallVector<RowState> rows;
    SmallVector<SmallVector<Value>> scores(g);
    for (int64_t u = 0; u < plan.unroll; ++u) {
      Value slice = toF32(carried[stateValues + 2 * u], keyStorage, kBiases[u]);
      for (int64_t h = 0; h < g; ++h) {
        Value dot =
            rowDot(queries[h], slice, keyGroup ? kScales[u] : Value());
        if (!kScales.empty() && !keyGroup)
          dot = arith::MulFOp::create(b, loc, dot, kScales[u]);
        scores[h].push_back(logit(dot, valid[u], batch,
                                  add(mul(kvHead, g), index(h)), index(0),
                                  keys[u], buffers.mask, queryOffset));
      }
    }
    for (int64_t h = 0; h < g; ++h)
      rows.push_back({carried[3 * h], carried[3 * h + 1], carried[3 * h + 2]});
    attend(
        rows, scores,
        [&](int64_t u) {
          return toF32(carried[stateValues + 2 * u + 1], valueStorage,
                       vBiases[u]);
        },
        vScales);
    for (const RowState &row : rows)
      yields.append({row.max, row.sum, row.acc});
    llvm::append_range(yields, prefetched);
    scf::YieldOp::create(b, loc, yields);
  }

  // The lane groups of a warp merge with butterflies, then the warps in
  // shared memory: lane group 0 of warp w stores its (max, sum) per head
  // and its accumulator slices...
  SmallVector<RowState> rows;
  for (int64_t h = 0; h < g; ++h) {
    Value acc = loop.getResult(3 * h + 2);
    if (valueFactor)
      acc = arith::MulFOp::create(b, loc, acc,
                                  broadcast(valueFactor, plan.valueElems));
    rows.push_back({loop.getResult(3 * h), loop.getResult(3 * h + 1), acc});
  }
  mergeLaneGroups(rows);
  Value zero = index(0);
  auto ifFirstGroup = scf::IfOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, rowGroup, zero),
      /*withElse=*/false);
  {
    OpBuilder::InsertionGuard ifGuard(b);
    b.setInsertionPointToStart(ifFirstGroup.thenBlock());
    Value leader = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                         rowLane, zero);
    for (int64_t h = 0; h < g; ++h) {
      Value slot = add(mul(warp, g), index(h));
      memref::StoreOp::create(b, loc, rows[h].acc, sharedAcc,
                              add(mul(slot, plan.lanesPerRow), rowLane));
      auto ifLeader = scf::IfOp::create(b, loc, leader, /*withElse=*/false);
      OpBuilder::InsertionGuard leaderGuard(b);
      b.setInsertionPointToStart(ifLeader.thenBlock());
      memref::StoreOp::create(b, loc, rows[h].max, sharedStats, mul(slot, 2));
      memref::StoreOp::create(b, loc, rows[h].sum, sharedStats,
                              add(mul(slot, 2), index(1)));
    }
  }
  gpu::BarrierOp::create(b, loc);

  // ...then thread t combines elements t, t + threads, ... of the g × Dv
  // outputs and writes the split's partial.
  auto outputs = scf::ForOp::create(b, loc, tid, index(g * plan.valueDim),
                                    index(plan.threads()));
  b.setInsertionPointToStart(outputs.getBody());
  Value element = outputs.getInductionVar();
  Value head = div(element, plan.valueDim);
  Value d = rem(element, plan.valueDim);
  auto statOf = [&](int64_t s, int64_t which) {
    return memref::LoadOp::create(
        b, loc, sharedStats, add(mul(add(index(s * g), head), 2), index(which)));
  };
  Value max = negInf();
  for (int64_t s = 0; s < states; ++s)
    max = arith::MaximumFOp::create(b, loc, max, statOf(s, 0));
  Value subtrahend = safeMax(max);
  Value sum = constantF32(0.0), acc = constantF32(0.0);
  for (int64_t s = 0; s < states; ++s) {
    Value w = exp2(arith::SubFOp::create(b, loc, statOf(s, 0), subtrahend));
    sum = arith::AddFOp::create(
        b, loc, sum, arith::MulFOp::create(b, loc, w, statOf(s, 1)));
    Value slice = memref::LoadOp::create(
        b, loc, sharedAcc,
        add(mul(add(index(s * g), head), plan.lanesPerRow),
            div(d, plan.valueElems)));
    Value a = vector::ExtractOp::create(
        b, loc, slice, OpFoldResult(rem(d, plan.valueElems)));
    acc = arith::AddFOp::create(b, loc, acc,
                                arith::MulFOp::create(b, loc, w, a));
  }
  Value slot = add(mul(add(mul(batchHead, plan.splits), split), g), head);
  memref::StoreOp::create(b, loc, acc, buffers.partialAcc,
                          add(mul(slot, plan.valueDim), d));
  auto ifFirst = scf::IfOp::create(
      b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, d, zero),
      /*withElse=*/false);
  b.setInsertionPointToStart(ifFirst.thenBlock());
  memref::StoreOp::create(b, loc, max, buffers.partialStats, mul(slot, 2));
  memref::StoreOp::create(b, loc, sum, buffers.partialStats,
                          add(mul(slot, 2), index(1)));
}

/// Kernel 2 of decode: block (batch·Hkv + kv head)·g + h, thread d merges
/// output element d of query head h over the splits:
///   M = max_i m_i, w_i = exp2(m_i − M), out = Σ w_i·acc_i / Σ w_i·l_i.
/// A row whose keys are all masked has l = 0 and gives NaN, as torch does.
void AttentionKernelBuilder::buildDecodeMerge(const Buffers &buffers) {
  OpBuilder::InsertionGuard guard(b);
  int64_t g = plan.group;
  gpu::LaunchOp launchOp =
      launch(plan.batch * plan.queryHeads, plan.valueDim);
  Value d = launchOp.getThreadIds().x, bid = launchOp.getBlockIds().x;
  Value batchHead = div(bid, g), head = rem(bid, g);
  Value firstSlot = mul(batchHead, plan.splits * g);
  auto slotOf = [&](Value split) { return add(add(firstSlot, mul(split, g)), head); };
  Value zero = index(0), one = index(1), splits = index(plan.splits);

  auto maxLoop = scf::ForOp::create(b, loc, zero, splits, one,
                                    ValueRange{negInf()});
  {
    OpBuilder::InsertionGuard loopGuard(b);
    b.setInsertionPointToStart(maxLoop.getBody());
    Value m = memref::LoadOp::create(
        b, loc, buffers.partialStats, mul(slotOf(maxLoop.getInductionVar()), 2));
    scf::YieldOp::create(
        b, loc,
        ValueRange{arith::MaximumFOp::create(b, loc, maxLoop.getRegionIterArgs()[0], m)});
  }
  Value subtrahend = safeMax(maxLoop.getResult(0));
  auto sumLoop = scf::ForOp::create(b, loc, zero, splits, one,
                                    ValueRange{constantF32(0.0), constantF32(0.0)});
  {
    OpBuilder::InsertionGuard loopGuard(b);
    b.setInsertionPointToStart(sumLoop.getBody());
    Value slot = slotOf(sumLoop.getInductionVar());
    Value m = memref::LoadOp::create(b, loc, buffers.partialStats, mul(slot, 2));
    Value l = memref::LoadOp::create(b, loc, buffers.partialStats,
                                     add(mul(slot, 2), one));
    Value a = memref::LoadOp::create(b, loc, buffers.partialAcc,
                                     add(mul(slot, plan.valueDim), d));
    Value w = exp2(arith::SubFOp::create(b, loc, m, subtrahend));
    ValueRange carried = sumLoop.getRegionIterArgs();
    scf::YieldOp::create(
        b, loc,
        ValueRange{arith::AddFOp::create(b, loc, carried[0],
                                         arith::MulFOp::create(b, loc, w, l)),
                   arith::AddFOp::create(b, loc, carried[1],
                                         arith::MulFOp::create(b, loc, w, a))});
  }
  Value out = arith::DivFOp::create(b, loc, sumLoop.getResult(1),
                                    sumLoop.getResult(0));
  Type outType = cast<MemRefType>(buffers.output.getType()).getElementType();
  if (outType != f32)
    out = arith::TruncFOp::create(b, loc, outType, out);
  memref::StoreOp::create(b, loc, out, buffers.output,
                          add(mul(bid, plan.valueDim), d));
}

/// Prefill over a quantized cache: rows [0, keyLen) of every (batch, kv
/// head) of `codes` (a cache of `dim`-element rows) dequantized into a new
/// buffer of `type`, the type the prefill kernels then attend in. Prefill is
/// compute bound, and this one pass over the visible rows (not the whole
/// cache) costs O(S·D) against the kernels' O(Sq·S·D); folding the scales
/// into the tiles instead would convert every code once per query tile.
/// Elements are ct.dequantize's: (code − zp)·scale in f32, rounded to a
/// 16-bit scale's type (the same value: codes of at most 9 bits times a
/// scale of at most 11 fit f32's significand, so the product is exact),
/// then to `type`. Block (batch·Hkv + kv head)·splits + split; its threads
/// take consecutive slices of the head's rows, grid-strided.
Value AttentionKernelBuilder::buildDequantizedCache(Value keyLen, Value codes,
                                                    const CacheScale &scale,
                                                    int64_t dim, Type type) {
  Value floats = memref::AllocOp::create(
      b, loc,
      MemRefType::get({plan.batch * plan.kvHeads * plan.keyRows * dim}, type));
  OpBuilder::InsertionGuard guard(b);
  int64_t splits = plan.dequantizeSplits;
  gpu::LaunchOp launchOp =
      launch(plan.batch * plan.kvHeads * splits, plan.threads());
  Type stored = cast<MemRefType>(codes.getType()).getElementType();
  Type scaleType = cast<MemRefType>(scale.buffer.getType()).getElementType();
  int64_t groupSize = dim / scale.groups;
  int64_t elems = dequantizeSliceElems(dim, groupSize);
  int64_t slicesPerRow = dim / elems;

  Value tid = launchOp.getThreadIds().x, bid = launchOp.getBlockIds().x;
  Value batchHead = div(bid, splits);
  Value kvHead = rem(batchHead, plan.kvHeads);
  Value slices = mul(keyLen, slicesPerRow);
  // A scale (and zero point) per tensor or kv head is loaded once.
  auto parameters = [&](Value scaleRow) {
    return std::pair(loadScale(scale, kvHead, scaleRow),
                     codeBias(scale, stored, kvHead, scaleRow));
  };
  std::pair<Value, Value> blockParameters;
  if (scale.kind != ScaleKind::Row)
    blockParameters = parameters(Value());
  auto loop = scf::ForOp::create(
      b, loc, add(mul(rem(bid, splits), plan.threads()), tid), slices,
      index(splits * plan.threads()));
  b.setInsertionPointToStart(loop.getBody());
  Value slice = loop.getInductionVar();
  Value row = add(mul(batchHead, plan.keyRows), div(slice, slicesPerRow));
  Value column = mul(rem(slice, slicesPerRow), elems);
  Value offset = add(mul(row, dim), column);
  // A Row scale lies at the row's groups, then the slice's group.
  auto [factor, bias] =
      scale.kind == ScaleKind::Row
          ? parameters(add(mul(row, scale.groups), div(column, groupSize)))
          : blockParameters;
  Value x = toF32(loadRawSlice(codes, offset, elems), stored, bias);
  if (codeUnit(stored) != 1.0)
    x = arith::MulFOp::create(b, loc, x,
                              broadcast(constantF32(codeUnit(stored)), elems));
  x = arith::MulFOp::create(b, loc, x, broadcast(factor, elems));
  if (scaleType != f32) {
    Value narrow =
        arith::TruncFOp::create(b, loc, VectorType::get({elems}, scaleType), x);
    x = arith::ExtFOp::create(b, loc, x.getType(), narrow);
  }
  storeSlice(x, floats, offset);
  return floats;
}

/// Prefill: block (batch·Hq + query head)·tiles + tile; warp w owns queries
/// tile·(W·4) + 4w … + 3. K/V tiles are staged in shared memory by the whole
/// block, then every warp runs its lane groups over the tile's keys.
void AttentionKernelBuilder::buildPrefill(Value keyLen,
                                          const Buffers &buffers) {
  OpBuilder::InsertionGuard guard(b);
  int64_t g = plan.group, tileKeys = plan.keysPerTile;
  int64_t tileQueries = plan.warps * kQueriesPerWarp;
  gpu::LaunchOp launchOp = launch(
      plan.batch * plan.queryHeads * plan.queryTiles, plan.threads());
  Type keyType = cast<MemRefType>(buffers.keys.getType()).getElementType();
  Type valueType = cast<MemRefType>(buffers.values.getType()).getElementType();
  auto keySliceType = VectorType::get({plan.keyElems}, keyType);
  auto valueSliceType = VectorType::get({plan.valueElems}, valueType);
  Value sharedKeys =
      sharedBuffer(launchOp, tileKeys * plan.lanesPerRow, keySliceType);
  Value sharedValues =
      sharedBuffer(launchOp, tileKeys * plan.lanesPerRow, valueSliceType);

  Value tid = launchOp.getThreadIds().x, bid = launchOp.getBlockIds().x;
  Value queryTile = rem(bid, plan.queryTiles);
  Value batchHead = div(bid, plan.queryTiles);
  Value batch = div(batchHead, plan.queryHeads);
  Value queryHead = rem(batchHead, plan.queryHeads);
  Value kvRow = add(mul(batch, plan.kvHeads), div(queryHead, g));
  Value warp = div(tid, kWarpSize), lane = rem(tid, kWarpSize);
  Value rowGroup = div(lane, plan.lanesPerRow);
  Value rowLane = rem(lane, plan.lanesPerRow);
  Value queryOffset = arith::SubIOp::create(b, loc, keyLen, index(plan.queryLen));

  // Queries past the end compute on the last one and skip the store.
  Value firstQuery = add(mul(queryTile, tileQueries), mul(warp, kQueriesPerWarp));
  SmallVector<Value> queryPos, queries, init;
  for (int64_t r = 0; r < kQueriesPerWarp; ++r) {
    Value pos = arith::MinUIOp::create(b, loc, add(firstQuery, index(r)),
                                       index(plan.queryLen - 1));
    queryPos.push_back(pos);
    Value row = add(mul(batchHead, plan.queryLen), pos);
    queries.push_back(scaledQuery(
        buffers.query, add(mul(row, plan.headDim), mul(rowLane, plan.keyElems))));
    init.append({negInf(), constantF32(0.0),
                 broadcast(constantF32(0.0), plan.valueElems)});
  }

  Value keyEnd = visibleKeyEnd(keyLen, queryOffset, queryTile, tileQueries);
  Value zero = index(0);
  auto tiles = scf::ForOp::create(b, loc, zero, keyEnd, index(tileKeys), init);
  {
    OpBuilder::InsertionGuard tileGuard(b);
    b.setInsertionPointToStart(tiles.getBody());
    Value tileBegin = tiles.getInductionVar();
    // Stage K and V: slice i of the tile is row i / L, part i % L; rows past
    // the end are zeros, so that masked keys multiply finite values.
    auto stage = scf::ForOp::create(b, loc, tid,
                                    index(tileKeys * plan.lanesPerRow),
                                    index(plan.threads()));
    {
      OpBuilder::InsertionGuard stageGuard(b);
      b.setInsertionPointToStart(stage.getBody());
      Value i = stage.getInductionVar();
      Value key = add(tileBegin, div(i, plan.lanesPerRow));
      Value part = rem(i, plan.lanesPerRow);
      auto inRange = scf::IfOp::create(b, loc, ult(key, keyEnd),
                                       /*withElse=*/true);
      b.setInsertionPointToStart(inRange.thenBlock());
      Value row = add(mul(kvRow, plan.keyRows), key);
      auto copy = [&](Value global, int64_t dim, int64_t elems,
                      VectorType type, Value shared) {
        Value slice = vector::LoadOp::create(
            b, loc, type, global, add(mul(row, dim), mul(part, elems)),
            /*nontemporal=*/false,
            sliceAlignment(type.getElementType(), elems));
        memref::StoreOp::create(b, loc, slice, shared, i);
      };
      copy(buffers.keys, plan.headDim, plan.keyElems, keySliceType, sharedKeys);
      copy(buffers.values, plan.valueDim, plan.valueElems, valueSliceType,
           sharedValues);
      b.setInsertionPointToStart(inRange.elseBlock());
      auto zeros = [&](VectorType type, Value shared) {
        Value z = arith::ConstantOp::create(
            b, loc, DenseElementsAttr::get(type, b.getZeroAttr(type.getElementType())));
        memref::StoreOp::create(b, loc, z, shared, i);
      };
      zeros(keySliceType, sharedKeys);
      zeros(valueSliceType, sharedValues);
    }
    gpu::BarrierOp::create(b, loc);

    Value tileEnd = arith::MinUIOp::create(
        b, loc, arith::SubIOp::create(b, loc, keyEnd, tileBegin),
        index(tileKeys));
    auto keysLoop = scf::ForOp::create(b, loc, zero, tileEnd,
                                       index(plan.rowsPerWarp),
                                       tiles.getRegionIterArgs());
    {
      OpBuilder::InsertionGuard keyGuard(b);
      b.setInsertionPointToStart(keysLoop.getBody());
      Value key = add(keysLoop.getInductionVar(), rowGroup);
      Value valid = ult(key, tileEnd);
      Value slot = add(mul(key, plan.lanesPerRow), rowLane);
      auto fromShared = [&](Value shared) {
        Value slice = memref::LoadOp::create(b, loc, shared, slot);
        auto type = cast<VectorType>(slice.getType());
        if (type.getElementType() == f32)
          return slice;
        return Value(arith::ExtFOp::create(
            b, loc, VectorType::get(type.getShape(), f32), slice));
      };
      Value k = fromShared(sharedKeys), v = fromShared(sharedValues);
      // Read the mask of an invalid key at the last key instead.
      Value keyPos = arith::MinUIOp::create(
          b, loc, add(tileBegin, key),
          arith::SubIOp::create(b, loc, keyLen, index(1)));
      SmallVector<Value> yields;
      ValueRange carried = keysLoop.getRegionIterArgs();
      SmallVector<RowState> rows;
      SmallVector<SmallVector<Value>> scores;
      for (int64_t r = 0; r < kQueriesPerWarp; ++r) {
        scores.push_back({logit(rowDot(queries[r], k), valid, batch, queryHead,
                                queryPos[r], keyPos, buffers.mask,
                                queryOffset)});
        rows.push_back({carried[3 * r], carried[3 * r + 1], carried[3 * r + 2]});
      }
      attend(rows, scores, [&](int64_t) { return v; });
      for (const RowState &row : rows)
        yields.append({row.max, row.sum, row.acc});
      scf::YieldOp::create(b, loc, yields);
    }
    // The next tile overwrites what the warps are reading.
    gpu::BarrierOp::create(b, loc);
    scf::YieldOp::create(b, loc, keysLoop.getResults());
  }

  // Merge the states of the warp's lane groups (group j saw keys j, j + R,
  // ... of each tile); group 0 stores.
  SmallVector<RowState> rows;
  for (int64_t r = 0; r < kQueriesPerWarp; ++r)
    rows.push_back({tiles.getResult(3 * r), tiles.getResult(3 * r + 1),
                    tiles.getResult(3 * r + 2)});
  mergeLaneGroups(rows);
  Value isFirstGroup =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, rowGroup, zero);
  for (int64_t r = 0; r < kQueriesPerWarp; ++r) {
    Value query = add(firstQuery, index(r));
    Value store = arith::AndIOp::create(b, loc, isFirstGroup,
                                        ult(query, index(plan.queryLen)));
    auto ifStore = scf::IfOp::create(b, loc, store, /*withElse=*/false);
    OpBuilder::InsertionGuard storeGuard(b);
    b.setInsertionPointToStart(ifStore.thenBlock());
    Value out = arith::DivFOp::create(
        b, loc, rows[r].acc, broadcast(rows[r].sum, plan.valueElems));
    Value row = add(mul(batchHead, plan.queryLen), query);
    storeSlice(out, buffers.output,
               add(mul(row, plan.valueDim), mul(rowLane, plan.valueElems)));
  }
}

/// Prefill on tensor cores, FlashAttention-2 style: block (tiles − 1 −
/// tile)·B·Hq + batch·Hq + query head; warp w owns queries tile·16W + 16w …
/// + 15 as the M of mma.m16n8k16, keeps their Q fragments in registers and
/// runs the online softmax on its S accumulators. One K and one V tile live
/// in shared memory, copied by the whole block with cp.async: V of a tile
/// while the warps compute S, K of the next tile while they compute P·V
/// (four barriers a tile).
///
/// Fragments (PTX ISA, "Matrix Fragments for mma.m16n8k16 with floating
/// point type"; lane = 4·r + t, a word holds two 16-bit elements, the lower
/// column in its low half):
///   A (16×16, row): a0 (row r, cols 2t, 2t+1), a1 (r+8, 2t…), a2 (r, 2t+8…),
///     a3 (r+8, 2t+8…);
///   B (16×8, col): b0 (rows 2t, 2t+1, col r), b1 (rows 2t+8, 2t+9, col r);
///   C/D (16×8, f32): c0, c1 (row r, cols 2t, 2t+1), c2, c3 (row r+8, …).
/// ldmatrix.x4 reads row l % 8 of matrix l / 8 at lane l's address and gives
/// lane 4·r + t word i = (row r, cols 2t, 2t+1) of matrix i (.trans: of its
/// transpose). So:
///   - Q (A of S = Q·Kᵀ) is loaded once as pairs from global memory;
///   - K rows are Kᵀ in col layout: the 8×8 blocks (keys n…n+7, d k…k+7) and
///     (keys n…, d k+8…) are b0, b1 of key tile n (matrices 0, 1; 2, 3 are
///     keys n+8…);
///   - V rows are B of P·V in row layout: the transposed blocks (keys
///     k…k+7, d n…n+7) and (keys k+8…, d n…) are b0, b1 of d tile n
///     (matrices 0, 1; 2, 3 are d n+8…);
///   - the C fragments of key tiles 2i and 2i+1, rounded in pairs, are the A
///     fragment of keys 16i … 16i+15 for P·V, so P never leaves registers.
void AttentionKernelBuilder::buildTensorCorePrefill(Value keyLen,
                                                    const Buffers &buffers) {
  OpBuilder::InsertionGuard guard(b);
  int64_t g = plan.group, tileKeys = plan.keysPerTile;
  int64_t tileQueries = plan.warps * kMmaRows;
  int64_t keyTiles = tileKeys / 8, dimSteps = plan.headDim / 16,
          valueTiles = plan.valueDim / 8;
  Type element = cast<MemRefType>(buffers.query.getType()).getElementType();
  gpu::LaunchOp launchOp = launch(
      plan.batch * plan.queryHeads * plan.queryTiles, plan.threads());
  // Rows in 16-byte chunks, padded by one: a row stride of 4·odd words puts
  // the 8 rows of each ldmatrix phase in distinct banks.
  int64_t keyStride = plan.headDim / 8 + 1,
          valueStride = plan.valueDim / 8 + 1;
  auto chunkType = VectorType::get({8}, element);
  Value sharedKeys = sharedBuffer(launchOp, tileKeys * keyStride, chunkType);
  Value sharedValues =
      sharedBuffer(launchOp, tileKeys * valueStride, chunkType);

  // Blocks in order of decreasing query tile, heads fastest: the longest
  // causal tiles start first, and the g heads of a GQA group, which read the
  // same K/V tiles, run side by side (L2 hits).
  Value tid = launchOp.getThreadIds().x, bid = launchOp.getBlockIds().x;
  int64_t batchHeads = plan.batch * plan.queryHeads;
  Value queryTile = arith::SubIOp::create(b, loc, index(plan.queryTiles - 1),
                                          div(bid, batchHeads));
  Value batchHead = rem(bid, batchHeads);
  Value batch = div(batchHead, plan.queryHeads);
  Value queryHead = rem(batchHead, plan.queryHeads);
  Value kvRow = add(mul(batch, plan.kvHeads), div(queryHead, g));
  Value warp = div(tid, kWarpSize), lane = rem(tid, kWarpSize);
  Value fragmentRow = div(lane, 4), pairColumn = mul(rem(lane, 4), 2);
  Value queryOffset =
      arith::SubIOp::create(b, loc, keyLen, index(plan.queryLen));
  Value lastKey = arith::SubIOp::create(b, loc, keyLen, index(1));
  Value lastQuery = index(plan.queryLen - 1);

  // The lane's rows r and r + 8; rows past the end compute on the last query
  // and skip the store.
  Value warpFirst = add(mul(queryTile, tileQueries), mul(warp, kMmaRows));
  SmallVector<Value> queries, queryPos;
  for (int64_t h = 0; h < 2; ++h) {
    queries.push_back(add(warpFirst, add(fragmentRow, index(8 * h))));
    queryPos.push_back(
        arith::MinUIOp::create(b, loc, queries.back(), lastQuery));
  }
  SmallVector<Value> queryWords;
  for (int64_t k = 0; k < dimSteps; ++k)
    for (int64_t w = 0; w < 4; ++w) {
      Value row = add(mul(batchHead, plan.queryLen), queryPos[w % 2]);
      Value column = add(pairColumn, index(16 * k + 8 * (w / 2)));
      queryWords.push_back(fragmentWord(loadRawSlice(
          buffers.query, add(mul(row, plan.headDim), column), 2)));
    }

  // Lane l's ldmatrix row: K matrices 0..3 are (keys +0, d +0), (+0, +8),
  // (+8, +0), (+8, +8); V matrices (keys +0, d +0), (+8, +0), (+0, +8),
  // (+8, +8).
  Value keysBase = sharedPointer(sharedKeys);
  Value valuesBase = sharedPointer(sharedValues);
  Value keyLaneBytes = mul(
      add(mul(add(mul(div(lane, 16), 8), rem(lane, 8)), keyStride),
          rem(div(lane, 8), 2)),
      kVectorBytes);
  Value valueLaneBytes =
      mul(add(mul(rem(lane, 16), valueStride), div(lane, 16)), kVectorBytes);

  Value keyEnd = visibleKeyEnd(keyLen, queryOffset, queryTile, tileQueries);
  // Starts copying K or V rows [tileBegin, tileBegin + tileKeys) into shared
  // memory with cp.async (16 bytes a copy; chunk i of the tile is chunk
  // i % C of row i / C); rows past the visible keys are zero-filled (source
  // size 0, at the last visible row's address), so that masked keys
  // multiply finite values. The caller commits the group.
  Value lastVisible = arith::SubIOp::create(b, loc, keyEnd, index(1));
  Value keysGlobal = globalPointer(buffers.keys);
  Value valuesGlobal = globalPointer(buffers.values);
  auto copyTile = [&](Value globalBase, Value sharedBase, int64_t stride,
                      Value tileBegin) {
    OpBuilder::InsertionGuard copyGuard(b);
    int64_t chunks = stride - 1, dim = 8 * chunks;
    auto loop = scf::ForOp::create(b, loc, tid, index(tileKeys * chunks),
                                   index(plan.threads()));
    b.setInsertionPointToStart(loop.getBody());
    Value i = loop.getInductionVar();
    Value key = add(tileBegin, div(i, chunks)), chunk = rem(i, chunks);
    Value row = add(mul(kvRow, plan.keyRows),
                    arith::MinUIOp::create(b, loc, key, lastVisible));
    Value source = add(mul(row, dim), mul(chunk, 8));
    Value bytes = arith::SelectOp::create(
        b, loc, ult(key, keyEnd), arith::ConstantIntOp::create(b, loc, 16, 32),
        arith::ConstantIntOp::create(b, loc, 0, 32));
    NVVM::CpAsyncOp::create(
        b, loc,
        offsetPointer(sharedBase,
                      mul(add(mul(div(i, chunks), stride), chunk),
                          kVectorBytes)),
        offsetPointer(globalBase, mul(source, byteWidth(element))),
        b.getI32IntegerAttr(kVectorBytes),
        NVVM::LoadCacheModifierKindAttr::get(b.getContext(),
                                             NVVM::LoadCacheModifierKind::CG),
        bytes);
  };

  // Per row r, r + 8: the maximum and the lane's part of the sum (its
  // columns; reduced over the quad at the end), then the accumulators, four
  // per d tile.
  SmallVector<Value> init = {negInf(), negInf(), constantF32(0.0),
                             constantF32(0.0)};
  for (int64_t i = 0; i < 4 * valueTiles; ++i)
    init.push_back(constantF32(0.0));
  int64_t stateSize = init.size(), probabilityWords = tileKeys / 16 * 4;
  Value zero = index(0);
  copyTile(keysGlobal, keysBase, keyStride, zero);
  NVVM::CpAsyncCommitGroupOp::create(b, loc);
  auto tiles = scf::ForOp::create(b, loc, zero, keyEnd, index(tileKeys), init);
  {
    OpBuilder::InsertionGuard tileGuard(b);
    b.setInsertionPointToStart(tiles.getBody());
    Value tileBegin = tiles.getInductionVar();
    ValueRange carried = tiles.getRegionIterArgs();
    // The copies of V overlap S = Q·Kᵀ and the softmax; those of the next K
    // tile overlap O += P·V. Two groups are in flight: waiting for all but
    // the newest leaves the older one complete.
    copyTile(valuesGlobal, valuesBase, valueStride, tileBegin);
    NVVM::CpAsyncCommitGroupOp::create(b, loc);
    NVVM::CpAsyncWaitGroupOp::create(b, loc, 1);
    gpu::BarrierOp::create(b, loc);

    // Scores and softmax of the warp's rows over the tile; `masked` applies
    // the mask, causality and the end of the keys to every score. Yields the
    // new state (accumulators rescaled) and P as A fragment words.
    auto scoreTile = [&](bool masked) {
      SmallVector<SmallVector<Value>> scores(
          keyTiles, SmallVector<Value>(4, constantF32(0.0)));
      for (int64_t n = 0; n < keyTiles / 2; ++n)
        for (int64_t k = 0; k < dimSteps; ++k) {
          SmallVector<Value> keyWords = loadMatrices(
              keysBase,
              add(keyLaneBytes,
                  index((16 * n * keyStride + 2 * k) * kVectorBytes)),
              /*transpose=*/false);
          ArrayRef<Value> a = ArrayRef(queryWords).slice(4 * k, 4);
          scores[2 * n] = mma(element, a, {keyWords[0], keyWords[1]},
                              scores[2 * n]);
          scores[2 * n + 1] = mma(element, a, {keyWords[2], keyWords[3]},
                                  scores[2 * n + 1]);
        }
      // Log2-domain scores: the MMA takes the query as it is, so
      // scale·log2(e) multiplies the f32 products.
      Value factor = constantF32(op.getLog2ScoreScale());
      for (auto [n, tile] : llvm::enumerate(scores))
        for (auto [e, score] : llvm::enumerate(tile)) {
          score = arith::MulFOp::create(b, loc, score, factor);
          if (!masked)
            continue;
          Value key = add(tileBegin, add(pairColumn, index(8 * n + e % 2)));
          score = logit(score, ult(key, keyEnd), batch, queryHead,
                        queryPos[e / 2],
                        arith::MinUIOp::create(b, loc, key, lastKey),
                        buffers.mask, queryOffset);
        }
      SmallVector<Value> state(carried);
      SmallVector<Value> alpha;
      for (int64_t h = 0; h < 2; ++h) {
        Value max = state[h];
        for (ArrayRef<Value> tile : scores)
          for (int64_t e = 2 * h; e < 2 * h + 2; ++e)
            max = arith::MaximumFOp::create(b, loc, max, tile[e]);
        for (int64_t offset = 1; offset < 4; offset *= 2)
          max = arith::MaximumFOp::create(b, loc, max,
                                          shuffleXor(max, offset));
        Value subtrahend = safeMax(max);
        alpha.push_back(
            exp2(arith::SubFOp::create(b, loc, state[h], subtrahend)));
        Value sum = arith::MulFOp::create(b, loc, state[2 + h], alpha[h]);
        for (SmallVector<Value> &tile : scores)
          for (int64_t e = 2 * h; e < 2 * h + 2; ++e) {
            tile[e] = exp2(arith::SubFOp::create(b, loc, tile[e], subtrahend));
            sum = arith::AddFOp::create(b, loc, sum, tile[e]);
          }
        state[h] = max;
        state[2 + h] = sum;
      }
      MutableArrayRef<Value> acc = MutableArrayRef(state).drop_front(4);
      for (auto [i, value] : llvm::enumerate(acc))
        value = arith::MulFOp::create(b, loc, value, alpha[i % 4 / 2]);
      // P rounded to the 16-bit type as FlashAttention does (the sums above
      // use the f32 probabilities).
      for (int64_t k = 0; k < keyTiles / 2; ++k) {
        ArrayRef<Value> lo = scores[2 * k], hi = scores[2 * k + 1];
        state.append({roundPair(lo[0], lo[1], element),
                      roundPair(lo[2], lo[3], element),
                      roundPair(hi[0], hi[1], element),
                      roundPair(hi[2], hi[3], element)});
      }
      scf::YieldOp::create(b, loc, state);
    };
    // Warps whose rows see none of the tile's keys skip it; the others
    // mask scores only where the tile crosses the diagonal or the end of
    // the keys, or the op has a mask.
    Value firstRow = arith::MinUIOp::create(b, loc, warpFirst, lastQuery);
    Value lastRow = arith::MinUIOp::create(
        b, loc, add(warpFirst, index(kMmaRows - 1)), lastQuery);
    Value sees = arith::ConstantIntOp::create(b, loc, 1, 1);
    if (op.getCausal())
      sees = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule,
                                   tileBegin, add(queryOffset, lastRow));
    SmallVector<Type> scoredTypes(carried.getTypes());
    scoredTypes.append(probabilityWords, b.getI32Type());
    auto scored = scf::IfOp::create(b, loc, scoredTypes, sees,
                                    /*withElse=*/true);
    {
      OpBuilder::InsertionGuard ifGuard(b);
      b.setInsertionPointToStart(scored.thenBlock());
      Value tileLast = add(tileBegin, index(tileKeys));
      Value needsMask = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt,
                                              tileLast, keyEnd);
      if (op.getCausal())
        needsMask = arith::OrIOp::create(
            b, loc, needsMask,
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, tileLast,
                                  add(add(queryOffset, firstRow), index(1))));
      if (buffers.mask) {
        scoreTile(/*masked=*/true);
      } else {
        auto ifMasked = scf::IfOp::create(b, loc, scoredTypes, needsMask,
                                          /*withElse=*/true);
        b.setInsertionPointToStart(ifMasked.thenBlock());
        scoreTile(/*masked=*/true);
        b.setInsertionPointToStart(ifMasked.elseBlock());
        scoreTile(/*masked=*/false);
        b.setInsertionPointAfter(ifMasked);
        scf::YieldOp::create(b, loc, ifMasked.getResults());
      }
      b.setInsertionPointToStart(scored.elseBlock());
      SmallVector<Value> unchanged(carried);
      unchanged.append(probabilityWords,
                       arith::ConstantIntOp::create(b, loc, 0, 32));
      scf::YieldOp::create(b, loc, unchanged);
    }

    // K is read: the next tile's copies may overwrite it (an empty group
    // after the last tile keeps the count).
    gpu::BarrierOp::create(b, loc);
    Value next = add(tileBegin, index(tileKeys));
    auto ifNext = scf::IfOp::create(b, loc, ult(next, keyEnd),
                                    /*withElse=*/false);
    {
      OpBuilder::InsertionGuard ifGuard(b);
      b.setInsertionPointToStart(ifNext.thenBlock());
      copyTile(keysGlobal, keysBase, keyStride, next);
    }
    NVVM::CpAsyncCommitGroupOp::create(b, loc);
    NVVM::CpAsyncWaitGroupOp::create(b, loc, 1);
    gpu::BarrierOp::create(b, loc);

    // O += P·V, P's fragments reused as the A operand.
    auto accumulate = scf::IfOp::create(
        b, loc, TypeRange(tiles.getResultTypes()), sees, /*withElse=*/true);
    {
      OpBuilder::InsertionGuard ifGuard(b);
      b.setInsertionPointToStart(accumulate.thenBlock());
      SmallVector<Value> state(scored.getResults().take_front(stateSize));
      MutableArrayRef<Value> acc = MutableArrayRef(state).drop_front(4);
      ValueRange p = scored.getResults().drop_front(stateSize);
      for (int64_t k = 0; k < keyTiles / 2; ++k) {
        SmallVector<Value> a(p.slice(4 * k, 4));
        for (int64_t n = 0; n < valueTiles / 2; ++n) {
          SmallVector<Value> valueWords = loadMatrices(
              valuesBase,
              add(valueLaneBytes,
                  index((16 * k * valueStride + 2 * n) * kVectorBytes)),
              /*transpose=*/true);
          for (int64_t half = 0; half < 2; ++half) {
            MutableArrayRef<Value> tile = acc.slice(4 * (2 * n + half), 4);
            SmallVector<Value> d =
                mma(element, a,
                    {valueWords[2 * half], valueWords[2 * half + 1]},
                    SmallVector<Value>(tile));
            llvm::copy(d, tile.begin());
          }
        }
      }
      scf::YieldOp::create(b, loc, state);
      b.setInsertionPointToStart(accumulate.elseBlock());
      scf::YieldOp::create(b, loc, carried);
    }
    // V is read: the next tile's copies may overwrite it.
    gpu::BarrierOp::create(b, loc);
    scf::YieldOp::create(b, loc, accumulate.getResults());
  }

  // Row sums over the quad, then rows r and r + 8 store their two columns of
  // each d tile.
  for (int64_t h = 0; h < 2; ++h) {
    Value sum = tiles.getResult(2 + h);
    for (int64_t offset = 1; offset < 4; offset *= 2)
      sum = arith::AddFOp::create(b, loc, sum, shuffleXor(sum, offset));
    auto ifStore = scf::IfOp::create(
        b, loc, ult(queries[h], index(plan.queryLen)), /*withElse=*/false);
    OpBuilder::InsertionGuard storeGuard(b);
    b.setInsertionPointToStart(ifStore.thenBlock());
    Value row = add(mul(batchHead, plan.queryLen), queries[h]);
    for (int64_t n = 0; n < valueTiles; ++n) {
      Value pair = vector::FromElementsOp::create(
          b, loc, VectorType::get({2}, f32),
          ValueRange{tiles.getResult(4 + 4 * n + 2 * h),
                     tiles.getResult(4 + 4 * n + 2 * h + 1)});
      Value out = arith::DivFOp::create(b, loc, pair, broadcast(sum, 2));
      storeSlice(out, buffers.output,
                 add(mul(row, plan.valueDim), add(pairColumn, index(8 * n))));
    }
  }
}

struct AttentionToGPULowering : public OpRewritePattern<HookedAttentionOp> {
  AttentionToGPULowering(MLIRContext *ctx, AttentionKernelOptions options)
      : OpRewritePattern(ctx), options(options) {}

  LogicalResult matchAndRewrite(HookedAttentionOp op,
                                PatternRewriter &rewriter) const override {
    AttentionPlan plan;
    std::string reason = planAttention(op, options, plan);
    if (!reason.empty())
      return rewriter.notifyMatchFailure(op, reason);
    Location loc = op.getLoc();

    // Hooks in the library's order: k/v on the new entries before the cache
    // write, q before the scores.
    Value key = inlineAttentionHook(rewriter, op, op.getKHook(), op.getKey());
    Value value =
        inlineAttentionHook(rewriter, op, op.getVHook(), op.getValue());
    Value query =
        inlineAttentionHook(rewriter, op, op.getQHook(), op.getQuery());

    Value keys = key, values = value;
    Value keyLen = arith::ConstantIndexOp::create(
        rewriter, loc, cast<RankedTensorType>(key.getType()).getDimSize(2));
    AttentionKernelBuilder::Buffers buffers;
    SmallVector<Value> updatedScales;
    if (op.hasCache()) {
      keys = writeCache(rewriter, op, /*key=*/true, key, buffers.keyScale,
                        updatedScales);
      values = writeCache(rewriter, op, /*key=*/false, value,
                          buffers.valueScale, updatedScales);
      keyLen = arith::AddIOp::create(rewriter, loc, op.getPosition(), keyLen);
    }

    buffers.query = getReadOnlyRankOneBuffer(rewriter, loc, query);
    buffers.keys = getReadOnlyRankOneBuffer(rewriter, loc, keys);
    buffers.values = getReadOnlyRankOneBuffer(rewriter, loc, values);
    if (Value mask = op.getMask())
      buffers.mask = getReadOnlyRankOneBuffer(rewriter, loc, mask);
    // The output is allocated in the result's shape, so that a returned
    // result becomes the caller's buffer (buffer-results-to-out-params).
    RankedTensorType outType = op.getOutput().getType();
    Value output = memref::AllocOp::create(
        rewriter, loc,
        MemRefType::get(outType.getShape(), outType.getElementType()));
    buffers.output = collapseToRankOne(rewriter, loc, output);

    AttentionKernelBuilder builder(rewriter, loc, op, plan);
    if (plan.isDecode()) {
      int64_t slots = plan.batch * plan.kvHeads * plan.splits * plan.group;
      Type f32 = rewriter.getF32Type();
      buffers.partialStats = memref::AllocOp::create(
          rewriter, loc, MemRefType::get({slots * 2}, f32));
      buffers.partialAcc = memref::AllocOp::create(
          rewriter, loc, MemRefType::get({slots * plan.valueDim}, f32));
      builder.buildDecode(keyLen, buffers);
    } else {
      // The prefill kernels read floats: a quantized cache's visible rows
      // are dequantized first.
      for (auto [cache, scale, dim, key] :
           {std::tuple(&buffers.keys, &buffers.keyScale, plan.headDim, true),
            std::tuple(&buffers.values, &buffers.valueScale, plan.valueDim,
                       false)}) {
        if (scale->kind == AttentionKernelBuilder::ScaleKind::None)
          continue;
        *cache = builder.buildDequantizedCache(keyLen, *cache, *scale, dim,
                                               attendedType(op, key));
        *scale = {};
      }
      if (plan.tensorCores)
        builder.buildTensorCorePrefill(keyLen, buffers);
      else
        builder.buildPrefill(keyLen, buffers);
    }

    SmallVector<Value> results = {bufferization::ToTensorOp::create(
        rewriter, loc, outType, output, /*restrict=*/true,
        /*writable=*/true)};
    if (op.hasCache())
      results.append({keys, values});
    llvm::append_range(results, updatedScales);
    rewriter.replaceOp(op, results);
    return success();
  }

  /// Writes the hooked new entries of the key (`key`) or value cache at the
  /// position: floats as they are; for a quantized cache, quantized once
  /// with the ops ct.fake_quantize shares its formulas with (as
  /// ct-lower-attention does), a dynamic scale (and zero point) computed
  /// from the new entries and written on each of their rows (appended to
  /// `updatedScales`). Returns the updated cache and sets how its codes
  /// dequantize in `scale`.
  static Value writeCache(PatternRewriter &rewriter, HookedAttentionOp op,
                          bool key, Value fresh,
                          AttentionKernelBuilder::CacheScale &scale,
                          SmallVectorImpl<Value> &updatedScales) {
    using ScaleKind = AttentionKernelBuilder::ScaleKind;
    Location loc = op.getLoc();
    Value cache = key ? op.getKCache() : op.getVCache();
    Value pos = op.getPosition();
    QuantSchemeAttr scheme = op.getCacheQuant(key);
    if (!scheme)
      return writeRows(rewriter, loc, fresh, cache, pos);
    auto freshType = cast<RankedTensorType>(fresh.getType());
    auto cacheType = cast<RankedTensorType>(cache.getType());
    Value storedScale = op.getCacheScale(key);
    Value storedZeroPoint = op.getCacheZeroPoint(key);
    Value writeScale = storedScale, writeZeroPoint = storedZeroPoint;
    if (scheme.isDynamic()) {
      std::string why;
      SmallVector<int64_t> shape =
          *scheme.inferScaleShape(freshType.getShape(), why);
      SmallVector<Type> types = {
          RankedTensorType::get(shape, freshType.getElementType())};
      if (storedZeroPoint)
        types.push_back(RankedTensorType::get(
            shape, getElementTypeOrSelf(storedZeroPoint.getType())));
      auto qparams = CalculateQParamsOp::create(
          rewriter, loc, types, fresh, /*global_scale=*/Value(), scheme);
      writeScale = qparams.getScale();
      writeZeroPoint = qparams.getZeroPoint();
    }
    Value codes = QuantizeOp::create(
        rewriter, loc, freshType.clone(cacheType.getElementType()), fresh,
        writeScale, writeZeroPoint, /*global_scale=*/Value(), scheme);
    Value rows = writeRows(rewriter, loc, codes, cache, pos);
    if (!scheme.isDynamic()) {
      scale.kind =
          cast<RankedTensorType>(storedScale.getType()).getNumElements() == 1
              ? ScaleKind::Tensor
              : ScaleKind::Head;
      scale.buffer = getReadOnlyRankOneBuffer(rewriter, loc, storedScale);
      if (storedZeroPoint)
        scale.zeroPoint =
            getReadOnlyRankOneBuffer(rewriter, loc, storedZeroPoint);
      return rows;
    }
    // Rows keep their own scales (and zero points), one per group of a row:
    // the write's repeated on each row.
    SmallVector<int64_t> rowShape(freshType.getShape());
    rowShape.back() =
        HookedAttentionOp::getRowScaleCount(scheme, rowShape.back());
    auto writeParams = [&](Value written, Value stored) {
      Value updated =
          writeRows(rewriter, loc,
                    broadcastTo(rewriter, loc, written, rowShape), stored, pos);
      updatedScales.push_back(updated);
      return getReadOnlyRankOneBuffer(rewriter, loc, updated);
    };
    scale.kind = ScaleKind::Row;
    scale.groups = rowShape.back();
    scale.buffer = writeParams(writeScale, storedScale);
    if (storedZeroPoint)
      scale.zeroPoint = writeParams(writeZeroPoint, storedZeroPoint);
    return rows;
  }

  /// `value` broadcast torch-style (aligned at the last dimension, size-1
  /// dimensions repeated) to `shape`: a scale computed once for a whole
  /// write, repeated on each row it covers.
  static Value broadcastTo(PatternRewriter &rewriter, Location loc,
                           Value value, ArrayRef<int64_t> shape) {
    auto type = cast<RankedTensorType>(value.getType());
    if (type.getShape() == shape)
      return value;
    unsigned rank = shape.size();
    int64_t offset = rank - type.getRank();
    SmallVector<AffineExpr> exprs;
    for (int64_t d = 0; d < type.getRank(); ++d)
      exprs.push_back(type.getDimSize(d) == 1 && shape[offset + d] != 1
                          ? rewriter.getAffineConstantExpr(0)
                          : rewriter.getAffineDimExpr(offset + d));
    Value init =
        tensor::EmptyOp::create(rewriter, loc, shape, type.getElementType());
    return linalg::GenericOp::create(
               rewriter, loc, TypeRange{init.getType()}, value, init,
               ArrayRef<AffineMap>{
                   AffineMap::get(rank, 0, exprs, rewriter.getContext()),
                   rewriter.getMultiDimIdentityMap(rank)},
               SmallVector<utils::IteratorType>(rank,
                                                utils::IteratorType::parallel),
               [](OpBuilder &b, Location l, ValueRange args) {
                 linalg::YieldOp::create(b, l, args[0]);
               })
        .getResult(0);
  }

  /// cache[:, :, pos : pos + Skv] = rows as a copy into a slice of the cache:
  /// bufferization writes the slice in place (a writable cache argument is
  /// not copied) and the copy becomes a parallel-loop kernel.
  static Value writeRows(PatternRewriter &rewriter, Location loc, Value rows,
                         Value cache, Value position) {
    auto rowsType = cast<RankedTensorType>(rows.getType());
    OpFoldResult zero = rewriter.getIndexAttr(0), one = rewriter.getIndexAttr(1);
    SmallVector<OpFoldResult> offsets = {zero, zero, position, zero};
    SmallVector<OpFoldResult> sizes;
    for (int64_t size : rowsType.getShape())
      sizes.push_back(rewriter.getIndexAttr(size));
    SmallVector<OpFoldResult> strides(4, one);
    Value slice = tensor::ExtractSliceOp::create(rewriter, loc, rowsType, cache,
                                                 offsets, sizes, strides);
    Value copied =
        linalg::CopyOp::create(rewriter, loc, rows, slice).getResult(0);
    return tensor::InsertSliceOp::create(rewriter, loc, copied, cache, offsets,
                                         sizes, strides);
  }

  AttentionKernelOptions options;
};

struct AttentionToGPUPass
    : public ct::impl::AttentionToGPUBase<AttentionToGPUPass> {
  using AttentionToGPUBase::AttentionToGPUBase;

  void runOnOperation() override {
    for (auto [name, value, low, high] :
         {std::tuple<StringRef, int64_t, int64_t, int64_t>{"sm-count", smCount,
                                                           1, 1 << 16},
          {"blocks-per-sm", blocksPerSM, 1, 64},
          {"warps-per-block", warpsPerBlock, 1, 32},
          {"decode-unroll", decodeUnroll, 1, 8},
          {"lane-bytes", laneBytes, 4, 64}})
      if (value < low || value > high) {
        getOperation().emitError()
            << "ct-attention-to-gpu: " << name << " must be in [" << low
            << ", " << high << "], got " << value;
        return signalPassFailure();
      }
    AttentionKernelOptions options{smCount,     blocksPerSM, warpsPerBlock,
                                  decodeUnroll, laneBytes,  hardwareFP8,
                                  tensorCores};
    RewritePatternSet patterns(&getContext());
    patterns.add<AttentionToGPULowering>(&getContext(), options);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    WalkResult result = getOperation().walk([&](HookedAttentionOp op) {
      AttentionPlan plan;
      op.emitOpError("cannot be lowered to the GPU: ")
          << planAttention(op, options, plan);
      return WalkResult::interrupt();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
