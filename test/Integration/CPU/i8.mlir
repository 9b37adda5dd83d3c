// i8 in and out, two results: a wrapping i8 add and an i8 x i8 -> i32
// matmul (linalg sign-extends the operands). Compared exactly.
// RUN: ct-run %s --entry i8_ops --input %S/Inputs/i8.a.npy --input %S/Inputs/i8.b.npy --input %S/Inputs/i8.bmat.npy --compare %S/Inputs/i8.sum.expected.npy --compare %S/Inputs/i8.matmul.expected.npy | FileCheck %s

// CHECK: result #0: 32 elements: match
// CHECK: result #1: 16 elements: match

#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @i8_ops(%a: tensor<4x8xi8>, %b: tensor<4x8xi8>, %bmat: tensor<8x4xi8>)
    -> (tensor<4x8xi8>, tensor<4x4xi32>) {
  %sumEmpty = tensor.empty() : tensor<4x8xi8>
  %sum = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%a, %b : tensor<4x8xi8>, tensor<4x8xi8>) outs(%sumEmpty : tensor<4x8xi8>) {
  ^bb0(%x: i8, %y: i8, %out: i8):
    %s = arith.addi %x, %y : i8
    linalg.yield %s : i8
  } -> tensor<4x8xi8>
  %zero = arith.constant 0 : i32
  %empty = tensor.empty() : tensor<4x4xi32>
  %acc = linalg.fill ins(%zero : i32) outs(%empty : tensor<4x4xi32>) -> tensor<4x4xi32>
  %c = linalg.matmul ins(%a, %bmat : tensor<4x8xi8>, tensor<8x4xi8>)
                     outs(%acc : tensor<4x4xi32>) -> tensor<4x4xi32>
  return %sum, %c : tensor<4x8xi8>, tensor<4x4xi32>
}
