// RUN: ct-opt %s | FileCheck %s
// Round trip through the custom syntax, and through the generic form.
// RUN: ct-opt %s -mlir-print-op-generic | ct-opt | FileCheck %s
// RUN: ct-opt %s -emit-bytecode | ct-opt | FileCheck %s

// CHECK-LABEL: @scheme_forms
func.func @scheme_forms() attributes {
    // CHECK-SAME: a = #ct.quant<int8>
    a = #ct.quant<int8, tensor, symmetric>,
    // CHECK-SAME: b = #ct.quant<int8, token, dynamic>
    b = #ct.quant<int8, token, dynamic>,
    // CHECK-SAME: c = #ct.quant<int4, group = 128, asymmetric>
    c = #ct.quant<int4, group = 128, asymmetric>,
    // CHECK-SAME: d = #ct.quant<float8, attn_head>
    d = #ct.quant<float8, attn_head>,
    // CHECK-SAME: e = #ct.quant<float8, block = [128, 128]>
    e = #ct.quant<float8, block = [128, 128]>,
    // CHECK-SAME: f = #ct.quant<float4, tensor_group = 16, dynamic = local, scale_dtype = f8E4M3FN>
    f = #ct.quant<float4, tensor_group = 16, dynamic = local, scale_dtype = f8E4M3FN>,
    // CHECK-SAME: g = #ct.quant<int8, channel, asymmetric, zp_dtype = i8>
    g = #ct.quant<int8, channel, asymmetric, zp_dtype = i8>,
    // CHECK-SAME: h = #ct.quant<int4, group = 32, dynamic>
    h = #ct.quant<int4, group = 32, dynamic>,
    // CHECK-SAME: i = #ct.quant<int2, channel>
    i = #ct.quant<int2, channel>,
    // CHECK-SAME: j = #ct.quant<float6>
    j = #ct.quant<float6>,
    // CHECK-SAME: k = #ct.quant<int8, dynamic>
    k = #ct.quant<int8, tensor, dynamic>,
    // CHECK-SAME: l = #ct.quant<float4, group = 32, scale_dtype = ui8>
    l = #ct.quant<float4, group = 32, scale_dtype = ui8>} {
  return
}

// CHECK-LABEL: @quantize_per_tensor
func.func @quantize_per_tensor(%x: tensor<4x64xf32>, %s: tensor<1xf32>) -> tensor<4x64xf32> {
  // CHECK: %[[Q:.+]] = ct.quantize %{{.+}} scale(%{{.+}}) quant<int8> : (tensor<4x64xf32>, tensor<1xf32>) -> tensor<4x64xi8>
  %q = ct.quantize %x scale(%s) quant<int8> : (tensor<4x64xf32>, tensor<1xf32>) -> tensor<4x64xi8>
  // CHECK: ct.dequantize %[[Q]] scale(%{{.+}}) quant<int8> : (tensor<4x64xi8>, tensor<1xf32>) -> tensor<4x64xf32>
  %d = ct.dequantize %q scale(%s) quant<int8> : (tensor<4x64xi8>, tensor<1xf32>) -> tensor<4x64xf32>
  return %d : tensor<4x64xf32>
}

// CHECK-LABEL: @quantize_int4_group_asymmetric
func.func @quantize_int4_group_asymmetric(%x: tensor<4x64xbf16>, %s: tensor<4x2xbf16>, %zp: tensor<4x2xi8>) -> tensor<4x64xi4> {
  // CHECK: ct.quantize %{{.+}} scale(%{{.+}}) zero_point(%{{.+}}) quant<int4, group = 32, asymmetric> : (tensor<4x64xbf16>, tensor<4x2xbf16>, tensor<4x2xi8>) -> tensor<4x64xi4>
  %q = ct.quantize %x scale(%s) zero_point(%zp) quant<int4, group = 32, asymmetric> : (tensor<4x64xbf16>, tensor<4x2xbf16>, tensor<4x2xi8>) -> tensor<4x64xi4>
  return %q : tensor<4x64xi4>
}

// CHECK-LABEL: @int4_codes_in_i8
func.func @int4_codes_in_i8(%x: tensor<4x64xf32>, %s: tensor<4x1xf32>) -> tensor<4x64xi8> {
  // CHECK: ct.quantize {{.+}} quant<int4, channel> : (tensor<4x64xf32>, tensor<4x1xf32>) -> tensor<4x64xi8>
  %q = ct.quantize %x scale(%s) quant<int4, channel> : (tensor<4x64xf32>, tensor<4x1xf32>) -> tensor<4x64xi8>
  return %q : tensor<4x64xi8>
}

