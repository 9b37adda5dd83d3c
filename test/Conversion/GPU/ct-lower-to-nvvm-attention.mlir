// RUN: ct-opt %s --split-input-file --ct-lower-to-nvvm="format=isa" | FileCheck %s
// RUN: ct-opt %s --split-input-file --ct-lower-to-nvvm="format=isa" | FileCheck %s --check-prefix=NO-LIBDEVICE

// The PTX of the attention kernels (ct-attention-to-gpu) as
// gpu-module-to-binary embeds it (format=isa needs no CUDA toolkit), after
// the host code that launches them.

// Kernels call no libdevice function (exp2 is ex2.approx.ftz.f32).
// NO-LIBDEVICE-NOT: __nv_

// Decode over writable bf16 caches: the new rows are copied in place by two
// small kernels (no whole-cache copy, no host copy), then the split kernel
// and the merge kernel run; their partials live in managed memory.
// Split kernel: 128 threads, 32 bytes of a K/V row per lane (two
// ld.global.v4.b32), 4 query heads × 2 rows × 3 butterflies per step,
// ex2.approx.ftz for the softmax, one
// barrier after the warps' states are stored in shared memory. Merge kernel:
// one thread per output element, normalized and rounded to bf16.
// The host creates one stream for the call, on which the four launches, the
// partials' allocations and frees run in order, and waits for it once,
// before it returns.
// CHECK-LABEL: llvm.func @decode_gqa(
// CHECK-NOT:     llvm.call @memrefCopy
// CHECK:         %[[STREAM:.+]] = llvm.call @mgpuStreamCreate()
// CHECK-NOT:     mgpuStream
// CHECK:         gpu.launch_func <%[[STREAM]] : !llvm.ptr> @decode_gqa_kernel::@decode_gqa_kernel
// CHECK-NOT:     mgpuStream
// CHECK:         gpu.launch_func <%[[STREAM]] : !llvm.ptr> @decode_gqa_kernel_0::@decode_gqa_kernel
// CHECK-NOT:     mgpuStream
// CHECK-COUNT-2: llvm.call @mgpuMemAlloc({{.*}}, %[[STREAM]],
// CHECK-NOT:     mgpuStream
// CHECK:         gpu.launch_func <%[[STREAM]] : !llvm.ptr> @decode_gqa_kernel_1::@decode_gqa_kernel
// CHECK-NOT:     mgpuStream
// CHECK:         gpu.launch_func <%[[STREAM]] : !llvm.ptr> @decode_gqa_kernel_2::@decode_gqa_kernel
// CHECK-NOT:     mgpuStream
// CHECK-COUNT-2: llvm.call @mgpuMemFree({{.*}}, %[[STREAM]])
// CHECK-NEXT:    llvm.call @mgpuStreamSynchronize(%[[STREAM]])
// CHECK-NEXT:    llvm.call @mgpuStreamDestroy(%[[STREAM]])
// CHECK-NEXT:    llvm.return
// CHECK-LABEL: gpu.binary @decode_gqa_kernel_1
// CHECK-SAME:    .maxntid 128, 1, 1
// CHECK-SAME:    ld.global.v4.b32
// CHECK-SAME:    ld.global.v4.b32
// CHECK-COUNT-32: shfl.sync.bfly.b32
// CHECK-SAME:    ex2.approx.ftz.f32
// CHECK-SAME:    fma.rn.f32
// CHECK-SAME:    st.shared.v4.b32
// CHECK-SAME:    bar.sync
// CHECK-LABEL: gpu.binary @decode_gqa_kernel_2
// CHECK-SAME:    ex2.approx.ftz.f32
// CHECK-SAME:    div.rn.f32
// CHECK-SAME:    cvt.rn.bf16.f32
// CHECK-SAME:    st.global.b16
func.func @decode_gqa(%q: tensor<1x8x1x128xbf16>, %k: tensor<1x2x1x128xbf16>,
                      %v: tensor<1x2x1x128xbf16>,
                      %kc: tensor<1x2x4096x128xbf16> {bufferization.writable = true},
                      %vc: tensor<1x2x4096x128xbf16> {bufferization.writable = true},
                      %pos: index) -> tensor<1x8x1x128xbf16> {
  %o, %kc2, %vc2 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      {scale = 0.08838834764831845 : f64}
      : (tensor<1x8x1x128xbf16>, tensor<1x2x1x128xbf16>, tensor<1x2x1x128xbf16>,
         tensor<1x2x4096x128xbf16>, tensor<1x2x4096x128xbf16>, index)
      -> (tensor<1x8x1x128xbf16>, tensor<1x2x4096x128xbf16>, tensor<1x2x4096x128xbf16>)
  return %o : tensor<1x8x1x128xbf16>
}

// -----

