// REQUIRES: cuda-device
// Quantization kernels on rows of a realistic width (4096) on the GPU, bit
// for bit against the CPU path (which the golden tests tie to the library):
// dynamic per-token and per-group scales (a warp per row or group), packed
// int4 codes per group of 128 (whole bytes per thread), and fp8 through the
// hardware conversion with a tensor-wide scale (warps per segment, then a
// second kernel over their partial results).
//
// RUN: ct-run %s --entry int8_token_dynamic --input %S/Inputs/quant.x.npy --output %t.s.npy --output %t.q.npy
// RUN: ct-run --gpu %s --entry int8_token_dynamic --input %S/Inputs/quant.x.npy --compare %t.s.npy --compare %t.q.npy --exact | FileCheck %s --check-prefix=TWO
// RUN: ct-run %s --entry int4_group --input %S/Inputs/quant.x.npy --input %S/Inputs/quant.group_scale.npy --output %t.q4.npy --output %t.dq4.npy
// RUN: ct-run --gpu %s --entry int4_group --input %S/Inputs/quant.x.npy --input %S/Inputs/quant.group_scale.npy --compare %t.q4.npy --compare %t.dq4.npy --exact | FileCheck %s --check-prefix=TWO
// RUN: ct-run %s --entry int4_group_dynamic --input %S/Inputs/quant.x.npy --output %t.gs.npy --output %t.gq.npy
// RUN: ct-run --gpu %s --entry int4_group_dynamic --input %S/Inputs/quant.x.npy --compare %t.gs.npy --compare %t.gq.npy --exact | FileCheck %s --check-prefix=TWO
// RUN: ct-run %s --entry fp8_tensor --input %S/Inputs/quant.x.npy --output %t.q8.npy --output %t.fq8.npy
// RUN: ct-run --gpu %s --entry fp8_tensor --input %S/Inputs/quant.x.npy --compare %t.q8.npy --compare %t.fq8.npy --exact | FileCheck %s --check-prefix=TWO

// TWO: result #0: {{.*}}: match
// TWO: result #1: {{.*}}: match

func.func @int8_token_dynamic(%x: tensor<1x40x4096xf32>) -> (tensor<1x40x1xf32>, tensor<1x40x4096xi8>) {
  %s = ct.calculate_qparams %x quant<int8, token, dynamic> : (tensor<1x40x4096xf32>) -> tensor<1x40x1xf32>
  %q = ct.quantize %x scale(%s) quant<int8, token, dynamic> : (tensor<1x40x4096xf32>, tensor<1x40x1xf32>) -> tensor<1x40x4096xi8>
  return %s, %q : tensor<1x40x1xf32>, tensor<1x40x4096xi8>
}

func.func @int4_group(%x: tensor<1x40x4096xf32>, %s: tensor<1x40x32xf32>) -> (tensor<1x40x4096xi4>, tensor<1x40x4096xf32>) {
  %q = ct.quantize %x scale(%s) quant<int4, group = 128> : (tensor<1x40x4096xf32>, tensor<1x40x32xf32>) -> tensor<1x40x4096xi4>
  %dq = ct.dequantize %q scale(%s) quant<int4, group = 128> : (tensor<1x40x4096xi4>, tensor<1x40x32xf32>) -> tensor<1x40x4096xf32>
  return %q, %dq : tensor<1x40x4096xi4>, tensor<1x40x4096xf32>
}

func.func @int4_group_dynamic(%x: tensor<1x40x4096xf32>) -> (tensor<1x40x32xf32>, tensor<1x40x4096xi4>) {
  %s = ct.calculate_qparams %x quant<int4, group = 128> : (tensor<1x40x4096xf32>) -> tensor<1x40x32xf32>
  %q = ct.quantize %x scale(%s) quant<int4, group = 128> : (tensor<1x40x4096xf32>, tensor<1x40x32xf32>) -> tensor<1x40x4096xi4>
  return %s, %q : tensor<1x40x32xf32>, tensor<1x40x4096xi4>
}

func.func @fp8_tensor(%x: tensor<1x40x4096xf32>) -> (tensor<1x40x4096xf8E4M3FN>, tensor<1x40x4096xf32>) {
  %s = ct.calculate_qparams %x quant<float8> : (tensor<1x40x4096xf32>) -> tensor<1xf32>
  %q = ct.quantize %x scale(%s) quant<float8> : (tensor<1x40x4096xf32>, tensor<1xf32>) -> tensor<1x40x4096xf8E4M3FN>
  %fq = ct.fake_quantize %x scale(%s) quant<float8> : (tensor<1x40x4096xf32>, tensor<1xf32>) -> tensor<1x40x4096xf32>
  return %q, %fq : tensor<1x40x4096xf8E4M3FN>, tensor<1x40x4096xf32>
}
