// linalg.batch_matmul with the right operand given transposed (B is
// [batch, n, k]): linalg.transpose, then the batched product.
// RUN: ct-run %s --entry batch_matmul_bt --input %S/Inputs/batch_matmul.a.npy --input %S/Inputs/batch_matmul.bt.npy --compare %S/Inputs/batch_matmul.expected.npy --rtol 1e-5 --atol 1e-5 | FileCheck %s

// CHECK: result #0: 96 elements, max abs error {{.*}}: match

func.func @batch_matmul_bt(%a: tensor<3x8x16xf32>, %bt: tensor<3x4x16xf32>) -> tensor<3x8x4xf32> {
  %zero = arith.constant 0.0 : f32
  %bEmpty = tensor.empty() : tensor<3x16x4xf32>
  %b = linalg.transpose ins(%bt : tensor<3x4x16xf32>) outs(%bEmpty : tensor<3x16x4xf32>) permutation = [0, 2, 1]
  %empty = tensor.empty() : tensor<3x8x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<3x8x4xf32>) -> tensor<3x8x4xf32>
  %c = linalg.batch_matmul ins(%a, %b : tensor<3x8x16xf32>, tensor<3x16x4xf32>)
                           outs(%acc : tensor<3x8x4xf32>) -> tensor<3x8x4xf32>
  return %c : tensor<3x8x4xf32>
}
