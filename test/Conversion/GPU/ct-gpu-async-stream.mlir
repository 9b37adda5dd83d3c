// RUN: ct-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(ct-gpu-async-stream))' | FileCheck %s

// A decode step: temporaries, a constant's copy, two launches and the frees
// run on one stream (one gpu.wait async) in program order; index math and
// memref views between them do not stop it; the host waits once, before it
// returns.
// CHECK-LABEL: func.func @one_stream_per_call(
// CHECK-SAME:      %[[OUT:.+]]: memref<64xf32>
// CHECK:         %[[S:.+]] = gpu.wait async
// CHECK-NEXT:    %[[TMP:.+]], %[[T0:.+]] = gpu.alloc async [%[[S]]] () : memref<64xf32>
// CHECK-NEXT:    %[[TABLE:.+]], %[[T1:.+]] = gpu.alloc async [%[[T0]]] () : memref<64xf32>
// CHECK-NEXT:    %[[GLOBAL:.+]] = memref.get_global @table
// CHECK-NEXT:    %[[T2:.+]] = gpu.memcpy async [%[[T1]]] %[[TABLE]], %[[GLOBAL]]
// CHECK-NEXT:    %[[T3:.+]] = gpu.launch_func async [%[[T2]]] @kernels::@fill {{.*}} args(%[[TMP]] : memref<64xf32>)
// CHECK-NEXT:    %[[VIEW:.+]] = memref.expand_shape %[[TMP]]
// CHECK-NEXT:    %[[N:.+]] = arith.addi
// CHECK-NEXT:    %[[T4:.+]] = gpu.launch_func async [%[[T3]]] @kernels::@add {{.*}} args(%[[VIEW]] : memref<8x8xf32>, %[[TABLE]] : memref<64xf32>, %[[OUT]] : memref<64xf32>)
// CHECK-NEXT:    %[[T5:.+]] = gpu.dealloc async [%[[T4]]] %[[TMP]]
// CHECK-NEXT:    %[[T6:.+]] = gpu.dealloc async [%[[T5]]] %[[TABLE]]
// CHECK-NEXT:    gpu.wait [%[[T6]]]
// CHECK-NEXT:    return
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @fill(%a: memref<64xf32>) kernel { gpu.return }
    gpu.func @add(%a: memref<8x8xf32>, %b: memref<64xf32>, %c: memref<64xf32>) kernel { gpu.return }
  }
  memref.global "private" constant @table : memref<64xf32> = dense<1.0>
  func.func @one_stream_per_call(%out: memref<64xf32>) {
    %c1 = arith.constant 1 : index
    %c64 = arith.constant 64 : index
    %tmp = gpu.alloc () : memref<64xf32>
    %table = gpu.alloc () : memref<64xf32>
    %g = memref.get_global @table : memref<64xf32>
    gpu.memcpy %table, %g : memref<64xf32>, memref<64xf32>
    gpu.launch_func @kernels::@fill blocks in (%c1, %c1, %c1) threads in (%c64, %c1, %c1) args(%tmp : memref<64xf32>)
    %view = memref.expand_shape %tmp [[0, 1]] output_shape [8, 8] : memref<64xf32> into memref<8x8xf32>
    %n = arith.addi %c1, %c1 : index
    gpu.launch_func @kernels::@add blocks in (%n, %c1, %c1) threads in (%c64, %c1, %c1) args(%view : memref<8x8xf32>, %table : memref<64xf32>, %out : memref<64xf32>)
    gpu.dealloc %tmp : memref<64xf32>
    gpu.dealloc %table : memref<64xf32>
    return
  }
}

// -----

// The host reads what the first kernel wrote: it waits for the stream
// before the load; the second launch starts a new stream. Managed memory is
// allocated synchronously and does not end a stream.
// CHECK-LABEL: func.func @host_load_waits(
// CHECK:         %[[S0:.+]] = gpu.wait async
// CHECK-NEXT:    %[[T0:.+]] = gpu.launch_func async [%[[S0]]] @kernels::@fill
// CHECK-NEXT:    %[[BUF:.+]] = gpu.alloc host_shared () : memref<64xf32>
// CHECK-NEXT:    %[[T1:.+]] = gpu.launch_func async [%[[T0]]] @kernels::@fill {{.*}} args(%[[BUF]] : memref<64xf32>)
// CHECK-NEXT:    gpu.wait [%[[T1]]]
// CHECK-NEXT:    memref.load %[[BUF]]
// CHECK-NEXT:    %[[S1:.+]] = gpu.wait async
// CHECK-NEXT:    %[[T2:.+]] = gpu.launch_func async [%[[S1]]] @kernels::@scale
// CHECK-NEXT:    %[[T3:.+]] = gpu.dealloc async [%[[T2]]] %[[BUF]]
// CHECK-NEXT:    gpu.wait [%[[T3]]]
// CHECK-NEXT:    return
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @fill(%a: memref<64xf32>) kernel { gpu.return }
    gpu.func @scale(%a: memref<64xf32>, %s: f32) kernel { gpu.return }
  }
  func.func @host_load_waits(%arg: memref<64xf32>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c64 = arith.constant 64 : index
    gpu.launch_func @kernels::@fill blocks in (%c1, %c1, %c1) threads in (%c64, %c1, %c1) args(%arg : memref<64xf32>)
    %buf = gpu.alloc host_shared () : memref<64xf32>
    gpu.launch_func @kernels::@fill blocks in (%c1, %c1, %c1) threads in (%c64, %c1, %c1) args(%buf : memref<64xf32>)
    %s = memref.load %buf[%c0] : memref<64xf32>
    gpu.launch_func @kernels::@scale blocks in (%c1, %c1, %c1) threads in (%c64, %c1, %c1) args(%arg : memref<64xf32>, %s : f32)
    gpu.dealloc %buf : memref<64xf32>
    return
  }
}

