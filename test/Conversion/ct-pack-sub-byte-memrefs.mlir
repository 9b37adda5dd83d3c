// RUN: ct-opt %s --ct-pack-sub-byte-memrefs --split-input-file --verify-diagnostics | FileCheck %s

// A public function takes its 4-bit arguments as the caller's packed bytes
// [..., C/2] and collapses them into the flat buffer the emulation uses. A
// load reads byte (i * 8 + j) / 2 and shifts by 4 * (j mod 2): element 2i
// in the low nibble, 2i+1 in the high one.
// CHECK-DAG: #[[BYTE:.+]] = affine_map<()[s0, s1] -> (s0 * 4 + s1 floordiv 2)>
// CHECK-DAG: #[[SHIFT:.+]] = affine_map<()[s0] -> (s0 * 4 - (s0 floordiv 2) * 8)>
// CHECK-LABEL: func.func @load_i4
// CHECK-SAME: (%[[ARG:.+]]: memref<2x4xi8>, %[[I:.+]]: index, %[[J:.+]]: index) -> i4
// CHECK: %[[FLAT:.+]] = memref.collapse_shape %[[ARG]] {{\[}}[0, 1]] : memref<2x4xi8> into memref<8xi8>
// CHECK: %[[INDEX:.+]] = affine.apply #[[BYTE]]()[%[[I]], %[[J]]]
// CHECK: %[[BYTE_VALUE:.+]] = memref.load %[[FLAT]][%[[INDEX]]] : memref<8xi8>
// CHECK: %[[BITS:.+]] = affine.apply #[[SHIFT]]()[%[[J]]]
// CHECK: %[[AMOUNT:.+]] = arith.index_cast %[[BITS]] : index to i8
// CHECK: %[[SHIFTED:.+]] = arith.shrsi %[[BYTE_VALUE]], %[[AMOUNT]] : i8
// CHECK: %[[VALUE:.+]] = arith.trunci %[[SHIFTED]] : i8 to i4
// CHECK: return %[[VALUE]] : i4
func.func @load_i4(%m: memref<2x8xi4>, %i: index, %j: index) -> i4 {
  %v = memref.load %m[%i, %j] : memref<2x8xi4>
  return %v : i4
}

// -----

// f4E2M1FN buffers are packed as their i4 bits; a store clears the nibble
// and ors in the new one.
// CHECK-LABEL: func.func @store_f4
// CHECK-SAME: (%[[ARG:.+]]: memref<3x2xi8>, %[[V:.+]]: f4E2M1FN, %[[I:.+]]: index, %[[J:.+]]: index)
// CHECK: %[[FLAT:.+]] = memref.collapse_shape %[[ARG]] {{\[}}[0, 1]] : memref<3x2xi8> into memref<6xi8>
// CHECK: %[[BITS:.+]] = arith.bitcast %[[V]] : f4E2M1FN to i4
// CHECK: %[[WIDE:.+]] = arith.extui %[[BITS]] : i4 to i8
// CHECK: memref.atomic_rmw andi %{{.+}}, %[[FLAT]][%{{.+}}] : (i8, memref<6xi8>) -> i8
// CHECK: memref.atomic_rmw ori %{{.+}}, %[[FLAT]][%{{.+}}] : (i8, memref<6xi8>) -> i8
// CHECK-NOT: f4E2M1FN
func.func @store_f4(%m: memref<3x4xf4E2M1FN>, %v: f4E2M1FN, %i: index, %j: index) {
  memref.store %v, %m[%i, %j] : memref<3x4xf4E2M1FN>
  return
}

// -----

