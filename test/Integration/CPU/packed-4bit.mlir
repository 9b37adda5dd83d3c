// 4-bit tensors cross the C ABI packed, two elements per byte along the last
// axis (element 2i in the low nibble of byte i), as compressed-tensors'
// pack_fp4_to_uint8 stores them: ct-run passes them as uint8 .npy arrays of
// shape [..., C/2]. The expectations are golden codes packed by
// utils/golden/gen_packed_4bit.py.

// Quantize writes packed bytes; dequantize reads them back from that buffer
// and from the caller's packed golden bytes.
// RUN: ct-run %s --entry int4 --input %S/golden/quant/group_int4_sym_static_f32_4x32_g8.x.npy --input %S/golden/quant/group_int4_sym_static_f32_4x32_g8.scale.npy --input %S/golden/packed/group_int4_sym_static_f32_4x32_g8.packed.npy --compare %S/golden/packed/group_int4_sym_static_f32_4x32_g8.packed.npy --compare %S/golden/quant/group_int4_sym_static_f32_4x32_g8.dq.npy --compare %S/golden/quant/group_int4_sym_static_f32_4x32_g8.dq.npy --exact
func.func @int4(%x: tensor<4x32xf32>, %scale: tensor<4x4xf32>, %packed: tensor<4x32xi4>) -> (tensor<4x32xi4>, tensor<4x32xf32>, tensor<4x32xf32>) {
  %q = ct.quantize %x scale(%scale) quant<int4, group = 8> : (tensor<4x32xf32>, tensor<4x4xf32>) -> tensor<4x32xi4>
  %round_trip = ct.dequantize %q scale(%scale) quant<int4, group = 8> : (tensor<4x32xi4>, tensor<4x4xf32>) -> tensor<4x32xf32>
  %dq = ct.dequantize %packed scale(%scale) quant<int4, group = 8> : (tensor<4x32xi4>, tensor<4x4xf32>) -> tensor<4x32xf32>
  return %q, %round_trip, %dq : tensor<4x32xi4>, tensor<4x32xf32>, tensor<4x32xf32>
}

// RUN: ct-run %s --entry fp4 --input %S/golden/quant/tensor_fp4_sym_static_f32_4x32.x.npy --input %S/golden/quant/tensor_fp4_sym_static_f32_4x32.scale.npy --input %S/golden/packed/tensor_fp4_sym_static_f32_4x32.packed.npy --compare %S/golden/packed/tensor_fp4_sym_static_f32_4x32.packed.npy --compare %S/golden/quant/tensor_fp4_sym_static_f32_4x32.dq.npy --compare %S/golden/quant/tensor_fp4_sym_static_f32_4x32.dq.npy --exact
func.func @fp4(%x: tensor<4x32xf32>, %scale: tensor<1xf32>, %packed: tensor<4x32xf4E2M1FN>) -> (tensor<4x32xf4E2M1FN>, tensor<4x32xf32>, tensor<4x32xf32>) {
  %q = ct.quantize %x scale(%scale) quant<float4> : (tensor<4x32xf32>, tensor<1xf32>) -> tensor<4x32xf4E2M1FN>
  %round_trip = ct.dequantize %q scale(%scale) quant<float4> : (tensor<4x32xf4E2M1FN>, tensor<1xf32>) -> tensor<4x32xf32>
  %dq = ct.dequantize %packed scale(%scale) quant<float4> : (tensor<4x32xf4E2M1FN>, tensor<1xf32>) -> tensor<4x32xf32>
  return %q, %round_trip, %dq : tensor<4x32xf4E2M1FN>, tensor<4x32xf32>, tensor<4x32xf32>
}

// The nibble order on known values: codes 1..7, -8 are bytes 0x21 0x43 0x65
// 0x87; e2m1 1, 2, 3, 4, 6, 6, -0.5, -6 are 0x42 0x65 0x77 0xf9.
// RUN: ct-run %s --entry order --input %S/golden/packed/order.int4.npy --input %S/golden/packed/order.fp4.npy --input %S/golden/packed/order.scale.npy | FileCheck %s --check-prefix=ORDER
// ORDER: result #0: shape (1, 4), dtype |u1 (uint8), two i4 values per byte
// ORDER-NEXT: {{\[\[}} 33  67 101 135]]
// ORDER: result #1: shape (1, 4), dtype |u1 (uint8), two f4E2M1FN values per byte
// ORDER-NEXT: {{\[\[}} 66 101 119 249]]
func.func @order(%x: tensor<1x8xf32>, %y: tensor<1x8xf32>, %s: tensor<1xf32>) -> (tensor<1x8xi4>, tensor<1x8xf4E2M1FN>) {
  %q = ct.quantize %x scale(%s) quant<int4> : (tensor<1x8xf32>, tensor<1xf32>) -> tensor<1x8xi4>
  %f = ct.quantize %y scale(%s) quant<float4> : (tensor<1x8xf32>, tensor<1xf32>) -> tensor<1x8xf4E2M1FN>
  return %q, %f : tensor<1x8xi4>, tensor<1x8xf4E2M1FN>
}

