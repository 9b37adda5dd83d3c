// REQUIRES: cuda-device
// RUN: ct-opt %s --ct-lower-to-nvvm | mlir-runner --entry-point-result=void \
// RUN:   --shared-libs=%ct_cuda_runtime,%mlir_lib_dir/libmlir_runner_utils.so,%mlir_lib_dir/libmlir_c_runner_utils.so \
// RUN:   | FileCheck %s
// The expectations are the CPU path's output for the same module:
// ct-opt %s --ct-lower-to-llvm | mlir-runner --entry-point-result=void ...

func.func private @printMemrefF32(tensor<*xf32>)

// Delta rows: row r of the result is row r of H_n / sqrt(n).
func.func @delta_rows() -> tensor<5x4096xf32> {
  %init = tensor.empty() : tensor<5x4096xf32>
  %x = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      outs(%init : tensor<5x4096xf32>) {
  ^bb0(%out: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %eq = arith.cmpi eq, %i, %j : index
    %one = arith.constant 1.0 : f32
    %zero = arith.constant 0.0 : f32
    %v = arith.select %eq, %one, %zero : f32
    linalg.yield %v : f32
  } -> tensor<5x4096xf32>
  return %x : tensor<5x4096xf32>
}

func.func @print_head(%r: tensor<5x4096xf32>) {
  %head = tensor.extract_slice %r[0, 0] [5, 8] [1, 1] : tensor<5x4096xf32> to tensor<5x8xf32>
  %u = tensor.cast %head : tensor<5x8xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

func.func @main() {
  %x = call @delta_rows() : () -> tensor<5x4096xf32>

  // head_dim 128 in bf16: rows packed 16 per block, the last block partial.
  %xb = arith.truncf %x : tensor<5x4096xf32> to tensor<5x4096xbf16>
  %rb = ct.hadamard %xb size(128) : tensor<5x4096xbf16>
  %rbf = arith.extf %rb : tensor<5x4096xbf16> to tensor<5x4096xf32>
  // CHECK: sizes = [5, 8]
  // CHECK-NEXT: {{\[}}[0.0883789,   0.0883789,   0.0883789,   0.0883789,   0.0883789,   0.0883789,   0.0883789,   0.0883789],
  // CHECK-NEXT:  [0.0883789,   -0.0883789,   0.0883789,   -0.0883789,   0.0883789,   -0.0883789,   0.0883789,   -0.0883789],
  // CHECK-NEXT:  [0.0883789,   0.0883789,   -0.0883789,   -0.0883789,   0.0883789,   0.0883789,   -0.0883789,   -0.0883789],
  // CHECK-NEXT:  [0.0883789,   -0.0883789,   -0.0883789,   0.0883789,   0.0883789,   -0.0883789,   -0.0883789,   0.0883789],
  // CHECK-NEXT:  [0.0883789,   0.0883789,   0.0883789,   0.0883789,   -0.0883789,   -0.0883789,   -0.0883789,   -0.0883789]]
  call @print_head(%rbf) : (tensor<5x4096xf32>) -> ()

  // 4096 in f32: a block per row, 4 stages through shared memory.
  %r = ct.hadamard %x size(4096) : tensor<5x4096xf32>
  // CHECK: sizes = [5, 8]
  // CHECK-NEXT: {{\[}}[0.015625,   0.015625,   0.015625,   0.015625,   0.015625,   0.015625,   0.015625,   0.015625],
  // CHECK-NEXT:  [0.015625,   -0.015625,   0.015625,   -0.015625,   0.015625,   -0.015625,   0.015625,   -0.015625],
  call @print_head(%r) : (tensor<5x4096xf32>) -> ()

  // Signed inverse of 16: y = (x·H)·diag(s) / 4.
  %ri = ct.hadamard %x size(16) inverse
      signs([1, -1, -1, 1, 1, 1, -1, 1, -1, 1, 1, -1, 1, -1, 1, 1])
      : tensor<5x4096xf32>
  // CHECK: sizes = [5, 8]
  // CHECK-NEXT: {{\[}}[0.25,   -0.25,   -0.25,   0.25,   0.25,   0.25,   -0.25,   0.25],
  // CHECK-NEXT:  [0.25,   0.25,   -0.25,   -0.25,   0.25,   -0.25,   -0.25,   -0.25],
  call @print_head(%ri) : (tensor<5x4096xf32>) -> ()
  return
}