// CHECK-LABEL: @fp8_attn_head
func.func @fp8_attn_head(%k: tensor<1x8x16x128xbf16>, %s: tensor<8x1x1xbf16>) -> tensor<1x8x16x128xbf16> {
  // CHECK: ct.quantize {{.+}} quant<float8, attn_head> : {{.+}} -> tensor<1x8x16x128xf8E4M3FN>
  %q = ct.quantize %k scale(%s) quant<float8, attn_head> : (tensor<1x8x16x128xbf16>, tensor<8x1x1xbf16>) -> tensor<1x8x16x128xf8E4M3FN>
  // CHECK: ct.dequantize {{.+}} -> tensor<1x8x16x128xbf16>
  %d = ct.dequantize %q scale(%s) quant<float8, attn_head> : (tensor<1x8x16x128xf8E4M3FN>, tensor<8x1x1xbf16>) -> tensor<1x8x16x128xbf16>
  return %d : tensor<1x8x16x128xbf16>
}

// CHECK-LABEL: @nvfp4_global_scale
func.func @nvfp4_global_scale(%x: tensor<2x64xf32>, %gs: tensor<1xf32>) -> tensor<2x64xf4E2M1FN> {
  // CHECK: %[[S:.+]] = ct.calculate_qparams %{{.+}} global_scale(%{{.+}}) quant<float4, tensor_group = 16, dynamic = local, scale_dtype = f8E4M3FN> : (tensor<2x64xf32>, tensor<1xf32>) -> tensor<2x4xf32>
  %s = ct.calculate_qparams %x global_scale(%gs) quant<float4, tensor_group = 16, dynamic = local, scale_dtype = f8E4M3FN> : (tensor<2x64xf32>, tensor<1xf32>) -> tensor<2x4xf32>
  // CHECK: ct.quantize %{{.+}} scale(%[[S]]) global_scale(%{{.+}})
  %q = ct.quantize %x scale(%s) global_scale(%gs) quant<float4, tensor_group = 16, dynamic = local, scale_dtype = f8E4M3FN> : (tensor<2x64xf32>, tensor<2x4xf32>, tensor<1xf32>) -> tensor<2x64xf4E2M1FN>
  return %q : tensor<2x64xf4E2M1FN>
}

// The global scale (f32) promotes the local scales of bf16 data to f32.
// CHECK-LABEL: @nvfp4_bf16_promoted_scale
func.func @nvfp4_bf16_promoted_scale(%x: tensor<2x64xbf16>, %gs: tensor<1xf32>) -> tensor<2x4xf32> {
  // CHECK: ct.calculate_qparams {{.+}} : (tensor<2x64xbf16>, tensor<1xf32>) -> tensor<2x4xf32>
  %s = ct.calculate_qparams %x global_scale(%gs) quant<float4, tensor_group = 16, dynamic = local, scale_dtype = f8E4M3FN> : (tensor<2x64xbf16>, tensor<1xf32>) -> tensor<2x4xf32>
  return %s : tensor<2x4xf32>
}

// CHECK-LABEL: @dynamic_token_fake_quant
func.func @dynamic_token_fake_quant(%x: tensor<2x16x128xf32>) -> tensor<2x16x128xf32> {
  // CHECK: %[[S:.+]], %[[ZP:.+]] = ct.calculate_qparams %{{.+}} quant<int8, token, asymmetric, dynamic> : (tensor<2x16x128xf32>) -> (tensor<2x16x1xf32>, tensor<2x16x1xi8>)
  %s, %zp = ct.calculate_qparams %x quant<int8, token, asymmetric, dynamic> : (tensor<2x16x128xf32>) -> (tensor<2x16x1xf32>, tensor<2x16x1xi8>)
  // CHECK: ct.fake_quantize %{{.+}} scale(%[[S]]) zero_point(%[[ZP]])
  %y = ct.fake_quantize %x scale(%s) zero_point(%zp) quant<int8, token, asymmetric, dynamic> : (tensor<2x16x128xf32>, tensor<2x16x1xf32>, tensor<2x16x1xi8>) -> tensor<2x16x128xf32>
  return %y : tensor<2x16x128xf32>
}

