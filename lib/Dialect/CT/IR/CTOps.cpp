// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Verifiers, folders and custom syntax of the ct ops.

#include "ct/Dialect/CT/IR/CTOps.h"
#include "ct/Support/HadamardConstruction.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace ct;

//===----------------------------------------------------------------------===//
// custom<Scheme>: `quant<int8, token, dynamic>`
//===----------------------------------------------------------------------===//

// The scheme is spelled without its `#ct.` prefix, as ODS spells dialect
// attributes in op syntax: a full `#ct.quant<...>` right before the op's
// `: type` would take that type as its own.
static ParseResult parseScheme(OpAsmParser &parser, QuantSchemeAttr &scheme) {
  if (parser.parseKeyword("quant"))
    return failure();
  scheme = dyn_cast_or_null<QuantSchemeAttr>(
      QuantSchemeAttr::parse(parser, Type()));
  return success(scheme != nullptr);
}

static void printScheme(OpAsmPrinter &printer, Operation *,
                        QuantSchemeAttr scheme) {
  printer << "quant";
  scheme.print(printer);
}

#define GET_OP_CLASSES
#include "ct/Dialect/CT/IR/CTOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Quantization parameters
//===----------------------------------------------------------------------===//

static std::string shapeToString(ArrayRef<int64_t> shape) {
  std::string result = "[";
  llvm::raw_string_ostream os(result);
  llvm::interleaveComma(shape, os, [&](int64_t d) {
    if (ShapedType::isDynamic(d))
      os << '?';
    else
      os << d;
  });
  os << ']';
  return result;
}

static bool shapesAgree(ArrayRef<int64_t> actual, ArrayRef<int64_t> expected) {
  if (actual.size() != expected.size())
    return false;
  return llvm::all_of(llvm::zip(actual, expected), [](auto pair) {
    auto [a, e] = pair;
    return a == e || ShapedType::isDynamic(a) || ShapedType::isDynamic(e);
  });
}

static bool isAllOnes(ArrayRef<int64_t> shape) {
  return llvm::all_of(shape, [](int64_t d) { return d == 1; });
}

/// Checks the scale, zero point and global scale of a quantization op on
/// `data` against `scheme`: the shapes the strategy gives the input, and the
/// operands the scheme requires (zero points iff asymmetric, a global scale
/// only for tensor_group).
static LogicalResult verifyQuantParams(Operation *op, QuantSchemeAttr scheme,
                                       RankedTensorType data, Type scale,
                                       Type zeroPoint, Type globalScale) {
  std::string why;
  FailureOr<SmallVector<int64_t>> expected =
      scheme.inferScaleShape(data.getShape(), why);
  if (failed(expected))
    return op->emitOpError("scheme ")
           << scheme << " does not apply to an input of shape "
           << shapeToString(data.getShape()) << ": " << why;

  auto checkShape = [&](Type type, StringRef what) -> LogicalResult {
    ArrayRef<int64_t> shape = cast<RankedTensorType>(type).getShape();
    // A per-tensor parameter may come as a scalar tensor of any rank.
    if (scheme.getStrategy() == QuantStrategy::Tensor && isAllOnes(shape))
      return success();
    if (shapesAgree(shape, *expected))
      return success();
    return op->emitOpError()
           << what << " of shape " << shapeToString(shape)
           << " does not match strategy "
           << stringifyQuantStrategy(scheme.getStrategy())
           << ", which expects " << shapeToString(*expected)
           << " for an input of shape " << shapeToString(data.getShape());
  };
  if (failed(checkShape(scale, "scale")))
    return failure();

  if (scheme.getSymmetric() && zeroPoint)
    return op->emitOpError("symmetric scheme takes no zero point");
  if (!scheme.getSymmetric() && !zeroPoint)
    return op->emitOpError("asymmetric scheme requires a zero point");
  if (zeroPoint) {
    if (failed(checkShape(zeroPoint, "zero point")))
      return failure();
    Type zpElement = getElementTypeOrSelf(zeroPoint);
    if (scheme.getZpDtype() && zpElement != scheme.getZpDtype())
      return op->emitOpError("zero point element type ")
             << zpElement << " differs from the scheme's zp_dtype "
             << scheme.getZpDtype();
  }

  if (globalScale) {
    if (scheme.getStrategy() != QuantStrategy::TensorGroup)
      return op->emitOpError("a global scale requires strategy tensor_group");
    if (!isAllOnes(cast<RankedTensorType>(globalScale).getShape()))
      return op->emitOpError("global scale must hold one value, got shape ")
             << shapeToString(cast<RankedTensorType>(globalScale).getShape());
  }
  return success();
}

