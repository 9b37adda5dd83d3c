// RUN: ct-opt %s --ct-prepare-c-interface | FileCheck %s

// Public functions get the C wrapper, read-only tensor arguments and their
// tensor signature; scalars keep no bufferization attribute.
// CHECK-LABEL: func.func @public
// CHECK-SAME: (%{{.+}}: tensor<4xf32> {bufferization.writable = false}, %{{.+}}: f32)
// CHECK-SAME: attributes {ct.signature = (tensor<4xf32>, f32) -> tensor<4xf32>, llvm.emit_c_interface}
func.func @public(%x: tensor<4xf32>, %s: f32) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

// Private functions and declarations are left alone.
// CHECK-LABEL: func.func private @helper
// CHECK-NOT: ct.signature
// CHECK-LABEL: func.func private @external
// CHECK-NOT: ct.signature
func.func private @helper(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
func.func private @external(tensor<4xf32>) -> tensor<4xf32>
