// ct.hadamard against compressed-tensors 0.20.1 (utils/golden/gen_hadamard.py):
// HadamardTransform.forward at an online location, x [2, 4, 8, 128] with
// head_dim blocks of 64 and 128, weights from deterministic_hadamard_matrix
// (scheme `hadamard`) and random_hadamard_matrix (scheme `random-hadamard`,
// signs = column 0 of the stored ±1 matrix, docs/HadamardNotes.md).
//
// Tolerances. The library sums each output as a dense f32 dot product of n
// terms (x @ W) and divides by sqrt(n) last; ct runs log2(n) butterfly stages
// and scales first. Both are f32 roundings of the same exact value: with
// |x| ~ N(0, 1) and |y| <= ~5, the dense sum's error is about
// sqrt(n)·2^-24·|y| and the butterfly's about log2(n)·2^-24·|y|, so
// atol 5e-6 (> (11 + 7)·6e-8·5) bounds both. bf16 outputs are rounded from
// those f32 values once, so they may differ by one bf16 ulp: rtol 8e-3.
//
// RUN: ct-run %s --entry det64_f32 --input %S/golden/hadamard/det64_f32.x.npy --compare %S/golden/hadamard/det64_f32.expected.npy --rtol 0 --atol 5e-6 | FileCheck %s
// RUN: ct-run %s --entry det128_f32 --input %S/golden/hadamard/det128_f32.x.npy --compare %S/golden/hadamard/det128_f32.expected.npy --rtol 0 --atol 5e-6 | FileCheck %s
// RUN: ct-run %s --entry det128_f32_inv --input %S/golden/hadamard/det128_f32_inv.x.npy --compare %S/golden/hadamard/det128_f32_inv.expected.npy --rtol 0 --atol 5e-6 | FileCheck %s
// RUN: ct-run %s --entry det128_bf16 --input %S/golden/hadamard/det128_bf16.x.npy --compare %S/golden/hadamard/det128_bf16.expected.npy --rtol 8e-3 --atol 1e-6 | FileCheck %s
// RUN: ct-run %s --entry det64_bf16 --input %S/golden/hadamard/det64_bf16.x.npy --compare %S/golden/hadamard/det64_bf16.expected.npy --rtol 8e-3 --atol 1e-6 | FileCheck %s
// RUN: ct-run %s --entry rand64_f32 --input %S/golden/hadamard/rand64_f32.x.npy --compare %S/golden/hadamard/rand64_f32.expected.npy --rtol 0 --atol 5e-6 | FileCheck %s
// RUN: ct-run %s --entry rand128_f32_inv --input %S/golden/hadamard/rand128_f32_inv.x.npy --compare %S/golden/hadamard/rand128_f32_inv.expected.npy --rtol 0 --atol 5e-6 | FileCheck %s

// CHECK: result #0: {{[0-9]+}} elements, max abs error {{.*}}: match

func.func @det64_f32(%x: tensor<2x4x8x128xf32>) -> tensor<2x4x8x128xf32> {
  %0 = ct.hadamard %x size(64) : tensor<2x4x8x128xf32>
  return %0 : tensor<2x4x8x128xf32>
}

func.func @det128_f32(%x: tensor<2x4x8x128xf32>) -> tensor<2x4x8x128xf32> {
  %0 = ct.hadamard %x size(128) : tensor<2x4x8x128xf32>
  return %0 : tensor<2x4x8x128xf32>
}

func.func @det128_f32_inv(%x: tensor<2x4x8x128xf32>) -> tensor<2x4x8x128xf32> {
  %0 = ct.hadamard %x size(128) inverse : tensor<2x4x8x128xf32>
  return %0 : tensor<2x4x8x128xf32>
}

func.func @det128_bf16(%x: tensor<2x4x8x128xbf16>) -> tensor<2x4x8x128xbf16> {
  %0 = ct.hadamard %x size(128) : tensor<2x4x8x128xbf16>
  return %0 : tensor<2x4x8x128xbf16>
}

func.func @det64_bf16(%x: tensor<2x4x8x128xbf16>) -> tensor<2x4x8x128xbf16> {
  %0 = ct.hadamard %x size(64) : tensor<2x4x8x128xbf16>
  return %0 : tensor<2x4x8x128xbf16>
}

func.func @rand64_f32(%x: tensor<2x4x8x128xf32>) -> tensor<2x4x8x128xf32> {
  %0 = ct.hadamard %x size(64) signs([1, 1, 1, 1, -1, 1, 1, 1, -1, 1, 1, -1, 1, -1, 1, 1, 1, 1, -1, 1, -1, 1, 1, 1, 1, -1, 1, -1, -1, 1, -1, -1, -1, -1, 1, -1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, 1, -1, -1, -1, 1, 1, -1, -1, -1, -1, 1, 1, -1, -1, -1]) : tensor<2x4x8x128xf32>
  return %0 : tensor<2x4x8x128xf32>
}

func.func @rand128_f32_inv(%x: tensor<2x4x8x128xf32>) -> tensor<2x4x8x128xf32> {
  %0 = ct.hadamard %x size(128) inverse signs([-1, 1, -1, -1, 1, -1, 1, -1, -1, 1, -1, -1, -1, -1, -1, -1, -1, -1, 1, -1, -1, -1, -1, 1, 1, 1, -1, -1, 1, 1, -1, -1, -1, 1, -1, 1, 1, -1, -1, 1, 1, -1, -1, 1, -1, 1, 1, -1, -1, 1, 1, 1, 1, 1, -1, 1, -1, -1, -1, -1, -1, 1, -1, 1, -1, 1, 1, -1, -1, -1, -1, 1, -1, -1, 1, 1, -1, 1, 1, -1, -1, -1, 1, -1, -1, 1, 1, -1, -1, -1, 1, -1, -1, -1, -1, -1, -1, -1, -1, 1, -1, -1, 1, -1, -1, 1, -1, 1, -1, -1, -1, -1, 1, -1, 1, -1, -1, -1, -1, -1, 1, 1, -1, -1, 1, 1, -1, -1]) : tensor<2x4x8x128xf32>
  return %0 : tensor<2x4x8x128xf32>
}
