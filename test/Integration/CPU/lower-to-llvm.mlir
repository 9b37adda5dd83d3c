// ct-lower-to-llvm gives public functions the C interface ct-run calls
// (results as out-parameters) and records their tensor signature, so that
// ct-run also runs a module lowered beforehand; cpu-features become
// target_features of the LLVM functions.
// RUN: ct-opt %s --ct-lower-to-llvm | FileCheck %s
// RUN: ct-opt %s --ct-lower-to-llvm='cpu-features=+avx2,-avx512f' | FileCheck %s --check-prefix=FEATURES
// RUN: not ct-opt %s --ct-lower-to-llvm='cpu-features=avx2' 2>&1 | FileCheck %s --check-prefix=BAD-FEATURES
// RUN: ct-opt %s --ct-lower-to-llvm -o %t.llvm.mlir
// RUN: ct-run %t.llvm.mlir --entry softmax --input %S/Inputs/softmax.x.npy --compare %S/Inputs/softmax.expected.npy --rtol 1e-5 --atol 1e-7 | FileCheck %s --check-prefix=RUN-LOWERED

// CHECK-LABEL: llvm.func @softmax(
// CHECK-SAME: ct.signature = (tensor<4x16xf32>) -> tensor<4x16xf32>
// CHECK: llvm.call @malloc
// CHECK: llvm.call @free
// CHECK-LABEL: llvm.func @_mlir_ciface_softmax(
// CHECK-SAME: %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr)
// CHECK-NOT: llvm.func @_mlir_ciface_helper

// FEATURES: llvm.func @softmax(
// FEATURES-SAME: target_features = #llvm.target_features<["+avx2", "-avx512f"]>

// BAD-FEATURES: error: invalid cpu-features 'avx2': target features must start with '+' or '-'

// RUN-LOWERED: result #0: 64 elements, max abs error {{.*}}: match

func.func @softmax(%x: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %r = call @helper(%x) : (tensor<4x16xf32>) -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

func.func private @helper(%x: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %empty = tensor.empty() : tensor<4x16xf32>
  %p = linalg.softmax dimension(1) ins(%x : tensor<4x16xf32>)
                                   outs(%empty : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %p : tensor<4x16xf32>
}
