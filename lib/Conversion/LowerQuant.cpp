// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// ct-lower-quant: the ct quantization ops as linalg.generic ops on tensors.
//
// compressed-tensors defines quantization as a sequence of torch ops, each of
// which rounds its result to some dtype (bf16 ops compute in f32 and round;
// bf16 / bf16 divides before the integer rounding, so values round twice).
// Matching the library bit for bit therefore means emitting that exact
// sequence, not an algebraically equivalent one. Every scalar sequence below
// mirrors a function of lib/Support/QuantReference.cpp (named in its
// comment), which the golden data of the library pins down. All of it is
// arith/math on scalars without branches or library calls, so the loops that
// linalg becomes vectorize; fp8, fp6 and fp4 are encoded with integer ops
// because arith.truncf to those types does not lower to LLVM (they are
// stored as i8, i6 and i4 there), and MX E8M0 exponents are computed from
// the IEEE bits.

#include "ct/Conversion/LowerQuant.h"
#include "ct/Conversion/Passes.h"
#include "ct/Dialect/CT/IR/CTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"
#include "llvm/ADT/APFloat.h"

#include <cmath>
#include <limits>

namespace ct {
#define GEN_PASS_DEF_LOWERQUANT
#include "ct/Conversion/Passes.h.inc"
} // namespace ct

using namespace mlir;
using namespace ct;

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

/// Float types the computation can hold exactly in f32 and round to with
/// arith.truncf.
static bool isComputeFloat(Type type) {
  return type.isF32() || type.isBF16() || type.isF16();
}

/// Result dtype of a torch binary op on two dimensioned float tensors: the
/// wider type, f32 for bf16 with f16.
static FloatType promoteFloatTypes(FloatType a, FloatType b) {
  if (a == b)
    return a;
  if (a.getWidth() != b.getWidth())
    return a.getWidth() > b.getWidth() ? a : b;
  return Float32Type::get(a.getContext());
}

/// `value` rounded to nearest even in `type`, at compile time.
static double roundConstant(double value, FloatType type) {
  llvm::APFloat converted(value);
  bool losesInfo;
  converted.convert(type.getFloatSemantics(),
                    llvm::APFloat::rmNearestTiesToEven, &losesInfo);
  return converted.convertToDouble();
}

/// The largest finite value of `type` (torch.finfo(dtype).max).
static double getLargest(FloatType type) {
  return llvm::APFloat::getLargest(type.getFloatSemantics()).convertToDouble();
}

/// `_get_dtype_eps`: torch.finfo(dtype).eps, 2^(1 - precision), for float
/// scale dtypes; 1 for integer ones (uint8 for MX).
static double getEpsilon(Type type) {
  if (isa<IntegerType>(type))
    return 1.0;
  return std::ldexp(1.0, 1 - static_cast<int>(llvm::APFloat::semanticsPrecision(
                                 cast<FloatType>(type).getFloatSemantics())));
}

/// Float storage types whose codes are built with integer ops.
static bool isBitEncodedFloat(Type type) {
  return isa<Float8E4M3FNType, Float6E2M3FNType, Float4E2M1FNType>(type);
}

/// `should_generate_mx_scales` (QuantScheme::isMX): float 4/6/8 bits, group
/// size 32 and uint8 (E8M0 exponent) scales.
static bool isMXScheme(QuantSchemeAttr scheme) {
  Type scaleDtype = scheme.getScaleDtype();
  return scheme.isFloat() && scheme.getGroupSize() == 32 && scaleDtype &&
         scaleDtype.isUnsignedInteger(8);
}

//===----------------------------------------------------------------------===//
// Scalar numerics
//===----------------------------------------------------------------------===//

namespace {

/// Emits the scalar building blocks of QuantReference.cpp into a
/// linalg.generic body. A float is an f32 holding a value of some dtype, as
/// torch computes bf16 ops in f32 and rounds each result; bit manipulation
/// works on i32.
class ScalarBuilder {
public:
  ScalarBuilder(OpBuilder &b, Location loc)
      : b(b), loc(loc), f32Type(b.getF32Type()), i32Type(b.getI32Type()) {}

  Value f32(double value) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
  }
  Value i32(uint32_t value) {
    return arith::ConstantOp::create(
        b, loc, b.getI32IntegerAttr(static_cast<int32_t>(value)));
  }
  Value select(Value condition, Value a, Value c) {
    return arith::SelectOp::create(b, loc, condition, a, c);
  }
  Value cmpf(arith::CmpFPredicate predicate, Value a, Value c) {
    return arith::CmpFOp::create(b, loc, predicate, a, c);
  }
  Value cmpi(arith::CmpIPredicate predicate, Value a, Value c) {
    return arith::CmpIOp::create(b, loc, predicate, a, c);
  }
  Value add(Value a, Value c) { return arith::AddFOp::create(b, loc, a, c); }
  Value sub(Value a, Value c) { return arith::SubFOp::create(b, loc, a, c); }
  Value mul(Value a, Value c) { return arith::MulFOp::create(b, loc, a, c); }
  Value div(Value a, Value c) { return arith::DivFOp::create(b, loc, a, c); }
  Value addi(Value a, Value c) { return arith::AddIOp::create(b, loc, a, c); }
  Value subi(Value a, Value c) { return arith::SubIOp::create(b, loc, a, c); }
  Value andi(Value a, uint32_t mask) {
    return arith::AndIOp::create(b, loc, a, i32(mask));
  }
  Value ori(Value a, Value c) { return arith::OrIOp::create(b, loc, a, c); }
  Value shl(Value a, Value shift) {
    return arith::ShLIOp::create(b, loc, a, shift);
  }
  Value shr(Value a, Value shift) {
    return arith::ShRUIOp::create(b, loc, a, shift);
  }
  Value shl(Value a, uint32_t shift) { return shl(a, i32(shift)); }
  Value shr(Value a, uint32_t shift) { return shr(a, i32(shift)); }
  Value bits(Value value) {
    return arith::BitcastOp::create(b, loc, i32Type, value);
  }
  Value fromBits(Value value) {
    return arith::BitcastOp::create(b, loc, f32Type, value);
  }
  Value isNaN(Value value) {
    return cmpf(arith::CmpFPredicate::UNO, value, value);
  }

  /// `castToDType` for a float dtype: the f32 `value` rounded to `type`
  /// (round to nearest even) and widened back. bf16 is rounded with integer
  /// ops: LLVM's fptrunc to bfloat may become an instruction that flushes
  /// subnormals (x86's vcvtneps2bf16), which torch keeps
  /// (edge_zeros_mxfp4_static_bf16's 2^-127 scale).
  Value roundTo(Value value, Type type) {
    if (type.isF32())
      return value;
    if (isa<Float8E4M3FNType>(type))
      return roundToFP8E4M3FN(value);
    if (type.isBF16())
      return fromBits(shl(convertF32ToBF16Bits(value), 16));
    Value narrow = arith::TruncFOp::create(b, loc, type, value);
    return arith::ExtFOp::create(b, loc, f32Type, narrow);
  }

  Type getF32Type() { return f32Type; }
  Value absf(Value value) { return math::AbsFOp::create(b, loc, value); }
  /// torch.maximum: NaN wins.
  Value maximumf(Value a, Value c) {
    return arith::MaximumFOp::create(b, loc, a, c);
  }

