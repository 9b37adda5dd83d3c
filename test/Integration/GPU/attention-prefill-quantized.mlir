// Prefill over quantized caches on the GPU against the CPU path on the same
// module and inputs (utils/gen_gpu_attention_inputs.py), as attention.mlir
// does for float caches: each case runs on the CPU first, writing its
// results, then on the GPU comparing with them. A chunk of queries at a
// position attends over the cache's earlier rows and its own: the GPU
// dequantizes the visible rows into the new entries' type, then runs the
// prefill kernels on them (tensor cores for bf16 and f16).
// - bf16, GQA 4:1, 70 queries at 130 of 512 rows: int8 keys with per-row
//   dynamic (token) scales, fp8 values with static per-kv-head scales;
// - f32, batch 2, 24 queries at 40 of 100 rows: asymmetric int8 keys with
//   groups of 32, packed int4 values with groups of 16 (dynamic);
// - f16, 48 queries at 16 of 128 rows: packed int4 keys with a static scale
//   and zero point per kv head, packed fp4 values with a static per-tensor
//   scale.
// Rows past the context hold fp8 NaN codes and NaN scales: a kernel that
// read them would turn the outputs to NaN. The new rows' integer codes and
// zero points must equal the CPU's.
//
// Tolerances: f32 as in attention.mlir (the paths sum in different orders;
// the GPU's exp2 is ex2.approx.f32): rtol 1e-4 / atol 1e-5. On tensor cores
// the probabilities are rounded to the 16-bit type before P·V, which moves an
// output by at most 2^-9·max|v| (bf16; values up to 9 here) or 2^-11·max|v|
// (f16; up to 3), and results are rounded to it: bf16 rtol 2e-2 / atol
// 3e-2, f16 rtol 5e-3 / atol 5e-3.
//
// REQUIRES: cuda-device
// RUN: ct-run %s --entry prefill_quant_bf16 --input %S/Inputs/attention-prefill-quant-bf16.q.npy --input %S/Inputs/attention-prefill-quant-bf16.k.npy --input %S/Inputs/attention-prefill-quant-bf16.v.npy --input %S/Inputs/attention-prefill-quant-bf16.k_cache.npy --input %S/Inputs/attention-prefill-quant-bf16.v_cache.npy --input %S/Inputs/attention-prefill-quant-bf16.position.npy --input %S/Inputs/attention-prefill-quant-bf16.k_scale.npy --input %S/Inputs/attention-prefill-quant-bf16.v_scale.npy --output %t.prefill-quant-bf16.o.npy --output %t.prefill-quant-bf16.kc.npy --output %t.prefill-quant-bf16.vc.npy --output %t.prefill-quant-bf16.ks.npy
// RUN: ct-run --gpu %s --entry prefill_quant_bf16 --input %S/Inputs/attention-prefill-quant-bf16.q.npy --input %S/Inputs/attention-prefill-quant-bf16.k.npy --input %S/Inputs/attention-prefill-quant-bf16.v.npy --input %S/Inputs/attention-prefill-quant-bf16.k_cache.npy --input %S/Inputs/attention-prefill-quant-bf16.v_cache.npy --input %S/Inputs/attention-prefill-quant-bf16.position.npy --input %S/Inputs/attention-prefill-quant-bf16.k_scale.npy --input %S/Inputs/attention-prefill-quant-bf16.v_scale.npy --compare %t.prefill-quant-bf16.o.npy --compare %t.prefill-quant-bf16.kc.npy --compare %t.prefill-quant-bf16.vc.npy --compare %t.prefill-quant-bf16.ks.npy --rtol 2e-2 --atol 3e-2 | FileCheck %s --check-prefix=PREFILL-QUANT-BF16
// RUN: ct-run %s --entry prefill_quant_f32 --input %S/Inputs/attention-prefill-quant-f32.q.npy --input %S/Inputs/attention-prefill-quant-f32.k.npy --input %S/Inputs/attention-prefill-quant-f32.v.npy --input %S/Inputs/attention-prefill-quant-f32.k_cache.npy --input %S/Inputs/attention-prefill-quant-f32.v_cache.npy --input %S/Inputs/attention-prefill-quant-f32.position.npy --input %S/Inputs/attention-prefill-quant-f32.k_scale.npy --input %S/Inputs/attention-prefill-quant-f32.k_zero_point.npy --input %S/Inputs/attention-prefill-quant-f32.v_scale.npy --output %t.prefill-quant-f32.o.npy --output %t.prefill-quant-f32.kc.npy --output %t.prefill-quant-f32.vc.npy --output %t.prefill-quant-f32.ks.npy --output %t.prefill-quant-f32.kz.npy --output %t.prefill-quant-f32.vs.npy
// RUN: ct-run --gpu %s --entry prefill_quant_f32 --input %S/Inputs/attention-prefill-quant-f32.q.npy --input %S/Inputs/attention-prefill-quant-f32.k.npy --input %S/Inputs/attention-prefill-quant-f32.v.npy --input %S/Inputs/attention-prefill-quant-f32.k_cache.npy --input %S/Inputs/attention-prefill-quant-f32.v_cache.npy --input %S/Inputs/attention-prefill-quant-f32.position.npy --input %S/Inputs/attention-prefill-quant-f32.k_scale.npy --input %S/Inputs/attention-prefill-quant-f32.k_zero_point.npy --input %S/Inputs/attention-prefill-quant-f32.v_scale.npy --compare %t.prefill-quant-f32.o.npy --compare %t.prefill-quant-f32.kc.npy --compare %t.prefill-quant-f32.vc.npy --compare %t.prefill-quant-f32.ks.npy --compare %t.prefill-quant-f32.kz.npy --compare %t.prefill-quant-f32.vs.npy --rtol 1e-4 --atol 1e-5 | FileCheck %s --check-prefix=PREFILL-QUANT-F32
// RUN: ct-run %s --entry prefill_quant_f16 --input %S/Inputs/attention-prefill-quant-f16.q.npy --input %S/Inputs/attention-prefill-quant-f16.k.npy --input %S/Inputs/attention-prefill-quant-f16.v.npy --input %S/Inputs/attention-prefill-quant-f16.k_cache.npy --input %S/Inputs/attention-prefill-quant-f16.v_cache.npy --input %S/Inputs/attention-prefill-quant-f16.position.npy --input %S/Inputs/attention-prefill-quant-f16.k_scale.npy --input %S/Inputs/attention-prefill-quant-f16.k_zero_point.npy --input %S/Inputs/attention-prefill-quant-f16.v_scale.npy --output %t.prefill-quant-f16.o.npy --output %t.prefill-quant-f16.kc.npy --output %t.prefill-quant-f16.vc.npy
// RUN: ct-run --gpu %s --entry prefill_quant_f16 --input %S/Inputs/attention-prefill-quant-f16.q.npy --input %S/Inputs/attention-prefill-quant-f16.k.npy --input %S/Inputs/attention-prefill-quant-f16.v.npy --input %S/Inputs/attention-prefill-quant-f16.k_cache.npy --input %S/Inputs/attention-prefill-quant-f16.v_cache.npy --input %S/Inputs/attention-prefill-quant-f16.position.npy --input %S/Inputs/attention-prefill-quant-f16.k_scale.npy --input %S/Inputs/attention-prefill-quant-f16.k_zero_point.npy --input %S/Inputs/attention-prefill-quant-f16.v_scale.npy --compare %t.prefill-quant-f16.o.npy --compare %t.prefill-quant-f16.kc.npy --compare %t.prefill-quant-f16.vc.npy --rtol 5e-3 --atol 5e-3 | FileCheck %s --check-prefix=PREFILL-QUANT-F16

