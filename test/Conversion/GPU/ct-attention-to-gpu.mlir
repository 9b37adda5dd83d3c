// RUN: ct-opt %s --ct-attention-to-gpu --split-input-file --verify-diagnostics | FileCheck %s
// RUN: not ct-opt %s --ct-attention-to-gpu="warps-per-block=0" --split-input-file 2>&1 | FileCheck %s --check-prefix=OPTION
// RUN: not ct-opt %s --ct-attention-to-gpu="hardware-fp8=false" --split-input-file 2>&1 | FileCheck %s --check-prefix=NO-FP8
// RUN: ct-opt %s --ct-attention-to-gpu="tensor-cores=false" --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=CUDA-CORE

// OPTION: ct-attention-to-gpu: warps-per-block must be in [1, 32], got 0
// NO-FP8: error: 'ct.hooked_attention' op cannot be lowered to the GPU: f8E4M3FN caches need the hardware fp8 conversion (sm_89+)

// Decode with GQA 4:1 over a bf16 cache of 256 rows: the new rows are copied
// into a slice of each cache (in place after bufferization); then one block
// per (batch, kv head, split) = 2 × 8 blocks of 4 warps, lanes in groups of
// 8 holding 16 bf16 (32 bytes) of a row, the 4 query heads' slices loaded
// once and scaled by scale·log2(e) = 0.125 · 1.4427; the key loop loads the
// next rows while it computes on those of the previous step (starting one
// step early on zeros, masked by key >= split begin) and widens bf16 pairs
// with a shift and a mask per element, one key (then one value) slice at a
// time; 3 butterflies per
// score; the accumulators are rescaled in a branch taken only when a
// maximum grew; the warps' partial states merge in shared memory, then a
// second kernel (one block per query head, a thread per output element)
// merges the 8 splits.
// CHECK-LABEL: func.func @decode_gqa(
// CHECK-SAME:      %[[Q:[^:]+]]: tensor<1x8x1x128xbf16>, %[[K:[^:]+]]: tensor<1x2x1x128xbf16>, %[[V:[^:]+]]: tensor<1x2x1x128xbf16>,
// CHECK-SAME:      %[[KC:[^:]+]]: tensor<1x2x256x128xbf16> {bufferization.writable = true}, %[[VC:[^:]+]]: tensor<1x2x256x128xbf16> {bufferization.writable = true}, %[[POS:[^:]+]]: index)
// CHECK-DAG:     %[[C16:.+]] = arith.constant 16 : index
// CHECK-DAG:     %[[C32:.+]] = arith.constant 32 : index
// CHECK-DAG:     %[[C128:.+]] = arith.constant 128 : index
// CHECK-DAG:     %[[C8:.+]] = arith.constant 8 : index
// CHECK-DAG:     %[[QSCALE:.+]] = arith.constant dense<0.180336878> : vector<16xf32>
// CHECK-DAG:     %[[ZEROS:.+]] = arith.constant dense<0.000000e+00> : vector<16xbf16>
// CHECK:         %[[KROWS:.+]] = tensor.extract_slice %[[KC]][0, 0, %[[POS]], 0] [1, 2, 1, 128] [1, 1, 1, 1]
// CHECK:         %[[KNEW:.+]] = linalg.copy ins(%[[K]] : tensor<1x2x1x128xbf16>) outs(%[[KROWS]] : tensor<1x2x1x128xbf16>)
// CHECK:         %[[KC2:.+]] = tensor.insert_slice %[[KNEW]] into %[[KC]][0, 0, %[[POS]], 0] [1, 2, 1, 128] [1, 1, 1, 1]
// CHECK:         %[[VC2:.+]] = tensor.insert_slice %{{.+}} into %[[VC]][0, 0, %[[POS]], 0]
// CHECK:         %[[KEYLEN:.+]] = arith.addi %[[POS]], %{{.+}} : index
// CHECK:         %[[QBUF:.+]] = bufferization.to_buffer %[[Q]] read_only
// CHECK:         %[[QFLAT:.+]] = memref.collapse_shape %[[QBUF]] {{\[}}[0, 1, 2, 3]] : memref<1x8x1x128xbf16> into memref<1024xbf16>
// CHECK:         %[[KBUF:.+]] = bufferization.to_buffer %[[KC2]] read_only
// CHECK:         %[[KFLAT:.+]] = memref.collapse_shape %[[KBUF]] {{.+}} into memref<65536xbf16>
// CHECK:         bufferization.to_buffer %[[VC2]] read_only
// CHECK:         %[[OUT:.+]] = memref.alloc() : memref<1x8x1x128xbf16>
// CHECK:         %[[OUTFLAT:.+]] = memref.collapse_shape %[[OUT]]
// CHECK:         %[[STATS:.+]] = memref.alloc() : memref<128xf32>
// CHECK:         %[[ACC:.+]] = memref.alloc() : memref<8192xf32>
// CHECK:         gpu.launch blocks(%[[BID:[^,]+]], %{{.+}}, %{{.+}}) in (%{{.+}} = %[[C16]], {{.*}}) threads(%[[TID:[^,]+]], %{{.+}}, %{{.+}}) in (%{{.+}} = %[[C128]], {{.*}}) workgroup(%[[SSTATS:.+]] : memref<32xf32, #gpu.address_space<workgroup>>, %[[SACC:.+]] : memref<128xvector<16xf32>, #gpu.address_space<workgroup>>)
// CHECK:           %[[SPLIT:.+]] = arith.remui %[[BID]], %[[C8]]
// CHECK:           arith.ceildivui %[[KEYLEN]], %[[C8]]
// CHECK-COUNT-4:   vector.load %[[QFLAT]][%{{.+}}] {alignment = 16 : i64} : memref<1024xbf16>, vector<16xbf16>
// CHECK:           scf.for %{{.+}} = %{{.+}} to %{{.+}} step %[[C32]] iter_args({{.*}}%{{.+}} = %[[ZEROS]], %{{.+}} = %[[ZEROS]], %{{.+}} = %[[ZEROS]], %{{.+}} = %[[ZEROS]]) -> (f32, f32, vector<16xf32>, f32, f32, vector<16xf32>, f32, f32, vector<16xf32>, f32, f32, vector<16xf32>, vector<16xbf16>, vector<16xbf16>, vector<16xbf16>, vector<16xbf16>)
// CHECK-COUNT-2:     vector.load %[[KFLAT]][%{{.+}}] {alignment = 16 : i64} : memref<65536xbf16>, vector<16xbf16>
// CHECK:             arith.cmpi sge
// CHECK:             %[[KWORDS:.+]] = vector.bitcast %{{.+}} : vector<16xbf16> to vector<8xi32>
// CHECK:             %[[KWORD:.+]] = vector.extract %[[KWORDS]][0] : i32 from vector<8xi32>
// CHECK:             %[[KLOW:.+]] = arith.shli %[[KWORD]], %c16_i32 : i32
// CHECK:             %[[KHIGH:.+]] = arith.andi %[[KWORD]], %c-65536_i32 : i32
// CHECK:             arith.bitcast %[[KLOW]] : i32 to f32
// CHECK:             arith.bitcast %[[KHIGH]] : i32 to f32
// CHECK-COUNT-12:    gpu.shuffle xor
// CHECK:             vector.bitcast %{{.+}} : vector<16xbf16> to vector<8xi32>
// CHECK-COUNT-12:    gpu.shuffle xor
// CHECK:             %[[GREW:.+]]:8 = scf.if %{{.+}} -> (f32, vector<16xf32>, f32, vector<16xf32>, f32, vector<16xf32>, f32, vector<16xf32>)
// CHECK:               llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f32"
// CHECK:             } else {
// CHECK-NEXT:          scf.yield %{{.+}} : f32, vector<16xf32>, f32, vector<16xf32>, f32, vector<16xf32>, f32, vector<16xf32>
// CHECK:             vector.bitcast %{{.+}} : vector<16xbf16> to vector<8xi32>
// CHECK:             llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f32"
// CHECK:             vector.fma %{{.+}}, %{{.+}}, %[[GREW]]#1
// CHECK:             scf.yield
// CHECK:           gpu.shuffle xor %{{.+}}, %c8_i32, %c32_i32
// CHECK:           memref.store %{{.+}}, %[[SACC]]
// CHECK:           memref.store %{{.+}}, %[[SSTATS]]
// CHECK:           gpu.barrier
// CHECK:           scf.for %{{.+}} = %[[TID]] to %{{.+}} step %[[C128]]
// CHECK:             memref.store %{{.+}}, %[[ACC]]
// CHECK:             memref.store %{{.+}}, %[[STATS]]
// CHECK:           gpu.terminator
// CHECK:         gpu.launch blocks({{.*}}) in (%{{.+}} = %[[C8]], {{.*}}) threads({{.*}}) in (%{{.+}} = %[[C128]], {{.*}})
// CHECK:           scf.for
// CHECK:             memref.load %[[STATS]]
// CHECK:           scf.for
// CHECK:             memref.load %[[ACC]]
// CHECK:           arith.divf
// CHECK:           arith.truncf %{{.+}} : f32 to bf16
// CHECK:           memref.store %{{.+}}, %[[OUTFLAT]]
// CHECK:         %[[R:.+]] = bufferization.to_tensor %[[OUT]] restrict writable
// CHECK:         return %[[R]]
func.func @decode_gqa(%q: tensor<1x8x1x128xbf16>, %k: tensor<1x2x1x128xbf16>,
                      %v: tensor<1x2x1x128xbf16>,
                      %kc: tensor<1x2x256x128xbf16> {bufferization.writable = true},
                      %vc: tensor<1x2x256x128xbf16> {bufferization.writable = true},
                      %pos: index) -> tensor<1x8x1x128xbf16> {
  %o, %kc2, %vc2 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      {scale = 0.125 : f64, causal}
      : (tensor<1x8x1x128xbf16>, tensor<1x2x1x128xbf16>, tensor<1x2x1x128xbf16>,
         tensor<1x2x256x128xbf16>, tensor<1x2x256x128xbf16>, index)
      -> (tensor<1x8x1x128xbf16>, tensor<1x2x256x128xbf16>, tensor<1x2x256x128xbf16>)
  return %o : tensor<1x8x1x128xbf16>
}

