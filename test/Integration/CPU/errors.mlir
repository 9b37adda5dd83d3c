// Every bad invocation of ct-run is a clear error naming the file or
// argument and what was expected, with a non-zero exit code.

// RUN: not ct-run %t.missing.mlir --entry f 2>&1 | FileCheck %s --check-prefix=NO-MODULE
// NO-MODULE: ct-run: error: cannot open input file '{{.*}}missing.mlir': No such file or directory

// RUN: echo 'func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> { return %y : tensor<4xf32> }' > %t.bad.mlir
// RUN: not ct-run %t.bad.mlir --entry f 2>&1 | FileCheck %s --check-prefix=UNPARSABLE
// UNPARSABLE: bad.mlir:1:{{[0-9]+}}: error: use of undeclared SSA value name
// UNPARSABLE: ct-run: error: cannot parse '{{.*}}bad.mlir' (diagnostics above)

// RUN: not ct-run %s --entry nope 2>&1 | FileCheck %s --check-prefix=NO-FUNCTION
// NO-FUNCTION: ct-run: error: no function 'nope' in '{{.*}}errors.mlir'

// RUN: not ct-run %s --entry helper 2>&1 | FileCheck %s --check-prefix=PRIVATE
// PRIVATE: ct-run: error: function 'helper' in '{{.*}}errors.mlir' is private; ct-run calls public functions

// RUN: not ct-run %s --entry two_args --input %S/Inputs/matmul.a.npy 2>&1 | FileCheck %s --check-prefix=INPUT-COUNT
// INPUT-COUNT: ct-run: error: @two_args takes 2 arguments (tensor<8x16xf32>, tensor<4x16xbf16>) but 1 --input files were given

// RUN: not ct-run %s --entry two_args --input %S/Inputs/matmul.a.npy --input %S/Inputs/bf16.a.npy --output %t.0.npy --output %t.1.npy 2>&1 | FileCheck %s --check-prefix=OUTPUT-COUNT
// OUTPUT-COUNT: ct-run: error: @two_args has 1 results but 2 --output files were given

// RUN: not ct-run %s --entry two_args --input %S/Inputs/matmul.b.npy --input %S/Inputs/bf16.a.npy 2>&1 | FileCheck %s --check-prefix=SHAPE
// SHAPE: ct-run: error: input 0 ({{.*}}matmul.b.npy): shape (16, 4) does not match argument #0 of type tensor<8x16xf32>

// RUN: not ct-run %s --entry two_args --input %S/Inputs/matmul.a.npy --input %S/Inputs/matmul.b.npy 2>&1 | FileCheck %s --check-prefix=DTYPE
// DTYPE: ct-run: error: input 1 ({{.*}}matmul.b.npy): dtype <f4 (float32) does not match argument #1 of type tensor<4x16xbf16> (expected <V2 (ml_dtypes bfloat16))

// RUN: not ct-run %s --entry two_args --input %S/Inputs/matmul.a.npy --input %t.absent.npy 2>&1 | FileCheck %s --check-prefix=NO-INPUT
// NO-INPUT: ct-run: error: input 1: cannot read '{{.*}}absent.npy': No such file or directory

// RUN: not ct-run %s --entry two_args --input %s --input %S/Inputs/bf16.a.npy 2>&1 | FileCheck %s --check-prefix=NOT-NPY
// NOT-NPY: ct-run: error: input 0: {{.*}}errors.mlir: not a valid .npy file: missing the \x93NUMPY magic string

// RUN: not ct-run %s --entry scale --input %S/Inputs/matmul.a.npy 2>&1 | FileCheck %s --check-prefix=SCALAR
// SCALAR: ct-run: error: input 0 ({{.*}}matmul.a.npy): argument #0 of type f32 is a scalar and needs a 0-d array, got shape (8, 16)

// RUN: not ct-run %s --entry dynamic_result --input %S/Inputs/matmul.a.npy 2>&1 | FileCheck %s --check-prefix=DYNAMIC
// DYNAMIC: ct-run: error: result #0 of @dynamic_result has the dynamic shape tensor<?x16xf32>; ct-run allocates results before the call and needs static result shapes

// RUN: not ct-run %s --entry scalar_result --input %S/Inputs/attention.scale.npy 2>&1 | FileCheck %s --check-prefix=SCALAR-RESULT
// SCALAR-RESULT: ct-run: error: result #0 of @scalar_result has type f32; ct-run returns ranked tensors only

// RUN: not ct-run %s --entry two_args --input %S/Inputs/matmul.a.npy --input %S/Inputs/bf16.a.npy --cpu-features=+no-such-feature 2>&1 | FileCheck %s --check-prefix=FEATURE
// FEATURE: ct-run: error: --cpu-features: unknown feature 'no-such-feature' for x86_64{{.*}} (llc -mattr=help lists them)

// RUN: not ct-run %s --entry matmul --input %S/Inputs/matmul.a.npy --input %S/Inputs/matmul.b.npy --compare %S/Inputs/matmul.wrong.npy 2>&1 | FileCheck %s --check-prefix=MISMATCH
// MISMATCH: result #0: 32 elements, max abs error {{.*}}: MISMATCH
// MISMATCH: ct-run: error: result #0 does not match '{{.*}}matmul.wrong.npy': 1 of 32 elements differ; first at (1, 2): got {{.*}}, expected {{.*}}

// RUN: not ct-run %s --entry matmul --input %S/Inputs/matmul.a.npy --input %S/Inputs/matmul.b.npy --compare %S/Inputs/matmul.a.npy 2>&1 | FileCheck %s --check-prefix=COMPARE-SHAPE
// COMPARE-SHAPE: ct-run: error: result #0 has shape (8, 4) but '{{.*}}matmul.a.npy' holds shape (8, 16)

func.func @two_args(%a: tensor<8x16xf32>, %b: tensor<4x16xbf16>) -> tensor<8x16xf32> {
  return %a : tensor<8x16xf32>
}

func.func private @helper(%a: tensor<8x16xf32>) -> tensor<8x16xf32> {
  return %a : tensor<8x16xf32>
}

func.func @scale(%s: f32) -> tensor<f32> {
  %t = tensor.from_elements %s : tensor<f32>
  return %t : tensor<f32>
}

func.func @dynamic_result(%a: tensor<?x16xf32>) -> tensor<?x16xf32> {
  return %a : tensor<?x16xf32>
}

func.func @scalar_result(%s: f32) -> f32 {
  return %s : f32
}

func.func @matmul(%a: tensor<8x16xf32>, %b: tensor<16x4xf32>) -> tensor<8x4xf32> {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<8x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<8x4xf32>) -> tensor<8x4xf32>
  %c = linalg.matmul ins(%a, %b : tensor<8x16xf32>, tensor<16x4xf32>)
                     outs(%acc : tensor<8x4xf32>) -> tensor<8x4xf32>
  return %c : tensor<8x4xf32>
}