// PREFILL-QUANT-BF16: result #0: 71680 elements, max abs error {{.*}}: match
// PREFILL-QUANT-BF16: result #1: 131072 elements: match
// PREFILL-QUANT-BF16: result #2: 131072 elements, max abs error {{.*}}: match
// PREFILL-QUANT-BF16: result #3: 1024 elements, max abs error {{.*}}: match
func.func @prefill_quant_bf16(%q: tensor<1x8x70x128xbf16>, %k: tensor<1x2x70x128xbf16>,
    %v: tensor<1x2x70x128xbf16>, %kc: tensor<1x2x512x128xi8>,
    %vc: tensor<1x2x512x128xf8E4M3FN>, %pos: index,
    %ks: tensor<1x2x512x1xbf16>, %vs: tensor<2x1x1xbf16>)
    -> (tensor<1x8x70x128xbf16>, tensor<1x2x512x128xi8>,
        tensor<1x2x512x128xf8E4M3FN>, tensor<1x2x512x1xbf16>) {
  %o:4 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks, v: %vs)
      {scale = 0.08838834764831845 : f64, causal,
       k_cache_quant = #ct.quant<int8, token, dynamic>,
       v_cache_quant = #ct.quant<float8, attn_head>}
      : (tensor<1x8x70x128xbf16>, tensor<1x2x70x128xbf16>, tensor<1x2x70x128xbf16>,
         tensor<1x2x512x128xi8>, tensor<1x2x512x128xf8E4M3FN>, index,
         tensor<1x2x512x1xbf16>, tensor<2x1x1xbf16>)
      -> (tensor<1x8x70x128xbf16>, tensor<1x2x512x128xi8>,
          tensor<1x2x512x128xf8E4M3FN>, tensor<1x2x512x1xbf16>)
  return %o#0, %o#1, %o#2, %o#3
      : tensor<1x8x70x128xbf16>, tensor<1x2x512x128xi8>,
        tensor<1x2x512x128xf8E4M3FN>, tensor<1x2x512x1xbf16>
}

