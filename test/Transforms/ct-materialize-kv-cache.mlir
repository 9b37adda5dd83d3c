// RUN: ct-opt %s -split-input-file -verify-diagnostics --ct-materialize-kv-cache | FileCheck %s
// RUN: ct-opt %s -split-input-file -verify-diagnostics=only-expected --ct-materialize-kv-cache=per-token-head | FileCheck %s --check-prefix=HEAD

// The bytes-per-token remarks count one token of one layer (one batch
// element, all Hkv = 2 kv heads of D = 16): a float cache holds
// 2·16·4 = 128 B per token for K and as much for V, 256 B in all.

// Static schemes keep their scales as operands (constants here, as
// ct-apply-config reads them from the checkpoint) and store nothing per row:
// fp8 K codes 2·16·1 = 32 B, int8 V 32 B, 64 B in all, 256/64 = 4.00x.
// The R3 rotation stays in the hook: only the fake quantization moves.
// CHECK-LABEL: func.func @static_fp8_head_int8_tensor
// CHECK-SAME:    (%[[Q:.+]]: tensor<1x4x1x16xf32>, %[[K:.+]]: tensor<1x2x1x16xf32>, %[[V:.+]]: tensor<1x2x1x16xf32>, %[[KC:.+]]: tensor<1x2x8x16xf8E4M3FN>, %[[VC:.+]]: tensor<1x2x8x16xi8>, %[[P:.+]]: index)
// CHECK-SAME:    -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x8x16xi8>)
// CHECK-DAG:     %[[KS:.+]] = arith.constant dense<{{.+}}> : tensor<2x1x1xf32>
// CHECK-DAG:     %[[VS:.+]] = arith.constant dense<2.000000e-02> : tensor<1xf32>
// CHECK:         %[[O:.+]], %[[U:.+]]:2 = ct.hooked_attention %[[Q]], %[[K]], %[[V]] cache %[[KC]], %[[VC]] at %[[P]] quantized(k: %[[KS]], v: %[[VS]]) {k_cache_quant = #ct.quant<float8, attn_head>, scale = 2.500000e-01 : f64, v_cache_quant = #ct.quant<int8>}
// CHECK-SAME:    -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x8x16xi8>)
// CHECK-SAME:    k_hook {
// CHECK-NEXT:    ^bb0(%[[A:.+]]: tensor<1x2x1x16xf32>):
// CHECK-NEXT:      %[[R:.+]] = ct.hadamard %[[A]] size(16)
// CHECK-NEXT:      ct.yield %[[R]]
// CHECK-NOT:     ct.fake_quantize
// CHECK:         return %[[O]], %[[U]]#0, %[[U]]#1
func.func @static_fp8_head_int8_tensor(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>, %kc: tensor<1x2x8x16xf32>, %vc: tensor<1x2x8x16xf32>, %p: index) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %ks = arith.constant dense<[[[0.5]], [[0.25]]]> : tensor<2x1x1xf32>
  %vs = arith.constant dense<0.02> : tensor<1xf32>
  // expected-remark @+1 {{KV cache bytes per token: K 32 (32 codes + 0 scales), V 32 (32 codes + 0 scales); total 64 vs 256 for the float cache (4.00x smaller)}}
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %p {scale = 0.25 : f64} : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, index) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
    k_hook {
    ^bb0(%a: tensor<1x2x1x16xf32>):
      %r = ct.hadamard %a size(16) : tensor<1x2x1x16xf32>
      %f = ct.fake_quantize %r scale(%ks) quant<float8, attn_head> : (tensor<1x2x1x16xf32>, tensor<2x1x1xf32>) -> tensor<1x2x1x16xf32>
      ct.yield %f : tensor<1x2x1x16xf32>
    } v_hook {
    ^bb0(%a: tensor<1x2x1x16xf32>):
      %f = ct.fake_quantize %a scale(%vs) quant<int8> : (tensor<1x2x1x16xf32>, tensor<1xf32>) -> tensor<1x2x1x16xf32>
      ct.yield %f : tensor<1x2x1x16xf32>
    }
  return %o#0, %o#1, %o#2 : tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}

// -----

