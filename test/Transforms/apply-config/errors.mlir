// Every diagnostic of ct-apply-config names the file and the key at fault.
// E = bare quantization configs under Inputs/apply-config-errors/.

// RUN: not ct-opt %s --pass-pipeline='builtin.module(ct-apply-config)' 2>&1 | FileCheck %s --check-prefix=NO-CONFIG
// NO-CONFIG: error: ct-apply-config needs config=<config.json>

// RUN: not ct-opt %s --pass-pipeline='builtin.module(ct-apply-config{config=%S/../Inputs/apply-config-errors/missing.json})' 2>&1 | FileCheck %s --check-prefix=MISSING-FILE
// MISSING-FILE: error: {{.*}}missing.json: cannot read:

// RUN: not ct-opt %s --pass-pipeline='builtin.module(ct-apply-config{config=%S/../Inputs/apply-config-errors/not-json.json})' 2>&1 | FileCheck %s --check-prefix=NOT-JSON
// NOT-JSON: error: {{.*}}not-json.json: not valid JSON:

// RUN: not ct-opt %s --pass-pipeline='builtin.module(ct-apply-config{config=%S/../Inputs/apply-config-errors/unknown-field.json})' 2>&1 | FileCheck %s --check-prefix=UNKNOWN-FIELD
// UNKNOWN-FIELD: error: {{.*}}unknown-field.json: kv_cache_scheme.bits: unknown field; expected one of num_bits,

// RUN: not ct-opt %s --pass-pipeline='builtin.module(ct-apply-config{config=%S/../Inputs/apply-config-errors/unknown-value.json})' 2>&1 | FileCheck %s --check-prefix=UNKNOWN-VALUE
// UNKNOWN-VALUE: error: {{.*}}unknown-value.json: kv_cache_scheme.strategy: unknown value 'per_head'; expected one of tensor,

// The #ct.quant verifier rejects what QuantizationArgs rejects.
// RUN: not ct-opt %s --pass-pipeline='builtin.module(ct-apply-config{config=%S/../Inputs/apply-config-errors/rejected-scheme.json})' 2>&1 | FileCheck %s --check-prefix=REJECTED
// REJECTED: error: {{.*}}rejected-scheme.json: kv_cache_scheme: dynamic quantization requires strategy token, tensor, tensor_group or group, got attn_head

// RUN: not ct-opt %s --pass-pipeline='builtin.module(ct-apply-config{config=%S/../Inputs/apply-config-errors/static-group.json})' 2>&1 | FileCheck %s --check-prefix=STATIC-GROUP
// STATIC-GROUP: error: {{.*}}static-group.json: kv_cache_scheme.strategy: static group scales of attention are not supported

// RUN: not ct-opt %s --pass-pipeline='builtin.module(ct-apply-config{config=%S/../Inputs/apply-config-errors/attention-weights.json})' 2>&1 | FileCheck %s --check-prefix=ATTN-WEIGHTS
// ATTN-WEIGHTS: error: {{.*}}attention-weights.json: config_groups.attn.weights: cannot apply weight quantization to attention 'model.layers.0.self_attn'

// A preset named by its group key, expanded as the library does (FP8 has weights).
// RUN: not ct-opt %s --pass-pipeline='builtin.module(ct-apply-config{config=%S/../Inputs/apply-config-errors/preset-fp8.json})' 2>&1 | FileCheck %s --check-prefix=PRESET
// PRESET: error: {{.*}}preset-fp8.json: config_groups.FP8.weights: cannot apply weight quantization to attention

// RUN: not ct-opt %s --pass-pipeline='builtin.module(ct-apply-config{config=%S/../Inputs/apply-config-errors/bad-regex.json})' 2>&1 | FileCheck %s --check-prefix=REGEX
// REGEX: error: {{.*}}bad-regex.json: config_groups.attn.targets[0]: invalid regex

// RUN: not ct-opt %s --pass-pipeline='builtin.module(ct-apply-config{config=%S/../Inputs/apply-config-errors/head-dim-does-not-divide.json})' 2>&1 | FileCheck %s --check-prefix=HEAD-DIM
// HEAD-DIM: error: {{.*}}head-dim-does-not-divide.json: transform_config.config_groups.R3.head_dim: 32 does not divide the head dimension 16 of attention 'model.layers.0.self_attn'

