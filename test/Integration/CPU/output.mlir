// --output writes results that read back bit-exactly: a bf16 result written
// the way ml_dtypes stores it ('<V2') feeds a second run, whose function
// returns its argument unchanged (copied into the caller's result buffer).
// RUN: ct-run %s --entry double_bf16 --input %S/Inputs/bf16.a.npy --output %t.npy
// RUN: ct-run %s --entry identity_bf16 --input %t.npy --compare %S/Inputs/output.expected.npy --rtol 0 --atol 0 | FileCheck %s

// CHECK: result #0: 64 elements, max abs error 0.00e+00, {{.*}}: match

#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @double_bf16(%x: tensor<4x16xbf16>) -> tensor<4x16xbf16> {
  %empty = tensor.empty() : tensor<4x16xbf16>
  %r = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x16xbf16>) outs(%empty : tensor<4x16xbf16>) {
  ^bb0(%in: bf16, %out: bf16):
    %d = arith.addf %in, %in : bf16
    linalg.yield %d : bf16
  } -> tensor<4x16xbf16>
  return %r : tensor<4x16xbf16>
}

func.func @identity_bf16(%x: tensor<4x16xbf16>) -> tensor<4x16xbf16> {
  return %x : tensor<4x16xbf16>
}
