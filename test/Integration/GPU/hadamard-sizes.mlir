// REQUIRES: cuda-device
// Every FWHT kernel shape on the GPU against the CPU path on the same rows:
// in-warp sizes (64), several warps (256, 1024) and shared-memory stages
// across a block (4096, 8192), bf16 rows packed per block, and a signed
// inverse. Both paths are f32 butterflies of log2(n) <= 13 stages on
// |y| <~ 5, each within 13·2^-24·5 ~ 4e-6 of the exact value, so they agree
// within atol 1e-5; bf16 outputs are rounded once from such f32 values and
// may differ by one bf16 ulp (rtol 8e-3).
//
// Sizes m·2^k (H_m ⊗ S_{2^k}), one kernel each: 80 = 20·4, 96 = 12·8 (bf16
// rows; f16 rows of an unsigned inverse, 1/sqrt(n) on store), a signed
// inverse of 112 = 28·4, 3584 = 28·128 and 14336 = 28·512 (shared-memory
// rounds per segment), whose core step is a sum of m <= 28 f32 terms on each
// side: atol 2e-5 (28·2^-24·5 per side, rounded up). f16 outputs rounded from
// f32 values within 2e-5 differ by at most one f16 ulp (2^-10 relative) plus
// that: rtol 2e-3, atol 2e-5.
//
// RUN: ct-run %s --entry n64 --input %S/Inputs/fwht.x.npy --output %t.n64.npy
// RUN: ct-run --gpu %s --entry n64 --input %S/Inputs/fwht.x.npy --compare %t.n64.npy --rtol 0 --atol 1e-5 | FileCheck %s
// RUN: ct-run %s --entry n256 --input %S/Inputs/fwht.x.npy --output %t.n256.npy
// RUN: ct-run --gpu %s --entry n256 --input %S/Inputs/fwht.x.npy --compare %t.n256.npy --rtol 0 --atol 1e-5 | FileCheck %s
// RUN: ct-run %s --entry n1024 --input %S/Inputs/fwht.x.npy --output %t.n1024.npy
// RUN: ct-run --gpu %s --entry n1024 --input %S/Inputs/fwht.x.npy --compare %t.n1024.npy --rtol 0 --atol 1e-5 | FileCheck %s
// RUN: ct-run %s --entry n4096 --input %S/Inputs/fwht.x.npy --output %t.n4096.npy
// RUN: ct-run --gpu %s --entry n4096 --input %S/Inputs/fwht.x.npy --compare %t.n4096.npy --rtol 0 --atol 1e-5 | FileCheck %s
// RUN: ct-run %s --entry n8192 --input %S/Inputs/fwht.x.npy --output %t.n8192.npy
// RUN: ct-run --gpu %s --entry n8192 --input %S/Inputs/fwht.x.npy --compare %t.n8192.npy --rtol 0 --atol 1e-5 | FileCheck %s
// RUN: ct-run %s --entry bf16_n128 --input %S/Inputs/fwht.x.npy --output %t.bf16.npy
// RUN: ct-run --gpu %s --entry bf16_n128 --input %S/Inputs/fwht.x.npy --compare %t.bf16.npy --rtol 8e-3 --atol 1e-6 | FileCheck %s
// RUN: ct-run %s --entry signed_inverse_n16 --input %S/Inputs/fwht.x.npy --output %t.signed.npy
// RUN: ct-run --gpu %s --entry signed_inverse_n16 --input %S/Inputs/fwht.x.npy --compare %t.signed.npy --rtol 0 --atol 1e-5 | FileCheck %s
// RUN: ct-run %s --entry n80 --input %S/Inputs/kron.x.npy --output %t.n80.npy
// RUN: ct-run --gpu %s --entry n80 --input %S/Inputs/kron.x.npy --compare %t.n80.npy --rtol 0 --atol 2e-5 | FileCheck %s --check-prefix=KRON
// RUN: ct-run %s --entry bf16_n96 --input %S/Inputs/kron.x.npy --output %t.n96.npy
// RUN: ct-run --gpu %s --entry bf16_n96 --input %S/Inputs/kron.x.npy --compare %t.n96.npy --rtol 8e-3 --atol 1e-6 | FileCheck %s --check-prefix=KRON
// RUN: ct-run %s --entry signed_inverse_n112 --input %S/Inputs/kron.x.npy --output %t.n112.npy
// RUN: ct-run --gpu %s --entry signed_inverse_n112 --input %S/Inputs/kron.x.npy --compare %t.n112.npy --rtol 0 --atol 2e-5 | FileCheck %s --check-prefix=KRON
// RUN: ct-run %s --entry n3584 --input %S/Inputs/kron.x.npy --output %t.n3584.npy
// RUN: ct-run --gpu %s --entry n3584 --input %S/Inputs/kron.x.npy --compare %t.n3584.npy --rtol 0 --atol 2e-5 | FileCheck %s --check-prefix=KRON
// RUN: ct-run %s --entry n14336 --input %S/Inputs/kron.x.npy --output %t.n14336.npy
// RUN: ct-run --gpu %s --entry n14336 --input %S/Inputs/kron.x.npy --compare %t.n14336.npy --rtol 0 --atol 2e-5 | FileCheck %s --check-prefix=KRON14336
// RUN: ct-run %s --entry f16_inverse_n96 --input %S/Inputs/kron.x.npy --output %t.f16.npy
// RUN: ct-run --gpu %s --entry f16_inverse_n96 --input %S/Inputs/kron.x.npy --compare %t.f16.npy --rtol 2e-3 --atol 2e-5 | FileCheck %s --check-prefix=KRON