// A temporary is packed along its flattened elements, so an odd innermost
// size is fine inside a function; loads of f4E2M1FN are bitcast back.
// CHECK-LABEL: func.func @temporary
// CHECK: %[[ALLOC:.+]] = memref.alloc() : memref<8xi8>
// CHECK: memref.load %[[ALLOC]][%{{.+}}] : memref<8xi8>
// CHECK: %[[CODE:.+]] = arith.trunci %{{.+}} : i8 to i4
// CHECK: %[[VALUE:.+]] = arith.bitcast %[[CODE]] : i4 to f4E2M1FN
// CHECK: memref.dealloc %[[ALLOC]] : memref<8xi8>
// CHECK: return %[[VALUE]] : f4E2M1FN
func.func @temporary(%i: index, %j: index) -> f4E2M1FN {
  %m = memref.alloc() : memref<5x3xf4E2M1FN>
  %v = memref.load %m[%i, %j] : memref<5x3xf4E2M1FN>
  memref.dealloc %m : memref<5x3xf4E2M1FN>
  return %v : f4E2M1FN
}

// -----

// Wider types are left alone.
// CHECK-LABEL: func.func @wide
// CHECK-SAME: (%{{.+}}: memref<4x3xi8>, %{{.+}}: memref<2xf8E4M3FN>)
func.func @wide(%a: memref<4x3xi8>, %b: memref<2xf8E4M3FN>) {
  return
}

// -----

// expected-error @below {{argument #0 has type 'memref<4x3xi4>', which cannot be passed packed: 4-bit buffers hold two elements per byte along the innermost dimension, which must have an even size (and an identity layout)}}
func.func @odd(%m: memref<4x3xi4>) {
  return
}

// -----

func.func @vector_access(%m: memref<8xf4E2M1FN>) -> vector<8xf4E2M1FN> {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0.0 : f4E2M1FN
  // expected-error @below {{'vector.transfer_read' op accesses a f4E2M1FN buffer, which ct-pack-sub-byte-memrefs cannot pack (only memref loads and stores, and vector loads whose codes are only bitcast, may read or write its elements)}}
  %v = vector.transfer_read %m[%c0], %pad : memref<8xf4E2M1FN>, vector<8xf4E2M1FN>
  return %v : vector<8xf4E2M1FN>
}

// -----

// expected-error @below {{is called inside the module and takes 4-bit buffers, which public functions take packed as [..., C/2] bytes}}
func.func @callee(%m: memref<2x2xi4>) {
  return
}
func.func @caller(%m: memref<2x2xi4>) {
  func.call @callee(%m) : (memref<2x2xi4>) -> ()
  return
}

// -----

// A loop storing consecutive 4-bit elements (a linalg op's loops) is
// unrolled to store 16 of them at once: whole bytes, no read-modify-write.
// CHECK-LABEL: func.func @loop_store_f4
// CHECK-SAME: (%{{.+}}: memref<2x32xf32>, %[[ARG:.+]]: memref<2x16xi8>)
// CHECK: %[[FLAT:.+]] = memref.collapse_shape %[[ARG]] {{\[}}[0, 1]] : memref<2x16xi8> into memref<32xi8>
// CHECK: scf.for %[[J:.+]] = %{{.+}} to %{{.+}} step %[[C16:.+]] {
// CHECK-COUNT-16: arith.bitcast %{{.+}} : f4E2M1FN to i4
// CHECK: %[[CODES:.+]] = vector.from_elements %{{.+}} : vector<16xi4>
// CHECK: %[[BYTES:.+]] = vector.bitcast %[[CODES]] : vector<16xi4> to vector<8xi8>
// CHECK: vector.store %[[BYTES]], %[[FLAT]][%{{.+}}] : memref<32xi8>, vector<8xi8>
// CHECK-NOT: atomic_rmw
// CHECK: return
func.func @loop_store_f4(%x: memref<2x32xf32>, %m: memref<2x32xf4E2M1FN>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c32 = arith.constant 32 : index
  scf.for %i = %c0 to %c2 step %c1 {
    scf.for %j = %c0 to %c32 step %c1 {
      %v = memref.load %x[%i, %j] : memref<2x32xf32>
      %f = arith.truncf %v : f32 to f4E2M1FN
      memref.store %f, %m[%i, %j] : memref<2x32xf4E2M1FN>
    }
  }
  return
}

// -----

