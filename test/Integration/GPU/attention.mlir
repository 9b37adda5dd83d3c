// Attention on the GPU (ct-attention-to-gpu through ct-lower-to-nvvm)
// against the CPU path (ct-lower-attention through ct-lower-to-llvm) on the
// same module and inputs (utils/gen_gpu_attention_inputs.py): each case runs
// on the CPU first, writing its results, then on the GPU comparing with them.
// Float caches here; quantized caches in attention-quantized.mlir and
// attention-zero-points-groups.mlir (a file each, so that lit runs them side
// by side: every ct-run compiles its whole module).
// Cases: split-K decode with GQA 4:1 in bf16, a Hadamard q and k hook and a
// context of 678 rows (not a multiple of the split length); decode in f32
// with batch 2 and an additive mask; causal prefill in bf16 (40 queries, a
// partial query tile); chunked prefill in f32 (20 queries at position 10 of
// the cache, causal and an additive mask). The updated caches are compared
// too. 16-bit prefill runs on tensor cores (mma.sync m16n8k16): causal bf16
// above, causal bf16 with GQA 4:1, batch 2, head dim 128 and 150 queries and
// keys (neither a multiple of 16 nor of the 64-key tile); chunked bf16
// prefill (37 queries at position 50 of a cache of 128 rows) with causality
// and a boolean mask that hides every key of one query row (NaN on both
// paths, which compare equal); f16 with an additive mask.
//
// Tolerances: the two paths sum the dot products and the softmax in
// different orders and the GPU's exp2 is ex2.approx.f32 (2 ulp) where the
// CPU's is a polynomial (a few ulp), so f32 results agree to about 1e-6
// relative; rtol 1e-4 / atol 1e-5 leave margin for the sums over up to 678
// keys. bf16 results are rounded from such f32 values, so they may differ by
// one bf16 ulp (2^-8 relative); the hooked cache rows come from two FWHT
// implementations whose f32 sums are rounded to bf16 and may differ by an
// ulp as well: rtol 2e-2 / atol 2e-2. Tensor-core prefill also rounds the
// probabilities to the 16-bit type before P·V (as FlashAttention does; the
// row sums keep them in f32), which moves an output by at most
// 2^-9·max|v| for bf16 (2^-11 for f16): under 1e-2 for these standard
// normal values (|v| < 5), so the bf16 tolerance stands; f16 results
// (11-bit mantissa) take rtol 5e-3 / atol 5e-3.
//
// REQUIRES: cuda-device
// RUN: ct-run %s --entry decode_bf16 --input %S/Inputs/attention-decode-bf16.q.npy --input %S/Inputs/attention-decode-bf16.k.npy --input %S/Inputs/attention-decode-bf16.v.npy --input %S/Inputs/attention-decode-bf16.k_cache.npy --input %S/Inputs/attention-decode-bf16.v_cache.npy --input %S/Inputs/attention-decode-bf16.position.npy --output %t.decode-bf16.o.npy --output %t.decode-bf16.kc.npy --output %t.decode-bf16.vc.npy
// RUN: ct-run --gpu %s --entry decode_bf16 --input %S/Inputs/attention-decode-bf16.q.npy --input %S/Inputs/attention-decode-bf16.k.npy --input %S/Inputs/attention-decode-bf16.v.npy --input %S/Inputs/attention-decode-bf16.k_cache.npy --input %S/Inputs/attention-decode-bf16.v_cache.npy --input %S/Inputs/attention-decode-bf16.position.npy --compare %t.decode-bf16.o.npy --compare %t.decode-bf16.kc.npy --compare %t.decode-bf16.vc.npy --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=DECODE-BF16
// RUN: ct-run %s --entry decode_f32 --input %S/Inputs/attention-decode-f32.q.npy --input %S/Inputs/attention-decode-f32.k.npy --input %S/Inputs/attention-decode-f32.v.npy --input %S/Inputs/attention-decode-f32.mask.npy --input %S/Inputs/attention-decode-f32.k_cache.npy --input %S/Inputs/attention-decode-f32.v_cache.npy --input %S/Inputs/attention-decode-f32.position.npy --output %t.decode-f32.o.npy --output %t.decode-f32.kc.npy --output %t.decode-f32.vc.npy
// RUN: ct-run --gpu %s --entry decode_f32 --input %S/Inputs/attention-decode-f32.q.npy --input %S/Inputs/attention-decode-f32.k.npy --input %S/Inputs/attention-decode-f32.v.npy --input %S/Inputs/attention-decode-f32.mask.npy --input %S/Inputs/attention-decode-f32.k_cache.npy --input %S/Inputs/attention-decode-f32.v_cache.npy --input %S/Inputs/attention-decode-f32.position.npy --compare %t.decode-f32.o.npy --compare %t.decode-f32.kc.npy --compare %t.decode-f32.vc.npy --rtol 1e-4 --atol 1e-5 | FileCheck %s --check-prefix=DECODE-F32
// RUN: ct-run %s --entry prefill_bf16 --input %S/Inputs/attention-prefill-bf16.q.npy --input %S/Inputs/attention-prefill-bf16.k.npy --input %S/Inputs/attention-prefill-bf16.v.npy --output %t.prefill-bf16.o.npy
// RUN: ct-run --gpu %s --entry prefill_bf16 --input %S/Inputs/attention-prefill-bf16.q.npy --input %S/Inputs/attention-prefill-bf16.k.npy --input %S/Inputs/attention-prefill-bf16.v.npy --compare %t.prefill-bf16.o.npy --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=PREFILL-BF16
// RUN: ct-run %s --entry prefill_f32 --input %S/Inputs/attention-prefill-f32.q.npy --input %S/Inputs/attention-prefill-f32.k.npy --input %S/Inputs/attention-prefill-f32.v.npy --input %S/Inputs/attention-prefill-f32.mask.npy --input %S/Inputs/attention-prefill-f32.k_cache.npy --input %S/Inputs/attention-prefill-f32.v_cache.npy --input %S/Inputs/attention-prefill-f32.position.npy --output %t.prefill-f32.o.npy --output %t.prefill-f32.kc.npy --output %t.prefill-f32.vc.npy
// RUN: ct-run --gpu %s --entry prefill_f32 --input %S/Inputs/attention-prefill-f32.q.npy --input %S/Inputs/attention-prefill-f32.k.npy --input %S/Inputs/attention-prefill-f32.v.npy --input %S/Inputs/attention-prefill-f32.mask.npy --input %S/Inputs/attention-prefill-f32.k_cache.npy --input %S/Inputs/attention-prefill-f32.v_cache.npy --input %S/Inputs/attention-prefill-f32.position.npy --compare %t.prefill-f32.o.npy --compare %t.prefill-f32.kc.npy --compare %t.prefill-f32.vc.npy --rtol 1e-4 --atol 1e-5 | FileCheck %s --check-prefix=PREFILL-F32
// RUN: ct-run %s --entry prefill_bf16_gqa --input %S/Inputs/attention-prefill-bf16-gqa.q.npy --input %S/Inputs/attention-prefill-bf16-gqa.k.npy --input %S/Inputs/attention-prefill-bf16-gqa.v.npy --output %t.prefill-bf16-gqa.o.npy
// RUN: ct-run --gpu %s --entry prefill_bf16_gqa --input %S/Inputs/attention-prefill-bf16-gqa.q.npy --input %S/Inputs/attention-prefill-bf16-gqa.k.npy --input %S/Inputs/attention-prefill-bf16-gqa.v.npy --compare %t.prefill-bf16-gqa.o.npy --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=PREFILL-BF16-GQA
// RUN: ct-run %s --entry prefill_bf16_masked --input %S/Inputs/attention-prefill-bf16-masked.q.npy --input %S/Inputs/attention-prefill-bf16-masked.k.npy --input %S/Inputs/attention-prefill-bf16-masked.v.npy --input %S/Inputs/attention-prefill-bf16-masked.mask.npy --input %S/Inputs/attention-prefill-bf16-masked.k_cache.npy --input %S/Inputs/attention-prefill-bf16-masked.v_cache.npy --input %S/Inputs/attention-prefill-bf16-masked.position.npy --output %t.prefill-bf16-masked.o.npy --output %t.prefill-bf16-masked.kc.npy --output %t.prefill-bf16-masked.vc.npy
// RUN: ct-run --gpu %s --entry prefill_bf16_masked --input %S/Inputs/attention-prefill-bf16-masked.q.npy --input %S/Inputs/attention-prefill-bf16-masked.k.npy --input %S/Inputs/attention-prefill-bf16-masked.v.npy --input %S/Inputs/attention-prefill-bf16-masked.mask.npy --input %S/Inputs/attention-prefill-bf16-masked.k_cache.npy --input %S/Inputs/attention-prefill-bf16-masked.v_cache.npy --input %S/Inputs/attention-prefill-bf16-masked.position.npy --compare %t.prefill-bf16-masked.o.npy --compare %t.prefill-bf16-masked.kc.npy --compare %t.prefill-bf16-masked.vc.npy --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=PREFILL-BF16-MASKED
// RUN: ct-run %s --entry prefill_f16 --input %S/Inputs/attention-prefill-f16.q.npy --input %S/Inputs/attention-prefill-f16.k.npy --input %S/Inputs/attention-prefill-f16.v.npy --input %S/Inputs/attention-prefill-f16.mask.npy --output %t.prefill-f16.o.npy
// RUN: ct-run --gpu %s --entry prefill_f16 --input %S/Inputs/attention-prefill-f16.q.npy --input %S/Inputs/attention-prefill-f16.k.npy --input %S/Inputs/attention-prefill-f16.v.npy --input %S/Inputs/attention-prefill-f16.mask.npy --compare %t.prefill-f16.o.npy --rtol 5e-3 --atol 5e-3 | FileCheck %s --check-prefix=PREFILL-F16

