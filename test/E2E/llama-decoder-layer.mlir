// End to end on a whole Llama decoder layer: the first LlamaDecoderLayer of
// the tiny random Llama of the attention tests (input RMSNorm, q/k/v
// projections, RoPE, SDPA with GQA 4/2 and head_dim 16, o projection,
// residual, post-attention RMSNorm, SwiGLU MLP of 32, residual) exported by
// torch-mlir WITHOUT the compressed-tensors hooks. ct-raise-attention must
// find the one attention among the norms, MLP and residuals around it;
// ct-apply-config reads the same config.json and model.safetensors as the
// attention tests (the same model and checkpoints: utils/gen_e2e.py
// --decoder-layer checks that they are byte for byte the committed ones);
// the results must reproduce the library's forward of the layer, its hooks
// active, for an 8-token prefill and for a decode step with a DynamicCache of
// 7 tokens that the library prefilled, both with the fake-quantized float
// cache and through ct-materialize-kv-cache (past given as codes: utils/
// gen_e2e.py writes them with utils/gen_e2e_kv_codes.py; the first ct-run of
// each proves them bit-exact with ct.dequantize, --atol 0).
//
// Tolerance: --rtol 0 --atol 1e-6 for every config. Measured max abs error:
// (a) 1.2e-7 prefill, 7.5e-9 decode (caches bit-exact); (b) 1.2e-7 prefill,
// 3.0e-8 decode (new cache rows 6.0e-8, about 1 ulp of values ~0.3: the
// dynamic scales come from keys that differ by an ulp); (c) 1.2e-7 prefill,
// 1.9e-9 decode (caches bit-exact); the same through ct-materialize-kv-cache.
// The outputs are the residual stream, |out| <= 3.3, where one f32 ulp is
// 1.2e-7 to 2.4e-7: the errors are a single ulp (RMSNorm, projections and
// softmax sum in a different order than PyTorch) and 1e-6 allows a few. No
// quantizer input lands on a different rounding level; one that did, or a
// missing or wrong hook, would move the output by far more: the library's
// output differs from the unquantized layer by 1.7e-3 / 8.2e-4 (a),
// 6.2e-3 / 7.1e-4 (b) and 5.0e-4 / 6.9e-5 (c) (prefill / decode).
//
// (a) R3 (hadamard at q_attn and k_cache) + static fp8 KV cache, one scale per head.
// RUN: ct-opt %S/Inputs/llama_layer_prefill.mlir --ct-raise-attention --ct-apply-config="config=%S/Inputs/r3-fp8-attn-head.config.json weights=%S/Inputs/r3-fp8-attn-head.safetensors" -o %t.FP8.prefill.mlir
// RUN: FileCheck %s --check-prefixes=IR,IR-FP8 --input-file %t.FP8.prefill.mlir
// RUN: ct-run %t.FP8.prefill.mlir --entry llama_layer_prefill --input %S/Inputs/prefill.in0.npy --input %S/Inputs/prefill.in1.npy --input %S/Inputs/prefill.in2.npy --input %S/Inputs/prefill.in3.npy --compare %S/Inputs/r3-fp8-attn-head.layer.prefill.expected.npy --rtol 0 --atol 1e-6 | FileCheck %s --check-prefix=PREFILL
// RUN: ct-opt %S/Inputs/llama_layer_decode.mlir --ct-raise-attention --ct-apply-config="config=%S/Inputs/r3-fp8-attn-head.config.json weights=%S/Inputs/r3-fp8-attn-head.safetensors" -o %t.FP8.decode.mlir
// RUN: ct-run %t.FP8.decode.mlir --entry llama_layer_decode --input %S/Inputs/decode.in0.npy --input %S/Inputs/decode.in1.npy --input %S/Inputs/decode.in2.npy --input %S/Inputs/decode.in3.npy --input %S/Inputs/r3-fp8-attn-head.layer.decode.past_k.npy --input %S/Inputs/r3-fp8-attn-head.layer.decode.past_v.npy --compare %S/Inputs/r3-fp8-attn-head.layer.decode.expected0.npy --compare %S/Inputs/r3-fp8-attn-head.layer.decode.expected1.npy --compare %S/Inputs/r3-fp8-attn-head.layer.decode.expected2.npy --rtol 0 --atol 1e-6 | FileCheck %s --check-prefix=DECODE
// RUN: ct-opt %t.FP8.decode.mlir --ct-materialize-kv-cache -o %t.FP8.real.mlir 2>&1 | FileCheck %s --check-prefix=BYTES-FP8
// RUN: ct-run %S/Inputs/kv-cache-dequantize.mlir --entry fp8_attn_head_past --input %S/Inputs/r3-fp8-attn-head.layer.decode.past_k.codes.npy --input %S/Inputs/r3-fp8-attn-head.layer.decode.past_v.codes.npy --input %S/Inputs/r3-fp8-attn-head.decode.past_k.scale.npy --input %S/Inputs/r3-fp8-attn-head.decode.past_v.scale.npy --compare %S/Inputs/r3-fp8-attn-head.layer.decode.past_k.npy --compare %S/Inputs/r3-fp8-attn-head.layer.decode.past_v.npy --rtol 0 --atol 0 | FileCheck %s --check-prefix=PAST
// RUN: ct-run %t.FP8.real.mlir --entry llama_layer_decode --input %S/Inputs/decode.in0.npy --input %S/Inputs/decode.in1.npy --input %S/Inputs/decode.in2.npy --input %S/Inputs/decode.in3.npy --input %S/Inputs/r3-fp8-attn-head.layer.decode.past_k.codes.npy --input %S/Inputs/r3-fp8-attn-head.layer.decode.past_v.codes.npy --output %t.FP8.real0.npy --output %t.FP8.real1.npy --output %t.FP8.real2.npy
// RUN: ct-run %S/Inputs/kv-cache-dequantize.mlir --entry fp8_attn_head_decode --input %t.FP8.real0.npy --input %t.FP8.real1.npy --input %t.FP8.real2.npy --input %S/Inputs/r3-fp8-attn-head.decode.past_k.scale.npy --input %S/Inputs/r3-fp8-attn-head.decode.past_v.scale.npy --compare %S/Inputs/r3-fp8-attn-head.layer.decode.expected0.npy --compare %S/Inputs/r3-fp8-attn-head.layer.decode.expected1.npy --compare %S/Inputs/r3-fp8-attn-head.layer.decode.expected2.npy --rtol 0 --atol 1e-6 | FileCheck %s --check-prefix=DECODE