// The library's token strategy keeps dims 0 and 1: per (batch, head) on
// [B, H, S, D], and one scale for a whole 2-D tensor.
// CHECK-LABEL: @token_scale_shapes
func.func @token_scale_shapes(%k: tensor<1x8x16x128xbf16>, %x: tensor<16x128xf32>) -> (tensor<1x8x1x1xbf16>, tensor<1xf32>) {
  // CHECK: ct.calculate_qparams {{.+}} -> tensor<1x8x1x1xbf16>
  %a = ct.calculate_qparams %k quant<int8, token, dynamic> : (tensor<1x8x16x128xbf16>) -> tensor<1x8x1x1xbf16>
  // CHECK: ct.calculate_qparams {{.+}} -> tensor<1xf32>
  %b = ct.calculate_qparams %x quant<int8, token, dynamic> : (tensor<16x128xf32>) -> tensor<1xf32>
  return %a, %b : tensor<1x8x1x1xbf16>, tensor<1xf32>
}

// CHECK-LABEL: @block_fp8
func.func @block_fp8(%w: tensor<256x384xbf16>, %s: tensor<2x3xbf16>) -> tensor<256x384xbf16> {
  // CHECK: ct.fake_quantize {{.+}} quant<float8, block = [128, 128]>
  %y = ct.fake_quantize %w scale(%s) quant<float8, block = [128, 128]> : (tensor<256x384xbf16>, tensor<2x3xbf16>) -> tensor<256x384xbf16>
  return %y : tensor<256x384xbf16>
}

// CHECK-LABEL: @hadamard_forms
func.func @hadamard_forms(%x: tensor<2x8x256xbf16>) -> tensor<2x8x256xbf16> {
  // CHECK: %[[A:.+]] = ct.hadamard %{{.+}} size(128) : tensor<2x8x256xbf16>
  %a = ct.hadamard %x size(128) : tensor<2x8x256xbf16>
  // CHECK: %[[B:.+]] = ct.hadamard %[[A]] size(4) inverse signs([1, -1, -1, 1]) : tensor<2x8x256xbf16>
  %b = ct.hadamard %a size(4) inverse signs([1, -1, -1, 1]) : tensor<2x8x256xbf16>
  // CHECK: ct.hadamard %[[B]] size(256) precision(f64) : tensor<2x8x256xbf16>
  %c = ct.hadamard %b size(256) precision(f64) : tensor<2x8x256xbf16>
  return %c : tensor<2x8x256xbf16>
}

// CHECK-LABEL: @rotate_forms
func.func @rotate_forms(%x: tensor<4x256xf32>, %r: tensor<128x128xf32>) -> tensor<4x256xf32> {
  // CHECK: %[[A:.+]] = ct.rotate %{{.+}} by %{{.+}} : tensor<4x256xf32>, tensor<128x128xf32>
  %a = ct.rotate %x by %r : tensor<4x256xf32>, tensor<128x128xf32>
  // CHECK: ct.rotate %[[A]] by %{{.+}} inverse : tensor<4x256xf32>, tensor<128x128xf32>
  %b = ct.rotate %a by %r inverse : tensor<4x256xf32>, tensor<128x128xf32>
  return %b : tensor<4x256xf32>
}

// CHECK-LABEL: @attention_identity_hooks
func.func @attention_identity_hooks(%q: tensor<1x32x16x64xf32>, %k: tensor<1x8x16x64xf32>, %v: tensor<1x8x16x64xf32>) -> tensor<1x32x16x64xf32> {
  // CHECK: ct.hooked_attention %{{.+}}, %{{.+}}, %{{.+}} {causal, name = "model.layers.0.self_attn", scale = 1.250000e-01 : f64} : (tensor<1x32x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>) -> tensor<1x32x16x64xf32>
  // CHECK-NOT: hook
  %o = ct.hooked_attention %q, %k, %v {scale = 0.125 : f64, causal, name = "model.layers.0.self_attn"} : (tensor<1x32x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>) -> tensor<1x32x16x64xf32>
  return %o : tensor<1x32x16x64xf32>
}

