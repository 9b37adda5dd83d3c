// Hooks are inlined where compressed-tensors runs them: q_hook (×2) on the
// query before the scores, k_hook (+0.5) and v_hook (negation) on the new
// keys and values before the cache write, so the cache holds hooked new rows
// next to the untouched old ones. The hooks use upstream ops only (arith on
// tensors). Reference: torch SDPA in float64 on the hooked tensors; f32
// tolerance 1e-5 relative, caches exact.
// RUN: ct-run %s --entry hooks --input %S/Inputs/attention-hooks.q.npy --input %S/Inputs/attention-hooks.k.npy --input %S/Inputs/attention-hooks.v.npy --input %S/Inputs/attention-hooks.k_cache.npy --input %S/Inputs/attention-hooks.v_cache.npy --input %S/Inputs/attention-hooks.position.npy --compare %S/Inputs/attention-hooks.expected.npy --compare %S/Inputs/attention-hooks.k_cache.expected.npy --compare %S/Inputs/attention-hooks.v_cache.expected.npy --rtol 1e-5 --atol 1e-6 | FileCheck %s

// CHECK: result #0: 1280 elements, max abs error {{.*}}: match
// CHECK: result #1: 2048 elements, max abs error 0{{.*}}: match
// CHECK: result #2: 2048 elements, max abs error 0{{.*}}: match
func.func @hooks(%q: tensor<1x4x5x64xf32>, %k: tensor<1x2x5x64xf32>,
                 %v: tensor<1x2x5x64xf32>, %kc: tensor<1x2x16x64xf32>,
                 %vc: tensor<1x2x16x64xf32>, %pos: index)
    -> (tensor<1x4x5x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32>) {
  %o, %kc2, %vc2 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      {scale = 0.125 : f64, causal}
      : (tensor<1x4x5x64xf32>, tensor<1x2x5x64xf32>, tensor<1x2x5x64xf32>,
         tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32>, index)
      -> (tensor<1x4x5x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32>)
    q_hook {
    ^bb0(%x: tensor<1x4x5x64xf32>):
      %two = arith.constant dense<2.0> : tensor<1x4x5x64xf32>
      %r = arith.mulf %x, %two : tensor<1x4x5x64xf32>
      ct.yield %r : tensor<1x4x5x64xf32>
    }
    k_hook {
    ^bb0(%x: tensor<1x2x5x64xf32>):
      %half = arith.constant dense<0.5> : tensor<1x2x5x64xf32>
      %r = arith.addf %x, %half : tensor<1x2x5x64xf32>
      ct.yield %r : tensor<1x2x5x64xf32>
    }
    v_hook {
    ^bb0(%x: tensor<1x2x5x64xf32>):
      %r = arith.negf %x : tensor<1x2x5x64xf32>
      ct.yield %r : tensor<1x2x5x64xf32>
    }
  return %o, %kc2, %vc2
      : tensor<1x4x5x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32>
}