// (b) R3 + dynamic asymmetric int4 KV cache (and query), per token.
// RUN: ct-opt %S/Inputs/llama_layer_prefill.mlir --ct-raise-attention --ct-apply-config="config=%S/Inputs/r3-int4-token-dynamic.config.json weights=%S/Inputs/r3-int4-token-dynamic.safetensors" -o %t.INT4.prefill.mlir
// RUN: FileCheck %s --check-prefixes=IR,IR-INT4 --input-file %t.INT4.prefill.mlir
// RUN: ct-run %t.INT4.prefill.mlir --entry llama_layer_prefill --input %S/Inputs/prefill.in0.npy --input %S/Inputs/prefill.in1.npy --input %S/Inputs/prefill.in2.npy --input %S/Inputs/prefill.in3.npy --compare %S/Inputs/r3-int4-token-dynamic.layer.prefill.expected.npy --rtol 0 --atol 1e-6 | FileCheck %s --check-prefix=PREFILL
// RUN: ct-opt %S/Inputs/llama_layer_decode.mlir --ct-raise-attention --ct-apply-config="config=%S/Inputs/r3-int4-token-dynamic.config.json weights=%S/Inputs/r3-int4-token-dynamic.safetensors" -o %t.INT4.decode.mlir
// RUN: ct-run %t.INT4.decode.mlir --entry llama_layer_decode --input %S/Inputs/decode.in0.npy --input %S/Inputs/decode.in1.npy --input %S/Inputs/decode.in2.npy --input %S/Inputs/decode.in3.npy --input %S/Inputs/r3-int4-token-dynamic.layer.decode.past_k.npy --input %S/Inputs/r3-int4-token-dynamic.layer.decode.past_v.npy --compare %S/Inputs/r3-int4-token-dynamic.layer.decode.expected0.npy --compare %S/Inputs/r3-int4-token-dynamic.layer.decode.expected1.npy --compare %S/Inputs/r3-int4-token-dynamic.layer.decode.expected2.npy --rtol 0 --atol 1e-6 | FileCheck %s --check-prefix=DECODE
// RUN: ct-opt %t.INT4.decode.mlir --ct-materialize-kv-cache -o %t.INT4.real.mlir 2>&1 | FileCheck %s --check-prefix=BYTES-INT4
// RUN: ct-run %S/Inputs/kv-cache-dequantize.mlir --entry int4_token_asym_past --input %S/Inputs/r3-int4-token-dynamic.layer.decode.past_k.codes.npy --input %S/Inputs/r3-int4-token-dynamic.layer.decode.past_k.scale.npy --input %S/Inputs/r3-int4-token-dynamic.layer.decode.past_k.zero_point.npy --input %S/Inputs/r3-int4-token-dynamic.layer.decode.past_v.codes.npy --input %S/Inputs/r3-int4-token-dynamic.layer.decode.past_v.scale.npy --input %S/Inputs/r3-int4-token-dynamic.layer.decode.past_v.zero_point.npy --compare %S/Inputs/r3-int4-token-dynamic.layer.decode.past_k.npy --compare %S/Inputs/r3-int4-token-dynamic.layer.decode.past_v.npy --rtol 0 --atol 0 | FileCheck %s --check-prefix=PAST
// RUN: ct-run %t.INT4.real.mlir --entry llama_layer_decode --input %S/Inputs/decode.in0.npy --input %S/Inputs/decode.in1.npy --input %S/Inputs/decode.in2.npy --input %S/Inputs/decode.in3.npy --input %S/Inputs/r3-int4-token-dynamic.layer.decode.past_k.codes.npy --input %S/Inputs/r3-int4-token-dynamic.layer.decode.past_k.scale.npy --input %S/Inputs/r3-int4-token-dynamic.layer.decode.past_k.zero_point.npy --input %S/Inputs/r3-int4-token-dynamic.layer.decode.past_v.codes.npy --input %S/Inputs/r3-int4-token-dynamic.layer.decode.past_v.scale.npy --input %S/Inputs/r3-int4-token-dynamic.layer.decode.past_v.zero_point.npy --output %t.INT4.real0.npy --output %t.INT4.real1.npy --output %t.INT4.real2.npy --output %t.INT4.real3.npy --output %t.INT4.real4.npy --output %t.INT4.real5.npy --output %t.INT4.real6.npy
// RUN: ct-run %S/Inputs/kv-cache-dequantize.mlir --entry int4_token_asym_decode --input %t.INT4.real0.npy --input %t.INT4.real1.npy --input %t.INT4.real2.npy --input %t.INT4.real3.npy --input %t.INT4.real4.npy --input %t.INT4.real5.npy --input %t.INT4.real6.npy --compare %S/Inputs/r3-int4-token-dynamic.layer.decode.expected0.npy --compare %S/Inputs/r3-int4-token-dynamic.layer.decode.expected1.npy --compare %S/Inputs/r3-int4-token-dynamic.layer.decode.expected2.npy --rtol 0 --atol 1e-6 | FileCheck %s --check-prefix=DECODE

