// REQUIRES: cuda-device
// RUN: ct-opt %s --ct-lower-to-nvvm | mlir-runner --entry-point-result=void \
// RUN:   --shared-libs=%ct_cuda_runtime,%mlir_lib_dir/libmlir_runner_utils.so,%mlir_lib_dir/libmlir_c_runner_utils.so \
// RUN:   | FileCheck %s
// The expectations are the CPU path's output for the same module:
// ct-opt %s --ct-lower-to-llvm | mlir-runner --entry-point-result=void ...
// Constants are copied into fresh buffers (bufferization.alloc_tensor): a
// kernel cannot read a host global.

func.func private @printMemrefF32(tensor<*xf32>)
func.func private @printMemrefI32(tensor<*xi32>)

func.func @main() {
  // fp8 e4m3fn, per tensor: the grid, saturation at ±448 after the clamp,
  // subnormals (2^-9) and the sign of zero.
  %xc = arith.constant dense<[0.1, 1.0, 3.3, 500.0, -500.0, 0.0015, -0.0009, 17.5]> : tensor<8xf32>
  %sc = arith.constant dense<1.0> : tensor<1xf32>
  %x = bufferization.alloc_tensor() copy(%xc) : tensor<8xf32>
  %s = bufferization.alloc_tensor() copy(%sc) : tensor<1xf32>
  %fq = ct.fake_quantize %x scale(%s) quant<float8>
      : (tensor<8xf32>, tensor<1xf32>) -> tensor<8xf32>
  %fqu = tensor.cast %fq : tensor<8xf32> to tensor<*xf32>
  // CHECK: sizes = [8]
  // CHECK-NEXT: [0.101562,  1,  3.25,  448,  -448,  0.00195312,  -0,  18]
  call @printMemrefF32(%fqu) : (tensor<*xf32>) -> ()

  // fp8 codes per head of a bf16 cache: 2 heads, scales 0.5 and 4.
  %kc = arith.constant dense<[[[1.0, -3.0, 250.0, 0.01]], [[1.0, -3.0, 2000.0, 0.01]]]> : tensor<2x1x4xbf16>
  %ksc = arith.constant dense<[[[0.5]], [[4.0]]]> : tensor<2x1x1xbf16>
  %k = bufferization.alloc_tensor() copy(%kc) : tensor<2x1x4xbf16>
  %ks = bufferization.alloc_tensor() copy(%ksc) : tensor<2x1x1xbf16>
  %codes = ct.quantize %k scale(%ks) quant<float8, attn_head>
      : (tensor<2x1x4xbf16>, tensor<2x1x1xbf16>) -> tensor<2x1x4xf8E4M3FN>
  %bits = arith.bitcast %codes : tensor<2x1x4xf8E4M3FN> to tensor<2x1x4xi8>
  %wide = arith.extui %bits : tensor<2x1x4xi8> to tensor<2x1x4xi32>
  %wideu = tensor.cast %wide : tensor<2x1x4xi32> to tensor<*xi32>
  // CHECK: sizes = [2, 1, 4]
  // CHECK-NEXT: {{\[}}{{\[}}[64,    204,    126,    10]],
  // CHECK-NEXT:  {{\[}}[40,    180,    126,    1]]]
  call @printMemrefI32(%wideu) : (tensor<*xi32>) -> ()

  // int8, one scale per group of 4, half to even.
  %gc = arith.constant dense<[[0.5, 1.5, 2.5, -2.5, 100.0, -100.0, 0.26, 3.0]]> : tensor<1x8xf32>
  %gsc = arith.constant dense<[[1.0, 0.5]]> : tensor<1x2xf32>
  %g = bufferization.alloc_tensor() copy(%gc) : tensor<1x8xf32>
  %gs = bufferization.alloc_tensor() copy(%gsc) : tensor<1x2xf32>
  %q = ct.quantize %g scale(%gs) quant<int8, group = 4>
      : (tensor<1x8xf32>, tensor<1x2xf32>) -> tensor<1x8xi8>
  %qw = arith.extsi %q : tensor<1x8xi8> to tensor<1x8xi32>
  %qwu = tensor.cast %qw : tensor<1x8xi32> to tensor<*xi32>
  // CHECK: sizes = [1, 8]
  // CHECK-NEXT: {{\[}}[0,   2,   2,   -2,   127,   -128,   1,   6]]
  call @printMemrefI32(%qwu) : (tensor<*xi32>) -> ()

  // Dequantize the codes back with the group scales.
  %dq = ct.dequantize %q scale(%gs) quant<int8, group = 4>
      : (tensor<1x8xi8>, tensor<1x2xf32>) -> tensor<1x8xf32>
  %dqu = tensor.cast %dq : tensor<1x8xf32> to tensor<*xf32>
  // CHECK: sizes = [1, 8]
  // CHECK-NEXT: {{\[}}[0,   2,   2,   -2,   63.5,   -64,   0.5,   3]]
  call @printMemrefF32(%dqu) : (tensor<*xf32>) -> ()
  return
}
