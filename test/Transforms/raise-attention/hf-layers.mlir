// ct-raise-attention on Hugging Face attention layers as torch-mlir's FX
// importer emits them (fixtures from utils/gen_attention_fixtures.py): each
// layer's attention becomes one ct.hooked_attention on the un-repeated K/V
// (2 KV heads for 4 query heads), with HF's causal mask and scale 1/√4; the
// projections, RoPE and the output projection stay as they are.

// RUN: ct-opt %S/../Inputs/llama_eager.mlir -ct-raise-attention | FileCheck %s --check-prefixes=CHECK,EAGER
// RUN: ct-opt %S/../Inputs/qwen2_eager.mlir -ct-raise-attention | FileCheck %s --check-prefixes=CHECK,EAGER
// RUN: ct-opt %S/../Inputs/llama_sdpa.mlir -ct-raise-attention | FileCheck %s --check-prefixes=CHECK,SDPA
// RUN: ct-opt %S/../Inputs/mistral_sdpa.mlir -ct-raise-attention | FileCheck %s --check-prefixes=CHECK,SDPA
// RUN: ct-opt %S/../Inputs/llama_eager_bf16.mlir -ct-raise-attention | FileCheck %s --check-prefix=BF16
// RUN: ct-opt %S/../Inputs/llama_decode.mlir -ct-raise-attention | FileCheck %s --check-prefix=DECODE

// CHECK: func.func @{{.*}}(%{{.*}}: tensor<1x4x16xf32>, %{{.*}}: tensor<1x4x4xf32>, %{{.*}}: tensor<1x4x4xf32>, %[[MASK:.+]]: tensor<1x1x4x4xf32>)
// CHECK-NOT: linalg.batch_matmul
// CHECK-NOT: math.exp
// EAGER: ct.hooked_attention %{{.+}}, %{{.+}}, %{{.+}} mask %[[MASK]] {name = "model.layers.0.self_attn", scale = 5.000000e-01 : f64}
// SDPA uses √scale on Q and on K, each rounded to f32.
// SDPA: ct.hooked_attention %{{.+}}, %{{.+}}, %{{.+}} mask %[[MASK]] {name = "model.layers.0.self_attn", scale = 0.49999998288572911 : f64}
// CHECK-SAME: (tensor<1x4x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x4x4x4xf32>
// CHECK-NOT: linalg.batch_matmul
// CHECK-NOT: math.exp

// bf16: matmuls accumulate in f32 and round to bf16, the softmax runs in f32
// between casts; the op takes bf16 Q/K/V/mask and returns bf16.
// BF16-LABEL: func.func @llama_eager_bf16
// BF16-NOT: math.exp
// BF16: ct.hooked_attention {{.*}} : (tensor<1x4x4x4xbf16>, tensor<1x2x4x4xbf16>, tensor<1x2x4x4xbf16>, tensor<1x1x4x4xbf16>) -> tensor<1x4x4x4xbf16>
// BF16-NOT: math.exp

// DynamicCache decode step: one new token against 3 cached ones.
// DECODE: func.func @llama_decode
// DECODE-SAME: %[[PK:[a-z0-9]+]]: tensor<1x2x3x4xf32>, %[[PV:[a-z0-9]+]]: tensor<1x2x3x4xf32>)
// DECODE-DAG: %[[KC:.+]] = tensor.pad %[[PK]] low[0, 0, 0, 0] high[0, 0, 1, 0]
// DECODE-DAG: %[[VC:.+]] = tensor.pad %[[PV]] low[0, 0, 0, 0] high[0, 0, 1, 0]
// DECODE-DAG: %[[POS:.+]] = arith.constant 3 : index
// DECODE: %[[O:.+]], %[[C:.+]]:2 = ct.hooked_attention {{.*}} cache %[[KC]], %[[VC]] at %[[POS]] {name = "model.layers.0.self_attn", scale = 5.000000e-01 : f64}
// DECODE-SAME: (tensor<1x4x1x4xf32>, tensor<1x2x1x4xf32>, tensor<1x2x1x4xf32>, tensor<1x1x1x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, index)
// DECODE-NOT: tensor.concat dim(2)
// DECODE: return %{{.+}}, %[[C]]#0, %[[C]]#1
