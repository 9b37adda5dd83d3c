// Llama attention layer in bf16 (eager path) in TOSA from torch-mlir. The
// eager path rounds scores to bf16 before its f32 softmax, the op does not:
// results agree to about one bf16 ulp.
// The fixture runs as imported, then raised by ct-raise-attention and lowered
// through ct.hooked_attention, on the same inputs; the results must agree.
// RUN: ct-run %S/../../Transforms/Inputs/tosa_llama_eager_bf16.mlir --entry tosa_llama_eager_bf16 --input %S/Inputs/raise_tosa_llama_eager_bf16.in0.npy --input %S/Inputs/raise_tosa_llama_eager_bf16.in1.npy --input %S/Inputs/raise_tosa_llama_eager_bf16.in2.npy --input %S/Inputs/raise_tosa_llama_eager_bf16.in3.npy --output %t.out0.npy
// RUN: ct-opt %S/../../Transforms/Inputs/tosa_llama_eager_bf16.mlir -ct-raise-attention -o %t.raised.mlir
// RUN: FileCheck %s --check-prefix=RAISED < %t.raised.mlir
// RUN: ct-run %t.raised.mlir --entry tosa_llama_eager_bf16 --input %S/Inputs/raise_tosa_llama_eager_bf16.in0.npy --input %S/Inputs/raise_tosa_llama_eager_bf16.in1.npy --input %S/Inputs/raise_tosa_llama_eager_bf16.in2.npy --input %S/Inputs/raise_tosa_llama_eager_bf16.in3.npy --compare %t.out0.npy --rtol 2e-2 --atol 4e-3 | FileCheck %s

// RAISED: ct.hooked_attention
// RAISED-NOT: tosa.exp
// CHECK: result #0: {{.*}}: match
