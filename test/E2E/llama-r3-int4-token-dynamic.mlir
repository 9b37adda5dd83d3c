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

// Through ct-materialize-kv-cache (the compiled model stores its cache):
// the decode step's caches become int4 codes packed two per byte plus one scale and zero point per row (the library token scale of the write that filled the row), quantized on write and
// dequantized on read; the bytes per token are the remark's. The past cache
// is given as codes + per-row scales + zero points (utils/gen_e2e_kv_codes.py): the library's
// fake-quantized past is (q - zp)·scale in f32 for the scale the library computed per (batch, head), recovered exactly from the values, so
// these codes are what its cache holds; the first ct-run below proves it by
// dequantizing them with ct.dequantize and comparing with the library's
// past, bit for bit up to the sign of zero (--atol 0; integer codes have no
// -0). The step's results are dequantized the same way and compared with
// the library's like the float run above. The prefill has no cache: the pass
// leaves it unchanged and it still reproduces the library.
// RUN: ct-opt %t.prefill.mlir --ct-materialize-kv-cache | ct-run - --entry llama_prefill --input %S/Inputs/prefill.in0.npy --input %S/Inputs/prefill.in1.npy --input %S/Inputs/prefill.in2.npy --input %S/Inputs/prefill.in3.npy --compare %S/Inputs/r3-int4-token-dynamic.prefill.expected.npy --rtol 0 --atol 1e-6 | FileCheck %s --check-prefix=PREFILL
// RUN: ct-opt %t.decode.mlir --ct-materialize-kv-cache -o %t.real.mlir 2>&1 | FileCheck %s --check-prefix=BYTES
// RUN: ct-run %S/Inputs/kv-cache-dequantize.mlir --entry int4_token_asym_past --input %S/Inputs/r3-int4-token-dynamic.decode.past_k.codes.npy --input %S/Inputs/r3-int4-token-dynamic.decode.past_k.scale.npy --input %S/Inputs/r3-int4-token-dynamic.decode.past_k.zero_point.npy --input %S/Inputs/r3-int4-token-dynamic.decode.past_v.codes.npy --input %S/Inputs/r3-int4-token-dynamic.decode.past_v.scale.npy --input %S/Inputs/r3-int4-token-dynamic.decode.past_v.zero_point.npy --compare %S/Inputs/r3-int4-token-dynamic.decode.past_k.npy --compare %S/Inputs/r3-int4-token-dynamic.decode.past_v.npy --rtol 0 --atol 0 | FileCheck %s --check-prefix=PAST
// RUN: ct-run %t.real.mlir --entry llama_decode --input %S/Inputs/decode.in0.npy --input %S/Inputs/decode.in1.npy --input %S/Inputs/decode.in2.npy --input %S/Inputs/decode.in3.npy --input %S/Inputs/r3-int4-token-dynamic.decode.past_k.codes.npy --input %S/Inputs/r3-int4-token-dynamic.decode.past_k.scale.npy --input %S/Inputs/r3-int4-token-dynamic.decode.past_k.zero_point.npy --input %S/Inputs/r3-int4-token-dynamic.decode.past_v.codes.npy --input %S/Inputs/r3-int4-token-dynamic.decode.past_v.scale.npy --input %S/Inputs/r3-int4-token-dynamic.decode.past_v.zero_point.npy --output %t.real0.npy --output %t.real1.npy --output %t.real2.npy --output %t.real3.npy --output %t.real4.npy --output %t.real5.npy --output %t.real6.npy
// RUN: ct-run %S/Inputs/kv-cache-dequantize.mlir --entry int4_token_asym_decode --input %t.real0.npy --input %t.real1.npy --input %t.real2.npy --input %t.real3.npy --input %t.real4.npy --input %t.real5.npy --input %t.real6.npy --compare %S/Inputs/r3-int4-token-dynamic.decode.expected0.npy --compare %S/Inputs/r3-int4-token-dynamic.decode.expected1.npy --compare %S/Inputs/r3-int4-token-dynamic.decode.expected2.npy --rtol 0 --atol 1e-6 | FileCheck %s --check-prefix=DECODE
// BYTES: remark: KV cache bytes per token of model.layers.0.self_attn: K 26 (16 codes + 8 scales + 2 zero points), V 26 (16 codes + 8 scales + 2 zero points); total 52 vs 256 for the float cache (4.92x smaller)
// PAST: result #0: 224 elements, max abs error 0{{.*}}: match
// PAST-NEXT: result #1: 224 elements, max abs error 0{{.*}}: match

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
