// RUN: ct-opt %s --ct-gpu-vectorize-parallel-loops --split-input-file | FileCheck %s

// f32 in, i8 out: 16 elements an iteration (16 bytes of the i8 output, four
// 16-byte vectors of the input); the per-row scale is loaded once, the
// arithmetic repeats per element.
// CHECK-LABEL: func.func @quantize_rows(
// CHECK-SAME:      %[[X:.+]]: memref<4x64xf32>, %[[S:.+]]: memref<4xf32>, %[[Q:.+]]: memref<4x64xi8>
// CHECK-DAG:     %[[XV:.+]] = memref.expand_shape %[[X]] {{\[}}[0], [1, 2]] output_shape [4, 4, 16] : memref<4x64xf32> into memref<4x4x16xf32>
// CHECK-DAG:     %[[QV:.+]] = memref.expand_shape %[[Q]] {{\[}}[0], [1, 2]] output_shape [4, 4, 16] : memref<4x64xi8> into memref<4x4x16xi8>
// CHECK:         %[[TILES:.+]] = arith.constant 4 : index
// CHECK:         scf.parallel (%[[I:.+]], %[[J:.+]]) = (%{{.+}}, %{{.+}}) to (%{{.+}}, %[[TILES]])
// CHECK:           %[[V:.+]] = vector.load %[[XV]][%[[I]], %[[J]], %{{.+}}] {alignment = 16 : i64} : memref<4x4x16xf32>, vector<16xf32>
// CHECK:           %[[SCALE:.+]] = memref.load %[[S]][%[[I]]]
// CHECK-NOT:       memref.load
// CHECK-COUNT-16:  arith.divf %{{.+}}, %[[SCALE]] : f32
// CHECK-COUNT-16:  arith.fptosi
// CHECK:           %[[CODES:.+]] = vector.from_elements {{.*}} : vector<16xi8>
// CHECK:           vector.store %[[CODES]], %[[QV]][%[[I]], %[[J]], %{{.+}}] {alignment = 16 : i64} : memref<4x4x16xi8>, vector<16xi8>
func.func @quantize_rows(%x: memref<4x64xf32>, %s: memref<4xf32>, %q: memref<4x64xi8>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c64) step (%c1, %c1) {
    %v = memref.load %x[%i, %j] : memref<4x64xf32>
    %scale = memref.load %s[%i] : memref<4xf32>
    %d = arith.divf %v, %scale : f32
    %r = arith.fptosi %d : f32 to i8
    memref.store %r, %q[%i, %j] : memref<4x64xi8>
    scf.reduce
  }
  return
}

// -----

// 4-bit codes: 16 elements (8 whole bytes) an iteration, stored as one vector
// that ct-pack-sub-byte-memrefs writes as bytes; the element index is
// materialized for the op that uses it.
// CHECK-LABEL: func.func @int4_codes(
// CHECK:         scf.parallel (%[[T:.+]]) = (%{{.+}}) to (%{{.+}}) step
// CHECK:           %[[FIRST:.+]] = arith.muli %[[T]], %{{.+}} : index
// CHECK-COUNT-16:  arith.index_cast
// CHECK:           vector.store %{{.+}}, %{{.+}}[%[[T]], %{{.+}}] {alignment = 8 : i64} : memref<8x16xi4>, vector<16xi4>
func.func @int4_codes(%q: memref<128xi4>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  scf.parallel (%i) = (%c0) to (%c128) step (%c1) {
    %n = arith.index_cast %i : index to i4
    memref.store %n, %q[%i] : memref<128xi4>
    scf.reduce
  }
  return
}

// -----

// Loops that are not elementwise in their innermost dimension stay: a store
// not at the innermost index, a body with a region, and a trip count no even
// width divides.
// CHECK-LABEL: func.func @not_elementwise(
// CHECK-NOT:     vector.
// CHECK-COUNT-3: scf.parallel
// CHECK-NOT:     vector.
func.func @not_elementwise(%x: memref<4x64xf32>, %y: memref<64x4xf32>, %z: memref<7xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c7 = arith.constant 7 : index
  %c64 = arith.constant 64 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c64) step (%c1, %c1) {
    %v = memref.load %x[%i, %j] : memref<4x64xf32>
    memref.store %v, %y[%j, %i] : memref<64x4xf32>
    scf.reduce
  }
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c64) step (%c1, %c1) {
    %v = memref.load %x[%i, %j] : memref<4x64xf32>
    %w = scf.for %k = %c0 to %c4 step %c1 iter_args(%a = %v) -> f32 {
      %s = arith.addf %a, %a : f32
      scf.yield %s : f32
    }
    memref.store %w, %x[%i, %j] : memref<4x64xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c7) step (%c1) {
    %v = memref.load %z[%i] : memref<7xf32>
    memref.store %v, %z[%i] : memref<7xf32>
    scf.reduce
  }
  return
}
