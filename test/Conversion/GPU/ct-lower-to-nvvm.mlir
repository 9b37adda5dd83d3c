// RUN: ct-opt %s --ct-lower-to-nvvm="format=isa" | FileCheck %s
// RUN: ct-opt %s --ct-lower-to-nvvm="format=isa" | FileCheck %s --check-prefix=NO-LIBDEVICE

// Kernels call no libdevice function: the PTX must assemble and JIT without
// the toolkit's libdevice.
// NO-LIBDEVICE-NOT: __nv_

// The PTX of each kernel family, as gpu-module-to-binary embeds it (format=isa
// needs no CUDA toolkit), after the host code that launches it. Kernels work
// on the caller's buffers: a returned result is the caller's out-parameter.

// Rows of 128 bf16: one 16-byte load and store per thread, 3 stages in
// registers, 4 butterfly stages across 16 lanes (8 shuffles each).
// CHECK-LABEL: llvm.func @fwht_head_dim_128(
// CHECK-NOT:     mgpuMemAlloc
// CHECK:         %[[STREAM:.+]] = llvm.call @mgpuStreamCreate()
// CHECK-NEXT:    gpu.launch_func <%[[STREAM]] : !llvm.ptr> @fwht_head_dim_128_kernel::@fwht_head_dim_128_kernel
// CHECK-NEXT:    llvm.call @mgpuStreamSynchronize(%[[STREAM]])
// CHECK-NEXT:    llvm.call @mgpuStreamDestroy(%[[STREAM]])
// CHECK-NEXT:    llvm.return
// CHECK-LABEL: gpu.binary @fwht_head_dim_128_kernel
// CHECK-SAME:    .maxntid 256, 1, 1
// CHECK-SAME:    ld.global.v4.b32
// CHECK-COUNT-32: shfl.sync.bfly.b32
// CHECK-NOT:     shfl.sync.bfly.b32
// CHECK-SAME:    st.global.v4.b32
func.func @fwht_head_dim_128(%k: tensor<1x8x16x128xbf16>) -> tensor<1x8x16x128xbf16> {
  %r = ct.hadamard %k size(128) : tensor<1x8x16x128xbf16>
  return %r : tensor<1x8x16x128xbf16>
}

// The signs, times 1/sqrt(16), are copied to device-visible memory and
// multiply on store for the inverse; the copy, the launch and the free run
// on the launch's stream, waited for once.
// CHECK-LABEL: llvm.func @fwht_signed_inverse(
// CHECK:         %[[STREAM:.+]] = llvm.call @mgpuStreamCreate()
// CHECK:         mgpuMemAlloc({{.*}}, %[[STREAM]],
// CHECK:         mgpuMemcpy({{.*}}, %[[STREAM]])
// CHECK:         gpu.launch_func <%[[STREAM]] : !llvm.ptr> @fwht_signed_inverse_kernel::@fwht_signed_inverse_kernel
// CHECK:         mgpuMemFree({{.*}}, %[[STREAM]])
// CHECK-NOT:     mgpuStreamCreate
// CHECK:         mgpuStreamSynchronize(%[[STREAM]])
// CHECK-NEXT:    mgpuStreamDestroy(%[[STREAM]])
// CHECK-NEXT:    llvm.return
// CHECK-LABEL: gpu.binary @fwht_signed_inverse_kernel
// CHECK-SAME:    shfl.sync.bfly.b32
// CHECK-SAME:    mul.rn.f32
// CHECK-SAME:    st.global.v4.b32
func.func @fwht_signed_inverse(%x: tensor<3x16xf32>) -> tensor<3x16xf32> {
  %r = ct.hadamard %x size(16) inverse
      signs([1, -1, -1, 1, 1, 1, -1, 1, -1, 1, 1, -1, 1, -1, 1, 1])
      : tensor<3x16xf32>
  return %r : tensor<3x16xf32>
}

// Rows of 4096: a thread block per row, 5 warp stages, then the 4 stages of
// strides 256..2048 through shared memory in two rounds of register stages
// (a barrier after the first store and after each round).
// CHECK-LABEL: gpu.binary @fwht_4096_kernel
// CHECK-SAME:    .maxntid 512, 1, 1
// CHECK-SAME:    ld.global.v4.b32
// CHECK-SAME:    shfl.sync.bfly.b32
// CHECK-SAME:    st.shared
// CHECK-COUNT-3: bar.sync
// CHECK-NOT:     bar.sync
// CHECK-SAME:    st.global.v4.b32
func.func @fwht_4096(%x: tensor<4x4096xbf16>) -> tensor<4x4096xbf16> {
  %r = ct.hadamard %x size(4096) : tensor<4x4096xbf16>
  return %r : tensor<4x4096xbf16>
}

