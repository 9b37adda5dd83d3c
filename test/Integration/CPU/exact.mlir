// --exact makes --compare bitwise: NaN matches NaN, but -0 and +0 differ,
// which tolerance-based comparison cannot tell apart.
// RUN: ct-run %s --entry identity --input %S/Inputs/exact.zeros.npy --compare %S/Inputs/exact.zeros.npy --exact | FileCheck %s --check-prefix=SAME
// RUN: ct-run %s --entry identity --input %S/Inputs/exact.zeros.npy --compare %S/Inputs/exact.signed_zeros.npy --rtol 0 --atol 0 | FileCheck %s --check-prefix=TOLERANT
// RUN: not ct-run %s --entry identity --input %S/Inputs/exact.zeros.npy --compare %S/Inputs/exact.signed_zeros.npy --exact 2>&1 | FileCheck %s --check-prefix=BITWISE

// SAME: result #0: 3 elements, max abs error 0.00e+00 (bitwise): match
// TOLERANT: result #0: 3 elements, {{.*}}: match
// BITWISE: result #0: 3 elements, max abs error 0.00e+00 (bitwise): MISMATCH
// BITWISE: 1 of 3 elements differ; first at (0,): got 0., expected -0.

func.func @identity(%x: tensor<3xf32>) -> tensor<3xf32> {
  return %x : tensor<3xf32>
}
