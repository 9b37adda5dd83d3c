// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// The reference numerics of compressed-tensors quantization. Each function
// names the library function (or torch behaviour) it mirrors; the scalar
// conversions work on IEEE bits with selects instead of branches so that the
// lowerings can emit the same sequence as vectorizable arith ops.

#include "ct/Support/QuantReference.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <functional>
#include <limits>

namespace ct::quant {

//===----------------------------------------------------------------------===//
// Bit helpers
//===----------------------------------------------------------------------===//

static uint32_t getBits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

static float fromBits(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

static constexpr uint32_t kSignMask = 0x80000000u;
static constexpr uint32_t kAbsMask = 0x7fffffffu;
static constexpr uint32_t kInfBits = 0x7f800000u;

static bool isNaNBits(uint32_t bits) { return (bits & kAbsMask) > kInfBits; }

/// `value >> shift` rounded to nearest, ties to even, for shift in [1, 31].
static uint32_t shiftRightRoundingToEven(uint32_t value, uint32_t shift) {
  uint32_t kept = value >> shift;
  uint32_t remainder = value & ((1u << shift) - 1);
  uint32_t half = 1u << (shift - 1);
  uint32_t roundUp = (remainder > half) | ((remainder == half) & kept & 1u);
  return kept + roundUp;
}

/// Clamps a signed shift amount into [1, 31]; callers select away the lanes
/// where the unclamped amount was out of range.
static uint32_t clampShift(int32_t shift) {
  return static_cast<uint32_t>(std::clamp(shift, 1, 31));
}

/// torch.clamp: NaN passes through (both comparisons are false).
static float clampKeepingNaN(float value, float lo, float hi) {
  return value < lo ? lo : (value > hi ? hi : value);
}

/// torch.minimum / amin: NaN wins.
static float minKeepingNaN(float a, float b) {
  return a != a ? a : (b != b ? b : (b < a ? b : a));
}

/// torch.maximum / amax: NaN wins.
static float maxKeepingNaN(float a, float b) {
  return a != a ? a : (b != b ? b : (b > a ? b : a));
}

static float absBits(float value) {
  return fromBits(getBits(value) & kAbsMask);
}

//===----------------------------------------------------------------------===//
// Scalar building blocks
//===----------------------------------------------------------------------===//

uint16_t convertF32ToBF16Bits(float value) {
  uint32_t bits = getBits(value);
  uint32_t rounded = (bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16;
  return isNaNBits(bits) ? 0x7fc0 : static_cast<uint16_t>(rounded);
}

float convertBF16BitsToF32(uint16_t bits) {
  return fromBits(static_cast<uint32_t>(bits) << 16);
}

uint8_t convertF32ToFP8E4M3FNBits(float value) {
  constexpr uint32_t kMaxBits = 0x43e00000u;      // 448.0f
  constexpr uint32_t kMinNormalBits = 121u << 23; // 2^-6
  uint32_t bits = getBits(value);
  uint32_t sign = (bits >> 24) & 0x80u;
  // Saturate first: torch 2.15 maps everything above 448, Inf included, to 448.
  uint32_t magnitude = std::min(bits & kAbsMask, kMaxBits);
  // Normal results: rebias the exponent (127 -> 7), round 23 -> 3 mantissa
  // bits; a carry out of the mantissa bumps the exponent, as it should.
  uint32_t normal = shiftRightRoundingToEven(magnitude - (120u << 23), 20);
  // Below 2^-6 the results are multiples of 2^-9: the significand times
  // 2^(exponent - 150 + 9), rounded to an integer.
  int32_t exponent = static_cast<int32_t>(magnitude >> 23);
  uint32_t significand =
      (magnitude & 0x7fffffu) | (exponent != 0 ? 0x800000u : 0u);
  uint32_t subnormal =
      shiftRightRoundingToEven(significand, clampShift(141 - exponent));
  uint32_t code = magnitude < kMinNormalBits ? subnormal : normal;
  return static_cast<uint8_t>(sign | (isNaNBits(bits) ? 0x7fu : code));
}

float convertFP8E4M3FNBitsToF32(uint8_t bits) {
  uint32_t sign = static_cast<uint32_t>(bits & 0x80u) << 24;
  uint32_t exponent = (bits >> 3) & 0xfu;
  uint32_t mantissa = bits & 0x7u;
  uint32_t normal = ((exponent + 120u) << 23) | (mantissa << 20);
  uint32_t subnormal = getBits(static_cast<float>(mantissa) * 0x1p-9f);
  uint32_t magnitude = exponent == 0 ? subnormal : normal;
  return fromBits(sign | ((bits & 0x7fu) == 0x7fu ? 0x7fc00000u : magnitude));
}

float roundHalfToEven(float value) {
  uint32_t bits = getBits(value);
  int32_t exponent = static_cast<int32_t>((bits >> 23) & 0xffu);
  // |value| rounded = significand >> (150 - exponent), rounded to even; below
  // 0.5 everything is shifted out. From 2^23 up (and Inf, NaN) x is integral.
  uint32_t significand = (bits & 0x7fffffu) | 0x800000u;
  uint32_t integer =
      shiftRightRoundingToEven(significand, clampShift(150 - exponent));
  float rounded =
      fromBits((bits & kSignMask) | getBits(static_cast<float>(integer)));
  return exponent >= 150 ? value : rounded;
}

float castToDType(float value, DType dtype) {
  switch (dtype) {
  case DType::F32:
    return value;
  case DType::BF16:
    return convertBF16BitsToF32(convertF32ToBF16Bits(value));
  case DType::FP8E4M3FN:
    return convertFP8E4M3FNBitsToF32(convertF32ToFP8E4M3FNBits(value));
  case DType::Int8:
  case DType::UInt8: {
    // cvttss2si: truncate toward zero; NaN, +-Inf and |x| >= 2^31 give
    // INT32_MIN, whose low byte is 0. Narrowing keeps the low byte.
    bool inRange = (getBits(value) & kAbsMask) < 0x4f000000u; // 2^31
    int32_t wide = inRange ? static_cast<int32_t>(value)
                           : std::numeric_limits<int32_t>::min();
    uint8_t low = static_cast<uint8_t>(static_cast<uint32_t>(wide) & 0xffu);
    return dtype == DType::Int8 ? static_cast<float>(static_cast<int8_t>(low))
                                : static_cast<float>(low);
  }
  }
  return value;
}

float castToFP4E2M1(float value) {
  float sign =
      static_cast<float>(value > 0.0f) - static_cast<float>(value < 0.0f);
  float magnitude = absBits(value);
  // The buckets of cast_to_fp4 from the top; NaN fails every comparison.
  float grid = magnitude > 5.0f     ? 6.0f
               : magnitude >= 3.5f  ? 4.0f
               : magnitude > 2.5f   ? 3.0f
               : magnitude >= 1.75f ? 2.0f
               : magnitude > 1.25f  ? 1.5f
               : magnitude >= 0.75f ? 1.0f
               : magnitude > 0.25f  ? 0.5f
               : magnitude >= 0.0f  ? 0.0f
                                    : magnitude;
  return grid * sign;
}

uint8_t encodeFP4E2M1(float gridValue) {
  uint32_t bits = getBits(gridValue);
  uint32_t sign = (bits >> 28) & 0x8u;
  uint32_t exponent = (bits >> 23) & 0xffu;
  // |v| >= 1: exponent rebiased 127 -> 1, top mantissa bit; 0.5 is the only
  // subnormal, 0 the zero.
  uint32_t normal = ((exponent - 126u) << 1) | ((bits >> 22) & 1u);
  uint32_t code = exponent >= 127u ? normal : (exponent == 126u ? 1u : 0u);
  return static_cast<uint8_t>(sign | code);
}

float decodeFP4E2M1(uint8_t code) {
  uint32_t sign = static_cast<uint32_t>(code & 0x8u) << 28;
  uint32_t exponent = (code >> 1) & 0x3u;
  uint32_t mantissa = code & 0x1u;
  uint32_t normal = ((exponent + 126u) << 23) | (mantissa << 22);
  uint32_t subnormal = getBits(static_cast<float>(mantissa) * 0.5f);
  return fromBits(sign | (exponent == 0 ? subnormal : normal));
}

float castToFP6E2M3(float value) {
  uint32_t bits = getBits(value);
  float magnitude = absBits(value);
  int32_t exponent =
      std::max(static_cast<int32_t>((bits >> 23) & 0xffu) - 127, 0);
  float step = fromBits(static_cast<uint32_t>(exponent - 3 + 127) << 23);
  float rounded = roundHalfToEven(magnitude / step) * step;
  rounded = rounded > 7.5f ? 7.5f : rounded; // clamp_(max=7.5) keeps NaN
  return fromBits((getBits(rounded) & kAbsMask) | (bits & kSignMask));
}

float roundToPowerOf2(float value, DType valueType, unsigned elemMantissaBits) {
  // Adding half a mantissa step of the element type carries into the
  // exponent exactly when the value rounds up to the next power of two at
  // that precision; the mask then drops the mantissa.
  if (valueType == DType::BF16) {
    uint32_t bits = convertF32ToBF16Bits(value);
    uint32_t add = 1u << (7 - elemMantissaBits - 1);
    return convertBF16BitsToF32(static_cast<uint16_t>((bits + add) & 0xff80u));
  }
  uint32_t add = 1u << (23 - elemMantissaBits - 1);
  return fromBits((getBits(value) + add) & 0xff800000u);
}

float computeMXExponent(float absMax, DType valueType, unsigned numBits) {
  unsigned elemMantissaBits = numBits == 6 ? 3 : 1;
  float offset = numBits == 8 ? 8.0f : 2.0f;
  float power = roundToPowerOf2(absMax, valueType, elemMantissaBits);
  // floor(log2(power)) of 0, a power of two or +Inf: the unbiased exponent.
  uint32_t field = (getBits(power) >> 23) & 0xffu;
  float log2 = field == 0 ? -std::numeric_limits<float>::infinity()
               : field == 255
                   ? std::numeric_limits<float>::infinity()
                   : static_cast<float>(static_cast<int32_t>(field) - 127);
  return castToDType(127.0f + log2 - offset, valueType);
}

float convertMXExponentToScale(float exponent) {
  uint32_t biased = static_cast<uint32_t>(static_cast<int32_t>(exponent));
  // 2^(e - 127) is the f32 with biased exponent e; e = 0 is the subnormal
  // 2^-127, e = 255 overflows to +Inf.
  return fromBits(biased == 0 ? 0x00400000u : biased << 23);
}

float getScaleEpsilon(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return 0x1p-23f;
  case DType::BF16:
    return 0x1p-7f;
  case DType::FP8E4M3FN:
    return 0.125f;
  case DType::Int8:
  case DType::UInt8:
    return 1.0f;
  }
  return 1.0f;
}

//===----------------------------------------------------------------------===//
// Schemes and tensors
//===----------------------------------------------------------------------===//

bool QuantScheme::isMX() const {
  return type == QuantType::Float &&
         (numBits == 4 || numBits == 6 || numBits == 8) && groupSize == 32 &&
         scaleDtype == DType::UInt8;
}

float QuantScheme::getQMin() const {
  if (type == QuantType::Int)
    return -static_cast<float>(int64_t(1) << (numBits - 1));
  return -getQMax();
}

float QuantScheme::getQMax() const {
  if (type == QuantType::Int)
    return static_cast<float>((int64_t(1) << (numBits - 1)) - 1);
  return numBits == 8 ? 448.0f : (numBits == 6 ? 7.5f : 6.0f);
}

int64_t Tensor::getNumElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

static bool isGroupStrategy(QuantStrategy strategy) {
  return strategy == QuantStrategy::Group ||
         strategy == QuantStrategy::TensorGroup;
}

/// Result dtype of a binary op on two dimensioned float tensors.
static DType promoteFloatTypes(DType a, DType b) {
  return a == DType::F32 || b == DType::F32 ? DType::F32 : DType::BF16;
}

//===----------------------------------------------------------------------===//
// Min/max reductions and qparams
//===----------------------------------------------------------------------===//

static int64_t product(const std::vector<int64_t> &shape, size_t begin,
                       size_t end) {
  int64_t n = 1;
  for (size_t i = begin; i < end; ++i)
    n *= shape[i];
  return n;
}

MinMax reduceMinMax(const Tensor &x, const QuantScheme &scheme) {
  const std::vector<int64_t> &shape = x.shape;
  size_t rank = shape.size();
  int64_t columns = rank ? shape.back() : 1;
  std::vector<int64_t> outShape;
  // Maps a flat element index of x to the scale entry it belongs to.
  std::function<int64_t(int64_t)> entry = [](int64_t) { return int64_t(0); };

  switch (scheme.strategy) {
  case QuantStrategy::Tensor:
    break;
  case QuantStrategy::Token:
    if (rank > 2) {
      outShape = {shape[0], shape[1]};
      outShape.resize(rank, 1);
      int64_t inner = product(shape, 2, rank);
      entry = [inner](int64_t i) { return i / inner; };
    }
    break;
  case QuantStrategy::Channel:
    outShape.assign(shape.begin(), shape.end() - 1);
    outShape.push_back(1);
    entry = [columns](int64_t i) { return i / columns; };
    break;
  case QuantStrategy::Group:
  case QuantStrategy::TensorGroup: {
    int64_t groupSize = scheme.groupSize;
    assert(columns % groupSize == 0 && "columns must be divisible by groups");
    int64_t groups = columns / groupSize;
    outShape.assign(shape.begin(), shape.end() - 1);
    outShape.push_back(groups);
    entry = [=](int64_t i) {
      return (i / columns) * groups + (i % columns) / groupSize;
    };
    break;
  }
  case QuantStrategy::Block: {
    assert(rank == 2 && "block quantization reshapes a 2-D tensor");
    int64_t blockRows = scheme.blockStructure[0];
    int64_t blockCols = scheme.blockStructure[1];
    int64_t rowBlocks = (shape[0] + blockRows - 1) / blockRows;
    int64_t colBlocks = (columns + blockCols - 1) / blockCols;
    outShape = {rowBlocks, colBlocks};
    // maybe_pad_tensor_for_block_quant's zeros need no folding in:
    // calculate_qparams widens every range to include 0 anyway.
    entry = [=](int64_t i) {
      return (i / columns / blockRows) * colBlocks + (i % columns) / blockCols;
    };
    break;
  }
  case QuantStrategy::AttnHead: {
    assert(rank >= 3 && "attn_head reduces all dims but shape[-3]");
    int64_t heads = shape[rank - 3];
    int64_t inner = shape[rank - 2] * shape[rank - 1];
    outShape = {heads, 1, 1};
    entry = [=](int64_t i) { return (i / inner) % heads; };
    break;
  }
  }

  int64_t entries = product(outShape, 0, outShape.size());
  constexpr float kInf = std::numeric_limits<float>::infinity();
  MinMax result{{x.dtype, outShape, std::vector<float>(entries, kInf)},
                {x.dtype, outShape, std::vector<float>(entries, -kInf)}};
  for (int64_t i = 0, e = x.getNumElements(); i < e; ++i) {
    int64_t k = entry(i);
    result.min.values[k] = minKeepingNaN(result.min.values[k], x.values[i]);
    result.max.values[k] = maxKeepingNaN(result.max.values[k], x.values[i]);
  }
  return result;
}

/// round_to_quantized_type_dtype without the cast back: clamp to the dtype's
/// range, then cast (floats) or round half to even and cast (integers).
static float roundToQuantizedTypeDType(float value, DType dtype) {
  switch (dtype) {
  case DType::F32:
    return clampKeepingNaN(value, std::numeric_limits<float>::lowest(),
                           std::numeric_limits<float>::max());
  case DType::BF16:
    return castToDType(clampKeepingNaN(value, -0x1.fep127f, 0x1.fep127f),
                       dtype);
  case DType::FP8E4M3FN:
    return castToDType(clampKeepingNaN(value, -448.0f, 448.0f), dtype);
  case DType::Int8:
    return castToDType(roundHalfToEven(clampKeepingNaN(value, -128.0f, 127.0f)),
                       dtype);
  case DType::UInt8:
    return castToDType(roundHalfToEven(clampKeepingNaN(value, 0.0f, 255.0f)),
                       dtype);
  }
  return value;
}

QuantParams calculateQParams(const MinMax &minMax, const QuantScheme &scheme,
                             std::optional<Tensor> globalScale) {
  DType dataType = minMax.min.dtype;
  bool isZeroDim = minMax.min.shape.empty();
  float qmin = scheme.getQMin(), qmax = scheme.getQMax();
  // bit_range is an f32 0-d tensor, cast to the data dtype before dividing.
  float range = castToDType(qmax - qmin, dataType);
  float halfRange = castToDType(range / 2.0f, dataType);
  // `bit_min - min / scale`: with 0-d operands the f32 bit_min takes part in
  // type promotion, so whole-tensor zero points are computed in f32.
  DType zpMathType = isZeroDim ? DType::F32 : dataType;
  DType scaleType =
      globalScale ? promoteFloatTypes(globalScale->dtype, dataType) : dataType;
  float epsilon = castToDType(
      getScaleEpsilon(scheme.scaleDtype.value_or(scaleType)), scaleType);

  int64_t entries = minMax.min.getNumElements();
  std::vector<int64_t> shape =
      isZeroDim ? std::vector<int64_t>{1} : minMax.min.shape;
  QuantParams params;
  params.scale = {scaleType, shape, std::vector<float>(entries)};
  Tensor zeroPoint{scheme.zeroPointDtype, shape, std::vector<float>(entries)};

  for (int64_t i = 0; i < entries; ++i) {
    float lo = minKeepingNaN(minMax.min.values[i], 0.0f);
    float hi = maxKeepingNaN(minMax.max.values[i], 0.0f);
    float scale, zp = 0.0f;
    if (scheme.symmetric) {
      float absMax = maxKeepingNaN(absBits(lo), absBits(hi));
      scale = scheme.isMX()
                  ? computeMXExponent(absMax, dataType, scheme.numBits)
                  : castToDType(absMax / halfRange, dataType);
    } else {
      assert(!(scheme.type == QuantType::Float && scheme.numBits != 8) &&
             "asymmetric fp4/fp6 is rejected by the library");
      scale = castToDType(castToDType(hi - lo, dataType) / range, dataType);
      // Computed with the scale before eps replacement: 0/0 gives NaN.
      float ratio = castToDType(lo / scale, dataType);
      zp = clampKeepingNaN(castToDType(qmin - ratio, zpMathType), qmin, qmax);
    }
    if (globalScale)
      scale = castToDType(globalScale->values[0] * scale, scaleType);
    if (scheme.scaleDtype)
      scale = castToDType(roundToQuantizedTypeDType(scale, *scheme.scaleDtype),
                          scaleType);
    if (scheme.isMX())
      scale = castToDType(convertMXExponentToScale(scale), scaleType);
    params.scale.values[i] = scale == 0.0f ? epsilon : scale;
    zeroPoint.values[i] = roundToQuantizedTypeDType(zp, scheme.zeroPointDtype);
  }
  params.zeroPoint = std::move(zeroPoint);
  params.globalScale = std::move(globalScale);
  return params;
}

QuantParams computeQParams(const Tensor &x, const QuantScheme &scheme,
                           std::optional<Tensor> globalScale) {
  return calculateQParams(reduceMinMax(x, scheme), scheme,
                          std::move(globalScale));
}

Tensor generateGlobalScale(const Tensor &x) {
  QuantScheme wholeTensor;
  MinMax minMax = reduceMinMax(x, wholeTensor);
  float lo = minKeepingNaN(minMax.min.values[0], 0.0f);
  float hi = maxKeepingNaN(minMax.max.values[0], 0.0f);
  float absMax = maxKeepingNaN(absBits(lo), absBits(hi));
  // clamp(min=finfo.tiny): 2^-126 for f32 and bf16 alike.
  absMax = absMax < 0x1p-126f ? 0x1p-126f : absMax;
  // `2688 / t` is Tensor.__rtruediv__, i.e. `t.reciprocal() * 2688`: two
  // roundings in x's dtype.
  float reciprocal = castToDType(1.0f / absMax, x.dtype);
  float scale = castToDType(reciprocal * (448.0f * 6.0f), x.dtype);
  bool finite = (getBits(scale) & kAbsMask) < kInfBits;
  return {DType::F32, {1}, {finite ? scale : 1.0f}};
}

//===----------------------------------------------------------------------===//
// quantize / dequantize / fake_quantize
//===----------------------------------------------------------------------===//

namespace {
/// Which x element and which scale entry each output element combines, after
/// the strategy's reshapes (`_process_group`, `_process_block`) and torch
/// broadcasting.
struct ElementMap {
  std::vector<int64_t> resultShape;
  std::vector<int64_t> inputIndex;
  std::vector<int64_t> scaleIndex;
};
} // namespace

static std::vector<int64_t> broadcastShapes(const std::vector<int64_t> &a,
                                            const std::vector<int64_t> &b) {
  size_t rank = std::max(a.size(), b.size());
  std::vector<int64_t> out(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    assert((da == db || da == 1 || db == 1) && "shapes do not broadcast");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

/// Flat index into an operand of `shape` for each element of `outShape` it is
/// broadcast to.
static std::vector<int64_t>
broadcastIndices(const std::vector<int64_t> &shape,
                 const std::vector<int64_t> &outShape) {
  size_t rank = outShape.size(), offset = rank - shape.size();
  std::vector<int64_t> strides(rank, 0);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 1, stride = 1; i >= 0;
       --i) {
    strides[i + offset] = shape[i] == 1 ? 0 : stride;
    stride *= shape[i];
  }
  int64_t count = product(outShape, 0, rank);
  std::vector<int64_t> indices(count);
  for (int64_t flat = 0; flat < count; ++flat) {
    int64_t rest = flat, index = 0;
    for (int64_t d = static_cast<int64_t>(rank) - 1; d >= 0; --d) {
      index += (rest % outShape[d]) * strides[d];
      rest /= outShape[d];
    }
    indices[flat] = index;
  }
  return indices;
}

static ElementMap mapElements(const std::vector<int64_t> &xShape,
                              const std::vector<int64_t> &scaleShape,
                              const QuantScheme &scheme) {
  ElementMap map;
  if (scheme.strategy == QuantStrategy::Block) {
    assert(xShape.size() == 2 && "block quantization reshapes a 2-D tensor");
    int64_t blockRows = scheme.blockStructure[0];
    int64_t blockCols = scheme.blockStructure[1];
    int64_t columns = xShape[1];
    int64_t colBlocks = (columns + blockCols - 1) / blockCols;
    map.resultShape = xShape;
    for (int64_t i = 0, e = xShape[0] * columns; i < e; ++i) {
      map.inputIndex.push_back(i);
      map.scaleIndex.push_back((i / columns / blockRows) * colBlocks +
                               (i % columns) / blockCols);
    }
    return map;
  }
  std::vector<int64_t> xView = xShape, scaleView = scaleShape;
  if (isGroupStrategy(scheme.strategy)) {
    // x.unflatten(-1, (C / g, g)); scale unsqueezed to rank 2, then (..., 1).
    int64_t columns = xShape.back();
    assert(columns % scheme.groupSize == 0 &&
           "tensor column shape must be divisible by the given group_size");
    xView.back() = columns / scheme.groupSize;
    xView.push_back(scheme.groupSize);
    while (scaleView.size() < 2)
      scaleView.insert(scaleView.begin() + 1, 1);
    scaleView.push_back(1);
  }
  std::vector<int64_t> outShape = broadcastShapes(xView, scaleView);
  map.inputIndex = broadcastIndices(xView, outShape);
  map.scaleIndex = broadcastIndices(scaleView, outShape);
  map.resultShape = outShape;
  if (isGroupStrategy(scheme.strategy)) {
    // output.flatten(start_dim=-2)
    int64_t groupSize = map.resultShape.back();
    map.resultShape.pop_back();
    map.resultShape.back() *= groupSize;
  }
  return map;
}

/// `scale / global_scale` when there is a global scale: the scale every op
/// below uses.
static Tensor getEffectiveScale(const QuantParams &params) {
  if (!params.globalScale)
    return params.scale;
  Tensor scale = params.scale;
  scale.dtype = promoteFloatTypes(scale.dtype, params.globalScale->dtype);
  for (float &value : scale.values)
    value = castToDType(value / params.globalScale->values[0], scale.dtype);
  return scale;
}

/// round_to_quantized_type_args after its clamp: onto the scheme's grid.
static float roundToQuantGrid(float value, const QuantScheme &scheme) {
  if (scheme.type == QuantType::Int)
    return roundHalfToEven(value);
  if (scheme.numBits == 8)
    return castToDType(value, DType::FP8E4M3FN);
  if (scheme.numBits == 6)
    return castToFP6E2M3(value);
  return castToFP4E2M1(value);
}

/// One element of `_quantize`: the result in `divisionType`, the promoted
/// dtype of x and the scale.
static float quantizeElement(float x, DType xType, float scale,
                             DType divisionType, const float *zeroPoint,
                             const QuantScheme &scheme) {
  // Division in the promoted dtype: bf16 / bf16 rounds to bf16 before the
  // rounding to the grid (double rounding).
  float scaled = castToDType(x / scale, divisionType);
  if (zeroPoint)
    scaled = castToDType(scaled + castToDType(*zeroPoint, xType), divisionType);
  scaled = clampKeepingNaN(scaled, scheme.getQMin(), scheme.getQMax());
  return castToDType(roundToQuantGrid(scaled, scheme), divisionType);
}

/// One element of `_dequantize`: `(q - zp) * scale` in the scale's dtype.
static float dequantizeElement(float q, float scale, DType scaleType,
                               const float *zeroPoint) {
  float value = castToDType(q, scaleType);
  if (zeroPoint)
    value = castToDType(value - castToDType(*zeroPoint, scaleType), scaleType);
  return castToDType(value * scale, scaleType);
}

static const float *getZeroPoint(const QuantParams &params, int64_t index) {
  return params.zeroPoint ? &params.zeroPoint->values[index] : nullptr;
}

Tensor quantize(const Tensor &x, const QuantParams &params,
                const QuantScheme &scheme, std::optional<DType> dtype) {
  Tensor scale = getEffectiveScale(params);
  DType divisionType = promoteFloatTypes(x.dtype, scale.dtype);
  DType resultType =
      dtype.value_or(isGroupStrategy(scheme.strategy) ? x.dtype : divisionType);
  ElementMap map = mapElements(x.shape, scale.shape, scheme);
  Tensor result{resultType, map.resultShape, {}};
  result.values.reserve(map.inputIndex.size());
  for (size_t i = 0; i < map.inputIndex.size(); ++i) {
    int64_t s = map.scaleIndex[i];
    float q =
        quantizeElement(x.values[map.inputIndex[i]], x.dtype, scale.values[s],
                        divisionType, getZeroPoint(params, s), scheme);
    result.values.push_back(castToDType(q, resultType));
  }
  return result;
}

Tensor dequantize(const Tensor &q, const QuantParams &params,
                  const QuantScheme &scheme, std::optional<DType> dtype) {
  Tensor scale = getEffectiveScale(params);
  DType resultType = isGroupStrategy(scheme.strategy)
                         ? dtype.value_or(params.scale.dtype)
                         : scale.dtype;
  ElementMap map = mapElements(q.shape, scale.shape, scheme);
  Tensor result{resultType, map.resultShape, {}};
  result.values.reserve(map.inputIndex.size());
  for (size_t i = 0; i < map.inputIndex.size(); ++i) {
    int64_t s = map.scaleIndex[i];
    float value =
        dequantizeElement(q.values[map.inputIndex[i]], scale.values[s],
                          scale.dtype, getZeroPoint(params, s));
    result.values.push_back(castToDType(value, resultType));
  }
  return result;
}

Tensor fakeQuantize(const Tensor &x, const QuantParams &params,
                    const QuantScheme &scheme) {
  Tensor scale = getEffectiveScale(params);
  DType divisionType = promoteFloatTypes(x.dtype, scale.dtype);
  DType resultType = isGroupStrategy(scheme.strategy) ? x.dtype : scale.dtype;
  ElementMap map = mapElements(x.shape, scale.shape, scheme);
  Tensor result{resultType, map.resultShape, {}};
  result.values.reserve(map.inputIndex.size());
  for (size_t i = 0; i < map.inputIndex.size(); ++i) {
    int64_t s = map.scaleIndex[i];
    const float *zeroPoint = getZeroPoint(params, s);
    float q = quantizeElement(x.values[map.inputIndex[i]], x.dtype,
                              scale.values[s], divisionType, zeroPoint, scheme);
    float value = dequantizeElement(q, scale.values[s], scale.dtype, zeroPoint);
    result.values.push_back(castToDType(value, resultType));
  }
  return result;
}

} // namespace ct::quant
