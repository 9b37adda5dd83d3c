// REQUIRES: ptxas
// RUN: ct-opt %s --ct-lower-to-nvvm="format=bin" | FileCheck %s --check-prefix=BIN
// RUN: ct-opt %s --ct-lower-to-nvvm | FileCheck %s --check-prefix=FATBIN
// RUN: ct-opt %s --ct-lower-to-nvvm="chip=sm_89 format=bin opt-level=2" | FileCheck %s --check-prefix=SM89

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
