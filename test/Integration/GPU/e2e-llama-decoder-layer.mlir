// REQUIRES: cuda-device
// The whole Llama decoder layer of test/E2E/llama-decoder-layer.mlir on the
// GPU: torch-mlir's export of the HF LlamaDecoderLayer (RMSNorms, q/k/v/o
// projections, RoPE, attention, residuals, SwiGLU MLP), raised and configured
// from the compressed-tensors checkpoints, lowered with ct-lower-to-nvvm and
// run with ct-run --gpu; the results must reproduce the library's forward
// (hooks active) for an 8-token prefill, a decode step with the float cache
// and, for the fp8 and the asymmetric int8 configs, the decode step through
// ct-materialize-kv-cache (codes on the GPU, dequantized back here on the
// CPU). The int4 config's stored cache does not compile for the GPU yet:
// ct-materialize-kv-cache appends the new row to the 7 past ones (a cache
// one row longer, written at the constant position 7), and
// ct-pack-sub-byte-memrefs cannot pack that non-contiguous 4-bit slice
// (symmetric int4 caches alike; a position passed as an argument works).
//
// Tolerance: --rtol 0 --atol 1e-5, as test/Integration/GPU/e2e-llama.mlir
// (the GPU sums in other orders); the library's output differs from the
// unquantized layer by 7e-5 to 6e-3, so a missing or wrong hook fails.
//
// RUN: ct-opt %S/../../E2E/Inputs/llama_layer_prefill.mlir --ct-raise-attention --ct-apply-config="config=%S/../../E2E/Inputs/r3-fp8-attn-head.config.json weights=%S/../../E2E/Inputs/r3-fp8-attn-head.safetensors" -o %t.FP8.prefill.mlir
// RUN: ct-run --gpu %t.FP8.prefill.mlir --entry llama_layer_prefill --input %S/../../E2E/Inputs/prefill.in0.npy --input %S/../../E2E/Inputs/prefill.in1.npy --input %S/../../E2E/Inputs/prefill.in2.npy --input %S/../../E2E/Inputs/prefill.in3.npy --compare %S/../../E2E/Inputs/r3-fp8-attn-head.layer.prefill.expected.npy --rtol 0 --atol 1e-5 | FileCheck %s --check-prefix=PREFILL
// RUN: ct-opt %S/../../E2E/Inputs/llama_layer_decode.mlir --ct-raise-attention --ct-apply-config="config=%S/../../E2E/Inputs/r3-fp8-attn-head.config.json weights=%S/../../E2E/Inputs/r3-fp8-attn-head.safetensors" -o %t.FP8.decode.mlir
// RUN: ct-run --gpu %t.FP8.decode.mlir --entry llama_layer_decode --input %S/../../E2E/Inputs/decode.in0.npy --input %S/../../E2E/Inputs/decode.in1.npy --input %S/../../E2E/Inputs/decode.in2.npy --input %S/../../E2E/Inputs/decode.in3.npy --input %S/../../E2E/Inputs/r3-fp8-attn-head.layer.decode.past_k.npy --input %S/../../E2E/Inputs/r3-fp8-attn-head.layer.decode.past_v.npy --compare %S/../../E2E/Inputs/r3-fp8-attn-head.layer.decode.expected0.npy --compare %S/../../E2E/Inputs/r3-fp8-attn-head.layer.decode.expected1.npy --compare %S/../../E2E/Inputs/r3-fp8-attn-head.layer.decode.expected2.npy --rtol 0 --atol 1e-5 | FileCheck %s --check-prefix=DECODE
// RUN: ct-opt %t.FP8.decode.mlir --ct-materialize-kv-cache -o %t.FP8.real.mlir
// RUN: ct-run --gpu %t.FP8.real.mlir --entry llama_layer_decode --input %S/../../E2E/Inputs/decode.in0.npy --input %S/../../E2E/Inputs/decode.in1.npy --input %S/../../E2E/Inputs/decode.in2.npy --input %S/../../E2E/Inputs/decode.in3.npy --input %S/../../E2E/Inputs/r3-fp8-attn-head.layer.decode.past_k.codes.npy --input %S/../../E2E/Inputs/r3-fp8-attn-head.layer.decode.past_v.codes.npy --output %t.FP8.real0.npy --output %t.FP8.real1.npy --output %t.FP8.real2.npy
// RUN: ct-run %S/../../E2E/Inputs/kv-cache-dequantize.mlir --entry fp8_attn_head_decode --input %t.FP8.real0.npy --input %t.FP8.real1.npy --input %t.FP8.real2.npy --input %S/../../E2E/Inputs/r3-fp8-attn-head.decode.past_k.scale.npy --input %S/../../E2E/Inputs/r3-fp8-attn-head.decode.past_v.scale.npy --compare %S/../../E2E/Inputs/r3-fp8-attn-head.layer.decode.expected0.npy --compare %S/../../E2E/Inputs/r3-fp8-attn-head.layer.decode.expected1.npy --compare %S/../../E2E/Inputs/r3-fp8-attn-head.layer.decode.expected2.npy --rtol 0 --atol 1e-5 | FileCheck %s --check-prefix=DECODE
//
// RUN: ct-opt %S/../../E2E/Inputs/llama_layer_prefill.mlir --ct-raise-attention --ct-apply-config="config=%S/../../E2E/Inputs/r3-int4-token-dynamic.config.json weights=%S/../../E2E/Inputs/r3-int4-token-dynamic.safetensors" -o %t.INT4.prefill.mlir
// RUN: ct-run --gpu %t.INT4.prefill.mlir --entry llama_layer_prefill --input %S/../../E2E/Inputs/prefill.in0.npy --input %S/../../E2E/Inputs/prefill.in1.npy --input %S/../../E2E/Inputs/prefill.in2.npy --input %S/../../E2E/Inputs/prefill.in3.npy --compare %S/../../E2E/Inputs/r3-int4-token-dynamic.layer.prefill.expected.npy --rtol 0 --atol 1e-5 | FileCheck %s --check-prefix=PREFILL
// RUN: ct-opt %S/../../E2E/Inputs/llama_layer_decode.mlir --ct-raise-attention --ct-apply-config="config=%S/../../E2E/Inputs/r3-int4-token-dynamic.config.json weights=%S/../../E2E/Inputs/r3-int4-token-dynamic.safetensors" -o %t.INT4.decode.mlir
// RUN: ct-run --gpu %t.INT4.decode.mlir --entry llama_layer_decode --input %S/../../E2E/Inputs/decode.in0.npy --input %S/../../E2E/Inputs/decode.in1.npy --input %S/../../E2E/Inputs/decode.in2.npy --input %S/../../E2E/Inputs/decode.in3.npy --input %S/../../E2E/Inputs/r3-int4-token-dynamic.layer.decode.past_k.npy --input %S/../../E2E/Inputs/r3-int4-token-dynamic.layer.decode.past_v.npy --compare %S/../../E2E/Inputs/r3-int4-token-dynamic.layer.decode.expected0.npy --compare %S/../../E2E/Inputs/r3-int4-token-dynamic.layer.decode.expected1.npy --compare %S/../../E2E/Inputs/r3-int4-token-dynamic.layer.decode.expected2.npy --rtol 0 --atol 1e-5 | FileCheck %s --check-prefix=DECODE
//
// RUN: ct-opt %S/../../E2E/Inputs/llama_layer_prefill.mlir --ct-raise-attention --ct-apply-config="config=%S/../../E2E/Inputs/int8-tensor-static.config.json weights=%S/../../E2E/Inputs/int8-tensor-static.safetensors" -o %t.INT8.prefill.mlir
// RUN: ct-run --gpu %t.INT8.prefill.mlir --entry llama_layer_prefill --input %S/../../E2E/Inputs/prefill.in0.npy --input %S/../../E2E/Inputs/prefill.in1.npy --input %S/../../E2E/Inputs/prefill.in2.npy --input %S/../../E2E/Inputs/prefill.in3.npy --compare %S/../../E2E/Inputs/int8-tensor-static.layer.prefill.expected.npy --rtol 0 --atol 1e-5 | FileCheck %s --check-prefix=PREFILL
// RUN: ct-opt %S/../../E2E/Inputs/llama_layer_decode.mlir --ct-raise-attention --ct-apply-config="config=%S/../../E2E/Inputs/int8-tensor-static.config.json weights=%S/../../E2E/Inputs/int8-tensor-static.safetensors" -o %t.INT8.decode.mlir
// RUN: ct-run --gpu %t.INT8.decode.mlir --entry llama_layer_decode --input %S/../../E2E/Inputs/decode.in0.npy --input %S/../../E2E/Inputs/decode.in1.npy --input %S/../../E2E/Inputs/decode.in2.npy --input %S/../../E2E/Inputs/decode.in3.npy --input %S/../../E2E/Inputs/int8-tensor-static.layer.decode.past_k.npy --input %S/../../E2E/Inputs/int8-tensor-static.layer.decode.past_v.npy --compare %S/../../E2E/Inputs/int8-tensor-static.layer.decode.expected0.npy --compare %S/../../E2E/Inputs/int8-tensor-static.layer.decode.expected1.npy --compare %S/../../E2E/Inputs/int8-tensor-static.layer.decode.expected2.npy --rtol 0 --atol 1e-5 | FileCheck %s --check-prefix=DECODE
// RUN: ct-opt %t.INT8.decode.mlir --ct-materialize-kv-cache -o %t.INT8.real.mlir
// RUN: ct-run --gpu %t.INT8.real.mlir --entry llama_layer_decode --input %S/../../E2E/Inputs/decode.in0.npy --input %S/../../E2E/Inputs/decode.in1.npy --input %S/../../E2E/Inputs/decode.in2.npy --input %S/../../E2E/Inputs/decode.in3.npy --input %S/../../E2E/Inputs/int8-tensor-static.layer.decode.past_k.codes.npy --input %S/../../E2E/Inputs/int8-tensor-static.layer.decode.past_v.codes.npy --output %t.INT8.real0.npy --output %t.INT8.real1.npy --output %t.INT8.real2.npy
// RUN: ct-run %S/../../E2E/Inputs/kv-cache-dequantize.mlir --entry int8_tensor_asym_decode --input %t.INT8.real0.npy --input %t.INT8.real1.npy --input %t.INT8.real2.npy --input %S/../../E2E/Inputs/int8-tensor-static.decode.past_k.scale.npy --input %S/../../E2E/Inputs/int8-tensor-static.decode.past_v.scale.npy --input %S/../../E2E/Inputs/int8-tensor-static.decode.past_k.zero_point.npy --input %S/../../E2E/Inputs/int8-tensor-static.decode.past_v.zero_point.npy --compare %S/../../E2E/Inputs/int8-tensor-static.layer.decode.expected0.npy --compare %S/../../E2E/Inputs/int8-tensor-static.layer.decode.expected1.npy --compare %S/../../E2E/Inputs/int8-tensor-static.layer.decode.expected2.npy --rtol 0 --atol 1e-5 | FileCheck %s --check-prefix=DECODE

// PREFILL: result #0: 512 elements, {{.*}}: match
// DECODE: result #0: 64 elements, {{.*}}: match
// DECODE: result #1: 256 elements, {{.*}}: match
// DECODE: result #2: 256 elements, {{.*}}: match