// DECODE-BF16: result #0: 1024 elements, max abs error {{.*}}: match
// DECODE-BF16: result #1: 262144 elements, max abs error {{.*}}: match
// DECODE-BF16: result #2: 262144 elements, max abs error {{.*}}: match
func.func @decode_bf16(%q: tensor<1x8x1x128xbf16>, %k: tensor<1x2x1x128xbf16>,
                       %v: tensor<1x2x1x128xbf16>, %kc: tensor<1x2x1024x128xbf16>,
                       %vc: tensor<1x2x1024x128xbf16>, %pos: index)
    -> (tensor<1x8x1x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>) {
  %o, %kc2, %vc2 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      {scale = 0.08838834764831845 : f64, causal}
      : (tensor<1x8x1x128xbf16>, tensor<1x2x1x128xbf16>, tensor<1x2x1x128xbf16>,
         tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, index)
      -> (tensor<1x8x1x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>)
    q_hook {
    ^bb0(%x: tensor<1x8x1x128xbf16>):
      %r = ct.hadamard %x size(128) : tensor<1x8x1x128xbf16>
      ct.yield %r : tensor<1x8x1x128xbf16>
    }
    k_hook {
    ^bb0(%x: tensor<1x2x1x128xbf16>):
      %r = ct.hadamard %x size(128) : tensor<1x2x1x128xbf16>
      ct.yield %r : tensor<1x2x1x128xbf16>
    }
  return %o, %kc2, %vc2
      : tensor<1x8x1x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>
}

