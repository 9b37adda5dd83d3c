// linalg.softmax, lowered through its AggregatedOpInterface decomposition
// (max, exp of the difference, sum, division).
// RUN: ct-run %s --entry softmax --input %S/Inputs/softmax.x.npy --compare %S/Inputs/softmax.expected.npy --rtol 1e-5 --atol 1e-7 | FileCheck %s

// CHECK: result #0: 64 elements, max abs error {{.*}}: match

func.func @softmax(%x: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %empty = tensor.empty() : tensor<4x16xf32>
  %p = linalg.softmax dimension(1) ins(%x : tensor<4x16xf32>)
                                   outs(%empty : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %p : tensor<4x16xf32>
}