  /// torch.round: half to even.
  Value roundEven(Value value) {
    return math::RoundEvenOp::create(b, loc, value);
  }

  /// torch.clamp: NaN passes through (clampKeepingNaN).
  Value clampKeepingNaN(Value value, double lo, double hi) {
    Value loValue = f32(lo), hiValue = f32(hi);
    Value clamped = select(cmpf(arith::CmpFPredicate::OGT, value, hiValue),
                           hiValue, value);
    return select(cmpf(arith::CmpFPredicate::OLT, value, loValue), loValue,
                  clamped);
  }

  /// torch.min(value, 0) / torch.max(value, 0) as calculate_qparams takes
  /// them (minKeepingNaN / maxKeepingNaN with a zero operand).
  Value minWithZeroKeepingNaN(Value value) {
    return select(cmpf(arith::CmpFPredicate::OGT, value, f32(0.0)), f32(0.0),
                  value);
  }
  Value maxWithZeroKeepingNaN(Value value) {
    return select(cmpf(arith::CmpFPredicate::OLT, value, f32(0.0)), f32(0.0),
                  value);
  }

  /// `value >> shift` rounded to nearest, ties to even, shift in [1, 31]
  /// (shiftRightRoundingToEven).
  Value shiftRightRoundingToEven(Value value, Value shift) {
    Value one = i32(1);
    Value kept = shr(value, shift);
    Value remainder =
        arith::AndIOp::create(b, loc, value, subi(shl(one, shift), one));
    Value half = shl(one, subi(shift, one));
    Value tieUp = andi(kept, 1);
    Value roundUp =
        select(cmpi(arith::CmpIPredicate::ugt, remainder, half), one,
               select(cmpi(arith::CmpIPredicate::eq, remainder, half), tieUp,
                      i32(0)));
    return addi(kept, roundUp);
  }

  /// f32 -> float8_e4m3fn bits in the low byte of an i32, saturating at
  /// +-448, subnormals kept, NaN -> 0x7f with the sign
  /// (convertF32ToFP8E4M3FNBits, torch 2.15's CPU cast).
  Value encodeFP8E4M3FN(Value value) {
    Value valueBits = bits(value);
    Value sign = andi(shr(valueBits, 24), 0x80u);
    Value absBits = andi(valueBits, 0x7fffffffu);
    Value magnitude = arith::MinUIOp::create(b, loc, absBits, i32(0x43e00000u));
    // Normal results: rebias the exponent (127 -> 7), round 23 -> 3 mantissa
    // bits; a carry out of the mantissa bumps the exponent.
    Value normal =
        shiftRightRoundingToEven(subi(magnitude, i32(120u << 23)), i32(20));
    // Below 2^-6 the results are multiples of 2^-9: the significand shifted
    // by 141 - exponent, rounded.
    Value exponent = shr(magnitude, 23);
    Value implicitBit =
        select(cmpi(arith::CmpIPredicate::ne, exponent, i32(0)),
               i32(0x800000u), i32(0));
    Value significand = ori(andi(magnitude, 0x7fffffu), implicitBit);
    Value shift = subi(i32(141), exponent);
    shift = arith::MaxSIOp::create(b, loc, shift, i32(1));
    shift = arith::MinSIOp::create(b, loc, shift, i32(31));
    Value subnormal = shiftRightRoundingToEven(significand, shift);
    Value code =
        select(cmpi(arith::CmpIPredicate::ult, magnitude, i32(121u << 23)),
               subnormal, normal);
    Value isNaNBits =
        cmpi(arith::CmpIPredicate::ugt, absBits, i32(0x7f800000u));
    return ori(sign, select(isNaNBits, i32(0x7f), code));
  }

  /// float8_e4m3fn bits (an i32 0..255) -> f32 (convertFP8E4M3FNBitsToF32).
  Value decodeFP8E4M3FN(Value code) {
    Value sign = shl(andi(code, 0x80u), 24);
    Value exponent = andi(shr(code, 3), 0xfu);
    Value mantissa = andi(code, 0x7u);
    Value normal =
        ori(shl(addi(exponent, i32(120)), 23), shl(mantissa, 20));
    Value mantissaValue = arith::UIToFPOp::create(b, loc, f32Type, mantissa);
    Value subnormal = bits(mul(mantissaValue, f32(0x1p-9)));
    Value magnitude = select(cmpi(arith::CmpIPredicate::eq, exponent, i32(0)),
                             subnormal, normal);
    Value isNaNCode =
        cmpi(arith::CmpIPredicate::eq, andi(code, 0x7fu), i32(0x7fu));
    return fromBits(ori(sign, select(isNaNCode, i32(0x7fc00000u), magnitude)));
  }

  /// `tensor.to(float8_e4m3fn)` kept as a float.
  Value roundToFP8E4M3FN(Value value) {
    return decodeFP8E4M3FN(encodeFP8E4M3FN(value));
  }

  /// `cast_to_fp4` (utils/fp4_utils.py): sign(x) * bucket(|x|) onto the e2m1
  /// grid, ties to the even mantissa (castToFP4E2M1). NaN stays NaN.
  Value castToFP4E2M1(Value value) {
    Value sign = select(cmpf(arith::CmpFPredicate::OGT, value, f32(0.0)),
                        f32(1.0),
                        select(cmpf(arith::CmpFPredicate::OLT, value, f32(0.0)),
                               f32(-1.0), f32(0.0)));
    Value magnitude = absf(value);
    // The buckets from the bottom, so that the highest matching one wins;
    // NaN fails every comparison and stays.
    Value grid = magnitude;
    struct Bucket {
      arith::CmpFPredicate predicate;
      double bound, value;
    };
    const Bucket buckets[] = {{arith::CmpFPredicate::OGE, 0.0, 0.0},
                              {arith::CmpFPredicate::OGT, 0.25, 0.5},
                              {arith::CmpFPredicate::OGE, 0.75, 1.0},
                              {arith::CmpFPredicate::OGT, 1.25, 1.5},
                              {arith::CmpFPredicate::OGE, 1.75, 2.0},
                              {arith::CmpFPredicate::OGT, 2.5, 3.0},
                              {arith::CmpFPredicate::OGE, 3.5, 4.0},
                              {arith::CmpFPredicate::OGT, 5.0, 6.0}};
    for (const Bucket &bucket : buckets)
      grid = select(cmpf(bucket.predicate, magnitude, f32(bucket.bound)),
                    f32(bucket.value), grid);
    return mul(grid, sign);
  }

  /// An e2m1 grid value -> its 4-bit code in an i32 (encodeFP4E2M1). NaN,
  /// which e2m1 cannot represent, gives the code of 1.5 with its sign.
  Value encodeFP4E2M1(Value gridValue) {
    Value valueBits = bits(gridValue);
    Value sign = andi(shr(valueBits, 28), 0x8u);
    Value exponent = andi(shr(valueBits, 23), 0xffu);
    Value normal = ori(shl(subi(exponent, i32(126)), 1),
                       andi(shr(valueBits, 22), 1u));
    Value small = select(cmpi(arith::CmpIPredicate::eq, exponent, i32(126)),
                         i32(1), i32(0));
    Value code = select(cmpi(arith::CmpIPredicate::uge, exponent, i32(127)),
                        andi(normal, 0x7u), small);
    return ori(sign, code);
  }

