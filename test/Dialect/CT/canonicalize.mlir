// RUN: ct-opt %s -split-input-file -canonicalize | FileCheck %s

// Two normalized Sylvester transforms cancel: H·H = I.
// CHECK-LABEL: @sylvester_pair_cancels
// CHECK-SAME: (%[[X:.+]]: tensor<4x128xf32>)
// CHECK-NOT: ct.hadamard
// CHECK: return %[[X]]
func.func @sylvester_pair_cancels(%x: tensor<4x128xf32>) -> tensor<4x128xf32> {
  %a = ct.hadamard %x size(128) : tensor<4x128xf32>
  %b = ct.hadamard %a size(128) : tensor<4x128xf32>
  return %b : tensor<4x128xf32>
}

// -----

// A signed transform followed by its inverse cancels: (D·H)(D·H)ᵀ = I.
// CHECK-LABEL: @signed_inverse_pair_cancels
// CHECK-SAME: (%[[X:.+]]: tensor<2x8xf32>)
// CHECK-NOT: ct.hadamard
// CHECK: return %[[X]]
func.func @signed_inverse_pair_cancels(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %a = ct.hadamard %x size(4) signs([1, -1, -1, 1]) : tensor<2x8xf32>
  %b = ct.hadamard %a size(4) inverse signs([1, -1, -1, 1]) : tensor<2x8xf32>
  return %b : tensor<2x8xf32>
}

// -----

// An inverse followed by the forward transform cancels too.
// CHECK-LABEL: @inverse_then_forward_cancels
// CHECK-NOT: ct.hadamard
func.func @inverse_then_forward_cancels(%x: tensor<2x64xbf16>) -> tensor<2x64xbf16> {
  %a = ct.hadamard %x size(64) inverse : tensor<2x64xbf16>
  %b = ct.hadamard %a size(64) : tensor<2x64xbf16>
  return %b : tensor<2x64xbf16>
}

// -----

// D·H·D·H is not the identity: two signed forward transforms stay.
// CHECK-LABEL: @signed_pair_stays
// CHECK-COUNT-2: ct.hadamard
func.func @signed_pair_stays(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %a = ct.hadamard %x size(4) signs([1, -1, -1, 1]) : tensor<2x8xf32>
  %b = ct.hadamard %a size(4) signs([1, -1, -1, 1]) : tensor<2x8xf32>
  return %b : tensor<2x8xf32>
}

// -----

// Different signs, block sizes or precisions do not cancel.
// CHECK-LABEL: @mismatched_pairs_stay
// CHECK-COUNT-6: ct.hadamard
func.func @mismatched_pairs_stay(%x: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>) {
  %a = ct.hadamard %x size(4) signs([1, -1, -1, 1]) : tensor<2x8xf32>
  %b = ct.hadamard %a size(4) inverse signs([1, 1, -1, 1]) : tensor<2x8xf32>
  %c = ct.hadamard %x size(4) : tensor<2x8xf32>
  %d = ct.hadamard %c size(8) : tensor<2x8xf32>
  %e = ct.hadamard %x size(8) : tensor<2x8xf32>
  %f = ct.hadamard %e size(8) precision(f64) : tensor<2x8xf32>
  return %b, %d, %f : tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

// Fake quantization is never folded away: the rounding is the point.
// CHECK-LABEL: @quantize_dequantize_stays
// CHECK: ct.quantize
// CHECK: ct.dequantize
// CHECK: ct.fake_quantize
func.func @quantize_dequantize_stays(%x: tensor<4x64xf32>, %s: tensor<1xf32>) -> (tensor<4x64xf32>, tensor<4x64xf32>) {
  %q = ct.quantize %x scale(%s) quant<int8> : (tensor<4x64xf32>, tensor<1xf32>) -> tensor<4x64xi8>
  %d = ct.dequantize %q scale(%s) quant<int8> : (tensor<4x64xi8>, tensor<1xf32>) -> tensor<4x64xf32>
  %f = ct.fake_quantize %x scale(%s) quant<int8> : (tensor<4x64xf32>, tensor<1xf32>) -> tensor<4x64xf32>
  return %d, %f : tensor<4x64xf32>, tensor<4x64xf32>
}

// -----

// Unused pure ops are removed; attention with hooks is kept when used.
// CHECK-LABEL: @dead_ops_removed
// CHECK-NOT: ct.
// CHECK: return
func.func @dead_ops_removed(%x: tensor<4x64xf32>, %s: tensor<1xf32>) -> tensor<4x64xf32> {
  %q = ct.quantize %x scale(%s) quant<int8> : (tensor<4x64xf32>, tensor<1xf32>) -> tensor<4x64xi8>
  %h = ct.hadamard %x size(64) : tensor<4x64xf32>
  return %x : tensor<4x64xf32>
}
