// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// ct-apply-config: fills the hooks of ct.hooked_attention with what a
// compressed-tensors checkpoint runs there. The decisions follow the library
// (0.20.1) step by step, so that a compiled model computes what the Python
// hooks compute:
//
// - which attention modules a config group quantizes: apply.py
//   apply_quantization_config (match_named_modules, match_targets,
//   _scheme_from_targets) and its "attention quantization" branch, taken when
//   utils/match.py is_narrow_match holds (the target matches the module but
//   neither its parent layer nor its projections);
// - kv_cache_scheme: apply.py _apply_kv_cache_scheme, for every attention
//   module, quantizing k and v (QuantizedKVCache.forward), and q as well when
//   a q_attn transform hooks the query; overridden by attention
//   quantization, which is applied after it;
// - transforms: transform/factory/base.py _apply_to_module registers q_attn /
//   k_cache hooks that run before the quantization inside
//   QuantizedAttentionImpl / QuantizedKVCache, in config order;
// - scale shapes and checkpoint keys: initialize.py initialize_attn_qparams.

#include "ct/Dialect/CT/Transforms/Passes.h"

#include "ct/Dialect/CT/IR/CTAttrs.h"
#include "ct/Dialect/CT/IR/CTDialect.h"
#include "ct/Dialect/CT/IR/CTOps.h"
#include "ct/Support/QuantizationConfig.h"
#include "ct/Support/Safetensors.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/InterleavedRange.h"
#include "llvm/Support/Regex.h"

#include <cmath>

namespace ct {
#define GEN_PASS_DEF_APPLYCONFIG
#include "ct/Dialect/CT/Transforms/Passes.h.inc"
} // namespace ct

using namespace mlir;
using namespace ct;
namespace cfg = ct::config;

namespace {

//===----------------------------------------------------------------------===//
// Targets (utils/match.py)
//===----------------------------------------------------------------------===//

/// A module of the library's model tree as matching sees it: its name and
/// the class names of its MRO.
struct ModuleRef {
  std::string name;
  SmallVector<std::string, 2> classes;
};

/// An attention module with the parent and children that is_narrow_match
/// looks at. Without the model's Python classes, the tree is the one of
/// Hugging Face decoders: `<P>DecoderLayer` parent, `<P>Attention` module,
/// `Linear` projections q/k/v/o_proj (every class also is a `Module`).
struct AttentionModule {
  ModuleRef self, parent;
  SmallVector<ModuleRef, 4> children;

  AttentionModule(StringRef name, StringRef classPrefix) {
    auto classes = [&](StringRef suffix) {
      SmallVector<std::string, 2> result;
      if (!classPrefix.empty())
        result.push_back((classPrefix + suffix).str());
      result.push_back("Module");
      return result;
    };
    self = {name.str(), classes("Attention")};
    parent = {name.rsplit('.').first.str(), classes("DecoderLayer")};
    for (StringRef child : {"q_proj", "k_proj", "v_proj", "o_proj"})
      children.push_back({(name + "." + child).str(), {"Linear", "Module"}});
  }
};

/// Python `re.match` patterns as llvm::Regex (POSIX ERE) anchored at the
/// start; the escapes configs use that ERE lacks are translated.
class TargetMatcher {
public:
  /// Compiles `target` when it is a regex; the error says why not.
  LogicalResult add(StringRef target, std::string &error) {
    if (!target.starts_with("re:") || regexes.count(target))
      return success();
    std::string pattern = "^(";
    StringRef python = target.drop_front(3);
    for (size_t i = 0; i < python.size(); ++i) {
      if (python[i] == '\\' && i + 1 < python.size()) {
        StringRef replacement = StringSwitch<StringRef>(python.substr(i, 2))
                                    .Case("\\d", "[0-9]")
                                    .Case("\\w", "[A-Za-z0-9_]")
                                    .Case("\\s", "[[:space:]]")
                                    .Default("");
        if (!replacement.empty()) {
          pattern += replacement;
          ++i;
          continue;
        }
      }
      pattern.push_back(python[i]);
    }
    pattern += ")";
    auto regex = std::make_unique<llvm::Regex>(pattern);
    if (!regex->isValid(error))
      return failure();
    regexes[target] = std::move(regex);
    return success();
  }

