// RUN: ct-opt %s -split-input-file -ct-raise-attention | FileCheck %s
// RUN: ct-opt %s -split-input-file -ct-raise-attention='name-template=blocks.{i}.attn' | FileCheck %s --check-prefix=TEMPLATE

// [B·H, S, D] views: batch_matmul with linalg.transpose, scale as a division,
// linalg.softmax. The op works on [B, H, S, D], so Q/K/V are expanded (B = 1)
// and the output collapsed back.

// CHECK-LABEL: func.func @flat_batch_matmul
// CHECK-SAME: (%[[Q:.+]]: tensor<4x8x16xf32>, %[[K:.+]]: tensor<4x8x16xf32>, %[[V:.+]]: tensor<4x8x16xf32>)
// CHECK-DAG: %[[Q4:.+]] = tensor.expand_shape %[[Q]] {{\[}}[0, 1], [2], [3]] output_shape [1, 4, 8, 16]
// CHECK-DAG: %[[K4:.+]] = tensor.expand_shape %[[K]] {{\[}}[0, 1], [2], [3]] output_shape [1, 4, 8, 16]
// CHECK-DAG: %[[V4:.+]] = tensor.expand_shape %[[V]] {{\[}}[0, 1], [2], [3]] output_shape [1, 4, 8, 16]
// CHECK: %[[O:.+]] = ct.hooked_attention %[[Q4]], %[[K4]], %[[V4]] {name = "model.layers.0.self_attn", scale = 2.500000e-01 : f64}
// CHECK: %[[O3:.+]] = tensor.collapse_shape %[[O]] {{\[}}[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
// CHECK-NOT: linalg.softmax
// CHECK: return %[[O3]]
// TEMPLATE-LABEL: func.func @flat_batch_matmul
// TEMPLATE: ct.hooked_attention {{.*}}name = "blocks.0.attn"
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @flat_batch_matmul(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>,
                             %v: tensor<4x8x16xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %four = arith.constant 4.0 : f32
  %ktInit = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%ktInit : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %sInit = tensor.empty() : tensor<4x8x8xf32>
  %sZero = linalg.fill ins(%zero : f32) outs(%sInit : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%sZero : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %scaled = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s : tensor<4x8x8xf32>) outs(%sInit : tensor<4x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %d = arith.divf %in, %four : f32
    linalg.yield %d : f32
  } -> tensor<4x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%scaled : tensor<4x8x8xf32>) outs(%sInit : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %oInit = tensor.empty() : tensor<4x8x16xf32>
  %oZero = linalg.fill ins(%zero : f32) outs(%oInit : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%oZero : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// [B, H, S, D]: 4-D contraction generics, Kᵀ through the contraction map
// (no transpose), the scale folded into Q beforehand, an additive mask
// broadcast over batch and heads. The op's name comes from the location.

// CHECK-LABEL: func.func @generic_4d_scale_in_query
// CHECK-SAME: (%[[Q:.+]]: tensor<2x4x8x16xf32>, %[[K:.+]]: tensor<2x4x8x16xf32>, %[[V:.+]]: tensor<2x4x8x16xf32>, %[[M:.+]]: tensor<1x1x8x8xf32>)
// CHECK: %[[O:.+]] = ct.hooked_attention %[[Q]], %[[K]], %[[V]] mask %[[M]] {name = "model.layers.7.self_attn", scale = 1.250000e-01 : f64}
// CHECK-NEXT: return %[[O]]
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#bcast = affine_map<(d0, d1, d2, d3) -> (0, 0, d2, d3)>
#lhs = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
#rhsT = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
#rhs = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
#out = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
func.func @generic_4d_scale_in_query(%q: tensor<2x4x8x16xf32>, %k: tensor<2x4x8x16xf32>,
                                     %v: tensor<2x4x8x16xf32>, %mask: tensor<1x1x8x8xf32>) -> tensor<2x4x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %scale = arith.constant dense<0.125> : tensor<2x4x8x16xf32>
  %qInit = tensor.empty() : tensor<2x4x8x16xf32>
  %qs = linalg.generic {indexing_maps = [#id4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%q, %scale : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) outs(%qInit : tensor<2x4x8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<2x4x8x16xf32>
  %sInit = tensor.empty() : tensor<2x4x8x8xf32>
  %sZero = linalg.fill ins(%zero : f32) outs(%sInit : tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  %s = linalg.generic {indexing_maps = [#lhs, #rhsT, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%qs, %k : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) outs(%sZero : tensor<2x4x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %sum = arith.addf %acc, %m : f32
    linalg.yield %sum : f32
  } -> tensor<2x4x8x8xf32>
  %masked = linalg.generic {indexing_maps = [#id4, #bcast, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s, %mask : tensor<2x4x8x8xf32>, tensor<1x1x8x8xf32>) outs(%sInit : tensor<2x4x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.addf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<2x4x8x8xf32>
  %p = linalg.softmax dimension(3) ins(%masked : tensor<2x4x8x8xf32>) outs(%sInit : tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  %oInit = tensor.empty() : tensor<2x4x8x16xf32>
  %oZero = linalg.fill ins(%zero : f32) outs(%oInit : tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %o = linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %v : tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) outs(%oZero : tensor<2x4x8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %sum = arith.addf %acc, %m : f32
    linalg.yield %sum : f32
  } -> tensor<2x4x8x16xf32> loc("model.layers.7.self_attn")
  return %o : tensor<2x4x8x16xf32>
}

// -----

// GQA: repeat_kv (broadcast to [B, Hkv, g, S, D] and merge Hkv·g) is looked
// through; the op gets K/V with their 2 heads. A [B·H, S, Skv] mask of one
// row block per head is expanded to [B, Hq, Sq, Skv].

// CHECK-LABEL: func.func @gqa_repeat_kv
// CHECK-SAME: (%[[Q:.+]]: tensor<1x4x8x16xf32>, %[[K:.+]]: tensor<1x2x8x16xf32>, %[[V:.+]]: tensor<1x2x8x16xf32>, %[[M:.+]]: tensor<4x8x8xf32>)
// CHECK: %[[M4:.+]] = tensor.expand_shape %[[M]] {{\[}}[0, 1], [2], [3]] output_shape [1, 4, 8, 8]
// CHECK: ct.hooked_attention %[[Q]], %[[K]], %[[V]] mask %[[M4]] {name = "model.layers.0.self_attn", scale = 1.000000e+00 : f64}
// CHECK-SAME: (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x16xf32>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#rep_in = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
#rep_out = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>
func.func @gqa_repeat_kv(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>,
                         %v: tensor<1x2x8x16xf32>, %mask: tensor<4x8x8xf32>) -> tensor<1x4x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %repInit = tensor.empty() : tensor<1x2x2x8x16xf32>
  %kr = linalg.generic {indexing_maps = [#rep_in, #rep_out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%k : tensor<1x2x8x16xf32>) outs(%repInit : tensor<1x2x2x8x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x2x2x8x16xf32>
  %vr = linalg.generic {indexing_maps = [#rep_in, #rep_out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%v : tensor<1x2x8x16xf32>) outs(%repInit : tensor<1x2x2x8x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x2x2x8x16xf32>
  %k4 = tensor.collapse_shape %kr [[0], [1, 2], [3], [4]] : tensor<1x2x2x8x16xf32> into tensor<1x4x8x16xf32>
  %ktInit = tensor.empty() : tensor<1x4x16x8xf32>
  %kt = linalg.transpose ins(%k4 : tensor<1x4x8x16xf32>) outs(%ktInit : tensor<1x4x16x8xf32>) permutation = [0, 1, 3, 2]
  %q3 = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
  %kt3 = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<1x4x16x8xf32> into tensor<4x16x8xf32>
  %sInit = tensor.empty() : tensor<4x8x8xf32>
  %sZero = linalg.fill ins(%zero : f32) outs(%sInit : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q3, %kt3 : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%sZero : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %masked = linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%mask, %s : tensor<4x8x8xf32>, tensor<4x8x8xf32>) outs(%sInit : tensor<4x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.addf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<4x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%masked : tensor<4x8x8xf32>) outs(%sInit : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %v3 = tensor.collapse_shape %vr [[0, 1, 2], [3], [4]] : tensor<1x2x2x8x16xf32> into tensor<4x8x16xf32>
  %oInit = tensor.empty() : tensor<4x8x16xf32>
  %oZero = linalg.fill ins(%zero : f32) outs(%oInit : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v3 : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%oZero : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o4 = tensor.expand_shape %o [[0, 1], [2], [3]] output_shape [1, 4, 8, 16] : tensor<4x8x16xf32> into tensor<1x4x8x16xf32>
  return %o4 : tensor<1x4x8x16xf32>
}

// -----

// DynamicCache step: K and V are the past (function arguments) concatenated
// with the new entries. The op takes the new entries and the past padded to
// the total length as its cache, written from position 3; the returned
// concatenations become the op's updated caches.

// CHECK-LABEL: func.func @dynamic_cache_step
// CHECK-SAME: (%[[Q:.+]]: tensor<1x2x1x16xf32>, %[[K:.+]]: tensor<1x2x1x16xf32>, %[[V:.+]]: tensor<1x2x1x16xf32>, %[[PK:.+]]: tensor<1x2x3x16xf32>, %[[PV:.+]]: tensor<1x2x3x16xf32>)
// CHECK-DAG: %[[KC:.+]] = tensor.pad %[[PK]] low[0, 0, 0, 0] high[0, 0, 1, 0]
// CHECK-DAG: %[[VC:.+]] = tensor.pad %[[PV]] low[0, 0, 0, 0] high[0, 0, 1, 0]
// CHECK-DAG: %[[POS:.+]] = arith.constant 3 : index
// CHECK: %[[O:.+]], %[[C:.+]]:2 = ct.hooked_attention %[[Q]], %[[K]], %[[V]] cache %[[KC]], %[[VC]] at %[[POS]]
// CHECK-NOT: tensor.concat
// CHECK: return %[[O]], %[[C]]#0, %[[C]]#1
#lhs = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
#rhsT = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
#rhs = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
#out = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
func.func @dynamic_cache_step(%q: tensor<1x2x1x16xf32>, %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>,
                              %pk: tensor<1x2x3x16xf32>, %pv: tensor<1x2x3x16xf32>)
    -> (tensor<1x2x1x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>) {
  %zero = arith.constant 0.0 : f32
  %kAll = tensor.concat dim(2) %pk, %k : (tensor<1x2x3x16xf32>, tensor<1x2x1x16xf32>) -> tensor<1x2x4x16xf32>
  %vAll = tensor.concat dim(2) %pv, %v : (tensor<1x2x3x16xf32>, tensor<1x2x1x16xf32>) -> tensor<1x2x4x16xf32>
  %sInit = tensor.empty() : tensor<1x2x1x4xf32>
  %sZero = linalg.fill ins(%zero : f32) outs(%sInit : tensor<1x2x1x4xf32>) -> tensor<1x2x1x4xf32>
  %s = linalg.generic {indexing_maps = [#lhs, #rhsT, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %kAll : tensor<1x2x1x16xf32>, tensor<1x2x4x16xf32>) outs(%sZero : tensor<1x2x1x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %sum = arith.addf %acc, %m : f32
    linalg.yield %sum : f32
  } -> tensor<1x2x1x4xf32>
  %p = linalg.softmax dimension(3) ins(%s : tensor<1x2x1x4xf32>) outs(%sInit : tensor<1x2x1x4xf32>) -> tensor<1x2x1x4xf32>
  %oInit = tensor.empty() : tensor<1x2x1x16xf32>
  %oZero = linalg.fill ins(%zero : f32) outs(%oInit : tensor<1x2x1x16xf32>) -> tensor<1x2x1x16xf32>
  %o = linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %vAll : tensor<1x2x1x4xf32>, tensor<1x2x4x16xf32>) outs(%oZero : tensor<1x2x1x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %sum = arith.addf %acc, %m : f32
    linalg.yield %sum : f32
  } -> tensor<1x2x1x16xf32>
  return %o, %kAll, %vAll : tensor<1x2x1x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>
}

// -----

// Names from the template count attention ops in program order.

// CHECK-LABEL: func.func @two_layers
// CHECK: ct.hooked_attention {{.*}}name = "model.layers.0.self_attn"
// CHECK: ct.hooked_attention {{.*}}name = "model.layers.1.self_attn"
// TEMPLATE-LABEL: func.func @two_layers
// TEMPLATE: name = "blocks.0.attn"
// TEMPLATE: name = "blocks.1.attn"
#bl = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#bt = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
#bo = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
func.func @two_layers(%x: tensor<4x8x8xf32>) -> tensor<4x8x8xf32> {
  %zero = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<4x8x8xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%init : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s0 = linalg.batch_matmul indexing_maps = [#bl, #bt, #bo] ins(%x, %x : tensor<4x8x8xf32>, tensor<4x8x8xf32>) outs(%fill : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %p0 = linalg.softmax dimension(2) ins(%s0 : tensor<4x8x8xf32>) outs(%init : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %o0 = linalg.batch_matmul ins(%p0, %x : tensor<4x8x8xf32>, tensor<4x8x8xf32>) outs(%fill : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s1 = linalg.batch_matmul indexing_maps = [#bl, #bt, #bo] ins(%o0, %o0 : tensor<4x8x8xf32>, tensor<4x8x8xf32>) outs(%fill : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %p1 = linalg.softmax dimension(2) ins(%s1 : tensor<4x8x8xf32>) outs(%init : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %o1 = linalg.batch_matmul ins(%p1, %o0 : tensor<4x8x8xf32>, tensor<4x8x8xf32>) outs(%fill : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  return %o1 : tensor<4x8x8xf32>
}

// -----

// Not attention: the softmax runs over the query axis, not the key axis.

// CHECK-LABEL: func.func @softmax_over_query_axis
// CHECK-NOT: ct.hooked_attention
// CHECK: linalg.softmax dimension(1)
#bl = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#bt = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
#bo = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
func.func @softmax_over_query_axis(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %sInit = tensor.empty() : tensor<4x8x8xf32>
  %sZero = linalg.fill ins(%zero : f32) outs(%sInit : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul indexing_maps = [#bl, #bt, #bo] ins(%q, %k : tensor<4x8x16xf32>, tensor<4x8x16xf32>) outs(%sZero : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %p = linalg.softmax dimension(1) ins(%s : tensor<4x8x8xf32>) outs(%sInit : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %oInit = tensor.empty() : tensor<4x8x16xf32>
  %oZero = linalg.fill ins(%zero : f32) outs(%oInit : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%oZero : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// Not raised: the probabilities are also returned (output_attentions), so
// the pattern's intermediates have a user outside it.

// CHECK-LABEL: func.func @probabilities_used_elsewhere
// CHECK-NOT: ct.hooked_attention
// CHECK: linalg.softmax
#bl = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#bt = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
#bo = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
func.func @probabilities_used_elsewhere(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>)
    -> (tensor<4x8x16xf32>, tensor<4x8x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %sInit = tensor.empty() : tensor<4x8x8xf32>
  %sZero = linalg.fill ins(%zero : f32) outs(%sInit : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul indexing_maps = [#bl, #bt, #bo] ins(%q, %k : tensor<4x8x16xf32>, tensor<4x8x16xf32>) outs(%sZero : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%s : tensor<4x8x8xf32>) outs(%sInit : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %oInit = tensor.empty() : tensor<4x8x16xf32>
  %oZero = linalg.fill ins(%zero : f32) outs(%oInit : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%oZero : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o, %p : tensor<4x8x16xf32>, tensor<4x8x8xf32>
}

// -----

// Not raised: the scale is a function argument, not a constant the op's f64
// `scale` attribute could hold.

// CHECK-LABEL: func.func @scale_not_constant
// CHECK-NOT: ct.hooked_attention
#bl = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#bt = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
#bo = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @scale_not_constant(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>, %scale: f32) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %sInit = tensor.empty() : tensor<4x8x8xf32>
  %sZero = linalg.fill ins(%zero : f32) outs(%sInit : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul indexing_maps = [#bl, #bt, #bo] ins(%q, %k : tensor<4x8x16xf32>, tensor<4x8x16xf32>) outs(%sZero : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %scaled = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s : tensor<4x8x8xf32>) outs(%sInit : tensor<4x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %scale : f32
    linalg.yield %m : f32
  } -> tensor<4x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%scaled : tensor<4x8x8xf32>) outs(%sInit : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %oInit = tensor.empty() : tensor<4x8x16xf32>
  %oZero = linalg.fill ins(%zero : f32) outs(%oInit : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%oZero : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// Not raised: the mask is broadcast over the query axis ([1, 1, 1, Skv] read
// through a constant index), which the op's [B|1, Hq|1, Sq, Skv] mask does
// not express.

// CHECK-LABEL: func.func @mask_broadcast_over_queries
// CHECK-NOT: ct.hooked_attention
#lhs = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
#rhsT = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
#rhs = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
#out = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#rowmask = affine_map<(d0, d1, d2, d3) -> (0, 0, 0, d3)>
func.func @mask_broadcast_over_queries(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>,
                                       %v: tensor<1x4x8x16xf32>, %mask: tensor<1x1x1x8xf32>) -> tensor<1x4x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %sInit = tensor.empty() : tensor<1x4x8x8xf32>
  %sZero = linalg.fill ins(%zero : f32) outs(%sInit : tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %s = linalg.generic {indexing_maps = [#lhs, #rhsT, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) outs(%sZero : tensor<1x4x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %sum = arith.addf %acc, %m : f32
    linalg.yield %sum : f32
  } -> tensor<1x4x8x8xf32>
  %masked = linalg.generic {indexing_maps = [#id4, #rowmask, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s, %mask : tensor<1x4x8x8xf32>, tensor<1x1x1x8xf32>) outs(%sInit : tensor<1x4x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.addf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<1x4x8x8xf32>
  %p = linalg.softmax dimension(3) ins(%masked : tensor<1x4x8x8xf32>) outs(%sInit : tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %oInit = tensor.empty() : tensor<1x4x8x16xf32>
  %oZero = linalg.fill ins(%zero : f32) outs(%oInit : tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  %o = linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %v : tensor<1x4x8x8xf32>, tensor<1x4x8x16xf32>) outs(%oZero : tensor<1x4x8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %sum = arith.addf %acc, %m : f32
    linalg.yield %sum : f32
  } -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

// Not raised: the softmax runs in bf16 end to end. The op accumulates its
// softmax in f32, which would change this program's results.

// CHECK-LABEL: func.func @bf16_softmax
// CHECK-NOT: ct.hooked_attention
#bl = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#bt = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
#bo = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
func.func @bf16_softmax(%q: tensor<4x8x16xbf16>, %k: tensor<4x8x16xbf16>, %v: tensor<4x8x16xbf16>) -> tensor<4x8x16xbf16> {
  %zero = arith.constant 0.0 : bf16
  %sInit = tensor.empty() : tensor<4x8x8xbf16>
  %sZero = linalg.fill ins(%zero : bf16) outs(%sInit : tensor<4x8x8xbf16>) -> tensor<4x8x8xbf16>
  %s = linalg.batch_matmul indexing_maps = [#bl, #bt, #bo] ins(%q, %k : tensor<4x8x16xbf16>, tensor<4x8x16xbf16>) outs(%sZero : tensor<4x8x8xbf16>) -> tensor<4x8x8xbf16>
  %p = linalg.softmax dimension(2) ins(%s : tensor<4x8x8xbf16>) outs(%sInit : tensor<4x8x8xbf16>) -> tensor<4x8x8xbf16>
  %oInit = tensor.empty() : tensor<4x8x16xbf16>
  %oZero = linalg.fill ins(%zero : bf16) outs(%oInit : tensor<4x8x16xbf16>) -> tensor<4x8x16xbf16>
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xbf16>, tensor<4x8x16xbf16>) outs(%oZero : tensor<4x8x16xbf16>) -> tensor<4x8x16xbf16>
  return %o : tensor<4x8x16xbf16>
}

// -----

// Not raised: the second product reads V through a transposed map, P·Vᵀ,
// which is not attention's P·V.

// CHECK-LABEL: func.func @value_transposed
// CHECK-NOT: ct.hooked_attention
#bl = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#bt = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
#bo = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
func.func @value_transposed(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x16x8xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %sInit = tensor.empty() : tensor<4x8x8xf32>
  %sZero = linalg.fill ins(%zero : f32) outs(%sInit : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul indexing_maps = [#bl, #bt, #bo] ins(%q, %k : tensor<4x8x16xf32>, tensor<4x8x16xf32>) outs(%sZero : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%s : tensor<4x8x8xf32>) outs(%sInit : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %oInit = tensor.empty() : tensor<4x8x16xf32>
  %oZero = linalg.fill ins(%zero : f32) outs(%oInit : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o = linalg.batch_matmul indexing_maps = [#bl, #bt, #bo] ins(%p, %v : tensor<4x8x8xf32>, tensor<4x16x8xf32>) outs(%oZero : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}
