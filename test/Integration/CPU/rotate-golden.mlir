// ct.rotate by a checkpoint's random-hadamard matrix against
// compressed-tensors 0.20.1 (utils/golden/gen_hadamard.py): the stored ±1
// weight W divided by sqrt(n) is the operand (ct.rotate applies its matrix as
// given; the library computes x @ W / sqrt(n)). rand96 uses the library's
// table core H_96, which ct cannot regenerate, so only ct.rotate runs it.
//
// Tolerances: the same dense f32 dot products as the library, with the
// 1/sqrt(n) rounded into the matrix instead of applied last: within
// 2^-24·(sqrt(n) + 1)·|y| (atol 5e-6 for |y| <= ~5). bf16: one bf16 ulp.
//
// RUN: ct-run %s --entry rand64_f32 --input %S/golden/hadamard/rand64_f32.x.npy --input %S/golden/hadamard/rand64_f32.rotation.npy --compare %S/golden/hadamard/rand64_f32.expected.npy --rtol 0 --atol 5e-6 | FileCheck %s
// RUN: ct-run %s --entry rand96_bf16 --input %S/golden/hadamard/rand96_bf16.x.npy --input %S/golden/hadamard/rand96_bf16.rotation.npy --compare %S/golden/hadamard/rand96_bf16.expected.npy --rtol 8e-3 --atol 1e-6 | FileCheck %s

// CHECK: result #0: {{[0-9]+}} elements, max abs error {{.*}}: match

func.func @rand64_f32(%x: tensor<2x4x8x128xf32>, %r: tensor<64x64xf32>) -> tensor<2x4x8x128xf32> {
  %0 = ct.rotate %x by %r : tensor<2x4x8x128xf32>, tensor<64x64xf32>
  return %0 : tensor<2x4x8x128xf32>
}

func.func @rand96_bf16(%x: tensor<2x4x8x96xbf16>, %r: tensor<96x96xf32>) -> tensor<2x4x8x96xbf16> {
  %0 = ct.rotate %x by %r : tensor<2x4x8x96xbf16>, tensor<96x96xf32>
  return %0 : tensor<2x4x8x96xbf16>
}
