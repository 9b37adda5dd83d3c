// A TOSA program: attention scores by tosa.matmul and their softmax from
// reduce_max, sub, exp, reduce_sum, reciprocal and mul.
// RUN: ct-run %s --entry tosa_scores_softmax --input %S/Inputs/tosa.q.npy --input %S/Inputs/tosa.kt.npy --compare %S/Inputs/tosa.expected.npy --rtol 1e-4 --atol 1e-6 | FileCheck %s

// CHECK: result #0: 24 elements, max abs error {{.*}}: match

func.func @tosa_scores_softmax(%q: tensor<1x4x8xf32>, %kt: tensor<1x8x6xf32>) -> tensor<1x4x6xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %s = tosa.matmul %q, %kt, %zp, %zp : (tensor<1x4x8xf32>, tensor<1x8x6xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x6xf32>
  %max = tosa.reduce_max %s {axis = 2 : i32} : (tensor<1x4x6xf32>) -> tensor<1x4x1xf32>
  %d = tosa.sub %s, %max : (tensor<1x4x6xf32>, tensor<1x4x1xf32>) -> tensor<1x4x6xf32>
  %e = tosa.exp %d : (tensor<1x4x6xf32>) -> tensor<1x4x6xf32>
  %sum = tosa.reduce_sum %e {axis = 2 : i32} : (tensor<1x4x6xf32>) -> tensor<1x4x1xf32>
  %rcp = tosa.reciprocal %sum : (tensor<1x4x1xf32>) -> tensor<1x4x1xf32>
  %p = tosa.mul %e, %rcp, %shift : (tensor<1x4x6xf32>, tensor<1x4x1xf32>, tensor<1xi8>) -> tensor<1x4x6xf32>
  return %p : tensor<1x4x6xf32>
}
