// RUN: ct-opt %s -split-input-file -ct-raise-attention | FileCheck %s
// RUN: ct-opt %S/../Inputs/tosa_llama_eager.mlir -ct-raise-attention | FileCheck %s --check-prefixes=LLAMA,LLAMA-EAGER
// RUN: ct-opt %S/../Inputs/tosa_llama_sdpa.mlir -ct-raise-attention | FileCheck %s --check-prefixes=LLAMA,LLAMA-SDPA
// RUN: ct-opt %S/../Inputs/tosa_llama_eager_bf16.mlir -ct-raise-attention | FileCheck %s --check-prefix=LLAMA-BF16
// RUN: ct-opt %S/../Inputs/tosa_llama_decode.mlir -ct-raise-attention | FileCheck %s --check-prefix=LLAMA-DECODE

// ct-raise-attention on attention in TOSA: tosa.matmul on [B·H, S, D],
// tosa.transpose for Kᵀ, the scale as tosa.mul by a constant, a broadcasting
// tosa.add mask, softmax as reduce_max/sub/exp/reduce_sum and a multiplication
// by the reciprocal of the sum. The op works on [B, H, S, D]; tensor reshapes
// join it to the TOSA around it.

// Hugging Face Llama layers as torch-mlir's FX importer emits them in TOSA
// (fixtures from utils/gen_attention_fixtures.py): each layer's attention
// becomes one ct.hooked_attention on the un-repeated K/V (2 KV heads for 4
// query heads), with HF's causal mask and scale 1/√4; the projections, RoPE
// and the output projection stay TOSA.

// LLAMA: func.func @{{.*}}(%{{.*}}: tensor<1x4x16xf32>, %{{.*}}: tensor<1x4x4xf32>, %{{.*}}: tensor<1x4x4xf32>, %[[MASK:.+]]: tensor<1x1x4x4xf32>)
// LLAMA-NOT: tosa.tile
// LLAMA-NOT: tosa.exp
// LLAMA-EAGER: ct.hooked_attention %{{.+}}, %{{.+}}, %{{.+}} mask %[[MASK]] {name = "model.layers.0.self_attn", scale = 5.000000e-01 : f64}
// SDPA uses √scale on Q and on Kᵀ, each rounded to f32.
// LLAMA-SDPA: ct.hooked_attention %{{.+}}, %{{.+}}, %{{.+}} mask %[[MASK]] {name = "model.layers.0.self_attn", scale = 0.49999998288572911 : f64}
// LLAMA-SAME: (tensor<1x4x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x4x4x4xf32>
// LLAMA-NOT: tosa.exp
// LLAMA-NOT: tosa.select

// LLAMA-BF16-LABEL: func.func @tosa_llama_eager_bf16
// LLAMA-BF16-NOT: tosa.exp
// LLAMA-BF16: ct.hooked_attention {{.*}} : (tensor<1x4x4x4xbf16>, tensor<1x2x4x4xbf16>, tensor<1x2x4x4xbf16>, tensor<1x1x4x4xbf16>) -> tensor<1x4x4x4xbf16>
// LLAMA-BF16-NOT: tosa.exp

// DynamicCache decode step: tosa.concat of 3 cached and 1 new K/V.
// LLAMA-DECODE: func.func @tosa_llama_decode
// LLAMA-DECODE-SAME: %[[PK:[a-z0-9]+]]: tensor<1x2x3x4xf32>, %[[PV:[a-z0-9]+]]: tensor<1x2x3x4xf32>)
// LLAMA-DECODE-DAG: %[[KC:.+]] = tensor.pad %[[PK]] low[0, 0, 0, 0] high[0, 0, 1, 0]
// LLAMA-DECODE-DAG: %[[VC:.+]] = tensor.pad %[[PV]] low[0, 0, 0, 0] high[0, 0, 1, 0]
// LLAMA-DECODE-DAG: %[[POS:.+]] = arith.constant 3 : index
// LLAMA-DECODE: %[[O:.+]], %[[C:.+]]:2 = ct.hooked_attention {{.*}} cache %[[KC]], %[[VC]] at %[[POS]] {name = "model.layers.0.self_attn", scale = 5.000000e-01 : f64}
// LLAMA-DECODE-SAME: (tensor<1x4x1x4xf32>, tensor<1x2x1x4xf32>, tensor<1x2x1x4xf32>, tensor<1x1x1x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, index)
// LLAMA-DECODE-NOT: tosa.concat {{.*}} {axis = 2 : i32}
// LLAMA-DECODE: return %{{.+}}, %[[C]]#0, %[[C]]#1

