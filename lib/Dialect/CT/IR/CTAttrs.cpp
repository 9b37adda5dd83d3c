// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// #ct.quant: parsing, printing and the verifier that mirrors the validators of
// compressed-tensors `QuantizationArgs` (quant_args.py, validate_model_after).

#include "ct/Dialect/CT/IR/CTAttrs.h"
#include "ct/Dialect/CT/IR/CTDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace ct;

#include "ct/Dialect/CT/IR/CTEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "ct/Dialect/CT/IR/CTAttrs.cpp.inc"

void CTDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "ct/Dialect/CT/IR/CTAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Syntax: #ct.quant<int8, group = 128, asymmetric, dynamic, scale_dtype = bf16>
//===----------------------------------------------------------------------===//

Attribute QuantSchemeAttr::parse(AsmParser &parser, Type) {
  MLIRContext *ctx = parser.getContext();
  if (parser.parseLess())
    return {};

  // Element kind and width: int<N> or float<N> spelled as one keyword.
  SMLoc kindLoc = parser.getCurrentLocation();
  StringRef kind;
  if (parser.parseKeyword(&kind))
    return {};
  QuantType type;
  StringRef digits;
  if (kind.consume_front("int")) {
    type = QuantType::Int;
    digits = kind;
  } else if (kind.consume_front("float")) {
    type = QuantType::Float;
    digits = kind;
  } else {
    parser.emitError(kindLoc, "expected the quantized kind as int<N> or "
                              "float<N> (e.g. int8, int4, float8), got '")
        << kind << "'";
    return {};
  }
  unsigned numBits;
  if (digits.empty() || digits.getAsInteger(10, numBits)) {
    parser.emitError(kindLoc, "expected a bit width after '")
        << (type == QuantType::Int ? "int" : "float") << "'";
    return {};
  }

  bool symmetric = true;
  std::optional<QuantStrategy> strategy;
  std::optional<int64_t> groupSize;
  SmallVector<int64_t> block;
  QuantDynamic dynamic = QuantDynamic::Static;
  Type scaleDtype, zpDtype;

  auto setStrategy = [&](SMLoc loc, QuantStrategy s) -> ParseResult {
    if (strategy)
      return parser.emitError(loc, "a scheme has one strategy; '")
             << stringifyQuantStrategy(s) << "' follows '"
             << stringifyQuantStrategy(*strategy) << "'";
    strategy = s;
    return success();
  };

  while (succeeded(parser.parseOptionalComma())) {
    SMLoc loc = parser.getCurrentLocation();
    StringRef key;
    if (parser.parseKeyword(&key))
      return {};
    if (key == "tensor" || key == "channel" || key == "token" ||
        key == "attn_head") {
      if (setStrategy(loc, *symbolizeQuantStrategy(key)))
        return {};
    } else if (key == "group" || key == "tensor_group") {
      int64_t size;
      if (setStrategy(loc, *symbolizeQuantStrategy(key)) || parser.parseEqual() ||
          parser.parseInteger(size))
        return {};
      groupSize = size;
    } else if (key == "block") {
      if (setStrategy(loc, QuantStrategy::Block) || parser.parseEqual() ||
          parser.parseCommaSeparatedList(
              AsmParser::Delimiter::Square, [&]() -> ParseResult {
                return parser.parseInteger(block.emplace_back());
              }))
        return {};
    } else if (key == "symmetric") {
      symmetric = true;
    } else if (key == "asymmetric") {
      symmetric = false;
    } else if (key == "dynamic") {
      dynamic = QuantDynamic::Dynamic;
      if (succeeded(parser.parseOptionalEqual())) {
        if (succeeded(parser.parseOptionalKeyword("local"))) {
          dynamic = QuantDynamic::Local;
        } else {
          parser.emitError(parser.getCurrentLocation(),
                           "expected 'local' after 'dynamic ='");
          return {};
        }
      }
    } else if (key == "scale_dtype" || key == "zp_dtype") {
      Type &slot = key == "scale_dtype" ? scaleDtype : zpDtype;
      if (parser.parseEqual() || parser.parseType(slot))
        return {};
    } else {
      parser.emitError(loc, "unknown quantization field '")
          << key
          << "'; expected a strategy (tensor, channel, token, attn_head, "
             "group = N, tensor_group = N, block = [R, C]), symmetric, "
             "asymmetric, dynamic, dynamic = local, scale_dtype = T or "
             "zp_dtype = T";
      return {};
    }
  }
  if (parser.parseGreater())
    return {};

  // The library infers `tensor` when neither a strategy nor a group size is
  // given; group sizes only appear together with their strategy here.
  return parser.getChecked<QuantSchemeAttr>(
      ctx, numBits, type, symmetric, strategy.value_or(QuantStrategy::Tensor),
      groupSize, block, dynamic, scaleDtype, zpDtype);
}

