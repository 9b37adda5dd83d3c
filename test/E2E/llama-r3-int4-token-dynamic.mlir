// End to end on a real model: a tiny random Llama attention layer (hidden 64,
// 4 query / 2 KV heads, head_dim 16) exported by torch-mlir WITHOUT the
// compressed-tensors hooks, raised, configured from the config.json and
// model.safetensors the library saved, and run; the results must reproduce
// the library's own forward (its QuantizedAttentionImpl / QuantizedKVCache
// hooks active). Fixtures: utils/gen_e2e.py.
//
// Tolerance: --rtol 0 --atol 1e-6. Measured max abs error: 9.3e-9 (prefill), 7.5e-9 (decode; caches 6e-8, ≈1 ulp of values ~0.5) (outputs are
// ~1e-2, so a few f32 ulps: projections and softmax sum in a different order
// than PyTorch). No quantizer input lands on a different rounding level here;
// one that did (fp8/int rounding boundaries can flip under a different
// summation order) would move the output by ≳1e-5 and fail, as would a
// missing or wrong hook: the library's output differs from the unquantized
// layer by 4.9e-3.
//
// (b) R3 (hadamard) + dynamic asymmetric int4 KV cache, strategy "token": the
// scales come at run time from ct.calculate_qparams (the checkpoint has none),
// one per [batch, head] for these 4-d attention tensors, as the library does.
//
// RUN: ct-opt %S/Inputs/llama_prefill.mlir --ct-raise-attention --ct-apply-config="config=%S/Inputs/r3-int4-token-dynamic.config.json weights=%S/Inputs/r3-int4-token-dynamic.safetensors" -o %t.prefill.mlir
// RUN: FileCheck %s --input-file %t.prefill.mlir
// RUN: ct-run %t.prefill.mlir --entry llama_prefill --input %S/Inputs/prefill.in0.npy --input %S/Inputs/prefill.in1.npy --input %S/Inputs/prefill.in2.npy --input %S/Inputs/prefill.in3.npy --compare %S/Inputs/r3-int4-token-dynamic.prefill.expected.npy --rtol 0 --atol 1e-6 | FileCheck %s --check-prefix=PREFILL
// Decode step: DynamicCache holding the 7 tokens the library prefilled (rotated and quantized by its hooks).
// RUN: ct-opt %S/Inputs/llama_decode.mlir --ct-raise-attention --ct-apply-config="config=%S/Inputs/r3-int4-token-dynamic.config.json weights=%S/Inputs/r3-int4-token-dynamic.safetensors" -o %t.decode.mlir
// RUN: ct-run %t.decode.mlir --entry llama_decode --input %S/Inputs/decode.in0.npy --input %S/Inputs/decode.in1.npy --input %S/Inputs/decode.in2.npy --input %S/Inputs/decode.in3.npy --input %S/Inputs/r3-int4-token-dynamic.decode.past_k.npy --input %S/Inputs/r3-int4-token-dynamic.decode.past_v.npy --compare %S/Inputs/r3-int4-token-dynamic.decode.expected0.npy --compare %S/Inputs/r3-int4-token-dynamic.decode.expected1.npy --compare %S/Inputs/r3-int4-token-dynamic.decode.expected2.npy --rtol 0 --atol 1e-6 | FileCheck %s --check-prefix=DECODE

// PREFILL: result #0: 512 elements, {{.*}}: match
// DECODE: result #0: 64 elements, {{.*}}: match
// DECODE: result #1: 256 elements, {{.*}}: match
// DECODE: result #2: 256 elements, {{.*}}: match

// CHECK-LABEL: func.func @llama_prefill
// CHECK:         ct.hooked_attention {{.*}}name = "model.layers.0.self_attn"
// CHECK-SAME:    q_hook {
// CHECK:           %[[QR:.+]] = ct.hadamard %{{.+}} size(16) : tensor<1x4x8x16xf32>
// CHECK-NEXT:      %[[S:.+]], %[[ZP:.+]] = ct.calculate_qparams %[[QR]] quant<int4, token, asymmetric, dynamic> : (tensor<1x4x8x16xf32>) -> (tensor<1x4x1x1xf32>, tensor<1x4x1x1xi8>)
// CHECK-NEXT:      ct.fake_quantize %[[QR]] scale(%[[S]]) zero_point(%[[ZP]]) quant<int4, token, asymmetric, dynamic>
// CHECK:         k_hook {
// CHECK:           %[[KR:.+]] = ct.hadamard %{{.+}} size(16) : tensor<1x2x8x16xf32>
// CHECK-NEXT:      %[[S:.+]], %[[ZP:.+]] = ct.calculate_qparams %[[KR]] quant<int4, token, asymmetric, dynamic>
// CHECK-NEXT:      ct.fake_quantize %[[KR]] scale(%[[S]]) zero_point(%[[ZP]]) quant<int4, token, asymmetric, dynamic>
// CHECK:         v_hook {
// CHECK-NEXT:    ^bb0(%[[V:.+]]: tensor<1x2x8x16xf32>):
// CHECK-NEXT:      ct.calculate_qparams %[[V]] quant<int4, token, asymmetric, dynamic>
// CHECK-NEXT:      ct.fake_quantize %[[V]]