// -----

// Hooks are inlined: k_hook on the new keys before the cache write, q_hook
// on the query the kernel reads.
// CHECK-LABEL: func.func @decode_hooks(
// CHECK-SAME:      %[[Q:[^:]+]]: tensor<1x4x1x64xf32>, %[[K:[^:]+]]: tensor<1x4x1x64xf32>
// CHECK:         %[[HK:.+]] = ct.hadamard %[[K]] size(64)
// CHECK:         %[[HQ:.+]] = ct.hadamard %[[Q]] size(64)
// CHECK:         linalg.copy ins(%[[HK]] : tensor<1x4x1x64xf32>)
// CHECK:         bufferization.to_buffer %[[HQ]] read_only
// CHECK:         gpu.launch
// CHECK:         gpu.launch
// CHECK-NOT:     ct.hooked_attention
func.func @decode_hooks(%q: tensor<1x4x1x64xf32>, %k: tensor<1x4x1x64xf32>,
                        %v: tensor<1x4x1x64xf32>, %kc: tensor<1x4x32x64xf32>,
                        %vc: tensor<1x4x32x64xf32>, %pos: index)
    -> (tensor<1x4x1x64xf32>, tensor<1x4x32x64xf32>, tensor<1x4x32x64xf32>) {
  %o, %kc2, %vc2 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      {scale = 0.125 : f64}
      : (tensor<1x4x1x64xf32>, tensor<1x4x1x64xf32>, tensor<1x4x1x64xf32>,
         tensor<1x4x32x64xf32>, tensor<1x4x32x64xf32>, index)
      -> (tensor<1x4x1x64xf32>, tensor<1x4x32x64xf32>, tensor<1x4x32x64xf32>)
    q_hook {
    ^bb0(%x: tensor<1x4x1x64xf32>):
      %r = ct.hadamard %x size(64) : tensor<1x4x1x64xf32>
      ct.yield %r : tensor<1x4x1x64xf32>
    }
    k_hook {
    ^bb0(%x: tensor<1x4x1x64xf32>):
      %r = ct.hadamard %x size(64) : tensor<1x4x1x64xf32>
      ct.yield %r : tensor<1x4x1x64xf32>
    }
  return %o, %kc2, %vc2
      : tensor<1x4x1x64xf32>, tensor<1x4x32x64xf32>, tensor<1x4x32x64xf32>
}

// -----

// Causal prefill on CUDA cores (tensor-cores=false) with a boolean mask, 40
// queries of 8 heads on 2 kv heads: one block per (batch, query head, tile
// of 16 queries) = 8 × 3 blocks; K/V tiles of 64 rows of 4 × 32-byte slices staged in shared memory (zeros
// past the visible keys), a barrier before and after the warps read them;
// the mask is read per score; the lane groups merge with butterflies and
// group 0 stores 16 elements per lane.
// CUDA-CORE-LABEL: func.func @prefill_causal_mask(
// CUDA-CORE-DAG:     %[[C24:.+]] = arith.constant 24 : index
// CUDA-CORE-DAG:     %[[C64:.+]] = arith.constant 64 : index
// CUDA-CORE:         %[[MASK:.+]] = memref.collapse_shape %{{.+}} : memref<1x1x40x40xi1> into memref<1600xi1>
// CUDA-CORE:         gpu.launch blocks({{.*}}) in (%{{.+}} = %[[C24]], {{.*}}) threads({{.*}}) workgroup(%[[SK:.+]] : memref<256xvector<16xbf16>, #gpu.address_space<workgroup>>, %[[SV:.+]] : memref<256xvector<16xbf16>, #gpu.address_space<workgroup>>)
// CUDA-CORE:           arith.maxsi
// CUDA-CORE:           %[[KEYEND:.+]] = arith.minsi
// CUDA-CORE:           scf.for %[[TILE:.+]] = %{{.+}} to %[[KEYEND]] step %[[C64]]
// CUDA-CORE:             scf.for
// CUDA-CORE:               scf.if
// CUDA-CORE:                 vector.load {{.*}} vector<16xbf16>
// CUDA-CORE:                 memref.store %{{.+}}, %[[SK]]
// CUDA-CORE:               } else {
// CUDA-CORE:                 memref.store %{{.+}}, %[[SK]]
// CUDA-CORE:             gpu.barrier
// CUDA-CORE:             scf.for
// CUDA-CORE:               memref.load %[[SK]]
// CUDA-CORE:               memref.load %[[SV]]
// CUDA-CORE-COUNT-2:       gpu.shuffle xor
// CUDA-CORE:               memref.load %[[MASK]]
// CUDA-CORE:               arith.cmpi sgt
// CUDA-CORE:             gpu.barrier
// CUDA-CORE:           gpu.shuffle xor %{{.+}}, %c4_i32
// CUDA-CORE:           gpu.shuffle xor %{{.+}}, %c8_i32
// CUDA-CORE:           gpu.shuffle xor %{{.+}}, %c16_i32
// CUDA-CORE:           scf.if
// CUDA-CORE:             arith.truncf %{{.+}} : vector<16xf32> to vector<16xbf16>
// CUDA-CORE:             vector.store
func.func @prefill_causal_mask(%q: tensor<1x8x40x64xbf16>, %k: tensor<1x2x40x64xbf16>,
                               %v: tensor<1x2x40x64xbf16>, %m: tensor<1x1x40x40xi1>)
    -> tensor<1x8x40x64xbf16> {
  %o = ct.hooked_attention %q, %k, %v mask %m {scale = 0.125 : f64, causal}
      : (tensor<1x8x40x64xbf16>, tensor<1x2x40x64xbf16>, tensor<1x2x40x64xbf16>,
         tensor<1x1x40x40xi1>) -> tensor<1x8x40x64xbf16>
  return %o : tensor<1x8x40x64xbf16>
}

// -----

// Causal bf16 prefill on tensor cores, 100 queries of 8 heads on 2 kv heads
// (GQA 4:1), 100 keys (not a multiple of the 64-key tile): one block per
// (batch, query head, tile of 4 warps × 16 queries) = 8 × 2 blocks. Each lane
// loads its Q fragment words once (16 pairs for D = 64). K/V tiles of 64
// rows of 8 + 1 (padding) 16-byte chunks are copied into shared memory with
// cp.async (zero-filled past the visible keys): K of the first tile before
// the loop; in the loop V, then (once S is computed) the next K, each waited
// for (wait_group 1) and made visible by a barrier before it is read. A warp
// skips tiles past its last query's diagonal; tiles crossing the diagonal or
// the end of the keys are masked per score, the others take the branch
// without the masking. S = Q·Kᵀ: ldmatrix.x4 (row) and two mma.sync
// m16n8k16 per 16 keys and 16 dims; row maxima and sums over the quad
// (shuffle xor 1, 2); P rounded to bf16 pairs leaves the branch as the A
// operand of O += P·V, whose B fragments come from ldmatrix.x4.trans (col).
// Rows r and r + 8 of a lane store two outputs per 8-column d tile.
// CHECK-LABEL: func.func @prefill_tensor_cores(
// CHECK-DAG:     %[[C16:.+]] = arith.constant 16 : index
// CHECK-DAG:     %[[C64:.+]] = arith.constant 64 : index
// CHECK:         gpu.launch blocks({{.*}}) in (%{{.+}} = %[[C16]], {{.*}}) threads({{.*}}) workgroup(%[[SK:.+]] : memref<576xvector<8xbf16>, #gpu.address_space<workgroup>>, %[[SV:.+]] : memref<576xvector<8xbf16>, #gpu.address_space<workgroup>>)
// CHECK-COUNT-16:  vector.load %{{.+}} : memref<51200xbf16>, vector<2xbf16>
// CHECK:           memref.extract_aligned_pointer_as_index %[[SK]]
// CHECK:           llvm.inttoptr %{{.+}} : i64 to !llvm.ptr<3>
// CHECK:           memref.extract_aligned_pointer_as_index %[[SV]]
// CHECK:           %[[KEYEND:.+]] = arith.minsi
// CHECK:           memref.extract_aligned_pointer_as_index %{{.+}} : memref<12800xbf16>
// CHECK:           llvm.addrspacecast %{{.+}} : !llvm.ptr to !llvm.ptr<1>
// CHECK:           scf.for
// CHECK:             arith.select %{{.+}}, %c16_i32, %c0_i32
// CHECK:             nvvm.cp.async.shared.global %{{.+}}, %{{.+}}, 16, cache =  cg, %{{.+}} : !llvm.ptr<3>, !llvm.ptr<1>, i32
// CHECK:           nvvm.cp.async.commit.group
// CHECK:           scf.for %{{.+}} = %{{.+}} to %[[KEYEND]] step %[[C64]]
// CHECK:             scf.for
// CHECK:               nvvm.cp.async.shared.global
// CHECK:             nvvm.cp.async.commit.group
// CHECK-NEXT:        nvvm.cp.async.wait.group 1
// CHECK-NEXT:        gpu.barrier
// CHECK:             arith.cmpi ule
// CHECK:             scf.if %{{.+}} -> (f32, f32, f32, f32,
// CHECK:               scf.if %{{.+}} -> (f32, f32, f32, f32,
// CHECK:                 nvvm.ldmatrix %{{.+}} {eltType = #nvvm.ld_st_matrix_elt_type<b16>, layout = #nvvm.mma_layout<row>, num = 4 : i32, shape = #nvvm.ld_st_matrix_shape<m = 8, n = 8>} : (!llvm.ptr<3>) -> !llvm.struct<(i32, i32, i32, i32)>
// CHECK:                 nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK:                 arith.cmpi sgt
// CHECK:                 gpu.shuffle xor %{{.+}}, %c1_i32
// CHECK:                 gpu.shuffle xor %{{.+}}, %c2_i32
// CHECK:                 llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f32"
// CHECK:                 arith.truncf %{{.+}} : vector<2xf32> to vector<2xbf16>
// CHECK:               } else {
// CHECK-NOT:             arith.cmpi sgt
// CHECK:                 nvvm.mma.sync
// CHECK:                 gpu.shuffle xor
// CHECK:             } else {
// CHECK:             gpu.barrier
// CHECK:             scf.if
// CHECK:               scf.for
// CHECK:                 nvvm.cp.async.shared.global
// CHECK:             nvvm.cp.async.commit.group
// CHECK-NEXT:        nvvm.cp.async.wait.group 1
// CHECK-NEXT:        gpu.barrier
// CHECK:             scf.if %{{.+}} -> (f32, f32, f32, f32,
// CHECK:               nvvm.ldmatrix %{{.+}} {eltType = #nvvm.ld_st_matrix_elt_type<b16>, layout = #nvvm.mma_layout<col>, num = 4 : i32
// CHECK:               nvvm.mma.sync
// CHECK:             } else {
// CHECK:             gpu.barrier
// CHECK:           gpu.shuffle xor %{{.+}}, %c1_i32
// CHECK:           gpu.shuffle xor %{{.+}}, %c2_i32
// CHECK:           scf.if
// CHECK:             arith.divf %{{.+}} : vector<2xf32>
// CHECK:             arith.truncf %{{.+}} : vector<2xf32> to vector<2xbf16>
// CHECK:             vector.store %{{.+}} {alignment = 4 : i64} : memref<51200xbf16>, vector<2xbf16>
func.func @prefill_tensor_cores(%q: tensor<1x8x100x64xbf16>, %k: tensor<1x2x100x64xbf16>,
                                %v: tensor<1x2x100x64xbf16>) -> tensor<1x8x100x64xbf16> {
  %o = ct.hooked_attention %q, %k, %v {scale = 0.125 : f64, causal}
      : (tensor<1x8x100x64xbf16>, tensor<1x2x100x64xbf16>, tensor<1x2x100x64xbf16>)
      -> tensor<1x8x100x64xbf16>
  return %o : tensor<1x8x100x64xbf16>
}