// The library's dynamic asymmetric int4 `token` scheme on [B, H, S, D]
// states: one scale and zero point per (batch, head) over each write's new
// rows, stored on every row the write fills. The past cache arrives padded
// by one row (the raised DynamicCache concatenation): codes, scales and
// zero points become arguments after each cache, padded alike, and the
// updated scales and zero points are returned after each cache.
// K and V each: codes 2·16/2 = 16 B, scales 2·1·4 = 8 B, zero points
// 2·1·1 = 2 B: 26 B, 52 B in all, 256/52 = 4.92x.
// CHECK-LABEL: func.func @dynamic_int4_token_padded
// CHECK-SAME:    %[[PK:[a-z0-9]+]]: tensor<1x2x7x16xi4>, %[[PKS:[a-z0-9]+]]: tensor<1x2x7x1xf32>, %[[PKZ:[a-z0-9]+]]: tensor<1x2x7x1xi8>, %[[PV:[a-z0-9]+]]: tensor<1x2x7x16xi4>, %[[PVS:[a-z0-9]+]]: tensor<1x2x7x1xf32>, %[[PVZ:[a-z0-9]+]]: tensor<1x2x7x1xi8>)
// CHECK-SAME:    -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xi4>, tensor<1x2x8x1xf32>, tensor<1x2x8x1xi8>, tensor<1x2x8x16xi4>, tensor<1x2x8x1xf32>, tensor<1x2x8x1xi8>)
// The padding is redone as a gather of the past rows (zero beyond them).
// CHECK:         %[[KC:.+]] = linalg.generic
// CHECK:           %[[IN:.+]] = arith.cmpi ult, %{{.+}}, %{{.+}} : index
// CHECK:           %[[E:.+]] = tensor.extract %[[PK]]
// CHECK:           %[[Z:.+]] = arith.constant 0 : i4
// CHECK:           arith.select %[[IN]], %[[E]], %[[Z]] : i4
// CHECK:         } -> tensor<1x2x8x16xi4>
// CHECK:         %[[KS:.+]] = linalg.generic
// CHECK:           tensor.extract %[[PKS]]
// CHECK:         } -> tensor<1x2x8x1xf32>
// CHECK:         %[[KZ:.+]] = linalg.generic
// CHECK:           tensor.extract %[[PKZ]]
// CHECK:         } -> tensor<1x2x8x1xi8>
// CHECK:         %[[VC:.+]] = linalg.generic
// CHECK:           tensor.extract %[[PV]]
// CHECK-NOT:     tensor.pad
// CHECK:         %[[O:.+]], %[[U:.+]]:6 = ct.hooked_attention %{{.+}}, %{{.+}}, %{{.+}} cache %[[KC]], %[[VC]] at %{{.+}} quantized(k: %[[KS]] zero_point %[[KZ]], v: %{{.+}} zero_point %{{.+}}) {k_cache_quant = #ct.quant<int4, token, asymmetric, dynamic>, scale = 2.500000e-01 : f64, v_cache_quant = #ct.quant<int4, token, asymmetric, dynamic>}
// CHECK-NOT:     ct.calculate_qparams
// CHECK-NOT:     ct.fake_quantize
// CHECK:         return %[[O]], %[[U]]#0, %[[U]]#2, %[[U]]#3, %[[U]]#1, %[[U]]#4, %[[U]]#5
// The extension: one scale per (batch, head, token) row, group = D.
// HEAD-LABEL: func.func @dynamic_int4_token_padded
// HEAD:         k_cache_quant = #ct.quant<int4, group = 16, asymmetric, dynamic>
// HEAD-SAME:    v_cache_quant = #ct.quant<int4, group = 16, asymmetric, dynamic>
func.func @dynamic_int4_token_padded(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>, %pk: tensor<1x2x7x16xf32>, %pv: tensor<1x2x7x16xf32>) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %zero = arith.constant 0.0 : f32
  %kc = tensor.pad %pk low[0, 0, 0, 0] high[0, 0, 1, 0] {
  ^bb0(%i: index, %j: index, %l: index, %m: index):
    tensor.yield %zero : f32
  } : tensor<1x2x7x16xf32> to tensor<1x2x8x16xf32>
  %vc = tensor.pad %pv low[0, 0, 0, 0] high[0, 0, 1, 0] {
  ^bb0(%i: index, %j: index, %l: index, %m: index):
    tensor.yield %zero : f32
  } : tensor<1x2x7x16xf32> to tensor<1x2x8x16xf32>
  %p = arith.constant 7 : index
  // expected-remark @+1 {{KV cache bytes per token: K 26 (16 codes + 8 scales + 2 zero points), V 26 (16 codes + 8 scales + 2 zero points); total 52 vs 256 for the float cache (4.92x smaller)}}
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %p {scale = 0.25 : f64} : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, index) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
    k_hook {
    ^bb0(%a: tensor<1x2x1x16xf32>):
      %s, %z = ct.calculate_qparams %a quant<int4, token, asymmetric, dynamic> : (tensor<1x2x1x16xf32>) -> (tensor<1x2x1x1xf32>, tensor<1x2x1x1xi8>)
      %f = ct.fake_quantize %a scale(%s) zero_point(%z) quant<int4, token, asymmetric, dynamic> : (tensor<1x2x1x16xf32>, tensor<1x2x1x1xf32>, tensor<1x2x1x1xi8>) -> tensor<1x2x1x16xf32>
      ct.yield %f : tensor<1x2x1x16xf32>
    } v_hook {
    ^bb0(%a: tensor<1x2x1x16xf32>):
      %s, %z = ct.calculate_qparams %a quant<int4, token, asymmetric, dynamic> : (tensor<1x2x1x16xf32>) -> (tensor<1x2x1x1xf32>, tensor<1x2x1x1xi8>)
      %f = ct.fake_quantize %a scale(%s) zero_point(%z) quant<int4, token, asymmetric, dynamic> : (tensor<1x2x1x16xf32>, tensor<1x2x1x1xf32>, tensor<1x2x1x1xi8>) -> tensor<1x2x1x16xf32>
      ct.yield %f : tensor<1x2x1x16xf32>
    }
  return %o#0, %o#1, %o#2 : tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}

