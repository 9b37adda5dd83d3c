// Llama attention layer (SDPA path, GQA, causal mask, the guard for fully
// masked rows) in TOSA from torch-mlir.
// The fixture runs as imported, then raised by ct-raise-attention and lowered
// through ct.hooked_attention, on the same inputs; the results must agree.
// RUN: ct-run %S/../../Transforms/Inputs/tosa_llama_sdpa.mlir --entry tosa_llama_sdpa --input %S/Inputs/raise_tosa_llama_sdpa.in0.npy --input %S/Inputs/raise_tosa_llama_sdpa.in1.npy --input %S/Inputs/raise_tosa_llama_sdpa.in2.npy --input %S/Inputs/raise_tosa_llama_sdpa.in3.npy --output %t.out0.npy
// RUN: ct-opt %S/../../Transforms/Inputs/tosa_llama_sdpa.mlir -ct-raise-attention -o %t.raised.mlir
// RUN: FileCheck %s --check-prefix=RAISED < %t.raised.mlir
// RUN: ct-run %t.raised.mlir --entry tosa_llama_sdpa --input %S/Inputs/raise_tosa_llama_sdpa.in0.npy --input %S/Inputs/raise_tosa_llama_sdpa.in1.npy --input %S/Inputs/raise_tosa_llama_sdpa.in2.npy --input %S/Inputs/raise_tosa_llama_sdpa.in3.npy --compare %t.out0.npy --rtol 1e-5 --atol 1e-6 | FileCheck %s

// RAISED: ct.hooked_attention
// RAISED-NOT: tosa.exp
// CHECK: result #0: {{.*}}: match
