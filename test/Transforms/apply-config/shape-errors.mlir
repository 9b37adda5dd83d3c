// ct-apply-config checks the config's model facts and transform sizes
// against the attention op it fills.

// The fixture model has 2 KV heads; this op has 4.
// RUN: not ct-opt %s -split-input-file --pass-pipeline='builtin.module(ct-apply-config{config=%S/../Inputs/r3-fp8-attn-head.config.json weights=%S/../Inputs/r3-fp8-attn-head.safetensors})' 2>&1 | FileCheck %s --check-prefix=HEADS
// HEADS: error: {{.*}}r3-fp8-attn-head.config.json: num_key_value_heads: 2 differs from the 4 key/value heads of attention 'model.layers.0.self_attn'
// HEADS: error: {{.*}}r3-fp8-attn-head.config.json: head_dim: 16 differs from the 24 head dimension of attention 'model.layers.0.self_attn'

// hadamard (deterministic_hadamard_matrix) builds powers of two only.
// RUN: not ct-opt %s -split-input-file --pass-pipeline='builtin.module(ct-apply-config{config=%S/../Inputs/apply-config-errors/hadamard-not-power-of-two.json})' 2>&1 | FileCheck %s --check-prefix=POW2
// POW2: error: {{.*}}hadamard-not-power-of-two.json: transform_config.config_groups.R3.head_dim: 12 does not divide the head dimension 16
// POW2: error: {{.*}}hadamard-not-power-of-two.json: transform_config.config_groups.R3.head_dim: hadamard transforms need a power-of-two size, got 12

func.func @mha(%q: tensor<1x4x3x16xf32>, %k: tensor<1x4x3x16xf32>,
               %v: tensor<1x4x3x16xf32>) -> tensor<1x4x3x16xf32> {
  %o = ct.hooked_attention %q, %k, %v {scale = 0.25 : f64}
      : (tensor<1x4x3x16xf32>, tensor<1x4x3x16xf32>, tensor<1x4x3x16xf32>)
      -> tensor<1x4x3x16xf32>
  return %o : tensor<1x4x3x16xf32>
}

// -----

func.func @head_dim_24(%q: tensor<1x4x3x24xf32>, %k: tensor<1x2x3x24xf32>,
                       %v: tensor<1x2x3x24xf32>) -> tensor<1x4x3x24xf32> {
  %o = ct.hooked_attention %q, %k, %v {scale = 0.25 : f64}
      : (tensor<1x4x3x24xf32>, tensor<1x2x3x24xf32>, tensor<1x2x3x24xf32>)
      -> tensor<1x4x3x24xf32>
  return %o : tensor<1x4x3x24xf32>
}
