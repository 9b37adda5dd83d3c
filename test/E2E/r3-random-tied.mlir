// A random-Hadamard R3 checkpoint as the library saves it. compressed-tensors
// shares one weight between the q_attn and k_cache transforms of a scheme
// (R3_k_cache.weight is R3_q_attn.weight), so save_pretrained writes only
// model.layers.0.self_attn.R3_q_attn.weight; ct-apply-config finds the k_cache
// matrix under that name. Fixtures: utils/gen_e2e.py.
// RUN: ct-opt %S/Inputs/llama_prefill.mlir --ct-raise-attention --ct-apply-config="config=%S/Inputs/r3-random-int4-token-dynamic.config.json weights=%S/Inputs/r3-random-int4-token-dynamic.safetensors" -o %t.prefill.mlir
// RUN: ct-run %t.prefill.mlir --entry llama_prefill --input %S/Inputs/prefill.in0.npy --input %S/Inputs/prefill.in1.npy --input %S/Inputs/prefill.in2.npy --input %S/Inputs/prefill.in3.npy --compare %S/Inputs/r3-random-int4-token-dynamic.prefill.expected.npy --rtol 0 --atol 1e-6 | FileCheck %s --check-prefix=PREFILL
// RUN: ct-opt %S/Inputs/llama_decode.mlir --ct-raise-attention --ct-apply-config="config=%S/Inputs/r3-random-int4-token-dynamic.config.json weights=%S/Inputs/r3-random-int4-token-dynamic.safetensors" -o %t.decode.mlir
// RUN: ct-run %t.decode.mlir --entry llama_decode --input %S/Inputs/decode.in0.npy --input %S/Inputs/decode.in1.npy --input %S/Inputs/decode.in2.npy --input %S/Inputs/decode.in3.npy --input %S/Inputs/r3-random-int4-token-dynamic.decode.past_k.npy --input %S/Inputs/r3-random-int4-token-dynamic.decode.past_v.npy --compare %S/Inputs/r3-random-int4-token-dynamic.decode.expected0.npy --compare %S/Inputs/r3-random-int4-token-dynamic.decode.expected1.npy --compare %S/Inputs/r3-random-int4-token-dynamic.decode.expected2.npy --rtol 0 --atol 1e-6 | FileCheck %s --check-prefix=DECODE
// PREFILL: result #0: 512 elements, {{.*}}: match
// DECODE: result #0: 64 elements, {{.*}}: match
// DECODE: result #1: 256 elements, {{.*}}: match
// DECODE: result #2: 256 elements, {{.*}}: match

