// Qwen2 attention layer (eager path, q/k/v biases, GQA) from torch-mlir.
// The fixture runs as imported, then raised by ct-raise-attention and lowered
// through ct.hooked_attention, on the same inputs; the results must agree.
// RUN: ct-run %S/../../Transforms/Inputs/qwen2_eager.mlir --entry qwen2_eager --input %S/Inputs/raise_qwen2_eager.in0.npy --input %S/Inputs/raise_qwen2_eager.in1.npy --input %S/Inputs/raise_qwen2_eager.in2.npy --input %S/Inputs/raise_qwen2_eager.in3.npy --output %t.out0.npy
// RUN: ct-opt %S/../../Transforms/Inputs/qwen2_eager.mlir -ct-raise-attention -o %t.raised.mlir
// RUN: ct-run %t.raised.mlir --entry qwen2_eager --input %S/Inputs/raise_qwen2_eager.in0.npy --input %S/Inputs/raise_qwen2_eager.in1.npy --input %S/Inputs/raise_qwen2_eager.in2.npy --input %S/Inputs/raise_qwen2_eager.in3.npy --compare %t.out0.npy --rtol 1e-5 --atol 1e-6 | FileCheck %s

// CHECK: result #0: {{.*}}: match
