// Llama decode step with a DynamicCache (past K/V concatenated by
// tosa.concat) in TOSA from torch-mlir.
// The fixture runs as imported, then raised by ct-raise-attention and lowered
// through ct.hooked_attention, on the same inputs; the results must agree.
// RUN: ct-run %S/../../Transforms/Inputs/tosa_llama_decode.mlir --entry tosa_llama_decode --input %S/Inputs/raise_tosa_llama_decode.in0.npy --input %S/Inputs/raise_tosa_llama_decode.in1.npy --input %S/Inputs/raise_tosa_llama_decode.in2.npy --input %S/Inputs/raise_tosa_llama_decode.in3.npy --input %S/Inputs/raise_tosa_llama_decode.in4.npy --input %S/Inputs/raise_tosa_llama_decode.in5.npy --output %t.out0.npy --output %t.out1.npy --output %t.out2.npy
// RUN: ct-opt %S/../../Transforms/Inputs/tosa_llama_decode.mlir -ct-raise-attention -o %t.raised.mlir
// RUN: FileCheck %s --check-prefix=RAISED < %t.raised.mlir
// RUN: ct-run %t.raised.mlir --entry tosa_llama_decode --input %S/Inputs/raise_tosa_llama_decode.in0.npy --input %S/Inputs/raise_tosa_llama_decode.in1.npy --input %S/Inputs/raise_tosa_llama_decode.in2.npy --input %S/Inputs/raise_tosa_llama_decode.in3.npy --input %S/Inputs/raise_tosa_llama_decode.in4.npy --input %S/Inputs/raise_tosa_llama_decode.in5.npy --compare %t.out0.npy --compare %t.out1.npy --compare %t.out2.npy --rtol 1e-5 --atol 1e-6 | FileCheck %s

// RAISED: ct.hooked_attention
// RAISED-NOT: tosa.exp
// CHECK: result #0: {{.*}}: match
// CHECK: result #1: {{.*}}: match
// CHECK: result #2: {{.*}}: match
