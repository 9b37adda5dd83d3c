// RUN: ct-opt %s --ct-quant-to-gpu --split-input-file | FileCheck %s

// Per-token scales of rows of 256 f32: a warp per row (8 rows, 8 warps in
// one block), lanes striding the row by 16-byte vectors, a 5-stage xor
// butterfly of the running min and max, lane 0 storing the row's pair; the
// scale formula stays linalg.
// CHECK-LABEL: func.func @token_scales(
// CHECK-SAME:      %[[X:.+]]: tensor<1x8x256xf32>
// CHECK:         %[[IN:.+]] = bufferization.to_buffer %[[X]] read_only : tensor<1x8x256xf32> to memref<1x8x256xf32>
// CHECK:         %[[FLAT:.+]] = memref.collapse_shape %[[IN]] {{\[}}[0, 1, 2]] : memref<1x8x256xf32> into memref<2048xf32>
// CHECK:         %[[MIN:.+]] = memref.alloc() : memref<8xf32>
// CHECK:         %[[MAX:.+]] = memref.alloc() : memref<8xf32>
// CHECK:         %[[GRID:.+]] = arith.constant 1 : index
// CHECK:         %[[BLOCK:.+]] = arith.constant 256 : index
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %[[GRID]], {{.*}}) threads({{.*}}) in ({{.*}} = %[[BLOCK]],
// CHECK:           %[[WARP:.+]] = arith.addi
// CHECK:           %[[LANE:.+]] = arith.remui
// CHECK:           scf.if
// CHECK:             %[[ACC:.+]]:2 = scf.for
// CHECK:               vector.load %[[FLAT]][%{{.+}}] {alignment = 16 : i64} : memref<2048xf32>, vector<4xf32>
// CHECK-COUNT-4:       arith.minimumf
// CHECK:             gpu.shuffle  xor %[[ACC]]#0, %{{.+}}, %{{.+}} : f32
// CHECK-COUNT-9:     gpu.shuffle  xor
// CHECK-NOT:         gpu.shuffle
// CHECK:             memref.store %{{.+}}, %[[MIN]][%[[WARP]]]
// CHECK:             memref.store %{{.+}}, %[[MAX]][%[[WARP]]]
// CHECK:         bufferization.to_tensor %[[MIN]] restrict writable
// CHECK:         linalg.generic
// CHECK:           math.absf
func.func @token_scales(%x: tensor<1x8x256xf32>) -> tensor<1x8x1xf32> {
  %s = ct.calculate_qparams %x quant<int8, token, dynamic> : (tensor<1x8x256xf32>) -> tensor<1x8x1xf32>
  return %s : tensor<1x8x1xf32>
}

// -----

// A tensor-wide scale: too few rows for the GPU, so 128 warps reduce
// segments of 1280 elements and a second kernel reduces their partials.
// CHECK-LABEL: func.func @tensor_scale(
// CHECK:         memref.alloc() : memref<128xf32>
// CHECK:         gpu.launch
// CHECK:           gpu.shuffle  xor
// CHECK:         %[[PARTIAL:.+]] = bufferization.to_tensor %{{.+}} restrict writable : memref<128xf32>
// CHECK:         bufferization.to_buffer %[[PARTIAL]] read_only
// CHECK:         memref.alloc() : memref<1xf32>
// CHECK:         gpu.launch
// CHECK:           gpu.shuffle  xor
// CHECK:         tensor.collapse_shape %{{.+}} [] : tensor<1xf32> into tensor<f32>
func.func @tensor_scale(%x: tensor<40x4096xf32>) -> tensor<1xf32> {
  %s = ct.calculate_qparams %x quant<float8> : (tensor<40x4096xf32>) -> tensor<1xf32>
  return %s : tensor<1xf32>
}

// -----

// Groups of 128 bf16: a warp per group, 8 elements (one 16-byte vector) per
// lane, extended to f32.
// CHECK-LABEL: func.func @group_scales_bf16(
// CHECK:         gpu.launch
// CHECK:           vector.load %{{.+}}[%{{.+}}] {alignment = 16 : i64} : memref<1024xbf16>, vector<8xbf16>
// CHECK:           arith.extf %{{.+}} : bf16 to f32
func.func @group_scales_bf16(%x: tensor<2x512xbf16>) -> tensor<2x4xbf16> {
  %s = ct.calculate_qparams %x quant<int4, group = 128> : (tensor<2x512xbf16>) -> tensor<2x4xbf16>
  return %s : tensor<2x4xbf16>
}

// -----

// Block scales reduce non-contiguous tiles, and short rows are as fast with
// a thread each: both stay linalg reductions.
// CHECK-LABEL: func.func @linalg_reductions(
// CHECK-NOT:     gpu.launch
// CHECK:         linalg.generic
func.func @linalg_reductions(%w: tensor<256x256xf32>, %x: tensor<4x16xf32>) -> (tensor<2x2xf32>, tensor<4x1xf32>) {
  %b = ct.calculate_qparams %w quant<float8, block = [128, 128]> : (tensor<256x256xf32>) -> tensor<2x2xf32>
  %c = ct.calculate_qparams %x quant<int8, channel> : (tensor<4x16xf32>) -> tensor<4x1xf32>
  return %b, %c : tensor<2x2xf32>, tensor<4x1xf32>
}