// -----

// Per-token-group (the library's dynamic `group` strategy) with fp4 codes:
// D/g = 2 scales per row. K: codes 2·16/2 = 16 B + scales 2·2·4 = 16 B;
// V stays float (its hook has no fake quantization): 128 B; 160 in all.
// CHECK-LABEL: func.func @dynamic_fp4_group_key_only
// CHECK-SAME:    %{{.+}}: tensor<1x2x8x16xf4E2M1FN>, %{{.+}}: tensor<1x2x8x2xf32>, %{{.+}}: tensor<1x2x8x16xf32>, %{{.+}}: index)
// CHECK-SAME:    -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf4E2M1FN>, tensor<1x2x8x2xf32>, tensor<1x2x8x16xf32>)
// CHECK:         ct.hooked_attention {{.+}} quantized(k: %{{.+}}) {k_cache_quant = #ct.quant<float4, group = 8, dynamic>, scale = 2.500000e-01 : f64}
func.func @dynamic_fp4_group_key_only(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>, %kc: tensor<1x2x8x16xf32>, %vc: tensor<1x2x8x16xf32>, %p: index) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  // expected-remark @+1 {{KV cache bytes per token: K 32 (16 codes + 16 scales), V 128 (float); total 160 vs 256 for the float cache (1.60x smaller)}}
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %p {scale = 0.25 : f64} : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, index) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
    k_hook {
    ^bb0(%a: tensor<1x2x1x16xf32>):
      %s = ct.calculate_qparams %a quant<float4, group = 8, dynamic> : (tensor<1x2x1x16xf32>) -> tensor<1x2x1x2xf32>
      %f = ct.fake_quantize %a scale(%s) quant<float4, group = 8, dynamic> : (tensor<1x2x1x16xf32>, tensor<1x2x1x2xf32>) -> tensor<1x2x1x16xf32>
      ct.yield %f : tensor<1x2x1x16xf32>
    }
  return %o#0, %o#1, %o#2 : tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}

// -----

