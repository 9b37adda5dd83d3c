// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// The reference numerics of compressed-tensors quantization (0.20.1 on torch
// 2.15, CPU), without MLIR. The quantization lowerings emit the same formulas
// as arith ops, so every scalar block below is written as the integer / bit
// sequence a lowering can vectorize, and every tensor-level function models
// the exact sequence of torch ops the library runs, including the dtype each
// intermediate is rounded to (bf16 ops compute in f32 and round after every
// op, as torch does on CPU). docs/numerics.md explains the quirks reproduced
// here; the golden data in test/Integration/CPU/golden/quant pins them down.

#ifndef CT_SUPPORT_QUANTREFERENCE_H
#define CT_SUPPORT_QUANTREFERENCE_H

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace ct::quant {

//===----------------------------------------------------------------------===//
// Scalar building blocks
//===----------------------------------------------------------------------===//

/// The torch dtypes quantization touches. Values of every dtype are held in a
/// float, which represents all of them exactly.
enum class DType { F32, BF16, FP8E4M3FN, Int8, UInt8 };

/// f32 -> bf16 bits, round to nearest even, NaN -> 0x7fc0
/// (c10::detail::round_to_nearest_even).
uint16_t convertF32ToBF16Bits(float value);
/// bf16 bits -> f32 (exact: the upper half of an f32).
float convertBF16BitsToF32(uint16_t bits);

/// f32 -> float8_e4m3fn bits, round to nearest even, subnormals kept, NaN ->
/// 0x7f with the sign kept; finite overflow and +-Inf saturate to +-448, as
/// torch 2.15's CPU cast does (c10::detail::fp8e4m3fn_from_fp32_value).
uint8_t convertF32ToFP8E4M3FNBits(float value);
/// float8_e4m3fn bits -> f32 (exact); 0x7f / 0xff are NaN.
float convertFP8E4M3FNBitsToF32(uint8_t bits);

/// `torch.round`: round half to even, keeping -0.0, NaN and +-Inf.
float roundHalfToEven(float value);

/// `tensor.to(dtype)` on x86-64 CPU, returned as a float: RNE for bf16 and
/// fp8, truncation for integers where NaN, +-Inf and values beyond 2^31 give 0
/// (cvttss2si's 0x80000000, truncated) and other values wrap modulo 256.
float castToDType(float value, DType dtype);

/// `cast_to_fp4` (utils/fp4_utils.py): `sign(x) * bucket(|x|)` onto the e2m1
/// grid {0, 0.5, 1, 1.5, 2, 3, 4, 6}, ties to the even mantissa, saturating at
/// 6. `sign` is torch.sign, 0 for +-0 and NaN: -0.0 gives +0.0, -0.1 gives
/// -0.0, NaN stays NaN.
float castToFP4E2M1(float value);
/// An e2m1 grid value -> its 4-bit code (sign in bit 3, two exponent bits with
/// bias 1, one mantissa bit), as packed by NVFP4 checkpoints.
uint8_t encodeFP4E2M1(float gridValue);
/// A 4-bit e2m1 code -> its value.
float decodeFP4E2M1(uint8_t code);

/// `cast_to_fp6` (utils/fp6_utils.py): `round(|x| / step) * step` with step
/// 2^(max(exponent, 0) - 3), saturating at 7.5, sign copied from x.
float castToFP6E2M3(float value);

/// `round_to_power_2` (utils/mxfp_utils.py) on a value of dtype `valueType`
/// (F32 or BF16): add half of the element type's dropped mantissa, then keep
/// only sign and exponent bits.
float roundToPowerOf2(float value, DType valueType, unsigned elemMantissaBits);
/// `generate_mx_scales`: the biased E8M0 exponent
/// `127 + floor(log2(round_to_power_2(absMax))) - offset` (offset 2 for fp4 and
/// fp6, 8 for fp8) as a float of `valueType`; -inf for absMax 0.
float computeMXExponent(float absMax, DType valueType, unsigned numBits);
/// `maybe_convert_from_mx_exp`: `2^(exponent - 127)` in f32 for an E8M0
/// exponent 0..255 (0 -> 2^-127, 255 -> +Inf).
float convertMXExponentToScale(float exponent);

/// `_get_dtype_eps`: what replaces a zero scale of dtype `dtype`.
float getScaleEpsilon(DType dtype);

//===----------------------------------------------------------------------===//
// Schemes and tensors
//===----------------------------------------------------------------------===//

enum class QuantType { Int, Float };

/// `QuantizationStrategy`.
enum class QuantStrategy {
  Tensor,
  Channel,
  Group,
  Block,
  Token,
  TensorGroup,
  AttnHead
};

/// `QuantizationArgs.dynamic`: static parameters, parameters computed from
/// each tensor at run time, or ("local", tensor_group only) a static global
/// scale with run-time local scales.
enum class DynamicMode { Static, Dynamic, Local };

/// The numerics-relevant fields of `QuantizationArgs`, as the library resolves
/// them (observers live in llm-compressor and are not modelled).
struct QuantScheme {
  unsigned numBits = 8;
  QuantType type = QuantType::Int;
  bool symmetric = true;
  QuantStrategy strategy = QuantStrategy::Tensor;
  /// Group and tensor_group only.
  int64_t groupSize = 0;
  /// Block only: {rows, columns}.
  std::array<int64_t, 2> blockStructure = {0, 0};
  DynamicMode dynamic = DynamicMode::Static;
  /// FP8E4M3FN for NVFP4, UInt8 (E8M0 exponents) for MX.
  std::optional<DType> scaleDtype;
  /// Int8 for int schemes, FP8E4M3FN for float schemes, UInt8 for MX.
  DType zeroPointDtype = DType::Int8;

  /// `should_generate_mx_scales`: float 4/6/8 bits, group size 32 and uint8
  /// scales.
  bool isMX() const;
  /// `calculate_range`: int [-2^(b-1), 2^(b-1) - 1]; float e4m3 +-448, e2m3
  /// +-7.5, e2m1 +-6.
  float getQMin() const;
  float getQMax() const;
};

/// A tensor of one of the DTypes, C order. An empty shape is a 0-d tensor:
/// torch's type promotion treats those differently, and the library produces
/// them for whole-tensor reductions.
struct Tensor {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<float> values;

  int64_t getNumElements() const;
};

//===----------------------------------------------------------------------===//
// Tensor-level reference
//===----------------------------------------------------------------------===//

/// Min and max per scale entry, in the dtype of the observed tensor.
struct MinMax {
  Tensor min;
  Tensor max;
};

/// The reduction behind each scale entry, NaN-propagating like torch.amin /
/// amax: tensor -> 0-d (`aminmax`); channel -> (..., R, 1); group and
/// tensor_group -> (..., C / groupSize); block -> (ceil(R/bh), ceil(C/bw)) of a
/// 2-D tensor; token -> dims 0 and 1 kept, the rest reduced to
/// 1 (0-d for rank <= 2: `compute_dynamic_scales_and_zp` falls back to
/// `aminmax`); attn_head -> (H, 1, 1) with H = shape[-3]. Dynamic schemes use
/// `compute_dynamic_scales_and_zp`'s reductions, static ones those of a
/// memoryless min-max observer with `initialize_qparams`' shapes; they agree
/// wherever both exist.
MinMax reduceMinMax(const Tensor &x, const QuantScheme &scheme);

/// Scale, zero point and optional global scale, as the library passes them to
/// `quantize` / `dequantize` / `fake_quantize`.
struct QuantParams {
  Tensor scale;
  /// Absent: the library's `zero_point=None`.
  std::optional<Tensor> zeroPoint;
  /// Tensor_group with a static (or "local") global scale: f32, shape (1,).
  std::optional<Tensor> globalScale;
};

/// `calculate_qparams(min, max, args, global_scale)`. The scale keeps the
/// min/max dtype (f32 once multiplied by a global scale); the zero point is of
/// `scheme.zeroPointDtype`. 0-d min/max give shape (1,) results.
QuantParams calculateQParams(const MinMax &minMax, const QuantScheme &scheme,
                             std::optional<Tensor> globalScale = std::nullopt);

/// `reduceMinMax` then `calculateQParams`: the scales a static observer or
/// `compute_dynamic_scales_and_zp` produces for `x`.
QuantParams computeQParams(const Tensor &x, const QuantScheme &scheme,
                           std::optional<Tensor> globalScale = std::nullopt);

/// `generate_gparam(*aminmax(x))`: `448 * 6 / clamp(absmax, tiny)` in x's
/// dtype, NaN and +-Inf replaced by 1, as an f32 tensor of shape (1,).
Tensor generateGlobalScale(const Tensor &x);

/// `quantize(x, scale, zp, args, dtype, global_scale)`: codes on the scheme's
/// grid. Without `dtype` they are floats in the dtype of `x / scale` (group
/// strategies: x's dtype); with it, cast to it (Int8, FP8E4M3FN).
Tensor quantize(const Tensor &x, const QuantParams &params,
                const QuantScheme &scheme,
                std::optional<DType> dtype = std::nullopt);

/// `dequantize(q, scale, zp, args, dtype, global_scale)`: `(q - zp) * scale`
/// in the scale's dtype. Only group strategies honour `dtype` (defaulting to
/// the scale's dtype): the library's `_apply_quantize_op` drops it otherwise.
Tensor dequantize(const Tensor &q, const QuantParams &params,
                  const QuantScheme &scheme,
                  std::optional<DType> dtype = std::nullopt);

/// `fake_quantize(x, scale, zp, args, global_scale)` (the `forward_quantize`
/// runtime path): `_quantize_dequantize`, in the scale's dtype, except group
/// strategies, which return x's dtype.
Tensor fakeQuantize(const Tensor &x, const QuantParams &params,
                    const QuantScheme &scheme);

} // namespace ct::quant

#endif // CT_SUPPORT_QUANTREFERENCE_H
