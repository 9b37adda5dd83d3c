// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// config.json → ct::config structs. Each parse function mirrors one pydantic
// model of compressed-tensors 0.20.1 and its validators; every error names
// the file and the dotted key, so a user can find the offending entry.

#include "ct/Support/QuantizationConfig.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <algorithm>

using namespace llvm;

namespace ct {
namespace config {

namespace {

/// Parses JSON values of one file and words errors as `<file>: <key>: ...`.
class Reader {
public:
  explicit Reader(StringRef path) : path(path) {}

  Error error(const Twine &key, const Twine &message) const {
    return createStringError(inconvertibleErrorCode(),
                             path + ": " + key + ": " + message);
  }

  /// Rejects fields outside `allowed` (pydantic `extra="forbid"`).
  Error checkFields(const json::Object &object, const Twine &key,
                    ArrayRef<StringRef> allowed) const {
    SmallVector<StringRef> unknown;
    for (const auto &entry : object)
      if (!is_contained(allowed, StringRef(entry.first)))
        unknown.push_back(entry.first);
    if (unknown.empty())
      return Error::success();
    llvm::sort(unknown);
    return error(key + "." + unknown.front(),
                 "unknown field; expected one of " + join(allowed, ", "));
  }

  Expected<const json::Object *> object(const json::Value &value,
                                        const Twine &key) const {
    if (const json::Object *o = value.getAsObject())
      return o;
    return error(key, "expected an object");
  }

  /// `value` as an object with only `allowed` fields.
  Expected<const json::Object *> object(const json::Value &value,
                                        const Twine &key,
                                        ArrayRef<StringRef> allowed) const {
    Expected<const json::Object *> o = object(value, key);
    if (!o)
      return o.takeError();
    if (Error e = checkFields(**o, key, allowed))
      return std::move(e);
    return o;
  }

  /// Field `name` of `object`, which must be there.
  Expected<const json::Value *> required(const json::Object &object,
                                         const Twine &key,
                                         StringRef name) const {
    if (const json::Value *v = object.get(name))
      return v;
    return error(key + "." + name, "required field is missing");
  }

  Expected<std::string> string(const json::Value &value,
                               const Twine &key) const {
    if (std::optional<StringRef> s = value.getAsString())
      return s->str();
    return error(key, "expected a string");
  }

  Expected<bool> boolean(const json::Value &value, const Twine &key) const {
    if (std::optional<bool> b = value.getAsBoolean())
      return *b;
    return error(key, "expected true or false");
  }

  Expected<int64_t> integer(const json::Value &value, const Twine &key) const {
    if (std::optional<int64_t> i = value.getAsInteger())
      return *i;
    return error(key, "expected an integer");
  }

  /// A list of strings; with `wrapSingleton` a lone string is one element
  /// (TransformArgs.wrap_singleton).
  Expected<std::vector<std::string>> strings(const json::Value &value,
                                             const Twine &key,
                                             bool wrapSingleton) const {
    if (wrapSingleton)
      if (std::optional<StringRef> s = value.getAsString())
        return std::vector<std::string>{s->str()};
    const json::Array *array = value.getAsArray();
    if (!array)
      return error(key, "expected a list of strings");
    std::vector<std::string> result;
    for (auto [index, element] : enumerate(*array)) {
      std::optional<StringRef> s = element.getAsString();
      if (!s)
        return error(key + "[" + Twine(index) + "]", "expected a string");
      result.push_back(s->str());
    }
    return result;
  }

  /// A string that must be one of `values` (after lower-casing when the
  /// library's validator lower-cases).
  Expected<std::string> choice(const json::Value &value, const Twine &key,
                               ArrayRef<StringRef> values,
                               bool lowerCase) const {
    Expected<std::string> s = string(value, key);
    if (!s)
      return s.takeError();
    std::string v = lowerCase ? StringRef(*s).lower() : *s;
    if (!is_contained(values, StringRef(v)))
      return error(key, "unknown value '" + *s + "'; expected one of " +
                            join(values, ", "));
    return v;
  }