// DECODE-F32: result #0: 512 elements, max abs error {{.*}}: match
// DECODE-F32: result #1: 76800 elements, max abs error {{.*}}: match
// DECODE-F32: result #2: 76800 elements, max abs error {{.*}}: match
func.func @decode_f32(%q: tensor<2x4x1x64xf32>, %k: tensor<2x2x1x64xf32>,
                      %v: tensor<2x2x1x64xf32>, %m: tensor<2x1x1x201xf32>,
                      %kc: tensor<2x2x300x64xf32>, %vc: tensor<2x2x300x64xf32>,
                      %pos: index)
    -> (tensor<2x4x1x64xf32>, tensor<2x2x300x64xf32>, tensor<2x2x300x64xf32>) {
  %o, %kc2, %vc2 = ct.hooked_attention %q, %k, %v mask %m cache %kc, %vc at %pos
      {scale = 0.125 : f64}
      : (tensor<2x4x1x64xf32>, tensor<2x2x1x64xf32>, tensor<2x2x1x64xf32>,
         tensor<2x1x1x201xf32>, tensor<2x2x300x64xf32>, tensor<2x2x300x64xf32>,
         index)
      -> (tensor<2x4x1x64xf32>, tensor<2x2x300x64xf32>, tensor<2x2x300x64xf32>)
  return %o, %kc2, %vc2
      : tensor<2x4x1x64xf32>, tensor<2x2x300x64xf32>, tensor<2x2x300x64xf32>
}

// PREFILL-BF16: result #0: 20480 elements, max abs error {{.*}}: match
func.func @prefill_bf16(%q: tensor<1x8x40x64xbf16>, %k: tensor<1x2x40x64xbf16>,
                        %v: tensor<1x2x40x64xbf16>) -> tensor<1x8x40x64xbf16> {
  %o = ct.hooked_attention %q, %k, %v {scale = 0.125 : f64, causal}
      : (tensor<1x8x40x64xbf16>, tensor<1x2x40x64xbf16>, tensor<1x2x40x64xbf16>)
      -> tensor<1x8x40x64xbf16>
  return %o : tensor<1x8x40x64xbf16>
}