  /// A code of a float with a sign bit, two exponent bits (bias 1) and
  /// `mantissaBits` mantissa bits, in an i32 -> its value: e2m1
  /// (decodeFP4E2M1, 1 mantissa bit) and e2m3 (decodeFP6E2M3, 3 bits).
  Value decodeE2M(Value code, unsigned mantissaBits) {
    uint32_t signBit = 1u << (mantissaBits + 2);
    Value sign = shl(andi(code, signBit), 29 - mantissaBits);
    Value exponent = andi(shr(code, mantissaBits), 0x3u);
    Value mantissa = andi(code, signBit / 4 - 1);
    Value normal = ori(shl(addi(exponent, i32(126)), 23),
                       shl(mantissa, 23 - mantissaBits));
    Value mantissaValue = arith::UIToFPOp::create(b, loc, f32Type, mantissa);
    Value subnormal =
        bits(mul(mantissaValue, f32(1.0 / double(1u << mantissaBits))));
    return fromBits(
        ori(sign, select(cmpi(arith::CmpIPredicate::eq, exponent, i32(0)),
                         subnormal, normal)));
  }
  Value decodeFP4E2M1(Value code) { return decodeE2M(code, 1); }

  /// `cast_to_fp6` (utils/fp6_utils.py): `round(|x| / step) * step` with step
  /// 2^(max(exponent, 0) - 3), saturating at 7.5, sign copied from x
  /// (castToFP6E2M3). NaN stays NaN.
  Value castToFP6E2M3(Value value) {
    Value valueBits = bits(value);
    Value exponent = subi(andi(shr(valueBits, 23), 0xffu), i32(127));
    exponent = arith::MaxSIOp::create(b, loc, exponent, i32(0));
    Value step = fromBits(shl(addi(exponent, i32(127 - 3)), 23));
    Value rounded = mul(roundEven(div(absf(value), step)), step);
    // clamp_(max=7.5) keeps NaN.
    rounded = select(cmpf(arith::CmpFPredicate::OGT, rounded, f32(7.5)),
                     f32(7.5), rounded);
    return fromBits(
        ori(andi(bits(rounded), 0x7fffffffu), andi(valueBits, 0x80000000u)));
  }

  /// An e2m3 grid value -> its 6-bit code in an i32 (sign in bit 5, two
  /// exponent bits with bias 1, three mantissa bits), the e2m3 counterpart of
  /// encodeFP4E2M1. NaN, which e2m3 cannot represent, gives the code of 1.5
  /// with its sign.
  Value encodeFP6E2M3(Value gridValue) {
    Value valueBits = bits(gridValue);
    Value sign = andi(shr(valueBits, 26), 0x20u);
    Value exponent = andi(shr(valueBits, 23), 0xffu);
    // |v| >= 1: exponent rebiased 127 -> 1, top three mantissa bits.
    Value normal =
        ori(shl(subi(exponent, i32(126)), 3), andi(shr(valueBits, 20), 0x7u));
    // Below 1 the subnormals m / 8: the significand shifted by
    // 147 - exponent; zero shifts everything out.
    Value significand = ori(andi(valueBits, 0x7fffffu), i32(0x800000u));
    Value shift =
        arith::MinUIOp::create(b, loc, subi(i32(147), exponent), i32(31));
    Value subnormal = shr(significand, shift);
    Value code = select(cmpi(arith::CmpIPredicate::uge, exponent, i32(127)),
                        andi(normal, 0x1fu), subnormal);
    return ori(sign, code);
  }

  /// A 6-bit e2m3 code in an i32 -> its value.
  Value decodeFP6E2M3(Value code) { return decodeE2M(code, 3); }

  /// f32 -> bf16 bits in the low half of an i32, round to nearest even, NaN
  /// -> 0x7fc0 (convertF32ToBF16Bits).
  Value convertF32ToBF16Bits(Value value) {
    Value valueBits = bits(value);
    Value rounded = shr(
        addi(addi(valueBits, i32(0x7fffu)), andi(shr(valueBits, 16), 1u)), 16);
    return select(isNaN(value), i32(0x7fc0u), rounded);
  }

  /// `round_to_power_2` (utils/mxfp_utils.py) on a value of `valueType` (f32
  /// or bf16): add half of the element type's dropped mantissa, then keep
  /// only sign and exponent bits (roundToPowerOf2).
  Value roundToPowerOf2(Value value, FloatType valueType,
                        unsigned elemMantissaBits) {
    if (valueType.isBF16()) {
      Value rounded = addi(convertF32ToBF16Bits(value),
                           i32(1u << (7 - elemMantissaBits - 1)));
      return fromBits(shl(andi(rounded, 0xff80u), 16));
    }
    Value rounded = addi(bits(value), i32(1u << (23 - elemMantissaBits - 1)));
    return fromBits(andi(rounded, 0xff800000u));
  }

  /// `generate_mx_scales` (utils/mxfp_utils.py): the biased E8M0 exponent
  /// `127 + floor(log2(round_to_power_2(absMax))) - offset` as a float of
  /// `valueType`; -inf for absMax 0 (computeMXExponent). As there, the
  /// rounding keeps 3 mantissa bits for fp6 and 1 for fp4 and fp8.
  Value computeMXExponent(Value absMax, FloatType valueType, unsigned numBits) {
    unsigned elemMantissaBits = numBits == 6 ? 3 : 1;
    double offset = numBits == 8 ? 8.0 : 2.0;
    Value power = roundToPowerOf2(absMax, valueType, elemMantissaBits);
    // floor(log2(power)) of 0, a power of two or +Inf: the unbiased exponent.
    Value field = andi(shr(bits(power), 23), 0xffu);
    Value unbiased =
        arith::SIToFPOp::create(b, loc, f32Type, subi(field, i32(127)));
    constexpr double kInf = std::numeric_limits<double>::infinity();
    Value log2 =
        select(cmpi(arith::CmpIPredicate::eq, field, i32(0)), f32(-kInf),
               select(cmpi(arith::CmpIPredicate::eq, field, i32(255)),
                      f32(kInf), unbiased));
    return roundTo(sub(add(f32(127.0), log2), f32(offset)), valueType);
  }

  /// `maybe_convert_from_mx_exp` (utils/mxfp_utils.py): `2^(exponent - 127)`
  /// for an integral E8M0 exponent 0..255, the f32 with that biased exponent;
  /// 0 is the subnormal 2^-127 (convertMXExponentToScale).
  Value convertMXExponentToScale(Value exponent) {
    Value biased = arith::FPToSIOp::create(b, loc, i32Type, exponent);
    return fromBits(select(cmpi(arith::CmpIPredicate::eq, biased, i32(0)),
                           i32(0x00400000u), shl(biased, 23)));
  }