// -----

// Chunked f16 prefill over an f16 cache with an additive mask: the keys and
// values are the cache's rows; every tile is masked (no unmasked branch),
// the mask read per score and scaled by log2(e); f16 fragments are f16x2
// vectors in NVVM (their PTX type is then implied). Rows of 32 elements are
// 4 + 1 chunks of 16 bytes in shared memory, tiles of 64 keys.
// CHECK-LABEL: func.func @prefill_tensor_cores_f16_mask(
// CHECK:         %[[MASK:.+]] = memref.collapse_shape %{{.+}} : memref<1x4x20x64xf32> into memref<5120xf32>
// CHECK:         gpu.launch {{.*}} workgroup(%{{.+}} : memref<320xvector<8xf16>, #gpu.address_space<workgroup>>, %{{.+}} : memref<320xvector<8xf16>, #gpu.address_space<workgroup>>)
// CHECK:           scf.for
// CHECK:             nvvm.cp.async.wait.group 1
// CHECK-NEXT:        gpu.barrier
// CHECK:             scf.if %{{.+}} -> (f32, f32, f32, f32,
// CHECK-NOT:           scf.if
// CHECK:               llvm.bitcast %{{.+}} : i32 to vector<2xf16>
// CHECK:               nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {{{.*}}shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK:               memref.load %[[MASK]]
// CHECK:               arith.mulf %{{.+}}, %cst{{.*}} : f32
// CHECK:             } else {
// CHECK:             nvvm.cp.async.wait.group 1
// CHECK:             scf.if
// CHECK:               nvvm.ldmatrix {{.*}}layout = #nvvm.mma_layout<col>
func.func @prefill_tensor_cores_f16_mask(%q: tensor<1x4x20x32xf16>, %k: tensor<1x2x20x32xf16>,
    %v: tensor<1x2x20x32xf16>, %m: tensor<1x4x20x64xf32>,
    %kc: tensor<1x2x64x32xf16>, %vc: tensor<1x2x64x32xf16>, %pos: index)
    -> tensor<1x4x20x32xf16> {
  %o:3 = ct.hooked_attention %q, %k, %v mask %m cache %kc, %vc at %pos
      {scale = 0.17677669529663687 : f64}
      : (tensor<1x4x20x32xf16>, tensor<1x2x20x32xf16>, tensor<1x2x20x32xf16>,
         tensor<1x4x20x64xf32>, tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>,
         index)
      -> (tensor<1x4x20x32xf16>, tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>)
  return %o#0 : tensor<1x4x20x32xf16>
}

// -----

// f32 prefill, and bf16 prefill whose head dim (24) is not a whole number of
// k16 steps, stay on CUDA cores.
// CHECK-LABEL: func.func @prefill_f32_cuda_cores(
// CHECK-NOT:     nvvm.mma.sync
// CHECK:         return
// CHECK-LABEL: func.func @prefill_head_dim_24_cuda_cores(
// CHECK-NOT:     nvvm.mma.sync
// CHECK:         return
func.func @prefill_f32_cuda_cores(%q: tensor<1x4x32x64xf32>, %k: tensor<1x4x32x64xf32>,
                                  %v: tensor<1x4x32x64xf32>) -> tensor<1x4x32x64xf32> {
  %o = ct.hooked_attention %q, %k, %v {scale = 0.125 : f64, causal}
      : (tensor<1x4x32x64xf32>, tensor<1x4x32x64xf32>, tensor<1x4x32x64xf32>)
      -> tensor<1x4x32x64xf32>
  return %o : tensor<1x4x32x64xf32>
}
func.func @prefill_head_dim_24_cuda_cores(%q: tensor<1x4x32x24xbf16>,
    %k: tensor<1x4x32x24xbf16>, %v: tensor<1x4x32x24xbf16>)
    -> tensor<1x4x32x24xbf16> {
  %o = ct.hooked_attention %q, %k, %v {scale = 0.125 : f64, causal}
      : (tensor<1x4x32x24xbf16>, tensor<1x4x32x24xbf16>, tensor<1x4x32x24xbf16>)
      -> tensor<1x4x32x24xbf16>
  return %o : tensor<1x4x32x24xbf16>
}

// -----

