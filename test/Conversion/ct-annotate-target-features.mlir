// RUN: ct-opt %s --ct-annotate-target-features="features=+avx512f,+avx512bf16" | FileCheck %s
// RUN: not ct-opt %s --ct-annotate-target-features="features=avx512f" 2>&1 | FileCheck %s --check-prefix=BAD

// CHECK-LABEL: llvm.func @defined
// CHECK-SAME: target_features = #llvm.target_features<["+avx512f", "+avx512bf16"]>
llvm.func @defined() {
  llvm.return
}
// Declarations are not annotated.
// CHECK: llvm.func @declared()
// CHECK-NOT: target_features
llvm.func @declared()

// BAD: invalid cpu-features 'avx512f'
