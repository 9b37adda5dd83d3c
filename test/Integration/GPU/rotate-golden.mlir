// REQUIRES: cuda-device
// ct.rotate on the GPU against compressed-tensors 0.20.1, with the golden
// data and tolerances of test/Integration/CPU/rotate-golden.mlir: each
// output is one thread's dense f32 dot product, summed in the same order as
// on the CPU.
//
// RUN: ct-run --gpu %s --entry rand64_f32 --input %S/../CPU/golden/hadamard/rand64_f32.x.npy --input %S/../CPU/golden/hadamard/rand64_f32.rotation.npy --compare %S/../CPU/golden/hadamard/rand64_f32.expected.npy --rtol 0 --atol 5e-6 | FileCheck %s
// RUN: ct-run --gpu %s --entry rand96_bf16 --input %S/../CPU/golden/hadamard/rand96_bf16.x.npy --input %S/../CPU/golden/hadamard/rand96_bf16.rotation.npy --compare %S/../CPU/golden/hadamard/rand96_bf16.expected.npy --rtol 8e-3 --atol 1e-6 | FileCheck %s

// CHECK: result #0: {{[0-9]+}} elements, max abs error {{.*}}: match

func.func @rand64_f32(%x: tensor<2x4x8x128xf32>, %r: tensor<64x64xf32>) -> tensor<2x4x8x128xf32> {
  %0 = ct.rotate %x by %r : tensor<2x4x8x128xf32>, tensor<64x64xf32>
  return %0 : tensor<2x4x8x128xf32>
}

func.func @rand96_bf16(%x: tensor<2x4x8x96xbf16>, %r: tensor<96x96xf32>) -> tensor<2x4x8x96xbf16> {
  %0 = ct.rotate %x by %r : tensor<2x4x8x96xbf16>, tensor<96x96xf32>
  return %0 : tensor<2x4x8x96xbf16>
}
