// Decode over quantized caches on the GPU against the CPU path on the same
// module and inputs (utils/gen_gpu_attention_inputs.py), as attention.mlir
// does for float caches: each case runs on the CPU first, writing its
// results, then on the GPU comparing with them.
// Decode over an int8 key cache with per-row dynamic (token) scales and an
// fp8 value cache with static per-head scales; the new row is quantized on
// the GPU with ct-lower-quant's formulas, so its int8 codes must equal the
// CPU's (integers compare exactly) and its fp8 codes and bf16 scale agree
// within the bf16 tolerance (they are expected equal). int4 caches, stored
// packed (uint8 [..., D/2], as ct-run passes them): bf16 decode with per-row
// dynamic scales (library `token` keys, per-token-head `group = 128` values)
// and f32 decode (batch 2, GQA 2:1) with static per-kv-head scales; the new
// rows' codes must equal the CPU's byte for byte. fp4 (e2m1) caches, stored
// packed like int4: the same two cases, the codes uniform over all 16
// nibbles.
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
// RUN: ct-run %s --entry decode_quantized --input %S/Inputs/attention-decode-quant.q.npy --input %S/Inputs/attention-decode-quant.k.npy --input %S/Inputs/attention-decode-quant.v.npy --input %S/Inputs/attention-decode-quant.k_cache.npy --input %S/Inputs/attention-decode-quant.v_cache.npy --input %S/Inputs/attention-decode-quant.position.npy --input %S/Inputs/attention-decode-quant.k_scale.npy --input %S/Inputs/attention-decode-quant.v_scale.npy --output %t.decode-quant.o.npy --output %t.decode-quant.kc.npy --output %t.decode-quant.vc.npy --output %t.decode-quant.ks.npy
// RUN: ct-run --gpu %s --entry decode_quantized --input %S/Inputs/attention-decode-quant.q.npy --input %S/Inputs/attention-decode-quant.k.npy --input %S/Inputs/attention-decode-quant.v.npy --input %S/Inputs/attention-decode-quant.k_cache.npy --input %S/Inputs/attention-decode-quant.v_cache.npy --input %S/Inputs/attention-decode-quant.position.npy --input %S/Inputs/attention-decode-quant.k_scale.npy --input %S/Inputs/attention-decode-quant.v_scale.npy --compare %t.decode-quant.o.npy --compare %t.decode-quant.kc.npy --compare %t.decode-quant.vc.npy --compare %t.decode-quant.ks.npy --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=DECODE-QUANT
// RUN: ct-run %s --entry decode_int4_token --input %S/Inputs/attention-decode-int4-token.q.npy --input %S/Inputs/attention-decode-int4-token.k.npy --input %S/Inputs/attention-decode-int4-token.v.npy --input %S/Inputs/attention-decode-int4-token.k_cache.npy --input %S/Inputs/attention-decode-int4-token.v_cache.npy --input %S/Inputs/attention-decode-int4-token.position.npy --input %S/Inputs/attention-decode-int4-token.k_scale.npy --input %S/Inputs/attention-decode-int4-token.v_scale.npy --output %t.decode-int4-token.o.npy --output %t.decode-int4-token.kc.npy --output %t.decode-int4-token.vc.npy --output %t.decode-int4-token.ks.npy --output %t.decode-int4-token.vs.npy
// RUN: ct-run --gpu %s --entry decode_int4_token --input %S/Inputs/attention-decode-int4-token.q.npy --input %S/Inputs/attention-decode-int4-token.k.npy --input %S/Inputs/attention-decode-int4-token.v.npy --input %S/Inputs/attention-decode-int4-token.k_cache.npy --input %S/Inputs/attention-decode-int4-token.v_cache.npy --input %S/Inputs/attention-decode-int4-token.position.npy --input %S/Inputs/attention-decode-int4-token.k_scale.npy --input %S/Inputs/attention-decode-int4-token.v_scale.npy --compare %t.decode-int4-token.o.npy --compare %t.decode-int4-token.kc.npy --compare %t.decode-int4-token.vc.npy --compare %t.decode-int4-token.ks.npy --compare %t.decode-int4-token.vs.npy --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=DECODE-INT4-TOKEN
// RUN: ct-run %s --entry decode_int4_head --input %S/Inputs/attention-decode-int4-head.q.npy --input %S/Inputs/attention-decode-int4-head.k.npy --input %S/Inputs/attention-decode-int4-head.v.npy --input %S/Inputs/attention-decode-int4-head.k_cache.npy --input %S/Inputs/attention-decode-int4-head.v_cache.npy --input %S/Inputs/attention-decode-int4-head.position.npy --input %S/Inputs/attention-decode-int4-head.k_scale.npy --input %S/Inputs/attention-decode-int4-head.v_scale.npy --output %t.decode-int4-head.o.npy --output %t.decode-int4-head.kc.npy --output %t.decode-int4-head.vc.npy
// RUN: ct-run --gpu %s --entry decode_int4_head --input %S/Inputs/attention-decode-int4-head.q.npy --input %S/Inputs/attention-decode-int4-head.k.npy --input %S/Inputs/attention-decode-int4-head.v.npy --input %S/Inputs/attention-decode-int4-head.k_cache.npy --input %S/Inputs/attention-decode-int4-head.v_cache.npy --input %S/Inputs/attention-decode-int4-head.position.npy --input %S/Inputs/attention-decode-int4-head.k_scale.npy --input %S/Inputs/attention-decode-int4-head.v_scale.npy --compare %t.decode-int4-head.o.npy --compare %t.decode-int4-head.kc.npy --compare %t.decode-int4-head.vc.npy --rtol 1e-4 --atol 1e-5 | FileCheck %s --check-prefix=DECODE-INT4-HEAD
// RUN: ct-run %s --entry decode_fp4_token --input %S/Inputs/attention-decode-fp4-token.q.npy --input %S/Inputs/attention-decode-fp4-token.k.npy --input %S/Inputs/attention-decode-fp4-token.v.npy --input %S/Inputs/attention-decode-fp4-token.k_cache.npy --input %S/Inputs/attention-decode-fp4-token.v_cache.npy --input %S/Inputs/attention-decode-fp4-token.position.npy --input %S/Inputs/attention-decode-fp4-token.k_scale.npy --input %S/Inputs/attention-decode-fp4-token.v_scale.npy --output %t.decode-fp4-token.o.npy --output %t.decode-fp4-token.kc.npy --output %t.decode-fp4-token.vc.npy --output %t.decode-fp4-token.ks.npy --output %t.decode-fp4-token.vs.npy
// RUN: ct-run --gpu %s --entry decode_fp4_token --input %S/Inputs/attention-decode-fp4-token.q.npy --input %S/Inputs/attention-decode-fp4-token.k.npy --input %S/Inputs/attention-decode-fp4-token.v.npy --input %S/Inputs/attention-decode-fp4-token.k_cache.npy --input %S/Inputs/attention-decode-fp4-token.v_cache.npy --input %S/Inputs/attention-decode-fp4-token.position.npy --input %S/Inputs/attention-decode-fp4-token.k_scale.npy --input %S/Inputs/attention-decode-fp4-token.v_scale.npy --compare %t.decode-fp4-token.o.npy --compare %t.decode-fp4-token.kc.npy --compare %t.decode-fp4-token.vc.npy --compare %t.decode-fp4-token.ks.npy --compare %t.decode-fp4-token.vs.npy --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=DECODE-FP4-TOKEN
// RUN: ct-run %s --entry decode_fp4_head --input %S/Inputs/attention-decode-fp4-head.q.npy --input %S/Inputs/attention-decode-fp4-head.k.npy --input %S/Inputs/attention-decode-fp4-head.v.npy --input %S/Inputs/attention-decode-fp4-head.k_cache.npy --input %S/Inputs/attention-decode-fp4-head.v_cache.npy --input %S/Inputs/attention-decode-fp4-head.position.npy --input %S/Inputs/attention-decode-fp4-head.k_scale.npy --input %S/Inputs/attention-decode-fp4-head.v_scale.npy --output %t.decode-fp4-head.o.npy --output %t.decode-fp4-head.kc.npy --output %t.decode-fp4-head.vc.npy
// RUN: ct-run --gpu %s --entry decode_fp4_head --input %S/Inputs/attention-decode-fp4-head.q.npy --input %S/Inputs/attention-decode-fp4-head.k.npy --input %S/Inputs/attention-decode-fp4-head.v.npy --input %S/Inputs/attention-decode-fp4-head.k_cache.npy --input %S/Inputs/attention-decode-fp4-head.v_cache.npy --input %S/Inputs/attention-decode-fp4-head.position.npy --input %S/Inputs/attention-decode-fp4-head.k_scale.npy --input %S/Inputs/attention-decode-fp4-head.v_scale.npy --compare %t.decode-fp4-head.o.npy --compare %t.decode-fp4-head.kc.npy --compare %t.decode-fp4-head.vc.npy --rtol 1e-4 --atol 1e-5 | FileCheck %s --check-prefix=DECODE-FP4-HEAD

