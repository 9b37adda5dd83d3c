// Decode over asymmetric and per-group quantized caches on the GPU against
// the CPU path on the same module and inputs
// (utils/gen_gpu_attention_inputs.py), as attention.mlir does for float
// caches: each case runs on the CPU first, writing its results, then on the
// GPU comparing with them.
// Asymmetric caches (zero points): int8 in bf16 with per-row dynamic (token)
// key scales and zero points and static per-kv-head value ones; packed int4
// in f32 (batch 2) with a static per-tensor key scale and zero point and
// per-row dynamic (token) value ones; the new rows' codes and zero points
// must equal the CPU's. Scales per group of a row: packed int4 in bf16 with
// asymmetric keys in groups of 32 and symmetric values in groups of 64
// (dynamic; G scales per row).
//
// Tolerances: the two paths sum the dot products and the softmax in
// different orders and the GPU's exp2 is ex2.approx.f32 (2 ulp) where the
// CPU's is a polynomial (a few ulp), so f32 results agree to about 1e-6
// relative; rtol 1e-4 / atol 1e-5 leave margin for the sums over up to 678
// keys. bf16 results are rounded from such f32 values, so they may differ by
// one bf16 ulp (2^-8 relative); the hooked cache rows come from two FWHT
// implementations whose f32 sums are rounded to bf16 and may differ by an
// ulp as well: rtol 2e-2 / atol 2e-2.
//
// REQUIRES: cuda-device
// RUN: ct-run %s --entry decode_int8_asymmetric --input %S/Inputs/attention-decode-int8-asym.q.npy --input %S/Inputs/attention-decode-int8-asym.k.npy --input %S/Inputs/attention-decode-int8-asym.v.npy --input %S/Inputs/attention-decode-int8-asym.k_cache.npy --input %S/Inputs/attention-decode-int8-asym.v_cache.npy --input %S/Inputs/attention-decode-int8-asym.position.npy --input %S/Inputs/attention-decode-int8-asym.k_scale.npy --input %S/Inputs/attention-decode-int8-asym.k_zero_point.npy --input %S/Inputs/attention-decode-int8-asym.v_scale.npy --input %S/Inputs/attention-decode-int8-asym.v_zero_point.npy --output %t.decode-int8-asym.o.npy --output %t.decode-int8-asym.kc.npy --output %t.decode-int8-asym.vc.npy --output %t.decode-int8-asym.ks.npy --output %t.decode-int8-asym.kz.npy
// RUN: ct-run --gpu %s --entry decode_int8_asymmetric --input %S/Inputs/attention-decode-int8-asym.q.npy --input %S/Inputs/attention-decode-int8-asym.k.npy --input %S/Inputs/attention-decode-int8-asym.v.npy --input %S/Inputs/attention-decode-int8-asym.k_cache.npy --input %S/Inputs/attention-decode-int8-asym.v_cache.npy --input %S/Inputs/attention-decode-int8-asym.position.npy --input %S/Inputs/attention-decode-int8-asym.k_scale.npy --input %S/Inputs/attention-decode-int8-asym.k_zero_point.npy --input %S/Inputs/attention-decode-int8-asym.v_scale.npy --input %S/Inputs/attention-decode-int8-asym.v_zero_point.npy --compare %t.decode-int8-asym.o.npy --compare %t.decode-int8-asym.kc.npy --compare %t.decode-int8-asym.vc.npy --compare %t.decode-int8-asym.ks.npy --compare %t.decode-int8-asym.kz.npy --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=DECODE-INT8-ASYM
// RUN: ct-run %s --entry decode_int4_asymmetric --input %S/Inputs/attention-decode-int4-asym.q.npy --input %S/Inputs/attention-decode-int4-asym.k.npy --input %S/Inputs/attention-decode-int4-asym.v.npy --input %S/Inputs/attention-decode-int4-asym.k_cache.npy --input %S/Inputs/attention-decode-int4-asym.v_cache.npy --input %S/Inputs/attention-decode-int4-asym.position.npy --input %S/Inputs/attention-decode-int4-asym.k_scale.npy --input %S/Inputs/attention-decode-int4-asym.k_zero_point.npy --input %S/Inputs/attention-decode-int4-asym.v_scale.npy --input %S/Inputs/attention-decode-int4-asym.v_zero_point.npy --output %t.decode-int4-asym.o.npy --output %t.decode-int4-asym.kc.npy --output %t.decode-int4-asym.vc.npy --output %t.decode-int4-asym.vs.npy --output %t.decode-int4-asym.vz.npy
// RUN: ct-run --gpu %s --entry decode_int4_asymmetric --input %S/Inputs/attention-decode-int4-asym.q.npy --input %S/Inputs/attention-decode-int4-asym.k.npy --input %S/Inputs/attention-decode-int4-asym.v.npy --input %S/Inputs/attention-decode-int4-asym.k_cache.npy --input %S/Inputs/attention-decode-int4-asym.v_cache.npy --input %S/Inputs/attention-decode-int4-asym.position.npy --input %S/Inputs/attention-decode-int4-asym.k_scale.npy --input %S/Inputs/attention-decode-int4-asym.k_zero_point.npy --input %S/Inputs/attention-decode-int4-asym.v_scale.npy --input %S/Inputs/attention-decode-int4-asym.v_zero_point.npy --compare %t.decode-int4-asym.o.npy --compare %t.decode-int4-asym.kc.npy --compare %t.decode-int4-asym.vc.npy --compare %t.decode-int4-asym.vs.npy --compare %t.decode-int4-asym.vz.npy --rtol 1e-4 --atol 1e-5 | FileCheck %s --check-prefix=DECODE-INT4-ASYM
// RUN: ct-run %s --entry decode_int4_group --input %S/Inputs/attention-decode-int4-group.q.npy --input %S/Inputs/attention-decode-int4-group.k.npy --input %S/Inputs/attention-decode-int4-group.v.npy --input %S/Inputs/attention-decode-int4-group.k_cache.npy --input %S/Inputs/attention-decode-int4-group.v_cache.npy --input %S/Inputs/attention-decode-int4-group.position.npy --input %S/Inputs/attention-decode-int4-group.k_scale.npy --input %S/Inputs/attention-decode-int4-group.k_zero_point.npy --input %S/Inputs/attention-decode-int4-group.v_scale.npy --output %t.decode-int4-group.o.npy --output %t.decode-int4-group.kc.npy --output %t.decode-int4-group.vc.npy --output %t.decode-int4-group.ks.npy --output %t.decode-int4-group.kz.npy --output %t.decode-int4-group.vs.npy
// RUN: ct-run --gpu %s --entry decode_int4_group --input %S/Inputs/attention-decode-int4-group.q.npy --input %S/Inputs/attention-decode-int4-group.k.npy --input %S/Inputs/attention-decode-int4-group.v.npy --input %S/Inputs/attention-decode-int4-group.k_cache.npy --input %S/Inputs/attention-decode-int4-group.v_cache.npy --input %S/Inputs/attention-decode-int4-group.position.npy --input %S/Inputs/attention-decode-int4-group.k_scale.npy --input %S/Inputs/attention-decode-int4-group.k_zero_point.npy --input %S/Inputs/attention-decode-int4-group.v_scale.npy --compare %t.decode-int4-group.o.npy --compare %t.decode-int4-group.kc.npy --compare %t.decode-int4-group.vc.npy --compare %t.decode-int4-group.ks.npy --compare %t.decode-int4-group.kz.npy --compare %t.decode-int4-group.vs.npy --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=DECODE-INT4-GROUP

