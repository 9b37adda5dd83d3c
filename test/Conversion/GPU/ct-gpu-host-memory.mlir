// RUN: ct-opt %s --ct-gpu-host-memory --split-input-file --verify-diagnostics | FileCheck %s

// Host allocations become GPU allocations freed on return: device memory
// when only kernels and gpu.memcpy touch them (the constant's copy), managed
// memory when the host does too (%buf, read by a strided host copy);
// contiguous host copies become gpu.memcpy; a constant global gets a copy
// kernels can read; kernels are left alone. The GPU ops are synchronous
// (ct-gpu-async-stream puts them on a stream).
// CHECK-LABEL: func.func @managed_temporaries(
// CHECK-SAME:      %[[ARG:.+]]: memref<64xf32>, %[[OUT:.+]]: memref<64xf32>
// CHECK-NOT:     gpu.wait
// CHECK:         %[[TABLE:.+]] = gpu.alloc () : memref<64xf32>
// CHECK-NEXT:    %[[GLOBAL:.+]] = memref.get_global @table
// CHECK-NEXT:    gpu.memcpy %[[TABLE]], %[[GLOBAL]] : memref<64xf32>, memref<64xf32>
// CHECK-NEXT:    %[[BUF:.+]] = gpu.alloc host_shared () : memref<64xf32>
// CHECK-NEXT:    gpu.memcpy %[[BUF]], %[[TABLE]] : memref<64xf32>, memref<64xf32>
// CHECK-NEXT:    gpu.launch
// CHECK:           memref.alloca
// CHECK:           memref.load %[[BUF]]
// CHECK:         memref.copy %{{.+}}, %{{.+}} : memref<4x4xf32, strided<[16, 1]>> to memref<4x4xf32, strided<[16, 1]>>
// CHECK-NEXT:    gpu.dealloc %[[TABLE]] : memref<64xf32>
// CHECK-NEXT:    gpu.dealloc %[[BUF]] : memref<64xf32>
// CHECK-NEXT:    return
memref.global "private" constant @table : memref<64xf32> = dense<1.0>
func.func @managed_temporaries(%arg: memref<64xf32>, %out: memref<64xf32>) {
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
  // Strided copies stay on the host (managed memory allows it).
  %expanded = memref.expand_shape %buf [[0, 1]] output_shape [4, 16] : memref<64xf32> into memref<4x16xf32>
  %sub = memref.subview %expanded[0, 0] [4, 4] [1, 1] : memref<4x16xf32> to memref<4x4xf32, strided<[16, 1]>>
  %expanded_out = memref.expand_shape %out [[0, 1]] output_shape [4, 16] : memref<64xf32> into memref<4x16xf32>
  %sub_out = memref.subview %expanded_out[0, 0] [4, 4] [1, 1] : memref<4x16xf32> to memref<4x4xf32, strided<[16, 1]>>
  memref.copy %sub, %sub_out : memref<4x4xf32, strided<[16, 1]>> to memref<4x4xf32, strided<[16, 1]>>
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
