// RUN: ct-opt %s --ct-lower-to-nvvm="format=isa chip=sm_75 features=+ptx80" | FileCheck %s --check-prefixes=CHECK,SM75
// RUN: ct-opt %s --ct-lower-to-nvvm="format=isa chip=sm_75 features=+ptx80" | FileCheck %s --check-prefix=NO-MMA
// RUN: ct-opt %s --ct-lower-to-nvvm="format=isa tensor-cores=false" | FileCheck %s --check-prefixes=CHECK,SM90
// RUN: ct-opt %s --ct-lower-to-nvvm="format=isa tensor-cores=false" | FileCheck %s --check-prefix=NO-MMA

// bf16 prefill stays on CUDA cores (fma.rn.f32 on K/V slices staged in
// shared memory) before sm_80, which has no bf16 mma.sync.m16n8k16, and
// with tensor-cores=false (the baseline ct-gpu-bench compares with).
// CHECK-LABEL: gpu.binary @prefill_causal_kernel
// SM75-SAME:     .target sm_75
// SM90-SAME:     .target sm_90
// CHECK-SAME:    ld.shared.v4.b32
// CHECK-SAME:    fma.rn.f32
// NO-MMA-NOT:    mma.sync
// NO-MMA-NOT:    ldmatrix
// NO-MMA-NOT:    cp.async
func.func @prefill_causal(%q: tensor<1x8x40x64xbf16>, %k: tensor<1x2x40x64xbf16>,
                          %v: tensor<1x2x40x64xbf16>) -> tensor<1x8x40x64xbf16> {
  %o = ct.hooked_attention %q, %k, %v {scale = 0.125 : f64, causal}
      : (tensor<1x8x40x64xbf16>, tensor<1x2x40x64xbf16>, tensor<1x2x40x64xbf16>)
      -> tensor<1x8x40x64xbf16>
  return %o : tensor<1x8x40x64xbf16>
}
