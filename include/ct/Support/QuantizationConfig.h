// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Reading what a compressed-tensors checkpoint asks for from its config.json:
// the `quantization_config` (config groups, kv_cache_scheme, ignore,
// transform_config) and the model facts that targets and scale shapes depend
// on (architectures, head counts). MLIR-free so that tools and tests can read
// configs without a context; ct-apply-config turns the result into IR.
//
// The structs mirror the library's pydantic models (quant_args.py,
// quant_scheme.py, quant_config.py, transform/*.py) after their validators
// ran: strategies are inferred, presets expanded, singleton strings wrapped.
// Models with `extra="forbid"` reject unknown fields here as well, and
// QuantizationConfig (`extra="ignore"`) ignores them, as the library does.

#ifndef CT_SUPPORT_QUANTIZATIONCONFIG_H
#define CT_SUPPORT_QUANTIZATIONCONFIG_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ct {
namespace config {

/// compressed-tensors `DynamicType | bool`: false, true or "local".
enum class Dynamic { Static, Dynamic, Local };

/// compressed-tensors `QuantizationArgs`, after `validate_model_after`.
struct QuantizationArgs {
  unsigned numBits = 8;
  /// "int" or "float".
  std::string type = "int";
  bool symmetric = true;
  /// Always set: the library infers "tensor", "group" (group_size > 0) or
  /// "channel" (group_size == -1) when the JSON has none.
  std::string strategy = "tensor";
  /// Only for group and tensor_group (-1 became strategy channel).
  std::optional<int64_t> groupSize;
  std::vector<int64_t> blockStructure;
  Dynamic dynamic = Dynamic::Static;
  /// torch dtype names without the `torch.` prefix ("bfloat16",
  /// "float8_e4m3fn", "uint8", ...); empty when the JSON has none.
  std::string scaleDtype;
  std::string zpDtype;
  /// "weight" or empty (actorder only matters for GPTQ calibration).
  std::string actorder;
};

/// compressed-tensors `QuantizationScheme`.
struct QuantizationScheme {
  std::vector<std::string> targets;
  std::optional<QuantizationArgs> weights;
  std::optional<QuantizationArgs> inputActivations;
  std::optional<QuantizationArgs> outputActivations;
  std::string format;
};

/// compressed-tensors `TransformArgs`.
struct TransformArgs {
  std::vector<std::string> targets;
  /// input, output, weight_input, weight_output, q_attn or k_cache.
  std::string location;
  bool inverse = false;
  std::vector<std::string> ignore;
};

/// compressed-tensors `TransformScheme`.
struct TransformScheme {
  /// hadamard, random-hadamard or random-matrix.
  std::string type;
  std::vector<TransformArgs> apply;
  bool randomize = false;
  bool requiresGrad = false;
  std::optional<int64_t> headDim;
  /// torch dtype name without the prefix; the library's default is float32.
  std::string precision = "float32";
};

/// A config.json (or a bare `quantization_config` object) as read.
struct QuantizationConfig {
  /// The file it came from, for error messages.
  std::string path;
  /// Where the quantization config sits in the file: "quantization_config"
  /// inside a model's config.json, "" for a bare one. Error messages and
  /// callers name keys as `<prefix>.config_groups.<name>...`.
  std::string keyPrefix;

  /// Config groups and transform groups in key order. Python dicts keep
  /// insertion order, but `ModelCompressor.update_config` writes config.json
  /// with `sort_keys=True`, so key order is the order the library sees when
  /// it loads a checkpoint it wrote.
  std::vector<std::pair<std::string, QuantizationScheme>> configGroups;
  std::optional<QuantizationArgs> kvCacheScheme;
  std::vector<std::string> ignore;
  std::vector<std::pair<std::string, TransformScheme>> transformGroups;
  std::string quantizationStatus;
  std::string format;

  /// From the model's config.json (absent for a bare quantization config).
  std::vector<std::string> architectures;
  std::string modelType;
  std::optional<int64_t> numAttentionHeads;
  std::optional<int64_t> numKeyValueHeads;
  /// `head_dim`, or `hidden_size / num_attention_heads` as the library's
  /// get_head_dim computes it.
  std::optional<int64_t> headDim;

  /// The Hugging Face class name prefix of the model ("Llama" for
  /// LlamaForCausalLM or model_type "llama"), or "" when unknown. Attention
  /// modules are `<prefix>Attention`, decoder layers `<prefix>DecoderLayer`.
  std::string modelClassPrefix() const;

  /// `<prefix>.<key>`, or `<key>` for a bare config: how messages name keys.
  std::string key(llvm::StringRef relative) const;
};

/// Parses `json` (the contents of `path`): a model config.json with a
/// `quantization_config` object, or the quantization config itself. Errors
/// name the file and the key (`config.json: quantization_config.
/// kv_cache_scheme.strategy: unknown value 'foo'; expected one of ...`).
llvm::Expected<QuantizationConfig>
parseQuantizationConfig(llvm::StringRef json, llvm::StringRef path);

/// Reads and parses `path`.
llvm::Expected<QuantizationConfig> readQuantizationConfig(llvm::StringRef path);

/// The scheme of a compressed-tensors preset name (`FP8`, `W8A8`, `NVFP4`,
/// ... as `PRESET_SCHEMES` in quant_scheme.py, case-insensitive) with the
/// given targets, or std::nullopt when there is no such preset.
std::optional<QuantizationScheme>
presetScheme(llvm::StringRef name, std::vector<std::string> targets);

} // namespace config
} // namespace ct

#endif // CT_SUPPORT_QUANTIZATIONCONFIG_H