// PREFILL-QUANT-F32: result #0: 12288 elements, max abs error {{.*}}: match
// PREFILL-QUANT-F32: result #1: 25600 elements: match
// PREFILL-QUANT-F32: result #2: 12800 elements: match
// PREFILL-QUANT-F32: result #3: 800 elements, max abs error {{.*}}: match
// PREFILL-QUANT-F32: result #4: 800 elements: match
// PREFILL-QUANT-F32: result #5: 1600 elements, max abs error {{.*}}: match
func.func @prefill_quant_f32(%q: tensor<2x4x24x64xf32>, %k: tensor<2x2x24x64xf32>,
    %v: tensor<2x2x24x64xf32>, %kc: tensor<2x2x100x64xi8>,
    %vc: tensor<2x2x100x64xi4>, %pos: index,
    %ks: tensor<2x2x100x2xf32>, %kz: tensor<2x2x100x2xi8>,
    %vs: tensor<2x2x100x4xf32>)
    -> (tensor<2x4x24x64xf32>, tensor<2x2x100x64xi8>, tensor<2x2x100x64xi4>,
        tensor<2x2x100x2xf32>, tensor<2x2x100x2xi8>, tensor<2x2x100x4xf32>) {
  %o:6 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks zero_point %kz, v: %vs)
      {scale = 0.125 : f64, causal,
       k_cache_quant = #ct.quant<int8, group = 32, asymmetric, dynamic>,
       v_cache_quant = #ct.quant<int4, group = 16, dynamic>}
      : (tensor<2x4x24x64xf32>, tensor<2x2x24x64xf32>, tensor<2x2x24x64xf32>,
         tensor<2x2x100x64xi8>, tensor<2x2x100x64xi4>, index,
         tensor<2x2x100x2xf32>, tensor<2x2x100x2xi8>, tensor<2x2x100x4xf32>)
      -> (tensor<2x4x24x64xf32>, tensor<2x2x100x64xi8>, tensor<2x2x100x64xi4>,
          tensor<2x2x100x2xf32>, tensor<2x2x100x2xi8>, tensor<2x2x100x4xf32>)
  return %o#0, %o#1, %o#2, %o#3, %o#4, %o#5
      : tensor<2x4x24x64xf32>, tensor<2x2x100x64xi8>, tensor<2x2x100x64xi4>,
        tensor<2x2x100x2xf32>, tensor<2x2x100x2xi8>, tensor<2x2x100x4xf32>
}

// PREFILL-QUANT-F16: result #0: 12288 elements, max abs error {{.*}}: match
// PREFILL-QUANT-F16: result #1: 8192 elements: match
// PREFILL-QUANT-F16: result #2: 8192 elements: match
func.func @prefill_quant_f16(%q: tensor<1x4x48x64xf16>, %k: tensor<1x2x48x64xf16>,
    %v: tensor<1x2x48x64xf16>, %kc: tensor<1x2x128x64xi4>,
    %vc: tensor<1x2x128x64xf4E2M1FN>, %pos: index,
    %ks: tensor<2x1x1xf16>, %kz: tensor<2x1x1xi8>, %vs: tensor<1xf32>)
    -> (tensor<1x4x48x64xf16>, tensor<1x2x128x64xi4>,
        tensor<1x2x128x64xf4E2M1FN>) {
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks zero_point %kz, v: %vs)
      {scale = 0.125 : f64, causal,
       k_cache_quant = #ct.quant<int4, attn_head, asymmetric>,
       v_cache_quant = #ct.quant<float4, tensor>}
      : (tensor<1x4x48x64xf16>, tensor<1x2x48x64xf16>, tensor<1x2x48x64xf16>,
         tensor<1x2x128x64xi4>, tensor<1x2x128x64xf4E2M1FN>, index,
         tensor<2x1x1xf16>, tensor<2x1x1xi8>, tensor<1xf32>)
      -> (tensor<1x4x48x64xf16>, tensor<1x2x128x64xi4>,
          tensor<1x2x128x64xf4E2M1FN>)
  return %o#0, %o#1, %o#2
      : tensor<1x4x48x64xf16>, tensor<1x2x128x64xi4>,
        tensor<1x2x128x64xf4E2M1FN>
}