  /// An element of storage type `type` as an f32 value: integer codes,
  /// fp8/fp6/fp4 bit patterns and narrow floats.
  Value toF32(Value element, Type type) {
    if (isa<IntegerType>(type))
      return arith::SIToFPOp::create(b, loc, f32Type, element);
    if (isBitEncodedFloat(type)) {
      unsigned width = type.getIntOrFloatBitWidth();
      Value raw = arith::BitcastOp::create(b, loc, b.getIntegerType(width),
                                           element);
      Value code = arith::ExtUIOp::create(b, loc, i32Type, raw);
      if (width == 8)
        return decodeFP8E4M3FN(code);
      return width == 6 ? decodeFP6E2M3(code) : decodeFP4E2M1(code);
    }
    if (type.isF32())
      return element;
    return arith::ExtFOp::create(b, loc, f32Type, element);
  }

  /// An f32 value already on the grid of `type` stored as `type`. Integers
  /// take NaN as 0, as x86-64's cvttss2si-based `.to(int8)` does (fptosi of
  /// NaN is poison).
  Value fromF32(Value value, Type type) {
    if (auto intType = dyn_cast<IntegerType>(type)) {
      Value code = arith::FPToSIOp::create(b, loc, intType, value);
      Value zero = arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, 0));
      return select(isNaN(value), zero, code);
    }
    if (isBitEncodedFloat(type)) {
      unsigned width = type.getIntOrFloatBitWidth();
      Value code = width == 8   ? encodeFP8E4M3FN(value)
                   : width == 6 ? encodeFP6E2M3(value)
                                : encodeFP4E2M1(value);
      Value raw =
          arith::TruncIOp::create(b, loc, b.getIntegerType(width), code);
      return arith::BitcastOp::create(b, loc, type, raw);
    }
    if (type.isF32())
      return value;
    if (type.isBF16()) {
      Value raw = arith::TruncIOp::create(b, loc, b.getI16Type(),
                                          convertF32ToBF16Bits(value));
      return arith::BitcastOp::create(b, loc, type, raw);
    }
    return arith::TruncFOp::create(b, loc, type, value);
  }

  /// `round_to_quantized_type_dtype` without the cast back: clamp to the
  /// dtype's range, then round onto its grid (integers half to even).
  Value roundToQuantizedTypeDType(Value value, Type dtype) {
    if (auto intType = dyn_cast<IntegerType>(dtype)) {
      unsigned width = intType.getWidth();
      bool isUnsigned = intType.isUnsigned();
      double lo = isUnsigned ? 0.0 : -std::ldexp(1.0, width - 1);
      double hi = std::ldexp(1.0, isUnsigned ? width : width - 1) - 1.0;
      return roundEven(clampKeepingNaN(value, lo, hi));
    }
    double largest = getLargest(cast<FloatType>(dtype));
    return roundTo(clampKeepingNaN(value, -largest, largest), dtype);
  }

private:
  OpBuilder &b;
  Location loc;
  Type f32Type, i32Type;
};

} // namespace

//===----------------------------------------------------------------------===//
// Quantization formulas
//===----------------------------------------------------------------------===//

namespace {

/// The dtypes of one quantize / dequantize / fake_quantize, as torch
/// promotes them.
struct QuantDTypes {
  /// x (quantize, fake_quantize) or the codes (dequantize).
  Type input;
  FloatType scale;
  /// `scale / global_scale` (the scale itself without a global scale).
  FloatType effectiveScale;
  /// `x / scale`.
  FloatType division;
  Type zeroPoint;
  Type result;
};

/// Scalar operands of one element, as f32 values (zero point and global
/// scale null when absent).
struct QuantElement {
  Value x;
  Value scale;
  Value zeroPoint;
};

} // namespace

/// `scale / global_scale` in the promoted dtype (getEffectiveScale).
static Value getEffectiveScale(ScalarBuilder &sb, Value scale,
                               Value globalScale, FloatType type) {
  if (!globalScale)
    return scale;
  return sb.roundTo(sb.div(scale, globalScale), type);
}

/// One element of `_quantize` up to the grid value in the division dtype
/// (quantizeElement): divide, add the zero point, clamp, round.
/// With `encodedFP8`, an fp8 scheme stops at the clamped value, whose fp8
/// encoding is the code of the grid value (for the caller to encode once).
static Value quantizeToGrid(ScalarBuilder &sb, QuantSchemeAttr scheme,
                            const QuantDTypes &types,
                            const QuantElement &element,
                            bool encodedFP8 = false) {
  Value scaled =
      sb.roundTo(sb.div(element.x, element.scale), types.division);
  // Symmetric schemes still carry an all-zero zero point in the library
  // (initialize_qparams, compute_dynamic_scales_and_zp), and adding it turns
  // a -0.0 quotient into +0.0, which fp8 keeps (edge_inf_fp8_dynamic_*).
  Value zeroPoint = element.zeroPoint
                        ? sb.roundTo(element.zeroPoint, types.input)
                        : sb.f32(0.0);
  scaled = sb.roundTo(sb.add(scaled, zeroPoint), types.division);
  scaled = sb.clampKeepingNaN(scaled, scheme.getQMin(), scheme.getQMax());
  Value grid;
  if (scheme.getType() == QuantType::Int)
    grid = sb.roundEven(scaled);
  else if (scheme.getNumBits() == 8)
    grid = encodedFP8 ? scaled : sb.roundToFP8E4M3FN(scaled);
  else if (scheme.getNumBits() == 6)
    grid = sb.castToFP6E2M3(scaled);
  else
    grid = sb.castToFP4E2M1(scaled);
  return sb.roundTo(grid, types.division);
}

/// One element of `_dequantize`: `(q - zp) * scale` in the effective scale's
/// dtype (dequantizeElement).
static Value dequantizeValue(ScalarBuilder &sb, const QuantDTypes &types,
                             Value q, Value scale, Value zeroPoint) {
  FloatType type = types.effectiveScale;
  Value value = sb.roundTo(q, type);
  if (zeroPoint)
    value = sb.roundTo(sb.sub(value, sb.roundTo(zeroPoint, type)), type);
  return sb.roundTo(sb.mul(value, scale), type);
}

//===----------------------------------------------------------------------===//
// Strategy layouts
//===----------------------------------------------------------------------===//

static bool isGroupStrategy(QuantStrategy strategy) {
  return strategy == QuantStrategy::Group ||
         strategy == QuantStrategy::TensorGroup;
}

static SmallVector<utils::IteratorType> getParallelIterators(unsigned rank) {
  return SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel);
}

/// Indexing map of an operand of `shape` broadcast, torch style, against an
/// iteration space of rank `rank`, with the operand's last dimension aligned
/// to iteration dimension `alignEnd - 1`. Size-1 dimensions read index 0.
static AffineMap getBroadcastMap(MLIRContext *ctx, unsigned rank,
                                 ArrayRef<int64_t> shape, unsigned alignEnd) {
  SmallVector<AffineExpr> exprs;
  int64_t offset = static_cast<int64_t>(alignEnd) -
                   static_cast<int64_t>(shape.size());
  for (auto [index, size] : llvm::enumerate(shape)) {
    int64_t dim = offset + static_cast<int64_t>(index);
    exprs.push_back(size == 1 || dim < 0 ? getAffineConstantExpr(0, ctx)
                                         : getAffineDimExpr(dim, ctx));
  }
  return AffineMap::get(rank, 0, exprs, ctx);
}