// (c) static asymmetric int8 KV cache, one scale and zero point; no R3, no query quantization.
// RUN: ct-opt %S/Inputs/llama_layer_prefill.mlir --ct-raise-attention --ct-apply-config="config=%S/Inputs/int8-tensor-static.config.json weights=%S/Inputs/int8-tensor-static.safetensors" -o %t.INT8.prefill.mlir
// RUN: FileCheck %s --check-prefixes=IR,IR-INT8 --input-file %t.INT8.prefill.mlir
// RUN: ct-run %t.INT8.prefill.mlir --entry llama_layer_prefill --input %S/Inputs/prefill.in0.npy --input %S/Inputs/prefill.in1.npy --input %S/Inputs/prefill.in2.npy --input %S/Inputs/prefill.in3.npy --compare %S/Inputs/int8-tensor-static.layer.prefill.expected.npy --rtol 0 --atol 1e-6 | FileCheck %s --check-prefix=PREFILL
// RUN: ct-opt %S/Inputs/llama_layer_decode.mlir --ct-raise-attention --ct-apply-config="config=%S/Inputs/int8-tensor-static.config.json weights=%S/Inputs/int8-tensor-static.safetensors" -o %t.INT8.decode.mlir
// RUN: ct-run %t.INT8.decode.mlir --entry llama_layer_decode --input %S/Inputs/decode.in0.npy --input %S/Inputs/decode.in1.npy --input %S/Inputs/decode.in2.npy --input %S/Inputs/decode.in3.npy --input %S/Inputs/int8-tensor-static.layer.decode.past_k.npy --input %S/Inputs/int8-tensor-static.layer.decode.past_v.npy --compare %S/Inputs/int8-tensor-static.layer.decode.expected0.npy --compare %S/Inputs/int8-tensor-static.layer.decode.expected1.npy --compare %S/Inputs/int8-tensor-static.layer.decode.expected2.npy --rtol 0 --atol 1e-6 | FileCheck %s --check-prefix=DECODE
// RUN: ct-opt %t.INT8.decode.mlir --ct-materialize-kv-cache -o %t.INT8.real.mlir 2>&1 | FileCheck %s --check-prefix=BYTES-INT8
// RUN: ct-run %S/Inputs/kv-cache-dequantize.mlir --entry int8_tensor_asym_past --input %S/Inputs/int8-tensor-static.layer.decode.past_k.codes.npy --input %S/Inputs/int8-tensor-static.layer.decode.past_v.codes.npy --input %S/Inputs/int8-tensor-static.decode.past_k.scale.npy --input %S/Inputs/int8-tensor-static.decode.past_v.scale.npy --input %S/Inputs/int8-tensor-static.decode.past_k.zero_point.npy --input %S/Inputs/int8-tensor-static.decode.past_v.zero_point.npy --compare %S/Inputs/int8-tensor-static.layer.decode.past_k.npy --compare %S/Inputs/int8-tensor-static.layer.decode.past_v.npy --rtol 0 --atol 0 | FileCheck %s --check-prefix=PAST
// RUN: ct-run %t.INT8.real.mlir --entry llama_layer_decode --input %S/Inputs/decode.in0.npy --input %S/Inputs/decode.in1.npy --input %S/Inputs/decode.in2.npy --input %S/Inputs/decode.in3.npy --input %S/Inputs/int8-tensor-static.layer.decode.past_k.codes.npy --input %S/Inputs/int8-tensor-static.layer.decode.past_v.codes.npy --output %t.INT8.real0.npy --output %t.INT8.real1.npy --output %t.INT8.real2.npy
// RUN: ct-run %S/Inputs/kv-cache-dequantize.mlir --entry int8_tensor_asym_decode --input %t.INT8.real0.npy --input %t.INT8.real1.npy --input %t.INT8.real2.npy --input %S/Inputs/int8-tensor-static.decode.past_k.scale.npy --input %S/Inputs/int8-tensor-static.decode.past_v.scale.npy --input %S/Inputs/int8-tensor-static.decode.past_k.zero_point.npy --input %S/Inputs/int8-tensor-static.decode.past_v.zero_point.npy --compare %S/Inputs/int8-tensor-static.layer.decode.expected0.npy --compare %S/Inputs/int8-tensor-static.layer.decode.expected1.npy --compare %S/Inputs/int8-tensor-static.layer.decode.expected2.npy --rtol 0 --atol 1e-6 | FileCheck %s --check-prefix=DECODE
// BYTES-FP8: remark: KV cache bytes per token of model.layers.0.self_attn: K 32 (32 codes + 0 scales), V 32 (32 codes + 0 scales); total 64 vs 256 for the float cache (4.00x smaller)
// BYTES-INT4: remark: KV cache bytes per token of model.layers.0.self_attn: K 26 (16 codes + 8 scales + 2 zero points), V 26 (16 codes + 8 scales + 2 zero points); total 52 vs 256 for the float cache (4.92x smaller)
// BYTES-INT8: remark: KV cache bytes per token of model.layers.0.self_attn: K 32 (32 codes + 0 scales), V 32 (32 codes + 0 scales); total 64 vs 256 for the float cache (4.00x smaller)
// PAST: result #0: 224 elements, max abs error 0{{.*}}: match
// PAST-NEXT: result #1: 224 elements, max abs error 0{{.*}}: match
// PREFILL: result #0: 512 elements, {{.*}}: match
// DECODE: result #0: 64 elements, {{.*}}: match
// DECODE: result #1: 256 elements, {{.*}}: match
// DECODE: result #2: 256 elements, {{.*}}: match

