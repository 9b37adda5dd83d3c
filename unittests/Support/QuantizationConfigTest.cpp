// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// The config.json reader against the library's serialization: strategy
// inference, presets, model facts, and errors that name the file and key.

#include "ct/Support/QuantizationConfig.h"

#include "gtest/gtest.h"

using namespace ct::config;

namespace {

std::string errorOf(llvm::StringRef json) {
  llvm::Expected<QuantizationConfig> config =
      parseQuantizationConfig(json, "config.json");
  if (config)
    return "";
  return llvm::toString(config.takeError());
}

TEST(QuantizationConfigTest, ReadsCommittedFixture) {
  llvm::Expected<QuantizationConfig> config = readQuantizationConfig(
      CT_SOURCE_DIR "/test/Transforms/Inputs/r3-fp8-attn-head.config.json");
  ASSERT_TRUE(static_cast<bool>(config)) << llvm::toString(config.takeError());
  EXPECT_EQ(config->keyPrefix, "quantization_config");
  EXPECT_EQ(config->modelClassPrefix(), "Llama");
  EXPECT_EQ(config->numAttentionHeads, 4);
  EXPECT_EQ(config->numKeyValueHeads, 2);
  EXPECT_EQ(config->headDim, 16);
  ASSERT_TRUE(config->kvCacheScheme.has_value());
  EXPECT_EQ(config->kvCacheScheme->type, "float");
  EXPECT_EQ(config->kvCacheScheme->strategy, "attn_head");
  ASSERT_EQ(config->transformGroups.size(), 1u);
  const TransformScheme &r3 = config->transformGroups[0].second;
  EXPECT_EQ(config->transformGroups[0].first, "R3");
  EXPECT_EQ(r3.type, "hadamard");
  EXPECT_EQ(r3.headDim, 16);
  EXPECT_EQ(r3.precision, "float32");
  ASSERT_EQ(r3.apply.size(), 2u);
  EXPECT_EQ(r3.apply[1].location, "k_cache");
}

TEST(QuantizationConfigTest, InfersStrategyLikeTheLibrary) {
  llvm::Expected<QuantizationConfig> config = parseQuantizationConfig(
      R"({"config_groups": {
            "b": {"targets": ["Linear"], "weights": {"group_size": -1}},
            "a": {"targets": ["Linear"], "weights": {"group_size": 128},
                  "input_activations": {"num_bits": 8, "dynamic": "LOCAL",
                    "strategy": "tensor_group", "group_size": 16}}}})",
      "q.json");
  ASSERT_TRUE(static_cast<bool>(config)) << llvm::toString(config.takeError());
  EXPECT_EQ(config->keyPrefix, "");
  // Sorted like the sort_keys=True config.json the library writes.
  ASSERT_EQ(config->configGroups.size(), 2u);
  EXPECT_EQ(config->configGroups[0].first, "a");
  EXPECT_EQ(config->configGroups[0].second.weights->strategy, "group");
  EXPECT_EQ(config->configGroups[0].second.weights->groupSize, 128);
  EXPECT_EQ(config->configGroups[0].second.inputActivations->dynamic,
            Dynamic::Local);
  EXPECT_EQ(config->configGroups[1].second.weights->strategy, "channel");
  EXPECT_FALSE(config->configGroups[1].second.weights->groupSize.has_value());
}

TEST(QuantizationConfigTest, ExpandsPresets) {
  std::optional<QuantizationScheme> w8a8 = presetScheme("w8a8", {"Linear"});
  ASSERT_TRUE(w8a8.has_value());
  EXPECT_EQ(w8a8->weights->strategy, "channel");
  EXPECT_EQ(w8a8->inputActivations->strategy, "token");
  EXPECT_EQ(w8a8->inputActivations->dynamic, Dynamic::Dynamic);
  std::optional<QuantizationScheme> w4a16 = presetScheme("W4A16", {});
  ASSERT_TRUE(w4a16.has_value());
  EXPECT_EQ(w4a16->weights->numBits, 4u);
  EXPECT_FALSE(w4a16->inputActivations.has_value());
  std::optional<QuantizationScheme> nvfp4 = presetScheme("NVFP4", {});
  ASSERT_TRUE(nvfp4.has_value());
  EXPECT_EQ(nvfp4->inputActivations->scaleDtype, "float8_e4m3fn");
  EXPECT_EQ(nvfp4->inputActivations->zpDtype, "float8_e4m3fn");
  EXPECT_FALSE(presetScheme("W9A16", {}).has_value());
  EXPECT_FALSE(presetScheme("FP9", {}).has_value());

  llvm::Expected<QuantizationConfig> config = parseQuantizationConfig(
      R"({"config_groups": {"FP8_DYNAMIC": ["Linear"]}})", "q.json");
  ASSERT_TRUE(static_cast<bool>(config)) << llvm::toString(config.takeError());
  EXPECT_EQ(config->configGroups[0].second.targets,
            std::vector<std::string>{"Linear"});
  EXPECT_EQ(config->configGroups[0].second.inputActivations->type, "float");
}