/// `x.unflatten(-1, (C / g, g))` (_process_group).
static Value expandGroups(OpBuilder &b, Location loc, Value value,
                          int64_t groupSize) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape.back() /= groupSize;
  shape.push_back(groupSize);
  SmallVector<ReassociationIndices> reassociation;
  for (int64_t dim = 0, rank = type.getRank(); dim + 1 < rank; ++dim)
    reassociation.push_back({dim});
  reassociation.push_back({type.getRank() - 1, type.getRank()});
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), value,
      reassociation);
}

/// `output.flatten(start_dim=-2)`, the inverse of expandGroups.
static Value collapseGroups(OpBuilder &b, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<ReassociationIndices> reassociation;
  for (int64_t dim = 0, rank = type.getRank(); dim + 2 < rank; ++dim)
    reassociation.push_back({dim});
  reassociation.push_back({type.getRank() - 2, type.getRank() - 1});
  return tensor::CollapseShapeOp::create(b, loc, value, reassociation);
}

/// A block scale (or zero point) [ceil(R/bh), ceil(C/bw)] repeated over its
/// blocks and cropped to the input's [R, C]: the element-to-scale mapping of
/// `_process_block`, which pads x to whole blocks and crops the result.
static Value broadcastBlockParam(OpBuilder &b, Location loc, Value param,
                                 ArrayRef<int64_t> inputShape,
                                 ArrayRef<int64_t> block) {
  auto type = cast<RankedTensorType>(param.getType());
  MLIRContext *ctx = b.getContext();
  SmallVector<int64_t> blocked = {type.getDimSize(0), block[0],
                                  type.getDimSize(1), block[1]};
  Value init = tensor::EmptyOp::create(b, loc, blocked, type.getElementType());
  SmallVector<AffineMap> maps = {
      AffineMap::get(4, 0, {getAffineDimExpr(0, ctx), getAffineDimExpr(2, ctx)},
                     ctx),
      AffineMap::getMultiDimIdentityMap(4, ctx)};
  auto repeat = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, ValueRange{param}, ValueRange{init},
      maps, getParallelIterators(4),
      [](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, args[0]);
      });
  Value rows = tensor::CollapseShapeOp::create(
      b, loc, repeat.getResult(0),
      SmallVector<ReassociationIndices>{{0, 1}, {2, 3}});
  SmallVector<OpFoldResult> offsets(2, b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(inputShape[0]),
                                     b.getIndexAttr(inputShape[1])};
  SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, rows, offsets, sizes, strides);
}

/// Reshapes `value` to `shape`, which holds as many elements.
static Value reshapeTo(OpBuilder &b, Location loc, Value value,
                       ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getShape() == shape)
    return value;
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  // 0-d <-> all-ones shapes have no dimension to group.
  if (type.getRank() == 0)
    return tensor::ExpandShapeOp::create(
        b, loc, resultType, value, SmallVector<ReassociationIndices>{});
  if (shape.empty())
    return tensor::CollapseShapeOp::create(
        b, loc, resultType, value, SmallVector<ReassociationIndices>{});
  auto allDims = [](int64_t rank) {
    ReassociationIndices dims;
    for (int64_t dim = 0; dim < rank; ++dim)
      dims.push_back(dim);
    return SmallVector<ReassociationIndices>{dims};
  };
  Value flat = value;
  if (type.getRank() > 1)
    flat = tensor::CollapseShapeOp::create(b, loc, value,
                                           allDims(type.getRank()));
  if (shape.size() == 1)
    return flat;
  return tensor::ExpandShapeOp::create(b, loc, resultType, flat,
                                       allDims(shape.size()));
}

namespace {
/// Scalar operands of one element of a quantization op, as stored.
struct QuantOperands {
  Value input;
  Value scale;
  Value zeroPoint;
  Value globalScale;
};
} // namespace

/// The elementwise linalg.generic of a quantization op: each element of
/// `input` with the scale, zero point and global scale entries it belongs to
/// under the scheme's strategy; `body` computes the result element.
static Value
buildQuantGeneric(OpBuilder &b, Location loc, QuantSchemeAttr scheme,
                  Value input, Value scale, Value zeroPoint, Value globalScale,
                  Type resultElementType,
                  function_ref<Value(ScalarBuilder &, const QuantOperands &)>
                      body) {
  MLIRContext *ctx = b.getContext();
  auto inputType = cast<RankedTensorType>(input.getType());
  bool grouped = isGroupStrategy(scheme.getStrategy());
  if (scheme.getStrategy() == QuantStrategy::Block) {
    scale = broadcastBlockParam(b, loc, scale, inputType.getShape(),
                                scheme.getBlockStructure());
    if (zeroPoint)
      zeroPoint = broadcastBlockParam(b, loc, zeroPoint, inputType.getShape(),
                                      scheme.getBlockStructure());
  }
  Value view =
      grouped ? expandGroups(b, loc, input, *scheme.getGroupSize()) : input;
  auto viewType = cast<RankedTensorType>(view.getType());
  unsigned rank = viewType.getRank();
  // Group scales [..., C/g] line up with the [..., C/g, g] view without its
  // last dimension.
  unsigned alignEnd = grouped ? rank - 1 : rank;
  auto shapeOf = [](Value value) {
    return cast<RankedTensorType>(value.getType()).getShape();
  };

  SmallVector<Value> inputs = {view, scale};
  SmallVector<AffineMap> maps = {
      AffineMap::getMultiDimIdentityMap(rank, ctx),
      getBroadcastMap(ctx, rank, shapeOf(scale), alignEnd)};
  if (zeroPoint) {
    inputs.push_back(zeroPoint);
    maps.push_back(getBroadcastMap(ctx, rank, shapeOf(zeroPoint), alignEnd));
  }
  if (globalScale) {
    // One value: every index reads element 0.
    inputs.push_back(globalScale);
    maps.push_back(getBroadcastMap(ctx, rank, shapeOf(globalScale), 0));
  }
  // The result of a grouped view is created in the input's shape and
  // expanded: empty-tensor elimination then traces the collapsed result back
  // to an empty tensor of the returned type and computes it in the caller's
  // buffer, instead of a temporary copied out afterwards.
  Value init = tensor::EmptyOp::create(b, loc, inputType.getShape(),
                                       resultElementType);
  if (grouped)
    init = expandGroups(b, loc, init, *scheme.getGroupSize());
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));

  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
      getParallelIterators(rank),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        ScalarBuilder sb(nb, nloc);
        QuantOperands operands;
        operands.input = args[0];
        operands.scale = args[1];
        unsigned next = 2;
        if (zeroPoint)
          operands.zeroPoint = args[next++];
        if (globalScale)
          operands.globalScale = args[next++];
        linalg::YieldOp::create(nb, nloc, body(sb, operands));
      });
  Value result = generic.getResult(0);
  return grouped ? collapseGroups(b, loc, result) : result;
}

//===----------------------------------------------------------------------===//
// Supported schemes
//===----------------------------------------------------------------------===//

/// `type` quoted, as diagnostics print types.
static std::string typeToString(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << '\'' << type << '\'';
  return text;
}

