// ct-gpu-vectorize-parallel-loops only restructures loops: run on the CPU,
// the quantization loops it vectorizes (16-byte loads, a scale loaded once
// per vector, the scalar formulas repeated per element) print the same
// values as the per-element loops that ct-lower-to-nvvm used before.
//
// RUN: ct-opt %s --pass-pipeline="builtin.module(func.func(ct-lower-quant),canonicalize,one-shot-bufferize{bufferize-function-boundaries},func.func(convert-linalg-to-parallel-loops,canonicalize),expand-strided-metadata,lower-affine,convert-scf-to-cf,convert-vector-to-llvm,convert-to-llvm,reconcile-unrealized-casts)" \
// RUN:   | mlir-runner -e main --entry-point-result=void \
// RUN:     --shared-libs=%mlir_lib_dir/libmlir_runner_utils.so,%mlir_lib_dir/libmlir_c_runner_utils.so \
// RUN:   | sed -e 's/base@ = 0x[0-9a-f]*//' > %t.loops
// RUN: ct-opt %s --pass-pipeline="builtin.module(func.func(ct-lower-quant),canonicalize,one-shot-bufferize{bufferize-function-boundaries},func.func(convert-linalg-to-parallel-loops,ct-gpu-vectorize-parallel-loops,canonicalize),expand-strided-metadata,lower-affine,convert-scf-to-cf,convert-vector-to-llvm,convert-to-llvm,reconcile-unrealized-casts)" \
// RUN:   | mlir-runner -e main --entry-point-result=void \
// RUN:     --shared-libs=%mlir_lib_dir/libmlir_runner_utils.so,%mlir_lib_dir/libmlir_c_runner_utils.so \
// RUN:   | sed -e 's/base@ = 0x[0-9a-f]*//' > %t.vectors
// RUN: diff %t.loops %t.vectors
// RUN: FileCheck %s < %t.vectors

// CHECK: sizes = [1, 4, 1]
// CHECK: sizes = [1, 4, 256]
// CHECK: sizes = [1, 4, 256]

func.func private @printMemrefF32(memref<*xf32>)
func.func @main() {
  %c101 = arith.constant 101 : index
  %c50 = arith.constant 50.0 : f32
  %c037 = arith.constant 0.37 : f32
  %x = tensor.generate {
  ^bb0(%i: index, %j: index, %k: index):
    %a = arith.muli %k, %j : index
    %b = arith.addi %a, %k : index
    %c = arith.remui %b, %c101 : index
    %d = arith.index_cast %c : index to i32
    %e = arith.sitofp %d : i32 to f32
    %f = arith.subf %e, %c50 : f32
    %g = arith.mulf %f, %c037 : f32
    tensor.yield %g : f32
  } : tensor<1x4x256xf32>
  %s = ct.calculate_qparams %x quant<int8, token, dynamic> : (tensor<1x4x256xf32>) -> tensor<1x4x1xf32>
  %q = ct.fake_quantize %x scale(%s) quant<int8, token, dynamic> : (tensor<1x4x256xf32>, tensor<1x4x1xf32>) -> tensor<1x4x256xf32>
  %t = ct.calculate_qparams %x quant<float8> : (tensor<1x4x256xf32>) -> tensor<1xf32>
  %r = ct.fake_quantize %x scale(%t) quant<float8> : (tensor<1x4x256xf32>, tensor<1xf32>) -> tensor<1x4x256xf32>
  %qb = bufferization.to_buffer %q : tensor<1x4x256xf32> to memref<1x4x256xf32>
  %rb = bufferization.to_buffer %r : tensor<1x4x256xf32> to memref<1x4x256xf32>
  %sb = bufferization.to_buffer %s : tensor<1x4x1xf32> to memref<1x4x1xf32>
  %u1 = memref.cast %qb : memref<1x4x256xf32> to memref<*xf32>
  %u2 = memref.cast %rb : memref<1x4x256xf32> to memref<*xf32>
  %u3 = memref.cast %sb : memref<1x4x1xf32> to memref<*xf32>
  call @printMemrefF32(%u3) : (memref<*xf32>) -> ()
  call @printMemrefF32(%u1) : (memref<*xf32>) -> ()
  call @printMemrefF32(%u2) : (memref<*xf32>) -> ()
  return
}
