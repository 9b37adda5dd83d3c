// math ops lower to LLVM intrinsics (exp, rsqrt) or libm calls (tanh, erf),
// and bf16 math is computed in f32 and rounded back.
// RUN: ct-run %s --entry math_ops --input %S/Inputs/math.x.npy --input %S/Inputs/math.h.npy --compare %S/Inputs/math.f32.expected.npy --compare %S/Inputs/math.bf16.expected.npy --rtol 8e-3 --atol 1e-6 | FileCheck %s

// CHECK: result #0: 16 elements, max abs error {{.*}}: match
// CHECK: result #1: 16 elements, max abs error {{.*}}: match

#map = affine_map<(d0) -> (d0)>
func.func @math_ops(%x: tensor<16xf32>, %h: tensor<16xbf16>) -> (tensor<16xf32>, tensor<16xbf16>) {
  %empty = tensor.empty() : tensor<16xf32>
  %emptyBf16 = tensor.empty() : tensor<16xbf16>
  %r, %rh = linalg.generic {indexing_maps = [#map, #map, #map, #map], iterator_types = ["parallel"]}
      ins(%x, %h : tensor<16xf32>, tensor<16xbf16>) outs(%empty, %emptyBf16 : tensor<16xf32>, tensor<16xbf16>) {
  ^bb0(%a: f32, %b: bf16, %o: f32, %oh: bf16):
    %tanh = math.tanh %a : f32
    %erf = math.erf %a : f32
    %sum = arith.addf %tanh, %erf : f32
    %abs = math.absf %a : f32
    %rsqrt = math.rsqrt %abs : f32
    %res = arith.addf %sum, %rsqrt : f32
    %exp = math.exp %b : bf16
    linalg.yield %res, %exp : f32, bf16
  } -> (tensor<16xf32>, tensor<16xbf16>)
  return %r, %rh : tensor<16xf32>, tensor<16xbf16>
}
