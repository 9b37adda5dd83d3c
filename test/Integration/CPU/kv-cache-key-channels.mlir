// KIVI-style per-channel key scales (an extension beyond the library: one
// static scale and zero point per kv head and channel, so that outlier key
// channels do not stretch the grid of the others) stored as packed int4
// codes: k_cache_quant = #ct.quant<int4, channel, asymmetric> with scales
// [Hkv, 1, D]. The stored program must compute what the same per-channel
// fake quantization computes on a float cache; the latter is spelled with
// ct.fake_quantize as a per-element (group = 1) scheme whose scales repeat
// the [2, 1, 16] ones on every row. Both run a prefill of 5 tokens and a
// decode step on the same inputs (utils/gen_kv_cache_inputs.py), and the
// outputs and the dequantized key cache must agree bit for bit. The empty
// code cache holds -3, the zero point, which dequantizes to 0.0 as the empty
// float cache holds.

// RUN: ct-run %s --entry fake_prefill --input %S/Inputs/kv-cache.prefill.q.npy --input %S/Inputs/kv-cache.prefill.k.npy --input %S/Inputs/kv-cache.prefill.v.npy --input %S/Inputs/kv-cache.f32.npy --input %S/Inputs/kv-cache.f32.npy --input %S/Inputs/kv-cache.position0.npy --output %t.fake.prefill0.npy --output %t.fake.prefill1.npy --output %t.fake.prefill2.npy
// RUN: ct-run %s --entry stored_prefill --input %S/Inputs/kv-cache.prefill.q.npy --input %S/Inputs/kv-cache.prefill.k.npy --input %S/Inputs/kv-cache.prefill.v.npy --input %S/Inputs/kv-cache.packed4-zp-3.npy --input %S/Inputs/kv-cache.f32.npy --input %S/Inputs/kv-cache.position0.npy --output %t.real.prefill0.npy --output %t.real.prefill1.npy --output %t.real.prefill2.npy
// RUN: ct-run %s --entry check_prefill --input %t.real.prefill0.npy --input %t.real.prefill1.npy --input %t.real.prefill2.npy --compare %t.fake.prefill0.npy --compare %t.fake.prefill1.npy --compare %t.fake.prefill2.npy --exact | FileCheck %s
// RUN: ct-run %s --entry fake_decode --input %S/Inputs/kv-cache.decode.q.npy --input %S/Inputs/kv-cache.decode.k.npy --input %S/Inputs/kv-cache.decode.v.npy --input %t.fake.prefill1.npy --input %t.fake.prefill2.npy --input %S/Inputs/kv-cache.position5.npy --output %t.fake.decode0.npy --output %t.fake.decode1.npy --output %t.fake.decode2.npy
// RUN: ct-run %s --entry stored_decode --input %S/Inputs/kv-cache.decode.q.npy --input %S/Inputs/kv-cache.decode.k.npy --input %S/Inputs/kv-cache.decode.v.npy --input %t.real.prefill1.npy --input %t.real.prefill2.npy --input %S/Inputs/kv-cache.position5.npy --output %t.real.decode0.npy --output %t.real.decode1.npy --output %t.real.decode2.npy
// RUN: ct-run %s --entry check_decode --input %t.real.decode0.npy --input %t.real.decode1.npy --input %t.real.decode2.npy --compare %t.fake.decode0.npy --compare %t.fake.decode1.npy --compare %t.fake.decode2.npy --exact | FileCheck %s

// CHECK: result #0: {{[0-9]+}} elements, max abs error 0{{.*}}: match
// CHECK-NEXT: result #1: 256 elements, max abs error 0{{.*}}: match
// CHECK-NEXT: result #2: 256 elements, max abs error 0{{.*}}: match