void QuantSchemeAttr::print(AsmPrinter &printer) const {
  printer << '<' << stringifyQuantType(getType()) << getNumBits();
  switch (getStrategy()) {
  case QuantStrategy::Tensor:
    break;
  case QuantStrategy::Group:
  case QuantStrategy::TensorGroup:
    printer << ", " << stringifyQuantStrategy(getStrategy()) << " = "
            << getGroupSize().value_or(0);
    break;
  case QuantStrategy::Block:
    printer << ", block = [";
    llvm::interleaveComma(getBlockStructure(), printer);
    printer << ']';
    break;
  default:
    printer << ", " << stringifyQuantStrategy(getStrategy());
  }
  if (!getSymmetric())
    printer << ", asymmetric";
  if (getDynamic() == QuantDynamic::Dynamic)
    printer << ", dynamic";
  else if (getDynamic() == QuantDynamic::Local)
    printer << ", dynamic = local";
  if (getScaleDtype())
    printer << ", scale_dtype = " << getScaleDtype();
  if (getZpDtype())
    printer << ", zp_dtype = " << getZpDtype();
  printer << '>';
}

//===----------------------------------------------------------------------===//
// Verifier: the checks of QuantizationArgs.validate_model_after
//===----------------------------------------------------------------------===//

LogicalResult
QuantSchemeAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                        unsigned numBits, QuantType type, bool symmetric,
                        QuantStrategy strategy, std::optional<int64_t> groupSize,
                        ArrayRef<int64_t> blockStructure, QuantDynamic dynamic,
                        Type scaleDtype, Type zpDtype) {
  if (type == QuantType::Int && !((numBits >= 2 && numBits <= 8) ||
                                  numBits == 16 || numBits == 32))
    return emitError() << "int quantization supports num_bits 2 to 8, 16 and "
                          "32, got "
                       << numBits;
  if (type == QuantType::Float && numBits != 4 && numBits != 6 && numBits != 8)
    return emitError() << "float quantization supports num_bits 4 (e2m1), 6 "
                          "(e2m3) and 8 (e4m3fn), got "
                       << numBits;
  // calculate_qparams: asymmetric fp4/fp6 raises NotImplementedError.
  if (type == QuantType::Float && numBits != 8 && !symmetric)
    return emitError() << "asymmetric float" << numBits
                       << " quantization is not supported";

  bool grouped =
      strategy == QuantStrategy::Group || strategy == QuantStrategy::TensorGroup;
  if (grouped && (!groupSize || *groupSize <= 0))
    return emitError() << "strategy " << stringifyQuantStrategy(strategy)
                       << " requires a positive group_size, got "
                       << groupSize.value_or(0);
  if (!grouped && groupSize)
    return emitError() << "group_size requires strategy group or tensor_group";
  if (strategy == QuantStrategy::Block &&
      (blockStructure.size() != 2 ||
       llvm::any_of(blockStructure, [](int64_t d) { return d <= 0; })))
    return emitError() << "block strategy requires a block_structure of two "
                          "positive ints [rows, cols]";
  if (strategy != QuantStrategy::Block && !blockStructure.empty())
    return emitError() << "block_structure requires strategy block";

  if (strategy == QuantStrategy::Token && dynamic == QuantDynamic::Static)
    return emitError() << "static token quantization is not supported: "
                          "strategy token requires dynamic";
  if (dynamic != QuantDynamic::Static &&
      !llvm::is_contained({QuantStrategy::Token, QuantStrategy::Tensor,
                           QuantStrategy::TensorGroup, QuantStrategy::Group},
                          strategy))
    return emitError() << "dynamic quantization requires strategy token, "
                          "tensor, tensor_group or group, got "
                       << stringifyQuantStrategy(strategy);
  if (dynamic == QuantDynamic::Local && strategy != QuantStrategy::TensorGroup)
    return emitError() << "dynamic = local requires strategy tensor_group, got "
                       << stringifyQuantStrategy(strategy);

  // Integer scale dtypes are the library's uint8 E8M0 exponents of MX schemes.
  if (scaleDtype && !isa<FloatType, IntegerType>(scaleDtype))
    return emitError() << "scale_dtype must be an integer or float type, got "
                       << scaleDtype;
  if (zpDtype && !isa<FloatType, IntegerType>(zpDtype))
    return emitError() << "zp_dtype must be an integer or float type, got "
                       << zpDtype;
  return success();
}

