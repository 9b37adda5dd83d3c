// A NaN in a query row makes that row's output NaN, as torch's SDPA does, and
// leaves the other rows alone: the online softmax's exp2 carries NaN through
// instead of turning it into a finite value. Keys are all ones, so the clean
// row attends uniformly and averages V's rows exactly: [4, 5, 6, 7].
// Inputs: q ones with q[0, 0, 0, 1] = NaN, k ones, v = arange(12).
// RUN: ct-run %s --entry nan_query --input %S/Inputs/attention-nan.q.npy --input %S/Inputs/attention-nan.k.npy --input %S/Inputs/attention-nan.v.npy --compare %S/Inputs/attention-nan.expected.npy --rtol 0 --atol 0 | FileCheck %s

// CHECK: result #0: 8 elements, {{.*}}: match
func.func @nan_query(%q: tensor<1x1x2x4xf32>, %k: tensor<1x1x3x4xf32>, %v: tensor<1x1x3x4xf32>) -> tensor<1x1x2x4xf32> {
  %o = ct.hooked_attention %q, %k, %v {scale = 0.5 : f64} : (tensor<1x1x2x4xf32>, tensor<1x1x3x4xf32>, tensor<1x1x3x4xf32>) -> tensor<1x1x2x4xf32>
  return %o : tensor<1x1x2x4xf32>
}