// CHECK: result #0: 24576 elements, max abs error {{.*}}: match
// KRON: result #0: 107520 elements, max abs error {{.*}}: match
// KRON14336: result #0: 86016 elements, max abs error {{.*}}: match

func.func @n64(%x: tensor<3x8192xf32>) -> tensor<3x8192xf32> {
  %y = ct.hadamard %x size(64) : tensor<3x8192xf32>
  return %y : tensor<3x8192xf32>
}

func.func @n256(%x: tensor<3x8192xf32>) -> tensor<3x8192xf32> {
  %y = ct.hadamard %x size(256) : tensor<3x8192xf32>
  return %y : tensor<3x8192xf32>
}

func.func @n1024(%x: tensor<3x8192xf32>) -> tensor<3x8192xf32> {
  %y = ct.hadamard %x size(1024) : tensor<3x8192xf32>
  return %y : tensor<3x8192xf32>
}

func.func @n4096(%x: tensor<3x8192xf32>) -> tensor<3x8192xf32> {
  %y = ct.hadamard %x size(4096) : tensor<3x8192xf32>
  return %y : tensor<3x8192xf32>
}

func.func @n8192(%x: tensor<3x8192xf32>) -> tensor<3x8192xf32> {
  %y = ct.hadamard %x size(8192) : tensor<3x8192xf32>
  return %y : tensor<3x8192xf32>
}

func.func @bf16_n128(%x: tensor<3x8192xf32>) -> tensor<3x8192xf32> {
  %b = arith.truncf %x : tensor<3x8192xf32> to tensor<3x8192xbf16>
  %y = ct.hadamard %b size(128) : tensor<3x8192xbf16>
  %f = arith.extf %y : tensor<3x8192xbf16> to tensor<3x8192xf32>
  return %f : tensor<3x8192xf32>
}

func.func @signed_inverse_n16(%x: tensor<3x8192xf32>) -> tensor<3x8192xf32> {
  %y = ct.hadamard %x size(16) inverse
      signs([1, -1, -1, 1, 1, 1, -1, 1, -1, 1, 1, -1, 1, -1, 1, 1])
      : tensor<3x8192xf32>
  return %y : tensor<3x8192xf32>
}

func.func @n80(%x: tensor<2x53760xf32>) -> tensor<2x53760xf32> {
  %y = ct.hadamard %x size(80) : tensor<2x53760xf32>
  return %y : tensor<2x53760xf32>
}

func.func @bf16_n96(%x: tensor<2x53760xf32>) -> tensor<2x53760xf32> {
  %b = arith.truncf %x : tensor<2x53760xf32> to tensor<2x53760xbf16>
  %y = ct.hadamard %b size(96) : tensor<2x53760xbf16>
  %f = arith.extf %y : tensor<2x53760xbf16> to tensor<2x53760xf32>
  return %f : tensor<2x53760xf32>
}

func.func @signed_inverse_n112(%x: tensor<2x53760xf32>) -> tensor<2x53760xf32> {
  %y = ct.hadamard %x size(112) inverse
      signs([1, -1, -1, -1, -1, 1, 1, 1, -1, -1, -1, -1, 1, -1, -1, -1, 1, 1, -1, -1, -1, -1, 1, 1, -1, -1, 1, 1, -1, 1, 1, 1, 1, -1, -1, 1, 1, 1, 1, -1, 1, -1, -1, 1, 1, -1, -1, -1, -1, 1, 1, 1, -1, -1, -1, 1, -1, -1, -1, 1, 1, -1, -1, -1, 1, 1, 1, 1, 1, -1, 1, 1, -1, -1, -1, 1, -1, 1, 1, -1, -1, 1, 1, 1, -1, 1, -1, 1, 1, -1, 1, 1, -1, 1, -1, -1, 1, 1, 1, -1, 1, -1, -1, -1, -1, 1, 1, -1, 1, 1, -1, -1])
      : tensor<2x53760xf32>
  return %y : tensor<2x53760xf32>
}

func.func @n3584(%x: tensor<2x53760xf32>) -> tensor<2x53760xf32> {
  %y = ct.hadamard %x size(3584) : tensor<2x53760xf32>
  return %y : tensor<2x53760xf32>
}

// The first 43008 = 3·14336 elements of each input row.
func.func @n14336(%x: tensor<2x53760xf32>) -> tensor<2x43008xf32> {
  %s = tensor.extract_slice %x[0, 0] [2, 43008] [1, 1]
      : tensor<2x53760xf32> to tensor<2x43008xf32>
  %y = ct.hadamard %s size(14336) : tensor<2x43008xf32>
  return %y : tensor<2x43008xf32>
}

func.func @f16_inverse_n96(%x: tensor<2x53760xf32>) -> tensor<2x53760xf32> {
  %h = arith.truncf %x : tensor<2x53760xf32> to tensor<2x53760xf16>
  %y = ct.hadamard %h size(96) inverse : tensor<2x53760xf16>
  %f = arith.extf %y : tensor<2x53760xf16> to tensor<2x53760xf32>
  return %f : tensor<2x53760xf32>
}