  /// utils/match.py match_name.
  bool matchName(StringRef name, StringRef target) const {
    if (target.starts_with("re:"))
      return regexes.find(target)->second->match(name);
    return name == target;
  }

  /// utils/match.py is_match for one target (name or class).
  bool matchesTarget(const ModuleRef &module, StringRef target) const {
    return matchName(module.name, target) ||
           llvm::is_contained(module.classes, target);
  }

  bool isMatch(const ModuleRef &module, ArrayRef<std::string> targets,
               ArrayRef<std::string> ignore = {}) const {
    auto matches = [&](const std::string &t) { return matchesTarget(module, t); };
    return llvm::any_of(targets, matches) && !llvm::any_of(ignore, matches);
  }

  /// utils/match.py is_narrow_match.
  bool isNarrowMatch(const AttentionModule &module,
                     ArrayRef<std::string> targets) const {
    return llvm::any_of(targets, [&](const std::string &target) {
      return matchesTarget(module.self, target) &&
             !matchesTarget(module.parent, target) &&
             llvm::none_of(module.children, [&](const ModuleRef &child) {
               return matchesTarget(child, target);
             });
    });
  }

private:
  llvm::StringMap<std::unique_ptr<llvm::Regex>> regexes;
};

//===----------------------------------------------------------------------===//
// What applies to one attention op
//===----------------------------------------------------------------------===//

/// Quantization of q, k or v and the config key it comes from.
struct Quantization {
  const cfg::QuantizationArgs *args;
  std::string key;
};

/// A transform at q_attn or k_cache.
struct Transform {
  std::string group;
  const cfg::TransformScheme *scheme;
  const cfg::TransformArgs *args;
  std::string key;
};

struct AttentionPlan {
  SmallVector<Transform> qTransforms, kTransforms;
  std::optional<Quantization> q, kv;
  bool empty() const {
    return qTransforms.empty() && kTransforms.empty() && !q && !kv;
  }
};

class ConfigApplier {
public:
  ConfigApplier(const cfg::QuantizationConfig &config,
                const SafetensorsFile *weights, StringRef weightsPath)
      : config(config), weights(weights), weightsPath(weightsPath) {}

  /// Compiles every regex target, so matching cannot fail later.
  LogicalResult compileTargets(Location loc);
  FailureOr<AttentionPlan> plan(HookedAttentionOp op, StringRef name);
  LogicalResult apply(HookedAttentionOp op, StringRef name,
                      const AttentionPlan &plan);

private:
  InFlightDiagnostic configError(Location loc, StringRef key) const {
    return emitError(loc) << config.path << ": " << key << ": ";
  }
  InFlightDiagnostic weightsError(Location loc, StringRef key) const {
    return emitError(loc) << weightsPath << ": tensor '" << key << "': ";
  }

  LogicalResult checkModelShape(HookedAttentionOp op, StringRef name);
  FailureOr<QuantSchemeAttr> buildScheme(Location loc,
                                         const Quantization &quant);
  FailureOr<Value> buildTransform(OpBuilder &builder, Location loc,
                                  HookedAttentionOp op, StringRef name,
                                  const Transform &transform, Value input);
  FailureOr<Value> buildFakeQuantize(OpBuilder &constants, OpBuilder &builder,
                                     Location loc, StringRef name,
                                     StringRef base, const Quantization &quant,
                                     Value input);
  FailureOr<Value> loadConstant(OpBuilder &builder, Location loc,
                                StringRef key, StringRef forKey,
                                ArrayRef<int64_t> shape, Type elementType,
                                bool allowAnyOnes);