/// Result dtype of a torch binary op on two float tensors: the wider type,
/// f32 for bf16 with f16.
static Type promoteFloatTypes(Type a, Type b) {
  if (a == b)
    return a;
  unsigned aWidth = a.getIntOrFloatBitWidth(), bWidth = b.getIntOrFloatBitWidth();
  if (aWidth != bWidth)
    return aWidth > bWidth ? a : b;
  return Float32Type::get(a.getContext());
}

LogicalResult CalculateQParamsOp::verify() {
  RankedTensorType input = getInput().getType();
  // `global_scale * scale` promotes: NVFP4 scales of bf16 data are f32.
  Type expected = input.getElementType();
  if (Value globalScale = getGlobalScale())
    expected = promoteFloatTypes(expected, getElementTypeOrSelf(globalScale));
  if (getScale().getType().getElementType() != expected)
    return emitOpError("scale element type ")
           << getScale().getType().getElementType() << " must be " << expected
           << (getGlobalScale()
                   ? " (the input and global scale element types promoted)"
                   : " (the library computes scales in the observed dtype)");
  return verifyQuantParams(
      *this, getScheme(), input, getScale().getType(),
      getZeroPoint() ? getZeroPoint().getType() : Type(),
      getGlobalScale() ? getGlobalScale().getType() : Type());
}

template <typename OpTy>
static LogicalResult verifyQuantOp(OpTy op, RankedTensorType data,
                                   RankedTensorType result) {
  if (!shapesAgree(data.getShape(), result.getShape()))
    return op.emitOpError("result shape ")
           << shapeToString(result.getShape())
           << " differs from the input shape "
           << shapeToString(data.getShape());
  return verifyQuantParams(
      op, op.getScheme(), data, op.getScale().getType(),
      op.getZeroPoint() ? op.getZeroPoint().getType() : Type(),
      op.getGlobalScale() ? op.getGlobalScale().getType() : Type());
}

static LogicalResult verifyStorageType(Operation *op, QuantSchemeAttr scheme,
                                       Type storage, StringRef what) {
  if (scheme.isValidStorageType(storage))
    return success();
  InFlightDiagnostic diag = op->emitOpError()
                            << what << " element type " << storage
                            << " cannot hold " << scheme << " codes; expected ";
  if (scheme.getType() == QuantType::Int)
    diag << "a signless integer of at least " << scheme.getNumBits()
         << " bits";
  else
    diag << (scheme.getNumBits() == 8   ? "f8E4M3FN"
             : scheme.getNumBits() == 6 ? "f6E2M3FN"
                                        : "f4E2M1FN");
  return diag;
}

LogicalResult QuantizeOp::verify() {
  if (failed(verifyStorageType(*this, getScheme(),
                               getResult().getType().getElementType(),
                               "result")))
    return failure();
  return verifyQuantOp(*this, getInput().getType(), getResult().getType());
}

LogicalResult DequantizeOp::verify() {
  if (failed(verifyStorageType(*this, getScheme(),
                               getInput().getType().getElementType(), "input")))
    return failure();
  return verifyQuantOp(*this, getInput().getType(), getResult().getType());
}

LogicalResult FakeQuantizeOp::verify() {
  return verifyQuantOp(*this, getInput().getType(), getResult().getType());
}

//===----------------------------------------------------------------------===//
// HadamardOp
//===----------------------------------------------------------------------===//

FloatType HadamardOp::getComputeType() {
  if (std::optional<Type> precision = getPrecision())
    return cast<FloatType>(*precision);
  return Float32Type::get(getContext());
}

LogicalResult HadamardOp::verify() {
  int64_t size = getSize();
  std::string why;
  if (!hadamard::isConstructibleHadamardSize(size, &why))
    return emitOpError() << why;
  RankedTensorType type = getInput().getType();
  if (type.getRank() == 0)
    return emitOpError("expects an input of rank >= 1");
  int64_t last = type.getShape().back();
  if (!ShapedType::isDynamic(last) && last % size != 0)
    return emitOpError("size ")
           << size << " does not divide the last dimension " << last;
  if (std::optional<ArrayRef<int8_t>> signs = getSigns()) {
    if (static_cast<int64_t>(signs->size()) != size)
      return emitOpError("expects ")
             << size << " signs, one per row of the transform, got "
             << signs->size();
    if (llvm::any_of(*signs, [](int8_t s) { return s != 1 && s != -1; }))
      return emitOpError("signs must be 1 or -1");
  }
  return success();
}

