// Elementwise arith on whole tensors (made linalg.generic before
// bufferization), with a bool scalar argument broadcast into the select.
// RUN: ct-run %s --entry negate_unless --input %S/Inputs/elementwise.keep.npy --input %S/Inputs/print.x.npy --compare %S/Inputs/elementwise.expected.npy | FileCheck %s

// CHECK: result #0: 6 elements, max abs error 0.00e+00, {{.*}}: match

func.func @negate_unless(%keep: i1, %x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %negated = arith.negf %x : tensor<2x3xf32>
  %r = arith.select %keep, %x, %negated : tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}
