// REQUIRES: ptxas
// RUN: ct-opt %s --ct-lower-to-nvvm="format=bin" | FileCheck %s --check-prefix=BIN
// RUN: ct-opt %s --ct-lower-to-nvvm | FileCheck %s --check-prefix=FATBIN
// RUN: ct-opt %s --ct-lower-to-nvvm="chip=sm_89 format=bin opt-level=2" | FileCheck %s --check-prefix=SM89
// RUN: ct-opt %s --ct-lower-to-nvvm="format=isa" | FileCheck %s --check-prefix=PTX

// ptxas assembles every kernel family: a cubin (an ELF file) with format=bin,
// a fatbin (magic 0xBA55ED50, "P\EDU\BA" in the attribute) by default.
// BIN: gpu.binary @fwht_kernel [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">, properties = {{.*}}, bin = "\7FELF
// BIN: gpu.binary @fp8_per_head_kernel [#gpu.object<{{.*}}bin = "\7FELF
// BIN: gpu.binary @int8_per_group_kernel [#gpu.object<{{.*}}bin = "\7FELF
// FATBIN: gpu.binary @fwht_kernel [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">, properties = {{.*}}, "P\EDU\BA
// sm_89 needs PTX 8.1 for the hardware fp8 conversion: with +ptx80 the
// integer encoding stays and still assembles (O = 2 is the default, unprinted).
// SM89: gpu.binary @fwht_kernel [#gpu.object<#nvvm.target<chip = "sm_89", features = "+ptx80">, properties = {{.*}}, bin = "\7FELF
// SM89: gpu.binary @fp8_per_head_kernel [#gpu.object<{{.*}}bin = "\7FELF
func.func @fwht(%x: tensor<4x4096xbf16>) -> tensor<4x4096xbf16> {
  %r = ct.hadamard %x size(4096) : tensor<4x4096xbf16>
  return %r : tensor<4x4096xbf16>
}

func.func @fp8_per_head(%k: tensor<1x8x16x128xbf16>, %s: tensor<8x1x1xbf16>)
    -> tensor<1x8x16x128xbf16> {
  %q = ct.fake_quantize %k scale(%s) quant<float8, attn_head>
      : (tensor<1x8x16x128xbf16>, tensor<8x1x1xbf16>) -> tensor<1x8x16x128xbf16>
  return %q : tensor<1x8x16x128xbf16>
}

func.func @int8_per_group(%x: tensor<4x256xbf16>, %s: tensor<4x2xbf16>) -> tensor<4x256xi8> {
  %q = ct.quantize %x scale(%s) quant<int8, group = 128>
      : (tensor<4x256xbf16>, tensor<4x2xbf16>) -> tensor<4x256xi8>
  return %q : tensor<4x256xi8>
}

// Sizes m·2^k are one kernel each (head_dim 80 = 20·4, 96 = 12·8, 112 = 28·4;
// MLP widths 3584 = 28·128, 14336 = 28·512), and assemble. A thread loads its
// E elements of each of the m segments once and stores each output segment
// once; no spills (ptxas -v, sm_90: 115–128 registers).
// BIN: gpu.binary @fwht_80_kernel [#gpu.object<{{.*}}bin = "\7FELF
// BIN: gpu.binary @fwht_96_kernel [#gpu.object<{{.*}}bin = "\7FELF
// BIN: gpu.binary @fwht_112_kernel [#gpu.object<{{.*}}bin = "\7FELF
// BIN: gpu.binary @fwht_3584_kernel [#gpu.object<{{.*}}bin = "\7FELF
// BIN: gpu.binary @fwht_14336_kernel [#gpu.object<{{.*}}bin = "\7FELF
// SM89: gpu.binary @fwht_14336_kernel [#gpu.object<{{.*}}bin = "\7FELF
// 80 (bf16): 20 segments of 2 elements, a shuffle stage each, no barrier.
// PTX-LABEL: gpu.binary @fwht_80_kernel
// PTX-SAME:    .maxntid 256, 1, 1
// PTX-COUNT-20: ld.global.v2.b16
// PTX-NOT:     ld.global
// PTX-SAME:    shfl.sync.bfly.b32
// PTX-COUNT-20: st.global.b32
// PTX-NOT:     bar.sync
// PTX-SAME:    ret;
// 96 (bf16): 12 segments of 4 elements.
// PTX-LABEL: gpu.binary @fwht_96_kernel
// PTX-COUNT-12: ld.global.v4.b16
// PTX-NOT:     ld.global
// PTX-COUNT-12: st.global.v2.b32
// PTX-NOT:     st.global
// PTX-SAME:    ret;
// 112 (f32): 28 segments of 2 elements.
// PTX-LABEL: gpu.binary @fwht_112_kernel
// PTX-COUNT-28: ld.global.v2.b32
// PTX-NOT:     ld.global
// PTX-COUNT-28: st.global.v2.b32
// PTX-NOT:     st.global
// PTX-SAME:    ret;
// 3584 (bf16): 64 threads per row, one shared-memory round per segment in a
// 128-float buffer: 2 barriers per segment.
// PTX-LABEL: gpu.binary @fwht_3584_kernel
// PTX-SAME:    .maxntid 64, 1, 1
// PTX-SAME:    .shared .align {{[0-9]+}} .b8 __wg_fwht_3584_kernel_0[512]
// PTX-COUNT-56: bar.sync
// PTX-NOT:     bar.sync
// PTX-NOT:     ld.global
// PTX-SAME:    ret;
// 14336 (bf16): 256 threads per row, three rounds per segment in a
// 512-float buffer: 4 barriers per segment.
// PTX-LABEL: gpu.binary @fwht_14336_kernel
// PTX-SAME:    .maxntid 256, 1, 1
// PTX-SAME:    .shared .align {{[0-9]+}} .b8 __wg_fwht_14336_kernel_0[2048]
// PTX-COUNT-112: bar.sync
// PTX-NOT:     bar.sync
// PTX-NOT:     ld.global
// PTX-COUNT-28: st.global.b32
// PTX-NOT:     st.global
// PTX-SAME:    ret;
func.func @fwht_80(%x: tensor<64x80xbf16>) -> tensor<64x80xbf16> {
  %r = ct.hadamard %x size(80) : tensor<64x80xbf16>
  return %r : tensor<64x80xbf16>
}

func.func @fwht_96(%x: tensor<64x96xbf16>) -> tensor<64x96xbf16> {
  %r = ct.hadamard %x size(96) : tensor<64x96xbf16>
  return %r : tensor<64x96xbf16>
}

func.func @fwht_112(%x: tensor<64x112xf32>) -> tensor<64x112xf32> {
  %r = ct.hadamard %x size(112) : tensor<64x112xf32>
  return %r : tensor<64x112xf32>
}

func.func @fwht_3584(%x: tensor<4x3584xbf16>) -> tensor<4x3584xbf16> {
  %r = ct.hadamard %x size(3584) : tensor<4x3584xbf16>
  return %r : tensor<4x3584xbf16>
}

func.func @fwht_14336(%x: tensor<4x14336xbf16>) -> tensor<4x14336xbf16> {
  %r = ct.hadamard %x size(14336) : tensor<4x14336xbf16>
  return %r : tensor<4x14336xbf16>
}