// DECODE-INT8-ASYM: result #0: 1024 elements, max abs error {{.*}}: match
// DECODE-INT8-ASYM: result #1: 131072 elements: match
// DECODE-INT8-ASYM: result #2: 131072 elements: match
// DECODE-INT8-ASYM: result #3: 1024 elements, max abs error {{.*}}: match
// DECODE-INT8-ASYM: result #4: 1024 elements: match
func.func @decode_int8_asymmetric(%q: tensor<1x8x1x128xbf16>,
    %k: tensor<1x2x1x128xbf16>, %v: tensor<1x2x1x128xbf16>,
    %kc: tensor<1x2x512x128xi8>, %vc: tensor<1x2x512x128xi8>, %pos: index,
    %ks: tensor<1x2x512x1xbf16>, %kz: tensor<1x2x512x1xi8>,
    %vs: tensor<2x1x1xbf16>, %vz: tensor<2x1x1xi8>)
    -> (tensor<1x8x1x128xbf16>, tensor<1x2x512x128xi8>, tensor<1x2x512x128xi8>,
        tensor<1x2x512x1xbf16>, tensor<1x2x512x1xi8>) {
  %o:5 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks zero_point %kz, v: %vs zero_point %vz)
      {scale = 0.08838834764831845 : f64, causal,
       k_cache_quant = #ct.quant<int8, token, asymmetric, dynamic>,
       v_cache_quant = #ct.quant<int8, attn_head, asymmetric>}
      : (tensor<1x8x1x128xbf16>, tensor<1x2x1x128xbf16>, tensor<1x2x1x128xbf16>,
         tensor<1x2x512x128xi8>, tensor<1x2x512x128xi8>, index,
         tensor<1x2x512x1xbf16>, tensor<1x2x512x1xi8>, tensor<2x1x1xbf16>,
         tensor<2x1x1xi8>)
      -> (tensor<1x8x1x128xbf16>, tensor<1x2x512x128xi8>, tensor<1x2x512x128xi8>,
          tensor<1x2x512x1xbf16>, tensor<1x2x512x1xi8>)
  return %o#0, %o#1, %o#2, %o#3, %o#4
      : tensor<1x8x1x128xbf16>, tensor<1x2x512x128xi8>, tensor<1x2x512x128xi8>,
        tensor<1x2x512x1xbf16>, tensor<1x2x512x1xi8>
}