// Decode over quantized caches: int8 keys with per-row scales, fp8 values
// with a per-head scale. A lane holds 16 codes (one 16-byte load); int8
// codes become the low byte of 2^23 with prmt.b32 (no cvt from an integer),
// fp8 codes convert two at a time with the hardware cvt.rn.f16x2.e4m3x2
// (sm_89+), then to f32 (cvt.f32.f16); LLVM places the value conversions
// and accumulation at the top of the rotated loop.
// The caches are not writable: the updated ones are copies, strided parts of
// them copied by kernels, so that launches, copies and temporaries run on
// one stream, which the host waits for once, before it returns.
// CHECK-LABEL: llvm.func @decode_quantized(
// CHECK-NOT:     llvm.call @memrefCopy
// CHECK:         %[[STREAM:.+]] = llvm.call @mgpuStreamCreate()
// CHECK-NOT:     mgpuStreamCreate
// CHECK-NOT:     mgpuStreamSynchronize
// CHECK:         llvm.call @mgpuStreamSynchronize(%[[STREAM]])
// CHECK-NEXT:    llvm.call @mgpuStreamDestroy(%[[STREAM]])
// CHECK-NEXT:    llvm.return
// CHECK:         gpu.binary @decode_quantized_kernel_{{[0-9]+}} {{.*}}.maxntid 128, 1, 1
// CHECK-SAME:    cvt.rn.f16x2.e4m3x2
// CHECK-SAME:    cvt.f32.f16
// CHECK-SAME:    ex2.approx.ftz.f32
// CHECK-SAME:    ld.global.v4.b32
// CHECK-SAME:    prmt.b32
// CHECK-SAME:    shfl.sync.bfly.b32
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

// Chunked prefill over quantized caches (int8 keys with per-row scales, fp8
// values with a per-head scale), writable: after the new rows are quantized
// and written (kernels 0 to 3), one kernel per cache dequantizes the visible
// rows to bf16, a thread per 8 codes: one 8-byte load of int8 codes turned
// into floats with prmt.b32 and one add each, or a 4 × 2-byte load of fp8
// codes with cvt.rn.f16x2.e4m3x2; one multiply by the scale per element,
// rounded to bf16 in pairs and stored 16 bytes at a time. The prefill kernel
// then runs on tensor cores over the two bf16 buffers, on the same stream.
// CHECK-LABEL: llvm.func @prefill_quantized(
// CHECK:         %[[STREAM:.+]] = llvm.call @mgpuStreamCreate()
// CHECK-NOT:     mgpuStream
// CHECK:         gpu.launch_func <%[[STREAM]] : !llvm.ptr> @prefill_quantized_kernel_4::@prefill_quantized_kernel
// CHECK-NOT:     mgpuStream
// CHECK:         gpu.launch_func <%[[STREAM]] : !llvm.ptr> @prefill_quantized_kernel_5::@prefill_quantized_kernel
// CHECK-NOT:     mgpuStream
// CHECK:         gpu.launch_func <%[[STREAM]] : !llvm.ptr> @prefill_quantized_kernel_6::@prefill_quantized_kernel
// CHECK:         llvm.call @mgpuStreamSynchronize(%[[STREAM]])
// CHECK-LABEL: gpu.binary @prefill_quantized_kernel_4
// CHECK-SAME:    ld.global.v2.b32
// CHECK-SAME:    prmt.b32
// CHECK-SAME:    add.rn.f32
// CHECK-SAME:    mul.rn.f32
// CHECK-SAME:    cvt.rn.bf16x2.f32
// CHECK-SAME:    st.global.v4.b32
// CHECK-LABEL: gpu.binary @prefill_quantized_kernel_5
// CHECK-SAME:    ld.global.v4.b16
// CHECK-SAME:    cvt.rn.f16x2.e4m3x2
// CHECK-SAME:    cvt.f32.f16
// CHECK-SAME:    mul.rn.f32
// CHECK-SAME:    cvt.rn.bf16x2.f32
// CHECK-SAME:    st.global.v4.b32
// CHECK-LABEL: gpu.binary @prefill_quantized_kernel_6
// CHECK-SAME:    mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
func.func @prefill_quantized(%q: tensor<1x8x40x128xbf16>, %k: tensor<1x2x40x128xbf16>,
    %v: tensor<1x2x40x128xbf16>,
    %kc: tensor<1x2x512x128xi8> {bufferization.writable = true},
    %vc: tensor<1x2x512x128xf8E4M3FN> {bufferization.writable = true}, %pos: index,
    %ks: tensor<1x2x512x1xbf16> {bufferization.writable = true}, %vs: tensor<2x1x1xbf16>)
    -> tensor<1x8x40x128xbf16> {
  %o:4 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks, v: %vs)
      {scale = 0.08838834764831845 : f64, causal,
       k_cache_quant = #ct.quant<int8, token, dynamic>,
       v_cache_quant = #ct.quant<float8, attn_head>}
      : (tensor<1x8x40x128xbf16>, tensor<1x2x40x128xbf16>, tensor<1x2x40x128xbf16>,
         tensor<1x2x512x128xi8>, tensor<1x2x512x128xf8E4M3FN>, index,
         tensor<1x2x512x1xbf16>, tensor<2x1x1xbf16>)
      -> (tensor<1x8x40x128xbf16>, tensor<1x2x512x128xi8>,
          tensor<1x2x512x128xf8E4M3FN>, tensor<1x2x512x1xbf16>)
  return %o#0 : tensor<1x8x40x128xbf16>
}

