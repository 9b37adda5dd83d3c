// REQUIRES: cuda-device
// The compressed-tensors golden cases of ../CPU/hadamard-golden.mlir on the
// GPU (warp-shuffle FWHT kernels), with the tolerances argued there: the
// library's dense f32 sums and ct's butterflies are both roundings of the
// same exact values.
//
// RUN: ct-run --gpu %S/../CPU/hadamard-golden.mlir --entry det64_f32 --input %S/../CPU/golden/hadamard/det64_f32.x.npy --compare %S/../CPU/golden/hadamard/det64_f32.expected.npy --rtol 0 --atol 5e-6 | FileCheck %s
// RUN: ct-run --gpu %S/../CPU/hadamard-golden.mlir --entry det128_f32 --input %S/../CPU/golden/hadamard/det128_f32.x.npy --compare %S/../CPU/golden/hadamard/det128_f32.expected.npy --rtol 0 --atol 5e-6 | FileCheck %s
// RUN: ct-run --gpu %S/../CPU/hadamard-golden.mlir --entry det128_f32_inv --input %S/../CPU/golden/hadamard/det128_f32_inv.x.npy --compare %S/../CPU/golden/hadamard/det128_f32_inv.expected.npy --rtol 0 --atol 5e-6 | FileCheck %s
// RUN: ct-run --gpu %S/../CPU/hadamard-golden.mlir --entry det128_bf16 --input %S/../CPU/golden/hadamard/det128_bf16.x.npy --compare %S/../CPU/golden/hadamard/det128_bf16.expected.npy --rtol 8e-3 --atol 1e-6 | FileCheck %s
// RUN: ct-run --gpu %S/../CPU/hadamard-golden.mlir --entry det64_bf16 --input %S/../CPU/golden/hadamard/det64_bf16.x.npy --compare %S/../CPU/golden/hadamard/det64_bf16.expected.npy --rtol 8e-3 --atol 1e-6 | FileCheck %s
// RUN: ct-run --gpu %S/../CPU/hadamard-golden.mlir --entry rand64_f32 --input %S/../CPU/golden/hadamard/rand64_f32.x.npy --compare %S/../CPU/golden/hadamard/rand64_f32.expected.npy --rtol 0 --atol 5e-6 | FileCheck %s
// RUN: ct-run --gpu %S/../CPU/hadamard-golden.mlir --entry rand128_f32_inv --input %S/../CPU/golden/hadamard/rand128_f32_inv.x.npy --compare %S/../CPU/golden/hadamard/rand128_f32_inv.expected.npy --rtol 0 --atol 5e-6 | FileCheck %s

// CHECK: result #0: {{[0-9]+}} elements, max abs error {{.*}}: match
