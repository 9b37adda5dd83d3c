// RUN: ct-opt %s --ct-gpu-host-memory --split-input-file --verify-diagnostics | FileCheck %s

// Host allocations become managed memory freed on return; contiguous host
// copies become gpu.memcpy; kernels are left alone.
// CHECK-LABEL: func.func @managed_temporaries(
// CHECK-SAME:      %[[ARG:.+]]: memref<64xf32>, %[[OUT:.+]]: memref<64xf32>
// CHECK:         %[[GLOBAL:.+]] = memref.get_global @table
// CHECK:         %[[BUF:.+]] = gpu.alloc host_shared () : memref<64xf32>
// CHECK:         %[[T0:.+]] = gpu.wait async
// CHECK:         %[[T1:.+]] = gpu.memcpy async [%[[T0]]] %[[BUF]], %[[GLOBAL]] : memref<64xf32>, memref<64xf32>
// CHECK:         gpu.wait [%[[T1]]]
// CHECK:         gpu.launch
// CHECK:           memref.alloca
// CHECK:         memref.copy %{{.+}}, %{{.+}} : memref<4x4xf32, strided<[16, 1]>> to memref<4x4xf32, strided<[16, 1]>>
// CHECK:         %[[T2:.+]] = gpu.wait async
// CHECK:         %[[T3:.+]] = gpu.dealloc async [%[[T2]]] %[[BUF]] : memref<64xf32>
// CHECK:         gpu.wait [%[[T3]]]
// CHECK:         return
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