// -----

// GPU work in a host loop: the stream before the loop is waited for, the
// loop body has a stream of its own, waited for at the end of the
// iteration.
// CHECK-LABEL: func.func @loop_waits(
// CHECK:         %[[S0:.+]] = gpu.wait async
// CHECK-NEXT:    %[[T0:.+]] = gpu.launch_func async [%[[S0]]] @kernels::@fill
// CHECK-NEXT:    gpu.wait [%[[T0]]]
// CHECK-NEXT:    scf.for
// CHECK-NEXT:      %[[S1:.+]] = gpu.wait async
// CHECK-NEXT:      %[[T1:.+]] = gpu.launch_func async [%[[S1]]] @kernels::@fill
// CHECK-NEXT:      gpu.wait [%[[T1]]]
// CHECK-NEXT:    }
// CHECK-NEXT:    return
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @fill(%a: memref<64xf32>) kernel { gpu.return }
  }
  func.func @loop_waits(%arg: memref<64xf32>, %n: index) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c64 = arith.constant 64 : index
    gpu.launch_func @kernels::@fill blocks in (%c1, %c1, %c1) threads in (%c64, %c1, %c1) args(%arg : memref<64xf32>)
    scf.for %i = %c0 to %n step %c1 {
      gpu.launch_func @kernels::@fill blocks in (%c1, %c1, %c1) threads in (%c64, %c1, %c1) args(%arg : memref<64xf32>)
    }
    return
  }
}

// -----

// Kernels not yet outlined go on the stream too (gpu-kernel-outlining keeps
// their tokens); their bodies are device code, left alone. A host copy
// waits.
// CHECK-LABEL: func.func @inline_launch(
// CHECK:         %[[S0:.+]] = gpu.wait async
// CHECK-NEXT:    %[[T0:.+]] = gpu.launch async [%[[S0]]] blocks
// CHECK-NEXT:      memref.store
// CHECK-NEXT:      gpu.terminator
// CHECK-NEXT:    }
// CHECK-NEXT:    %[[T1:.+]] = gpu.memset async [%[[T0]]]
// CHECK-NEXT:    gpu.wait [%[[T1]]]
// CHECK-NEXT:    memref.copy
// CHECK-NEXT:    return
func.func @inline_launch(%arg: memref<64xf32>, %out: memref<64xf32>) {
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %cst = arith.constant 2.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    memref.store %cst, %arg[%tx] : memref<64xf32>
    gpu.terminator
  }
  gpu.memset %out, %cst : memref<64xf32>, f32
  memref.copy %arg, %out : memref<64xf32> to memref<64xf32>
  return
}

// -----

// GPU ops that already carry tokens are their author's: the stream is
// waited for before them and they keep their dependencies.
// CHECK-LABEL: func.func @existing_tokens_left_alone(
// CHECK:         %[[S0:.+]] = gpu.wait async
// CHECK-NEXT:    %[[T0:.+]] = gpu.memcpy async [%[[S0]]] %[[A:.+]], %[[B:.+]] :
// CHECK-NEXT:    gpu.wait [%[[T0]]]
// CHECK-NEXT:    %[[E0:.+]] = gpu.wait async
// CHECK-NEXT:    %[[E1:.+]] = gpu.memcpy async [%[[E0]]] %[[B]], %[[A]] :
// CHECK-NEXT:    gpu.wait [%[[E1]]]
// CHECK-NEXT:    return
func.func @existing_tokens_left_alone(%a: memref<64xf32>, %b: memref<64xf32>) {
  gpu.memcpy %a, %b : memref<64xf32>, memref<64xf32>
  %e0 = gpu.wait async
  %e1 = gpu.memcpy async [%e0] %b, %a : memref<64xf32>, memref<64xf32>
  gpu.wait [%e1]
  return
}
