// Element types beyond f32 crossing the .npy boundary: fp8 (stored by
// ml_dtypes as opaque bytes), bool (i1), i64 tensors and an index scalar.
// RUN: ct-run %s --entry transpose_f8 --input %S/Inputs/dtypes.f8.npy --compare %S/Inputs/dtypes.f8t.expected.npy | FileCheck %s --check-prefix=F8
// RUN: ct-run %s --entry select_bool --input %S/Inputs/dtypes.mask.npy --input %S/Inputs/dtypes.a.npy --input %S/Inputs/dtypes.b.npy --compare %S/Inputs/dtypes.select.expected.npy --compare %S/Inputs/dtypes.greater.expected.npy | FileCheck %s --check-prefix=BOOL
// RUN: ct-run %s --entry add_index --input %S/Inputs/dtypes.i64.npy --input %S/Inputs/dtypes.index.npy --compare %S/Inputs/dtypes.add_index.expected.npy | FileCheck %s --check-prefix=INDEX

// F8: result #0: 32 elements, max abs error 0.00e+00, max rel error 0.00e+00 {{.*}}: match
// BOOL: result #0: 16 elements, max abs error 0.00e+00, {{.*}}: match
// BOOL: result #1: 16 elements: match
// INDEX: result #0: 8 elements: match

func.func @transpose_f8(%x: tensor<4x8xf8E4M3FN>) -> tensor<8x4xf8E4M3FN> {
  %empty = tensor.empty() : tensor<8x4xf8E4M3FN>
  %t = linalg.transpose ins(%x : tensor<4x8xf8E4M3FN>) outs(%empty : tensor<8x4xf8E4M3FN>) permutation = [1, 0]
  return %t : tensor<8x4xf8E4M3FN>
}

#map = affine_map<(d0) -> (d0)>
func.func @select_bool(%mask: tensor<16xi1>, %a: tensor<16xf32>, %b: tensor<16xf32>)
    -> (tensor<16xf32>, tensor<16xi1>) {
  %selEmpty = tensor.empty() : tensor<16xf32>
  %gtEmpty = tensor.empty() : tensor<16xi1>
  %sel, %gt = linalg.generic {indexing_maps = [#map, #map, #map, #map, #map], iterator_types = ["parallel"]}
      ins(%mask, %a, %b : tensor<16xi1>, tensor<16xf32>, tensor<16xf32>)
      outs(%selEmpty, %gtEmpty : tensor<16xf32>, tensor<16xi1>) {
  ^bb0(%m: i1, %x: f32, %y: f32, %o0: f32, %o1: i1):
    %s = arith.select %m, %x, %y : f32
    %g = arith.cmpf ogt, %x, %y : f32
    linalg.yield %s, %g : f32, i1
  } -> (tensor<16xf32>, tensor<16xi1>)
  return %sel, %gt : tensor<16xf32>, tensor<16xi1>
}

func.func @add_index(%x: tensor<8xi64>, %k: index) -> tensor<8xi64> {
  %k64 = arith.index_cast %k : index to i64
  %empty = tensor.empty() : tensor<8xi64>
  %r = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%x : tensor<8xi64>) outs(%empty : tensor<8xi64>) {
  ^bb0(%in: i64, %out: i64):
    %s = arith.addi %in, %k64 : i64
    linalg.yield %s : i64
  } -> tensor<8xi64>
  return %r : tensor<8xi64>
}
