// In-place KV-cache update: a function that declares its cache arguments
// writable and does not return the updated caches gets the new rows written
// straight into the caller's cache buffers. After ct-lower-attention and the
// bufferization steps of ct-lower-to-llvm no buffer of the caches' size is
// allocated and no cache is copied: only the new rows are, into a subview.
// Running it checks the output (which reads the rows just written) against
// torch SDPA as in attention-cache.mlir.
// RUN: ct-opt %s --ct-lower-attention --ct-prepare-c-interface --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --buffer-results-to-out-params="hoist-static-allocs modify-public-functions" | FileCheck %s
// RUN: ct-opt %s --ct-prepare-c-interface | FileCheck %s --check-prefix=PREPARE
// RUN: ct-run %s --entry decode_in_place --input %S/Inputs/attention-decode.q.npy --input %S/Inputs/attention-decode.k.npy --input %S/Inputs/attention-decode.v.npy --input %S/Inputs/attention-decode.k_cache.npy --input %S/Inputs/attention-decode.v_cache.npy --input %S/Inputs/attention-decode.position.npy --compare %S/Inputs/attention-decode.expected.npy --rtol 1e-5 --atol 1e-6 | FileCheck %s --check-prefix=EXEC

// ct-prepare-c-interface keeps the caches writable, the rest read-only.
// PREPARE-LABEL: func.func @decode_in_place
// PREPARE-SAME: %{{[^:]+}}: tensor<1x2x1x64xf32> {bufferization.writable = false}
// PREPARE-SAME: %{{[^:]+}}: tensor<1x2x100x64xf32> {bufferization.writable = true}
// PREPARE-SAME: %{{[^:]+}}: tensor<1x2x100x64xf32> {bufferization.writable = true}

// CHECK-LABEL: func.func @decode_in_place
// CHECK-SAME: %[[KC:[^:]+]]: memref<1x2x100x64xf32>,
// CHECK-SAME: %[[VC:[^:]+]]: memref<1x2x100x64xf32>,
// CHECK-SAME: %[[POS:[^:]+]]: index
// CHECK-NOT: memref.alloc() {{.*}}: memref<1x2x100x64xf32>
// CHECK-NOT: memref.copy %[[KC]]
// CHECK-NOT: memref.copy %[[VC]]
// CHECK: %[[KROWS:.+]] = memref.subview %[[KC]][0, 0, %[[POS]], 0] [1, 2, 1, 64]
// CHECK: memref.copy %{{.+}}, %[[KROWS]]
// CHECK: %[[VROWS:.+]] = memref.subview %[[VC]][0, 0, %[[POS]], 0] [1, 2, 1, 64]
// CHECK: memref.copy %{{.+}}, %[[VROWS]]
// CHECK-NOT: memref.alloc() {{.*}}: memref<1x2x100x64xf32>
// CHECK-NOT: memref.copy %[[KC]]
// CHECK-NOT: memref.copy %[[VC]]
// CHECK: return

// EXEC: result #0: 512 elements, max abs error {{.*}}: match
func.func @decode_in_place(%q: tensor<1x8x1x64xf32>, %k: tensor<1x2x1x64xf32>,
                           %v: tensor<1x2x1x64xf32>,
                           %kc: tensor<1x2x100x64xf32> {bufferization.writable = true},
                           %vc: tensor<1x2x100x64xf32> {bufferization.writable = true},
                           %pos: index) -> tensor<1x8x1x64xf32> {
  %o, %kc2, %vc2 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      {scale = 0.125 : f64, causal}
      : (tensor<1x8x1x64xf32>, tensor<1x2x1x64xf32>, tensor<1x2x1x64xf32>,
         tensor<1x2x100x64xf32>, tensor<1x2x100x64xf32>, index)
      -> (tensor<1x8x1x64xf32>, tensor<1x2x100x64xf32>, tensor<1x2x100x64xf32>)
  return %o : tensor<1x8x1x64xf32>
}