/// Why the lowering cannot handle a quantization op with `scheme`, whose
/// float data (x, scales, float results) has element types `floats` and
/// whose zero point has `zeroPoint`; empty when it can.
static std::string getUnsupportedReason(Operation *op, QuantSchemeAttr scheme,
                                        ArrayRef<Type> floats,
                                        Type zeroPoint) {
  for (Type type : llvm::concat<Type>(llvm::to_vector(op->getOperandTypes()),
                                      llvm::to_vector(op->getResultTypes())))
    if (!cast<RankedTensorType>(type).hasStaticShape())
      return "has a dynamic shape " + typeToString(type) +
             "; ct-lower-quant expects static shapes";
  if (Type scaleDtype = scheme.getScaleDtype()) {
    auto intType = dyn_cast<IntegerType>(scaleDtype);
    bool valid = intType ? intType.getWidth() <= 8
                         : isComputeFloat(scaleDtype) ||
                               isa<Float8E4M3FNType>(scaleDtype);
    if (!valid)
      return "has scale_dtype " + typeToString(scaleDtype) +
             "; expected f32, bf16, f16, f8E4M3FN or an integer of at most 8 "
             "bits (ui8 for MX E8M0 exponents)";
  }
  for (Type type : floats)
    if (!isComputeFloat(type))
      return "has element type " + typeToString(type) +
             " for data or scales; expected f32, bf16 or f16";
  if (zeroPoint) {
    auto intType = dyn_cast<IntegerType>(zeroPoint);
    bool valid = intType ? intType.isSignless() && intType.getWidth() <= 32
                         : isComputeFloat(zeroPoint) ||
                               isa<Float8E4M3FNType>(zeroPoint);
    if (!valid)
      return "has zero point element type " + typeToString(zeroPoint) +
             "; expected a signless integer of at most 32 bits, f32, bf16, "
             "f16 or f8E4M3FN";
  }
  return "";
}

static Type getElementTypeOrNull(Value value) {
  return value ? cast<RankedTensorType>(value.getType()).getElementType()
               : Type();
}

static std::string getUnsupportedReason(CalculateQParamsOp op) {
  Type dataType = op.getInput().getType().getElementType();
  SmallVector<Type> floats = {dataType,
                              op.getScale().getType().getElementType()};
  if (Value globalScale = op.getGlobalScale())
    floats.push_back(getElementTypeOrNull(globalScale));
  std::string reason = getUnsupportedReason(
      op, op.getScheme(), floats, getElementTypeOrNull(op.getZeroPoint()));
  // round_to_power_2 is written for the bits of f32 and bf16 values.
  if (reason.empty() && isMXScheme(op.getScheme()) && dataType.isF16())
    return "computes MX scales of f16 data; expected f32 or bf16";
  return reason;
}

/// quantize, dequantize and fake_quantize: every float tensor but the codes.
template <typename OpTy>
static std::string getUnsupportedQuantOpReason(OpTy op) {
  SmallVector<Type> floats = {op.getScale().getType().getElementType()};
  if (!std::is_same_v<OpTy, DequantizeOp>)
    floats.push_back(op.getInput().getType().getElementType());
  if (!std::is_same_v<OpTy, QuantizeOp>)
    floats.push_back(op.getResult().getType().getElementType());
  if (Value globalScale = op.getGlobalScale())
    floats.push_back(getElementTypeOrNull(globalScale));
  return getUnsupportedReason(op, op.getScheme(), floats,
                              getElementTypeOrNull(op.getZeroPoint()));
}

static std::string getUnsupportedReason(Operation *op) {
  if (auto qparams = dyn_cast<CalculateQParamsOp>(op))
    return getUnsupportedReason(qparams);
  if (auto quantize = dyn_cast<QuantizeOp>(op))
    return getUnsupportedQuantOpReason(quantize);
  if (auto dequantize = dyn_cast<DequantizeOp>(op))
    return getUnsupportedQuantOpReason(dequantize);
  if (auto fakeQuantize = dyn_cast<FakeQuantizeOp>(op))
    return getUnsupportedQuantOpReason(fakeQuantize);
  return "";
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

/// The dtypes of a quantize / dequantize / fake_quantize.
template <typename OpTy>
static QuantDTypes getQuantDTypes(OpTy op) {
  QuantDTypes types;
  types.input = op.getInput().getType().getElementType();
  types.scale = cast<FloatType>(op.getScale().getType().getElementType());
  types.effectiveScale = types.scale;
  if (Value globalScale = op.getGlobalScale())
    types.effectiveScale = promoteFloatTypes(
        types.scale, cast<FloatType>(getElementTypeOrNull(globalScale)));
  auto inputFloat = dyn_cast<FloatType>(types.input);
  types.division = inputFloat && isComputeFloat(inputFloat)
                       ? promoteFloatTypes(inputFloat, types.effectiveScale)
                       : types.effectiveScale;
  types.zeroPoint = getElementTypeOrNull(op.getZeroPoint());
  types.result = op.getResult().getType().getElementType();
  return types;
}

/// The f32 effective scale and zero point of one element.
static QuantElement getElement(ScalarBuilder &sb, const QuantDTypes &types,
                               const QuantOperands &operands) {
  QuantElement element;
  element.x = sb.toF32(operands.input, types.input);
  Value scale = sb.toF32(operands.scale, types.scale);
  Value globalScale =
      operands.globalScale
          ? sb.toF32(operands.globalScale,
                     operands.globalScale.getType())
          : Value();
  element.scale =
      getEffectiveScale(sb, scale, globalScale, types.effectiveScale);
  if (operands.zeroPoint)
    element.zeroPoint = sb.toF32(operands.zeroPoint, types.zeroPoint);
  return element;
}

namespace {

template <typename OpTy>
struct QuantOpLowering : public OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    std::string reason = getUnsupportedQuantOpReason(op);
    if (!reason.empty())
      return rewriter.notifyMatchFailure(op, reason);
    QuantSchemeAttr scheme = op.getScheme();
    QuantDTypes types = getQuantDTypes(op);
    Value result = buildQuantGeneric(
        rewriter, op.getLoc(), scheme, op.getInput(), op.getScale(),
        op.getZeroPoint(), op.getGlobalScale(), types.result,
        [&](ScalarBuilder &sb, const QuantOperands &operands) {
          QuantElement element = getElement(sb, types, operands);
          return computeElement(sb, scheme, types, element);
        });
    rewriter.replaceOp(op, result);
    return success();
  }

  static Value computeElement(ScalarBuilder &sb, QuantSchemeAttr scheme,
                              const QuantDTypes &types,
                              const QuantElement &element);
};

/// `quantize(x, ..., dtype=storage)`: the grid value stored as the code.
template <>
Value QuantOpLowering<QuantizeOp>::computeElement(
    ScalarBuilder &sb, QuantSchemeAttr scheme, const QuantDTypes &types,
    const QuantElement &element) {
  // fp8 codes in f32 math: the grid value is decode(encode(clamped)) and the
  // stored code encode(grid), which is encode(clamped) again (the encoding
  // is idempotent on its own results, NaN with its sign included), so the
  // code is encoded once.
  if (isa<Float8E4M3FNType>(types.result) && types.division.isF32() &&
      scheme.isFloat() && scheme.getNumBits() == 8)
    return sb.fromF32(quantizeToGrid(sb, scheme, types, element,
                                     /*encodedFP8=*/true),
                      types.result);
  return sb.fromF32(quantizeToGrid(sb, scheme, types, element), types.result);
}