// fp8 codes come from the hardware conversion, not the integer encoding; the
// division is IEEE (div.rn), as on the CPU.
// CHECK-LABEL: gpu.binary @fp8_per_head_kernel
// CHECK-SAME:    div.rn.f32
// CHECK-SAME:    cvt.rn.satfinite.e4m3x2.f32
func.func @fp8_per_head(%k: tensor<1x8x16x128xbf16>, %s: tensor<8x1x1xbf16>)
    -> tensor<1x8x16x128xbf16> {
  %q = ct.fake_quantize %k scale(%s) quant<float8, attn_head>
      : (tensor<1x8x16x128xbf16>, tensor<8x1x1xbf16>) -> tensor<1x8x16x128xbf16>
  return %q : tensor<1x8x16x128xbf16>
}

// A thread quantizes 16 consecutive elements: four 16-byte loads, the scale
// loaded once, one 16-byte store of the codes.
// CHECK-LABEL: gpu.binary @fp8_quantize_per_tensor_kernel
// CHECK-SAME:    ld.global.v4.b32
// CHECK-SAME:    cvt.rn.satfinite.e4m3x2.f32
// CHECK-SAME:    st.global.v4.b32
func.func @fp8_quantize_per_tensor(%x: tensor<16x64xf32>, %s: tensor<1xf32>)
    -> tensor<16x64xf8E4M3FN> {
  %q = ct.quantize %x scale(%s) quant<float8>
      : (tensor<16x64xf32>, tensor<1xf32>) -> tensor<16x64xf8E4M3FN>
  return %q : tensor<16x64xf8E4M3FN>
}

// int8 clamps, then rounds half to even (cvt.rni).
// CHECK-LABEL: gpu.binary @int8_per_tensor_kernel
// CHECK-SAME:    div.rn.f32
// CHECK-SAME:    setp.gt.f32
// CHECK-SAME:    cvt.rni.f32.f32
// CHECK-SAME:    st.global.v4.b32
func.func @int8_per_tensor(%x: tensor<4x64xf32>, %s: tensor<1xf32>) -> tensor<4x64xi8> {
  %q = ct.quantize %x scale(%s) quant<int8>
      : (tensor<4x64xf32>, tensor<1xf32>) -> tensor<4x64xi8>
  return %q : tensor<4x64xi8>
}

// 16 codes a thread: one 16-byte load, four 16-byte stores.
// CHECK-LABEL: gpu.binary @int8_per_group_dequantize_kernel
// CHECK-SAME:    ld.global.v4.b32
// CHECK-SAME:    cvt.rn.f32.s16
// CHECK-SAME:    mul.rn.f32
// CHECK-SAME:    st.global.v4.b32
func.func @int8_per_group_dequantize(%q: tensor<4x256xi8>, %s: tensor<4x2xf32>)
    -> tensor<4x256xf32> {
  %x = ct.dequantize %q scale(%s) quant<int8, group = 128>
      : (tensor<4x256xi8>, tensor<4x2xf32>) -> tensor<4x256xf32>
  return %x : tensor<4x256xf32>
}

// Dynamic per-token scales: a warp per row reduces 16-byte vectors, then
// 5 butterfly stages each for min and max; the scale kernel takes |x| with
// abs.f32, not libdevice's __nv_fabsf.
// CHECK-LABEL: gpu.binary @token_scales_kernel
// CHECK-SAME:    ld.global.v4.b32
// CHECK-COUNT-10: shfl.sync.bfly.b32
// CHECK-NOT:     shfl.sync.bfly.b32
// CHECK-SAME:    st.global.b32
// CHECK-LABEL: gpu.binary @token_scales_kernel_0
// CHECK-SAME:    abs.f32
func.func @token_scales(%x: tensor<1x8x256xf32>) -> tensor<1x8x1xf32> {
  %s = ct.calculate_qparams %x quant<int8, token, dynamic> : (tensor<1x8x256xf32>) -> tensor<1x8x1xf32>
  return %s : tensor<1x8x1xf32>
}

// Packed int4 codes per group of 128: a thread writes 16 codes as 8 whole
// bytes (NVPTX splits the 8-byte vector into 16-bit stores), without atomic
// nibble updates; the dequantize reads them the same way.
// CHECK-LABEL: gpu.binary @int4_group_kernel
// CHECK-SAME:    ld.global.v4.b32
// CHECK-NOT:     atom.
// CHECK-SAME:    st.global.b16
// CHECK-NOT:     atom.
// CHECK-LABEL: gpu.binary @int4_group_kernel_{{[0-9]+}}
// CHECK-NOT:     atom.
// CHECK-SAME:    st.global.v4.b32
func.func @int4_group(%x: tensor<2x256xf32>, %s: tensor<2x2xf32>) -> (tensor<2x256xi4>, tensor<2x256xf32>) {
  %q = ct.quantize %x scale(%s) quant<int4, group = 128> : (tensor<2x256xf32>, tensor<2x2xf32>) -> tensor<2x256xi4>
  %dq = ct.dequantize %q scale(%s) quant<int4, group = 128> : (tensor<2x256xi4>, tensor<2x2xf32>) -> tensor<2x256xf32>
  return %q, %dq : tensor<2x256xi4>, tensor<2x256xf32>
}