// Quantized caches: the new key row is quantized with a dynamic per-row
// (token) scale that is written next to its codes, the new value row with
// the static per-head scale; both rows go into the caches by copies into
// slices. The kernel reads 16 codes per lane and 4 rows per step (twice a
// 16-bit cache's, the same bytes): int8 as the low byte of 2^23
// (a prmt of the code xor 128) minus 2^23 + 128, fp8 two at a time through
// nvvm.convert.f8x2.to.f16x2. The bf16 scales are folded, not multiplied
// into every element: a key row's scale multiplies its score, the value
// head's scale the accumulators after the loop.
// CHECK-LABEL: func.func @decode_quantized(
// CHECK-SAME:      %[[K:[^:]+]]: tensor<1x2x1x128xbf16>, %[[V:[^:]+]]: tensor<1x2x1x128xbf16>, %[[KC:[^:]+]]: tensor<1x2x512x128xi8>, %[[VC:[^:]+]]: tensor<1x2x512x128xf8E4M3FN>, %[[POS:[^:]+]]: index, %[[KS:[^:]+]]: tensor<1x2x512x1xbf16>, %[[VS:[^:]+]]: tensor<2x1x1xbf16>)
// CHECK:         %[[S:.+]] = ct.calculate_qparams %[[K]] quant<int8, token, dynamic> : (tensor<1x2x1x128xbf16>) -> tensor<1x2x1x1xbf16>
// CHECK:         %[[KQ:.+]] = ct.quantize %[[K]] scale(%[[S]]) quant<int8, token, dynamic>
// CHECK:         linalg.copy ins(%[[KQ]] : tensor<1x2x1x128xi8>)
// CHECK:         %[[KC2:.+]] = tensor.insert_slice %{{.+}} into %[[KC]][0, 0, %[[POS]], 0] [1, 2, 1, 128]
// CHECK:         linalg.copy ins(%[[S]] : tensor<1x2x1x1xbf16>)
// CHECK:         %[[KS2:.+]] = tensor.insert_slice %{{.+}} into %[[KS]][0, 0, %[[POS]], 0] [1, 2, 1, 1]
// CHECK:         %[[VQ:.+]] = ct.quantize %[[V]] scale(%[[VS]]) quant<float8, attn_head> : (tensor<1x2x1x128xbf16>, tensor<2x1x1xbf16>) -> tensor<1x2x1x128xf8E4M3FN>
// CHECK:         %[[VC2:.+]] = tensor.insert_slice %{{.+}} into %[[VC]][0, 0, %[[POS]], 0]
// CHECK:         gpu.launch
// CHECK:           %[[VSCALE16:.+]] = memref.load %{{.+}} : memref<2xbf16>
// CHECK:           %[[VSCALE:.+]] = arith.extf %[[VSCALE16]] : bf16 to f32
// CHECK:           %[[ACC:.+]]:20 = scf.for
// CHECK:             vector.load %{{.+}} : memref<131072xi8>, vector<16xi8>
// CHECK:             vector.load %{{.+}} : memref<131072xf8E4M3FN>, vector<16xf8E4M3FN>
// CHECK:             %[[KSCALE16:.+]] = memref.load %{{.+}} : memref<1024xbf16>
// CHECK:             %[[KSCALE:.+]] = arith.extf %[[KSCALE16]] : bf16 to f32
// CHECK:             %[[WORDS:.+]] = vector.bitcast %{{.+}} : vector<16xi8> to vector<4xi32>
// CHECK:             %[[WORD:.+]] = vector.extract %[[WORDS]][0] : i32 from vector<4xi32>
// CHECK:             %[[BIASED:.+]] = arith.xori %[[WORD]], %c-2139062144_i32 : i32
// CHECK:             %[[BITS:.+]] = nvvm.prmt <default> %c30016_i32, %[[BIASED]], %c1258291200_i32 : i32
// CHECK:             %[[X:.+]] = arith.bitcast %[[BITS]] : i32 to f32
// CHECK:             arith.subf %[[X]], %cst : f32
// CHECK-NOT:         arith.sitofp
// CHECK-NOT:         arith.truncf
// CHECK:             gpu.shuffle xor
// CHECK:             arith.mulf %{{.+}}, %[[KSCALE]] : f32
// CHECK:             scf.if
// CHECK-COUNT-8:     nvvm.convert.f8x2.to.f16x2 %{{.+}} : vector<2xi8>(f8E4M3FN) -> vector<2xf16>
// CHECK:             scf.yield
// CHECK:           %[[VS0:.+]] = vector.broadcast %[[VSCALE]] : f32 to vector<16xf32>
// CHECK:           arith.mulf %[[ACC]]#2, %[[VS0]] : vector<16xf32>
// CHECK:         gpu.launch
// CHECK:         return %{{.+}}, %[[KC2]], %[[VC2]], %[[KS2]]
func.func @decode_quantized(%q: tensor<1x8x1x128xbf16>, %k: tensor<1x2x1x128xbf16>,
    %v: tensor<1x2x1x128xbf16>, %kc: tensor<1x2x512x128xi8>,
    %vc: tensor<1x2x512x128xf8E4M3FN>, %pos: index,
    %ks: tensor<1x2x512x1xbf16>, %vs: tensor<2x1x1xbf16>)
    -> (tensor<1x8x1x128xbf16>, tensor<1x2x512x128xi8>,
        tensor<1x2x512x128xf8E4M3FN>, tensor<1x2x512x1xbf16>) {
  %o:4 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks, v: %vs)
      {scale = 0.08838834764831845 : f64,
       k_cache_quant = #ct.quant<int8, token, dynamic>,
       v_cache_quant = #ct.quant<float8, attn_head>}
      : (tensor<1x8x1x128xbf16>, tensor<1x2x1x128xbf16>, tensor<1x2x1x128xbf16>,
         tensor<1x2x512x128xi8>, tensor<1x2x512x128xf8E4M3FN>, index,
         tensor<1x2x512x1xbf16>, tensor<2x1x1xbf16>)
      -> (tensor<1x8x1x128xbf16>, tensor<1x2x512x128xi8>,
          tensor<1x2x512x128xf8E4M3FN>, tensor<1x2x512x1xbf16>)
  return %o#0, %o#1, %o#2, %o#3
      : tensor<1x8x1x128xbf16>, tensor<1x2x512x128xi8>,
        tensor<1x2x512x128xf8E4M3FN>, tensor<1x2x512x1xbf16>
}

// -----

// f32 scales are folded too: the static per-tensor fp8 key scale multiplies
// the query slices once, the per-row int8 value scale the probability; no
// element is dequantized.
// CHECK-LABEL: func.func @decode_quantized_f32_scales(
// CHECK:         gpu.launch
// CHECK:           %[[KSCALE:.+]] = memref.load %{{.+}}[%{{.+}}] : memref<1xf32>
// CHECK:           %[[KSCALES:.+]] = vector.broadcast %[[KSCALE]] : f32 to vector<16xf32>
// CHECK:           arith.mulf %{{.+}}, %[[KSCALES]] : vector<16xf32>
// CHECK:           scf.for
// CHECK-NOT:         arith.truncf
// CHECK:             %[[VSCALE:.+]] = memref.load %{{.+}} : memref<600xf32>
// CHECK:             gpu.shuffle xor
// CHECK:             arith.mulf %{{.+}}, %[[VSCALE]] : f32
// CHECK:             scf.yield
func.func @decode_quantized_f32_scales(%q: tensor<1x4x1x64xf32>, %k: tensor<1x2x1x64xf32>,
    %v: tensor<1x2x1x64xf32>, %kc: tensor<1x2x300x64xf8E4M3FN>,
    %vc: tensor<1x2x300x64xi8>, %pos: index,
    %ks: tensor<1xf32>, %vs: tensor<1x2x300x1xf32>)
    -> (tensor<1x4x1x64xf32>, tensor<1x2x300x64xf8E4M3FN>, tensor<1x2x300x64xi8>,
        tensor<1x2x300x1xf32>) {
  %o:4 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks, v: %vs)
      {scale = 0.125 : f64,
       k_cache_quant = #ct.quant<float8, tensor>,
       v_cache_quant = #ct.quant<int8, group = 64, dynamic>}
      : (tensor<1x4x1x64xf32>, tensor<1x2x1x64xf32>, tensor<1x2x1x64xf32>,
         tensor<1x2x300x64xf8E4M3FN>, tensor<1x2x300x64xi8>, index,
         tensor<1xf32>, tensor<1x2x300x1xf32>)
      -> (tensor<1x4x1x64xf32>, tensor<1x2x300x64xf8E4M3FN>, tensor<1x2x300x64xi8>,
          tensor<1x2x300x1xf32>)
  return %o#0, %o#1, %o#2, %o#3
      : tensor<1x4x1x64xf32>, tensor<1x2x300x64xf8E4M3FN>, tensor<1x2x300x64xi8>,
        tensor<1x2x300x1xf32>
}

// -----

// int4 caches (ct-pack-sub-byte-memrefs stores them two codes per byte): the
// new key row is quantized with a per-row (per-token-head) scale, the value
// row with the static per-head scale, as for int8. A lane loads its 16 codes
// as two 4-byte words (a vector<16xi4> load the packing makes one of 8
// bytes), 8 rows per step (4 times a 16-bit cache's); the even and odd codes of a word, biased by 8, go into bytes
// ((w & 0x0F0F0F0F) ^ 0x08080808 and the same of w >> 4), then code j
// becomes the low byte of 2^23 (a prmt) minus 2^23 + 8; the row's key scale
// multiplies the score, the head's value scale the accumulators after the
// loop.
// CHECK-LABEL: func.func @decode_int4(
// CHECK:         %[[S:.+]] = ct.calculate_qparams %{{.+}} quant<int4, group = 64, dynamic> : (tensor<1x2x1x64xf32>) -> tensor<1x2x1x1xf32>
// CHECK:         %[[KQ:.+]] = ct.quantize %{{.+}} scale(%[[S]]) quant<int4, group = 64, dynamic> : (tensor<1x2x1x64xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x1x64xi4>
// CHECK:         linalg.copy ins(%[[KQ]] : tensor<1x2x1x64xi4>)
// CHECK:         ct.quantize %{{.+}} quant<int4, attn_head> : (tensor<1x2x1x64xf32>, tensor<2x1x1xf32>) -> tensor<1x2x1x64xi4>
// CHECK:         gpu.launch
// CHECK:           %[[VSCALE:.+]] = memref.load %{{.+}} : memref<2xf32>
// CHECK:           %[[ACC:.+]]:22 = scf.for {{.+}} -> (f32, f32, vector<16xf32>, f32, f32, vector<16xf32>, vector<2xi32>{{(, vector<2xi32>)+}})
// CHECK:             %[[CODES:.+]] = vector.load %{{.+}} {alignment = 8 : i64} : memref<38400xi4>, vector<16xi4>
// CHECK:             vector.bitcast %[[CODES]] : vector<16xi4> to vector<2xi32>
// CHECK:             %[[KSCALE:.+]] = memref.load %{{.+}} : memref<600xf32>
// CHECK:             %[[WORD:.+]] = vector.extract %{{.+}}[0] : i32 from vector<2xi32>
// CHECK:             %[[EVENCODES:.+]] = arith.andi %[[WORD]], %c252645135_i32 : i32
// CHECK:             %[[EVEN:.+]] = arith.xori %[[EVENCODES]], %c134744072_i32 : i32
// CHECK:             %[[HIGH:.+]] = arith.shrui %[[WORD]], %c4_i32 : i32
// CHECK:             %[[ODDCODES:.+]] = arith.andi %[[HIGH]], %c252645135_i32 : i32
// CHECK:             %[[ODD:.+]] = arith.xori %[[ODDCODES]], %c134744072_i32 : i32
// CHECK:             %[[BITS:.+]] = nvvm.prmt <default> %c30016_i32, %[[EVEN]], %c1258291200_i32 : i32
// CHECK:             %[[X:.+]] = arith.bitcast %[[BITS]] : i32 to f32
// CHECK:             arith.subf %[[X]], %cst : f32
// CHECK:             nvvm.prmt <default> %c30016_i32, %[[ODD]], %c1258291200_i32 : i32
// CHECK-NOT:         arith.sitofp
// CHECK-NOT:         arith.truncf
// CHECK:             gpu.shuffle xor
// CHECK:             arith.mulf %{{.+}}, %[[KSCALE]] : f32
// CHECK:             scf.yield
// CHECK:           %[[VS0:.+]] = vector.broadcast %[[VSCALE]] : f32 to vector<16xf32>
// CHECK:           arith.mulf %[[ACC]]#2, %[[VS0]] : vector<16xf32>
func.func @decode_int4(%q: tensor<1x4x1x64xf32>, %k: tensor<1x2x1x64xf32>,
    %v: tensor<1x2x1x64xf32>, %kc: tensor<1x2x300x64xi4>,
    %vc: tensor<1x2x300x64xi4>, %pos: index,
    %ks: tensor<1x2x300x1xf32>, %vs: tensor<2x1x1xf32>)
    -> (tensor<1x4x1x64xf32>, tensor<1x2x300x64xi4>, tensor<1x2x300x64xi4>,
        tensor<1x2x300x1xf32>) {
  %o:4 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks, v: %vs)
      {scale = 0.125 : f64,
       k_cache_quant = #ct.quant<int4, group = 64, dynamic>,
       v_cache_quant = #ct.quant<int4, attn_head>}
      : (tensor<1x4x1x64xf32>, tensor<1x2x1x64xf32>, tensor<1x2x1x64xf32>,
         tensor<1x2x300x64xi4>, tensor<1x2x300x64xi4>, index,
         tensor<1x2x300x1xf32>, tensor<2x1x1xf32>)
      -> (tensor<1x4x1x64xf32>, tensor<1x2x300x64xi4>, tensor<1x2x300x64xi4>,
          tensor<1x2x300x1xf32>)
  return %o#0, %o#1, %o#2, %o#3
      : tensor<1x4x1x64xf32>, tensor<1x2x300x64xi4>, tensor<1x2x300x64xi4>,
        tensor<1x2x300x1xf32>
}