// Fewer elements at once where the trip count needs it: 6 = 3 x 2.
// CHECK-LABEL: func.func @loop_store_pairs
// CHECK: vector.from_elements %{{.+}}, %{{.+}} : vector<2xi4>
// CHECK: vector.bitcast %{{.+}} : vector<2xi4> to vector<1xi8>
// CHECK: vector.store %{{.+}} : memref<3xi8>, vector<1xi8>
// CHECK-NOT: atomic_rmw
func.func @loop_store_pairs(%x: memref<6xf32>, %m: memref<6xi4>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c6 = arith.constant 6 : index
  scf.for %j = %c0 to %c6 step %c1 {
    %v = memref.load %x[%j] : memref<6xf32>
    %q = arith.fptosi %v : f32 to i4
    memref.store %q, %m[%j] : memref<6xi4>
  }
  return
}

// -----

// Loops that read 4-bit buffers (which may alias the stored one) or whose
// elements do not start bytes keep one read-modify-write per element.
// CHECK-LABEL: func.func @loop_copy_i4
// CHECK-NOT: vector.store
// CHECK: memref.atomic_rmw andi
// CHECK: memref.atomic_rmw ori
// CHECK-LABEL: func.func @loop_odd_start
// CHECK-NOT: vector.store
// CHECK: memref.atomic_rmw andi
// CHECK: memref.atomic_rmw ori
func.func @loop_copy_i4(%a: memref<6xi4>, %m: memref<6xi4>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c6 = arith.constant 6 : index
  scf.for %j = %c0 to %c6 step %c1 {
    %v = memref.load %a[%j] : memref<6xi4>
    memref.store %v, %m[%j] : memref<6xi4>
  }
  return
}
func.func @loop_odd_start(%x: memref<6xf32>, %m: memref<6xi4>) {
  %c1 = arith.constant 1 : index
  %c5 = arith.constant 5 : index
  scf.for %j = %c1 to %c5 step %c1 {
    %v = memref.load %x[%j] : memref<6xf32>
    %q = arith.fptosi %v : f32 to i4
    memref.store %q, %m[%j] : memref<6xi4>
  }
  return
}

// -----

// A vector load of whole bytes of a 1-D buffer that states its alignment
// (ct-attention-to-gpu's packed KV-cache codes) loads those bytes with that
// alignment, so that LLVM makes it one 4-byte load.
// CHECK-LABEL: func.func @aligned_vector_load
// CHECK-SAME: (%[[ARG:.+]]: memref<4x8xi8>, %[[I:.+]]: index)
// CHECK: %[[FLAT:.+]] = memref.collapse_shape %[[ARG]] {{\[}}[0, 1]] : memref<4x8xi8> into memref<32xi8>
// CHECK: %[[BYTE:.+]] = arith.divui %[[I]], %c2 : index
// CHECK: %[[BYTES:.+]] = vector.load %[[FLAT]][%[[BYTE]]] {alignment = 4 : i64} : memref<32xi8>, vector<4xi8>
// CHECK: vector.bitcast %[[BYTES]] : vector<4xi8> to vector<1xi32>
func.func @aligned_vector_load(%m: memref<4x16xi4>, %i: index) -> vector<1xi32> {
  %flat = memref.collapse_shape %m [[0, 1]] : memref<4x16xi4> into memref<64xi4>
  %v = vector.load %flat[%i] {alignment = 4 : i64} : memref<64xi4>, vector<8xi4>
  %w = vector.bitcast %v : vector<8xi4> to vector<1xi32>
  return %w : vector<1xi32>
}

// -----