// One attention, raised in place: the input RMSNorm before it, the o
// projection, residual, post-attention RMSNorm and SwiGLU MLP after it.
// IR-LABEL: func.func @llama_layer_prefill
// IR:         math.rsqrt
// IR:         linalg.matmul
// IR:         ct.hooked_attention {{.*}}name = "model.layers.0.self_attn"
// IR-INT8-SAME: -> tensor<1x4x8x16xf32> k_hook {
// IR-FP8-SAME:  q_hook {
// IR-FP8-NEXT:  ^bb0(%[[Q:.+]]: tensor<1x4x8x16xf32>):
// IR-FP8-NEXT:    %[[QR:.+]] = ct.hadamard %[[Q]] size(16)
// IR-FP8-NEXT:    ct.fake_quantize %[[QR]] scale(%{{.+}}) quant<float8, attn_head> : (tensor<1x4x8x16xf32>, tensor<4x1x1xf32>)
// IR-INT4-SAME: q_hook {
// IR-INT4-NEXT: ^bb0(%[[Q:.+]]: tensor<1x4x8x16xf32>):
// IR-INT4-NEXT:   %[[QR:.+]] = ct.hadamard %[[Q]] size(16)
// IR-INT4-NEXT:   ct.calculate_qparams %[[QR]] quant<int4, token, asymmetric, dynamic>
// IR-FP8:      k_hook {
// IR-INT4:     k_hook {
// IR-NEXT:    ^bb0(%[[K:.+]]: tensor<1x2x8x16xf32>):
// IR-FP8-NEXT:  %[[KR:.+]] = ct.hadamard %[[K]] size(16)
// IR-FP8-NEXT:  ct.fake_quantize %[[KR]] scale(%{{.+}}) quant<float8, attn_head> : (tensor<1x2x8x16xf32>, tensor<2x1x1xf32>)
// IR-INT4-NEXT: %[[KR:.+]] = ct.hadamard %[[K]] size(16)
// IR-INT4-NEXT: ct.calculate_qparams %[[KR]] quant<int4, token, asymmetric, dynamic>
// IR-INT8-NEXT: ct.fake_quantize %[[K]] scale(%{{.+}}) zero_point(%{{.+}}) quant<int8, asymmetric> : (tensor<1x2x8x16xf32>, tensor<1xf32>, tensor<1xi8>)
// IR:         v_hook {
// IR-NEXT:    ^bb0(%[[V:.+]]: tensor<1x2x8x16xf32>):
// IR-FP8-NEXT:  ct.fake_quantize %[[V]] scale(%{{.+}}) quant<float8, attn_head>
// IR-INT4-NEXT: ct.calculate_qparams %[[V]] quant<int4, token, asymmetric, dynamic>
// IR-INT8-NEXT: ct.fake_quantize %[[V]] scale(%{{.+}}) zero_point(%{{.+}}) quant<int8, asymmetric>
// IR-NOT:     ct.hooked_attention
// IR:         linalg.matmul
// IR:         math.rsqrt
// IR:         linalg.matmul
// IR:         math.exp
// IR:         linalg.matmul
// IR:         linalg.matmul
// IR-NOT:     ct.hooked_attention
// IR:         return