//===----------------------------------------------------------------------===//
// Derived properties
//===----------------------------------------------------------------------===//

// compressed_tensors.quantization.utils.helpers.calculate_range
double QuantSchemeAttr::getQMax() const {
  if (getType() == QuantType::Int)
    return std::ldexp(1.0, getNumBits() - 1) - 1.0;
  switch (getNumBits()) {
  case 4:
    return 6.0; // FP4_E2M1_DATA.max
  case 6:
    return 7.5; // FP6_E2M3_DATA.max
  default:
    return 448.0; // torch.finfo(torch.float8_e4m3fn).max
  }
}

double QuantSchemeAttr::getQMin() const {
  if (getType() == QuantType::Int)
    return -std::ldexp(1.0, getNumBits() - 1);
  return -getQMax();
}

bool QuantSchemeAttr::isValidStorageType(Type type) const {
  if (getType() == QuantType::Int) {
    auto intType = dyn_cast<IntegerType>(type);
    return intType && intType.isSignless() && intType.getWidth() >= getNumBits();
  }
  switch (getNumBits()) {
  case 4:
    return isa<Float4E2M1FNType>(type);
  case 6:
    return isa<Float6E2M3FNType>(type);
  default:
    return isa<Float8E4M3FNType>(type);
  }
}

// Scale shapes follow the observers of compressed-tensors (observers/helpers
// flatten_for_calibration and the strategy's reduce dims).
FailureOr<SmallVector<int64_t>>
QuantSchemeAttr::inferScaleShape(ArrayRef<int64_t> shape,
                                 std::string &why) const {
  auto divideLast = [&](int64_t group) -> FailureOr<SmallVector<int64_t>> {
    if (shape.empty()) {
      why = "needs an input of rank >= 1";
      return failure();
    }
    SmallVector<int64_t> result(shape);
    int64_t last = shape.back();
    if (!ShapedType::isDynamic(last)) {
      if (last % group != 0) {
        why = "group_size " + std::to_string(group) +
              " does not divide the last dimension " + std::to_string(last);
        return failure();
      }
      result.back() = last / group;
    }
    return result;
  };
  auto ceilDiv = [](int64_t a, int64_t b) -> int64_t {
    return ShapedType::isDynamic(a) ? ShapedType::kDynamic
                                    : llvm::divideCeilSigned(a, b);
  };

  switch (getStrategy()) {
  case QuantStrategy::Tensor:
    return SmallVector<int64_t>{1};
  case QuantStrategy::Channel: {
    if (shape.size() < 2) {
      why = "strategy channel needs an input of rank >= 2";
      return failure();
    }
    SmallVector<int64_t> result(shape);
    result.back() = 1;
    return result;
  }
  case QuantStrategy::Group:
  case QuantStrategy::TensorGroup:
    return divideLast(*getGroupSize());
  case QuantStrategy::Block: {
    if (shape.size() != 2) {
      why = "strategy block needs a 2-D input";
      return failure();
    }
    ArrayRef<int64_t> block = getBlockStructure();
    return SmallVector<int64_t>{ceilDiv(shape[0], block[0]),
                                ceilDiv(shape[1], block[1])};
  }
  case QuantStrategy::Token: {
    // The library keeps dims 0 and 1 and reduces the rest: one scale per
    // token of [B, S, C], one per (batch, head) of [B, H, S, D], and a single
    // scale for a 2-D [T, C] input (observed, reproduced on purpose).
    if (shape.empty()) {
      why = "strategy token needs an input of rank >= 1";
      return failure();
    }
    if (shape.size() <= 2)
      return SmallVector<int64_t>{1};
    SmallVector<int64_t> result(shape.size(), 1);
    result[0] = shape[0];
    result[1] = shape[1];
    return result;
  }
  case QuantStrategy::AttnHead:
    // One scale per head, the head being dim -3 ([B, H, S, D] or [H, S, D]).
    // On 2-D inputs the library broadcasts the result to a different shape;
    // ct rejects them.
    if (shape.size() < 3) {
      why = "strategy attn_head needs a [..., H, S, D] input of rank >= 3";
      return failure();
    }
    return SmallVector<int64_t>{shape[shape.size() - 3], 1, 1};
  }
  llvm_unreachable("unknown strategy");
}
