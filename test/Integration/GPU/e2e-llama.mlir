// REQUIRES: cuda-device
// The end-to-end Llama attention layer of test/E2E on the GPU: torch-mlir's
// export, raised and configured from the checkpoints compressed-tensors saved,
// lowered with ct-lower-to-nvvm and run with ct-run --gpu; the results must
// reproduce the library's forward (its hooks active), for a prefill and a
// decode step with the float cache, and for the decode step through
// ct-materialize-kv-cache with an fp8 and an asymmetric int8 cache (codes on
// the GPU, dequantized back here on the CPU with
// test/E2E/Inputs/kv-cache-dequantize.mlir).
//
// Tolerance: --rtol 0 --atol 1e-5, ten times the CPU E2E tests'. The GPU
// sums in other orders (butterflies, split-K decode, ex2.approx in the
// softmax: outputs ~1e-2 move by ~1e-8), and a key element that lands on
// the other side of an fp8/int rounding boundary after the GPU's Hadamard
// moves the output by ~1e-5 at most; a missing or wrong hook moves it by
// 1.9e-3.
//
// RUN: ct-opt %S/../../E2E/Inputs/llama_prefill.mlir --ct-raise-attention --ct-apply-config="config=%S/../../E2E/Inputs/r3-fp8-attn-head.config.json weights=%S/../../E2E/Inputs/r3-fp8-attn-head.safetensors" -o %t.fp8.prefill.mlir
// RUN: ct-run --gpu %t.fp8.prefill.mlir --entry llama_prefill --input %S/../../E2E/Inputs/prefill.in0.npy --input %S/../../E2E/Inputs/prefill.in1.npy --input %S/../../E2E/Inputs/prefill.in2.npy --input %S/../../E2E/Inputs/prefill.in3.npy --compare %S/../../E2E/Inputs/r3-fp8-attn-head.prefill.expected.npy --rtol 0 --atol 1e-5 | FileCheck %s --check-prefix=PREFILL
// RUN: ct-opt %S/../../E2E/Inputs/llama_decode.mlir --ct-raise-attention --ct-apply-config="config=%S/../../E2E/Inputs/r3-fp8-attn-head.config.json weights=%S/../../E2E/Inputs/r3-fp8-attn-head.safetensors" -o %t.fp8.decode.mlir
// RUN: ct-run --gpu %t.fp8.decode.mlir --entry llama_decode --input %S/../../E2E/Inputs/decode.in0.npy --input %S/../../E2E/Inputs/decode.in1.npy --input %S/../../E2E/Inputs/decode.in2.npy --input %S/../../E2E/Inputs/decode.in3.npy --input %S/../../E2E/Inputs/r3-fp8-attn-head.decode.past_k.npy --input %S/../../E2E/Inputs/r3-fp8-attn-head.decode.past_v.npy --compare %S/../../E2E/Inputs/r3-fp8-attn-head.decode.expected0.npy --compare %S/../../E2E/Inputs/r3-fp8-attn-head.decode.expected1.npy --compare %S/../../E2E/Inputs/r3-fp8-attn-head.decode.expected2.npy --rtol 0 --atol 1e-5 | FileCheck %s --check-prefix=DECODE
// RUN: ct-opt %t.fp8.decode.mlir --ct-materialize-kv-cache -o %t.fp8.real.mlir
// RUN: ct-run --gpu %t.fp8.real.mlir --entry llama_decode --input %S/../../E2E/Inputs/decode.in0.npy --input %S/../../E2E/Inputs/decode.in1.npy --input %S/../../E2E/Inputs/decode.in2.npy --input %S/../../E2E/Inputs/decode.in3.npy --input %S/../../E2E/Inputs/r3-fp8-attn-head.decode.past_k.codes.npy --input %S/../../E2E/Inputs/r3-fp8-attn-head.decode.past_v.codes.npy --output %t.fp8.real0.npy --output %t.fp8.real1.npy --output %t.fp8.real2.npy
// RUN: ct-run %S/../../E2E/Inputs/kv-cache-dequantize.mlir --entry fp8_attn_head_decode --input %t.fp8.real0.npy --input %t.fp8.real1.npy --input %t.fp8.real2.npy --input %S/../../E2E/Inputs/r3-fp8-attn-head.decode.past_k.scale.npy --input %S/../../E2E/Inputs/r3-fp8-attn-head.decode.past_v.scale.npy --compare %S/../../E2E/Inputs/r3-fp8-attn-head.decode.expected0.npy --compare %S/../../E2E/Inputs/r3-fp8-attn-head.decode.expected1.npy --compare %S/../../E2E/Inputs/r3-fp8-attn-head.decode.expected2.npy --rtol 0 --atol 1e-5 | FileCheck %s --check-prefix=DECODE
//
// R3 + int4 KV with dynamic token scales, float cache.
// RUN: ct-opt %S/../../E2E/Inputs/llama_prefill.mlir --ct-raise-attention --ct-apply-config="config=%S/../../E2E/Inputs/r3-int4-token-dynamic.config.json weights=%S/../../E2E/Inputs/r3-int4-token-dynamic.safetensors" -o %t.int4.prefill.mlir
// RUN: ct-run --gpu %t.int4.prefill.mlir --entry llama_prefill --input %S/../../E2E/Inputs/prefill.in0.npy --input %S/../../E2E/Inputs/prefill.in1.npy --input %S/../../E2E/Inputs/prefill.in2.npy --input %S/../../E2E/Inputs/prefill.in3.npy --compare %S/../../E2E/Inputs/r3-int4-token-dynamic.prefill.expected.npy --rtol 0 --atol 1e-5 | FileCheck %s --check-prefix=PREFILL
// RUN: ct-opt %S/../../E2E/Inputs/llama_decode.mlir --ct-raise-attention --ct-apply-config="config=%S/../../E2E/Inputs/r3-int4-token-dynamic.config.json weights=%S/../../E2E/Inputs/r3-int4-token-dynamic.safetensors" -o %t.int4.decode.mlir
// RUN: ct-run --gpu %t.int4.decode.mlir --entry llama_decode --input %S/../../E2E/Inputs/decode.in0.npy --input %S/../../E2E/Inputs/decode.in1.npy --input %S/../../E2E/Inputs/decode.in2.npy --input %S/../../E2E/Inputs/decode.in3.npy --input %S/../../E2E/Inputs/r3-int4-token-dynamic.decode.past_k.npy --input %S/../../E2E/Inputs/r3-int4-token-dynamic.decode.past_v.npy --compare %S/../../E2E/Inputs/r3-int4-token-dynamic.decode.expected0.npy --compare %S/../../E2E/Inputs/r3-int4-token-dynamic.decode.expected1.npy --compare %S/../../E2E/Inputs/r3-int4-token-dynamic.decode.expected2.npy --rtol 0 --atol 1e-5 | FileCheck %s --check-prefix=DECODE
//
// int8 per-tensor static KV (asymmetric), float cache, then stored codes
// (the zero point folded into the kernel's code conversion).
// RUN: ct-opt %S/../../E2E/Inputs/llama_decode.mlir --ct-raise-attention --ct-apply-config="config=%S/../../E2E/Inputs/int8-tensor-static.config.json weights=%S/../../E2E/Inputs/int8-tensor-static.safetensors" -o %t.int8.decode.mlir
// RUN: ct-run --gpu %t.int8.decode.mlir --entry llama_decode --input %S/../../E2E/Inputs/decode.in0.npy --input %S/../../E2E/Inputs/decode.in1.npy --input %S/../../E2E/Inputs/decode.in2.npy --input %S/../../E2E/Inputs/decode.in3.npy --input %S/../../E2E/Inputs/int8-tensor-static.decode.past_k.npy --input %S/../../E2E/Inputs/int8-tensor-static.decode.past_v.npy --compare %S/../../E2E/Inputs/int8-tensor-static.decode.expected0.npy --compare %S/../../E2E/Inputs/int8-tensor-static.decode.expected1.npy --compare %S/../../E2E/Inputs/int8-tensor-static.decode.expected2.npy --rtol 0 --atol 1e-5 | FileCheck %s --check-prefix=DECODE
// RUN: ct-opt %t.int8.decode.mlir --ct-materialize-kv-cache -o %t.int8.real.mlir
// RUN: ct-run --gpu %t.int8.real.mlir --entry llama_decode --input %S/../../E2E/Inputs/decode.in0.npy --input %S/../../E2E/Inputs/decode.in1.npy --input %S/../../E2E/Inputs/decode.in2.npy --input %S/../../E2E/Inputs/decode.in3.npy --input %S/../../E2E/Inputs/int8-tensor-static.decode.past_k.codes.npy --input %S/../../E2E/Inputs/int8-tensor-static.decode.past_v.codes.npy --output %t.int8.real0.npy --output %t.int8.real1.npy --output %t.int8.real2.npy
// RUN: ct-run %S/../../E2E/Inputs/kv-cache-dequantize.mlir --entry int8_tensor_asym_decode --input %t.int8.real0.npy --input %t.int8.real1.npy --input %t.int8.real2.npy --input %S/../../E2E/Inputs/int8-tensor-static.decode.past_k.scale.npy --input %S/../../E2E/Inputs/int8-tensor-static.decode.past_v.scale.npy --input %S/../../E2E/Inputs/int8-tensor-static.decode.past_k.zero_point.npy --input %S/../../E2E/Inputs/int8-tensor-static.decode.past_v.zero_point.npy --compare %S/../../E2E/Inputs/int8-tensor-static.decode.expected0.npy --compare %S/../../E2E/Inputs/int8-tensor-static.decode.expected1.npy --compare %S/../../E2E/Inputs/int8-tensor-static.decode.expected2.npy --rtol 0 --atol 1e-5 | FileCheck %s --check-prefix=DECODE
//
// Random-hadamard R3 (ct.rotate by the checkpoint's matrix, a matmul kernel)
// + dynamic int4 per token, float cache.
// RUN: ct-opt %S/../../E2E/Inputs/llama_prefill.mlir --ct-raise-attention --ct-apply-config="config=%S/../../E2E/Inputs/r3-random-int4-token-dynamic.config.json weights=%S/../../E2E/Inputs/r3-random-int4-token-dynamic.safetensors" -o %t.random.prefill.mlir
// RUN: ct-run --gpu %t.random.prefill.mlir --entry llama_prefill --input %S/../../E2E/Inputs/prefill.in0.npy --input %S/../../E2E/Inputs/prefill.in1.npy --input %S/../../E2E/Inputs/prefill.in2.npy --input %S/../../E2E/Inputs/prefill.in3.npy --compare %S/../../E2E/Inputs/r3-random-int4-token-dynamic.prefill.expected.npy --rtol 0 --atol 1e-5 | FileCheck %s --check-prefix=PREFILL
// RUN: ct-opt %S/../../E2E/Inputs/llama_decode.mlir --ct-raise-attention --ct-apply-config="config=%S/../../E2E/Inputs/r3-random-int4-token-dynamic.config.json weights=%S/../../E2E/Inputs/r3-random-int4-token-dynamic.safetensors" -o %t.random.decode.mlir
// RUN: ct-run --gpu %t.random.decode.mlir --entry llama_decode --input %S/../../E2E/Inputs/decode.in0.npy --input %S/../../E2E/Inputs/decode.in1.npy --input %S/../../E2E/Inputs/decode.in2.npy --input %S/../../E2E/Inputs/decode.in3.npy --input %S/../../E2E/Inputs/r3-random-int4-token-dynamic.decode.past_k.npy --input %S/../../E2E/Inputs/r3-random-int4-token-dynamic.decode.past_v.npy --compare %S/../../E2E/Inputs/r3-random-int4-token-dynamic.decode.expected0.npy --compare %S/../../E2E/Inputs/r3-random-int4-token-dynamic.decode.expected1.npy --compare %S/../../E2E/Inputs/r3-random-int4-token-dynamic.decode.expected2.npy --rtol 0 --atol 1e-5 | FileCheck %s --check-prefix=DECODE

// PREFILL: result #0: 512 elements, {{.*}}: match
// DECODE: result #0: 64 elements, {{.*}}: match
// DECODE: result #1: 256 elements, {{.*}}: match
// DECODE: result #2: 256 elements, {{.*}}: match