// CHECK-LABEL: func.func @flat_eager
// CHECK-SAME: (%[[Q:.+]]: tensor<4x8x16xf32>, %[[K:.+]]: tensor<4x8x16xf32>, %[[V:.+]]: tensor<4x8x16xf32>, %[[M:.+]]: tensor<1x8x8xf32>)
// CHECK-DAG: %[[Q4:.+]] = tensor.expand_shape %[[Q]] {{\[}}[0, 1], [2], [3]] output_shape [1, 4, 8, 16]
// CHECK-DAG: %[[K4:.+]] = tensor.expand_shape %[[K]] {{\[}}[0, 1], [2], [3]] output_shape [1, 4, 8, 16]
// CHECK-DAG: %[[V4:.+]] = tensor.expand_shape %[[V]] {{\[}}[0, 1], [2], [3]] output_shape [1, 4, 8, 16]
// CHECK-DAG: %[[M4:.+]] = tensor.expand_shape %[[M]] {{\[}}[0, 1], [2], [3]] output_shape [1, 1, 8, 8]
// CHECK: %[[O:.+]] = ct.hooked_attention %[[Q4]], %[[K4]], %[[V4]] mask %[[M4]] {name = "model.layers.0.self_attn", scale = 2.500000e-01 : f64}
// CHECK: %[[O3:.+]] = tensor.collapse_shape %[[O]] {{\[}}[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
// CHECK-NOT: tosa.exp
// CHECK-NOT: tosa.matmul
// CHECK: return %[[O3]]
func.func @flat_eager(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>,
                      %v: tensor<4x8x16xf32>, %mask: tensor<1x8x8xf32>) -> tensor<4x8x16xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %scale = "tosa.const"() <{values = dense<0.25> : tensor<1x1x1xf32>}> : () -> tensor<1x1x1xf32>
  %kt = tosa.transpose %k {perms = array<i32: 0, 2, 1>} : (tensor<4x8x16xf32>) -> tensor<4x16x8xf32>
  %s = tosa.matmul %q, %kt, %zp, %zp : (tensor<4x8x16xf32>, tensor<4x16x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<4x8x8xf32>
  %scaled = tosa.mul %s, %scale, %shift : (tensor<4x8x8xf32>, tensor<1x1x1xf32>, tensor<1xi8>) -> tensor<4x8x8xf32>
  %x = tosa.add %scaled, %mask : (tensor<4x8x8xf32>, tensor<1x8x8xf32>) -> tensor<4x8x8xf32>
  %max = tosa.reduce_max %x {axis = 2 : i32} : (tensor<4x8x8xf32>) -> tensor<4x8x1xf32>
  %d = tosa.sub %x, %max : (tensor<4x8x8xf32>, tensor<4x8x1xf32>) -> tensor<4x8x8xf32>
  %e = tosa.exp %d : (tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %sum = tosa.reduce_sum %e {axis = 2 : i32} : (tensor<4x8x8xf32>) -> tensor<4x8x1xf32>
  %r = tosa.reciprocal %sum : (tensor<4x8x1xf32>) -> tensor<4x8x1xf32>
  %p = tosa.mul %e, %r, %shift : (tensor<4x8x8xf32>, tensor<4x8x1xf32>, tensor<1xi8>) -> tensor<4x8x8xf32>
  %o = tosa.matmul %p, %v, %zp, %zp : (tensor<4x8x8xf32>, tensor<4x8x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// GQA as torch-mlir emits SDPA: [B, H, S, D] tensors reshaped to [B·H, S, D]
// around the matmuls, repeat_kv as reshape to [B, Hkv, 1, S, D], tile on the
// new axis and reshape; √scale on Q and on Kᵀ; SDPA's guard that zeroes
// fully masked rows. The op gets K/V with their 2 heads and scale 0.5·0.5.

// CHECK-LABEL: func.func @gqa_sdpa
// CHECK-SAME: (%[[Q:.+]]: tensor<1x4x8x16xf32>, %[[K:.+]]: tensor<1x2x8x16xf32>, %[[V:.+]]: tensor<1x2x8x16xf32>, %[[M:.+]]: tensor<1x1x8x8xf32>)
// CHECK: %[[O:.+]] = ct.hooked_attention %[[Q]], %[[K]], %[[V]] mask %[[M]] {name = "model.layers.0.self_attn", scale = 2.500000e-01 : f64}
// CHECK-SAME: (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x1x8x8xf32>) -> tensor<1x4x8x16xf32>
// CHECK: tensor.collapse_shape %[[O]] {{\[}}[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
// CHECK-NOT: tosa.tile
// CHECK-NOT: tosa.select
func.func @gqa_sdpa(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>,
                    %v: tensor<1x2x8x16xf32>, %mask: tensor<1x1x8x8xf32>) -> tensor<1x4x8x16xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %sqrtScale = "tosa.const"() <{values = dense<0.5> : tensor<1x1x1x1xf32>}> : () -> tensor<1x1x1x1xf32>
  %zeros = "tosa.const"() <{values = dense<0.0> : tensor<1x4x8x8xf32>}> : () -> tensor<1x4x8x8xf32>
  %ninf = "tosa.const"() <{values = dense<0xFFF0000000000000> : tensor<1x1x1x1xf64>}> : () -> tensor<1x1x1x1xf64>
  %s5 = tosa.const_shape {values = dense<[1, 2, 1, 8, 16]> : tensor<5xindex>} : () -> !tosa.shape<5>
  %rep = tosa.const_shape {values = dense<[1, 1, 2, 1, 1]> : tensor<5xindex>} : () -> !tosa.shape<5>
  %s4 = tosa.const_shape {values = dense<[1, 4, 8, 16]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %s4kt = tosa.const_shape {values = dense<[4, 16, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %s3 = tosa.const_shape {values = dense<[4, 8, 16]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %s3p = tosa.const_shape {values = dense<[4, 8, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %s4p = tosa.const_shape {values = dense<[1, 4, 8, 8]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %k5 = tosa.reshape %k, %s5 : (tensor<1x2x8x16xf32>, !tosa.shape<5>) -> tensor<1x2x1x8x16xf32>
  %kr = tosa.tile %k5, %rep : (tensor<1x2x1x8x16xf32>, !tosa.shape<5>) -> tensor<1x2x2x8x16xf32>
  %k4 = tosa.reshape %kr, %s4 : (tensor<1x2x2x8x16xf32>, !tosa.shape<4>) -> tensor<1x4x8x16xf32>
  %v5 = tosa.reshape %v, %s5 : (tensor<1x2x8x16xf32>, !tosa.shape<5>) -> tensor<1x2x1x8x16xf32>
  %vr = tosa.tile %v5, %rep : (tensor<1x2x1x8x16xf32>, !tosa.shape<5>) -> tensor<1x2x2x8x16xf32>
  %qs = tosa.mul %q, %sqrtScale, %shift : (tensor<1x4x8x16xf32>, tensor<1x1x1x1xf32>, tensor<1xi8>) -> tensor<1x4x8x16xf32>
  %kt = tosa.transpose %k4 {perms = array<i32: 0, 1, 3, 2>} : (tensor<1x4x8x16xf32>) -> tensor<1x4x16x8xf32>
  %kts = tosa.mul %kt, %sqrtScale, %shift : (tensor<1x4x16x8xf32>, tensor<1x1x1x1xf32>, tensor<1xi8>) -> tensor<1x4x16x8xf32>
  %q3 = tosa.reshape %qs, %s3 : (tensor<1x4x8x16xf32>, !tosa.shape<3>) -> tensor<4x8x16xf32>
  %kt3 = tosa.reshape %kts, %s4kt : (tensor<1x4x16x8xf32>, !tosa.shape<3>) -> tensor<4x16x8xf32>
  %s = tosa.matmul %q3, %kt3, %zp, %zp : (tensor<4x8x16xf32>, tensor<4x16x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<4x8x8xf32>
  %s4d = tosa.reshape %s, %s4p : (tensor<4x8x8xf32>, !tosa.shape<4>) -> tensor<1x4x8x8xf32>
  %x = tosa.add %s4d, %mask : (tensor<1x4x8x8xf32>, tensor<1x1x8x8xf32>) -> tensor<1x4x8x8xf32>
  %max = tosa.reduce_max %x {axis = 3 : i32} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x1xf32>
  %d = tosa.sub %x, %max : (tensor<1x4x8x8xf32>, tensor<1x4x8x1xf32>) -> tensor<1x4x8x8xf32>
  %e = tosa.exp %d : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %sum = tosa.reduce_sum %e {axis = 3 : i32} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x1xf32>
  %r = tosa.reciprocal %sum : (tensor<1x4x8x1xf32>) -> tensor<1x4x8x1xf32>
  %p = tosa.mul %e, %r, %shift : (tensor<1x4x8x8xf32>, tensor<1x4x8x1xf32>, tensor<1xi8>) -> tensor<1x4x8x8xf32>
  %x64 = tosa.cast %x : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf64>
  %isInf = tosa.equal %x64, %ninf : (tensor<1x4x8x8xf64>, tensor<1x1x1x1xf64>) -> tensor<1x4x8x8xi1>
  %masked = tosa.reduce_all %isInf {axis = 3 : i32} : (tensor<1x4x8x8xi1>) -> tensor<1x4x8x1xi1>
  %pg = tosa.select %masked, %zeros, %p : (tensor<1x4x8x1xi1>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %p3 = tosa.reshape %pg, %s3p : (tensor<1x4x8x8xf32>, !tosa.shape<3>) -> tensor<4x8x8xf32>
  %v3 = tosa.reshape %vr, %s3 : (tensor<1x2x2x8x16xf32>, !tosa.shape<3>) -> tensor<4x8x16xf32>
  %o = tosa.matmul %p3, %v3, %zp, %zp : (tensor<4x8x8xf32>, tensor<4x8x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<4x8x16xf32>
  %o4 = tosa.reshape %o, %s4 : (tensor<4x8x16xf32>, !tosa.shape<4>) -> tensor<1x4x8x16xf32>
  return %o4 : tensor<1x4x8x16xf32>
}

// -----

// bf16: the matmuls accumulate in f32 and are cast back to bf16, the softmax
// runs in f32 between casts; the op takes and returns bf16. The name comes
// from the location of the P·V product.

// CHECK-LABEL: func.func @bf16_casts
// CHECK: %[[O:.+]] = ct.hooked_attention {{.*}} {name = "model.layers.5.self_attn", scale = 1.250000e-01 : f64}
// CHECK-SAME: (tensor<1x2x8x16xbf16>, tensor<1x2x8x16xbf16>, tensor<1x2x8x16xbf16>) -> tensor<1x2x8x16xbf16>
// CHECK-NOT: tosa.cast
// CHECK-NOT: tosa.exp
func.func @bf16_casts(%q: tensor<2x8x16xbf16>, %k: tensor<2x8x16xbf16>,
                      %v: tensor<2x8x16xbf16>) -> tensor<2x8x16xbf16> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xbf16>}> : () -> tensor<1xbf16>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %scale = "tosa.const"() <{values = dense<0.125> : tensor<1x1x1xbf16>}> : () -> tensor<1x1x1xbf16>
  %kt = tosa.transpose %k {perms = array<i32: 0, 2, 1>} : (tensor<2x8x16xbf16>) -> tensor<2x16x8xbf16>
  %s32 = tosa.matmul %q, %kt, %zp, %zp : (tensor<2x8x16xbf16>, tensor<2x16x8xbf16>, tensor<1xbf16>, tensor<1xbf16>) -> tensor<2x8x8xf32>
  %s = tosa.cast %s32 : (tensor<2x8x8xf32>) -> tensor<2x8x8xbf16>
  %scaled = tosa.mul %s, %scale, %shift : (tensor<2x8x8xbf16>, tensor<1x1x1xbf16>, tensor<1xi8>) -> tensor<2x8x8xbf16>
  %x = tosa.cast %scaled : (tensor<2x8x8xbf16>) -> tensor<2x8x8xf32>
  %max = tosa.reduce_max %x {axis = 2 : i32} : (tensor<2x8x8xf32>) -> tensor<2x8x1xf32>
  %d = tosa.sub %x, %max : (tensor<2x8x8xf32>, tensor<2x8x1xf32>) -> tensor<2x8x8xf32>
  %e = tosa.exp %d : (tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %sum = tosa.reduce_sum %e {axis = 2 : i32} : (tensor<2x8x8xf32>) -> tensor<2x8x1xf32>
  %r = tosa.reciprocal %sum : (tensor<2x8x1xf32>) -> tensor<2x8x1xf32>
  %p32 = tosa.mul %r, %e, %shift : (tensor<2x8x1xf32>, tensor<2x8x8xf32>, tensor<1xi8>) -> tensor<2x8x8xf32>
  %p = tosa.cast %p32 : (tensor<2x8x8xf32>) -> tensor<2x8x8xbf16>
  %o32 = tosa.matmul %p, %v, %zp, %zp : (tensor<2x8x8xbf16>, tensor<2x8x16xbf16>, tensor<1xbf16>, tensor<1xbf16>) -> tensor<2x8x16xf32> loc("model.layers.5.self_attn")
  %o = tosa.cast %o32 : (tensor<2x8x16xf32>) -> tensor<2x8x16xbf16>
  return %o : tensor<2x8x16xbf16>
}

// -----

// Not attention: the softmax runs over the query axis (axis 1), not the key
// axis.

// CHECK-LABEL: func.func @softmax_over_query_axis
// CHECK-NOT: ct.hooked_attention
// CHECK: tosa.reduce_max %{{.+}} {axis = 1 : i32}
func.func @softmax_over_query_axis(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>,
                                   %v: tensor<4x8x16xf32>) -> tensor<4x8x16xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %kt = tosa.transpose %k {perms = array<i32: 0, 2, 1>} : (tensor<4x8x16xf32>) -> tensor<4x16x8xf32>
  %x = tosa.matmul %q, %kt, %zp, %zp : (tensor<4x8x16xf32>, tensor<4x16x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<4x8x8xf32>
  %max = tosa.reduce_max %x {axis = 1 : i32} : (tensor<4x8x8xf32>) -> tensor<4x1x8xf32>
  %d = tosa.sub %x, %max : (tensor<4x8x8xf32>, tensor<4x1x8xf32>) -> tensor<4x8x8xf32>
  %e = tosa.exp %d : (tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %sum = tosa.reduce_sum %e {axis = 1 : i32} : (tensor<4x8x8xf32>) -> tensor<4x1x8xf32>
  %r = tosa.reciprocal %sum : (tensor<4x1x8xf32>) -> tensor<4x1x8xf32>
  %p = tosa.mul %e, %r, %shift : (tensor<4x8x8xf32>, tensor<4x1x8xf32>, tensor<1xi8>) -> tensor<4x8x8xf32>
  %o = tosa.matmul %p, %v, %zp, %zp : (tensor<4x8x8xf32>, tensor<4x8x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// Not raised: the scale is a function argument, not a constant the op's f64
// `scale` attribute could hold.

// CHECK-LABEL: func.func @scale_not_constant
// CHECK-NOT: ct.hooked_attention
// CHECK: tosa.exp
func.func @scale_not_constant(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>,
                              %v: tensor<4x8x16xf32>, %scale: tensor<1x1x1xf32>) -> tensor<4x8x16xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %kt = tosa.transpose %k {perms = array<i32: 0, 2, 1>} : (tensor<4x8x16xf32>) -> tensor<4x16x8xf32>
  %s = tosa.matmul %q, %kt, %zp, %zp : (tensor<4x8x16xf32>, tensor<4x16x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<4x8x8xf32>
  %x = tosa.mul %s, %scale, %shift : (tensor<4x8x8xf32>, tensor<1x1x1xf32>, tensor<1xi8>) -> tensor<4x8x8xf32>
  %max = tosa.reduce_max %x {axis = 2 : i32} : (tensor<4x8x8xf32>) -> tensor<4x8x1xf32>
  %d = tosa.sub %x, %max : (tensor<4x8x8xf32>, tensor<4x8x1xf32>) -> tensor<4x8x8xf32>
  %e = tosa.exp %d : (tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %sum = tosa.reduce_sum %e {axis = 2 : i32} : (tensor<4x8x8xf32>) -> tensor<4x8x1xf32>
  %r = tosa.reciprocal %sum : (tensor<4x8x1xf32>) -> tensor<4x8x1xf32>
  %p = tosa.mul %e, %r, %shift : (tensor<4x8x8xf32>, tensor<4x8x1xf32>, tensor<1xi8>) -> tensor<4x8x8xf32>
  %o = tosa.matmul %p, %v, %zp, %zp : (tensor<4x8x8xf32>, tensor<4x8x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// Not raised: the probabilities are also returned (output_attentions), so
// the pattern's intermediates have a user outside it.

// CHECK-LABEL: func.func @probabilities_used_elsewhere
// CHECK-NOT: ct.hooked_attention
// CHECK: tosa.exp
func.func @probabilities_used_elsewhere(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>,
                                        %v: tensor<4x8x16xf32>) -> (tensor<4x8x16xf32>, tensor<4x8x8xf32>) {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %kt = tosa.transpose %k {perms = array<i32: 0, 2, 1>} : (tensor<4x8x16xf32>) -> tensor<4x16x8xf32>
  %x = tosa.matmul %q, %kt, %zp, %zp : (tensor<4x8x16xf32>, tensor<4x16x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<4x8x8xf32>
  %max = tosa.reduce_max %x {axis = 2 : i32} : (tensor<4x8x8xf32>) -> tensor<4x8x1xf32>
  %d = tosa.sub %x, %max : (tensor<4x8x8xf32>, tensor<4x8x1xf32>) -> tensor<4x8x8xf32>
  %e = tosa.exp %d : (tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %sum = tosa.reduce_sum %e {axis = 2 : i32} : (tensor<4x8x8xf32>) -> tensor<4x8x1xf32>
  %r = tosa.reciprocal %sum : (tensor<4x8x1xf32>) -> tensor<4x8x1xf32>
  %p = tosa.mul %e, %r, %shift : (tensor<4x8x8xf32>, tensor<4x8x1xf32>, tensor<1xi8>) -> tensor<4x8x8xf32>
  %o = tosa.matmul %p, %v, %zp, %zp : (tensor<4x8x8xf32>, tensor<4x8x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<4x8x16xf32>
  return %o, %p : tensor<4x8x16xf32>, tensor<4x8x8xf32>
}

// -----

// Not raised: the mask is broadcast over the query axis ([1, 1, Skv]), which
// the op's [B|1, Hq|1, Sq, Skv] mask does not express.

// CHECK-LABEL: func.func @mask_broadcast_over_queries
// CHECK-NOT: ct.hooked_attention
// CHECK: tosa.exp
func.func @mask_broadcast_over_queries(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>,
                                       %v: tensor<4x8x16xf32>, %mask: tensor<1x1x8xf32>) -> tensor<4x8x16xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %kt = tosa.transpose %k {perms = array<i32: 0, 2, 1>} : (tensor<4x8x16xf32>) -> tensor<4x16x8xf32>
  %s = tosa.matmul %q, %kt, %zp, %zp : (tensor<4x8x16xf32>, tensor<4x16x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<4x8x8xf32>
  %x = tosa.add %s, %mask : (tensor<4x8x8xf32>, tensor<1x1x8xf32>) -> tensor<4x8x8xf32>
  %max = tosa.reduce_max %x {axis = 2 : i32} : (tensor<4x8x8xf32>) -> tensor<4x8x1xf32>
  %d = tosa.sub %x, %max : (tensor<4x8x8xf32>, tensor<4x8x1xf32>) -> tensor<4x8x8xf32>
  %e = tosa.exp %d : (tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %sum = tosa.reduce_sum %e {axis = 2 : i32} : (tensor<4x8x8xf32>) -> tensor<4x8x1xf32>
  %r = tosa.reciprocal %sum : (tensor<4x8x1xf32>) -> tensor<4x8x1xf32>
  %p = tosa.mul %e, %r, %shift : (tensor<4x8x8xf32>, tensor<4x8x1xf32>, tensor<1xi8>) -> tensor<4x8x8xf32>
  %o = tosa.matmul %p, %v, %zp, %zp : (tensor<4x8x8xf32>, tensor<4x8x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// Not raised: K is tiled on an axis before its heads ([B, 1, Hkv, S, D]
// tiled on axis 1), so query head h reads kv head h mod Hkv, not h / g as in
// repeat_kv and the op's GQA.

// CHECK-LABEL: func.func @kv_heads_interleaved
// CHECK-NOT: ct.hooked_attention
// CHECK: tosa.tile
func.func @kv_heads_interleaved(%q: tensor<4x8x16xf32>, %k: tensor<1x2x8x16xf32>,
                                %v: tensor<1x2x8x16xf32>) -> tensor<4x8x16xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %s5 = tosa.const_shape {values = dense<[1, 1, 2, 8, 16]> : tensor<5xindex>} : () -> !tosa.shape<5>
  %rep = tosa.const_shape {values = dense<[1, 2, 1, 1, 1]> : tensor<5xindex>} : () -> !tosa.shape<5>
  %s3 = tosa.const_shape {values = dense<[4, 8, 16]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %k5 = tosa.reshape %k, %s5 : (tensor<1x2x8x16xf32>, !tosa.shape<5>) -> tensor<1x1x2x8x16xf32>
  %kr = tosa.tile %k5, %rep : (tensor<1x1x2x8x16xf32>, !tosa.shape<5>) -> tensor<1x2x2x8x16xf32>
  %k3 = tosa.reshape %kr, %s3 : (tensor<1x2x2x8x16xf32>, !tosa.shape<3>) -> tensor<4x8x16xf32>
  %v5 = tosa.reshape %v, %s5 : (tensor<1x2x8x16xf32>, !tosa.shape<5>) -> tensor<1x1x2x8x16xf32>
  %vr = tosa.tile %v5, %rep : (tensor<1x1x2x8x16xf32>, !tosa.shape<5>) -> tensor<1x2x2x8x16xf32>
  %v3 = tosa.reshape %vr, %s3 : (tensor<1x2x2x8x16xf32>, !tosa.shape<3>) -> tensor<4x8x16xf32>
  %kt = tosa.transpose %k3 {perms = array<i32: 0, 2, 1>} : (tensor<4x8x16xf32>) -> tensor<4x16x8xf32>
  %x = tosa.matmul %q, %kt, %zp, %zp : (tensor<4x8x16xf32>, tensor<4x16x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<4x8x8xf32>
  %max = tosa.reduce_max %x {axis = 2 : i32} : (tensor<4x8x8xf32>) -> tensor<4x8x1xf32>
  %d = tosa.sub %x, %max : (tensor<4x8x8xf32>, tensor<4x8x1xf32>) -> tensor<4x8x8xf32>
  %e = tosa.exp %d : (tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %sum = tosa.reduce_sum %e {axis = 2 : i32} : (tensor<4x8x8xf32>) -> tensor<4x8x1xf32>
  %r = tosa.reciprocal %sum : (tensor<4x8x1xf32>) -> tensor<4x8x1xf32>
  %p = tosa.mul %e, %r, %shift : (tensor<4x8x8xf32>, tensor<4x8x1xf32>, tensor<1xi8>) -> tensor<4x8x8xf32>
  %o = tosa.matmul %p, %v3, %zp, %zp : (tensor<4x8x8xf32>, tensor<4x8x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// Not raised: the softmax runs in bf16 end to end. The op accumulates its
// softmax in f32, which would change this program's results.

// CHECK-LABEL: func.func @bf16_softmax
// CHECK-NOT: ct.hooked_attention
// CHECK: tosa.exp
func.func @bf16_softmax(%q: tensor<2x8x16xbf16>, %k: tensor<2x8x16xbf16>,
                        %v: tensor<2x8x16xbf16>) -> tensor<2x8x16xbf16> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xbf16>}> : () -> tensor<1xbf16>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %kt = tosa.transpose %k {perms = array<i32: 0, 2, 1>} : (tensor<2x8x16xbf16>) -> tensor<2x16x8xbf16>
  %s32 = tosa.matmul %q, %kt, %zp, %zp : (tensor<2x8x16xbf16>, tensor<2x16x8xbf16>, tensor<1xbf16>, tensor<1xbf16>) -> tensor<2x8x8xf32>
  %x = tosa.cast %s32 : (tensor<2x8x8xf32>) -> tensor<2x8x8xbf16>
  %max = tosa.reduce_max %x {axis = 2 : i32} : (tensor<2x8x8xbf16>) -> tensor<2x8x1xbf16>
  %d = tosa.sub %x, %max : (tensor<2x8x8xbf16>, tensor<2x8x1xbf16>) -> tensor<2x8x8xbf16>
  %e = tosa.exp %d : (tensor<2x8x8xbf16>) -> tensor<2x8x8xbf16>
  %sum = tosa.reduce_sum %e {axis = 2 : i32} : (tensor<2x8x8xbf16>) -> tensor<2x8x1xbf16>
  %r = tosa.reciprocal %sum : (tensor<2x8x1xbf16>) -> tensor<2x8x1xbf16>
  %p = tosa.mul %e, %r, %shift : (tensor<2x8x8xbf16>, tensor<2x8x1xbf16>, tensor<1xi8>) -> tensor<2x8x8xbf16>
  %o32 = tosa.matmul %p, %v, %zp, %zp : (tensor<2x8x8xbf16>, tensor<2x8x16xbf16>, tensor<1xbf16>, tensor<1xbf16>) -> tensor<2x8x16xf32>
  %o = tosa.cast %o32 : (tensor<2x8x16xf32>) -> tensor<2x8x16xbf16>
  return %o : tensor<2x8x16xbf16>
}