// An in-bounds transfer read of 4-bit integer codes (ct-lower-attention's
// reads of a packed cache row, 8 codes at a time) is a load of their 4 bytes,
// widened with shifts and an interleave of low and high nibbles rather than
// through a bitcast to 4-bit lanes (which LLVM legalizes through memory).
// CHECK-LABEL: func.func @transfer_read_codes
// CHECK-SAME: (%[[ARG:.+]]: memref<4x8xi8>, %[[ROW:.+]]: index, %[[J:.+]]: index)
// CHECK: %[[FOUR:.+]] = arith.constant dense<4> : vector<4xi8>
// CHECK: %[[FLAT:.+]] = memref.collapse_shape %[[ARG]]
// CHECK: %[[BYTE:.+]] = affine.apply #{{.+}}()[%[[ROW]], %[[J]]]
// CHECK: %[[BYTES:.+]] = vector.load %[[FLAT]][%[[BYTE]]] : memref<32xi8>, vector<4xi8>
// CHECK: %[[UP:.+]] = arith.shli %[[BYTES]], %[[FOUR]] : vector<4xi8>
// CHECK: %[[LOW:.+]] = arith.shrsi %[[UP]], %[[FOUR]] : vector<4xi8>
// CHECK: %[[HIGH:.+]] = arith.shrsi %[[BYTES]], %[[FOUR]] : vector<4xi8>
// CHECK: %[[CODES:.+]] = vector.interleave %[[LOW]], %[[HIGH]] : vector<4xi8> -> vector<8xi8>
// CHECK: arith.sitofp %[[CODES]] : vector<8xi8> to vector<8xf32>
// CHECK-NOT: vector.transfer_read
func.func @transfer_read_codes(%m: memref<4x16xi4>, %row: index, %j: index) -> vector<8xf32> {
  %pad = arith.constant 0 : i4
  %v = vector.transfer_read %m[%row, %j], %pad {in_bounds = [true]} : memref<4x16xi4>, vector<8xi4>
  %f = arith.sitofp %v : vector<8xi4> to vector<8xf32>
  return %f : vector<8xf32>
}

// -----

// fp4 codes that a vector load only bitcasts (ct-attention-to-gpu's fp4
// caches) are loaded from the packed bytes as the same bits, like i4 codes
// (@aligned_vector_load).
// CHECK-LABEL: func.func @aligned_vector_load_f4
// CHECK-SAME: (%{{.+}}: memref<4x8xi8>, %{{.+}}: index)
// CHECK-NOT: f4E2M1FN
// CHECK: vector.load %{{.+}} {alignment = 4 : i64}
// CHECK-NOT: f4E2M1FN
// CHECK: return
func.func @aligned_vector_load_f4(%m: memref<4x16xf4E2M1FN>, %i: index) -> vector<1xi32> {
  %flat = memref.collapse_shape %m [[0, 1]] : memref<4x16xf4E2M1FN> into memref<64xf4E2M1FN>
  %v = vector.load %flat[%i] {alignment = 4 : i64} : memref<64xf4E2M1FN>, vector<8xf4E2M1FN>
  %w = vector.bitcast %v : vector<8xf4E2M1FN> to vector<1xi32>
  return %w : vector<1xi32>
}

// -----

// A store through a subview at a dynamic offset (a KV-cache row written at
// the position) stores into the buffer at the offset indices: a nibble
// read-modify-write of the byte with atomic and/or.
// CHECK-LABEL: func.func @dynamic_subview
// CHECK-SAME: (%[[ARG:.+]]: memref<4x8xi8>, %{{.+}}: memref<8xi8>, %[[ROW:.+]]: index, %[[J:.+]]: index)
// CHECK: %[[FLAT:.+]] = memref.collapse_shape %[[ARG]]
// CHECK-NOT: memref.subview
// CHECK: %[[BYTE:.+]] = affine.apply #{{.+}}()[%[[ROW]], %[[J]]]
// CHECK: memref.atomic_rmw andi %{{.+}}, %[[FLAT]][%[[BYTE]]]
// CHECK: memref.atomic_rmw ori %{{.+}}, %[[FLAT]][%[[BYTE]]]
func.func @dynamic_subview(%m: memref<4x16xi4>, %src: memref<16xi4>, %row: index, %j: index) {
  %s = memref.subview %m[%row, 0] [1, 16] [1, 1] : memref<4x16xi4> to memref<1x16xi4, strided<[16, 1], offset: ?>>
  %c0 = arith.constant 0 : index
  %x = memref.load %src[%j] : memref<16xi4>
  memref.store %x, %s[%c0, %j] : memref<1x16xi4, strided<[16, 1], offset: ?>>
  return
}