// RUN: not ct-opt %s --pass-pipeline='builtin.module(ct-apply-config{config=%S/../Inputs/apply-config-errors/no-head-dim.json})' 2>&1 | FileCheck %s --check-prefix=NO-HEAD-DIM
// NO-HEAD-DIM: error: {{.*}}no-head-dim.json: transform_config.config_groups.R3.head_dim: required for location k_cache

// RUN: not ct-opt %s --pass-pipeline='builtin.module(ct-apply-config{config=%S/../Inputs/apply-config-errors/random-hadamard.json})' 2>&1 | FileCheck %s --check-prefix=RH-NO-WEIGHTS
// RH-NO-WEIGHTS: error: {{.*}}random-hadamard.json: transform_config.config_groups.R3.type: random-hadamard transforms of attention 'model.layers.0.self_attn' need the checkpoint matrix 'model.layers.0.self_attn.R3_k_cache.weight'

// RUN: not ct-opt %s --pass-pipeline='builtin.module(ct-apply-config{config=%S/../Inputs/apply-config-errors/random-hadamard.json weights=%S/../Inputs/int8-tensor-static.safetensors})' 2>&1 | FileCheck %s --check-prefix=RH-MISSING
// RH-MISSING: error: {{.*}}int8-tensor-static.safetensors: tensor 'model.layers.0.self_attn.R3_k_cache.weight': not found (needed by {{.*}}random-hadamard.json: transform_config.config_groups.R3)

// RUN: not ct-opt %s --pass-pipeline='builtin.module(ct-apply-config{config=%S/../Inputs/int8-tensor-static.config.json})' 2>&1 | FileCheck %s --check-prefix=NO-WEIGHTS
// NO-WEIGHTS: error: {{.*}}int8-tensor-static.config.json: quantization_config.kv_cache_scheme: needs the checkpoint tensor 'model.layers.0.self_attn.k_scale'; pass weights=<model.safetensors>

// RUN: not ct-opt %s --pass-pipeline='builtin.module(ct-apply-config{config=%S/../Inputs/attn-quant-class.config.json weights=%S/../Inputs/int8-tensor-static.safetensors})' 2>&1 | FileCheck %s --check-prefix=MISSING-SCALE
// MISSING-SCALE: error: {{.*}}int8-tensor-static.safetensors: tensor 'model.layers.0.self_attn.q_scale': not found (needed by {{.*}}attn-quant-class.config.json: quantization_config.config_groups.group_0.input_activations)

// RUN: not ct-opt %s --pass-pipeline='builtin.module(ct-apply-config{config=%S/../Inputs/int8-tensor-static.config.json weights=%S/../Inputs/r3-fp8-attn-head.safetensors})' 2>&1 | FileCheck %s --check-prefix=SCALE-SHAPE
// SCALE-SHAPE: error: {{.*}}r3-fp8-attn-head.safetensors: tensor 'model.layers.0.self_attn.k_scale': has shape (2, 1, 1), expected (1) for {{.*}}int8-tensor-static.config.json: quantization_config.kv_cache_scheme

// RUN: not ct-opt %s --pass-pipeline='builtin.module(ct-apply-config{config=%S/../Inputs/int8-tensor-static.config.json weights=%S/../Inputs/apply-config-errors/short.safetensors})' 2>&1 | FileCheck %s --check-prefix=BAD-SAFETENSORS
// BAD-SAFETENSORS: error: {{.*}}short.safetensors: not a valid safetensors file: shorter than the 8-byte header length

func.func @two_layers(%q: tensor<1x4x3x16xf32>, %k: tensor<1x2x3x16xf32>,
                      %v: tensor<1x2x3x16xf32>)
    -> (tensor<1x4x3x16xf32>, tensor<1x4x3x16xf32>) {
  %o0 = ct.hooked_attention %q, %k, %v {scale = 0.25 : f64, causal}
      : (tensor<1x4x3x16xf32>, tensor<1x2x3x16xf32>, tensor<1x2x3x16xf32>)
      -> tensor<1x4x3x16xf32>
  %o1 = ct.hooked_attention %q, %k, %v {scale = 0.25 : f64, causal}
      : (tensor<1x4x3x16xf32>, tensor<1x2x3x16xf32>, tensor<1x2x3x16xf32>)
      -> tensor<1x4x3x16xf32>
  return %o0, %o1 : tensor<1x4x3x16xf32>, tensor<1x4x3x16xf32>
}