  /// A torch dtype as TorchDtype accepts it: `torch.xxx` or `xxx`.
  Expected<std::string> torchDtype(const json::Value &value,
                                   const Twine &key) const {
    static constexpr StringRef kDtypes[] = {
        "float32",     "float",          "float64",       "double",
        "float16",     "half",           "bfloat16",      "float8_e4m3fn",
        "float8_e5m2", "float8_e8m0fnu", "float4_e2m1fn_x2", "uint8",
        "int8",        "int16",          "int32",         "int64",
        "bool"};
    Expected<std::string> s = string(value, key);
    if (!s)
      return s.takeError();
    StringRef name = StringRef(*s);
    name.consume_front("torch.");
    if (!is_contained(kDtypes, name))
      return error(key, "no such torch dtype 'torch." + name + "'");
    return name.str();
  }

  std::string path;
};

/// Looks `name` up in `object`, treating JSON null like an absent field
/// (pydantic `X | None = None`).
const json::Value *field(const json::Object &object, StringRef name) {
  const json::Value *value = object.get(name);
  if (!value || value->kind() == json::Value::Null)
    return nullptr;
  return value;
}

/// The keys of `object` in sorted order (config.json is written with
/// sort_keys=True; llvm::json::Object does not keep file order).
SmallVector<StringRef> sortedKeys(const json::Object &object) {
  SmallVector<StringRef> keys;
  for (const auto &entry : object)
    keys.push_back(entry.first);
  llvm::sort(keys);
  return keys;
}

// quant_args.py: QuantizationArgs and its field/model validators.
Expected<QuantizationArgs> parseArgs(const Reader &reader,
                                     const json::Value &value,
                                     const std::string &key) {
  Expected<const json::Object *> objectOr = reader.object(
      value, key,
      {"num_bits", "type", "symmetric", "group_size", "strategy",
       "block_structure", "dynamic", "actorder", "scale_dtype", "zp_dtype",
       "observer", "observer_kwargs"});
  if (!objectOr)
    return objectOr.takeError();
  const json::Object &object = **objectOr;

  QuantizationArgs args;
  if (const json::Value *v = field(object, "num_bits")) {
    Expected<int64_t> bits = reader.integer(*v, key + ".num_bits");
    if (!bits)
      return bits.takeError();
    if (*bits <= 0)
      return reader.error(key + ".num_bits",
                          "expected a positive bit width, got " + Twine(*bits));
    args.numBits = *bits;
  }
  if (const json::Value *v = field(object, "type")) {
    Expected<std::string> type =
        reader.choice(*v, key + ".type", {"int", "float"}, /*lowerCase=*/true);
    if (!type)
      return type.takeError();
    args.type = *type;
  }
  if (const json::Value *v = field(object, "symmetric")) {
    Expected<bool> symmetric = reader.boolean(*v, key + ".symmetric");
    if (!symmetric)
      return symmetric.takeError();
    args.symmetric = *symmetric;
  }
  std::optional<int64_t> groupSize;
  if (const json::Value *v = field(object, "group_size")) {
    Expected<int64_t> size = reader.integer(*v, key + ".group_size");
    if (!size)
      return size.takeError();
    if (*size < -1)
      return reader.error(key + ".group_size",
                          "invalid group size " + Twine(*size) +
                              "; use group_size > 0 for strategy 'group' and "
                              "-1 for 'channel'");
    groupSize = *size;
  }
  std::optional<std::string> strategy;
  if (const json::Value *v = field(object, "strategy")) {
    Expected<std::string> s = reader.choice(
        *v, key + ".strategy",
        {"tensor", "channel", "group", "block", "token", "tensor_group",
         "attn_head"},
        /*lowerCase=*/true);
    if (!s)
      return s.takeError();
    strategy = *s;
  }
  if (const json::Value *v = field(object, "block_structure")) {
    // A list [rows, cols] or the string "RxC" (validate_block_structure).
    auto invalid = [&] {
      return reader.error(key + ".block_structure",
                          "expected a list of two positive ints [rows, cols] "
                          "or \"RxC\"");
    };
    SmallVector<int64_t> dims;
    if (std::optional<StringRef> s = v->getAsString()) {
      SmallVector<StringRef> parts;
      s->split(parts, 'x');
      for (StringRef part : parts)
        if (part.trim().getAsInteger(10, dims.emplace_back()))
          return invalid();
    } else if (const json::Array *array = v->getAsArray()) {
      for (const json::Value &element : *array) {
        std::optional<int64_t> d = element.getAsInteger();
        if (!d)
          return invalid();
        dims.push_back(*d);
      }
    } else {
      return invalid();
    }
    if (dims.size() != 2 || any_of(dims, [](int64_t d) { return d <= 0; }))
      return invalid();
    args.blockStructure.assign(dims.begin(), dims.end());
  }
  if (const json::Value *v = field(object, "dynamic")) {
    if (std::optional<bool> b = v->getAsBoolean()) {
      args.dynamic = *b ? Dynamic::Dynamic : Dynamic::Static;
    } else {
      Expected<std::string> s =
          reader.choice(*v, key + ".dynamic", {"local"}, /*lowerCase=*/true);
      if (!s)
        return reader.error(key + ".dynamic",
                            "expected true, false or \"local\"");
      args.dynamic = Dynamic::Local;
    }
  }
  if (const json::Value *v = field(object, "actorder")) {
    // validate_actorder: false means none, true and group/dynamic were
    // removed, static is an alias of weight.
    if (std::optional<bool> b = v->getAsBoolean()) {
      if (*b)
        return reader.error(key + ".actorder",
                            "actorder=true was removed; use \"weight\" or null");
    } else {
      Expected<std::string> s =
          reader.choice(*v, key + ".actorder",
                        {"weight", "static", "group", "dynamic"},
                        /*lowerCase=*/true);
      if (!s)
        return s.takeError();
      if (*s == "group" || *s == "dynamic")
        return reader.error(key + ".actorder",
                            "actorder='" + *s +
                                "' was removed; use \"weight\" or null");
      args.actorder = "weight";
    }
  }
  for (auto [name, slot] :
       {std::pair<StringRef, std::string *>{"scale_dtype", &args.scaleDtype},
        {"zp_dtype", &args.zpDtype}})
    if (const json::Value *v = field(object, name)) {
      Expected<std::string> dtype = reader.torchDtype(*v, key + "." + name);
      if (!dtype)
        return dtype.takeError();
      *slot = *dtype;
    }
  if (const json::Value *v = field(object, "observer"))
    if (Expected<std::string> s = reader.string(*v, key + ".observer"); !s)
      return s.takeError();
  if (const json::Value *v = field(object, "observer_kwargs"))
    if (Expected<const json::Object *> o =
            reader.object(*v, key + ".observer_kwargs");
        !o)
      return o.takeError();

  // validate_model_after: the strategy inferred from the group size. The
  // remaining checks are the #ct.quant verifier's, which ct-apply-config
  // runs on the result.
  if (!strategy) {
    if (!groupSize)
      strategy = "tensor";
    else if (*groupSize > 0)
      strategy = "group";
    else if (*groupSize == -1)
      strategy = "channel";
    else
      return reader.error(key + ".group_size",
                          "invalid group size " + Twine(*groupSize) +
                              "; use group_size > 0 for strategy 'group' and "
                              "-1 for 'channel'");
  }
  args.strategy = *strategy;
  // The library only looks at a positive group size outside group
  // strategies; -1 (channel) and 0 carry no meaning there.
  bool grouped = *strategy == "group" || *strategy == "tensor_group";
  if (groupSize && (grouped || *groupSize > 0))
    args.groupSize = groupSize;
  return args;
}

Expected<std::optional<QuantizationArgs>>
parseOptionalArgs(const Reader &reader, const json::Object &object,
                  StringRef name, const std::string &key) {
  const json::Value *value = field(object, name);
  if (!value)
    return std::optional<QuantizationArgs>();
  Expected<QuantizationArgs> args = parseArgs(reader, *value, key);
  if (!args)
    return args.takeError();
  return std::optional<QuantizationArgs>(std::move(*args));
}

// quant_scheme.py: QuantizationScheme.validate_model_after.
Error validateScheme(const Reader &reader, const QuantizationScheme &scheme,
                     const std::string &key) {
  if (const std::optional<QuantizationArgs> &inputs = scheme.inputActivations) {
    if (!is_contained({StringRef("token"), StringRef("tensor"),
                       StringRef("group"), StringRef("tensor_group"),
                       StringRef("attn_head")},
                      StringRef(inputs->strategy)))
      return reader.error(key + ".input_activations.strategy",
                          "strategy " + inputs->strategy +
                              " is not supported for activation quantization");
    if (!inputs->actorder.empty())
      return reader.error(key + ".input_activations.actorder",
                          "cannot apply actorder to input activations");
  }
  if (scheme.outputActivations && !scheme.outputActivations->actorder.empty())
    return reader.error(key + ".output_activations.actorder",
                        "cannot apply actorder to output activations");
  if (scheme.format == "mixed-precision")
    return reader.error(key + ".format", "mixed-precision cannot be set as the "
                                         "format of a QuantizationScheme");
  return Error::success();
}

Expected<QuantizationScheme> parseScheme(const Reader &reader,
                                         const json::Object &object,
                                         const std::string &key) {
  if (Error e = reader.checkFields(object, key,
                                   {"targets", "weights", "input_activations",
                                    "output_activations", "format"}))
    return std::move(e);
  QuantizationScheme scheme;
  Expected<const json::Value *> targets =
      reader.required(object, key, "targets");
  if (!targets)
    return targets.takeError();
  Expected<std::vector<std::string>> t =
      reader.strings(**targets, key + ".targets", /*wrapSingleton=*/false);
  if (!t)
    return t.takeError();
  scheme.targets = std::move(*t);
  for (auto [name, slot] :
       {std::pair<StringRef, std::optional<QuantizationArgs> *>{
            "weights", &scheme.weights},
        {"input_activations", &scheme.inputActivations},
        {"output_activations", &scheme.outputActivations}}) {
    Expected<std::optional<QuantizationArgs>> args =
        parseOptionalArgs(reader, object, name, key + "." + name.str());
    if (!args)
      return args.takeError();
    *slot = std::move(*args);
  }
  if (const json::Value *v = field(object, "format")) {
    Expected<std::string> format = reader.string(*v, key + ".format");
    if (!format)
      return format.takeError();
    scheme.format = *format;
  }
  if (Error e = validateScheme(reader, scheme, key))
    return std::move(e);
  return scheme;
}

// transform/transform_args.py: TransformArgs.
Expected<TransformArgs> parseTransformArgs(const Reader &reader,
                                           const json::Value &value,
                                           const std::string &key) {
  Expected<const json::Object *> objectOr = reader.object(
      value, key, {"targets", "location", "inverse", "ignore"});
  if (!objectOr)
    return objectOr.takeError();
  const json::Object &object = **objectOr;
  TransformArgs args;
  Expected<const json::Value *> targets =
      reader.required(object, key, "targets");
  if (!targets)
    return targets.takeError();
  Expected<std::vector<std::string>> t =
      reader.strings(**targets, key + ".targets", /*wrapSingleton=*/true);
  if (!t)
    return t.takeError();
  args.targets = std::move(*t);
  Expected<const json::Value *> location =
      reader.required(object, key, "location");
  if (!location)
    return location.takeError();
  Expected<std::string> l = reader.choice(
      **location, key + ".location",
      {"input", "weight_input", "weight_output", "output", "k_cache", "q_attn"},
      /*lowerCase=*/false);
  if (!l)
    return l.takeError();
  args.location = *l;
  if (const json::Value *v = field(object, "inverse")) {
    Expected<bool> inverse = reader.boolean(*v, key + ".inverse");
    if (!inverse)
      return inverse.takeError();
    args.inverse = *inverse;
  }
  if (const json::Value *v = field(object, "ignore")) {
    Expected<std::vector<std::string>> ignore =
        reader.strings(*v, key + ".ignore", /*wrapSingleton=*/true);
    if (!ignore)
      return ignore.takeError();
    args.ignore = std::move(*ignore);
  }
  return args;
}

// transform/transform_scheme.py: TransformScheme. `type` is looked up in the
// factory registry, which standardizes names (`random_hadamard` works too).
Expected<TransformScheme> parseTransformScheme(const Reader &reader,
                                               const json::Value &value,
                                               const std::string &key) {
  Expected<const json::Object *> objectOr = reader.object(
      value, key,
      {"type", "apply", "randomize", "requires_grad", "head_dim",
       "precision"});
  if (!objectOr)
    return objectOr.takeError();
  const json::Object &object = **objectOr;
  TransformScheme scheme;
  Expected<const json::Value *> type = reader.required(object, key, "type");
  if (!type)
    return type.takeError();
  Expected<std::string> typeName = reader.string(**type, key + ".type");
  if (!typeName)
    return typeName.takeError();
  std::string standardized = StringRef(*typeName).lower();
  std::replace(standardized.begin(), standardized.end(), '_', '-');
  std::replace(standardized.begin(), standardized.end(), ' ', '-');
  if (!is_contained({StringRef("hadamard"), StringRef("random-hadamard"),
                     StringRef("random-matrix")},
                    StringRef(standardized)))
    return reader.error(key + ".type",
                        "unknown transform type '" + *typeName +
                            "'; expected one of hadamard, random-hadamard, "
                            "random-matrix");
  scheme.type = standardized;
  if (const json::Value *v = field(object, "apply")) {
    const json::Array *array = v->getAsArray();
    if (!array)
      return reader.error(key + ".apply", "expected a list");
    for (auto [index, element] : enumerate(*array)) {
      Expected<TransformArgs> args = parseTransformArgs(
          reader, element, key + ".apply[" + std::to_string(index) + "]");
      if (!args)
        return args.takeError();
      scheme.apply.push_back(std::move(*args));
    }
  }
  for (auto [name, slot] :
       {std::pair<StringRef, bool *>{"randomize", &scheme.randomize},
        {"requires_grad", &scheme.requiresGrad}})
    if (const json::Value *v = field(object, name)) {
      Expected<bool> b = reader.boolean(*v, key + "." + name);
      if (!b)
        return b.takeError();
      *slot = *b;
    }
  if (const json::Value *v = field(object, "head_dim")) {
    Expected<int64_t> headDim = reader.integer(*v, key + ".head_dim");
    if (!headDim)
      return headDim.takeError();
    if (*headDim <= 0)
      return reader.error(key + ".head_dim",
                          "expected a positive size, got " + Twine(*headDim));
    scheme.headDim = *headDim;
  }
  if (const json::Value *v = field(object, "precision")) {
    Expected<std::string> precision = reader.torchDtype(*v, key + ".precision");
    if (!precision)
      return precision.takeError();
    scheme.precision = *precision;
  }
  return scheme;
}

Error parseTransformConfig(const Reader &reader, const json::Value &value,
                           const std::string &key,
                           QuantizationConfig &config) {
  Expected<const json::Object *> objectOr = reader.object(value, key);
  if (!objectOr)
    return objectOr.takeError();
  const json::Object &object = **objectOr;
  // update_config writes `{}` when the model has no transforms.
  if (object.empty())
    return Error::success();
  if (Error e = reader.checkFields(object, key, {"config_groups"}))
    return e;
  Expected<const json::Value *> groups =
      reader.required(object, key, "config_groups");
  if (!groups)
    return groups.takeError();
  Expected<const json::Object *> groupsOr =
      reader.object(**groups, key + ".config_groups");
  if (!groupsOr)
    return groupsOr.takeError();
  for (StringRef name : sortedKeys(**groupsOr)) {
    Expected<TransformScheme> scheme =
        parseTransformScheme(reader, *(*groupsOr)->get(name),
                             key + ".config_groups." + name.str());
    if (!scheme)
      return scheme.takeError();
    config.transformGroups.emplace_back(name.str(), std::move(*scheme));
  }
  return Error::success();
}

// quant_config.py: QuantizationConfig (extra="ignore"), plus the
// transform_config that ModelCompressor.update_config stores next to it.
Error parseQuantizationConfigObject(const Reader &reader,
                                    const json::Object &object,
                                    QuantizationConfig &config) {
  auto key = [&](StringRef name) { return config.key(name); };

  const json::Value *groups = field(object, "config_groups");
  if (!groups)
    return reader.error(key("config_groups"), "required field is missing");
  Expected<const json::Object *> groupsOr =
      reader.object(*groups, key("config_groups"));
  if (!groupsOr)
    return groupsOr.takeError();
  for (StringRef name : sortedKeys(**groupsOr)) {
    std::string groupKey = key("config_groups") + "." + name.str();
    const json::Value &value = *(*groupsOr)->get(name);
    // A group may be a preset name mapped to its targets
    // (QuantizationConfig.model_post_init).
    if (value.getAsArray()) {
      Expected<std::vector<std::string>> targets =
          reader.strings(value, groupKey, /*wrapSingleton=*/false);
      if (!targets)
        return targets.takeError();
      std::optional<QuantizationScheme> preset =
          presetScheme(name, std::move(*targets));
      if (!preset)
        return reader.error(groupKey, "unknown preset scheme name '" + name +
                                          "' for a list of targets");
      config.configGroups.emplace_back(name.str(), std::move(*preset));
      continue;
    }
    Expected<const json::Object *> schemeObject =
        reader.object(value, groupKey);
    if (!schemeObject)
      return reader.error(groupKey, "expected a scheme object or a list of "
                                    "targets of a preset");
    Expected<QuantizationScheme> scheme =
        parseScheme(reader, **schemeObject, groupKey);
    if (!scheme)
      return scheme.takeError();
    config.configGroups.emplace_back(name.str(), std::move(*scheme));
  }

  Expected<std::optional<QuantizationArgs>> kvCache = parseOptionalArgs(
      reader, object, "kv_cache_scheme", key("kv_cache_scheme"));
  if (!kvCache)
    return kvCache.takeError();
  config.kvCacheScheme = std::move(*kvCache);
  if (config.kvCacheScheme) {
    // _apply_kv_cache_scheme wraps it as the input_activations of a scheme,
    // whose validator then applies.
    QuantizationScheme wrapped;
    wrapped.inputActivations = config.kvCacheScheme;
    if (Error e = validateScheme(reader, wrapped, key("kv_cache_scheme")))
      return e;
  }

  if (const json::Value *v = field(object, "ignore")) {
    Expected<std::vector<std::string>> ignore =
        reader.strings(*v, key("ignore"), /*wrapSingleton=*/false);
    if (!ignore)
      return ignore.takeError();
    config.ignore = std::move(*ignore);
  }
  for (auto [name, slot] :
       {std::pair<StringRef, std::string *>{"quantization_status",
                                            &config.quantizationStatus},
        {"format", &config.format}})
    if (const json::Value *v = field(object, name)) {
      Expected<std::string> s = reader.string(*v, key(name));
      if (!s)
        return s.takeError();
      *slot = *s;
    }
  if (const json::Value *v = field(object, "transform_config"))
    if (Error e = parseTransformConfig(reader, *v, key("transform_config"),
                                       config))
      return e;
  return Error::success();
}

/// The model facts of a Hugging Face config.json that matching and scale
/// shapes need (get_num_attn_heads, get_num_kv_heads, get_head_dim).
Error parseModelFields(const Reader &reader, const json::Object &object,
                       QuantizationConfig &config) {
  if (const json::Value *v = field(object, "architectures")) {
    Expected<std::vector<std::string>> architectures =
        reader.strings(*v, "architectures", /*wrapSingleton=*/false);
    if (!architectures)
      return architectures.takeError();
    config.architectures = std::move(*architectures);
  }
  if (const json::Value *v = field(object, "model_type")) {
    Expected<std::string> modelType = reader.string(*v, "model_type");
    if (!modelType)
      return modelType.takeError();
    config.modelType = *modelType;
  }
  std::optional<int64_t> hiddenSize;
  for (auto [name, slot] :
       {std::pair<StringRef, std::optional<int64_t> *>{
            "num_attention_heads", &config.numAttentionHeads},
        {"num_key_value_heads", &config.numKeyValueHeads},
        {"head_dim", &config.headDim},
        {"hidden_size", &hiddenSize}})
    if (const json::Value *v = field(object, name)) {
      Expected<int64_t> i = reader.integer(*v, name);
      if (!i)
        return i.takeError();
      if (*i <= 0)
        return reader.error(name, "expected a positive integer, got " +
                                      Twine(*i));
      *slot = *i;
    }
  // get_num_kv_heads falls back to the attention heads (no GQA).
  if (!config.numKeyValueHeads)
    config.numKeyValueHeads = config.numAttentionHeads;
  if (!config.headDim && hiddenSize && config.numAttentionHeads)
    config.headDim = *hiddenSize / *config.numAttentionHeads;
  return Error::success();
}

} // namespace

std::string QuantizationConfig::key(StringRef relative) const {
  if (keyPrefix.empty())
    return relative.str();
  if (relative.empty())
    return keyPrefix;
  return keyPrefix + "." + relative.str();
}

std::string QuantizationConfig::modelClassPrefix() const {
  // LlamaForCausalLM → Llama: transformers names every head class
  // `<Model>For<Task>` and the attention class `<Model>Attention`.
  for (StringRef architecture : architectures) {
    size_t at = architecture.find("For");
    if (at != StringRef::npos && at > 0)
      return architecture.take_front(at).str();
  }
  // model_type is the lower-case module name: llama → Llama, qwen2 → Qwen2,
  // gpt_oss → GptOss. Irregular names (GPTNeoX) need `architectures`.
  std::string prefix;
  bool upper = true;
  for (char c : modelType) {
    if (c == '_' || c == '-') {
      upper = true;
      continue;
    }
    prefix.push_back(upper ? toUpper(c) : c);
    upper = false;
  }
  return prefix;
}

Expected<QuantizationConfig> parseQuantizationConfig(StringRef json,
                                                     StringRef path) {
  Reader reader(path);
  Expected<json::Value> value = json::parse(json);
  if (!value)
    return createStringError(inconvertibleErrorCode(),
                             path + ": not valid JSON: " +
                                 toString(value.takeError()));
  const json::Object *object = value->getAsObject();
  if (!object)
    return reader.error("(top level)", "expected an object");

  QuantizationConfig config;
  config.path = path.str();
  if (const json::Value *quantization = object->get("quantization_config")) {
    config.keyPrefix = "quantization_config";
    Expected<const json::Object *> inner =
        reader.object(*quantization, "quantization_config");
    if (!inner)
      return inner.takeError();
    if (Error e = parseModelFields(reader, *object, config))
      return std::move(e);
    if (Error e = parseQuantizationConfigObject(reader, **inner, config))
      return std::move(e);
    return config;
  }
  if (!object->get("config_groups"))
    return reader.error("quantization_config",
                        "not found, and the file is not a quantization config "
                        "itself (no config_groups)");
  if (Error e = parseQuantizationConfigObject(reader, *object, config))
    return std::move(e);
  return config;
}

Expected<QuantizationConfig> readQuantizationConfig(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> file = MemoryBuffer::getFile(path);
  if (!file)
    return createStringError(file.getError(), path + ": cannot read: " +
                                                  file.getError().message());
  return parseQuantizationConfig((*file)->getBuffer(), path);
}

//===----------------------------------------------------------------------===//
// Presets (quant_scheme.py PRESET_SCHEMES)
//===----------------------------------------------------------------------===//

namespace {

QuantizationArgs makeArgs(unsigned bits, StringRef type, StringRef strategy,
                          std::optional<int64_t> groupSize = std::nullopt,
                          Dynamic dynamic = Dynamic::Static,
                          StringRef scaleDtype = "") {
  QuantizationArgs args;
  args.numBits = bits;
  args.type = type.str();
  args.strategy = strategy.str();
  args.groupSize = groupSize;
  args.dynamic = dynamic;
  args.scaleDtype = scaleDtype.str();
  return args;
}

// _int_wnam: int weights in groups of 128, int per-token dynamic activations
// unless act_bits is 16.
QuantizationScheme intWeightsActivations(unsigned weightBits,
                                         unsigned actBits) {
  QuantizationScheme scheme;
  scheme.weights = makeArgs(weightBits, "int", "group", 128);
  if (actBits < 16)
    scheme.inputActivations =
        makeArgs(actBits, "int", "token", std::nullopt, Dynamic::Dynamic);
  return scheme;
}

QuantizationScheme mxScheme(unsigned weightBits,
                            std::optional<QuantizationArgs> inputs) {
  QuantizationScheme scheme;
  scheme.weights = makeArgs(weightBits, "float", "group", 32, Dynamic::Static,
                            "uint8");
  scheme.inputActivations = std::move(inputs);
  return scheme;
}

} // namespace

std::optional<QuantizationScheme> presetScheme(StringRef name,
                                               std::vector<std::string> targets) {
  std::string upper = name.upper();
  StringRef preset(upper);
  std::optional<QuantizationScheme> scheme;

  unsigned w, a;
  if (preset == "UNQUANTIZED") {
    scheme.emplace();
  } else if (preset == "W8A8" || preset == "INT8") {
    scheme.emplace();
    scheme->weights = makeArgs(8, "int", "channel");
    scheme->inputActivations =
        makeArgs(8, "int", "token", std::nullopt, Dynamic::Dynamic);
  } else if (preset == "W4A16_ASYM") {
    scheme.emplace();
    scheme->weights = makeArgs(4, "int", "group", 128);
    scheme->weights->symmetric = false;
  } else if (preset == "W4AFP8") {
    scheme.emplace();
    scheme->weights = makeArgs(4, "int", "group", 128);
    scheme->inputActivations =
        makeArgs(8, "float", "token", std::nullopt, Dynamic::Dynamic);
  } else if (preset == "FP8") {
    scheme.emplace();
    scheme->weights = makeArgs(8, "float", "tensor");
    scheme->inputActivations = makeArgs(8, "float", "tensor");
  } else if (preset == "FP8_DYNAMIC") {
    scheme.emplace();
    scheme->weights = makeArgs(8, "float", "channel");
    scheme->inputActivations =
        makeArgs(8, "float", "token", std::nullopt, Dynamic::Dynamic);
  } else if (preset == "FP8_BLOCK") {
    scheme.emplace();
    scheme->weights = makeArgs(8, "float", "block");
    scheme->weights->blockStructure = {128, 128};
    scheme->inputActivations =
        makeArgs(8, "float", "group", 128, Dynamic::Dynamic);
  } else if (preset == "NVFP4A16" || preset == "NVFP4") {
    scheme.emplace();
    scheme->weights = makeArgs(4, "float", "tensor_group", 16, Dynamic::Static,
                               "float8_e4m3fn");
    if (preset == "NVFP4")
      scheme->inputActivations = makeArgs(4, "float", "tensor_group", 16,
                                          Dynamic::Local, "float8_e4m3fn");
  } else if (preset == "MXFP4A16") {
    scheme = mxScheme(4, std::nullopt);
  } else if (preset == "MXFP4") {
    scheme = mxScheme(4, makeArgs(4, "float", "group", 32, Dynamic::Dynamic,
                                  "uint8"));
  } else if (preset == "MXFP4XFP8") {
    scheme = mxScheme(4, makeArgs(8, "float", "group", 128, Dynamic::Dynamic));
  } else if (preset == "MXFP6A16") {
    scheme = mxScheme(6, std::nullopt);
  } else if (preset == "MXFP6A8") {
    scheme = mxScheme(6, makeArgs(8, "float", "group", 32, Dynamic::Dynamic,
                                  "uint8"));
  } else if (preset == "MXFP8A16") {
    scheme = mxScheme(8, std::nullopt);
  } else if (preset == "MXFP8") {
    scheme = mxScheme(8, makeArgs(8, "float", "group", 32, Dynamic::Dynamic,
                                  "uint8"));
  } else if (preset.consume_front("W") && !preset.consumeInteger(10, w) &&
             preset.consume_front("A") && !preset.consumeInteger(10, a) &&
             preset.empty() && w >= 2 && w <= 8 &&
             (a == 4 || a == 8 || a == 16) && w <= a) {
    // W2A4 … W8A16: the generic WxAy template (W8A8 is special-cased above).
    scheme = intWeightsActivations(w, a);
  }
  if (scheme) {
    // The presets spell out zp_dtype: uint8 next to the MX scale dtype,
    // fp8 e4m3fn for NVFP4; the others leave the library's default.
    for (std::optional<QuantizationArgs> *args :
         {&scheme->weights, &scheme->inputActivations})
      if (*args && !(*args)->scaleDtype.empty())
        (*args)->zpDtype = (*args)->scaleDtype == "uint8" ? "uint8"
                                                          : "float8_e4m3fn";
    scheme->targets = std::move(targets);
  }
  return scheme;
}

} // namespace config
} // namespace ct