// -----

// A copy into such a subview (the new row of a cache that is not written in
// place, a host copy) becomes loops of element loads and stores.
// CHECK-LABEL: func.func @dynamic_subview_copy
// CHECK-SAME: (%[[ARG:.+]]: memref<4x8xi8>, %{{.+}}: memref<1x8xi8>, %[[ROW:.+]]: index)
// CHECK-NOT: memref.subview
// CHECK: scf.for %[[I:.+]] = %c0 to %c1
// CHECK:   scf.for
// CHECK:     memref.load
// CHECK:     affine.apply #{{.+}}()[%{{.+}}, %[[ROW]], %[[I]]]
// CHECK:     memref.atomic_rmw andi
// CHECK:     memref.atomic_rmw ori
func.func @dynamic_subview_copy(%m: memref<4x16xi4>, %src: memref<1x16xi4>, %row: index) {
  %s = memref.subview %m[%row, 0] [1, 16] [1, 1] : memref<4x16xi4> to memref<1x16xi4, strided<[16, 1], offset: ?>>
  memref.copy %src, %s : memref<1x16xi4> to memref<1x16xi4, strided<[16, 1], offset: ?>>
  return
}

// -----

// A vector load through such a subview loads the row's bytes of the buffer.
// CHECK-LABEL: func.func @dynamic_subview_vector_load
// CHECK-SAME: (%[[ARG:.+]]: memref<4x8xi8>, %[[ROW:.+]]: index)
// CHECK: %[[FLAT:.+]] = memref.collapse_shape %[[ARG]]
// CHECK: %[[BYTE:.+]] = affine.apply #{{.+}}()[%[[ROW]]]
// CHECK: %[[BYTES:.+]] = vector.load %[[FLAT]][%[[BYTE]]] : memref<32xi8>, vector<8xi8>
// CHECK: vector.bitcast %[[BYTES]] : vector<8xi8> to vector<16xi4>
func.func @dynamic_subview_vector_load(%m: memref<4x16xi4>, %row: index) -> vector<16xi4> {
  %c0 = arith.constant 0 : index
  %s = memref.subview %m[%row, 0] [1, 16] [1, 1] : memref<4x16xi4> to memref<1x16xi4, strided<[16, 1], offset: ?>>
  %v = vector.load %s[%c0, %c0] : memref<1x16xi4, strided<[16, 1], offset: ?>>, vector<16xi4>
  return %v : vector<16xi4>
}

// -----