// PREFILL-F32: result #0: 5120 elements, max abs error {{.*}}: match
// PREFILL-F32: result #1: 16384 elements, max abs error {{.*}}: match
// PREFILL-F32: result #2: 16384 elements, max abs error {{.*}}: match
func.func @prefill_f32(%q: tensor<1x4x20x64xf32>, %k: tensor<1x4x20x64xf32>,
                       %v: tensor<1x4x20x64xf32>, %m: tensor<1x4x20x30xf32>,
                       %kc: tensor<1x4x64x64xf32>, %vc: tensor<1x4x64x64xf32>,
                       %pos: index)
    -> (tensor<1x4x20x64xf32>, tensor<1x4x64x64xf32>, tensor<1x4x64x64xf32>) {
  %o, %kc2, %vc2 = ct.hooked_attention %q, %k, %v mask %m cache %kc, %vc at %pos
      {scale = 0.125 : f64, causal}
      : (tensor<1x4x20x64xf32>, tensor<1x4x20x64xf32>, tensor<1x4x20x64xf32>,
         tensor<1x4x20x30xf32>, tensor<1x4x64x64xf32>, tensor<1x4x64x64xf32>,
         index)
      -> (tensor<1x4x20x64xf32>, tensor<1x4x64x64xf32>, tensor<1x4x64x64xf32>)
  return %o, %kc2, %vc2
      : tensor<1x4x20x64xf32>, tensor<1x4x64x64xf32>, tensor<1x4x64x64xf32>
}

// PREFILL-BF16-GQA: result #0: 307200 elements, max abs error {{.*}}: match
func.func @prefill_bf16_gqa(%q: tensor<2x8x150x128xbf16>, %k: tensor<2x2x150x128xbf16>,
                            %v: tensor<2x2x150x128xbf16>) -> tensor<2x8x150x128xbf16> {
  %o = ct.hooked_attention %q, %k, %v {scale = 0.08838834764831845 : f64, causal}
      : (tensor<2x8x150x128xbf16>, tensor<2x2x150x128xbf16>, tensor<2x2x150x128xbf16>)
      -> tensor<2x8x150x128xbf16>
  return %o : tensor<2x8x150x128xbf16>
}

// PREFILL-BF16-MASKED: result #0: 9472 elements, max abs error {{.*}}: match
// PREFILL-BF16-MASKED: result #1: 16384 elements, max abs error {{.*}}: match
// PREFILL-BF16-MASKED: result #2: 16384 elements, max abs error {{.*}}: match
func.func @prefill_bf16_masked(%q: tensor<1x4x37x64xbf16>, %k: tensor<1x2x37x64xbf16>,
                               %v: tensor<1x2x37x64xbf16>, %m: tensor<1x4x37x87xi1>,
                               %kc: tensor<1x2x128x64xbf16>, %vc: tensor<1x2x128x64xbf16>,
                               %pos: index)
    -> (tensor<1x4x37x64xbf16>, tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>) {
  %o, %kc2, %vc2 = ct.hooked_attention %q, %k, %v mask %m cache %kc, %vc at %pos
      {scale = 0.125 : f64, causal}
      : (tensor<1x4x37x64xbf16>, tensor<1x2x37x64xbf16>, tensor<1x2x37x64xbf16>,
         tensor<1x4x37x87xi1>, tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>,
         index)
      -> (tensor<1x4x37x64xbf16>, tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>)
  return %o, %kc2, %vc2
      : tensor<1x4x37x64xbf16>, tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>
}

// PREFILL-F16: result #0: 20480 elements, max abs error {{.*}}: match
func.func @prefill_f16(%q: tensor<1x4x80x64xf16>, %k: tensor<1x4x80x64xf16>,
                       %v: tensor<1x4x80x64xf16>, %m: tensor<1x1x80x80xf32>)
    -> tensor<1x4x80x64xf16> {
  %o = ct.hooked_attention %q, %k, %v mask %m {scale = 0.125 : f64}
      : (tensor<1x4x80x64xf16>, tensor<1x4x80x64xf16>, tensor<1x4x80x64xf16>,
         tensor<1x1x80x80xf32>) -> tensor<1x4x80x64xf16>
  return %o : tensor<1x4x80x64xf16>
}