// DECODE-QUANT: result #0: 1024 elements, max abs error {{.*}}: match
// DECODE-QUANT: result #1: 131072 elements: match
// DECODE-QUANT: result #2: 131072 elements, max abs error {{.*}}: match
// DECODE-QUANT: result #3: 1024 elements, max abs error {{.*}}: match
func.func @decode_quantized(%q: tensor<1x8x1x128xbf16>, %k: tensor<1x2x1x128xbf16>,
    %v: tensor<1x2x1x128xbf16>, %kc: tensor<1x2x512x128xi8>,
    %vc: tensor<1x2x512x128xf8E4M3FN>, %pos: index,
    %ks: tensor<1x2x512x1xbf16>, %vs: tensor<2x1x1xbf16>)
    -> (tensor<1x8x1x128xbf16>, tensor<1x2x512x128xi8>,
        tensor<1x2x512x128xf8E4M3FN>, tensor<1x2x512x1xbf16>) {
  %o:4 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks, v: %vs)
      {scale = 0.08838834764831845 : f64, causal,
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

// DECODE-INT4-TOKEN: result #0: 1024 elements, max abs error {{.*}}: match
// DECODE-INT4-TOKEN: result #1: 65536 elements: match
// DECODE-INT4-TOKEN: result #2: 65536 elements: match
// DECODE-INT4-TOKEN: result #3: 1024 elements, max abs error {{.*}}: match
// DECODE-INT4-TOKEN: result #4: 1024 elements, max abs error {{.*}}: match
func.func @decode_int4_token(%q: tensor<1x8x1x128xbf16>, %k: tensor<1x2x1x128xbf16>,
    %v: tensor<1x2x1x128xbf16>, %kc: tensor<1x2x512x128xi4>,
    %vc: tensor<1x2x512x128xi4>, %pos: index,
    %ks: tensor<1x2x512x1xbf16>, %vs: tensor<1x2x512x1xbf16>)
    -> (tensor<1x8x1x128xbf16>, tensor<1x2x512x128xi4>, tensor<1x2x512x128xi4>,
        tensor<1x2x512x1xbf16>, tensor<1x2x512x1xbf16>) {
  %o:5 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks, v: %vs)
      {scale = 0.08838834764831845 : f64, causal,
       k_cache_quant = #ct.quant<int4, token, dynamic>,
       v_cache_quant = #ct.quant<int4, group = 128, dynamic>}
      : (tensor<1x8x1x128xbf16>, tensor<1x2x1x128xbf16>, tensor<1x2x1x128xbf16>,
         tensor<1x2x512x128xi4>, tensor<1x2x512x128xi4>, index,
         tensor<1x2x512x1xbf16>, tensor<1x2x512x1xbf16>)
      -> (tensor<1x8x1x128xbf16>, tensor<1x2x512x128xi4>, tensor<1x2x512x128xi4>,
          tensor<1x2x512x1xbf16>, tensor<1x2x512x1xbf16>)
  return %o#0, %o#1, %o#2, %o#3, %o#4
      : tensor<1x8x1x128xbf16>, tensor<1x2x512x128xi4>, tensor<1x2x512x128xi4>,
        tensor<1x2x512x1xbf16>, tensor<1x2x512x1xbf16>
}

// DECODE-INT4-HEAD: result #0: 512 elements, max abs error {{.*}}: match
// DECODE-INT4-HEAD: result #1: 38400 elements: match
// DECODE-INT4-HEAD: result #2: 38400 elements: match
func.func @decode_int4_head(%q: tensor<2x4x1x64xf32>, %k: tensor<2x2x1x64xf32>,
    %v: tensor<2x2x1x64xf32>, %kc: tensor<2x2x300x64xi4>,
    %vc: tensor<2x2x300x64xi4>, %pos: index,
    %ks: tensor<2x1x1xf32>, %vs: tensor<2x1x1xf32>)
    -> (tensor<2x4x1x64xf32>, tensor<2x2x300x64xi4>, tensor<2x2x300x64xi4>) {
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks, v: %vs)
      {scale = 0.125 : f64,
       k_cache_quant = #ct.quant<int4, attn_head>,
       v_cache_quant = #ct.quant<int4, attn_head>}
      : (tensor<2x4x1x64xf32>, tensor<2x2x1x64xf32>, tensor<2x2x1x64xf32>,
         tensor<2x2x300x64xi4>, tensor<2x2x300x64xi4>, index,
         tensor<2x1x1xf32>, tensor<2x1x1xf32>)
      -> (tensor<2x4x1x64xf32>, tensor<2x2x300x64xi4>, tensor<2x2x300x64xi4>)
  return %o#0, %o#1, %o#2
      : tensor<2x4x1x64xf32>, tensor<2x2x300x64xi4>, tensor<2x2x300x64xi4>
}

// DECODE-FP4-TOKEN: result #0: 1024 elements, max abs error {{.*}}: match
// DECODE-FP4-TOKEN: result #1: 65536 elements: match
// DECODE-FP4-TOKEN: result #2: 65536 elements: match
// DECODE-FP4-TOKEN: result #3: 1024 elements, max abs error {{.*}}: match
// DECODE-FP4-TOKEN: result #4: 1024 elements, max abs error {{.*}}: match
func.func @decode_fp4_token(%q: tensor<1x8x1x128xbf16>, %k: tensor<1x2x1x128xbf16>,
    %v: tensor<1x2x1x128xbf16>, %kc: tensor<1x2x512x128xf4E2M1FN>,
    %vc: tensor<1x2x512x128xf4E2M1FN>, %pos: index,
    %ks: tensor<1x2x512x1xbf16>, %vs: tensor<1x2x512x1xbf16>)
    -> (tensor<1x8x1x128xbf16>, tensor<1x2x512x128xf4E2M1FN>,
        tensor<1x2x512x128xf4E2M1FN>, tensor<1x2x512x1xbf16>,
        tensor<1x2x512x1xbf16>) {
  %o:5 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks, v: %vs)
      {scale = 0.08838834764831845 : f64, causal,
       k_cache_quant = #ct.quant<float4, token, dynamic>,
       v_cache_quant = #ct.quant<float4, group = 128, dynamic>}
      : (tensor<1x8x1x128xbf16>, tensor<1x2x1x128xbf16>, tensor<1x2x1x128xbf16>,
         tensor<1x2x512x128xf4E2M1FN>, tensor<1x2x512x128xf4E2M1FN>, index,
         tensor<1x2x512x1xbf16>, tensor<1x2x512x1xbf16>)
      -> (tensor<1x8x1x128xbf16>, tensor<1x2x512x128xf4E2M1FN>,
          tensor<1x2x512x128xf4E2M1FN>, tensor<1x2x512x1xbf16>,
          tensor<1x2x512x1xbf16>)
  return %o#0, %o#1, %o#2, %o#3, %o#4
      : tensor<1x8x1x128xbf16>, tensor<1x2x512x128xf4E2M1FN>,
        tensor<1x2x512x128xf4E2M1FN>, tensor<1x2x512x1xbf16>,
        tensor<1x2x512x1xbf16>
}

// DECODE-FP4-HEAD: result #0: 512 elements, max abs error {{.*}}: match
// DECODE-FP4-HEAD: result #1: 38400 elements: match
// DECODE-FP4-HEAD: result #2: 38400 elements: match
func.func @decode_fp4_head(%q: tensor<2x4x1x64xf32>, %k: tensor<2x2x1x64xf32>,
    %v: tensor<2x2x1x64xf32>, %kc: tensor<2x2x300x64xf4E2M1FN>,
    %vc: tensor<2x2x300x64xf4E2M1FN>, %pos: index,
    %ks: tensor<2x1x1xf32>, %vs: tensor<2x1x1xf32>)
    -> (tensor<2x4x1x64xf32>, tensor<2x2x300x64xf4E2M1FN>,
        tensor<2x2x300x64xf4E2M1FN>) {
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks, v: %vs)
      {scale = 0.125 : f64,
       k_cache_quant = #ct.quant<float4, attn_head>,
       v_cache_quant = #ct.quant<float4, attn_head>}
      : (tensor<2x4x1x64xf32>, tensor<2x2x1x64xf32>, tensor<2x2x1x64xf32>,
         tensor<2x2x300x64xf4E2M1FN>, tensor<2x2x300x64xf4E2M1FN>, index,
         tensor<2x1x1xf32>, tensor<2x1x1xf32>)
      -> (tensor<2x4x1x64xf32>, tensor<2x2x300x64xf4E2M1FN>,
          tensor<2x2x300x64xf4E2M1FN>)
  return %o#0, %o#1, %o#2
      : tensor<2x4x1x64xf32>, tensor<2x2x300x64xf4E2M1FN>,
        tensor<2x2x300x64xf4E2M1FN>
}
