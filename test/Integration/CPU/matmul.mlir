// linalg.matmul on f32, checked against NumPy; also the --bench and
// --cpu-features paths of ct-run on the same function.
// RUN: ct-run %s --entry matmul --input %S/Inputs/matmul.a.npy --input %S/Inputs/matmul.b.npy --compare %S/Inputs/matmul.expected.npy --rtol 1e-5 --atol 1e-5 | FileCheck %s
// RUN: ct-run %s --entry matmul --input %S/Inputs/matmul.a.npy --input %S/Inputs/matmul.b.npy --bench 5 --compare %S/Inputs/matmul.expected.npy --rtol 1e-5 --atol 1e-5 | FileCheck %s --check-prefixes=CHECK,BENCH
// RUN: ct-run %s --entry matmul --input %S/Inputs/matmul.a.npy --input %S/Inputs/matmul.b.npy --cpu-features=-avx512f,+sse4.2 --compare %S/Inputs/matmul.expected.npy --rtol 1e-5 --atol 1e-5 | FileCheck %s

// BENCH: bench @matmul: 5 runs, median {{[0-9.]+}} us, min {{[0-9.]+}} us
// CHECK: result #0: 32 elements, max abs error {{.*}}: match

func.func @matmul(%a: tensor<8x16xf32>, %b: tensor<16x4xf32>) -> tensor<8x4xf32> {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<8x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<8x4xf32>) -> tensor<8x4xf32>
  %c = linalg.matmul ins(%a, %b : tensor<8x16xf32>, tensor<16x4xf32>)
                     outs(%acc : tensor<8x4xf32>) -> tensor<8x4xf32>
  return %c : tensor<8x4xf32>
}
