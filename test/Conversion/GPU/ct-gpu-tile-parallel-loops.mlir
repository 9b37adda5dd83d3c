// RUN: ct-opt %s --ct-gpu-tile-parallel-loops="threads-per-block=128" --split-input-file | FileCheck %s

// A 3-d loop becomes one dimension of 2·3·64 iterations, tiled by 128: the
// tile loop becomes the grid, the loop inside a tile the threads, and the
// original indices are recovered from the linear one.
// CHECK-LABEL: func.func @collapse_and_tile(
// CHECK:         %[[C128:.+]] = arith.constant 128 : index
// CHECK:         %[[STEP:.+]] = arith.muli %{{.+}}, %[[C128]] : index
// CHECK:         scf.parallel (%[[TILE:.+]]) = (%{{[^)]+}}) to (%[[TRIP:[^)]+]]) step (%[[STEP]]) {
// CHECK:           scf.parallel (%[[I:.+]]) = (%{{.+}}) to (%[[STEP]])
// CHECK:             %[[LINEAR:.+]] = arith.addi %[[I]], %[[TILE]] : index
// CHECK:             arith.cmpi ult, %{{.+}}, %[[TRIP]] : index
// CHECK:             scf.if
// CHECK:               %[[K:.+]] = arith.remsi %[[LINEAR]], %{{.+}} : index
// CHECK:               %[[IJ:.+]] = arith.divsi %[[LINEAR]], %{{.+}} : index
// CHECK:               %[[J:.+]] = arith.remsi %[[IJ]], %{{.+}} : index
// CHECK:               %[[I0:.+]] = arith.divsi %[[IJ]], %{{.+}} : index
// CHECK:               memref.load %{{.+}}[%[[I0]], %[[J]], %[[K]]]
func.func @collapse_and_tile(%a: memref<2x3x64xf32>, %b: memref<2x3x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c64 = arith.constant 64 : index
  scf.parallel (%i, %j, %k) = (%c0, %c0, %c0) to (%c2, %c3, %c64) step (%c1, %c1, %c1) {
    %v = memref.load %a[%i, %j, %k] : memref<2x3x64xf32>
    memref.store %v, %b[%i, %j, %k] : memref<2x3x64xf32>
    scf.reduce
  }
  return
}

// -----

// Loops with reductions stay as they are (gpu-map-parallel-loops cannot map
// them); so do loops inside kernels.
// CHECK-LABEL: func.func @reduction_untouched(
// CHECK:         scf.parallel (%{{.+}}) = (%{{.+}}) to (%{{.+}}) step (%{{.+}}) init
// CHECK-NOT:     scf.parallel
func.func @reduction_untouched(%a: memref<64xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  %sum = scf.parallel (%i) = (%c0) to (%c64) step (%c1) init (%zero) -> f32 {
    %v = memref.load %a[%i] : memref<64xf32>
    scf.reduce(%v : f32) {
    ^bb0(%x: f32, %y: f32):
      %s = arith.addf %x, %y : f32
      scf.reduce.return %s : f32
    }
  }
  return %sum : f32
}