TEST(QuantizationConfigTest, ModelClassPrefix) {
  QuantizationConfig config;
  config.modelType = "qwen2_moe";
  EXPECT_EQ(config.modelClassPrefix(), "Qwen2Moe");
  config.architectures = {"MistralForCausalLM"};
  EXPECT_EQ(config.modelClassPrefix(), "Mistral");
}

TEST(QuantizationConfigTest, TransformArgsWrapSingletons) {
  llvm::Expected<QuantizationConfig> config = parseQuantizationConfig(
      R"({"config_groups": {}, "transform_config": {"config_groups": {"R3": {
            "type": "random_hadamard", "head_dim": 64,
            "precision": "torch.bfloat16",
            "apply": [{"targets": "re:.*self_attn$", "location": "q_attn",
                       "ignore": "model.layers.0.self_attn"}]}}}})",
      "q.json");
  ASSERT_TRUE(static_cast<bool>(config)) << llvm::toString(config.takeError());
  const TransformScheme &scheme = config->transformGroups[0].second;
  EXPECT_EQ(scheme.type, "random-hadamard");
  EXPECT_EQ(scheme.precision, "bfloat16");
  EXPECT_EQ(scheme.apply[0].targets,
            std::vector<std::string>{"re:.*self_attn$"});
  EXPECT_EQ(scheme.apply[0].ignore,
            std::vector<std::string>{"model.layers.0.self_attn"});
}

TEST(QuantizationConfigTest, ErrorsNameFileAndKey) {
  EXPECT_EQ(errorOf("{"), "config.json: not valid JSON: [1:1, byte=1]: "
                          "Expected object key");
  EXPECT_EQ(errorOf("[]"), "config.json: (top level): expected an object");
  EXPECT_EQ(errorOf(R"({"model_type": "llama"})"),
            "config.json: quantization_config: not found, and the file is not "
            "a quantization config itself (no config_groups)");
  EXPECT_EQ(errorOf(R"({"quantization_config": {}})"),
            "config.json: quantization_config.config_groups: required field "
            "is missing");
  EXPECT_EQ(errorOf(R"({"config_groups": {"g": {"targets": ["Linear"],
                        "weights": {"num_bits": "8"}}}})"),
            "config.json: config_groups.g.weights.num_bits: expected an "
            "integer");
  EXPECT_EQ(errorOf(R"({"config_groups": {"g": {"targets": ["Linear"],
                        "wieghts": {}}}})"),
            "config.json: config_groups.g.wieghts: unknown field; expected one "
            "of targets, weights, input_activations, output_activations, "
            "format");
  EXPECT_EQ(errorOf(R"({"config_groups": {"g": {"targets": ["Linear"],
                        "input_activations": {"strategy": "channel"}}}})"),
            "config.json: config_groups.g.input_activations.strategy: strategy "
            "channel is not supported for activation quantization");
  EXPECT_EQ(errorOf(R"({"config_groups": {"W9": ["Linear"]}})"),
            "config.json: config_groups.W9: unknown preset scheme name 'W9' "
            "for a list of targets");
  EXPECT_EQ(errorOf(R"({"config_groups": {}, "kv_cache_scheme":
                        {"group_size": -2}})"),
            "config.json: kv_cache_scheme.group_size: invalid group size -2; "
            "use group_size > 0 for strategy 'group' and -1 for 'channel'");
  EXPECT_EQ(errorOf(R"({"config_groups": {}, "kv_cache_scheme":
                        {"scale_dtype": "torch.float7"}})"),
            "config.json: kv_cache_scheme.scale_dtype: no such torch dtype "
            "'torch.float7'");
  EXPECT_EQ(errorOf(R"({"config_groups": {}, "kv_cache_scheme":
                        {"actorder": true}})"),
            "config.json: kv_cache_scheme.actorder: actorder=true was removed; "
            "use \"weight\" or null");
  EXPECT_EQ(errorOf(R"({"config_groups": {}, "transform_config":
                        {"config_groups": {"R": {"type": "givens"}}}})"),
            "config.json: transform_config.config_groups.R.type: unknown "
            "transform type 'givens'; expected one of hadamard, "
            "random-hadamard, random-matrix");
  EXPECT_EQ(errorOf(R"({"config_groups": {}, "transform_config":
                        {"config_groups": {"R": {"type": "hadamard",
                        "apply": [{"targets": ["x"], "location": "kv"}]}}}})"),
            "config.json: transform_config.config_groups.R.apply[0].location: "
            "unknown value 'kv'; expected one of input, weight_input, "
            "weight_output, output, k_cache, q_attn");
  EXPECT_EQ(errorOf(R"({"quantization_config": {"config_groups": {}},
                        "num_attention_heads": 0})"),
            "config.json: num_attention_heads: expected a positive integer, "
            "got 0");
  llvm::Expected<QuantizationConfig> missing =
      readQuantizationConfig("/nonexistent/config.json");
  ASSERT_FALSE(static_cast<bool>(missing));
  EXPECT_NE(llvm::toString(missing.takeError())
                .find("/nonexistent/config.json: cannot read"),
            std::string::npos);
}

} // namespace