// DECODE-INT4-ASYM: result #0: 512 elements, max abs error {{.*}}: match
// DECODE-INT4-ASYM: result #1: 38400 elements: match
// DECODE-INT4-ASYM: result #2: 38400 elements: match
// DECODE-INT4-ASYM: result #3: 1200 elements, max abs error {{.*}}: match
// DECODE-INT4-ASYM: result #4: 1200 elements: match
func.func @decode_int4_asymmetric(%q: tensor<2x4x1x64xf32>, %k: tensor<2x2x1x64xf32>,
    %v: tensor<2x2x1x64xf32>, %kc: tensor<2x2x300x64xi4>,
    %vc: tensor<2x2x300x64xi4>, %pos: index,
    %ks: tensor<1xf32>, %kz: tensor<1xi8>,
    %vs: tensor<2x2x300x1xf32>, %vz: tensor<2x2x300x1xi8>)
    -> (tensor<2x4x1x64xf32>, tensor<2x2x300x64xi4>, tensor<2x2x300x64xi4>,
        tensor<2x2x300x1xf32>, tensor<2x2x300x1xi8>) {
  %o:5 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks zero_point %kz, v: %vs zero_point %vz)
      {scale = 0.125 : f64,
       k_cache_quant = #ct.quant<int4, asymmetric>,
       v_cache_quant = #ct.quant<int4, token, asymmetric, dynamic>}
      : (tensor<2x4x1x64xf32>, tensor<2x2x1x64xf32>, tensor<2x2x1x64xf32>,
         tensor<2x2x300x64xi4>, tensor<2x2x300x64xi4>, index,
         tensor<1xf32>, tensor<1xi8>, tensor<2x2x300x1xf32>,
         tensor<2x2x300x1xi8>)
      -> (tensor<2x4x1x64xf32>, tensor<2x2x300x64xi4>, tensor<2x2x300x64xi4>,
          tensor<2x2x300x1xf32>, tensor<2x2x300x1xi8>)
  return %o#0, %o#1, %o#2, %o#3, %o#4
      : tensor<2x4x1x64xf32>, tensor<2x2x300x64xi4>, tensor<2x2x300x64xi4>,
        tensor<2x2x300x1xf32>, tensor<2x2x300x1xi8>
}

// DECODE-INT4-GROUP: result #0: 1024 elements, max abs error {{.*}}: match
// DECODE-INT4-GROUP: result #1: 65536 elements: match
// DECODE-INT4-GROUP: result #2: 65536 elements: match
// DECODE-INT4-GROUP: result #3: 4096 elements, max abs error {{.*}}: match
// DECODE-INT4-GROUP: result #4: 4096 elements: match
// DECODE-INT4-GROUP: result #5: 2048 elements, max abs error {{.*}}: match
func.func @decode_int4_group(%q: tensor<1x8x1x128xbf16>, %k: tensor<1x2x1x128xbf16>,
    %v: tensor<1x2x1x128xbf16>, %kc: tensor<1x2x512x128xi4>,
    %vc: tensor<1x2x512x128xi4>, %pos: index,
    %ks: tensor<1x2x512x4xbf16>, %kz: tensor<1x2x512x4xi8>,
    %vs: tensor<1x2x512x2xbf16>)
    -> (tensor<1x8x1x128xbf16>, tensor<1x2x512x128xi4>, tensor<1x2x512x128xi4>,
        tensor<1x2x512x4xbf16>, tensor<1x2x512x4xi8>, tensor<1x2x512x2xbf16>) {
  %o:6 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks zero_point %kz, v: %vs)
      {scale = 0.08838834764831845 : f64, causal,
       k_cache_quant = #ct.quant<int4, group = 32, asymmetric, dynamic>,
       v_cache_quant = #ct.quant<int4, group = 64, dynamic>}
      : (tensor<1x8x1x128xbf16>, tensor<1x2x1x128xbf16>, tensor<1x2x1x128xbf16>,
         tensor<1x2x512x128xi4>, tensor<1x2x512x128xi4>, index,
         tensor<1x2x512x4xbf16>, tensor<1x2x512x4xi8>, tensor<1x2x512x2xbf16>)
      -> (tensor<1x8x1x128xbf16>, tensor<1x2x512x128xi4>, tensor<1x2x512x128xi4>,
          tensor<1x2x512x4xbf16>, tensor<1x2x512x4xi8>, tensor<1x2x512x2xbf16>)
  return %o#0, %o#1, %o#2, %o#3, %o#4, %o#5
      : tensor<1x8x1x128xbf16>, tensor<1x2x512x128xi4>, tensor<1x2x512x128xi4>,
        tensor<1x2x512x4xbf16>, tensor<1x2x512x4xi8>, tensor<1x2x512x2xbf16>
}
