// A dynamic input dimension takes its size from the .npy file; the result
// shape stays static.
// RUN: ct-run %s --entry column_sums --input %S/Inputs/dynamic.x3.npy --compare %S/Inputs/dynamic.x3.expected.npy --rtol 1e-6 --atol 1e-6 | FileCheck %s
// RUN: ct-run %s --entry column_sums --input %S/Inputs/dynamic.x5.npy --compare %S/Inputs/dynamic.x5.expected.npy --rtol 1e-6 --atol 1e-6 | FileCheck %s

// CHECK: result #0: 4 elements, max abs error {{.*}}: match

#in = affine_map<(d0, d1) -> (d0, d1)>
#out = affine_map<(d0, d1) -> (d1)>
func.func @column_sums(%x: tensor<?x4xf32>) -> tensor<4xf32> {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<4xf32>) -> tensor<4xf32>
  %r = linalg.generic {indexing_maps = [#in, #out], iterator_types = ["reduction", "parallel"]}
      ins(%x : tensor<?x4xf32>) outs(%acc : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}
