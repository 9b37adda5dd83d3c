// Causal GQA prefill (Sq = Skv = 70, 8 query heads on 2 kv heads): f32 with
// D = 128 and bf16 with D = 64. Reference: torch SDPA in float64 on the same
// (bf16-rounded) inputs. f32: 1e-5 relative. bf16: scores, softmax and the
// accumulator are f32 and only the output is rounded, so ct and the
// reference rounded to bf16 differ by at most one bf16 ulp (2^-7 relative);
// rtol 1e-2 covers it, atol 1e-3 the outputs near zero.
// RUN: ct-run %s --entry causal_f32 --input %S/Inputs/attention-causal-f32.q.npy --input %S/Inputs/attention-causal-f32.k.npy --input %S/Inputs/attention-causal-f32.v.npy --compare %S/Inputs/attention-causal-f32.expected.npy --rtol 1e-5 --atol 1e-6 | FileCheck %s --check-prefix=F32
// RUN: ct-run %s --entry causal_bf16 --input %S/Inputs/attention-causal-bf16.q.npy --input %S/Inputs/attention-causal-bf16.k.npy --input %S/Inputs/attention-causal-bf16.v.npy --compare %S/Inputs/attention-causal-bf16.expected.npy --rtol 1e-2 --atol 1e-3 | FileCheck %s --check-prefix=BF16

// F32: result #0: 71680 elements, max abs error {{.*}}: match
func.func @causal_f32(%q: tensor<1x8x70x128xf32>, %k: tensor<1x2x70x128xf32>,
                      %v: tensor<1x2x70x128xf32>) -> tensor<1x8x70x128xf32> {
  %o = ct.hooked_attention %q, %k, %v {scale = 0.08838834764831845 : f64, causal}
      : (tensor<1x8x70x128xf32>, tensor<1x2x70x128xf32>, tensor<1x2x70x128xf32>)
      -> tensor<1x8x70x128xf32>
  return %o : tensor<1x8x70x128xf32>
}

// BF16: result #0: 35840 elements, max abs error {{.*}}: match
func.func @causal_bf16(%q: tensor<1x8x70x64xbf16>, %k: tensor<1x2x70x64xbf16>,
                       %v: tensor<1x2x70x64xbf16>) -> tensor<1x8x70x64xbf16> {
  %o = ct.hooked_attention %q, %k, %v {scale = 0.125 : f64, causal}
      : (tensor<1x8x70x64xbf16>, tensor<1x2x70x64xbf16>, tensor<1x2x70x64xbf16>)
      -> tensor<1x8x70x64xbf16>
  return %o : tensor<1x8x70x64xbf16>
}
