// RUN: ct-opt %s -split-input-file -ct-lower-hadamard -verify-diagnostics | FileCheck %s

// A block that fits in registers: one vector of 16 lanes, 4 in-register
// stages (shuffle with lane i ^ h, fma with ±1), 1/sqrt(16) folded into one
// multiply after the load, one loop over the 4 rows.
// CHECK-LABEL: @sylvester_16
// CHECK-DAG: %[[NORM:.+]] = arith.constant dense<2.500000e-01> : vector<16xf32>
// CHECK-DAG: %[[ROWS:.+]] = arith.constant 4 : index
// CHECK: %[[FLAT:.+]] = tensor.collapse_shape %{{.+}} {{\[\[}}0, 1]] : tensor<4x16xf32> into tensor<64xf32>
// CHECK: scf.for %{{.+}} = %{{.+}} to %[[ROWS]]
// CHECK:   %[[X:.+]] = vector.transfer_read %[[FLAT]]
// CHECK:   %[[S:.+]] = arith.mulf %[[X]], %[[NORM]] : vector<16xf32>
// CHECK:   %[[P:.+]] = vector.shuffle %[[S]], %[[S]] [1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14]
// CHECK:   vector.fma %[[S]], %{{.+}}, %[[P]] : vector<16xf32>
// CHECK-COUNT-3: vector.fma
// CHECK-NOT: vector.fma
// CHECK:   vector.transfer_write {{.+}} : vector<16xf32>, tensor<4x16xf32>
func.func @sylvester_16(%x: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %0 = ct.hadamard %x size(16) : tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// Stages across vectors are whole-vector add/sub: size 64 is 4 vectors,
// 2 cross stages of 2 pairs each.
// CHECK-LABEL: @sylvester_64_cross_chunk
// CHECK-COUNT-16: vector.fma
// CHECK-COUNT-4: arith.addf {{.+}} : vector<16xf32>
func.func @sylvester_64_cross_chunk(%x: tensor<2x64xf32>) -> tensor<2x64xf32> {
  %0 = ct.hadamard %x size(64) : tensor<2x64xf32>
  return %0 : tensor<2x64xf32>
}

// -----

// bf16 is widened once on load and narrowed once on store: 8 vectors each.
// CHECK-LABEL: @bf16_once
// CHECK: vector.transfer_read {{.+}} : tensor<256xbf16>, vector<16xbf16>
// CHECK-COUNT-8: arith.extf {{.+}} : vector<16xbf16> to vector<16xf32>
// CHECK-NOT: arith.extf
// CHECK-COUNT-8: arith.truncf {{.+}} : vector<16xf32> to vector<16xbf16>
// CHECK-NOT: arith.truncf
// CHECK: return
func.func @bf16_once(%x: tensor<2x128xbf16>) -> tensor<2x128xbf16> {
  %0 = ct.hadamard %x size(128) : tensor<2x128xbf16>
  return %0 : tensor<2x128xbf16>
}

// -----

// Forward signs are applied (with 1/sqrt(n)) on the input from a constant
// of n factors; inverse signs on the output.
// CHECK-LABEL: @signed_forward
// CHECK: %[[F:.+]] = arith.constant dense<[5.000000e-01, -5.000000e-01, -5.000000e-01, 5.000000e-01]> : tensor<4xf32>
// CHECK: vector.transfer_read
// CHECK: %[[FC:.+]] = vector.transfer_read %[[F]]
// CHECK: arith.mulf %{{.+}}, %[[FC]] : vector<4xf32>
// CHECK: vector.shuffle
func.func @signed_forward(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %0 = ct.hadamard %x size(4) signs([1, -1, -1, 1]) : tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// CHECK-LABEL: @signed_inverse
// CHECK: %[[F:.+]] = arith.constant dense<[5.000000e-01, -5.000000e-01, -5.000000e-01, 5.000000e-01]> : tensor<4xf32>
// CHECK: vector.shuffle
// CHECK: vector.fma
// CHECK: vector.shuffle
// CHECK: vector.fma
// CHECK: %[[FC:.+]] = vector.transfer_read %[[F]]
// CHECK: arith.mulf %{{.+}}, %[[FC]] : vector<4xf32>
// CHECK: vector.transfer_write
func.func @signed_inverse(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %0 = ct.hadamard %x size(4) inverse signs([1, -1, -1, 1]) : tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// m·2^k with 2^k < 16 lanes but 16 | n: 96 = 12·8 is 6 vectors of 16 lanes,
// each holding two whole 8-segments; the butterfly is 3 in-vector stages,
// then the dense 12×12 ±1 core: each segment is broadcast to both halves of
// a vector by one shuffle and accumulated into every output vector with
// per-lane ±1 fmas (or plain adds and subtracts where the signs agree).
// CHECK-LABEL: @core_96
// CHECK-COUNT-6: vector.transfer_read {{.+}} : tensor<{{.+}}xf32>, vector<16xf32>
// CHECK-COUNT-18: vector.fma
// CHECK: vector.shuffle %{{.+}}, %{{.+}} [0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7] : vector<16xf32>
// CHECK: vector.shuffle %{{.+}}, %{{.+}} [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15] : vector<16xf32>
// CHECK-NOT: vector<8xf32>
// CHECK-COUNT-6: vector.transfer_write {{.+}} : vector<16xf32>
func.func @core_96(%x: tensor<4x96xf32>) -> tensor<4x96xf32> {
  %0 = ct.hadamard %x size(96) : tensor<4x96xf32>
  return %0 : tensor<4x96xf32>
}

// -----

// 80 = 20·4: 5 vectors of 16 lanes, four 4-segments each; 2 in-vector
// stages, then 20 segment broadcasts for the 20×20 core.
// CHECK-LABEL: @core_80
// CHECK-COUNT-5: vector.transfer_read {{.+}} : tensor<{{.+}}xf32>, vector<16xf32>
// CHECK-COUNT-10: vector.fma
// CHECK: vector.shuffle %{{.+}}, %{{.+}} [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3] : vector<16xf32>
// CHECK: vector.shuffle %{{.+}}, %{{.+}} [4, 5, 6, 7, 4, 5, 6, 7, 4, 5, 6, 7, 4, 5, 6, 7] : vector<16xf32>
// CHECK-NOT: vector<4xf32>
// CHECK-COUNT-5: vector.transfer_write {{.+}} : vector<16xf32>
func.func @core_80(%x: tensor<4x80xf32>) -> tensor<4x80xf32> {
  %0 = ct.hadamard %x size(80) : tensor<4x80xf32>
  return %0 : tensor<4x80xf32>
}

// -----

// Large blocks go in sweeps of 16 vectors: 4096 = 256 vectors; the first
// sweep does the in-register stages and 4 cross stages, the second the
// next 4 on 16 groups at a stride of 16 vectors, all in place in the output.
// CHECK-LABEL: @sweeps_4096
// CHECK: scf.for
// CHECK:   scf.for {{.+}} = %{{.+}} to %[[G:.+]] step
// CHECK:     vector.shuffle
// CHECK:   scf.for
// CHECK-NOT:   vector.shuffle
// CHECK:     arith.subf
func.func @sweeps_4096(%x: tensor<2x4096xf32>) -> tensor<2x4096xf32> {
  %0 = ct.hadamard %x size(4096) : tensor<2x4096xf32>
  return %0 : tensor<2x4096xf32>
}

// -----

// bf16 with several sweeps keeps the intermediate block in an f32 scratch.
// CHECK-LABEL: @bf16_scratch
// CHECK: %[[SCRATCH:.+]] = tensor.empty() : tensor<1024xf32>
// CHECK: scf.for {{.+}} iter_args(%{{.+}} = %{{.+}}, %{{.+}} = %[[SCRATCH]])
func.func @bf16_scratch(%x: tensor<2x1024xbf16>) -> tensor<2x1024xbf16> {
  %0 = ct.hadamard %x size(1024) : tensor<2x1024xbf16>
  return %0 : tensor<2x1024xbf16>
}

// -----

// Dynamic leading dimensions: the row count comes from the collapsed size;
// the output keeps the input's shape (so that it bufferizes into the
// caller's buffer) and blocks are addressed by delinearized indices.
// CHECK-LABEL: @dynamic_rows
// CHECK: %[[FLAT:.+]] = tensor.collapse_shape
// CHECK: %[[N:.+]] = tensor.dim %[[FLAT]]
// CHECK: %[[ROWS:.+]] = arith.divui %[[N]]
// CHECK: %[[OUT:.+]] = tensor.empty(%{{.+}}) : tensor<?x8x32xf32>
// CHECK: scf.for %{{.+}} = %{{.+}} to %[[ROWS]] {{.+}} iter_args(%{{.+}} = %[[OUT]])
// CHECK:   affine.delinearize_index
// CHECK:   vector.transfer_write {{.+}} : vector<16xf32>, tensor<?x8x32xf32>
func.func @dynamic_rows(%x: tensor<?x8x32xf32>) -> tensor<?x8x32xf32> {
  %0 = ct.hadamard %x size(32) : tensor<?x8x32xf32>
  return %0 : tensor<?x8x32xf32>
}

// -----

// The last dimension must be static to split it into blocks.
func.func @dynamic_last(%x: tensor<4x?xf32>) -> tensor<4x?xf32> {
  // expected-error @below {{lowering needs a static last dimension, got 'tensor<4x?xf32>'}}
  %0 = ct.hadamard %x size(16) : tensor<4x?xf32>
  return %0 : tensor<4x?xf32>
}

// -----

// ct.rotate: blocks as rows of a matmul in the matrix's type.
// CHECK-LABEL: @rotate_bf16_by_f32
// CHECK: %[[B:.+]] = tensor.expand_shape %{{.+}} {{\[\[}}0, 1]] output_shape [8, 4] : tensor<32xbf16> into tensor<8x4xbf16>
// CHECK: %[[X:.+]] = arith.extf %[[B]] : tensor<8x4xbf16> to tensor<8x4xf32>
// CHECK: %[[ACC:.+]] = linalg.fill
// CHECK: %[[P:.+]] = linalg.matmul ins(%[[X]], %{{.+}} : tensor<8x4xf32>, tensor<4x4xf32>) outs(%[[ACC]]
// CHECK: arith.truncf %[[P]] : tensor<8x4xf32> to tensor<8x4xbf16>
func.func @rotate_bf16_by_f32(%x: tensor<2x16xbf16>, %r: tensor<4x4xf32>) -> tensor<2x16xbf16> {
  %0 = ct.rotate %x by %r : tensor<2x16xbf16>, tensor<4x4xf32>
  return %0 : tensor<2x16xbf16>
}

// -----

// The inverse of an orthogonal constant is its transpose.
// CHECK-LABEL: @rotate_inverse_orthogonal
// CHECK: %[[T:.+]] = arith.constant dense<{{\[\[}}0.000000e+00, 1.000000e+00], [-1.000000e+00, 0.000000e+00]]> : tensor<2x2xf32>
// CHECK: linalg.matmul ins(%{{.+}}, %[[T]] :
func.func @rotate_inverse_orthogonal(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %r = arith.constant dense<[[0.0, -1.0], [1.0, 0.0]]> : tensor<2x2xf32>
  %0 = ct.rotate %x by %r inverse : tensor<3x2xf32>, tensor<2x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// A non-orthogonal constant (random-matrix) is truly inverted, in double:
// [[2, 1], [1, 1]]⁻¹ = [[1, -1], [-1, 2]].
// CHECK-LABEL: @rotate_inverse_general
// CHECK: %[[I:.+]] = arith.constant dense<{{\[\[}}1.000000e+00, -1.000000e+00], [-1.000000e+00, 2.000000e+00]]> : tensor<2x2xf32>
// CHECK: linalg.matmul ins(%{{.+}}, %[[I]] :
func.func @rotate_inverse_general(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %r = arith.constant dense<[[2.0, 1.0], [1.0, 1.0]]> : tensor<2x2xf32>
  %0 = ct.rotate %x by %r inverse : tensor<3x2xf32>, tensor<2x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @rotate_inverse_singular(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %r = arith.constant dense<[[1.0, 2.0], [2.0, 4.0]]> : tensor<2x2xf32>
  // expected-error @below {{inverse of a singular 'tensor<2x2xf32>' matrix}}
  %0 = ct.rotate %x by %r inverse : tensor<3x2xf32>, tensor<2x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @rotate_inverse_not_constant(%x: tensor<3x2xf32>, %r: tensor<2x2xf32>) -> tensor<3x2xf32> {
  // expected-error @below {{inverse needs a constant matrix, inverted at compile time: a matrix known only at run time may not be orthogonal}}
  %0 = ct.rotate %x by %r inverse : tensor<3x2xf32>, tensor<2x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @rotate_dynamic_last(%x: tensor<3x?xf32>, %r: tensor<2x2xf32>) -> tensor<3x?xf32> {
  // expected-error @below {{lowering needs a static last dimension, got 'tensor<3x?xf32>'}}
  %0 = ct.rotate %x by %r : tensor<3x?xf32>, tensor<2x2xf32>
  return %0 : tensor<3x?xf32>
}