// Without a cache there is nothing to store: the fake quantization stays
// (prefill of a model whose caller keeps no cache).
// CHECK-LABEL: func.func @no_cache_unchanged
// CHECK:         ct.fake_quantize
func.func @no_cache_unchanged(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x8x16xf32> {
  %vs = arith.constant dense<0.02> : tensor<1xf32>
  %o = ct.hooked_attention %q, %k, %v {scale = 0.25 : f64} : (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x4x8x16xf32>
    v_hook {
    ^bb0(%a: tensor<1x2x8x16xf32>):
      %f = ct.fake_quantize %a scale(%vs) quant<int8> : (tensor<1x2x8x16xf32>, tensor<1xf32>) -> tensor<1x2x8x16xf32>
      ct.yield %f : tensor<1x2x8x16xf32>
    }
  return %o : tensor<1x4x8x16xf32>
}

// -----

// A cache the function creates itself cannot change its storage type.
func.func @cache_not_an_argument(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>, %p: index) -> tensor<1x4x1x16xf32> {
  %vs = arith.constant dense<0.02> : tensor<1xf32>
  %kc = tensor.empty() : tensor<1x2x8x16xf32>
  %vc = tensor.empty() : tensor<1x2x8x16xf32>
  // expected-error @+1 {{v_cache must be a function argument (or a tensor.pad of one) used only by this op, so that its storage type can change}}
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %p {scale = 0.25 : f64} : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, index) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
    v_hook {
    ^bb0(%a: tensor<1x2x1x16xf32>):
      %f = ct.fake_quantize %a scale(%vs) quant<int8> : (tensor<1x2x1x16xf32>, tensor<1xf32>) -> tensor<1x2x1x16xf32>
      ct.yield %f : tensor<1x2x1x16xf32>
    }
  return %o#0 : tensor<1x4x1x16xf32>
}

// -----

// The updated cache feeds another op, which expects floats.
func.func @cache_result_used(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>, %kc: tensor<1x2x8x16xf32>, %vc: tensor<1x2x8x16xf32>, %p: index) -> tensor<1x2x1x16xf32> {
  %vs = arith.constant dense<0.02> : tensor<1xf32>
  // expected-error @+1 {{the updated v_cache may only be returned by the function once it is stored quantized, but it is used by tensor.extract_slice}}
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %p {scale = 0.25 : f64} : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, index) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
    v_hook {
    ^bb0(%a: tensor<1x2x1x16xf32>):
      %f = ct.fake_quantize %a scale(%vs) quant<int8> : (tensor<1x2x1x16xf32>, tensor<1xf32>) -> tensor<1x2x1x16xf32>
      ct.yield %f : tensor<1x2x1x16xf32>
    }
  %row = tensor.extract_slice %o#2[0, 0, 0, 0] [1, 2, 1, 16] [1, 1, 1, 1] : tensor<1x2x8x16xf32> to tensor<1x2x1x16xf32>
  return %row : tensor<1x2x1x16xf32>
}

// -----

// Odd head dims cannot be packed two 4-bit codes per byte.
func.func @int4_odd_head_dim(%q: tensor<1x2x1x15xf32>, %k: tensor<1x2x1x15xf32>, %v: tensor<1x2x1x15xf32>, %kc: tensor<1x2x8x15xf32>, %vc: tensor<1x2x8x15xf32>, %p: index) -> (tensor<1x2x1x15xf32>, tensor<1x2x8x15xf32>, tensor<1x2x8x15xf32>) {
  %ks = arith.constant dense<0.02> : tensor<1xf32>
  // expected-error @+1 {{a 4-bit k_cache packs two codes per byte and needs an even, static head dim, got 15}}
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %p {scale = 0.25 : f64} : (tensor<1x2x1x15xf32>, tensor<1x2x1x15xf32>, tensor<1x2x1x15xf32>, tensor<1x2x8x15xf32>, tensor<1x2x8x15xf32>, index) -> (tensor<1x2x1x15xf32>, tensor<1x2x8x15xf32>, tensor<1x2x8x15xf32>)
    k_hook {
    ^bb0(%a: tensor<1x2x1x15xf32>):
      %f = ct.fake_quantize %a scale(%ks) quant<int4> : (tensor<1x2x1x15xf32>, tensor<1xf32>) -> tensor<1x2x1x15xf32>
      ct.yield %f : tensor<1x2x1x15xf32>
    }
  return %o#0, %o#1, %o#2 : tensor<1x2x1x15xf32>, tensor<1x2x8x15xf32>, tensor<1x2x8x15xf32>
}