/// `dequantize`: the decoded code scaled, cast to the result dtype.
template <>
Value QuantOpLowering<DequantizeOp>::computeElement(
    ScalarBuilder &sb, QuantSchemeAttr, const QuantDTypes &types,
    const QuantElement &element) {
  Value value = dequantizeValue(sb, types, element.x, element.scale,
                                element.zeroPoint);
  return sb.fromF32(value, types.result);
}

/// `fake_quantize` (`_quantize_dequantize`): both steps on the same scale.
template <>
Value QuantOpLowering<FakeQuantizeOp>::computeElement(
    ScalarBuilder &sb, QuantSchemeAttr scheme, const QuantDTypes &types,
    const QuantElement &element) {
  Value grid = quantizeToGrid(sb, scheme, types, element);
  Value value =
      dequantizeValue(sb, types, grid, element.scale, element.zeroPoint);
  return sb.fromF32(value, types.result);
}

} // namespace

/// `[min, max]` over every dimension but `kept` of `inputs`: one tensor
/// (both reductions read it) or a [min, max] pair of partial results.
/// NaN-propagating as torch.amin / amax, in f32 (exact for every supported
/// dtype).
static std::pair<Value, Value> reduceMinMax(OpBuilder &b, Location loc,
                                            ValueRange inputs,
                                            ArrayRef<int64_t> kept) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(inputs[0].getType());
  unsigned rank = type.getRank();
  SmallVector<int64_t> keptShape;
  SmallVector<AffineExpr> keptExprs;
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::reduction);
  for (int64_t dim : kept) {
    keptShape.push_back(type.getDimSize(dim));
    keptExprs.push_back(getAffineDimExpr(dim, ctx));
    iterators[dim] = utils::IteratorType::parallel;
  }
  Type f32 = b.getF32Type();
  Value empty = tensor::EmptyOp::create(b, loc, keptShape, f32);
  auto fill = [&](double value) {
    Value constant =
        arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
    return linalg::FillOp::create(b, loc, ValueRange{constant},
                                  ValueRange{empty})
        ->getResult(0);
  };
  Value minInit = fill(std::numeric_limits<double>::infinity());
  Value maxInit = fill(-std::numeric_limits<double>::infinity());
  AffineMap keptMap = AffineMap::get(rank, 0, keptExprs, ctx);
  SmallVector<AffineMap> maps(inputs.size(),
                              AffineMap::getMultiDimIdentityMap(rank, ctx));
  maps.append({keptMap, keptMap});
  unsigned numInputs = inputs.size();
  auto reduce = linalg::GenericOp::create(
      b, loc, TypeRange{minInit.getType(), maxInit.getType()}, inputs,
      ValueRange{minInit, maxInit}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        ScalarBuilder sb(nb, nloc);
        Value lo = sb.toF32(args[0], args[0].getType());
        Value hi = numInputs == 1 ? lo : args[1];
        Value min = arith::MinimumFOp::create(nb, nloc, args[numInputs], lo);
        Value max = arith::MaximumFOp::create(nb, nloc, args[numInputs + 1], hi);
        linalg::YieldOp::create(nb, nloc, ValueRange{min, max});
      });
  return {reduce.getResult(0), reduce.getResult(1)};
}

/// `[min, max]` of `view` over every dimension but `kept`. A reduced
/// innermost dimension is split into lanes that are reduced separately and
/// combined at the end: the loop over lanes has no carried dependence, so it
/// vectorizes (min/max are associative, NaN-propagating ones included).
static std::pair<Value, Value> buildMinMax(OpBuilder &b, Location loc,
                                           Value view,
                                           ArrayRef<int64_t> kept) {
  // 64 lanes where the dimension allows: LLVM fully unrolls a 16-iteration
  // lane loop before the loop vectorizer runs, and the SLP vectorizer leaves
  // the unrolled NaN-propagating min/max scalar; a 64-lane loop stays a loop
  // and vectorizes (four independent vector accumulators).
  auto type = cast<RankedTensorType>(view.getType());
  int64_t last = type.getRank() - 1;
  if (last < 0 || llvm::is_contained(kept, last))
    return reduceMinMax(b, loc, view, kept);
  int64_t kLanes = type.getDimSize(last) % 64 == 0 ? 64 : 16;
  if (type.getDimSize(last) % kLanes != 0)
    return reduceMinMax(b, loc, view, kept);
  Value lanes = expandGroups(b, loc, view, kLanes);
  SmallVector<int64_t> keptWithLanes(kept);
  keptWithLanes.push_back(last + 1);
  auto [partialMin, partialMax] = reduceMinMax(b, loc, lanes, keptWithLanes);
  SmallVector<int64_t> keptPartial;
  for (int64_t dim = 0, e = kept.size(); dim < e; ++dim)
    keptPartial.push_back(dim);
  return reduceMinMax(b, loc, ValueRange{partialMin, partialMax},
                      keptPartial);
}

/// Scale and zero point of one entry from its min and max
/// (calculateQParams / the library's `calculate_qparams`).
static SmallVector<Value>
computeQParams(ScalarBuilder &sb, QuantSchemeAttr scheme, FloatType dataType,
               FloatType scaleType, Type zeroPointType, bool isZeroDim,
               Value minValue, Value maxValue, Value globalScale) {
  double qmin = scheme.getQMin(), qmax = scheme.getQMax();
  // bit_range is an f32 0-d tensor, cast to the data dtype before dividing.
  double range = roundConstant(qmax - qmin, dataType);
  double halfRange = roundConstant(range / 2.0, dataType);
  Type scaleDtype = scheme.getScaleDtype();
  bool isMX = isMXScheme(scheme);
  double epsilon =
      roundConstant(getEpsilon(scaleDtype ? scaleDtype : scaleType), scaleType);

  Value lo = sb.minWithZeroKeepingNaN(minValue);
  Value hi = sb.maxWithZeroKeepingNaN(maxValue);
  Value scale, zeroPoint;
  if (scheme.getSymmetric()) {
    Value absMax = sb.maximumf(sb.absf(lo), sb.absf(hi));
    scale = isMX ? sb.computeMXExponent(absMax, dataType, scheme.getNumBits())
                 : sb.roundTo(sb.div(absMax, sb.f32(halfRange)), dataType);
  } else {
    scale = sb.roundTo(
        sb.div(sb.roundTo(sb.sub(hi, lo), dataType), sb.f32(range)), dataType);
    // With the scale before the epsilon replacement: 0/0 gives NaN. The f32
    // bit_min takes part in type promotion of 0-d operands only.
    Value ratio = sb.roundTo(sb.div(lo, scale), dataType);
    Type zeroPointMathType = isZeroDim ? sb.getF32Type() : Type(dataType);
    zeroPoint = sb.clampKeepingNaN(
        sb.roundTo(sb.sub(sb.f32(qmin), ratio), zeroPointMathType), qmin,
        qmax);
  }
  if (globalScale)
    scale = sb.roundTo(sb.mul(globalScale, scale), scaleType);
  if (scaleDtype) {
    Value rounded = sb.roundToQuantizedTypeDType(scale, scaleDtype);
    // The cast to an integer scale dtype takes NaN to 0 (castToDType).
    if (isa<IntegerType>(scaleDtype))
      rounded = sb.select(sb.isNaN(rounded), sb.f32(0.0), rounded);
    scale = sb.roundTo(rounded, scaleType);
  }
  if (isMX)
    scale = sb.roundTo(sb.convertMXExponentToScale(scale), scaleType);
  Value isZero = sb.cmpf(arith::CmpFPredicate::OEQ, scale, sb.f32(0.0));
  scale = sb.select(isZero, sb.f32(epsilon), scale);

  SmallVector<Value> results = {sb.fromF32(scale, scaleType)};
  if (zeroPointType)
    results.push_back(sb.fromF32(
        sb.roundToQuantizedTypeDType(zeroPoint, zeroPointType), zeroPointType));
  return results;
}

