// softmax(Q·Kᵀ·scale)·V in linalg-on-tensors as front ends emit it for
// [batch, heads, seq, head_dim] tensors: the batch and head dims collapsed
// into one batch dim, Kᵀ by linalg.transpose, the scale a scalar argument.
// RUN: ct-run %s --entry attention --input %S/Inputs/attention.q.npy --input %S/Inputs/attention.k.npy --input %S/Inputs/attention.v.npy --input %S/Inputs/attention.scale.npy --compare %S/Inputs/attention.expected.npy --rtol 1e-4 --atol 1e-6 | FileCheck %s

// CHECK: result #0: 256 elements, max abs error {{.*}}: match

#map = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @attention(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>,
                     %v: tensor<1x2x8x16xf32>, %scale: f32) -> tensor<1x2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %q3 = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x2x8x16xf32> into tensor<2x8x16xf32>
  %k3 = tensor.collapse_shape %k [[0, 1], [2], [3]] : tensor<1x2x8x16xf32> into tensor<2x8x16xf32>
  %v3 = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x2x8x16xf32> into tensor<2x8x16xf32>

  %ktEmpty = tensor.empty() : tensor<2x16x8xf32>
  %kt = linalg.transpose ins(%k3 : tensor<2x8x16xf32>) outs(%ktEmpty : tensor<2x16x8xf32>) permutation = [0, 2, 1]
  %sEmpty = tensor.empty() : tensor<2x8x8xf32>
  %sZero = linalg.fill ins(%zero : f32) outs(%sEmpty : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %s = linalg.batch_matmul ins(%q3, %kt : tensor<2x8x16xf32>, tensor<2x16x8xf32>)
                           outs(%sZero : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %scaled = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s : tensor<2x8x8xf32>) outs(%sEmpty : tensor<2x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %scale : f32
    linalg.yield %m : f32
  } -> tensor<2x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%scaled : tensor<2x8x8xf32>)
                                   outs(%sEmpty : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>

  %oEmpty = tensor.empty() : tensor<2x8x16xf32>
  %oZero = linalg.fill ins(%zero : f32) outs(%oEmpty : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v3 : tensor<2x8x8xf32>, tensor<2x8x16xf32>)
                           outs(%oZero : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %o4 = tensor.expand_shape %o [[0, 1], [2], [3]] output_shape [1, 2, 8, 16] : tensor<2x8x16xf32> into tensor<1x2x8x16xf32>
  return %o4 : tensor<1x2x8x16xf32>
}
