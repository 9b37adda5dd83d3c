// Causal GQA attention with a KV cache (8 query heads on 2 kv heads): the new
// keys/values are written at rows [pos, pos + Skv) of the caches and the
// queries attend to rows [0, pos + Skv), bottom-right aligned. Checked: the
// output and both updated caches. Cases: decode (one query, pos 77 of 100;
// with 32-key chunks and 16-key blocks also three flash-decoding chunks and
// a partial block), chunked prefill of 4 queries at pos 21 in bf16 (decode
// path) and of 6 queries in f32 with Dv = 32 and batch 2 (prefill path).
// Reference: torch SDPA in float64; tolerances as in attention-causal.mlir
// (f32 1e-5 relative, bf16 one ulp); the caches must match exactly.
// RUN: ct-run %s --entry decode --input %S/Inputs/attention-decode.q.npy --input %S/Inputs/attention-decode.k.npy --input %S/Inputs/attention-decode.v.npy --input %S/Inputs/attention-decode.k_cache.npy --input %S/Inputs/attention-decode.v_cache.npy --input %S/Inputs/attention-decode.position.npy --compare %S/Inputs/attention-decode.expected.npy --compare %S/Inputs/attention-decode.k_cache.expected.npy --compare %S/Inputs/attention-decode.v_cache.expected.npy --rtol 1e-5 --atol 1e-6 | FileCheck %s --check-prefix=DECODE
// RUN: ct-opt %s --ct-lower-attention="decode-chunk=32 key-block=16" | ct-run - --entry decode --input %S/Inputs/attention-decode.q.npy --input %S/Inputs/attention-decode.k.npy --input %S/Inputs/attention-decode.v.npy --input %S/Inputs/attention-decode.k_cache.npy --input %S/Inputs/attention-decode.v_cache.npy --input %S/Inputs/attention-decode.position.npy --compare %S/Inputs/attention-decode.expected.npy --compare %S/Inputs/attention-decode.k_cache.expected.npy --compare %S/Inputs/attention-decode.v_cache.expected.npy --rtol 1e-5 --atol 1e-6 | FileCheck %s --check-prefix=DECODE
// RUN: ct-run %s --entry chunked_prefill_bf16 --input %S/Inputs/attention-chunked-bf16.q.npy --input %S/Inputs/attention-chunked-bf16.k.npy --input %S/Inputs/attention-chunked-bf16.v.npy --input %S/Inputs/attention-chunked-bf16.k_cache.npy --input %S/Inputs/attention-chunked-bf16.v_cache.npy --input %S/Inputs/attention-chunked-bf16.position.npy --compare %S/Inputs/attention-chunked-bf16.expected.npy --compare %S/Inputs/attention-chunked-bf16.k_cache.expected.npy --compare %S/Inputs/attention-chunked-bf16.v_cache.expected.npy --rtol 1e-2 --atol 1e-3 | FileCheck %s --check-prefix=BF16
// RUN: ct-run %s --entry chunked_prefill_f32 --input %S/Inputs/attention-chunked-f32.q.npy --input %S/Inputs/attention-chunked-f32.k.npy --input %S/Inputs/attention-chunked-f32.v.npy --input %S/Inputs/attention-chunked-f32.k_cache.npy --input %S/Inputs/attention-chunked-f32.v_cache.npy --input %S/Inputs/attention-chunked-f32.position.npy --compare %S/Inputs/attention-chunked-f32.expected.npy --compare %S/Inputs/attention-chunked-f32.k_cache.expected.npy --compare %S/Inputs/attention-chunked-f32.v_cache.expected.npy --rtol 1e-5 --atol 1e-6 | FileCheck %s --check-prefix=F32

// DECODE: result #0: 512 elements, max abs error {{.*}}: match
// DECODE: result #1: 12800 elements, max abs error 0{{.*}}: match
// DECODE: result #2: 12800 elements, max abs error 0{{.*}}: match
func.func @decode(%q: tensor<1x8x1x64xf32>, %k: tensor<1x2x1x64xf32>,
                  %v: tensor<1x2x1x64xf32>, %kc: tensor<1x2x100x64xf32>,
                  %vc: tensor<1x2x100x64xf32>, %pos: index)
    -> (tensor<1x8x1x64xf32>, tensor<1x2x100x64xf32>, tensor<1x2x100x64xf32>) {
  %o, %kc2, %vc2 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      {scale = 0.125 : f64, causal}
      : (tensor<1x8x1x64xf32>, tensor<1x2x1x64xf32>, tensor<1x2x1x64xf32>,
         tensor<1x2x100x64xf32>, tensor<1x2x100x64xf32>, index)
      -> (tensor<1x8x1x64xf32>, tensor<1x2x100x64xf32>, tensor<1x2x100x64xf32>)
  return %o, %kc2, %vc2
      : tensor<1x8x1x64xf32>, tensor<1x2x100x64xf32>, tensor<1x2x100x64xf32>
}

// BF16: result #0: 2048 elements, max abs error {{.*}}: match
// BF16: result #1: 5120 elements, max abs error 0{{.*}}: match
// BF16: result #2: 5120 elements, max abs error 0{{.*}}: match
func.func @chunked_prefill_bf16(%q: tensor<1x8x4x64xbf16>, %k: tensor<1x2x4x64xbf16>,
                                %v: tensor<1x2x4x64xbf16>, %kc: tensor<1x2x40x64xbf16>,
                                %vc: tensor<1x2x40x64xbf16>, %pos: index)
    -> (tensor<1x8x4x64xbf16>, tensor<1x2x40x64xbf16>, tensor<1x2x40x64xbf16>) {
  %o, %kc2, %vc2 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      {scale = 0.125 : f64, causal}
      : (tensor<1x8x4x64xbf16>, tensor<1x2x4x64xbf16>, tensor<1x2x4x64xbf16>,
         tensor<1x2x40x64xbf16>, tensor<1x2x40x64xbf16>, index)
      -> (tensor<1x8x4x64xbf16>, tensor<1x2x40x64xbf16>, tensor<1x2x40x64xbf16>)
  return %o, %kc2, %vc2
      : tensor<1x8x4x64xbf16>, tensor<1x2x40x64xbf16>, tensor<1x2x40x64xbf16>
}

// F32: result #0: 1536 elements, max abs error {{.*}}: match
// F32: result #1: 10240 elements, max abs error 0{{.*}}: match
// F32: result #2: 5120 elements, max abs error 0{{.*}}: match
func.func @chunked_prefill_f32(%q: tensor<2x4x6x64xf32>, %k: tensor<2x2x6x64xf32>,
                               %v: tensor<2x2x6x32xf32>, %kc: tensor<2x2x40x64xf32>,
                               %vc: tensor<2x2x40x32xf32>, %pos: index)
    -> (tensor<2x4x6x32xf32>, tensor<2x2x40x64xf32>, tensor<2x2x40x32xf32>) {
  %o, %kc2, %vc2 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      {scale = 0.125 : f64, causal}
      : (tensor<2x4x6x64xf32>, tensor<2x2x6x64xf32>, tensor<2x2x6x32xf32>,
         tensor<2x2x40x64xf32>, tensor<2x2x40x32xf32>, index)
      -> (tensor<2x4x6x32xf32>, tensor<2x2x40x64xf32>, tensor<2x2x40x32xf32>)
  return %o, %kc2, %vc2
      : tensor<2x4x6x32xf32>, tensor<2x2x40x64xf32>, tensor<2x2x40x32xf32>
}
