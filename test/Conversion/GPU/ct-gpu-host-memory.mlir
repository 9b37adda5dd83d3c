// RUN: ct-opt %s --ct-gpu-host-memory --split-input-file --verify-diagnostics | FileCheck %s

// Host allocations become GPU allocations freed on return: device memory
// when only kernels and GPU copies touch them; contiguous host copies become
// gpu.memcpy, strided ones a kernel with a thread per element; a constant
// global gets a copy kernels can read; kernels are left alone. The GPU ops
// are synchronous (ct-gpu-async-stream puts them on a stream).
// CHECK-LABEL: func.func @device_temporaries(
// CHECK-SAME:      %[[ARG:.+]]: memref<64xf32>, %[[OUT:.+]]: memref<64xf32>
// CHECK-NOT:     gpu.wait
// CHECK:         %[[TABLE:.+]] = gpu.alloc () : memref<64xf32>
// CHECK-NEXT:    %[[GLOBAL:.+]] = memref.get_global @table
// CHECK-NEXT:    gpu.memcpy %[[TABLE]], %[[GLOBAL]] : memref<64xf32>, memref<64xf32>
// CHECK-NEXT:    %[[BUF:.+]] = gpu.alloc () : memref<64xf32>
// CHECK-NEXT:    gpu.memcpy %[[BUF]], %[[TABLE]] : memref<64xf32>, memref<64xf32>
// CHECK-NEXT:    gpu.launch
// CHECK:           memref.alloca
// CHECK:           memref.load %[[BUF]]
// CHECK:         %[[SUB:.+]] = memref.subview
// CHECK:         %[[SUB_OUT:.+]] = memref.subview
// CHECK-NOT:     memref.copy
// CHECK:         gpu.launch blocks(%[[BX:.+]], %{{.+}}, %{{.+}}) in ({{.+}}) threads(%[[TX:.+]], %{{.+}}, %{{.+}}) in (%[[SX:.+]] = %c16{{.*}},
// CHECK:           %[[BASE:.+]] = arith.muli %[[BX]], %[[SX]]
// CHECK:           %[[I:.+]] = arith.addi %[[BASE]], %[[TX]]
// CHECK:           %[[IN:.+]] = arith.cmpi ult, %[[I]], %c16
// CHECK:           scf.if %[[IN]] {
// CHECK:             %[[COL:.+]] = arith.remui %[[I]], %[[FOUR:.+]] : index
// CHECK:             %[[ROW:.+]] = arith.divui %[[I]], %[[FOUR]] : index
// CHECK:             %[[V:.+]] = memref.load %[[SUB]][%[[ROW]], %[[COL]]]
// CHECK:             memref.store %[[V]], %[[SUB_OUT]][%[[ROW]], %[[COL]]]
// CHECK:         gpu.dealloc %[[TABLE]] : memref<64xf32>
// CHECK-NEXT:    gpu.dealloc %[[BUF]] : memref<64xf32>
// CHECK-NEXT:    return
memref.global "private" constant @table : memref<64xf32> = dense<1.0>
func.func @device_temporaries(%arg: memref<64xf32>, %out: memref<64xf32>) {
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %g = memref.get_global @table : memref<64xf32>
  %buf = memref.alloc() : memref<64xf32>
  memref.copy %g, %buf : memref<64xf32> to memref<64xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    %scratch = memref.alloca() : memref<1xf32>
    %v = memref.load %buf[%tx] : memref<64xf32>
    %w = memref.load %arg[%tx] : memref<64xf32>
    %s = arith.addf %v, %w : f32
    memref.store %s, %out[%tx] : memref<64xf32>
    gpu.terminator
  }
  %expanded = memref.expand_shape %buf [[0, 1]] output_shape [4, 16] : memref<64xf32> into memref<4x16xf32>
  %sub = memref.subview %expanded[0, 0] [4, 4] [1, 1] : memref<4x16xf32> to memref<4x4xf32, strided<[16, 1]>>
  %expanded_out = memref.expand_shape %out [[0, 1]] output_shape [4, 16] : memref<64xf32> into memref<4x16xf32>
  %sub_out = memref.subview %expanded_out[0, 0] [4, 4] [1, 1] : memref<4x16xf32> to memref<4x4xf32, strided<[16, 1]>>
  memref.copy %sub, %sub_out : memref<4x4xf32, strided<[16, 1]>> to memref<4x4xf32, strided<[16, 1]>>
  return
}