// -----

// fp4 (e2m1) caches, stored packed like int4: a lane loads its 16 codes as
// two words; per word, the f16 high bytes (sign in bit 7, the e2m1 bits in
// bits 1..3) of the even codes and of the odd codes are built with masks and
// shifts, then one prmt per pair of codes places them in an f16x2 (bytes 0
// and 2 cleared), worth value·2^-14. The 2^14 is folded into the query
// (keys) and, with the value head's scale, into the accumulators.
// CHECK-LABEL: func.func @decode_fp4(
// CHECK:         %[[S:.+]] = ct.calculate_qparams %{{.+}} quant<float4, group = 64, dynamic> : (tensor<1x2x1x64xf32>) -> tensor<1x2x1x1xf32>
// CHECK:         %[[KQ:.+]] = ct.quantize %{{.+}} scale(%[[S]]) quant<float4, group = 64, dynamic> : (tensor<1x2x1x64xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x1x64xf4E2M1FN>
// CHECK:         linalg.copy ins(%[[KQ]] : tensor<1x2x1x64xf4E2M1FN>)
// CHECK:         gpu.launch
// CHECK:           %[[VSCALE:.+]] = memref.load %{{.+}} : memref<2xf32>
// CHECK:           %[[VFACTOR:.+]] = arith.mulf %[[VSCALE]], %{{.+}} : f32
// CHECK:           %[[Q:.+]] = arith.mulf %{{.+}}, %cst_{{[0-9]+}} : vector<16xf32>
// CHECK:           arith.mulf %[[Q]], %cst_{{[0-9]+}} : vector<16xf32>
// CHECK:           %[[ACC:.+]]:22 = scf.for {{.+}} -> (f32, f32, vector<16xf32>, f32, f32, vector<16xf32>, vector<2xi32>{{(, vector<2xi32>)+}})
// CHECK:             %[[CODES:.+]] = vector.load %{{.+}} {alignment = 8 : i64} : memref<38400xf4E2M1FN>, vector<16xf4E2M1FN>
// CHECK:             vector.bitcast %[[CODES]] : vector<16xf4E2M1FN> to vector<2xi32>
// CHECK:             %[[KSCALE:.+]] = memref.load %{{.+}} : memref<600xf32>
// CHECK:             %[[WORD:.+]] = vector.extract %{{.+}}[0] : i32 from vector<2xi32>
// CHECK:             %[[EM:.+]] = arith.andi %[[WORD]], %c117901063_i32 : i32
// CHECK:             %[[EMS:.+]] = arith.shli %[[EM]], %c1_i32 : i32
// CHECK:             %[[ES:.+]] = arith.andi %[[WORD]], %c134744072_i32 : i32
// CHECK:             %[[ESS:.+]] = arith.shli %[[ES]], %c4_i32 : i32
// CHECK:             %[[EVEN:.+]] = arith.ori %[[EMS]], %[[ESS]] : i32
// CHECK:             %[[OM:.+]] = arith.andi %[[WORD]], %c1886417008_i32 : i32
// CHECK:             %[[OMS:.+]] = arith.shrui %[[OM]], %c3_i32 : i32
// CHECK:             %[[OS:.+]] = arith.andi %[[WORD]], %c-2139062144_i32 : i32
// CHECK:             %[[ODD:.+]] = arith.ori %[[OMS]], %[[OS]] : i32
// CHECK:             %[[PAIR:.+]] = nvvm.prmt <default> %c17408_i32, %[[EVEN]], %[[ODD]] : i32
// CHECK:             %[[HIGH:.+]] = arith.andi %[[PAIR]], %c-16711936_i32 : i32
// CHECK:             %[[SPLAT:.+]] = vector.broadcast %[[HIGH]] : i32 to vector<1xi32>
// CHECK:             vector.bitcast %[[SPLAT]] : vector<1xi32> to vector<2xf16>
// CHECK-COUNT-3:     nvvm.prmt
// CHECK:             arith.extf %{{.+}} : vector<16xf16> to vector<16xf32>
// CHECK:             gpu.shuffle xor
// CHECK:             arith.mulf %{{.+}}, %[[KSCALE]] : f32
// CHECK:             scf.yield
// CHECK:           %[[VF:.+]] = vector.broadcast %[[VFACTOR]] : f32 to vector<16xf32>
// CHECK:           arith.mulf %[[ACC]]#2, %[[VF]] : vector<16xf32>
func.func @decode_fp4(%q: tensor<1x4x1x64xf32>, %k: tensor<1x2x1x64xf32>,
    %v: tensor<1x2x1x64xf32>, %kc: tensor<1x2x300x64xf4E2M1FN>,
    %vc: tensor<1x2x300x64xf4E2M1FN>, %pos: index,
    %ks: tensor<1x2x300x1xf32>, %vs: tensor<2x1x1xf32>)
    -> (tensor<1x4x1x64xf32>, tensor<1x2x300x64xf4E2M1FN>,
        tensor<1x2x300x64xf4E2M1FN>, tensor<1x2x300x1xf32>) {
  %o:4 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks, v: %vs)
      {scale = 0.125 : f64,
       k_cache_quant = #ct.quant<float4, group = 64, dynamic>,
       v_cache_quant = #ct.quant<float4, attn_head>}
      : (tensor<1x4x1x64xf32>, tensor<1x2x1x64xf32>, tensor<1x2x1x64xf32>,
         tensor<1x2x300x64xf4E2M1FN>, tensor<1x2x300x64xf4E2M1FN>, index,
         tensor<1x2x300x1xf32>, tensor<2x1x1xf32>)
      -> (tensor<1x4x1x64xf32>, tensor<1x2x300x64xf4E2M1FN>,
          tensor<1x2x300x64xf4E2M1FN>, tensor<1x2x300x1xf32>)
  return %o#0, %o#1, %o#2, %o#3
      : tensor<1x4x1x64xf32>, tensor<1x2x300x64xf4E2M1FN>,
        tensor<1x2x300x64xf4E2M1FN>, tensor<1x2x300x1xf32>
}

// -----

