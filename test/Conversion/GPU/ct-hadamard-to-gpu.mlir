// RUN: ct-opt %s --ct-hadamard-to-gpu --split-input-file --verify-diagnostics | FileCheck %s

// Rows of 64 bf16: 8 lanes of 8 elements per row, 32 rows per block of 256
// threads; 6 rows need one block whose lanes past the last row skip the store.
// CHECK-LABEL: func.func @packed_rows(
// CHECK-SAME:      %[[X:.+]]: tensor<3x2x64xbf16>
// CHECK-DAG:     %[[C1:.+]] = arith.constant 1 : index
// CHECK-DAG:     %[[C256:.+]] = arith.constant 256 : index
// CHECK-DAG:     %[[NORM:.+]] = arith.constant dense<1.250000e-01> : vector<8xf32>
// CHECK:         %[[IN:.+]] = bufferization.to_buffer %[[X]] read_only : tensor<3x2x64xbf16> to memref<3x2x64xbf16>
// CHECK:         %[[OUT:.+]] = memref.alloc() : memref<3x2x64xbf16>
// CHECK:         %[[FLAT_IN:.+]] = memref.collapse_shape %[[IN]] {{\[}}[0, 1, 2]] : memref<3x2x64xbf16> into memref<384xbf16>
// CHECK:         %[[FLAT_OUT:.+]] = memref.collapse_shape %[[OUT]]
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %[[C1]], {{.*}} = %[[C1]], {{.*}} = %[[C1]]) threads(%[[TID:.+]], %{{.+}}, %{{.+}}) in ({{.*}} = %[[C256]],
// CHECK:           %[[ROW:.+]] = arith.addi
// CHECK:           %[[IN_BOUNDS:.+]] = arith.cmpi ult, %[[ROW]]
// CHECK:           arith.minui %[[ROW]]
// CHECK:           %[[V:.+]] = vector.load %[[FLAT_IN]][%{{.+}}] {alignment = 16 : i64} : memref<384xbf16>, vector<8xbf16>
// CHECK:           %[[F:.+]] = arith.extf %[[V]] : vector<8xbf16> to vector<8xf32>
// CHECK:           arith.mulf %[[F]], %[[NORM]] : vector<8xf32>
// CHECK-COUNT-24:  gpu.shuffle xor
// CHECK-NOT:       gpu.shuffle
// CHECK:           %[[Y:.+]] = arith.truncf %{{.+}} : vector<8xf32> to vector<8xbf16>
// CHECK:           scf.if %[[IN_BOUNDS]] {
// CHECK:             vector.store %[[Y]], %[[FLAT_OUT]][%{{.+}}] {alignment = 16 : i64}
// CHECK:         %[[R:.+]] = bufferization.to_tensor %[[OUT]] restrict writable
// CHECK:         return %[[R]]
func.func @packed_rows(%x: tensor<3x2x64xbf16>) -> tensor<3x2x64xbf16> {
  %r = ct.hadamard %x size(64) : tensor<3x2x64xbf16>
  return %r : tensor<3x2x64xbf16>
}

// -----

// Rows of 1024: a block of 128 threads per row; strides 256 and 512 go
// through shared memory in one round: each thread loads the 8 elements that
// differ in index bits 7..9 (stride 128), runs stages 256 and 512 in
// registers and stores them back; a barrier after the first store and after
// the round.
// CHECK-LABEL: func.func @block_per_row(
// CHECK-DAG:     %[[C2:.+]] = arith.constant 2 : index
// CHECK-DAG:     %[[C128:.+]] = arith.constant 128 : index
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %[[C2]], {{.*}}) threads({{.*}}) in ({{.*}} = %[[C128]], {{.*}}) workgroup(%[[SHARED:.+]] : memref<1024xf32, #gpu.address_space<workgroup>>)
// CHECK-COUNT-40:  gpu.shuffle xor
// CHECK:           vector.store %{{.+}}, %[[SHARED]]
// CHECK:           gpu.barrier
// CHECK-COUNT-8:   memref.load %[[SHARED]]
// CHECK-COUNT-8:   memref.store %{{.+}}, %[[SHARED]]
// CHECK:           gpu.barrier
// CHECK-NOT:       gpu.barrier
// CHECK:           %[[Y:.+]] = vector.load %[[SHARED]]
// CHECK-NOT:       scf.if
// CHECK:           vector.store %[[Y]]
func.func @block_per_row(%x: tensor<2x1024xf32>) -> tensor<2x1024xf32> {
  %r = ct.hadamard %x size(1024) : tensor<2x1024xf32>
  return %r : tensor<2x1024xf32>
}

// -----

// Signs times 1/sqrt(4) are a device-visible buffer multiplying on load.
// CHECK-LABEL: func.func @signs_on_load(
// CHECK:         %[[FACTORS:.+]] = arith.constant dense<[5.000000e-01, -5.000000e-01, 5.000000e-01, 5.000000e-01]> : tensor<4xf32>
// CHECK:         %[[GLOBAL:.+]] = bufferization.to_buffer %[[FACTORS]] read_only
// CHECK:         %[[SCALE:.+]] = memref.alloc() : memref<4xf32>
// CHECK:         memref.copy %[[GLOBAL]], %[[SCALE]]
// CHECK:         gpu.launch
// CHECK:           %[[X:.+]] = vector.load
// CHECK:           %[[S:.+]] = vector.load %[[SCALE]]
// CHECK:           arith.mulf %[[X]], %[[S]] : vector<4xf32>
func.func @signs_on_load(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %r = ct.hadamard %x size(4) signs([1, -1, 1, 1]) : tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}

// -----

// The inverse applies the signs after the butterflies.
// CHECK-LABEL: func.func @signs_on_store_for_inverse(
// CHECK:         gpu.launch
// CHECK:           %[[X:.+]] = vector.load
// CHECK-NOT:       arith.mulf %[[X]]
// CHECK:           %[[S:.+]] = vector.load
// CHECK:           %[[Y:.+]] = arith.mulf %{{.+}}, %[[S]] : vector<4xf32>
// CHECK:           vector.store %[[Y]]
func.func @signs_on_store_for_inverse(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %r = ct.hadamard %x size(4) inverse signs([1, -1, 1, 1]) : tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}

// -----

// Sizes m·2^k in one kernel (here 80 = 20·4, a signed forward transform of
// bf16 rows): a thread holds E = 2 elements of each of the 20 segments
// (m·E <= 64), 2 threads per row, 128 rows per block. Each segment is loaded,
// scaled by s/sqrt(80), run through one in-thread stage and one shuffle
// stage; then each of the 20 outputs is 19 adds/subtracts of whole segments
// (the core's signs folded) and is stored where its segment was read.
// CHECK-LABEL: func.func @kronecker(
// CHECK-DAG:     %[[C1:.+]] = arith.constant 1 : index
// CHECK-DAG:     %[[C256:.+]] = arith.constant 256 : index
// CHECK:         %[[SCALE:.+]] = memref.alloc() : memref<80xf32>
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %[[C1]], {{.*}}) threads({{.*}}) in ({{.*}} = %[[C256]], {{.*}}) {
// CHECK-NOT:       workgroup
// CHECK-COUNT-20:  vector.load %{{.+}}[%{{.+}}] {alignment = 4 : i64} : memref<240xbf16>, vector<2xbf16>
// CHECK-NOT:       vector.load %{{.+}} : memref<240xbf16>
// CHECK-NOT:       gpu.barrier
// CHECK-COUNT-380: arith.{{addf|subf}} %{{.+}}, %{{.+}} : vector<2xf32>
// CHECK-NOT:       arith.{{addf|subf}}
// CHECK-COUNT-20:  arith.truncf %{{.+}} : vector<2xf32> to vector<2xbf16>
// CHECK:           scf.if
// CHECK-COUNT-20:    vector.store %{{.+}}, %{{.+}}[%{{.+}}] {alignment = 4 : i64} : memref<240xbf16>, vector<2xbf16>
// CHECK:         gpu.terminator
// CHECK-NOT:     gpu.launch
// CHECK-NOT:     linalg.generic
func.func @kronecker(%x: tensor<3x80xbf16>) -> tensor<3x80xbf16> {
  %r = ct.hadamard %x size(80) signs([1, -1, 1, 1, 1, -1, 1, 1, 1, -1, 1, 1, 1, -1, 1, 1, 1, -1, 1, 1, 1, -1, 1, 1, 1, -1, 1, 1, 1, -1, 1, 1, 1, -1, 1, 1, 1, -1, 1, 1, 1, -1, 1, 1, 1, -1, 1, 1, 1, -1, 1, 1, 1, -1, 1, 1, 1, -1, 1, 1, 1, -1, 1, 1, 1, -1, 1, 1, 1, -1, 1, 1, 1, -1, 1, 1, 1, -1, 1, 1]) : tensor<3x80xbf16>
  return %r : tensor<3x80xbf16>
}

// -----

// 40 = 20·2, a signed inverse: E = 2, one thread per row (no shuffles); the
// core takes the transpose and the factors s/sqrt(40) multiply each output
// segment after it.
// CHECK-LABEL: func.func @kronecker_signed_inverse(
// CHECK:         %[[SCALE:.+]] = memref.alloc() : memref<40xf32>
// CHECK:         gpu.launch
// CHECK-NOT:       gpu.shuffle
// CHECK-NOT:       vector.load %[[SCALE]]
// CHECK-COUNT-380: arith.{{addf|subf}} %{{.+}}, %{{.+}} : vector<2xf32>
// CHECK-COUNT-20:  %{{.+}} = vector.load %[[SCALE]]
// CHECK:           vector.store
func.func @kronecker_signed_inverse(%x: tensor<4x40xf32>) -> tensor<4x40xf32> {
  %r = ct.hadamard %x size(40) inverse signs([1, -1, 1, 1, -1, 1, 1, 1, -1, -1, 1, 1, -1, 1, 1, -1, 1, -1, -1, 1, 1, 1, -1, 1, 1, -1, 1, 1, -1, -1, 1, -1, 1, 1, 1, -1, 1, -1, 1, 1]) : tensor<4x40xf32>
  return %r : tensor<4x40xf32>
}

// -----

// 14336 = 28·512 (an MLP width): E = 2, 256 threads per row, one row per
// block. Each segment takes 5 shuffle stages, then the strides 64, 128 and
// 256 through one 512-float shared buffer reused by every segment (a barrier
// after its store and after each of 3 rounds); the 28 outputs are 27
// adds/subtracts each.
// CHECK-LABEL: func.func @kronecker_shared_memory(
// CHECK-DAG:     %[[C2:.+]] = arith.constant 2 : index
// CHECK-DAG:     %[[C256:.+]] = arith.constant 256 : index
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %[[C2]], {{.*}}) threads({{.*}}) in ({{.*}} = %[[C256]], {{.*}}) workgroup(%[[SHARED:.+]] : memref<512xf32, #gpu.address_space<workgroup>>) {
// CHECK-COUNT-112: gpu.barrier
// CHECK-NOT:       gpu.barrier
// CHECK-COUNT-756: arith.{{addf|subf}} %{{.+}}, %{{.+}} : vector<2xf32>
// CHECK-NOT:       arith.{{addf|subf}}
// CHECK-COUNT-28:  vector.store %{{.+}}, %{{.+}}[%{{.+}}] {alignment = 8 : i64} : memref<28672xf32>, vector<2xf32>
// CHECK-NOT:       scf.if
// CHECK-NOT:     gpu.launch
func.func @kronecker_shared_memory(%x: tensor<2x14336xf32>) -> tensor<2x14336xf32> {
  %r = ct.hadamard %x size(14336) : tensor<2x14336xf32>
  return %r : tensor<2x14336xf32>
}

// -----

// A core too large for one kernel (13824 = 108·128: 108 values a thread even
// at E = 1) is still decomposed: the FWHT of each 128-segment as a kernel,
// then the core step over the 108 segments as a contraction with C/sqrt(108).
// CHECK-LABEL: func.func @kronecker_large_core(
// CHECK:         arith.constant dense<{{.+}}> : tensor<108x108xf32>
// CHECK:         gpu.launch
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:        ins(%{{.+}}, %{{.+}} : tensor<1x108x128xf32>, tensor<108x108xf32>)
func.func @kronecker_large_core(%x: tensor<1x13824xf32>) -> tensor<1x13824xf32> {
  %r = ct.hadamard %x size(13824) : tensor<1x13824xf32>
  return %r : tensor<1x13824xf32>
}

// -----

func.func @segment_too_large(%x: tensor<2x16384xf32>) -> tensor<2x16384xf32> {
  // expected-error @below {{'ct.hadamard' op cannot be lowered to the GPU: expected a size m·2^k with 2^k at most 8192 and a core ct can build, got 16384}}
  %r = ct.hadamard %x size(16384) : tensor<2x16384xf32>
  return %r : tensor<2x16384xf32>
}

// -----

func.func @f64_precision(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  // expected-error @below {{'ct.hadamard' op cannot be lowered to the GPU: expected f32 compute precision}}
  %r = ct.hadamard %x size(16) precision(f64) : tensor<2x16xf32>
  return %r : tensor<2x16xf32>
}

// -----

// A dense rotation (a random R3 matrix) is the CPU pipeline's matmul over
// rows of the matrix's size; ct-lower-to-nvvm maps it to a thread per output.
// CHECK-LABEL: func.func @dense_rotation(
// CHECK:         %[[R:.+]] = tensor.expand_shape %{{.+}} output_shape [8, 128] : tensor<1024xf32> into tensor<8x128xf32>
// CHECK:         linalg.matmul ins(%[[R]], %{{.+}} : tensor<8x128xf32>, tensor<128x128xf32>)
// CHECK-NOT:     gpu.launch
func.func @dense_rotation(%x: tensor<2x4x128xf32>, %m: tensor<128x128xf32>) -> tensor<2x4x128xf32> {
  %r = ct.rotate %x by %m : tensor<2x4x128xf32>, tensor<128x128xf32>
  return %r : tensor<2x4x128xf32>
}

// -----

func.func @inverse_of_runtime_rotation(%x: tensor<2x4x128xf32>, %m: tensor<128x128xf32>) -> tensor<2x4x128xf32> {
  // expected-error @below {{inverse needs a constant matrix, inverted at compile time}}
  %r = ct.rotate %x by %m inverse : tensor<2x4x128xf32>, tensor<128x128xf32>
  return %r : tensor<2x4x128xf32>
}
