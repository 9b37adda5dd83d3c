// bf16 in and out: a matmul of bf16 operands accumulated in f32, rounded
// to bf16 (round-to-nearest-even, as NumPy reproduces bit by bit). The
// tolerance allows one bf16 ulp where f32 summation order flips a rounding.
// RUN: ct-run %s --entry bf16_matmul --input %S/Inputs/bf16.a.npy --input %S/Inputs/bf16.b.npy --compare %S/Inputs/bf16.expected.npy --rtol 8e-3 --atol 1e-6 | FileCheck %s

// CHECK: result #0: 32 elements, max abs error {{.*}}: match

#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @bf16_matmul(%a: tensor<4x16xbf16>, %b: tensor<16x8xbf16>) -> tensor<4x8xbf16> {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<4x8xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<4x8xf32>) -> tensor<4x8xf32>
  %c = linalg.matmul ins(%a, %b : tensor<4x16xbf16>, tensor<16x8xbf16>)
                     outs(%acc : tensor<4x8xf32>) -> tensor<4x8xf32>
  %outEmpty = tensor.empty() : tensor<4x8xbf16>
  %r = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%c : tensor<4x8xf32>) outs(%outEmpty : tensor<4x8xbf16>) {
  ^bb0(%in: f32, %out: bf16):
    %t = arith.truncf %in : f32 to bf16
    linalg.yield %t : bf16
  } -> tensor<4x8xbf16>
  return %r : tensor<4x8xbf16>
}
