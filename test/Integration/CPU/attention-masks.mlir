// Grouped-query attention (8 query heads on 2 kv heads) with masks, f32:
// an additive mask broadcast over batch and heads (10% -inf entries) with
// Dv = 32 != D = 64, and a boolean keep-mask per query head broadcast over
// batch with D = 128, Dv = 64 and 6 queries (prefill path). Reference: torch
// SDPA in float64 with enable_gqa; tolerance 1e-5 relative as for f32.
// RUN: ct-run %s --entry gqa_additive_mask --input %S/Inputs/attention-gqa-additive.q.npy --input %S/Inputs/attention-gqa-additive.k.npy --input %S/Inputs/attention-gqa-additive.v.npy --input %S/Inputs/attention-gqa-additive.mask.npy --compare %S/Inputs/attention-gqa-additive.expected.npy --rtol 1e-5 --atol 1e-6 | FileCheck %s --check-prefix=ADDITIVE
// RUN: ct-run %s --entry gqa_bool_mask --input %S/Inputs/attention-gqa-bool.q.npy --input %S/Inputs/attention-gqa-bool.k.npy --input %S/Inputs/attention-gqa-bool.v.npy --input %S/Inputs/attention-gqa-bool.mask.npy --compare %S/Inputs/attention-gqa-bool.expected.npy --rtol 1e-5 --atol 1e-6 | FileCheck %s --check-prefix=BOOL

// ADDITIVE: result #0: 9472 elements, max abs error {{.*}}: match
func.func @gqa_additive_mask(%q: tensor<1x8x37x64xf32>, %k: tensor<1x2x70x64xf32>,
                             %v: tensor<1x2x70x32xf32>, %m: tensor<1x1x37x70xf32>)
    -> tensor<1x8x37x32xf32> {
  %o = ct.hooked_attention %q, %k, %v mask %m {scale = 0.125 : f64}
      : (tensor<1x8x37x64xf32>, tensor<1x2x70x64xf32>, tensor<1x2x70x32xf32>,
         tensor<1x1x37x70xf32>) -> tensor<1x8x37x32xf32>
  return %o : tensor<1x8x37x32xf32>
}

// BOOL: result #0: 6144 elements, max abs error {{.*}}: match
func.func @gqa_bool_mask(%q: tensor<2x8x6x128xf32>, %k: tensor<2x2x70x128xf32>,
                         %v: tensor<2x2x70x64xf32>, %m: tensor<1x8x6x70xi1>)
    -> tensor<2x8x6x64xf32> {
  %o = ct.hooked_attention %q, %k, %v mask %m {scale = 0.08838834764831845 : f64}
      : (tensor<2x8x6x128xf32>, tensor<2x2x70x128xf32>, tensor<2x2x70x64xf32>,
         tensor<1x8x6x70xi1>) -> tensor<2x8x6x64xf32>
  return %o : tensor<2x8x6x64xf32>
}