// -----

// A temporary the host reads: managed memory, one pointer valid on both
// sides.
// CHECK-LABEL: func.func @managed_temporary(
// CHECK:         %[[T:.+]] = gpu.alloc host_shared () : memref<1xf32>
// CHECK:         gpu.launch
// CHECK:           memref.store %{{.+}}, %[[T]]
// CHECK:         memref.load %[[T]]
// CHECK:         gpu.dealloc %[[T]] : memref<1xf32>
func.func @managed_temporary(%out: memref<1xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %cst = arith.constant 2.0 : f32
  %tmp = memref.alloc() : memref<1xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    memref.store %cst, %tmp[%c0] : memref<1xf32>
    gpu.terminator
  }
  %v = memref.load %tmp[%c0] : memref<1xf32>
  memref.store %v, %out[%c0] : memref<1xf32>
  return
}

// -----

// A strided copy of a dynamic size: blocks of 256 threads, as many as the
// elements need.
// CHECK-LABEL: func.func @dynamic_strided_copy(
// CHECK-SAME:      %[[SRC:.+]]: memref<?x4xf32, strided<[16, 1]>>, %[[DST:.+]]: memref<?x4xf32, strided<[16, 1]>>
// CHECK:         %[[ROWS:.+]] = memref.dim %[[SRC]], %c0
// CHECK:         %[[COUNT:.+]] = arith.muli %[[ROWS]], %c4
// CHECK:         %[[BLOCKS:.+]] = arith.ceildivui %[[COUNT]], %c256
// CHECK:         gpu.launch blocks({{.+}}) in (%{{.+}} = %[[BLOCKS]], {{.+}}) threads({{.+}}) in (%{{.+}} = %c256
// CHECK:           arith.cmpi ult, %{{.+}}, %[[COUNT]]
// CHECK:           memref.load %[[SRC]]
// CHECK:           memref.store %{{.+}}, %[[DST]]
func.func @dynamic_strided_copy(%src: memref<?x4xf32, strided<[16, 1]>>, %dst: memref<?x4xf32, strided<[16, 1]>>) {
  memref.copy %src, %dst : memref<?x4xf32, strided<[16, 1]>> to memref<?x4xf32, strided<[16, 1]>>
  return
}

// -----

// A temporary only kernels touch, through a view: device memory.
// CHECK-LABEL: func.func @device_temporary(
// CHECK:         %[[T:.+]] = gpu.alloc () : memref<8x8xf32>
// CHECK:         %[[V:.+]] = memref.collapse_shape %[[T]]
// CHECK:         gpu.launch
// CHECK:           memref.store %{{.+}}, %[[V]]
// CHECK:         gpu.launch
// CHECK:           memref.load %[[T]]
// CHECK:         gpu.dealloc %[[T]] : memref<8x8xf32>
func.func @device_temporary(%out: memref<8x8xf32>) {
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %cst = arith.constant 2.0 : f32
  %tmp = memref.alloc() : memref<8x8xf32>
  %flat = memref.collapse_shape %tmp [[0, 1]] : memref<8x8xf32> into memref<64xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    memref.store %cst, %flat[%tx] : memref<64xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c8, %sy = %c8, %sz = %c1) {
    %v = memref.load %tmp[%tx, %ty] : memref<8x8xf32>
    memref.store %v, %out[%tx, %ty] : memref<8x8xf32>
    gpu.terminator
  }
  return
}

// -----

func.func @alloc_in_loop(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    // expected-error @below {{'memref.alloc' op in a host loop or branch is not supported by ct-gpu-host-memory (frees happen on return)}}
    %buf = memref.alloc() : memref<64xf32>
  }
  return
}

// -----

// expected-error @below {{'func.func' op returns a buffer; ct-gpu-host-memory expects results as out-parameters}}
func.func @returns_buffer() -> memref<64xf32> {
  %buf = memref.alloc() : memref<64xf32>
  return %buf : memref<64xf32>
}
