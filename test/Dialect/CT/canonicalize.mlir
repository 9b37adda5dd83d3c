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

// -----

// ct.rotate by a constant diag(s)·H/sqrt(n) (a random-hadamard checkpoint
// weight divided by sqrt(n)) is ct.hadamard with those signs, read from
// column 0.
// CHECK-LABEL: @rotate_signed_sylvester_is_hadamard
// CHECK-SAME: (%[[X:.+]]: tensor<2x8xf32>)
// CHECK-NOT: ct.rotate
// CHECK: %[[H:.+]] = ct.hadamard %[[X]] size(4) signs([1, -1, -1, 1]) : tensor<2x8xf32>
// CHECK: return %[[H]]
func.func @rotate_signed_sylvester_is_hadamard(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %r = arith.constant dense<[[0.5, 0.5, 0.5, 0.5], [-0.5, 0.5, -0.5, 0.5],
                             [-0.5, -0.5, 0.5, 0.5], [0.5, -0.5, -0.5, 0.5]]> : tensor<4x4xf32>
  %0 = ct.rotate %x by %r : tensor<2x8xf32>, tensor<4x4xf32>
  return %0 : tensor<2x8xf32>
}

// -----

// The inverse (R⁻¹ = Rᵀ) is the inverse ct.hadamard; 1/sqrt(2) rounded to
// f32 is recognized.
// CHECK-LABEL: @rotate_inverse_is_inverse_hadamard
// CHECK: ct.hadamard %{{.+}} size(2) inverse : tensor<3x2xf32>
func.func @rotate_inverse_is_inverse_hadamard(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %r = arith.constant dense<[[0.70710677, 0.70710677], [0.70710677, -0.70710677]]> : tensor<2x2xf32>
  %0 = ct.rotate %x by %r inverse : tensor<3x2xf32>, tensor<2x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// The product is computed in the matrix's type: a bf16 matrix gives
// precision(bf16).
// CHECK-LABEL: @rotate_bf16_matrix_keeps_precision
// CHECK: ct.hadamard %{{.+}} size(2) precision(bf16) : tensor<4x2xf32>
func.func @rotate_bf16_matrix_keeps_precision(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %r = arith.constant dense<[[0.70703125, 0.70703125], [0.70703125, -0.70703125]]> : tensor<2x2xbf16>
  %0 = ct.rotate %x by %r : tensor<4x2xf32>, tensor<2x2xbf16>
  return %0 : tensor<4x2xf32>
}

// -----

// m·2^k: ct's own Paley I H_12 (row 3 negated) is recognized too.
// CHECK-LABEL: @rotate_ct_core_12_is_hadamard
// CHECK: ct.hadamard %{{.+}} size(12) signs([1, 1, 1, -1, 1, 1, 1, 1, 1, 1, 1, 1]) : tensor<2x12xf32>
func.func @rotate_ct_core_12_is_hadamard(%x: tensor<2x12xf32>) -> tensor<2x12xf32> {
  %r = arith.constant dense<[[0.288675129, 0.288675129, 0.288675129, 0.288675129, 0.288675129, 0.288675129, 0.288675129, 0.288675129, 0.288675129, 0.288675129, 0.288675129, 0.288675129], [-0.288675129, 0.288675129, -0.288675129, 0.288675129, -0.288675129, -0.288675129, -0.288675129, 0.288675129, 0.288675129, 0.288675129, -0.288675129, 0.288675129], [-0.288675129, 0.288675129, 0.288675129, -0.288675129, 0.288675129, -0.288675129, -0.288675129, -0.288675129, 0.288675129, 0.288675129, 0.288675129, -0.288675129], [0.288675129, 0.288675129, -0.288675129, -0.288675129, 0.288675129, -0.288675129, 0.288675129, 0.288675129, 0.288675129, -0.288675129, -0.288675129, -0.288675129], [-0.288675129, 0.288675129, -0.288675129, 0.288675129, 0.288675129, -0.288675129, 0.288675129, -0.288675129, -0.288675129, -0.288675129, 0.288675129, 0.288675129], [-0.288675129, 0.288675129, 0.288675129, -0.288675129, 0.288675129, 0.288675129, -0.288675129, 0.288675129, -0.288675129, -0.288675129, -0.288675129, 0.288675129], [-0.288675129, 0.288675129, 0.288675129, 0.288675129, -0.288675129, 0.288675129, 0.288675129, -0.288675129, 0.288675129, -0.288675129, -0.288675129, -0.288675129], [-0.288675129, -0.288675129, 0.288675129, 0.288675129, 0.288675129, -0.288675129, 0.288675129, 0.288675129, -0.288675129, 0.288675129, -0.288675129, -0.288675129], [-0.288675129, -0.288675129, -0.288675129, 0.288675129, 0.288675129, 0.288675129, -0.288675129, 0.288675129, 0.288675129, -0.288675129, 0.288675129, -0.288675129], [-0.288675129, -0.288675129, -0.288675129, -0.288675129, 0.288675129, 0.288675129, 0.288675129, -0.288675129, 0.288675129, 0.288675129, -0.288675129, 0.288675129], [-0.288675129, 0.288675129, -0.288675129, -0.288675129, -0.288675129, 0.288675129, 0.288675129, 0.288675129, -0.288675129, 0.288675129, 0.288675129, -0.288675129], [-0.288675129, -0.288675129, 0.288675129, -0.288675129, -0.288675129, -0.288675129, 0.288675129, 0.288675129, 0.288675129, -0.288675129, 0.288675129, 0.288675129]]> : tensor<12x12xf32>
  %0 = ct.rotate %x by %r : tensor<2x12xf32>, tensor<12x12xf32>
  return %0 : tensor<2x12xf32>
}

// -----

// compressed-tensors' random_hadamard_matrix(12) / sqrt(12) is built on the
// library's table core had.12, not ct's H_12: it stays a ct.rotate.
// CHECK-LABEL: @rotate_library_core_12_stays
// CHECK: ct.rotate
// CHECK-NOT: ct.hadamard
func.func @rotate_library_core_12_stays(%x: tensor<2x12xf32>) -> tensor<2x12xf32> {
  %r = arith.constant dense<[[-0.288675129, -0.288675129, -0.288675129, -0.288675129, -0.288675129, -0.288675129, -0.288675129, -0.288675129, -0.288675129, -0.288675129, -0.288675129, -0.288675129], [-0.288675129, 0.288675129, 0.288675129, -0.288675129, 0.288675129, 0.288675129, 0.288675129, -0.288675129, -0.288675129, -0.288675129, 0.288675129, -0.288675129], [-0.288675129, -0.288675129, 0.288675129, 0.288675129, -0.288675129, 0.288675129, 0.288675129, 0.288675129, -0.288675129, -0.288675129, -0.288675129, 0.288675129], [0.288675129, -0.288675129, 0.288675129, -0.288675129, -0.288675129, 0.288675129, -0.288675129, -0.288675129, -0.288675129, 0.288675129, 0.288675129, 0.288675129], [-0.288675129, -0.288675129, 0.288675129, -0.288675129, 0.288675129, 0.288675129, -0.288675129, 0.288675129, 0.288675129, 0.288675129, -0.288675129, -0.288675129], [-0.288675129, -0.288675129, -0.288675129, 0.288675129, -0.288675129, 0.288675129, 0.288675129, -0.288675129, 0.288675129, 0.288675129, 0.288675129, -0.288675129], [-0.288675129, -0.288675129, -0.288675129, -0.288675129, 0.288675129, -0.288675129, 0.288675129, 0.288675129, -0.288675129, 0.288675129, 0.288675129, 0.288675129], [-0.288675129, 0.288675129, -0.288675129, -0.288675129, -0.288675129, 0.288675129, -0.288675129, 0.288675129, 0.288675129, -0.288675129, 0.288675129, 0.288675129], [-0.288675129, 0.288675129, 0.288675129, -0.288675129, -0.288675129, -0.288675129, 0.288675129, -0.288675129, 0.288675129, 0.288675129, -0.288675129, 0.288675129], [-0.288675129, 0.288675129, 0.288675129, 0.288675129, -0.288675129, -0.288675129, -0.288675129, 0.288675129, -0.288675129, 0.288675129, 0.288675129, -0.288675129], [-0.288675129, -0.288675129, 0.288675129, 0.288675129, 0.288675129, -0.288675129, -0.288675129, -0.288675129, 0.288675129, -0.288675129, 0.288675129, 0.288675129], [0.288675129, -0.288675129, 0.288675129, -0.288675129, -0.288675129, -0.288675129, 0.288675129, 0.288675129, 0.288675129, -0.288675129, 0.288675129, -0.288675129]]> : tensor<12x12xf32>
  %0 = ct.rotate %x by %r : tensor<2x12xf32>, tensor<12x12xf32>
  return %0 : tensor<2x12xf32>
}

// -----

// ct.rotate applies its matrix as given: the unnormalized ±1 checkpoint
// weight is sqrt(n)·ct.hadamard, not ct.hadamard, so it stays.
// CHECK-LABEL: @rotate_unnormalized_stays
// CHECK: ct.rotate
// CHECK-NOT: ct.hadamard
func.func @rotate_unnormalized_stays(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %r = arith.constant dense<[[1.0, 1.0, 1.0, 1.0], [1.0, -1.0, 1.0, -1.0],
                             [1.0, 1.0, -1.0, -1.0], [1.0, -1.0, -1.0, 1.0]]> : tensor<4x4xf32>
  %0 = ct.rotate %x by %r : tensor<2x4xf32>, tensor<4x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// One entry off the pattern: not a Hadamard matrix, stays.
// CHECK-LABEL: @rotate_not_hadamard_stays
// CHECK: ct.rotate
// CHECK-NOT: ct.hadamard
func.func @rotate_not_hadamard_stays(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %r = arith.constant dense<[[0.5, 0.5, 0.5, 0.5], [0.5, -0.5, 0.5, -0.5],
                             [0.5, 0.5, -0.5, -0.5], [0.5, -0.5, 0.5, 0.5]]> : tensor<4x4xf32>
  %0 = ct.rotate %x by %r : tensor<2x4xf32>, tensor<4x4xf32>
  return %0 : tensor<2x4xf32>
}