// -----

// Causal bf16 prefill on tensor cores (sm_90): the K and V tiles are copied
// into shared memory with cp.async.cg (16 bytes, zero-filled past the keys)
// in commit groups, waited for and made visible by a barrier; K fragments
// with ldmatrix.x4, S = Q·Kᵀ with mma.sync m16n8k16 (bf16 operands, f32
// accumulators), row maxima over the quad with shfl.sync.bfly, exp2 as
// ex2.approx.ftz, P rounded in bf16 pairs (cvt.rn.bf16x2.f32) for O += P·V
// whose V fragments come from ldmatrix.x4.trans; outputs stored as bf16
// pairs.
// CHECK-LABEL: llvm.func @prefill_causal(
// CHECK:         gpu.launch_func <%{{.+}} : !llvm.ptr> @prefill_causal_kernel::@prefill_causal_kernel
// CHECK-LABEL: gpu.binary @prefill_causal_kernel
// CHECK-SAME:    .maxntid 128, 1, 1
// CHECK-SAME:    cp.async.cg.shared.global [%rd{{[0-9]+}}], [%rd{{[0-9]+}}], 16, {{16|%r[0-9]+}};
// CHECK-SAME:    cp.async.commit_group
// CHECK-SAME:    cp.async.wait_group{{[^;]*}}1;
// CHECK-SAME:    bar.sync
// CHECK-SAME:    ldmatrix.sync.aligned.m8n8.x4.shared.b16
// CHECK-SAME:    mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// CHECK-SAME:    shfl.sync.bfly.b32
// CHECK-SAME:    ex2.approx.ftz.f32
// CHECK-SAME:    cvt.rn.bf16x2.f32
// CHECK-SAME:    ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16
// CHECK-SAME:    mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// CHECK-SAME:    st.global.b32
func.func @prefill_causal(%q: tensor<1x8x40x64xbf16>, %k: tensor<1x2x40x64xbf16>,
                          %v: tensor<1x2x40x64xbf16>) -> tensor<1x8x40x64xbf16> {
  %o = ct.hooked_attention %q, %k, %v {scale = 0.125 : f64, causal}
      : (tensor<1x8x40x64xbf16>, tensor<1x2x40x64xbf16>, tensor<1x2x40x64xbf16>)
      -> tensor<1x8x40x64xbf16>
  return %o : tensor<1x8x40x64xbf16>
}

// -----

// Decode over int4 caches with per-token-head scales (one bf16 scale per
// row). The new rows are quantized into a temporary and copied into the
// caches by kernels whose nibble stores are atomic and/or of their 32-bit
// words (threads share bytes); the split kernel loads a lane's 16 codes
// with one 8-byte load and makes each the low byte of 2^23 with prmt.b32
// (no cvt from an integer).
// CHECK:         gpu.binary @decode_int4_kernel_{{[0-9]+}} {{.*}}atom.global.and.b32
// CHECK-SAME:    atom.global.or.b32
// CHECK:         gpu.binary @decode_int4_kernel_{{[0-9]+}} {{.*}}.maxntid 128, 1, 1
// CHECK-SAME:    ld.global.v2.b32
// CHECK-SAME:    prmt.b32
// CHECK-SAME:    shfl.sync.bfly.b32
// CHECK-SAME:    ex2.approx.ftz.f32
func.func @decode_int4(%q: tensor<1x8x1x128xbf16>, %k: tensor<1x2x1x128xbf16>,
    %v: tensor<1x2x1x128xbf16>,
    %kc: tensor<1x2x512x128xi4> {bufferization.writable = true},
    %vc: tensor<1x2x512x128xi4> {bufferization.writable = true}, %pos: index,
    %ks: tensor<1x2x512x1xbf16> {bufferization.writable = true},
    %vs: tensor<1x2x512x1xbf16> {bufferization.writable = true})
    -> tensor<1x8x1x128xbf16> {
  %o:5 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks, v: %vs)
      {scale = 0.08838834764831845 : f64,
       k_cache_quant = #ct.quant<int4, group = 128, dynamic>,
       v_cache_quant = #ct.quant<int4, group = 128, dynamic>}
      : (tensor<1x8x1x128xbf16>, tensor<1x2x1x128xbf16>, tensor<1x2x1x128xbf16>,
         tensor<1x2x512x128xi4>, tensor<1x2x512x128xi4>, index,
         tensor<1x2x512x1xbf16>, tensor<1x2x512x1xbf16>)
      -> (tensor<1x8x1x128xbf16>, tensor<1x2x512x128xi4>,
          tensor<1x2x512x128xi4>, tensor<1x2x512x1xbf16>, tensor<1x2x512x1xbf16>)
  return %o#0 : tensor<1x8x1x128xbf16>
}
