// Fixtures: test/Transforms/Inputs/*.config.json and *.safetensors are written
// by compressed-tensors itself (utils/golden/gen_config_fixtures.py) for a tiny
// Llama: 2 layers, 4 query heads, 2 KV heads, head_dim 16. The ops have no
// `name`, so name-template gives them the library's module names.

// R3 (hadamard at q_attn and k_cache) + static fp8 attn_head KV cache. The
// q_attn transform hooks the query, so the library quantizes it with the
// kv-cache scheme as well (q_scale, one per query head).
// RUN: ct-opt %s --pass-pipeline='builtin.module(ct-apply-config{config=%S/Inputs/r3-fp8-attn-head.config.json weights=%S/Inputs/r3-fp8-attn-head.safetensors})' | FileCheck %s --check-prefix=R3FP8
// R3 random-hadamard from the checkpoint + dynamic asymmetric int4 per-token KV cache.
// RUN: ct-opt %s --pass-pipeline='builtin.module(ct-apply-config{config=%S/Inputs/r3-random-int4-dynamic.config.json weights=%S/Inputs/r3-random-int4-dynamic.safetensors})' | FileCheck %s --check-prefix=RANDOM
// The stored ±1 matrix becomes x·W/√16, which canonicalizes to ct.hadamard with signs.
// RUN: ct-opt %s --pass-pipeline='builtin.module(ct-apply-config{config=%S/Inputs/r3-random-int4-dynamic.config.json weights=%S/Inputs/r3-random-int4-dynamic.safetensors},canonicalize)' | FileCheck %s --check-prefix=CANON
// Static asymmetric int8 per-tensor KV cache: scales and zero points from the checkpoint.
// RUN: ct-opt %s --pass-pipeline='builtin.module(ct-apply-config{config=%S/Inputs/int8-tensor-static.config.json weights=%S/Inputs/int8-tensor-static.safetensors})' | FileCheck %s --check-prefix=INT8
// Attention quantization by class name (LlamaForCausalLM → LlamaAttention): q, k and v.
// RUN: ct-opt %s --pass-pipeline='builtin.module(ct-apply-config{config=%S/Inputs/attn-quant-class.config.json weights=%S/Inputs/attn-quant-class.safetensors})' | FileCheck %s --check-prefix=CLASS
// Attention quantization by regex, with layer 1 in `ignore`.
// RUN: ct-opt %s --pass-pipeline='builtin.module(ct-apply-config{config=%S/Inputs/attn-quant-regex-ignore.config.json})' | FileCheck %s --check-prefix=REGEX
// A config for Linear layers only leaves attention alone and warns.
// RUN: ct-opt %s --pass-pipeline='builtin.module(ct-apply-config{config=%S/Inputs/linear-only.config.json})' 2>&1 | FileCheck %s --check-prefix=NONE
// name-template: the ops become `blocks.{i}.attn`, which `re:.*self_attn$` does not match.
// RUN: ct-opt %s --pass-pipeline='builtin.module(ct-apply-config{config=%S/Inputs/attn-quant-regex-ignore.config.json name-template=blocks.{i}.attn})' 2>&1 | FileCheck %s --check-prefix=TEMPLATE

// R3FP8-LABEL: @two_layers
// R3FP8-DAG:     %[[QS0:.+]] = arith.constant dense<{{\[\[\[}}1.250000e-01]], {{\[\[}}6.250000e-02]], {{\[\[}}3.125000e-02]], {{\[\[}}1.562500e-02]]]> : tensor<4x1x1xf32>
// R3FP8-DAG:     %[[KS0:.+]] = arith.constant dense<{{\[\[\[}}5.000000e-01]], {{\[\[}}2.500000e-01]]]> : tensor<2x1x1xf32>
// R3FP8-DAG:     %[[VS0:.+]] = arith.constant dense<{{\[\[\[}}7.812500e-03]], {{\[\[}}3.906250e-03]]]> : tensor<2x1x1xf32>
// R3FP8:         ct.hooked_attention {{.*}}name = "model.layers.0.self_attn"
// R3FP8-SAME:    q_hook {
// R3FP8-NEXT:    ^bb0(%[[Q:.+]]: tensor<1x4x3x16xf32>):
// R3FP8-NEXT:      %[[QR:.+]] = ct.hadamard %[[Q]] size(16) : tensor<1x4x3x16xf32>
// R3FP8-NEXT:      %[[QQ:.+]] = ct.fake_quantize %[[QR]] scale(%[[QS0]]) quant<float8, attn_head>
// R3FP8-NEXT:      ct.yield %[[QQ]]
// R3FP8:         k_hook {
// R3FP8-NEXT:    ^bb0(%[[K:.+]]: tensor<1x2x3x16xf32>):
// R3FP8-NEXT:      %[[KR:.+]] = ct.hadamard %[[K]] size(16) : tensor<1x2x3x16xf32>
// R3FP8-NEXT:      %[[KQ:.+]] = ct.fake_quantize %[[KR]] scale(%[[KS0]]) quant<float8, attn_head>
// R3FP8-NEXT:      ct.yield %[[KQ]]
// R3FP8:         v_hook {
// R3FP8-NEXT:    ^bb0(%[[V:.+]]: tensor<1x2x3x16xf32>):
// R3FP8-NEXT:      %[[VQ:.+]] = ct.fake_quantize %[[V]] scale(%[[VS0]]) quant<float8, attn_head>
// R3FP8-NEXT:      ct.yield %[[VQ]]
// R3FP8:         ct.hooked_attention {{.*}}name = "model.layers.1.self_attn"

