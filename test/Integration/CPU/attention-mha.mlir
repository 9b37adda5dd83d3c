// Multi-head attention (no mask, no cache) in f32 through ct-lower-to-llvm:
// 37 queries and 70 keys straddle the default query (32) and key (64) tiles,
// and smaller tiles from ct-lower-attention's options split them further.
// Reference: torch SDPA in float64 (utils/gen_attention_inputs.py); f32
// accumulation over 70 keys stays well inside 1e-5 relative.
// RUN: ct-run %s --entry mha --input %S/Inputs/attention-mha.q.npy --input %S/Inputs/attention-mha.k.npy --input %S/Inputs/attention-mha.v.npy --compare %S/Inputs/attention-mha.expected.npy --rtol 1e-5 --atol 1e-6 | FileCheck %s
// RUN: ct-opt %s --ct-lower-attention="query-block=8 key-block=16" | ct-run - --entry mha --input %S/Inputs/attention-mha.q.npy --input %S/Inputs/attention-mha.k.npy --input %S/Inputs/attention-mha.v.npy --compare %S/Inputs/attention-mha.expected.npy --rtol 1e-5 --atol 1e-6 | FileCheck %s

// CHECK: result #0: 9472 elements, max abs error {{.*}}: match

func.func @mha(%q: tensor<2x2x37x64xf32>, %k: tensor<2x2x70x64xf32>,
               %v: tensor<2x2x70x64xf32>) -> tensor<2x2x37x64xf32> {
  %o = ct.hooked_attention %q, %k, %v {scale = 0.125 : f64}
      : (tensor<2x2x37x64xf32>, tensor<2x2x70x64xf32>, tensor<2x2x70x64xf32>)
      -> tensor<2x2x37x64xf32>
  return %o : tensor<2x2x37x64xf32>
}
