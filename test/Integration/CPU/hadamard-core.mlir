// ct.hadamard for m·2^k sizes (H_m ⊗ H_{2^k} with ct's cores: 80 = 20·4,
// 96 = 12·8, 112 = 28·4, 40 = 20·2 Paley I; 3584 = 28·128), which
// compressed-tensors builds differently (docs/HadamardNotes.md). The expected
// outputs are the dense O(n²) reference on ct's construction in double
// (unittests/Support/HadamardGoldenTest.cpp writes them and checks the
// committed files against that reference), inputs N(0, 1).
//
// Tolerance: ct computes in f32, log2(2^k) butterfly stages and m - 1
// sequential core adds, each rounding at |partial sums| <= |y|·sqrt(n)/sqrt(m)
// before 1/sqrt(n) is applied first; error <= (k + m)·2^-24·max|y| ≈ 5e-7 for
// m = 28 and |y| <= 5 (atol 2e-6).
//
// RUN: ct-run %s --entry core80 --input %S/golden/hadamard/core80.x.npy --compare %S/golden/hadamard/core80.expected.npy --rtol 0 --atol 2e-6 | FileCheck %s
// RUN: ct-run %s --entry core96 --input %S/golden/hadamard/core96.x.npy --compare %S/golden/hadamard/core96.expected.npy --rtol 0 --atol 2e-6 | FileCheck %s
// RUN: ct-run %s --entry core112 --input %S/golden/hadamard/core112.x.npy --compare %S/golden/hadamard/core112.expected.npy --rtol 0 --atol 2e-6 | FileCheck %s
// RUN: ct-run %s --entry core3584 --input %S/golden/hadamard/core3584.x.npy --compare %S/golden/hadamard/core3584.expected.npy --rtol 0 --atol 2e-6 | FileCheck %s
// RUN: ct-run %s --entry core96_inv_signed --input %S/golden/hadamard/core96_inv_signed.x.npy --compare %S/golden/hadamard/core96_inv_signed.expected.npy --rtol 0 --atol 2e-6 | FileCheck %s
// RUN: ct-run %s --entry core40_signed --input %S/golden/hadamard/core40_signed.x.npy --compare %S/golden/hadamard/core40_signed.expected.npy --rtol 0 --atol 2e-6 | FileCheck %s

// CHECK: result #0: {{[0-9]+}} elements, max abs error {{.*}}: match

func.func @core80(%x: tensor<6x80xf32>) -> tensor<6x80xf32> {
  %0 = ct.hadamard %x size(80) : tensor<6x80xf32>
  return %0 : tensor<6x80xf32>
}

func.func @core96(%x: tensor<6x96xf32>) -> tensor<6x96xf32> {
  %0 = ct.hadamard %x size(96) : tensor<6x96xf32>
  return %0 : tensor<6x96xf32>
}

func.func @core112(%x: tensor<6x112xf32>) -> tensor<6x112xf32> {
  %0 = ct.hadamard %x size(112) : tensor<6x112xf32>
  return %0 : tensor<6x112xf32>
}

func.func @core3584(%x: tensor<3x3584xf32>) -> tensor<3x3584xf32> {
  %0 = ct.hadamard %x size(3584) : tensor<3x3584xf32>
  return %0 : tensor<3x3584xf32>
}

func.func @core96_inv_signed(%x: tensor<6x96xf32>) -> tensor<6x96xf32> {
  %0 = ct.hadamard %x size(96) inverse signs([-1, 1, 1, 1, -1, 1, 1, -1, 1, 1, 1, -1, 1, 1, -1, 1, 1, 1, -1, 1, 1, -1, 1, 1, 1, -1, 1, 1, -1, 1, 1, 1, -1, 1, 1, -1, 1, 1, 1, -1, 1, 1, -1, 1, 1, 1, -1, 1, 1, -1, 1, 1, 1, -1, 1, 1, -1, 1, 1, 1, -1, 1, 1, -1, 1, 1, 1, -1, 1, 1, -1, 1, 1, 1, -1, 1, 1, -1, 1, 1, 1, -1, 1, 1, -1, 1, 1, 1, -1, 1, 1, -1, 1, 1, 1, -1]) : tensor<6x96xf32>
  return %0 : tensor<6x96xf32>
}

func.func @core40_signed(%x: tensor<4x40xf32>) -> tensor<4x40xf32> {
  %0 = ct.hadamard %x size(40) signs([-1, 1, 1, 1, -1, 1, 1, -1, 1, 1, 1, -1, 1, 1, -1, 1, 1, 1, -1, 1, 1, -1, 1, 1, 1, -1, 1, 1, -1, 1, 1, 1, -1, 1, 1, -1, 1, 1, 1, -1]) : tensor<4x40xf32>
  return %0 : tensor<4x40xf32>
}