// RANDOM-LABEL: @two_layers
// RANDOM:         %[[R:.+]] = arith.constant dense<"0x{{[0-9A-F]+}}"> : tensor<16x16xf32>
// RANDOM:         q_hook {
// RANDOM:           ct.rotate %{{.+}} by %[[R]] : tensor<1x4x3x16xf32>, tensor<16x16xf32>
// RANDOM:         k_hook {
// RANDOM-NEXT:    ^bb0(%[[K:.+]]: tensor<1x2x3x16xf32>):
// RANDOM-NEXT:      %[[KR:.+]] = ct.rotate %[[K]] by %{{.+}} : tensor<1x2x3x16xf32>, tensor<16x16xf32>
// RANDOM-NEXT:      %[[S:.+]], %[[ZP:.+]] = ct.calculate_qparams %[[KR]] quant<int4, token, asymmetric, dynamic> : (tensor<1x2x3x16xf32>) -> (tensor<1x2x1x1xf32>, tensor<1x2x1x1xi8>)
// RANDOM-NEXT:      ct.fake_quantize %[[KR]] scale(%[[S]]) zero_point(%[[ZP]]) quant<int4, token, asymmetric, dynamic>
// RANDOM:         v_hook {
// RANDOM-NEXT:    ^bb0(%[[V:.+]]: tensor<1x2x3x16xf32>):
// RANDOM-NEXT:      ct.calculate_qparams %[[V]] quant<int4, token, asymmetric, dynamic>

// CANON-LABEL: @two_layers
// CANON:         q_hook {
// CANON:           ct.hadamard %{{.+}} size(16) signs([{{(-?1, ){15}-?1}}]) : tensor<1x4x3x16xf32>
// CANON:         k_hook {
// CANON:           ct.hadamard %{{.+}} size(16) signs([{{(-?1, ){15}-?1}}]) : tensor<1x2x3x16xf32>

// INT8-LABEL: @two_layers
// INT8-DAG:      %[[KS:.+]] = arith.constant dense<5.000000e-01> : tensor<1xf32>
// INT8-DAG:      %[[KZ:.+]] = arith.constant dense<-3> : tensor<1xi8>
// INT8-DAG:      %[[VS:.+]] = arith.constant dense<2.500000e-01> : tensor<1xf32>
// INT8-DAG:      %[[VZ:.+]] = arith.constant dense<-3> : tensor<1xi8>
// INT8:          ct.hooked_attention {{.*}}name = "model.layers.0.self_attn"
// INT8-NOT:      q_hook
// INT8:          k_hook {
// INT8:            ct.fake_quantize %{{.+}} scale(%[[KS]]) zero_point(%[[KZ]]) quant<int8, asymmetric> : (tensor<1x2x3x16xf32>, tensor<1xf32>, tensor<1xi8>)
// INT8:          v_hook {
// INT8:            ct.fake_quantize %{{.+}} scale(%[[VS]]) zero_point(%[[VZ]]) quant<int8, asymmetric>

// CLASS-LABEL: @two_layers
// CLASS:         ct.hooked_attention {{.*}}name = "model.layers.0.self_attn"
// CLASS:         q_hook {
// CLASS:           ct.fake_quantize %{{.+}} scale(%{{.+}}) quant<float8> : (tensor<1x4x3x16xf32>, tensor<1xf32>)
// CLASS:         k_hook {
// CLASS:           ct.fake_quantize %{{.+}} scale(%{{.+}}) quant<float8> : (tensor<1x2x3x16xf32>, tensor<1xf32>)
// CLASS:         v_hook {
// CLASS:           ct.fake_quantize %{{.+}} scale(%{{.+}}) quant<float8> : (tensor<1x2x3x16xf32>, tensor<1xf32>)
// CLASS:         ct.hooked_attention {{.*}}name = "model.layers.1.self_attn"
// CLASS:         q_hook {

// REGEX-LABEL: @two_layers
// REGEX:         ct.hooked_attention {{.*}}name = "model.layers.0.self_attn"
// REGEX:         q_hook {
// REGEX:           ct.calculate_qparams %{{.+}} quant<int8, token, dynamic> : (tensor<1x4x3x16xf32>) -> tensor<1x4x1x1xf32>
// REGEX:         k_hook {
// REGEX:           ct.calculate_qparams %{{.+}} quant<int8, token, dynamic> : (tensor<1x2x3x16xf32>) -> tensor<1x2x1x1xf32>
// REGEX:         v_hook {
// REGEX:         ct.hooked_attention {{.*}}name = "model.layers.1.self_attn"
// REGEX-SAME:    -> tensor<1x4x3x16xf32>{{$}}
// REGEX-NEXT:    return

// NONE: warning: {{.*}}linear-only.config.json: nothing in the config applies to the 2 ct.hooked_attention op(s)
// NONE-LABEL: @two_layers
// NONE-NOT:    _hook

// TEMPLATE: warning: {{.*}}attn-quant-regex-ignore.config.json: nothing in the config applies
// TEMPLATE:   name = "blocks.0.attn"
// TEMPLATE:   name = "blocks.1.attn"
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