// CHECK-LABEL: @attention_hooks_mask
func.func @attention_hooks_mask(%q: tensor<2x4x8x64xbf16>, %k: tensor<2x2x8x64xbf16>, %v: tensor<2x2x8x32xbf16>, %m: tensor<2x1x8x8xi1>, %ks: tensor<2x1x1xbf16>) -> tensor<2x4x8x32xbf16> {
  // CHECK: ct.hooked_attention %{{.+}}, %{{.+}}, %{{.+}} mask %{{.+}} {scale = 1.250000e-01 : f64}
  // CHECK-SAME: -> tensor<2x4x8x32xbf16> q_hook {
  // CHECK-NEXT: ^bb0(%[[QA:.+]]: tensor<2x4x8x64xbf16>):
  // CHECK-NEXT: %[[QR:.+]] = ct.hadamard %[[QA]] size(64)
  // CHECK-NEXT: ct.yield %[[QR]] : tensor<2x4x8x64xbf16>
  // CHECK-NEXT: } k_hook {
  // CHECK: ct.fake_quantize
  // CHECK-NOT: v_hook
  %o = ct.hooked_attention %q, %k, %v mask %m {scale = 0.125 : f64} : (tensor<2x4x8x64xbf16>, tensor<2x2x8x64xbf16>, tensor<2x2x8x32xbf16>, tensor<2x1x8x8xi1>) -> tensor<2x4x8x32xbf16>
  q_hook {
  ^bb0(%a: tensor<2x4x8x64xbf16>):
    %r = ct.hadamard %a size(64) : tensor<2x4x8x64xbf16>
    ct.yield %r : tensor<2x4x8x64xbf16>
  }
  k_hook {
  ^bb0(%a: tensor<2x2x8x64xbf16>):
    %r = ct.hadamard %a size(64) : tensor<2x2x8x64xbf16>
    %f = ct.fake_quantize %r scale(%ks) quant<float8, attn_head> : (tensor<2x2x8x64xbf16>, tensor<2x1x1xbf16>) -> tensor<2x2x8x64xbf16>
    ct.yield %f : tensor<2x2x8x64xbf16>
  }
  return %o : tensor<2x4x8x32xbf16>
}