func.func @fake_prefill(%q: tensor<1x4x5x16xf32>, %k: tensor<1x2x5x16xf32>, %v: tensor<1x2x5x16xf32>, %kc: tensor<1x2x8x16xf32>, %vc: tensor<1x2x8x16xf32>, %pos: index) -> (tensor<1x4x5x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %ks = arith.constant dense<[[[[0.1 , 0.12, 0.14, 0.9 , 0.18, 0.2 , 0.22, 0.24, 0.26, 0.28, 0.3 , 0.32, 0.34, 0.36, 0.38, 0.4 ],   [0.1 , 0.12, 0.14, 0.9 , 0.18, 0.2 , 0.22, 0.24, 0.26, 0.28, 0.3 , 0.32, 0.34, 0.36, 0.38, 0.4 ],   [0.1 , 0.12, 0.14, 0.9 , 0.18, 0.2 , 0.22, 0.24, 0.26, 0.28, 0.3 , 0.32, 0.34, 0.36, 0.38, 0.4 ],   [0.1 , 0.12, 0.14, 0.9 , 0.18, 0.2 , 0.22, 0.24, 0.26, 0.28, 0.3 , 0.32, 0.34, 0.36, 0.38, 0.4 ],   [0.1 , 0.12, 0.14, 0.9 , 0.18, 0.2 , 0.22, 0.24, 0.26, 0.28, 0.3 , 0.32, 0.34, 0.36, 0.38, 0.4 ]],  [[0.15, 0.17, 0.19, 0.9 , 0.23, 0.25, 0.27, 0.29, 0.31, 0.33, 0.35, 0.37, 0.39, 0.41, 0.43, 0.45],   [0.15, 0.17, 0.19, 0.9 , 0.23, 0.25, 0.27, 0.29, 0.31, 0.33, 0.35, 0.37, 0.39, 0.41, 0.43, 0.45],   [0.15, 0.17, 0.19, 0.9 , 0.23, 0.25, 0.27, 0.29, 0.31, 0.33, 0.35, 0.37, 0.39, 0.41, 0.43, 0.45],   [0.15, 0.17, 0.19, 0.9 , 0.23, 0.25, 0.27, 0.29, 0.31, 0.33, 0.35, 0.37, 0.39, 0.41, 0.43, 0.45],   [0.15, 0.17, 0.19, 0.9 , 0.23, 0.25, 0.27, 0.29, 0.31, 0.33, 0.35, 0.37, 0.39, 0.41, 0.43, 0.45]]]]> : tensor<1x2x5x16xf32>
  %kz = arith.constant dense<-3> : tensor<1x2x5x16xi8>
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos {scale = 0.25 : f64, causal} : (tensor<1x4x5x16xf32>, tensor<1x2x5x16xf32>, tensor<1x2x5x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, index) -> (tensor<1x4x5x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
    k_hook {
    ^bb0(%a: tensor<1x2x5x16xf32>):
      %f = ct.fake_quantize %a scale(%ks) zero_point(%kz) quant<int4, group = 1, asymmetric> : (tensor<1x2x5x16xf32>, tensor<1x2x5x16xf32>, tensor<1x2x5x16xi8>) -> tensor<1x2x5x16xf32>
      ct.yield %f : tensor<1x2x5x16xf32>
    }
  return %o#0, %o#1, %o#2 : tensor<1x4x5x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}

func.func @stored_prefill(%q: tensor<1x4x5x16xf32>, %k: tensor<1x2x5x16xf32>, %v: tensor<1x2x5x16xf32>, %kc: tensor<1x2x8x16xi4>, %vc: tensor<1x2x8x16xf32>, %pos: index) -> (tensor<1x4x5x16xf32>, tensor<1x2x8x16xi4>, tensor<1x2x8x16xf32>) {
  %ks = arith.constant dense<[[[0.1 , 0.12, 0.14, 0.9 , 0.18, 0.2 , 0.22, 0.24, 0.26, 0.28, 0.3 , 0.32, 0.34, 0.36, 0.38, 0.4 ]], [[0.15, 0.17, 0.19, 0.9 , 0.23, 0.25, 0.27, 0.29, 0.31, 0.33, 0.35, 0.37, 0.39, 0.41, 0.43, 0.45]]]> : tensor<2x1x16xf32>
  %kz = arith.constant dense<-3> : tensor<2x1x16xi8>
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos quantized(k: %ks zero_point %kz) {scale = 0.25 : f64, causal, k_cache_quant = #ct.quant<int4, channel, asymmetric>} : (tensor<1x4x5x16xf32>, tensor<1x2x5x16xf32>, tensor<1x2x5x16xf32>, tensor<1x2x8x16xi4>, tensor<1x2x8x16xf32>, index, tensor<2x1x16xf32>, tensor<2x1x16xi8>) -> (tensor<1x4x5x16xf32>, tensor<1x2x8x16xi4>, tensor<1x2x8x16xf32>)
  return %o#0, %o#1, %o#2 : tensor<1x4x5x16xf32>, tensor<1x2x8x16xi4>, tensor<1x2x8x16xf32>
}

func.func @check_prefill(%o: tensor<1x4x5x16xf32>, %kc: tensor<1x2x8x16xi4>, %vc: tensor<1x2x8x16xf32>) -> (tensor<1x4x5x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %ks = arith.constant dense<[[[[0.1 , 0.12, 0.14, 0.9 , 0.18, 0.2 , 0.22, 0.24, 0.26, 0.28, 0.3 , 0.32, 0.34, 0.36, 0.38, 0.4 ],   [0.1 , 0.12, 0.14, 0.9 , 0.18, 0.2 , 0.22, 0.24, 0.26, 0.28, 0.3 , 0.32, 0.34, 0.36, 0.38, 0.4 ],   [0.1 , 0.12, 0.14, 0.9 , 0.18, 0.2 , 0.22, 0.24, 0.26, 0.28, 0.3 , 0.32, 0.34, 0.36, 0.38, 0.4 ],   [0.1 , 0.12, 0.14, 0.9 , 0.18, 0.2 , 0.22, 0.24, 0.26, 0.28, 0.3 , 0.32, 0.34, 0.36, 0.38, 0.4 ],   [0.1 , 0.12, 0.14, 0.9 , 0.18, 0.2 , 0.22, 0.24, 0.26, 0.28, 0.3 , 0.32, 0.34, 0.36, 0.38, 0.4 ],   [0.1 , 0.12, 0.14, 0.9 , 0.18, 0.2 , 0.22, 0.24, 0.26, 0.28, 0.3 , 0.32, 0.34, 0.36, 0.38, 0.4 ],   [0.1 , 0.12, 0.14, 0.9 , 0.18, 0.2 , 0.22, 0.24, 0.26, 0.28, 0.3 , 0.32, 0.34, 0.36, 0.38, 0.4 ],   [0.1 , 0.12, 0.14, 0.9 , 0.18, 0.2 , 0.22, 0.24, 0.26, 0.28, 0.3 , 0.32, 0.34, 0.36, 0.38, 0.4 ]],  [[0.15, 0.17, 0.19, 0.9 , 0.23, 0.25, 0.27, 0.29, 0.31, 0.33, 0.35, 0.37, 0.39, 0.41, 0.43, 0.45],   [0.15, 0.17, 0.19, 0.9 , 0.23, 0.25, 0.27, 0.29, 0.31, 0.33, 0.35, 0.37, 0.39, 0.41, 0.43, 0.45],   [0.15, 0.17, 0.19, 0.9 , 0.23, 0.25, 0.27, 0.29, 0.31, 0.33, 0.35, 0.37, 0.39, 0.41, 0.43, 0.45],   [0.15, 0.17, 0.19, 0.9 , 0.23, 0.25, 0.27, 0.29, 0.31, 0.33, 0.35, 0.37, 0.39, 0.41, 0.43, 0.45],   [0.15, 0.17, 0.19, 0.9 , 0.23, 0.25, 0.27, 0.29, 0.31, 0.33, 0.35, 0.37, 0.39, 0.41, 0.43, 0.45],   [0.15, 0.17, 0.19, 0.9 , 0.23, 0.25, 0.27, 0.29, 0.31, 0.33, 0.35, 0.37, 0.39, 0.41, 0.43, 0.45],   [0.15, 0.17, 0.19, 0.9 , 0.23, 0.25, 0.27, 0.29, 0.31, 0.33, 0.35, 0.37, 0.39, 0.41, 0.43, 0.45],   [0.15, 0.17, 0.19, 0.9 , 0.23, 0.25, 0.27, 0.29, 0.31, 0.33, 0.35, 0.37, 0.39, 0.41, 0.43, 0.45]]]]> : tensor<1x2x8x16xf32>
  %kz = arith.constant dense<-3> : tensor<1x2x8x16xi8>
  %dk = ct.dequantize %kc scale(%ks) zero_point(%kz) quant<int4, group = 1, asymmetric> : (tensor<1x2x8x16xi4>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xi8>) -> tensor<1x2x8x16xf32>
  return %o, %dk, %vc : tensor<1x4x5x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}

func.func @fake_decode(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>, %kc: tensor<1x2x8x16xf32>, %vc: tensor<1x2x8x16xf32>, %pos: index) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %ks = arith.constant dense<[[[[0.1 , 0.12, 0.14, 0.9 , 0.18, 0.2 , 0.22, 0.24, 0.26, 0.28, 0.3 , 0.32, 0.34, 0.36, 0.38, 0.4 ]],  [[0.15, 0.17, 0.19, 0.9 , 0.23, 0.25, 0.27, 0.29, 0.31, 0.33, 0.35, 0.37, 0.39, 0.41, 0.43, 0.45]]]]> : tensor<1x2x1x16xf32>
  %kz = arith.constant dense<-3> : tensor<1x2x1x16xi8>
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos {scale = 0.25 : f64, causal} : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, index) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
    k_hook {
    ^bb0(%a: tensor<1x2x1x16xf32>):
      %f = ct.fake_quantize %a scale(%ks) zero_point(%kz) quant<int4, group = 1, asymmetric> : (tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xi8>) -> tensor<1x2x1x16xf32>
      ct.yield %f : tensor<1x2x1x16xf32>
    }
  return %o#0, %o#1, %o#2 : tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}

func.func @stored_decode(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>, %kc: tensor<1x2x8x16xi4>, %vc: tensor<1x2x8x16xf32>, %pos: index) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xi4>, tensor<1x2x8x16xf32>) {
  %ks = arith.constant dense<[[[0.1 , 0.12, 0.14, 0.9 , 0.18, 0.2 , 0.22, 0.24, 0.26, 0.28, 0.3 , 0.32, 0.34, 0.36, 0.38, 0.4 ]], [[0.15, 0.17, 0.19, 0.9 , 0.23, 0.25, 0.27, 0.29, 0.31, 0.33, 0.35, 0.37, 0.39, 0.41, 0.43, 0.45]]]> : tensor<2x1x16xf32>
  %kz = arith.constant dense<-3> : tensor<2x1x16xi8>
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos quantized(k: %ks zero_point %kz) {scale = 0.25 : f64, causal, k_cache_quant = #ct.quant<int4, channel, asymmetric>} : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x8x16xi4>, tensor<1x2x8x16xf32>, index, tensor<2x1x16xf32>, tensor<2x1x16xi8>) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xi4>, tensor<1x2x8x16xf32>)
  return %o#0, %o#1, %o#2 : tensor<1x4x1x16xf32>, tensor<1x2x8x16xi4>, tensor<1x2x8x16xf32>
}

func.func @check_decode(%o: tensor<1x4x1x16xf32>, %kc: tensor<1x2x8x16xi4>, %vc: tensor<1x2x8x16xf32>) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %ks = arith.constant dense<[[[[0.1 , 0.12, 0.14, 0.9 , 0.18, 0.2 , 0.22, 0.24, 0.26, 0.28, 0.3 , 0.32, 0.34, 0.36, 0.38, 0.4 ],   [0.1 , 0.12, 0.14, 0.9 , 0.18, 0.2 , 0.22, 0.24, 0.26, 0.28, 0.3 , 0.32, 0.34, 0.36, 0.38, 0.4 ],   [0.1 , 0.12, 0.14, 0.9 , 0.18, 0.2 , 0.22, 0.24, 0.26, 0.28, 0.3 , 0.32, 0.34, 0.36, 0.38, 0.4 ],   [0.1 , 0.12, 0.14, 0.9 , 0.18, 0.2 , 0.22, 0.24, 0.26, 0.28, 0.3 , 0.32, 0.34, 0.36, 0.38, 0.4 ],   [0.1 , 0.12, 0.14, 0.9 , 0.18, 0.2 , 0.22, 0.24, 0.26, 0.28, 0.3 , 0.32, 0.34, 0.36, 0.38, 0.4 ],   [0.1 , 0.12, 0.14, 0.9 , 0.18, 0.2 , 0.22, 0.24, 0.26, 0.28, 0.3 , 0.32, 0.34, 0.36, 0.38, 0.4 ],   [0.1 , 0.12, 0.14, 0.9 , 0.18, 0.2 , 0.22, 0.24, 0.26, 0.28, 0.3 , 0.32, 0.34, 0.36, 0.38, 0.4 ],   [0.1 , 0.12, 0.14, 0.9 , 0.18, 0.2 , 0.22, 0.24, 0.26, 0.28, 0.3 , 0.32, 0.34, 0.36, 0.38, 0.4 ]],  [[0.15, 0.17, 0.19, 0.9 , 0.23, 0.25, 0.27, 0.29, 0.31, 0.33, 0.35, 0.37, 0.39, 0.41, 0.43, 0.45],   [0.15, 0.17, 0.19, 0.9 , 0.23, 0.25, 0.27, 0.29, 0.31, 0.33, 0.35, 0.37, 0.39, 0.41, 0.43, 0.45],   [0.15, 0.17, 0.19, 0.9 , 0.23, 0.25, 0.27, 0.29, 0.31, 0.33, 0.35, 0.37, 0.39, 0.41, 0.43, 0.45],   [0.15, 0.17, 0.19, 0.9 , 0.23, 0.25, 0.27, 0.29, 0.31, 0.33, 0.35, 0.37, 0.39, 0.41, 0.43, 0.45],   [0.15, 0.17, 0.19, 0.9 , 0.23, 0.25, 0.27, 0.29, 0.31, 0.33, 0.35, 0.37, 0.39, 0.41, 0.43, 0.45],   [0.15, 0.17, 0.19, 0.9 , 0.23, 0.25, 0.27, 0.29, 0.31, 0.33, 0.35, 0.37, 0.39, 0.41, 0.43, 0.45],   [0.15, 0.17, 0.19, 0.9 , 0.23, 0.25, 0.27, 0.29, 0.31, 0.33, 0.35, 0.37, 0.39, 0.41, 0.43, 0.45],   [0.15, 0.17, 0.19, 0.9 , 0.23, 0.25, 0.27, 0.29, 0.31, 0.33, 0.35, 0.37, 0.39, 0.41, 0.43, 0.45]]]]> : tensor<1x2x8x16xf32>
  %kz = arith.constant dense<-3> : tensor<1x2x8x16xi8>
  %dk = ct.dequantize %kc scale(%ks) zero_point(%kz) quant<int4, group = 1, asymmetric> : (tensor<1x2x8x16xi4>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xi8>) -> tensor<1x2x8x16xf32>
  return %o, %dk, %vc : tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}