// The new row of a decode step's cache, one row longer than the past one,
// written at the constant position 7 (ct-materialize-kv-cache): the row of
// each head, [1, 2, 1, 16] of [1, 2, 8, 16], is not contiguous, which the
// emulation cannot pack. A thread's 16 codes, stored through the reshape of
// a vectorized loop, are the 8 bytes at 64 * head + 56 of the cache, still
// aligned; a single code stays an atomic read-modify-write of its byte.
// CHECK-LABEL: func.func @static_row_store
// CHECK-SAME: (%[[ARG:.+]]: memref<1x2x8x8xi8>, %[[CODES:.+]]: vector<16xi4>, %[[X:.+]]: i4, %[[J:.+]]: index)
// CHECK: %[[FLAT:.+]] = memref.collapse_shape %[[ARG]]
// CHECK-NOT: memref.subview
// CHECK-NOT: memref.expand_shape
// CHECK: threads(%[[HEAD:.+]], %{{.+}}, %{{.+}}) in
// CHECK: %[[SCALED:.+]] = arith.muli %[[HEAD]], %c128
// CHECK: %[[ELEMENT:.+]] = arith.addi %[[SCALED]], %c112
// CHECK: %[[BYTE:.+]] = arith.divui %[[ELEMENT]], %c2
// CHECK: %[[BYTES:.+]] = vector.bitcast %[[CODES]] : vector<16xi4> to vector<8xi8>
// CHECK: vector.store %[[BYTES]], %[[FLAT]][%[[BYTE]]] {alignment = 8 : i64} : memref<128xi8>, vector<8xi8>
// CHECK: %[[NIBBLE_BYTE:.+]] = affine.apply #{{.+}}()[%[[HEAD]], %[[J]]]
// CHECK: memref.atomic_rmw andi %{{.+}}, %[[FLAT]][%[[NIBBLE_BYTE]]]
// CHECK: memref.atomic_rmw ori %{{.+}}, %[[FLAT]][%[[NIBBLE_BYTE]]]
func.func @static_row_store(%cache: memref<1x2x8x16xi4>, %codes: vector<16xi4>, %x: i4, %j: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %row = memref.subview %cache[0, 0, 7, 0] [1, 2, 1, 16] [1, 1, 1, 1] : memref<1x2x8x16xi4> to memref<1x2x1x16xi4, strided<[256, 128, 16, 1], offset: 112>>
  %words = memref.expand_shape %row [[0], [1], [2], [3, 4]] output_shape [1, 2, 1, 1, 16] : memref<1x2x1x16xi4, strided<[256, 128, 16, 1], offset: 112>> into memref<1x2x1x1x16xi4, strided<[256, 128, 16, 16, 1], offset: 112>>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1) threads(%tx, %ty, %tz) in (%sx = %c2, %sy = %c1, %sz = %c1) {
    vector.store %codes, %words[%c0, %tx, %c0, %c0, %c0] {alignment = 8 : i64} : memref<1x2x1x1x16xi4, strided<[256, 128, 16, 16, 1], offset: 112>>, vector<16xi4>
    memref.store %x, %row[%c0, %tx, %c0, %j] : memref<1x2x1x16xi4, strided<[256, 128, 16, 1], offset: 112>>
    gpu.terminator
  }
  return
}

// -----

// The rows of the past cache copied into the first rows of the new one
// (a cache that is not written in place): element loops.
// CHECK-LABEL: func.func @static_rows_copy
// CHECK-NOT: memref.subview
// CHECK: scf.for
// CHECK: memref.atomic_rmw ori
func.func @static_rows_copy(%past: memref<2x7x16xi4>, %cache: memref<2x8x16xi4>) {
  %rows = memref.subview %cache[0, 0, 0] [2, 7, 16] [1, 1, 1] : memref<2x8x16xi4> to memref<2x7x16xi4, strided<[128, 16, 1]>>
  memref.copy %past, %rows : memref<2x7x16xi4> to memref<2x7x16xi4, strided<[128, 16, 1]>>
  return
}

// -----

func.func @dynamic_subview_transfer_read(%m: memref<4x16xi4>, %row: index) -> vector<16xi4> {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0 : i4
  %s = memref.subview %m[%row, 0] [1, 16] [1, 1] : memref<4x16xi4> to memref<1x16xi4, strided<[16, 1], offset: ?>>
  // expected-error @below {{'vector.transfer_read' op uses a view of a 4-bit buffer at a dynamic offset or with non-contiguous elements, which ct-pack-sub-byte-memrefs can only fold into memref and vector loads and stores and into copies}}
  %v = vector.transfer_read %s[%c0, %c0], %pad : memref<1x16xi4, strided<[16, 1], offset: ?>>, vector<16xi4>
  return %v : vector<16xi4>
}

// -----

func.func @dynamic_rows_copy(%src: memref<?x16xi4>, %m: memref<4x16xi4>, %n: index) {
  %s = memref.subview %m[0, 0] [%n, 16] [1, 1] : memref<4x16xi4> to memref<?x16xi4, strided<[16, 1]>>
  // expected-error @below {{'memref.copy' op of a view of a 4-bit buffer at a dynamic offset or with non-contiguous elements must have a static shape}}
  memref.copy %src, %s : memref<?x16xi4> to memref<?x16xi4, strided<[16, 1]>>
  return
}