  const cfg::QuantizationConfig &config;
  const SafetensorsFile *weights;
  std::string weightsPath;
  TargetMatcher matcher;
};

LogicalResult ConfigApplier::compileTargets(Location loc) {
  auto compile = [&](ArrayRef<std::string> targets,
                     const std::string &key) -> LogicalResult {
    for (auto [index, target] : llvm::enumerate(targets)) {
      std::string error;
      if (failed(matcher.add(target, error)))
        return configError(loc, key + "[" + std::to_string(index) + "]")
               << "invalid regex '" << target << "': " << error;
    }
    return success();
  };
  for (const auto &[group, scheme] : config.configGroups)
    if (failed(compile(scheme.targets,
                       config.key("config_groups." + group + ".targets"))))
      return failure();
  if (failed(compile(config.ignore, config.key("ignore"))))
    return failure();
  for (const auto &[group, scheme] : config.transformGroups)
    for (auto [index, args] : llvm::enumerate(scheme.apply)) {
      std::string key = config.key("transform_config.config_groups." + group +
                                   ".apply[" + std::to_string(index) + "]");
      if (failed(compile(args.targets, key + ".targets")) ||
          failed(compile(args.ignore, key + ".ignore")))
        return failure();
    }
  return success();
}

FailureOr<AttentionPlan> ConfigApplier::plan(HookedAttentionOp op,
                                             StringRef name) {
  AttentionModule module(name, config.modelClassPrefix());
  AttentionPlan plan;

  // Transforms at the attention locations, in config order.
  for (const auto &[group, scheme] : config.transformGroups)
    for (auto [index, args] : llvm::enumerate(scheme.apply)) {
      if (args.location != "q_attn" && args.location != "k_cache")
        continue;
      if (!matcher.isMatch(module.self, args.targets, args.ignore))
        continue;
      Transform transform{group, &scheme, &args,
                          config.key("transform_config.config_groups." +
                                     group)};
      (args.location == "q_attn" ? plan.qTransforms : plan.kTransforms)
          .push_back(transform);
    }

  if (config.kvCacheScheme) {
    plan.kv = Quantization{&*config.kvCacheScheme,
                           config.key("kv_cache_scheme")};
    // A q_attn transform hooks the query, and then the library quantizes it
    // with the kv-cache scheme too: initialize_attn_qparams registers
    // q_scale and QuantizedAttentionImpl.forward fake-quantizes the query.
    if (!plan.qTransforms.empty())
      plan.q = plan.kv;
  }

  // apply_quantization_config: target_to_scheme keeps the first position of
  // a target and the last scheme naming it.
  SmallVector<std::string> targets;
  llvm::StringMap<size_t> targetToGroup;
  for (auto [index, group] : llvm::enumerate(config.configGroups))
    for (const std::string &target : group.second.targets) {
      if (!targetToGroup.count(target))
        targets.push_back(target);
      targetToGroup[target] = index;
    }
  if (!matcher.isMatch(module.self, targets, config.ignore))
    return plan;
  // match_targets: names (exact before regex, each sorted), then classes.
  SmallVector<std::string> sorted(targets);
  llvm::sort(sorted, [](const std::string &a, const std::string &b) {
    bool aRegex = StringRef(a).contains("re:"),
         bRegex = StringRef(b).contains("re:");
    return std::tie(aRegex, a) < std::tie(bRegex, b);
  });
  const std::string *first = nullptr;
  for (const std::string &target : sorted)
    if (matcher.matchName(name, target)) {
      first = &target;
      break;
    }
  if (!first)
    for (const std::string &target : sorted)
      if (llvm::is_contained(module.self.classes, target)) {
        first = &target;
        break;
      }
  const auto &[groupName, scheme] = config.configGroups[targetToGroup[*first]];
  if (!matcher.isNarrowMatch(module, scheme.targets))
    return plan;

  // _validate_attention_scheme.
  std::string key = config.key("config_groups." + groupName);
  if (scheme.weights)
    return configError(op.getLoc(), key + ".weights")
           << "cannot apply weight quantization to attention '" << name
           << "'; target its q/k/v_proj layers instead";
  if (scheme.outputActivations)
    return configError(op.getLoc(), key + ".output_activations")
           << "cannot apply output quantization to attention '" << name << "'";
  if (!scheme.inputActivations)
    return configError(op.getLoc(), key)
           << "attention quantization of '" << name
           << "' needs input_activations";
  plan.q = Quantization{&*scheme.inputActivations, key + ".input_activations"};
  plan.kv = plan.q;
  return plan;
}

/// The MLIR type of a torch dtype name.
static Type getTorchDtype(MLIRContext *ctx, StringRef dtype) {
  Builder b(ctx);
  return StringSwitch<Type>(dtype)
      .Cases({"float32", "float"}, b.getF32Type())
      .Cases({"float64", "double"}, b.getF64Type())
      .Cases({"float16", "half"}, b.getF16Type())
      .Case("bfloat16", b.getBF16Type())
      .Case("float8_e4m3fn", b.getType<Float8E4M3FNType>())
      .Case("float8_e5m2", b.getType<Float8E5M2Type>())
      .Case("float8_e8m0fnu", b.getType<Float8E8M0FNUType>())
      .Case("float4_e2m1fn_x2", b.getType<Float4E2M1FNType>())
      .Case("uint8", IntegerType::get(ctx, 8, IntegerType::Unsigned))
      .Case("int8", b.getI8Type())
      .Case("int16", b.getI16Type())
      .Case("int32", b.getI32Type())
      .Case("int64", b.getI64Type())
      .Case("bool", b.getI1Type())
      .Default(Type());
}

FailureOr<QuantSchemeAttr>
ConfigApplier::buildScheme(Location loc, const Quantization &quant) {
  const cfg::QuantizationArgs &args = *quant.args;
  MLIRContext *ctx = loc.getContext();
  QuantDynamic dynamic = args.dynamic == cfg::Dynamic::Static
                             ? QuantDynamic::Static
                         : args.dynamic == cfg::Dynamic::Dynamic
                             ? QuantDynamic::Dynamic
                             : QuantDynamic::Local;
  Type scaleDtype = args.scaleDtype.empty()
                        ? Type()
                        : getTorchDtype(ctx, args.scaleDtype);
  Type zpDtype =
      args.zpDtype.empty() ? Type() : getTorchDtype(ctx, args.zpDtype);
  // The #ct.quant verifier is the library's validate_model_after.
  QuantSchemeAttr scheme = QuantSchemeAttr::getChecked(
      [&] { return configError(loc, quant.key); }, ctx, args.numBits,
      *symbolizeQuantType(args.type), args.symmetric,
      *symbolizeQuantStrategy(args.strategy), args.groupSize,
      ArrayRef<int64_t>(args.blockStructure), dynamic, scaleDtype, zpDtype);
  if (!scheme)
    return failure();
  return scheme;
}

LogicalResult ConfigApplier::checkModelShape(HookedAttentionOp op,
                                             StringRef name) {
  auto check = [&](std::optional<int64_t> expected, StringRef key,
                   int64_t actual, StringRef what) -> LogicalResult {
    if (!expected || ShapedType::isDynamic(actual) || *expected == actual)
      return success();
    return emitError(op.getLoc())
           << config.path << ": " << key << ": " << *expected
           << " differs from the " << actual << " " << what
           << " of attention '" << name << "'";
  };
  RankedTensorType q = op.getQuery().getType(), k = op.getKey().getType();
  return success(
      succeeded(check(config.numAttentionHeads, "num_attention_heads",
                      q.getDimSize(1), "query heads")) &&
      succeeded(check(config.numKeyValueHeads, "num_key_value_heads",
                      k.getDimSize(1), "key/value heads")) &&
      succeeded(check(config.headDim, "head_dim", q.getDimSize(3),
                      "head dimension")));
}

FailureOr<Value> ConfigApplier::loadConstant(OpBuilder &builder, Location loc,
                                             StringRef key, StringRef forKey,
                                             ArrayRef<int64_t> shape,
                                             Type elementType,
                                             bool allowAnyOnes) {
  if (!weights)
    return configError(loc, forKey)
           << "needs the checkpoint tensor '" << key
           << "'; pass weights=<model.safetensors>";
  llvm::Expected<const SafetensorsTensor &> stored = weights->get(key);
  if (!stored) {
    llvm::consumeError(stored.takeError());
    return weightsError(loc, key) << "not found (needed by " << config.path
                                  << ": " << forKey << ")";
  }
  // A per-tensor parameter may be stored as a 0-d tensor or any all-ones
  // shape (older checkpoints); the IR uses the library's (1,).
  bool shapeOk = allowAnyOnes ? stored->numElements() == 1
                              : ArrayRef<int64_t>(stored->shape) == shape;
  if (!shapeOk)
    return weightsError(loc, key)
           << "has shape (" << llvm::interleaved(stored->shape)
           << "), expected (" << llvm::interleaved(shape) << ") for "
           << config.path << ": " << forKey;
  auto type = RankedTensorType::get(shape, elementType);
  DenseElementsAttr values;
  if (auto floatType = dyn_cast<FloatType>(elementType)) {
    SmallVector<APFloat> elements;
    for (int64_t i = 0, e = stored->numElements(); i < e; ++i) {
      APFloat value(stored->getAsDouble(i));
      bool lost;
      value.convert(floatType.getFloatSemantics(),
                    APFloat::rmNearestTiesToEven, &lost);
      elements.push_back(value);
    }
    values = DenseElementsAttr::get(type, elements);
  } else {
    SmallVector<APInt> elements;
    unsigned width = elementType.getIntOrFloatBitWidth();
    for (int64_t i = 0, e = stored->numElements(); i < e; ++i)
      elements.push_back(APInt(width,
                               static_cast<int64_t>(stored->getAsDouble(i)),
                               /*isSigned=*/true, /*implicitTrunc=*/true));
    values = DenseElementsAttr::get(type, elements);
  }
  return arith::ConstantOp::create(builder, loc, values).getResult();
}

FailureOr<Value> ConfigApplier::buildTransform(OpBuilder &builder,
                                               Location loc,
                                               HookedAttentionOp op,
                                               StringRef name,
                                               const Transform &transform,
                                               Value input) {
  const cfg::TransformScheme &scheme = *transform.scheme;
  auto type = cast<RankedTensorType>(input.getType());
  // get_transform_size: attention modules are not Linear, so only head_dim
  // gives the size.
  if (!scheme.headDim)
    return configError(loc, transform.key + ".head_dim")
           << "required for location " << transform.args->location
           << " (the transform size of attention '" << name
           << "' comes from head_dim)";
  int64_t size = *scheme.headDim;
  int64_t last = type.getShape().back();
  if (!ShapedType::isDynamic(last) && last % size != 0)
    return configError(loc, transform.key + ".head_dim")
           << size << " does not divide the head dimension " << last
           << " of attention '" << name << "'";
  Type precision = getTorchDtype(op.getContext(), scheme.precision);
  if (!isa_and_nonnull<FloatType>(precision))
    return configError(loc, transform.key + ".precision")
           << "expected a float dtype, got '" << scheme.precision << "'";
  bool inverse = transform.args->inverse;

  if (scheme.type == "hadamard" && !scheme.randomize) {
    // deterministic_hadamard_matrix builds Sylvester matrices only.
    if (!llvm::isPowerOf2_64(size))
      return configError(loc, transform.key + ".head_dim")
             << "hadamard transforms need a power-of-two size, got " << size;
    return HadamardOp::create(
               builder, loc, type, input, size, inverse,
               /*signs=*/DenseI8ArrayAttr(),
               precision.isF32() ? TypeAttr() : TypeAttr::get(precision))
        .getResult();
  }

  // The stored matrix: `<module>.<group>_<location>.weight`
  // (TransformFactory._apply_to_module registers it under that name).
  auto prefixFor = [&](StringRef location) {
    return (name + "." + transform.group + "_" + location).str();
  };
  std::string prefix = prefixFor(transform.args->location);
  std::string weightKey = prefix + ".weight";
  if (!weights)
    return configError(loc, transform.key + ".type")
           << scheme.type << (scheme.randomize ? " (randomize)" : "")
           << " transforms of attention '" << name
           << "' need the checkpoint matrix '" << weightKey
           << "'; pass weights=<model.safetensors>";
  // A scheme's transforms of one size share one weight tensor
  // (TransformFactory caches weights per size), and save_pretrained writes a
  // shared tensor once, under the first location's name: R3_k_cache.weight
  // is then stored as R3_q_attn.weight. Look there when the own name is
  // missing.
  llvm::Expected<const SafetensorsTensor &> matrix = weights->get(weightKey);
  for (const cfg::TransformArgs &other : scheme.apply) {
    if (matrix || other.location == transform.args->location)
      continue;
    llvm::consumeError(matrix.takeError());
    prefix = prefixFor(other.location);
    matrix = weights->get(prefix + ".weight");
  }
  if (!matrix) {
    llvm::consumeError(matrix.takeError());
    return weightsError(loc, weightKey)
           << "not found (needed by " << config.path << ": " << transform.key
           << ")";
  }
  weightKey = prefix + ".weight";
  if (ArrayRef<int64_t>(matrix->shape) != ArrayRef<int64_t>{size, size})
    return weightsError(loc, weightKey)
           << "has shape (" << llvm::interleaved(matrix->shape)
           << "), expected (" << size << ", " << size << ") from "
           << config.path << ": " << transform.key << ".head_dim";
  SmallVector<double> entries;
  for (int64_t i = 0; i < size * size; ++i)
    entries.push_back(matrix->getAsDouble(i));

  if (scheme.type == "hadamard") {
    // randomize: HadamardTransform.forward uses weight[perm][:, perm].
    std::string permKey = prefix + ".perm";
    llvm::Expected<const SafetensorsTensor &> perm = weights->get(permKey);
    if (!perm) {
      llvm::consumeError(perm.takeError());
      return weightsError(loc, permKey)
             << "not found (needed by " << config.path << ": "
             << transform.key << ".randomize)";
    }
    SmallVector<int64_t> p;
    for (int64_t i = 0; i < perm->numElements(); ++i)
      p.push_back(static_cast<int64_t>(perm->getAsDouble(i)));
    if (static_cast<int64_t>(p.size()) != size ||
        llvm::any_of(p, [&](int64_t v) { return v < 0 || v >= size; }))
      return weightsError(loc, permKey)
             << "must be a permutation of 0.." << size - 1;
    SmallVector<double> permuted(size * size);
    for (int64_t r = 0; r < size; ++r)
      for (int64_t c = 0; c < size; ++c)
        permuted[r * size + c] = entries[p[r] * size + p[c]];
    entries = std::move(permuted);
  }

  // ct.rotate applies its matrix as given. Hadamard weights are stored as
  // unnormalized ±1 and applied as x @ W / sqrt(n) (HadamardTransform), so
  // the constant is W / sqrt(n); random-matrix weights are applied as they
  // are, and with `inverse` the stored weight already is the inverse
  // (RandomMatrixFactory.create_transform), so no `inverse` is set.
  bool isHadamard = scheme.type != "random-matrix";
  double norm = isHadamard ? std::sqrt(static_cast<double>(size)) : 1.0;
  SmallVector<APFloat> values;
  for (double entry : entries) {
    APFloat value(entry / norm);
    bool lost;
    value.convert(cast<FloatType>(precision).getFloatSemantics(),
                  APFloat::rmNearestTiesToEven, &lost);
    values.push_back(value);
  }
  auto matrixType = RankedTensorType::get({size, size}, precision);
  OpBuilder constants(op);
  Value constant = arith::ConstantOp::create(
      constants, loc, DenseElementsAttr::get(matrixType, values));
  return RotateOp::create(builder, loc, type, input, constant,
                          isHadamard && inverse)
      .getResult();
}

FailureOr<Value> ConfigApplier::buildFakeQuantize(
    OpBuilder &constants, OpBuilder &builder, Location loc, StringRef name,
    StringRef base, const Quantization &quant, Value input) {
  FailureOr<QuantSchemeAttr> scheme = buildScheme(loc, quant);
  if (failed(scheme))
    return failure();
  auto type = cast<RankedTensorType>(input.getType());
  Type dataType = type.getElementType();
  MLIRContext *ctx = builder.getContext();
  // zp_dtype default of QuantizationArgs.validate_model_after.
  Type zpType = scheme->getZpDtype();
  if (!zpType)
    zpType = scheme->isFloat() ? Type(Float8E4M3FNType::get(ctx))
             : scheme->getNumBits() <= 8  ? builder.getI8Type()
             : scheme->getNumBits() <= 16 ? builder.getI16Type()
                                          : builder.getI32Type();
  std::string key = (name + "." + base).str();

  std::string why;
  FailureOr<SmallVector<int64_t>> scaleShape =
      scheme->inferScaleShape(type.getShape(), why);
  if (failed(scaleShape))
    return configError(loc, quant.key)
           << "cannot quantize " << base << " " << type << " of attention '"
           << name << "': " << why;

  Value globalScale;
  // dynamic = local (NVFP4 activations): a static global scale, local
  // scales computed at run time.
  if (scheme->getDynamic() == QuantDynamic::Local) {
    FailureOr<Value> loaded =
        loadConstant(constants, loc, key + "_global_scale", quant.key, {1},
                     builder.getF32Type(), /*allowAnyOnes=*/true);
    if (failed(loaded))
      return failure();
    globalScale = *loaded;
  }

  Value scale, zeroPoint;
  if (scheme->isDynamic()) {
    // compute_dynamic_scales_and_zp: scales in the data's dtype, promoted
    // to f32 by an NVFP4 global scale.
    Type scaleElement = dataType;
    if (globalScale && dataType.getIntOrFloatBitWidth() < 32)
      scaleElement = builder.getF32Type();
    auto scaleType = RankedTensorType::get(*scaleShape, scaleElement);
    auto qparams = CalculateQParamsOp::create(
        builder, loc, scaleType,
        scheme->getSymmetric() ? Type()
                               : RankedTensorType::get(*scaleShape, zpType),
        input, globalScale, *scheme);
    scale = qparams.getScale();
    zeroPoint = qparams.getZeroPoint();
  } else {
    // initialize_attn_qparams observes (heads, None, head_dim): only tensor
    // and attn_head give static shapes without the sequence length.
    if (scheme->getStrategy() != QuantStrategy::Tensor &&
        scheme->getStrategy() != QuantStrategy::AttnHead)
      return configError(loc, quant.key + ".strategy")
             << "static " << stringifyQuantStrategy(scheme->getStrategy())
             << " scales of attention are not supported (the library's "
                "initialize_attn_qparams has no sequence length to shape "
                "them); use tensor, attn_head or dynamic quantization";
    // The scale parameter is created in scale_dtype or the model's dtype,
    // and loading a checkpoint copies into it.
    Type scaleElement = scheme->getScaleDtype() ? scheme->getScaleDtype()
                                                : dataType;
    bool perTensor = scheme->getStrategy() == QuantStrategy::Tensor;
    FailureOr<Value> loaded = loadConstant(constants, loc, key + "_scale",
                                           quant.key, *scaleShape,
                                           scaleElement, perTensor);
    if (failed(loaded))
      return failure();
    scale = *loaded;
    if (!scheme->getSymmetric()) {
      FailureOr<Value> zp = loadConstant(constants, loc, key + "_zero_point",
                                         quant.key, *scaleShape, zpType,
                                         perTensor);
      if (failed(zp))
        return failure();
      zeroPoint = *zp;
    }
  }
  return FakeQuantizeOp::create(builder, loc, type, input, scale, zeroPoint,
                                globalScale, *scheme)
      .getResult();
}

LogicalResult ConfigApplier::apply(HookedAttentionOp op, StringRef name,
                                   const AttentionPlan &plan) {
  if (failed(checkModelShape(op, name)))
    return failure();
  OpBuilder constants(op);
  Location loc = op.getLoc();

  // Appends to a hook: the transforms, then the quantization, after what
  // the hook already computes.
  auto extendHook = [&](Region &region, ArrayRef<Transform> transforms,
                        const std::optional<Quantization> &quant,
                        StringRef base) -> LogicalResult {
    if (transforms.empty() && !quant)
      return success();
    auto yield = cast<YieldOp>(region.front().getTerminator());
    OpBuilder builder(yield);
    Value value = yield.getValue();
    for (const Transform &transform : transforms) {
      FailureOr<Value> rotated =
          buildTransform(builder, loc, op, name, transform, value);
      if (failed(rotated))
        return failure();
      value = *rotated;
    }
    if (quant) {
      FailureOr<Value> quantized =
          buildFakeQuantize(constants, builder, loc, name, base, *quant, value);
      if (failed(quantized))
        return failure();
      value = *quantized;
    }
    yield.getValueMutable().assign(value);
    return success();
  };
  return success(
      succeeded(extendHook(op.getQHook(), plan.qTransforms, plan.q, "q")) &&
      succeeded(extendHook(op.getKHook(), plan.kTransforms, plan.kv, "k")) &&
      succeeded(extendHook(op.getVHook(), {}, plan.kv, "v")));
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

struct ApplyConfigPass : ct::impl::ApplyConfigBase<ApplyConfigPass> {
  using Base::Base;

  void runOnOperation() override {
    Operation *root = getOperation();
    Location rootLoc = root->getLoc();
    if (configPath.empty()) {
      emitError(rootLoc) << "ct-apply-config needs config=<config.json>";
      return signalPassFailure();
    }
    llvm::Expected<cfg::QuantizationConfig> parsed =
        cfg::readQuantizationConfig(configPath);
    if (!parsed) {
      emitError(rootLoc) << toString(parsed.takeError());
      return signalPassFailure();
    }
    std::optional<SafetensorsFile> weights;
    if (!weightsPath.empty()) {
      llvm::Expected<SafetensorsFile> file = SafetensorsFile::open(weightsPath);
      if (!file) {
        emitError(rootLoc) << toString(file.takeError());
        return signalPassFailure();
      }
      weights.emplace(std::move(*file));
    }

    ConfigApplier applier(*parsed, weights ? &*weights : nullptr, weightsPath);
    if (failed(applier.compileTargets(rootLoc)))
      return signalPassFailure();

    SmallVector<HookedAttentionOp> ops;
    root->walk([&](HookedAttentionOp op) { ops.push_back(op); });
    int64_t applied = 0;
    for (auto [index, op] : llvm::enumerate(ops)) {
      if (!op.getNameAttr())
        op.setNameAttr(StringAttr::get(
            &getContext(),
            ct::HookedAttentionOp::expandNameTemplate(nameTemplate, index)));
      StringRef name = *op.getName();
      FailureOr<AttentionPlan> plan = applier.plan(op, name);
      if (failed(plan) ||
          (!plan->empty() && failed(applier.apply(op, name, *plan))))
        return signalPassFailure();
      applied += !plan->empty();
    }
    if (applied == 0)
      emitWarning(rootLoc) << configPath
                           << ": nothing in the config applies to the "
                           << ops.size() << " ct.hooked_attention op(s)";
  }
};

} // namespace