// Asymmetric caches: the new key row is quantized with the dynamic per-row
// (token) scale and zero point ct.calculate_qparams computes, both written
// next to its codes; the new value row with the static per-head scale and
// zero point. The zero points are not subtracted per element, nor folded as
// zp·Σq and Σ p·zp terms: each becomes the bias the code conversion already
// subtracts, 2^23 + 128 + zp (the zero point xor 128 as the low byte of
// 2^23, like a code; no I2F) for int8, minus 120 for int4 (2^23 + 8 + zp),
// so that the codes convert to code − zp exactly. The value head's bias is
// computed once per block, a key row's beside its scale in the loop.
// CHECK-LABEL: func.func @decode_asymmetric(
// CHECK-SAME:      %[[K:[^:]+]]: tensor<1x2x1x64xf32>, %[[V:[^:]+]]: tensor<1x2x1x64xf32>, %[[KC:[^:]+]]: tensor<1x2x300x64xi8>, %[[VC:[^:]+]]: tensor<1x2x300x64xi4>, %[[POS:[^:]+]]: index, %[[KS:[^:]+]]: tensor<1x2x300x1xf32>, %[[KZ:[^:]+]]: tensor<1x2x300x1xi8>, %[[VS:[^:]+]]: tensor<2x1x1xf32>, %[[VZ:[^:]+]]: tensor<2x1x1xi8>)
// CHECK-DAG:     %[[C120:.+]] = arith.constant 1.200000e+02 : f32
// CHECK-DAG:     %[[EXP:.+]] = arith.constant 1258291200 : i32
// CHECK-DAG:     %[[C128:.+]] = arith.constant 128 : i32
// CHECK:         %[[S:.+]], %[[ZP:.+]] = ct.calculate_qparams %[[K]] quant<int8, token, asymmetric, dynamic> : (tensor<1x2x1x64xf32>) -> (tensor<1x2x1x1xf32>, tensor<1x2x1x1xi8>)
// CHECK:         %[[KQ:.+]] = ct.quantize %[[K]] scale(%[[S]]) zero_point(%[[ZP]]) quant<int8, token, asymmetric, dynamic> : (tensor<1x2x1x64xf32>, tensor<1x2x1x1xf32>, tensor<1x2x1x1xi8>) -> tensor<1x2x1x64xi8>
// CHECK:         linalg.copy ins(%[[KQ]] : tensor<1x2x1x64xi8>)
// CHECK:         %[[KC2:.+]] = tensor.insert_slice %{{.+}} into %[[KC]][0, 0, %[[POS]], 0] [1, 2, 1, 64]
// CHECK:         linalg.copy ins(%[[S]] : tensor<1x2x1x1xf32>)
// CHECK:         %[[KS2:.+]] = tensor.insert_slice %{{.+}} into %[[KS]][0, 0, %[[POS]], 0] [1, 2, 1, 1]
// CHECK:         linalg.copy ins(%[[ZP]] : tensor<1x2x1x1xi8>)
// CHECK:         %[[KZ2:.+]] = tensor.insert_slice %{{.+}} into %[[KZ]][0, 0, %[[POS]], 0] [1, 2, 1, 1]
// CHECK:         %[[KZBUF:.+]] = bufferization.to_buffer %[[KZ2]] read_only
// CHECK:         %[[KZFLAT:.+]] = memref.collapse_shape %[[KZBUF]] {{.+}} into memref<600xi8>
// CHECK:         %[[VQ:.+]] = ct.quantize %[[V]] scale(%[[VS]]) zero_point(%[[VZ]]) quant<int4, attn_head, asymmetric> : (tensor<1x2x1x64xf32>, tensor<2x1x1xf32>, tensor<2x1x1xi8>) -> tensor<1x2x1x64xi4>
// CHECK:         %[[VC2:.+]] = tensor.insert_slice %{{.+}} into %[[VC]][0, 0, %[[POS]], 0]
// CHECK:         %[[VZBUF:.+]] = bufferization.to_buffer %[[VZ]] read_only
// CHECK:         %[[VZFLAT:.+]] = memref.collapse_shape %[[VZBUF]] {{.+}} into memref<2xi8>
// CHECK:         gpu.launch
// CHECK:           %[[VZ8:.+]] = memref.load %[[VZFLAT]][%{{.+}}] : memref<2xi8>
// CHECK:           %[[VZ32:.+]] = arith.extui %[[VZ8]] : i8 to i32
// CHECK:           %[[VZB:.+]] = arith.xori %[[VZ32]], %[[C128]] : i32
// CHECK:           %[[VZBITS:.+]] = arith.ori %[[VZB]], %[[EXP]] : i32
// CHECK:           %[[VZF:.+]] = arith.bitcast %[[VZBITS]] : i32 to f32
// CHECK:           %[[VBIAS:.+]] = arith.subf %[[VZF]], %[[C120]] : f32
// CHECK:           scf.for
// CHECK:             %[[KZ8:.+]] = memref.load %[[KZFLAT]][%{{.+}}] : memref<600xi8>
// CHECK:             %[[KZ32:.+]] = arith.extui %[[KZ8]] : i8 to i32
// CHECK:             %[[KZB:.+]] = arith.xori %[[KZ32]], %[[C128]] : i32
// CHECK:             %[[KZBITS:.+]] = arith.ori %[[KZB]], %[[EXP]] : i32
// CHECK:             %[[KBIAS:.+]] = arith.bitcast %[[KZBITS]] : i32 to f32
// CHECK:             %[[BITS:.+]] = nvvm.prmt <default> %c30016_i32, %{{.+}}, %[[EXP]] : i32
// CHECK:             %[[X:.+]] = arith.bitcast %[[BITS]] : i32 to f32
// CHECK:             arith.subf %[[X]], %[[KBIAS]] : f32
// CHECK-NOT:         arith.sitofp
// CHECK:             gpu.shuffle xor
// CHECK:             scf.if
// CHECK:             nvvm.prmt <default> %c30016_i32, %{{.+}}, %[[EXP]] : i32
// CHECK:             arith.subf %{{.+}}, %[[VBIAS]] : f32
// CHECK:             scf.yield
// CHECK:         return %{{.+}}, %[[KC2]], %[[VC2]], %[[KS2]], %[[KZ2]]
func.func @decode_asymmetric(%q: tensor<1x4x1x64xf32>, %k: tensor<1x2x1x64xf32>,
    %v: tensor<1x2x1x64xf32>, %kc: tensor<1x2x300x64xi8>, %vc: tensor<1x2x300x64xi4>,
    %pos: index, %ks: tensor<1x2x300x1xf32>, %kz: tensor<1x2x300x1xi8>,
    %vs: tensor<2x1x1xf32>, %vz: tensor<2x1x1xi8>)
    -> (tensor<1x4x1x64xf32>, tensor<1x2x300x64xi8>, tensor<1x2x300x64xi4>,
        tensor<1x2x300x1xf32>, tensor<1x2x300x1xi8>) {
  %o:5 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks zero_point %kz, v: %vs zero_point %vz)
      {scale = 0.125 : f64,
       k_cache_quant = #ct.quant<int8, token, asymmetric, dynamic>,
       v_cache_quant = #ct.quant<int4, attn_head, asymmetric>}
      : (tensor<1x4x1x64xf32>, tensor<1x2x1x64xf32>, tensor<1x2x1x64xf32>,
         tensor<1x2x300x64xi8>, tensor<1x2x300x64xi4>, index,
         tensor<1x2x300x1xf32>, tensor<1x2x300x1xi8>, tensor<2x1x1xf32>,
         tensor<2x1x1xi8>)
      -> (tensor<1x4x1x64xf32>, tensor<1x2x300x64xi8>, tensor<1x2x300x64xi4>,
          tensor<1x2x300x1xf32>, tensor<1x2x300x1xi8>)
  return %o#0, %o#1, %o#2, %o#3, %o#4
      : tensor<1x4x1x64xf32>, tensor<1x2x300x64xi8>, tensor<1x2x300x64xi4>,
        tensor<1x2x300x1xf32>, tensor<1x2x300x1xi8>
}

// -----

// Scales (and zero points) per group of a row: G = D/group per cache row,
// written as ct.calculate_qparams computes them for the new row. A lane's
// slice of 16 elements lies in one group (L = 4 lanes per row): key group
// rowLane / 2 of 2 (group 32), value group rowLane of 4 (group 16), loaded
// at row·G + group. A key group's scale multiplies the lane's partial dot
// product before the lane group's butterflies, its zero point the codes'
// bias; a value group's scale the probability the lane weighs its slice by.
// CHECK-LABEL: func.func @decode_groups(
// CHECK-SAME:      %[[K:[^:]+]]: tensor<1x2x1x64xf32>, %[[V:[^:]+]]: tensor<1x2x1x64xf32>, %[[KC:[^:]+]]: tensor<1x2x300x64xi4>, %[[VC:[^:]+]]: tensor<1x2x300x64xi8>, %[[POS:[^:]+]]: index, %[[KS:[^:]+]]: tensor<1x2x300x2xf32>, %[[KZ:[^:]+]]: tensor<1x2x300x2xi8>, %[[VS:[^:]+]]: tensor<1x2x300x4xf32>)
// CHECK:         %[[S:.+]], %[[ZP:.+]] = ct.calculate_qparams %[[K]] quant<int4, group = 32, asymmetric, dynamic> : (tensor<1x2x1x64xf32>) -> (tensor<1x2x1x2xf32>, tensor<1x2x1x2xi8>)
// CHECK:         ct.quantize %[[K]] scale(%[[S]]) zero_point(%[[ZP]]) quant<int4, group = 32, asymmetric, dynamic>
// CHECK:         linalg.copy ins(%[[S]] : tensor<1x2x1x2xf32>)
// CHECK:         tensor.insert_slice %{{.+}} into %[[KS]][0, 0, %[[POS]], 0] [1, 2, 1, 2]
// CHECK:         %[[KSFLAT:.+]] = memref.collapse_shape %{{.+}} into memref<1200xf32>
// CHECK:         linalg.copy ins(%[[ZP]] : tensor<1x2x1x2xi8>)
// CHECK:         tensor.insert_slice %{{.+}} into %[[KZ]][0, 0, %[[POS]], 0] [1, 2, 1, 2]
// CHECK:         %[[KZFLAT:.+]] = memref.collapse_shape %{{.+}} into memref<1200xi8>
// CHECK:         %[[VSC:.+]] = ct.calculate_qparams %[[V]] quant<int8, group = 16, dynamic> : (tensor<1x2x1x64xf32>) -> tensor<1x2x1x4xf32>
// CHECK:         ct.quantize %[[V]] scale(%[[VSC]]) quant<int8, group = 16, dynamic>
// CHECK:         linalg.copy ins(%[[VSC]] : tensor<1x2x1x4xf32>)
// CHECK:         tensor.insert_slice %{{.+}} into %[[VS]][0, 0, %[[POS]], 0] [1, 2, 1, 4]
// CHECK:         %[[VSFLAT:.+]] = memref.collapse_shape %{{.+}} into memref<2400xf32>
// CHECK:         gpu.launch
// CHECK:           %[[LANE:.+]] = arith.remui %{{.+}}, %c32 : index
// CHECK:           %[[ROWLANE:.+]] = arith.remui %[[LANE]], %c4 : index
// CHECK:           %[[KGROUP:.+]] = arith.divui %[[ROWLANE]], %c2 : index
// CHECK:           scf.for
// CHECK:             %[[KROW:.+]] = arith.muli %[[ROW:[0-9]+]], %c2 : index
// CHECK-NEXT:        %[[KAT:.+]] = arith.addi %[[KROW]], %[[KGROUP]] : index
// CHECK-NEXT:        %[[KSCALE:.+]] = memref.load %[[KSFLAT]][%[[KAT]]] : memref<1200xf32>
// CHECK-NEXT:        memref.load %[[KZFLAT]][%[[KAT]]] : memref<1200xi8>
// CHECK:             %[[VROW:.+]] = arith.muli %[[ROW]], %c4 : index
// CHECK-NEXT:        %[[VAT:.+]] = arith.addi %[[VROW]], %[[ROWLANE]] : index
// CHECK-NEXT:        %[[VSCALE:.+]] = memref.load %[[VSFLAT]][%[[VAT]]] : memref<2400xf32>
// CHECK:             llvm.intr.fma
// CHECK-NOT:         gpu.shuffle
// CHECK:             %[[SCALED:.+]] = arith.mulf %{{.+}}, %[[KSCALE]] : f32
// CHECK-NEXT:        gpu.shuffle xor %[[SCALED]], %c1_i32
// CHECK:             scf.if
// CHECK:             } else {
// CHECK:             %[[P:.+]] = llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f32"
// CHECK-NEXT:        arith.addf %{{.+}}, %[[P]] : f32
// CHECK-NEXT:        %[[PV:.+]] = arith.mulf %[[P]], %[[VSCALE]] : f32
// CHECK-NEXT:        %[[PVB:.+]] = vector.broadcast %[[PV]] : f32 to vector<16xf32>
// CHECK-NEXT:        vector.fma %[[PVB]]
// CHECK:             scf.yield
func.func @decode_groups(%q: tensor<1x4x1x64xf32>, %k: tensor<1x2x1x64xf32>,
    %v: tensor<1x2x1x64xf32>, %kc: tensor<1x2x300x64xi4>, %vc: tensor<1x2x300x64xi8>,
    %pos: index, %ks: tensor<1x2x300x2xf32>, %kz: tensor<1x2x300x2xi8>,
    %vs: tensor<1x2x300x4xf32>)
    -> (tensor<1x4x1x64xf32>, tensor<1x2x300x64xi4>, tensor<1x2x300x64xi8>,
        tensor<1x2x300x2xf32>, tensor<1x2x300x2xi8>, tensor<1x2x300x4xf32>) {
  %o:6 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks zero_point %kz, v: %vs)
      {scale = 0.125 : f64,
       k_cache_quant = #ct.quant<int4, group = 32, asymmetric, dynamic>,
       v_cache_quant = #ct.quant<int8, group = 16, dynamic>}
      : (tensor<1x4x1x64xf32>, tensor<1x2x1x64xf32>, tensor<1x2x1x64xf32>,
         tensor<1x2x300x64xi4>, tensor<1x2x300x64xi8>, index,
         tensor<1x2x300x2xf32>, tensor<1x2x300x2xi8>, tensor<1x2x300x4xf32>)
      -> (tensor<1x4x1x64xf32>, tensor<1x2x300x64xi4>, tensor<1x2x300x64xi8>,
          tensor<1x2x300x2xf32>, tensor<1x2x300x2xi8>, tensor<1x2x300x4xf32>)
  return %o#0, %o#1, %o#2, %o#3, %o#4, %o#5
      : tensor<1x4x1x64xf32>, tensor<1x2x300x64xi4>, tensor<1x2x300x64xi8>,
        tensor<1x2x300x2xf32>, tensor<1x2x300x2xi8>, tensor<1x2x300x4xf32>
}