namespace {

struct CalculateQParamsLowering : public OpRewritePattern<CalculateQParamsOp> {
  CalculateQParamsLowering(MLIRContext *ctx, MinMaxBuilder targetMinMax)
      : OpRewritePattern(ctx), targetMinMax(std::move(targetMinMax)) {}

  LogicalResult matchAndRewrite(CalculateQParamsOp op,
                                PatternRewriter &rewriter) const override {
    std::string reason = getUnsupportedReason(op);
    if (!reason.empty())
      return rewriter.notifyMatchFailure(op, reason);
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    QuantSchemeAttr scheme = op.getScheme();
    RankedTensorType inputType = op.getInput().getType();
    auto dataType = cast<FloatType>(inputType.getElementType());
    ArrayRef<int64_t> shape = inputType.getShape();
    int64_t rank = inputType.getRank();

    // The observed tensor as the strategy views it, and the dimensions each
    // min/max keeps (the observers' and compute_dynamic_scales_and_zp's
    // reductions).
    Value view = op.getInput();
    SmallVector<int64_t> kept;
    bool isZeroDim = false;
    switch (scheme.getStrategy()) {
    case QuantStrategy::Tensor:
      isZeroDim = true;
      break;
    case QuantStrategy::Token:
      // Dims 0 and 1 kept; for rank <= 2 that reduces nothing and the library
      // falls back to aminmax of the whole tensor.
      if (rank <= 2)
        isZeroDim = true;
      else
        kept = {0, 1};
      break;
    case QuantStrategy::Channel:
      for (int64_t dim = 0; dim + 1 < rank; ++dim)
        kept.push_back(dim);
      break;
    case QuantStrategy::Group:
    case QuantStrategy::TensorGroup:
      view = expandGroups(rewriter, loc, view, *scheme.getGroupSize());
      for (int64_t dim = 0; dim < rank; ++dim)
        kept.push_back(dim);
      break;
    case QuantStrategy::Block: {
      // maybe_pad_tensor_for_block_quant: zeros never change the range,
      // which always includes 0.
      ArrayRef<int64_t> block = scheme.getBlockStructure();
      int64_t rowBlocks = llvm::divideCeil(shape[0], block[0]);
      int64_t colBlocks = llvm::divideCeil(shape[1], block[1]);
      SmallVector<int64_t> padded = {rowBlocks * block[0],
                                     colBlocks * block[1]};
      if (ArrayRef<int64_t>(padded) != shape) {
        Value zero = arith::ConstantOp::create(
            rewriter, loc, rewriter.getFloatAttr(dataType, 0.0));
        view = tensor::createPadHighOp(
            RankedTensorType::get(padded, dataType), view, zero,
            /*nofold=*/false, loc, rewriter);
      }
      view = tensor::ExpandShapeOp::create(
          rewriter, loc,
          RankedTensorType::get({rowBlocks, block[0], colBlocks, block[1]},
                                dataType),
          view, SmallVector<ReassociationIndices>{{0, 1}, {2, 3}});
      kept = {0, 2};
      break;
    }
    case QuantStrategy::AttnHead:
      kept = {rank - 3};
      break;
    }
    std::optional<std::pair<Value, Value>> minMax;
    if (targetMinMax)
      minMax = targetMinMax(rewriter, loc, view, kept);
    if (!minMax)
      minMax = buildMinMax(rewriter, loc, view, kept);
    auto [minTensor, maxTensor] = *minMax;

    RankedTensorType scaleType = op.getScale().getType();
    ArrayRef<int64_t> scaleShape = scaleType.getShape();
    minTensor = reshapeTo(rewriter, loc, minTensor, scaleShape);
    maxTensor = reshapeTo(rewriter, loc, maxTensor, scaleShape);

    unsigned scaleRank = scaleType.getRank();
    AffineMap identity = AffineMap::getMultiDimIdentityMap(scaleRank, ctx);
    SmallVector<Value> inputs = {minTensor, maxTensor};
    SmallVector<AffineMap> maps = {identity, identity};
    Value globalScale = op.getGlobalScale();
    if (globalScale) {
      inputs.push_back(globalScale);
      maps.push_back(getBroadcastMap(
          ctx, scaleRank,
          cast<RankedTensorType>(globalScale.getType()).getShape(), 0));
    }
    SmallVector<Value> inits = {tensor::EmptyOp::create(
        rewriter, loc, scaleShape, scaleType.getElementType())};
    Type zeroPointType = getElementTypeOrNull(op.getZeroPoint());
    if (zeroPointType)
      inits.push_back(
          tensor::EmptyOp::create(rewriter, loc, scaleShape, zeroPointType));
    maps.append(inits.size(), identity);

    auto generic = linalg::GenericOp::create(
        rewriter, loc, op->getResultTypes(), inputs, inits, maps,
        getParallelIterators(scaleRank),
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          ScalarBuilder sb(nb, nloc);
          Value global =
              globalScale ? sb.toF32(args[2], getElementTypeOrNull(globalScale))
                          : Value();
          SmallVector<Value> results = computeQParams(
              sb, scheme, dataType,
              cast<FloatType>(scaleType.getElementType()), zeroPointType,
              isZeroDim, args[0], args[1], global);
          linalg::YieldOp::create(nb, nloc, results);
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }

  MinMaxBuilder targetMinMax;
};

struct LowerQuantPass : public ct::impl::LowerQuantBase<LowerQuantPass> {
  void runOnOperation() override {
    // Report every op the patterns would leave alone, with the reason.
    bool unsupported = false;
    getOperation().walk([&](Operation *op) {
      std::string reason = getUnsupportedReason(op);
      if (reason.empty())
        return;
      op->emitOpError() << reason;
      unsupported = true;
    });
    if (unsupported)
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    populateLowerQuantPatterns(patterns);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace

Value ct::convertQuantElementToF32(OpBuilder &b, Location loc,
                                   Value element) {
  return ScalarBuilder(b, loc).toF32(element, element.getType());
}

void ct::populateLowerQuantPatterns(RewritePatternSet &patterns,
                                    MinMaxBuilder buildMinMax) {
  patterns.add<CalculateQParamsLowering>(patterns.getContext(),
                                         std::move(buildMinMax));
  patterns.add<QuantOpLowering<QuantizeOp>, QuantOpLowering<DequantizeOp>,
               QuantOpLowering<FakeQuantizeOp>>(patterns.getContext());
}