// CHECK-LABEL: @attention_quantized_cache_static
// CHECK: %{{.+}}, %{{.+}}:2 = ct.hooked_attention %{{.+}}, %{{.+}}, %{{.+}} cache %{{.+}}, %{{.+}} at %{{.+}} quantized(k: %{{.+}}, v: %{{.+}}) {k_cache_quant = #ct.quant<float8, attn_head>, scale = 2.500000e-01 : f64, v_cache_quant = #ct.quant<int8>}
func.func @attention_quantized_cache_static(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>, %kc: tensor<1x2x8x16xf8E4M3FN>, %vc: tensor<1x2x8x16xi8>, %p: index, %ks: tensor<2x1x1xf32>, %vs: tensor<1xf32>) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x8x16xi8>) {
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %p quantized(k: %ks, v: %vs) {scale = 0.25 : f64, k_cache_quant = #ct.quant<float8, attn_head>, v_cache_quant = #ct.quant<int8>} : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x8x16xi8>, index, tensor<2x1x1xf32>, tensor<1xf32>) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x8x16xi8>)
  return %o#0, %o#1, %o#2 : tensor<1x4x1x16xf32>, tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x8x16xi8>
}

// Dynamic schemes store their scales (and zero points) per cache row and
// return them updated after the caches, keys first.
// CHECK-LABEL: @attention_quantized_cache_dynamic
// CHECK: %{{.+}}, %{{.+}}:5 = ct.hooked_attention %{{.+}}, %{{.+}}, %{{.+}} cache %{{.+}}, %{{.+}} at %{{.+}} quantized(k: %{{.+}} zero_point %{{.+}}, v: %{{.+}}) {causal, k_cache_quant = #ct.quant<int4, token, asymmetric, dynamic>, scale = 2.500000e-01 : f64, v_cache_quant = #ct.quant<float4, group = 8, dynamic>}
// CHECK-SAME: -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xi4>, tensor<1x2x8x16xf4E2M1FN>, tensor<1x2x8x1xf32>, tensor<1x2x8x1xi8>, tensor<1x2x8x2xf32>)
func.func @attention_quantized_cache_dynamic(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>, %kc: tensor<1x2x8x16xi4>, %vc: tensor<1x2x8x16xf4E2M1FN>, %p: index, %ks: tensor<1x2x8x1xf32>, %kz: tensor<1x2x8x1xi8>, %vs: tensor<1x2x8x2xf32>) -> tensor<1x4x1x16xf32> {
  %o:6 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %p quantized(k: %ks zero_point %kz, v: %vs) {scale = 0.25 : f64, causal, k_cache_quant = #ct.quant<int4, token, asymmetric, dynamic>, v_cache_quant = #ct.quant<float4, group = 8, dynamic>} : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x8x16xi4>, tensor<1x2x8x16xf4E2M1FN>, index, tensor<1x2x8x1xf32>, tensor<1x2x8x1xi8>, tensor<1x2x8x2xf32>) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xi4>, tensor<1x2x8x16xf4E2M1FN>, tensor<1x2x8x1xf32>, tensor<1x2x8x1xi8>, tensor<1x2x8x2xf32>)
  return %o#0 : tensor<1x4x1x16xf32>
}

// KIVI-style per-channel key scales (an extension): one per kv head and
// channel, asymmetric.
// CHECK-LABEL: @attention_quantized_cache_key_channels
// CHECK: quantized(k: %{{.+}} zero_point %{{.+}}) {k_cache_quant = #ct.quant<int4, channel, asymmetric>, scale = 2.500000e-01 : f64}
func.func @attention_quantized_cache_key_channels(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>, %kc: tensor<1x2x8x16xi4>, %vc: tensor<1x2x8x16xf32>, %p: index, %ks: tensor<2x1x16xf32>, %kz: tensor<2x1x16xi8>) -> tensor<1x4x1x16xf32> {
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %p quantized(k: %ks zero_point %kz) {scale = 0.25 : f64, k_cache_quant = #ct.quant<int4, channel, asymmetric>} : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x8x16xi4>, tensor<1x2x8x16xf32>, index, tensor<2x1x16xf32>, tensor<2x1x16xi8>) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xi4>, tensor<1x2x8x16xf32>)
  return %o#0 : tensor<1x4x1x16xf32>
}

// CHECK-LABEL: @attention_decode_with_cache
func.func @attention_decode_with_cache(%q: tensor<1x32x1x128xf32>, %k: tensor<1x8x1x128xf32>, %v: tensor<1x8x1x128xf32>, %kc: tensor<1x8x4096x128xf32>, %vc: tensor<1x8x4096x128xf32>, %pos: index) -> (tensor<1x32x1x128xf32>, tensor<1x8x4096x128xf32>, tensor<1x8x4096x128xf32>) {
  // CHECK: %{{.+}}, %{{.+}}:2 = ct.hooked_attention %{{.+}}, %{{.+}}, %{{.+}} cache %{{.+}}, %{{.+}} at %{{.+}} {causal, scale = {{.+}} : f64} : (tensor<1x32x1x128xf32>, tensor<1x8x1x128xf32>, tensor<1x8x1x128xf32>, tensor<1x8x4096x128xf32>, tensor<1x8x4096x128xf32>, index) -> (tensor<1x32x1x128xf32>, tensor<1x8x4096x128xf32>, tensor<1x8x4096x128xf32>)
  %o, %kc2, %vc2 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos {scale = 0.08838834764831845 : f64, causal} : (tensor<1x32x1x128xf32>, tensor<1x8x1x128xf32>, tensor<1x8x1x128xf32>, tensor<1x8x4096x128xf32>, tensor<1x8x4096x128xf32>, index) -> (tensor<1x32x1x128xf32>, tensor<1x8x4096x128xf32>, tensor<1x8x4096x128xf32>)
  return %o, %kc2, %vc2 : tensor<1x32x1x128xf32>, tensor<1x8x4096x128xf32>, tensor<1x8x4096x128xf32>
}

// CHECK-LABEL: @dynamic_shapes
func.func @dynamic_shapes(%q: tensor<?x32x?x128xf32>, %k: tensor<?x8x?x128xf32>, %v: tensor<?x8x?x128xf32>, %s: tensor<8x1x1xf32>) -> tensor<?x32x?x128xf32> {
  // CHECK: ct.fake_quantize {{.+}} : (tensor<?x8x?x128xf32>, tensor<8x1x1xf32>) -> tensor<?x8x?x128xf32>
  %kq = ct.fake_quantize %k scale(%s) quant<float8, attn_head> : (tensor<?x8x?x128xf32>, tensor<8x1x1xf32>) -> tensor<?x8x?x128xf32>
  // CHECK: ct.hooked_attention
  %o = ct.hooked_attention %q, %kq, %v {scale = 0.088 : f64} : (tensor<?x32x?x128xf32>, tensor<?x8x?x128xf32>, tensor<?x8x?x128xf32>) -> tensor<?x32x?x128xf32>
  return %o : tensor<?x32x?x128xf32>
}