// -----

// Prefill over quantized caches: the cache write as for decode, then one
// kernel per cache dequantizes the visible rows (position + 32 of each
// (batch, kv head)) into a bf16 buffer, 16 blocks per kv head striding over
// slices of 8 codes: int4 keys with a bf16 scale per group of 32 (the
// slice's group: row·2 + column/32; f32 product, rounded to bf16 once, as
// ct.dequantize's bf16 arithmetic rounds it), fp8 values with the head's f32
// scale loaded before the loop. The tensor-core prefill reads the two bf16
// buffers.
// CHECK-LABEL: func.func @quantized_prefill(
// CHECK-DAG:     %[[C1:.+]] = arith.constant 1 : index
// CHECK-DAG:     %[[C2:.+]] = arith.constant 2 : index
// CHECK-DAG:     %[[C8:.+]] = arith.constant 8 : index
// CHECK-DAG:     %[[C32:.+]] = arith.constant 32 : index
// CHECK-DAG:     %[[C128:.+]] = arith.constant 128 : index
// CHECK-DAG:     %[[C2048:.+]] = arith.constant 2048 : index
// CHECK:         %[[KS:.+]] = memref.collapse_shape %{{.+}} {{\[\[}}0, 1, 2, 3]] : memref<1x2x256x2xbf16> into memref<1024xbf16>
// CHECK:         %[[VS:.+]] = memref.collapse_shape %{{.+}} {{\[\[}}0, 1, 2]] : memref<2x1x1xf32> into memref<2xf32>
// CHECK:         %[[LEN:.+]] = arith.addi %{{.+}}, %[[C32]] : index
// CHECK:         %[[KC:.+]] = memref.collapse_shape %{{.+}} : memref<1x2x256x64xi4> into memref<32768xi4>
// CHECK:         %[[VC:.+]] = memref.collapse_shape %{{.+}} : memref<1x2x256x64xf8E4M3FN> into memref<32768xf8E4M3FN>
// CHECK:         %[[KF:.+]] = memref.alloc() : memref<32768xbf16>
// CHECK:         gpu.launch blocks(%[[B:.+]], %{{.+}}, %{{.+}}) in (%{{.+}} = %[[C32]], %{{.+}} = %[[C1]], %{{.+}} = %[[C1]]) threads(%[[T:.+]], %{{.+}}, %{{.+}}) in (%{{.+}} = %[[C128]],
// CHECK:           %[[SLICES:.+]] = arith.muli %[[LEN]], %[[C8]] : index
// CHECK:           scf.for %[[I:.+]] = %{{.+}} to %[[SLICES]] step %[[C2048]] {
// CHECK:             %[[ROW:.+]] = arith.addi
// CHECK:             %[[COL:.+]] = arith.muli %{{.+}}, %[[C8]] : index
// CHECK:             %[[AT:.+]] = arith.addi %{{.+}}, %[[COL]] : index
// CHECK:             %[[GROUPS:.+]] = arith.muli %[[ROW]], %[[C2]] : index
// CHECK:             %[[GROUP:.+]] = arith.divui %[[COL]], %[[C32]] : index
// CHECK:             %[[SAT:.+]] = arith.addi %[[GROUPS]], %[[GROUP]] : index
// CHECK:             %[[S:.+]] = memref.load %[[KS]][%[[SAT]]] : memref<1024xbf16>
// CHECK:             vector.load %[[KC]][%[[AT]]] {alignment = 4 : i64} : memref<32768xi4>, vector<8xi4>
// CHECK-COUNT-8:     nvvm.prmt
// CHECK:             %[[X:.+]] = arith.mulf %{{.+}}, %{{.+}} : vector<8xf32>
// CHECK:             %[[Y:.+]] = arith.truncf %[[X]] : vector<8xf32> to vector<8xbf16>
// CHECK:             vector.store %[[Y]], %[[KF]][%[[AT]]] {alignment = 16 : i64} : memref<32768xbf16>, vector<8xbf16>
// CHECK:         %[[VF:.+]] = memref.alloc() : memref<32768xbf16>
// CHECK:         gpu.launch
// CHECK:           memref.load %[[VS]][%{{.+}}] : memref<2xf32>
// CHECK:           scf.for
// CHECK:             vector.load %[[VC]][%[[VAT:.+]]] {alignment = 8 : i64} : memref<32768xf8E4M3FN>, vector<8xf8E4M3FN>
// CHECK-COUNT-4:     nvvm.convert.f8x2.to.f16x2
// CHECK:             vector.store %{{.+}}, %[[VF]][%[[VAT]]] {alignment = 16 : i64} : memref<32768xbf16>, vector<8xbf16>
// CHECK:         gpu.launch
// CHECK-DAG:       memref.extract_aligned_pointer_as_index %[[KF]] : memref<32768xbf16> -> index
// CHECK-DAG:       memref.extract_aligned_pointer_as_index %[[VF]] : memref<32768xbf16> -> index
// CHECK:           nvvm.mma.sync
func.func @quantized_prefill(%q: tensor<1x4x32x64xbf16>, %k: tensor<1x2x32x64xbf16>,
    %v: tensor<1x2x32x64xbf16>, %kc: tensor<1x2x256x64xi4>,
    %vc: tensor<1x2x256x64xf8E4M3FN>, %pos: index,
    %ks: tensor<1x2x256x2xbf16>, %vs: tensor<2x1x1xf32>)
    -> tensor<1x4x32x64xbf16> {
  %o:4 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks, v: %vs)
      {scale = 0.125 : f64, causal,
       k_cache_quant = #ct.quant<int4, group = 32, dynamic>,
       v_cache_quant = #ct.quant<float8, attn_head>}
      : (tensor<1x4x32x64xbf16>, tensor<1x2x32x64xbf16>, tensor<1x2x32x64xbf16>,
         tensor<1x2x256x64xi4>, tensor<1x2x256x64xf8E4M3FN>, index,
         tensor<1x2x256x2xbf16>, tensor<2x1x1xf32>)
      -> (tensor<1x4x32x64xbf16>, tensor<1x2x256x64xi4>,
          tensor<1x2x256x64xf8E4M3FN>, tensor<1x2x256x2xbf16>)
  return %o#0 : tensor<1x4x32x64xbf16>
}

// -----

func.func @asymmetric_fp8_cache(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>,
    %v: tensor<1x2x1x16xf32>, %kc: tensor<1x2x64x16xf8E4M3FN>, %vc: tensor<1x2x64x16xi8>,
    %pos: index, %ks: tensor<1xf32>, %kz: tensor<1xf8E4M3FN>,
    %vs: tensor<1xf32>) -> tensor<1x4x1x16xf32> {
  // expected-error @below {{'ct.hooked_attention' op cannot be lowered to the GPU: expected i8 or i4 codes for a cache with zero points, got f8E4M3FN}}
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks zero_point %kz, v: %vs)
      {scale = 0.25 : f64,
       k_cache_quant = #ct.quant<float8, asymmetric>,
       v_cache_quant = #ct.quant<int8, tensor>}
      : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>,
         tensor<1x2x64x16xf8E4M3FN>, tensor<1x2x64x16xi8>, index,
         tensor<1xf32>, tensor<1xf8E4M3FN>, tensor<1xf32>)
      -> (tensor<1x4x1x16xf32>, tensor<1x2x64x16xf8E4M3FN>, tensor<1x2x64x16xi8>)
  return %o#0 : tensor<1x4x1x16xf32>
}