// A row written at a constant position of a cache one row longer (the new
// row of a decode step's stored cache): the slice [2, 1, 8] of [2, 3, 8] is
// not contiguous; its codes land in byte 8 * h + 4 to 7 of head h, and the
// other rows (all codes -1, bytes 0xff) keep theirs.
// RUN: ct-run %s --entry last_row --input %S/golden/packed/order.int4.npy --input %S/golden/packed/order.scale.npy | FileCheck %s --check-prefix=ROW
// ROW: result #0: shape (2, 3, 4), dtype |u1 (uint8), two i4 values per byte
// ROW-NEXT: {{\[\[\[}}255 255 255 255]
// ROW-NEXT:   [255 255 255 255]
// ROW-NEXT:   [ 33  67 101 135]]
// ROW-EMPTY:
// ROW-NEXT:  {{\[\[}}255 255 255 255]
// ROW-NEXT:   [255 255 255 255]
// ROW-NEXT:   [ 33  67 101 135]]]
func.func @last_row(%x: tensor<1x8xf32>, %s: tensor<1xf32>) -> tensor<2x3x8xi4> {
  %q = ct.quantize %x scale(%s) quant<int4> : (tensor<1x8xf32>, tensor<1xf32>) -> tensor<1x8xi4>
  %minus_one = arith.constant -1 : i4
  %empty = tensor.empty() : tensor<2x3x8xi4>
  %cache = linalg.fill ins(%minus_one : i4) outs(%empty : tensor<2x3x8xi4>) -> tensor<2x3x8xi4>
  %rows = tensor.empty() : tensor<2x1x8xi4>
  %row = linalg.broadcast ins(%q : tensor<1x8xi4>) outs(%rows : tensor<2x1x8xi4>) dimensions = [0]
  %new = tensor.insert_slice %row into %cache[0, 2, 0] [2, 1, 8] [1, 1, 1] : tensor<2x1x8xi4> into tensor<2x3x8xi4>
  return %new : tensor<2x3x8xi4>
}

// Errors: unpacked shapes and odd innermost sizes.
// RUN: not ct-run %s --entry int4 --input %S/golden/quant/group_int4_sym_static_f32_4x32_g8.x.npy --input %S/golden/quant/group_int4_sym_static_f32_4x32_g8.scale.npy --input %S/golden/quant/group_int4_sym_static_f32_4x32_g8.x.npy 2>&1 | FileCheck %s --check-prefix=DTYPE
// DTYPE: ct-run: error: input 2 ({{.*}}x.npy): dtype <f4 (float32) does not match argument #2 of type tensor<4x32xi4> (expected |u1 (uint8), two i4 values per byte)
// RUN: not ct-run %s --entry int4 --input %S/golden/quant/group_int4_sym_static_f32_4x32_g8.x.npy --input %S/golden/quant/group_int4_sym_static_f32_4x32_g8.scale.npy --input %S/golden/packed/unpacked.npy 2>&1 | FileCheck %s --check-prefix=SHAPE
// SHAPE: ct-run: error: input 2 ({{.*}}unpacked.npy): shape (4, 32) does not match argument #2 of type tensor<4x32xi4>, which expects packed shape [.., C/2] (4, 16) (uint8, element 2i in the low nibble of byte i, 2i+1 in the high nibble; ? is any size)
// RUN: not ct-run %s --entry odd 2>&1 | FileCheck %s --check-prefix=ODD
// ODD: ct-run: error: result #0 of @odd has type tensor<2x3xf4E2M1FN>; 4-bit tensors are passed packed, two elements per byte along the innermost dimension, which needs an even size
func.func @odd(%x: tensor<2x3xf32>, %s: tensor<1xf32>) -> tensor<2x3xf4E2M1FN> {
  %f = ct.quantize %x scale(%s) quant<float4> : (tensor<2x3xf32>, tensor<1xf32>) -> tensor<2x3xf4E2M1FN>
  return %f : tensor<2x3xf4E2M1FN>
}