// A transform followed by its inverse is the identity (H·Hᵀ = I); a
// normalized Sylvester transform is also symmetric, so two forward (or two
// inverse) unsigned applications cancel as well. Other m·2^k matrices and
// signed transforms are not symmetric, so those pairs stay.
OpFoldResult HadamardOp::fold(FoldAdaptor) {
  auto producer = getInput().getDefiningOp<HadamardOp>();
  if (!producer || producer.getSize() != getSize() ||
      producer.getSigns() != getSigns() ||
      producer.getComputeType() != getComputeType())
    return {};
  if (producer.getInverse() != getInverse())
    return producer.getInput();
  if (!getSigns() && llvm::isPowerOf2_64(getSize()))
    return producer.getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// RotateOp
//===----------------------------------------------------------------------===//

LogicalResult RotateOp::verify() {
  RankedTensorType matrix = getMatrix().getType();
  if (matrix.getRank() != 2 || matrix.getDimSize(0) != matrix.getDimSize(1) ||
      matrix.isDynamicDim(0))
    return emitOpError("expects a static square matrix, got ") << matrix;
  RankedTensorType input = getInput().getType();
  if (input.getRank() == 0)
    return emitOpError("expects an input of rank >= 1");
  int64_t size = matrix.getDimSize(0);
  int64_t last = input.getShape().back();
  if (!ShapedType::isDynamic(last) && last % size != 0)
    return emitOpError("matrix size ")
           << size << " does not divide the last dimension " << last;
  return success();
}

//===----------------------------------------------------------------------===//
// HookedAttentionOp
//===----------------------------------------------------------------------===//

// The hooks in region order, named after the op's regions.
static constexpr StringLiteral kHookNames[] = {"q_hook", "k_hook", "v_hook"};

static void buildIdentityHook(OpBuilder &builder, Location loc, Region &region,
                              Type type) {
  OpBuilder::InsertionGuard guard(builder);
  Block *block = builder.createBlock(&region, region.end(), {type}, {loc});
  YieldOp::create(builder, loc, block->getArgument(0));
}

void HookedAttentionOp::build(OpBuilder &builder, OperationState &state,
                              Value query, Value key, Value value, Value mask,
                              Value kCache, Value vCache, Value position,
                              double scale, bool causal, StringAttr name) {
  state.addOperands({query, key, value});
  for (Value optional : {mask, kCache, vCache, position})
    if (optional)
      state.addOperands(optional);
  Properties &props = state.getOrAddProperties<Properties>();
  props.operandSegmentSizes = {1,
                               1,
                               1,
                               mask ? 1 : 0,
                               kCache ? 1 : 0,
                               vCache ? 1 : 0,
                               position ? 1 : 0,
                               0,
                               0,
                               0,
                               0};
  props.scale = builder.getF64FloatAttr(scale);
  if (causal)
    props.causal = builder.getUnitAttr();
  if (name)
    props.name = name;

  auto queryType = cast<RankedTensorType>(query.getType());
  auto valueType = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> outShape(queryType.getShape());
  outShape.back() = valueType.getShape().back();
  state.addTypes(RankedTensorType::get(outShape, queryType.getElementType()));
  if (kCache)
    state.addTypes({kCache.getType(), vCache.getType()});

  for (Value hooked : {query, key, value})
    buildIdentityHook(builder, state.location, *state.addRegion(),
                      hooked.getType());
}

bool HookedAttentionOp::isIdentityHook(Region &region) {
  if (!region.hasOneBlock())
    return false;
  Block &block = region.front();
  if (block.getNumArguments() != 1 || !llvm::hasSingleElement(block))
    return false;
  auto yield = dyn_cast<YieldOp>(block.getTerminator());
  return yield && yield.getValue() == block.getArgument(0);
}

std::string HookedAttentionOp::expandNameTemplate(StringRef nameTemplate,
                                                  int64_t index) {
  std::string name = nameTemplate.str();
  std::string i = std::to_string(index);
  for (size_t at = name.find("{i}"); at != std::string::npos;
       at = name.find("{i}", at + i.size()))
    name.replace(at, 3, i);
  return name;
}

bool HookedAttentionOp::isStorableCacheScheme(QuantSchemeAttr scheme,
                                              bool key) {
  QuantStrategy strategy = scheme.getStrategy();
  if (scheme.isDynamic())
    return strategy == QuantStrategy::Tensor ||
           strategy == QuantStrategy::Token || strategy == QuantStrategy::Group;
  // KIVI quantizes keys per channel (outlier channels keep their own
  // scale): a static channel scheme on the key cache, beyond the library.
  return strategy == QuantStrategy::Tensor ||
         strategy == QuantStrategy::AttnHead ||
         (key && strategy == QuantStrategy::Channel);
}

int64_t HookedAttentionOp::getRowScaleCount(QuantSchemeAttr scheme,
                                            int64_t headDim) {
  if (scheme.getStrategy() != QuantStrategy::Group ||
      ShapedType::isDynamic(headDim))
    return scheme.getStrategy() == QuantStrategy::Group ? ShapedType::kDynamic
                                                        : 1;
  return headDim / *scheme.getGroupSize();
}

double HookedAttentionOp::getLog2ScoreScale() {
  return getScaleAttr().getValueAsDouble() * llvm::numbers::log2e;
}

Value HookedAttentionOp::getUpdatedCacheScale(bool key) {
  if (!storesScalesPerRow(getCacheQuant(key)))
    return nullptr;
  unsigned index = 2;
  if (!key && storesScalesPerRow(getCacheQuant(true)))
    index += getKCacheZeroPoint() ? 2 : 1;
  return getUpdatedCaches()[index];
}

Value HookedAttentionOp::getUpdatedCacheZeroPoint(bool key) {
  Value scale = getUpdatedCacheScale(key);
  if (!scale || !getCacheZeroPoint(key))
    return nullptr;
  return getOperation()->getResult(cast<OpResult>(scale).getResultNumber() +
                                   1);
}

int64_t HookedAttentionOp::getGroupSize() {
  int64_t hq = getQuery().getType().getDimSize(1);
  int64_t hkv = getKey().getType().getDimSize(1);
  if (ShapedType::isDynamic(hq) || ShapedType::isDynamic(hkv))
    return ShapedType::kDynamic;
  return hq / hkv;
}

// Syntax:
//   %o[, %kc, %vc] = ct.hooked_attention %q, %k, %v [mask %m]
//       [cache %kc0, %vc0 at %pos] {scale = ..., causal, name = "..."}
//       : (operand types) -> (result types)
//       [q_hook {...}] [k_hook {...}] [v_hook {...}]
// A hook that is the identity is not printed.
ParseResult HookedAttentionOp::parse(OpAsmParser &parser,
                                     OperationState &result) {
  SmallVector<OpAsmParser::UnresolvedOperand> operands;
  std::array<int32_t, 11> segments = {1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0};
  if (parser.parseOperandList(operands, 3))
    return failure();
  if (succeeded(parser.parseOptionalKeyword("mask"))) {
    if (parser.parseOperand(operands.emplace_back()))
      return failure();
    segments[3] = 1;
  }
  if (succeeded(parser.parseOptionalKeyword("cache"))) {
    if (parser.parseOperand(operands.emplace_back()) || parser.parseComma() ||
        parser.parseOperand(operands.emplace_back()) ||
        parser.parseKeyword("at") ||
        parser.parseOperand(operands.emplace_back()))
      return failure();
    segments[4] = segments[5] = segments[6] = 1;
    // quantized(k: %ks [zero_point %kz], v: %vs [zero_point %vz]), either
    // entry optional; the operands follow in segment order.
    if (succeeded(parser.parseOptionalKeyword("quantized"))) {
      std::array<OpAsmParser::UnresolvedOperand, 4> cacheParams;
      auto parseEntry = [&]() -> ParseResult {
        StringRef which;
        SMLoc whichLoc = parser.getCurrentLocation();
        if (parser.parseKeyword(&which))
          return failure();
        if (which != "k" && which != "v")
          return parser.emitError(whichLoc,
                                  "expected 'k' or 'v' in quantized(...)");
        unsigned first = which == "k" ? 0 : 2;
        if (segments[7 + first])
          return parser.emitError(whichLoc) << "'" << which << "' given twice";
        if (parser.parseColon() || parser.parseOperand(cacheParams[first]))
          return failure();
        segments[7 + first] = 1;
        if (succeeded(parser.parseOptionalKeyword("zero_point"))) {
          if (parser.parseOperand(cacheParams[first + 1]))
            return failure();
          segments[8 + first] = 1;
        }
        return success();
      };
      if (parser.parseCommaSeparatedList(AsmParser::Delimiter::Paren,
                                         parseEntry))
        return failure();
      for (auto [index, param] : llvm::enumerate(cacheParams))
        if (segments[7 + index])
          operands.push_back(param);
    }
  }
  SMLoc attrLoc = parser.getCurrentLocation();
  if (parser.parseOptionalAttrDict(result.attributes))
    return failure();
  FunctionType signature;
  SMLoc typeLoc = parser.getCurrentLocation();
  if (parser.parseColonType(signature) ||
      parser.resolveOperands(operands, signature.getInputs(), typeLoc,
                             result.operands))
    return failure();
  result.addTypes(signature.getResults());

  Properties &props = result.getOrAddProperties<Properties>();
  props.operandSegmentSizes = segments;
  if (failed(verifyInherentAttrs(result.name, result.attributes, [&]() {
        return parser.emitError(attrLoc);
      })))
    return failure();

  for (auto [index, hook] : llvm::enumerate(kHookNames)) {
    Region *region = result.addRegion();
    if (succeeded(parser.parseOptionalKeyword(hook))) {
      if (parser.parseRegion(*region))
        return failure();
      continue;
    }
    OpBuilder builder(parser.getContext());
    buildIdentityHook(builder, result.location, *region,
                      signature.getInput(index));
  }
  return success();
}

void HookedAttentionOp::print(OpAsmPrinter &p) {
  p << ' ' << getQuery() << ", " << getKey() << ", " << getValue();
  if (getMask())
    p << " mask " << getMask();
  if (hasCache())
    p << " cache " << getKCache() << ", " << getVCache() << " at "
      << getPosition();
  if (getKCacheScale() || getVCacheScale()) {
    p << " quantized(";
    llvm::SmallVector<std::tuple<StringRef, Value, Value>, 2> entries;
    if (getKCacheScale())
      entries.emplace_back("k", getKCacheScale(), getKCacheZeroPoint());
    if (getVCacheScale())
      entries.emplace_back("v", getVCacheScale(), getVCacheZeroPoint());
    llvm::interleaveComma(entries, p, [&](auto entry) {
      auto [which, scale, zeroPoint] = entry;
      p << which << ": " << scale;
      if (zeroPoint)
        p << " zero_point " << zeroPoint;
    });
    p << ')';
  }
  p.printOptionalAttrDict((*this)->getAttrs(),
                          /*elidedAttrs=*/{"operandSegmentSizes"});
  p << " : ";
  p.printFunctionalType(getOperandTypes(), getResultTypes());
  for (auto [name, region] : llvm::zip(kHookNames, getRegions())) {
    if (isIdentityHook(*region))
      continue;
    p << ' ' << name << ' ';
    p.printRegion(*region, /*printEntryBlockArgs=*/true,
                  /*printBlockTerminators=*/true);
  }
}

LogicalResult HookedAttentionOp::verify() {
  RankedTensorType q = getQuery().getType(), k = getKey().getType(),
                   v = getValue().getType();
  for (auto [what, type] : {std::pair<StringRef, RankedTensorType>{"query", q},
                            {"key", k},
                            {"value", v}})
    if (type.getRank() != 4)
      return emitOpError() << what << " must be [B, H, S, D], got " << type;

  auto mismatch = [](int64_t a, int64_t b) {
    return !ShapedType::isDynamic(a) && !ShapedType::isDynamic(b) && a != b;
  };
  if (mismatch(q.getDimSize(0), k.getDimSize(0)) ||
      mismatch(k.getDimSize(0), v.getDimSize(0)))
    return emitOpError("query, key and value must have the same batch size");
  if (mismatch(k.getDimSize(1), v.getDimSize(1)))
    return emitOpError("key and value must have the same number of heads, got ")
           << k.getDimSize(1) << " and " << v.getDimSize(1);
  if (mismatch(k.getDimSize(2), v.getDimSize(2)))
    return emitOpError(
               "key and value must have the same sequence length, got ")
           << k.getDimSize(2) << " and " << v.getDimSize(2);
  if (mismatch(q.getDimSize(3), k.getDimSize(3)))
    return emitOpError("query and key head dims differ: ")
           << q.getDimSize(3) << " vs " << k.getDimSize(3);
  int64_t hq = q.getDimSize(1), hkv = k.getDimSize(1);
  if (!ShapedType::isDynamic(hq) && !ShapedType::isDynamic(hkv) &&
      (hkv == 0 || hq % hkv != 0))
    return emitOpError("query heads (")
           << hq << ") must be a multiple of key/value heads (" << hkv << ")";
  if (getScale().convertToDouble() == 0.0 ||
      !std::isfinite(getScale().convertToDouble()))
    return emitOpError("scale must be finite and non-zero");

  if (Value mask = getMask()) {
    auto m = cast<RankedTensorType>(mask.getType());
    if (m.getRank() != 4)
      return emitOpError("mask must be 4-D [B, Hq, Sq, Skv], got ") << m;
    for (int i : {0, 1})
      if (m.getDimSize(i) != 1 && mismatch(m.getDimSize(i), q.getDimSize(i)))
        return emitOpError("mask dimension ")
               << i << " (" << m.getDimSize(i)
               << ") must be 1 or match the query's (" << q.getDimSize(i)
               << ")";
    if (mismatch(m.getDimSize(2), q.getDimSize(2)))
      return emitOpError("mask rows (")
             << m.getDimSize(2) << ") must match the query length ("
             << q.getDimSize(2) << ")";
    if (!hasCache() && mismatch(m.getDimSize(3), k.getDimSize(2)))
      return emitOpError("mask columns (")
             << m.getDimSize(3) << ") must match the key length ("
             << k.getDimSize(2) << ")";
  }

  RankedTensorType out = getOutput().getType();
  SmallVector<int64_t> expectedOut(q.getShape());
  expectedOut.back() = v.getDimSize(3);
  if (out.getElementType() != q.getElementType() ||
      !shapesAgree(out.getShape(), expectedOut))
    return emitOpError("output must be ")
           << shapeToString(expectedOut) << " of " << q.getElementType()
           << ", got " << out;

  bool anyCache = getKCache() || getVCache() || getPosition();
  if (anyCache && !(getKCache() && getVCache() && getPosition()))
    return emitOpError("a KV cache needs k_cache, v_cache and position");
  if (!hasCache()) {
    if (getKCacheQuantAttr() || getVCacheQuantAttr() || getKCacheScale() ||
        getVCacheScale() || getKCacheZeroPoint() || getVCacheZeroPoint())
      return emitOpError("cache quantization (k_cache_quant, v_cache_quant "
                         "and their scales) needs a KV cache");
    if (!getUpdatedCaches().empty())
      return emitOpError("returns updated caches only when given caches");
    return success();
  }
  auto kc = cast<RankedTensorType>(getKCache().getType());
  auto vc = cast<RankedTensorType>(getVCache().getType());
  for (auto [what, cache, fresh] :
       {std::tuple<StringRef, RankedTensorType, RankedTensorType>{"k_cache",
                                                                   kc, k},
        {"v_cache", vc, v}}) {
    if (cache.getRank() != 4 || mismatch(cache.getDimSize(0), fresh.getDimSize(0)) ||
        mismatch(cache.getDimSize(1), fresh.getDimSize(1)) ||
        mismatch(cache.getDimSize(3), fresh.getDimSize(3)))
      return emitOpError()
             << what << " must be [B, Hkv, Smax, D] like the new "
             << (what == "k_cache" ? "keys" : "values") << " " << fresh
             << ", got " << cache;
  }
  SmallVector<Type> expectedResults = {kc, vc};
  for (bool key : {true, false})
    if (failed(verifyCacheStorage(key, expectedResults)))
      return failure();
  if (TypeRange(getUpdatedCaches()) != TypeRange(expectedResults)) {
    InFlightDiagnostic diag = emitOpError(
        "with a cache, returns the output, the updated k_cache and v_cache, "
        "then the per-row scales (and zero points) of dynamically quantized "
        "caches, keys first: expected ");
    llvm::interleaveComma(expectedResults, diag);
    return diag << " after the output";
  }
  return success();
}

/// The storage of one cache (`key`: k_cache, else v_cache): float like the
/// new entries, or codes of its quant scheme with the scales the scheme
/// needs. Appends the per-row scale (and zero-point) results it updates.
LogicalResult
HookedAttentionOp::verifyCacheStorage(bool key,
                                      SmallVectorImpl<Type> &updated) {
  StringRef what = key ? "k_cache" : "v_cache";
  auto cache = cast<RankedTensorType>((key ? getKCache() : getVCache()).getType());
  RankedTensorType fresh = key ? getKey().getType() : getValue().getType();
  QuantSchemeAttr scheme = getCacheQuant(key);
  Value scale = getCacheScale(key), zeroPoint = getCacheZeroPoint(key);
  Type element = cache.getElementType();

  if (!scheme) {
    if (element != fresh.getElementType())
      return emitOpError() << what << " element type " << element
                           << " differs from the new entries' "
                           << fresh.getElementType() << " (a quantized "
                           << what << " needs " << what << "_quant)";
    if (scale || zeroPoint)
      return emitOpError() << what << "_scale and " << what
                           << "_zero_point need " << what << "_quant";
    return success();
  }
  if (failed(verifyStorageType(*this, scheme, element, what)))
    return failure();

  QuantStrategy strategy = scheme.getStrategy();
  bool perRow = storesScalesPerRow(scheme);
  if (!isStorableCacheScheme(scheme, key))
    return emitOpError() << what << "_quant " << scheme
                         << " cannot be stored in a cache: expected static "
                            "tensor or attn_head (or channel, for keys only), "
                            "or dynamic tensor, token or group scales";
  if (!scale)
    return emitOpError() << "quantized " << what << " needs " << what
                         << "_scale";
  if (scheme.getSymmetric() && zeroPoint)
    return emitOpError() << what << "_quant is symmetric and takes no "
                         << what << "_zero_point";
  if (!scheme.getSymmetric() && !zeroPoint)
    return emitOpError() << what << "_quant is asymmetric and needs "
                         << what << "_zero_point";

  SmallVector<int64_t> expected;
  if (perRow) {
    // One row of scales per cache row: written with the codes.
    expected = {cache.getDimSize(0), cache.getDimSize(1), cache.getDimSize(2),
                getRowScaleCount(scheme, cache.getDimSize(3))};
    if (!ShapedType::isDynamic(cache.getDimSize(3)) &&
        strategy == QuantStrategy::Group &&
        cache.getDimSize(3) % *scheme.getGroupSize() != 0)
      return emitOpError() << what << "_quant group_size "
                           << *scheme.getGroupSize()
                           << " does not divide the head dim "
                           << cache.getDimSize(3);
    Type scaleElement = getElementTypeOrSelf(scale);
    if (scaleElement != fresh.getElementType())
      return emitOpError() << what << "_scale element type " << scaleElement
                           << " must be the new entries' "
                           << fresh.getElementType()
                           << " (dynamic scales are computed in the observed "
                              "dtype)";
  } else if (strategy == QuantStrategy::Channel) {
    expected = {cache.getDimSize(1), 1, cache.getDimSize(3)};
  } else {
    std::string why;
    expected = *scheme.inferScaleShape(cache.getShape(), why);
  }
  for (auto [param, name] : {std::pair<Value, StringRef>{scale, "_scale"},
                             {zeroPoint, "_zero_point"}}) {
    if (!param)
      continue;
    ArrayRef<int64_t> shape = cast<RankedTensorType>(param.getType()).getShape();
    bool perTensor = !perRow && strategy == QuantStrategy::Tensor &&
                     isAllOnes(shape);
    if (!perTensor && !shapesAgree(shape, expected))
      return emitOpError() << what << name << " of shape "
                           << shapeToString(shape) << " does not match "
                           << what << "_quant " << scheme << ", which expects "
                           << shapeToString(expected)
                           << (perRow ? " (per cache row [B, Hkv, Smax, G])"
                                      : "");
    if (perRow)
      updated.push_back(param.getType());
  }
  return success();
}

LogicalResult HookedAttentionOp::verifyRegions() {
  for (auto [name, region, type] :
       llvm::zip(kHookNames, getRegions(),
                 TypeRange{getQuery().getType(), getKey().getType(),
                           getValue().getType()})) {
    Block &block = region->front();
    if (block.getNumArguments() != 1 || block.getArgument(0).getType() != type)
      return emitOpError() << name << " must take one argument of type "
                           << type;
    auto yield = dyn_cast<YieldOp>(block.getTerminator());
    if (!yield)
      return emitOpError() << name << " must end with ct.yield";
    if (yield.getValue().getType() != type)
      return emitOpError() << name << " must yield " << type << ", got "
                           << yield.getValue().getType();
  }
  return success();
}