// -----

func.func @i32_zero_point(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>,
    %v: tensor<1x2x1x16xf32>, %kc: tensor<1x2x64x16xi8>, %vc: tensor<1x2x64x16xi8>,
    %pos: index, %ks: tensor<1xf32>, %vs: tensor<1xf32>, %vz: tensor<1xi32>)
    -> tensor<1x4x1x16xf32> {
  // expected-error @below {{'ct.hooked_attention' op cannot be lowered to the GPU: expected i8 cache zero points, got i32}}
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks, v: %vs zero_point %vz)
      {scale = 0.25 : f64,
       k_cache_quant = #ct.quant<int8, tensor>,
       v_cache_quant = #ct.quant<int8, asymmetric>}
      : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>,
         tensor<1x2x64x16xi8>, tensor<1x2x64x16xi8>, index,
         tensor<1xf32>, tensor<1xf32>, tensor<1xi32>)
      -> (tensor<1x4x1x16xf32>, tensor<1x2x64x16xi8>, tensor<1x2x64x16xi8>)
  return %o#0 : tensor<1x4x1x16xf32>
}

// -----

// A lane folds one scale and zero point into its slice (16 elements at
// D = 16): groups of 8 would need two.
func.func @asymmetric_group_cache(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>,
    %v: tensor<1x2x1x16xf32>, %kc: tensor<1x2x64x16xi8>, %vc: tensor<1x2x64x16xi8>,
    %pos: index, %ks: tensor<1x2x64x2xf32>, %kz: tensor<1x2x64x2xi8>,
    %vs: tensor<1xf32>) -> tensor<1x4x1x16xf32> {
  // expected-error @below {{'ct.hooked_attention' op cannot be lowered to the GPU: expected scale groups of whole lane slices of 16 elements, got groups of 8}}
  %o:5 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks zero_point %kz, v: %vs)
      {scale = 0.25 : f64,
       k_cache_quant = #ct.quant<int8, group = 8, asymmetric, dynamic>,
       v_cache_quant = #ct.quant<int8, tensor>}
      : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>,
         tensor<1x2x64x16xi8>, tensor<1x2x64x16xi8>, index,
         tensor<1x2x64x2xf32>, tensor<1x2x64x2xi8>, tensor<1xf32>)
      -> (tensor<1x4x1x16xf32>, tensor<1x2x64x16xi8>, tensor<1x2x64x16xi8>,
          tensor<1x2x64x2xf32>, tensor<1x2x64x2xi8>)
  return %o#0 : tensor<1x4x1x16xf32>
}

// -----

// Prefill dequantizes fp8 codes two at a time (and 4-bit codes in whole
// bytes) within one scale group: groups of 3 hold no pair.
func.func @prefill_odd_groups(%q: tensor<1x2x4x48xf32>, %k: tensor<1x2x4x48xf32>,
    %v: tensor<1x2x4x48xf32>, %kc: tensor<1x2x64x48xf8E4M3FN>,
    %vc: tensor<1x2x64x48xf8E4M3FN>, %pos: index, %ks: tensor<1x2x64x16xf32>,
    %vs: tensor<1xf32>) -> tensor<1x2x4x48xf32> {
  // expected-error @below {{'ct.hooked_attention' op cannot be lowered to the GPU: expected scale groups of an even number of elements, got groups of 3}}
  %o:4 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks, v: %vs)
      {scale = 0.25 : f64, k_cache_quant = #ct.quant<float8, group = 3, dynamic>,
       v_cache_quant = #ct.quant<float8, tensor>}
      : (tensor<1x2x4x48xf32>, tensor<1x2x4x48xf32>, tensor<1x2x4x48xf32>,
         tensor<1x2x64x48xf8E4M3FN>, tensor<1x2x64x48xf8E4M3FN>, index,
         tensor<1x2x64x16xf32>, tensor<1xf32>)
      -> (tensor<1x2x4x48xf32>, tensor<1x2x64x48xf8E4M3FN>,
          tensor<1x2x64x48xf8E4M3FN>, tensor<1x2x64x16xf32>)
  return %o#0 : tensor<1x2x4x48xf32>
}

// -----

func.func @fp6_cache(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>,
    %v: tensor<1x2x1x16xf32>, %kc: tensor<1x2x64x16xf6E2M3FN>, %vc: tensor<1x2x64x16xi8>,
    %pos: index, %ks: tensor<1xf32>, %vs: tensor<1xf32>) -> tensor<1x4x1x16xf32> {
  // expected-error @below {{'ct.hooked_attention' op cannot be lowered to the GPU: expected i8, i4, f8E4M3FN or f4E2M1FN cache codes, got f6E2M3FN}}
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks, v: %vs)
      {scale = 0.25 : f64, k_cache_quant = #ct.quant<float6, tensor>,
       v_cache_quant = #ct.quant<int8, tensor>}
      : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>,
         tensor<1x2x64x16xf6E2M3FN>, tensor<1x2x64x16xi8>, index, tensor<1xf32>,
         tensor<1xf32>)
      -> (tensor<1x4x1x16xf32>, tensor<1x2x64x16xf6E2M3FN>, tensor<1x2x64x16xi8>)
  return %o#0 : tensor<1x4x1x16xf32>
}

// -----

func.func @int4_odd_lane_slice(%q: tensor<1x4x1x12xf32>, %k: tensor<1x2x1x12xf32>,
    %v: tensor<1x2x1x12xf32>, %kc: tensor<1x2x64x12xi4>, %vc: tensor<1x2x64x12xi4>,
    %pos: index, %ks: tensor<1xf32>, %vs: tensor<1xf32>) -> tensor<1x4x1x12xf32> {
  // expected-error @below {{'ct.hooked_attention' op cannot be lowered to the GPU: expected 2, 4 or a multiple of 8 elements of a 4-bit cache row per lane, got 12}}
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks, v: %vs)
      {scale = 0.25 : f64, k_cache_quant = #ct.quant<int4, tensor>,
       v_cache_quant = #ct.quant<int4, tensor>}
      : (tensor<1x4x1x12xf32>, tensor<1x2x1x12xf32>, tensor<1x2x1x12xf32>,
         tensor<1x2x64x12xi4>, tensor<1x2x64x12xi4>, index, tensor<1xf32>,
         tensor<1xf32>)
      -> (tensor<1x4x1x12xf32>, tensor<1x2x64x12xi4>, tensor<1x2x64x12xi4>)
  return %o#0 : tensor<1x4x1x12xf32>
}

// -----

func.func @dynamic_shape(%q: tensor<1x4x?x64xf32>, %k: tensor<1x4x?x64xf32>,
                         %v: tensor<1x4x?x64xf32>) -> tensor<1x4x?x64xf32> {
  // expected-error @below {{'ct.hooked_attention' op cannot be lowered to the GPU: expected static shapes}}
  %o = ct.hooked_attention %q, %k, %v {scale = 0.125 : f64}
      : (tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>)
      -> tensor<1x4x?x64xf32>
  return %o : tensor<1x4x?x64xf32>
}

// -----

func.func @f64(%q: tensor<1x4x1x64xf64>, %k: tensor<1x4x8x64xf64>,
               %v: tensor<1x4x8x64xf64>) -> tensor<1x4x1x64xf64> {
  // expected-error @below {{'ct.hooked_attention' op cannot be lowered to the GPU: expected f32, bf16 or f16 tensors}}
  %o = ct.hooked_attention %q, %k, %v {scale = 0.125 : f64}
      : (tensor<1x4x1x64xf64>, tensor<1x4x8x64xf64>, tensor<1x4x8x64xf64>)
      -> tensor<1x4x1x64xf64>
  return %o : tensor<1x4x1x64xf64>
}

// -----

func.func @head_dim_too_large(%q: tensor<1x1x1x1024xf32>, %k: tensor<1x1x8x1024xf32>,
                              %v: tensor<1x1x8x1024xf32>) -> tensor<1x1x1x1024xf32> {
  // expected-error @below {{'ct.hooked_attention' op cannot be lowered to the GPU: expected head dims of at most 512 elements, got 1024 and 1024}}
  %o = ct.hooked_attention %q, %k, %v {scale = 0.125 : f64}
      : (tensor<1x1x1x1024xf32>, tensor<1x1x8x1024xf32>, tensor<1x1x8x1024xf32>)
      -> tensor<1x1x1x1024xf32>
  return %o : tensor<1x1x1x1024xf32>
}

// -----

// 4 warps of 16 query heads need 4 × 16 × (256 + 2) floats of shared memory
// to merge their states.
func.func @decode_shared_memory(%q: tensor<1x16x1x256xf32>, %k: tensor<1x1x64x256xf32>,
                                %v: tensor<1x1x64x256xf32>) -> tensor<1x16x1x256xf32> {
  // expected-error @below {{'ct.hooked_attention' op cannot be lowered to the GPU: the decode block's partial results need 66048 bytes of shared memory, more than 49152}}
  %o = ct.hooked_attention %q, %k, %v {scale = 0.0625 : f64}
      : (tensor<1x16x1x256xf32>, tensor<1x1x64x256xf32>, tensor<1x1x64x256xf32>)
      -> tensor<1x16x1x256xf32>
  return %o : tensor<1x16x1x256xf32>
}
