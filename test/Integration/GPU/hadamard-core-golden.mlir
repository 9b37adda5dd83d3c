// REQUIRES: cuda-device
// The m·2^k golden cases of ../CPU/hadamard-core.mlir (ct's cores against the
// dense double reference) on the GPU, one fused kernel each, with the
// tolerance argued there (atol 2e-6). The kernel's core step adds and
// subtracts in the CPU path's order and only the butterflies' stage order
// differs; a lockstep emulation of the emitted kernels in f32 on these inputs
// gave max abs errors of 3.6e-7 (80, 96 inverse signed) to 9.5e-7 (3584), the
// CPU path's own.
//
// RUN: ct-run --gpu %S/../CPU/hadamard-core.mlir --entry core80 --input %S/../CPU/golden/hadamard/core80.x.npy --compare %S/../CPU/golden/hadamard/core80.expected.npy --rtol 0 --atol 2e-6 | FileCheck %s
// RUN: ct-run --gpu %S/../CPU/hadamard-core.mlir --entry core96 --input %S/../CPU/golden/hadamard/core96.x.npy --compare %S/../CPU/golden/hadamard/core96.expected.npy --rtol 0 --atol 2e-6 | FileCheck %s
// RUN: ct-run --gpu %S/../CPU/hadamard-core.mlir --entry core112 --input %S/../CPU/golden/hadamard/core112.x.npy --compare %S/../CPU/golden/hadamard/core112.expected.npy --rtol 0 --atol 2e-6 | FileCheck %s
// RUN: ct-run --gpu %S/../CPU/hadamard-core.mlir --entry core3584 --input %S/../CPU/golden/hadamard/core3584.x.npy --compare %S/../CPU/golden/hadamard/core3584.expected.npy --rtol 0 --atol 2e-6 | FileCheck %s
// RUN: ct-run --gpu %S/../CPU/hadamard-core.mlir --entry core96_inv_signed --input %S/../CPU/golden/hadamard/core96_inv_signed.x.npy --compare %S/../CPU/golden/hadamard/core96_inv_signed.expected.npy --rtol 0 --atol 2e-6 | FileCheck %s
// RUN: ct-run --gpu %S/../CPU/hadamard-core.mlir --entry core40_signed --input %S/../CPU/golden/hadamard/core40_signed.x.npy --compare %S/../CPU/golden/hadamard/core40_signed.expected.npy --rtol 0 --atol 2e-6 | FileCheck %s

// CHECK: result #0: {{[0-9]+}} elements, max abs error {{.*}}: match
