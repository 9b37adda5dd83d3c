// RUN: ct-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{expected the quantized kind as int<N> or float<N> (e.g. int8, int4, float8), got 'uint8'}}
func.func @kind() attributes {s = #ct.quant<uint8>} { return }

// -----

// expected-error @+1 {{expected a bit width after 'float'}}
func.func @width() attributes {s = #ct.quant<float>} { return }

// -----

// expected-error @+1 {{a scheme has one strategy; 'token' follows 'group'}}
func.func @two_strategies() attributes {s = #ct.quant<int8, group = 16, token>} { return }

// -----

// expected-error @+1 {{expected 'local' after 'dynamic ='}}
func.func @dynamic_value() attributes {s = #ct.quant<int8, dynamic = global>} { return }

// -----

// expected-error @+1 {{unknown quantization field 'observer'}}
func.func @unknown_field() attributes {s = #ct.quant<int8, observer>} { return }

// -----

// expected-error @+1 {{int quantization supports num_bits 2 to 8, 16 and 32, got 9}}
func.func @int_bits() attributes {s = #ct.quant<int9>} { return }

// -----

// expected-error @+1 {{float quantization supports num_bits 4 (e2m1), 6 (e2m3) and 8 (e4m3fn), got 16}}
func.func @float_bits() attributes {s = #ct.quant<float16>} { return }

// -----

// expected-error @+1 {{asymmetric float4 quantization is not supported}}
func.func @asym_fp4() attributes {s = #ct.quant<float4, asymmetric>} { return }

// -----

// expected-error @+1 {{asymmetric float6 quantization is not supported}}
func.func @asym_fp6() attributes {s = #ct.quant<float6, asymmetric>} { return }

// -----

// expected-error @+1 {{strategy group requires a positive group_size, got 0}}
func.func @group_size() attributes {s = #ct.quant<int4, group = 0>} { return }

// -----

// expected-error @+1 {{block strategy requires a block_structure of two positive ints [rows, cols]}}
func.func @block_structure() attributes {s = #ct.quant<float8, block = [128]>} { return }

// -----

// expected-error @+1 {{static token quantization is not supported: strategy token requires dynamic}}
func.func @static_token() attributes {s = #ct.quant<int8, token>} { return }

// -----

// expected-error @+1 {{dynamic quantization requires strategy token, tensor, tensor_group or group, got attn_head}}
func.func @dynamic_attn_head() attributes {s = #ct.quant<float8, attn_head, dynamic>} { return }

// -----

// expected-error @+1 {{dynamic = local requires strategy tensor_group, got group}}
func.func @local_group() attributes {s = #ct.quant<float4, group = 16, dynamic = local>} { return }

// -----

// expected-error @+1 {{scale_dtype must be an integer or float type, got 'index'}}
func.func @scale_dtype() attributes {s = #ct.quant<int8, scale_dtype = index>} { return }

// -----

// expected-error @+1 {{zp_dtype must be an integer or float type, got 'index'}}
func.func @zp_dtype() attributes {s = #ct.quant<int8, asymmetric, zp_dtype = index>} { return }

// -----

func.func @strategy_rank(%x: tensor<4x64xf32>, %s: tensor<4x1x1xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'ct.fake_quantize' op scheme #ct.quant<float8, attn_head> does not apply to an input of shape [4, 64]: strategy attn_head needs a [..., H, S, D] input of rank >= 3}}
  %y = ct.fake_quantize %x scale(%s) quant<float8, attn_head> : (tensor<4x64xf32>, tensor<4x1x1xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @group_divides(%x: tensor<4x100xf32>, %s: tensor<4x1xf32>) -> tensor<4x100xf32> {
  // expected-error @+1 {{does not apply to an input of shape [4, 100]: group_size 32 does not divide the last dimension 100}}
  %y = ct.fake_quantize %x scale(%s) quant<int4, group = 32> : (tensor<4x100xf32>, tensor<4x1xf32>) -> tensor<4x100xf32>
  return %y : tensor<4x100xf32>
}

// -----

func.func @block_rank(%x: tensor<2x4x64xf32>, %s: tensor<1x1xf32>) -> tensor<2x4x64xf32> {
  // expected-error @+1 {{strategy block needs a 2-D input}}
  %y = ct.fake_quantize %x scale(%s) quant<float8, block = [128, 128]> : (tensor<2x4x64xf32>, tensor<1x1xf32>) -> tensor<2x4x64xf32>
  return %y : tensor<2x4x64xf32>
}

// -----

func.func @channel_rank(%x: tensor<64xf32>, %s: tensor<1xf32>) -> tensor<64xf32> {
  // expected-error @+1 {{strategy channel needs an input of rank >= 2}}
  %y = ct.fake_quantize %x scale(%s) quant<int8, channel> : (tensor<64xf32>, tensor<1xf32>) -> tensor<64xf32>
  return %y : tensor<64xf32>
}

// -----

func.func @token_rank(%x: tensor<f32>, %s: tensor<1xf32>) -> tensor<f32> {
  // expected-error @+1 {{strategy token needs an input of rank >= 1}}
  %y = ct.fake_quantize %x scale(%s) quant<int8, token, dynamic> : (tensor<f32>, tensor<1xf32>) -> tensor<f32>
  return %y : tensor<f32>
}

// -----

func.func @scale_shape(%k: tensor<1x8x16x64xf32>, %s: tensor<1xf32>) -> tensor<1x8x16x64xf32> {
  // expected-error @+1 {{scale of shape [1] does not match strategy attn_head, which expects [8, 1, 1] for an input of shape [1, 8, 16, 64]}}
  %y = ct.fake_quantize %k scale(%s) quant<float8, attn_head> : (tensor<1x8x16x64xf32>, tensor<1xf32>) -> tensor<1x8x16x64xf32>
  return %y : tensor<1x8x16x64xf32>
}

// -----

func.func @symmetric_zp(%x: tensor<4x64xf32>, %s: tensor<1xf32>, %zp: tensor<1xi8>) -> tensor<4x64xf32> {
  // expected-error @+1 {{symmetric scheme takes no zero point}}
  %y = ct.fake_quantize %x scale(%s) zero_point(%zp) quant<int8> : (tensor<4x64xf32>, tensor<1xf32>, tensor<1xi8>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @asymmetric_no_zp(%x: tensor<4x64xf32>, %s: tensor<1xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{asymmetric scheme requires a zero point}}
  %y = ct.fake_quantize %x scale(%s) quant<int8, asymmetric> : (tensor<4x64xf32>, tensor<1xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @zp_shape(%x: tensor<4x64xf32>, %s: tensor<4x1xf32>, %zp: tensor<1x4xi8>) -> tensor<4x64xf32> {
  // expected-error @+1 {{zero point of shape [1, 4] does not match strategy channel, which expects [4, 1] for an input of shape [4, 64]}}
  %y = ct.fake_quantize %x scale(%s) zero_point(%zp) quant<int8, channel, asymmetric> : (tensor<4x64xf32>, tensor<4x1xf32>, tensor<1x4xi8>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @zp_dtype_mismatch(%x: tensor<4x64xf32>, %s: tensor<1xf32>, %zp: tensor<1xi32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{zero point element type 'i32' differs from the scheme's zp_dtype 'i8'}}
  %y = ct.fake_quantize %x scale(%s) zero_point(%zp) quant<int8, asymmetric, zp_dtype = i8> : (tensor<4x64xf32>, tensor<1xf32>, tensor<1xi32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @global_scale_strategy(%x: tensor<4x64xf32>, %s: tensor<4x4xf32>, %gs: tensor<1xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{a global scale requires strategy tensor_group}}
  %y = ct.fake_quantize %x scale(%s) global_scale(%gs) quant<float4, group = 16> : (tensor<4x64xf32>, tensor<4x4xf32>, tensor<1xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @global_scale_shape(%x: tensor<4x64xf32>, %s: tensor<4x4xf32>, %gs: tensor<2xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{global scale must hold one value, got shape [2]}}
  %y = ct.fake_quantize %x scale(%s) global_scale(%gs) quant<float4, tensor_group = 16> : (tensor<4x64xf32>, tensor<4x4xf32>, tensor<2xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @qparams_dtype(%x: tensor<4x64xbf16>) -> tensor<1xf32> {
  // expected-error @+1 {{scale element type 'f32' must be 'bf16' (the library computes scales in the observed dtype)}}
  %s = ct.calculate_qparams %x quant<int8, dynamic> : (tensor<4x64xbf16>) -> tensor<1xf32>
  return %s : tensor<1xf32>
}

// -----

func.func @qparams_dtype_global_scale(%x: tensor<2x64xbf16>, %gs: tensor<1xf32>) -> tensor<2x4xbf16> {
  // expected-error @+1 {{scale element type 'bf16' must be 'f32' (the input and global scale element types promoted)}}
  %s = ct.calculate_qparams %x global_scale(%gs) quant<float4, tensor_group = 16, dynamic = local, scale_dtype = f8E4M3FN> : (tensor<2x64xbf16>, tensor<1xf32>) -> tensor<2x4xbf16>
  return %s : tensor<2x4xbf16>
}

// -----

func.func @result_shape(%x: tensor<4x64xf32>, %s: tensor<1xf32>) -> tensor<64x4xi8> {
  // expected-error @+1 {{result shape [64, 4] differs from the input shape [4, 64]}}
  %q = ct.quantize %x scale(%s) quant<int8> : (tensor<4x64xf32>, tensor<1xf32>) -> tensor<64x4xi8>
  return %q : tensor<64x4xi8>
}

// -----

func.func @int_storage(%x: tensor<4x64xf32>, %s: tensor<1xf32>) -> tensor<4x64xi4> {
  // expected-error @+1 {{result element type 'i4' cannot hold #ct.quant<int8> codes; expected a signless integer of at least 8 bits}}
  %q = ct.quantize %x scale(%s) quant<int8> : (tensor<4x64xf32>, tensor<1xf32>) -> tensor<4x64xi4>
  return %q : tensor<4x64xi4>
}

// -----

func.func @float_storage(%q: tensor<4x64xi8>, %s: tensor<1xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{input element type 'i8' cannot hold #ct.quant<float8> codes; expected f8E4M3FN}}
  %x = ct.dequantize %q scale(%s) quant<float8> : (tensor<4x64xi8>, tensor<1xf32>) -> tensor<4x64xf32>
  return %x : tensor<4x64xf32>
}

// -----

func.func @hadamard_size(%x: tensor<4x24xf32>) -> tensor<4x24xf32> {
  // expected-error @+1 {{no Hadamard matrix of size 6 = 3·2^1 can be constructed: sizes other than 1 and 2 must be multiples of 4}}
  %y = ct.hadamard %x size(6) : tensor<4x24xf32>
  return %y : tensor<4x24xf32>
}

// -----

func.func @hadamard_rank(%x: tensor<f32>) -> tensor<f32> {
  // expected-error @+1 {{expects an input of rank >= 1}}
  %y = ct.hadamard %x size(1) : tensor<f32>
  return %y : tensor<f32>
}

// -----

func.func @hadamard_divides(%x: tensor<4x96xf32>) -> tensor<4x96xf32> {
  // expected-error @+1 {{size 64 does not divide the last dimension 96}}
  %y = ct.hadamard %x size(64) : tensor<4x96xf32>
  return %y : tensor<4x96xf32>
}

// -----

func.func @hadamard_sign_count(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{expects 4 signs, one per row of the transform, got 3}}
  %y = ct.hadamard %x size(4) signs([1, 1, -1]) : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

func.func @hadamard_sign_values(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{signs must be 1 or -1}}
  %y = ct.hadamard %x size(4) signs([1, 0, -1, 1]) : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

func.func @rotate_square(%x: tensor<4x128xf32>, %r: tensor<128x64xf32>) -> tensor<4x128xf32> {
  // expected-error @+1 {{expects a static square matrix, got 'tensor<128x64xf32>'}}
  %y = ct.rotate %x by %r : tensor<4x128xf32>, tensor<128x64xf32>
  return %y : tensor<4x128xf32>
}

// -----

func.func @rotate_rank(%x: tensor<f32>, %r: tensor<1x1xf32>) -> tensor<f32> {
  // expected-error @+1 {{expects an input of rank >= 1}}
  %y = ct.rotate %x by %r : tensor<f32>, tensor<1x1xf32>
  return %y : tensor<f32>
}

// -----

func.func @rotate_divides(%x: tensor<4x96xf32>, %r: tensor<64x64xf32>) -> tensor<4x96xf32> {
  // expected-error @+1 {{matrix size 64 does not divide the last dimension 96}}
  %y = ct.rotate %x by %r : tensor<4x96xf32>, tensor<64x64xf32>
  return %y : tensor<4x96xf32>
}

// -----

func.func @attention_rank(%q: tensor<32x16x64xf32>, %k: tensor<1x8x16x64xf32>, %v: tensor<1x8x16x64xf32>) -> tensor<32x16x64xf32> {
  // expected-error @+1 {{query must be [B, H, S, D], got 'tensor<32x16x64xf32>'}}
  %o = ct.hooked_attention %q, %k, %v {scale = 0.125 : f64} : (tensor<32x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>) -> tensor<32x16x64xf32>
  return %o : tensor<32x16x64xf32>
}

// -----

func.func @attention_batch(%q: tensor<2x8x16x64xf32>, %k: tensor<1x8x16x64xf32>, %v: tensor<1x8x16x64xf32>) -> tensor<2x8x16x64xf32> {
  // expected-error @+1 {{query, key and value must have the same batch size}}
  %o = ct.hooked_attention %q, %k, %v {scale = 0.125 : f64} : (tensor<2x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>) -> tensor<2x8x16x64xf32>
  return %o : tensor<2x8x16x64xf32>
}

// -----

func.func @attention_kv_heads(%q: tensor<1x8x16x64xf32>, %k: tensor<1x8x16x64xf32>, %v: tensor<1x4x16x64xf32>) -> tensor<1x8x16x64xf32> {
  // expected-error @+1 {{key and value must have the same number of heads, got 8 and 4}}
  %o = ct.hooked_attention %q, %k, %v {scale = 0.125 : f64} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x4x16x64xf32>) -> tensor<1x8x16x64xf32>
  return %o : tensor<1x8x16x64xf32>
}

// -----

func.func @attention_kv_length(%q: tensor<1x8x16x64xf32>, %k: tensor<1x8x16x64xf32>, %v: tensor<1x8x12x64xf32>) -> tensor<1x8x16x64xf32> {
  // expected-error @+1 {{key and value must have the same sequence length, got 16 and 12}}
  %o = ct.hooked_attention %q, %k, %v {scale = 0.125 : f64} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x12x64xf32>) -> tensor<1x8x16x64xf32>
  return %o : tensor<1x8x16x64xf32>
}

// -----

func.func @attention_head_dim(%q: tensor<1x8x16x64xf32>, %k: tensor<1x8x16x32xf32>, %v: tensor<1x8x16x64xf32>) -> tensor<1x8x16x64xf32> {
  // expected-error @+1 {{query and key head dims differ: 64 vs 32}}
  %o = ct.hooked_attention %q, %k, %v {scale = 0.125 : f64} : (tensor<1x8x16x64xf32>, tensor<1x8x16x32xf32>, tensor<1x8x16x64xf32>) -> tensor<1x8x16x64xf32>
  return %o : tensor<1x8x16x64xf32>
}

// -----

func.func @attention_gqa(%q: tensor<1x12x16x64xf32>, %k: tensor<1x8x16x64xf32>, %v: tensor<1x8x16x64xf32>) -> tensor<1x12x16x64xf32> {
  // expected-error @+1 {{query heads (12) must be a multiple of key/value heads (8)}}
  %o = ct.hooked_attention %q, %k, %v {scale = 0.125 : f64} : (tensor<1x12x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>) -> tensor<1x12x16x64xf32>
  return %o : tensor<1x12x16x64xf32>
}

// -----

func.func @attention_scale(%q: tensor<1x8x16x64xf32>, %k: tensor<1x8x16x64xf32>, %v: tensor<1x8x16x64xf32>) -> tensor<1x8x16x64xf32> {
  // expected-error @+1 {{scale must be finite and non-zero}}
  %o = ct.hooked_attention %q, %k, %v {scale = 0.0 : f64} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>) -> tensor<1x8x16x64xf32>
  return %o : tensor<1x8x16x64xf32>
}

// -----

func.func @mask_rank(%q: tensor<1x8x16x64xf32>, %k: tensor<1x8x16x64xf32>, %v: tensor<1x8x16x64xf32>, %m: tensor<16x16xf32>) -> tensor<1x8x16x64xf32> {
  // expected-error @+1 {{mask must be 4-D [B, Hq, Sq, Skv], got 'tensor<16x16xf32>'}}
  %o = ct.hooked_attention %q, %k, %v mask %m {scale = 0.125 : f64} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<16x16xf32>) -> tensor<1x8x16x64xf32>
  return %o : tensor<1x8x16x64xf32>
}

// -----

func.func @mask_heads(%q: tensor<1x8x16x64xf32>, %k: tensor<1x8x16x64xf32>, %v: tensor<1x8x16x64xf32>, %m: tensor<1x4x16x16xf32>) -> tensor<1x8x16x64xf32> {
  // expected-error @+1 {{mask dimension 1 (4) must be 1 or match the query's (8)}}
  %o = ct.hooked_attention %q, %k, %v mask %m {scale = 0.125 : f64} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x4x16x16xf32>) -> tensor<1x8x16x64xf32>
  return %o : tensor<1x8x16x64xf32>
}

// -----

func.func @mask_rows(%q: tensor<1x8x16x64xf32>, %k: tensor<1x8x16x64xf32>, %v: tensor<1x8x16x64xf32>, %m: tensor<1x1x8x16xf32>) -> tensor<1x8x16x64xf32> {
  // expected-error @+1 {{mask rows (8) must match the query length (16)}}
  %o = ct.hooked_attention %q, %k, %v mask %m {scale = 0.125 : f64} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x1x8x16xf32>) -> tensor<1x8x16x64xf32>
  return %o : tensor<1x8x16x64xf32>
}

// -----

func.func @mask_columns(%q: tensor<1x8x16x64xf32>, %k: tensor<1x8x16x64xf32>, %v: tensor<1x8x16x64xf32>, %m: tensor<1x1x16x8xi1>) -> tensor<1x8x16x64xf32> {
  // expected-error @+1 {{mask columns (8) must match the key length (16)}}
  %o = ct.hooked_attention %q, %k, %v mask %m {scale = 0.125 : f64} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x1x16x8xi1>) -> tensor<1x8x16x64xf32>
  return %o : tensor<1x8x16x64xf32>
}

// -----

func.func @output_type(%q: tensor<1x8x16x64xf32>, %k: tensor<1x8x16x64xf32>, %v: tensor<1x8x16x32xf32>) -> tensor<1x8x16x64xf32> {
  // expected-error @+1 {{output must be [1, 8, 16, 32] of 'f32', got 'tensor<1x8x16x64xf32>'}}
  %o = ct.hooked_attention %q, %k, %v {scale = 0.125 : f64} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x32xf32>) -> tensor<1x8x16x64xf32>
  return %o : tensor<1x8x16x64xf32>
}

// -----

func.func @cache_incomplete(%q: tensor<1x8x1x64xf32>, %k: tensor<1x8x1x64xf32>, %v: tensor<1x8x1x64xf32>, %kc: tensor<1x8x32x64xf32>) -> tensor<1x8x1x64xf32> {
  // expected-error @+1 {{a KV cache needs k_cache, v_cache and position}}
  %o = "ct.hooked_attention"(%q, %k, %v, %kc) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0>, scale = 0.125 : f64}> ({
  ^bb0(%a: tensor<1x8x1x64xf32>):
    ct.yield %a : tensor<1x8x1x64xf32>
  }, {
  ^bb0(%a: tensor<1x8x1x64xf32>):
    ct.yield %a : tensor<1x8x1x64xf32>
  }, {
  ^bb0(%a: tensor<1x8x1x64xf32>):
    ct.yield %a : tensor<1x8x1x64xf32>
  }) : (tensor<1x8x1x64xf32>, tensor<1x8x1x64xf32>, tensor<1x8x1x64xf32>, tensor<1x8x32x64xf32>) -> tensor<1x8x1x64xf32>
  return %o : tensor<1x8x1x64xf32>
}

// -----

func.func @caches_without_cache(%q: tensor<1x8x1x64xf32>, %k: tensor<1x8x1x64xf32>, %v: tensor<1x8x1x64xf32>) -> tensor<1x8x1x64xf32> {
  // expected-error @+1 {{returns updated caches only when given caches}}
  %o:2 = ct.hooked_attention %q, %k, %v {scale = 0.125 : f64} : (tensor<1x8x1x64xf32>, tensor<1x8x1x64xf32>, tensor<1x8x1x64xf32>) -> (tensor<1x8x1x64xf32>, tensor<1x8x1x64xf32>)
  return %o#0 : tensor<1x8x1x64xf32>
}

// -----

func.func @cache_shape(%q: tensor<1x8x1x64xf32>, %k: tensor<1x8x1x64xf32>, %v: tensor<1x8x1x64xf32>, %kc: tensor<1x4x32x64xf32>, %vc: tensor<1x8x32x64xf32>, %p: index) -> tensor<1x8x1x64xf32> {
  // expected-error @+1 {{k_cache must be [B, Hkv, Smax, D] like the new keys 'tensor<1x8x1x64xf32>', got 'tensor<1x4x32x64xf32>'}}
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %p {scale = 0.125 : f64} : (tensor<1x8x1x64xf32>, tensor<1x8x1x64xf32>, tensor<1x8x1x64xf32>, tensor<1x4x32x64xf32>, tensor<1x8x32x64xf32>, index) -> (tensor<1x8x1x64xf32>, tensor<1x4x32x64xf32>, tensor<1x8x32x64xf32>)
  return %o#0 : tensor<1x8x1x64xf32>
}

// -----

func.func @cache_type(%q: tensor<1x8x1x64xf32>, %k: tensor<1x8x1x64xf32>, %v: tensor<1x8x1x64xf32>, %kc: tensor<1x8x32x64xf32>, %vc: tensor<1x8x32x64xbf16>, %p: index) -> tensor<1x8x1x64xf32> {
  // expected-error @+1 {{v_cache element type 'bf16' differs from the new entries' 'f32'}}
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %p {scale = 0.125 : f64} : (tensor<1x8x1x64xf32>, tensor<1x8x1x64xf32>, tensor<1x8x1x64xf32>, tensor<1x8x32x64xf32>, tensor<1x8x32x64xbf16>, index) -> (tensor<1x8x1x64xf32>, tensor<1x8x32x64xf32>, tensor<1x8x32x64xbf16>)
  return %o#0 : tensor<1x8x1x64xf32>
}

// -----

func.func @cache_results(%q: tensor<1x8x1x64xf32>, %k: tensor<1x8x1x64xf32>, %v: tensor<1x8x1x64xf32>, %kc: tensor<1x8x32x64xf32>, %vc: tensor<1x8x32x64xf32>, %p: index) -> tensor<1x8x1x64xf32> {
  // expected-error @+1 {{with a cache, returns the output, the updated k_cache and v_cache, then the per-row scales (and zero points) of dynamically quantized caches, keys first: expected 'tensor<1x8x32x64xf32>', 'tensor<1x8x32x64xf32>' after the output}}
  %o = ct.hooked_attention %q, %k, %v cache %kc, %vc at %p {scale = 0.125 : f64} : (tensor<1x8x1x64xf32>, tensor<1x8x1x64xf32>, tensor<1x8x1x64xf32>, tensor<1x8x32x64xf32>, tensor<1x8x32x64xf32>, index) -> tensor<1x8x1x64xf32>
  return %o : tensor<1x8x1x64xf32>
}

// -----

func.func @cache_codes_without_quant(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>, %p: index, %kc: tensor<1x2x8x16xi8>, %vc: tensor<1x2x8x16xf32>) {
  // expected-error @+1 {{k_cache element type 'i8' differs from the new entries' 'f32' (a quantized k_cache needs k_cache_quant)}}
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %p {scale = 0.25 : f64} : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x8x16xi8>, tensor<1x2x8x16xf32>, index) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xi8>, tensor<1x2x8x16xf32>)
  return
}

// -----

func.func @cache_scale_without_quant(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>, %p: index, %kc: tensor<1x2x8x16xf32>, %vc: tensor<1x2x8x16xf32>, %ks: tensor<1xf32>) {
  // expected-error @+1 {{k_cache_scale and k_cache_zero_point need k_cache_quant}}
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %p quantized(k: %ks) {scale = 0.25 : f64} : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, index, tensor<1xf32>) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
  return
}

// -----

func.func @cache_quant_on_float_cache(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>, %p: index, %kc: tensor<1x2x8x16xf32>, %vc: tensor<1x2x8x16xf32>, %ks: tensor<1xf32>) {
  // expected-error @+1 {{k_cache element type 'f32' cannot hold #ct.quant<int8> codes; expected a signless integer of at least 8 bits}}
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %p quantized(k: %ks) {scale = 0.25 : f64, k_cache_quant = #ct.quant<int8>} : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, index, tensor<1xf32>) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
  return
}

// -----

func.func @cache_storage_type(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>, %p: index, %kc: tensor<1x2x8x16xf32>, %vc: tensor<1x2x8x16xi8>, %vs: tensor<1xf32>) {
  // expected-error @+1 {{v_cache element type 'i8' cannot hold #ct.quant<float8> codes; expected f8E4M3FN}}
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %p quantized(v: %vs) {scale = 0.25 : f64, v_cache_quant = #ct.quant<float8>} : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xi8>, index, tensor<1xf32>) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xi8>)
  return
}

// -----

func.func @cache_missing_scale(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>, %p: index, %kc: tensor<1x2x8x16xi8>, %vc: tensor<1x2x8x16xf32>) {
  // expected-error @+1 {{quantized k_cache needs k_cache_scale}}
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %p {scale = 0.25 : f64, k_cache_quant = #ct.quant<int8>} : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x8x16xi8>, tensor<1x2x8x16xf32>, index) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xi8>, tensor<1x2x8x16xf32>)
  return
}

// -----

func.func @cache_unstorable_strategy(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>, %p: index, %kc: tensor<1x2x8x16xi8>, %vc: tensor<1x2x8x16xf32>, %ks: tensor<1x2x8x2xf32>) {
  // expected-error @+1 {{k_cache_quant #ct.quant<int8, group = 8> cannot be stored in a cache: expected static tensor or attn_head (or channel, for keys only), or dynamic tensor, token or group scales}}
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %p quantized(k: %ks) {scale = 0.25 : f64, k_cache_quant = #ct.quant<int8, group = 8>} : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x8x16xi8>, tensor<1x2x8x16xf32>, index, tensor<1x2x8x2xf32>) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xi8>, tensor<1x2x8x16xf32>)
  return
}

// -----

func.func @cache_static_scale_shape(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>, %p: index, %kc: tensor<1x2x8x16xf8E4M3FN>, %vc: tensor<1x2x8x16xf32>, %ks: tensor<2xf32>) {
  // expected-error @+1 {{k_cache_scale of shape [2] does not match k_cache_quant #ct.quant<float8, attn_head>, which expects [2, 1, 1]}}
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %p quantized(k: %ks) {scale = 0.25 : f64, k_cache_quant = #ct.quant<float8, attn_head>} : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x8x16xf32>, index, tensor<2xf32>) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x8x16xf32>)
  return
}

// -----

func.func @cache_dynamic_scale_not_per_row(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>, %p: index, %kc: tensor<1x2x8x16xi8>, %vc: tensor<1x2x8x16xf32>, %ks: tensor<1x2x1x1xf32>) {
  // expected-error @+1 {{k_cache_scale of shape [1, 2, 1, 1] does not match k_cache_quant #ct.quant<int8, token, dynamic>, which expects [1, 2, 8, 1] (per cache row [B, Hkv, Smax, G])}}
  %o:4 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %p quantized(k: %ks) {scale = 0.25 : f64, k_cache_quant = #ct.quant<int8, token, dynamic>} : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x8x16xi8>, tensor<1x2x8x16xf32>, index, tensor<1x2x1x1xf32>) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xi8>, tensor<1x2x8x16xf32>, tensor<1x2x1x1xf32>)
  return
}

// -----

func.func @cache_group_scale_count(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>, %p: index, %kc: tensor<1x2x8x16xf32>, %vc: tensor<1x2x8x16xi4>, %vs: tensor<1x2x8x1xf32>) {
  // expected-error @+1 {{v_cache_scale of shape [1, 2, 8, 1] does not match v_cache_quant #ct.quant<int4, group = 8, dynamic>, which expects [1, 2, 8, 2] (per cache row [B, Hkv, Smax, G])}}
  %o:4 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %p quantized(v: %vs) {scale = 0.25 : f64, v_cache_quant = #ct.quant<int4, group = 8, dynamic>} : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xi4>, index, tensor<1x2x8x1xf32>) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xi4>, tensor<1x2x8x1xf32>)
  return
}

// -----

func.func @cache_group_divides(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>, %p: index, %kc: tensor<1x2x8x16xi8>, %vc: tensor<1x2x8x16xf32>, %ks: tensor<1x2x8x2xf32>) {
  // expected-error @+1 {{k_cache_quant group_size 6 does not divide the head dim 16}}
  %o:4 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %p quantized(k: %ks) {scale = 0.25 : f64, k_cache_quant = #ct.quant<int8, group = 6, dynamic>} : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x8x16xi8>, tensor<1x2x8x16xf32>, index, tensor<1x2x8x2xf32>) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xi8>, tensor<1x2x8x16xf32>, tensor<1x2x8x2xf32>)
  return
}

// -----

func.func @cache_dynamic_scale_dtype(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>, %p: index, %kc: tensor<1x2x8x16xi8>, %vc: tensor<1x2x8x16xf32>, %ks: tensor<1x2x8x1xbf16>) {
  // expected-error @+1 {{k_cache_scale element type 'bf16' must be the new entries' 'f32' (dynamic scales are computed in the observed dtype)}}
  %o:4 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %p quantized(k: %ks) {scale = 0.25 : f64, k_cache_quant = #ct.quant<int8, token, dynamic>} : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x8x16xi8>, tensor<1x2x8x16xf32>, index, tensor<1x2x8x1xbf16>) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xi8>, tensor<1x2x8x16xf32>, tensor<1x2x8x1xbf16>)
  return
}

// -----

func.func @cache_asymmetric_needs_zero_point(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>, %p: index, %kc: tensor<1x2x8x16xi4>, %vc: tensor<1x2x8x16xf32>, %ks: tensor<1x2x8x1xf32>) {
  // expected-error @+1 {{k_cache_quant is asymmetric and needs k_cache_zero_point}}
  %o:4 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %p quantized(k: %ks) {scale = 0.25 : f64, k_cache_quant = #ct.quant<int4, token, asymmetric, dynamic>} : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x8x16xi4>, tensor<1x2x8x16xf32>, index, tensor<1x2x8x1xf32>) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xi4>, tensor<1x2x8x16xf32>, tensor<1x2x8x1xf32>)
  return
}

// -----

func.func @cache_symmetric_zero_point(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>, %p: index, %kc: tensor<1x2x8x16xi8>, %vc: tensor<1x2x8x16xf32>, %ks: tensor<1xf32>, %kz: tensor<1xi8>) {
  // expected-error @+1 {{k_cache_quant is symmetric and takes no k_cache_zero_point}}
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %p quantized(k: %ks zero_point %kz) {scale = 0.25 : f64, k_cache_quant = #ct.quant<int8>} : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x8x16xi8>, tensor<1x2x8x16xf32>, index, tensor<1xf32>, tensor<1xi8>) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xi8>, tensor<1x2x8x16xf32>)
  return
}

// -----

func.func @cache_dynamic_scale_results(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>, %p: index, %kc: tensor<1x2x8x16xi4>, %vc: tensor<1x2x8x16xf32>, %ks: tensor<1x2x8x1xf32>, %kz: tensor<1x2x8x1xi8>) {
  // expected-error @+1 {{with a cache, returns the output, the updated k_cache and v_cache, then the per-row scales (and zero points) of dynamically quantized caches, keys first: expected 'tensor<1x2x8x16xi4>', 'tensor<1x2x8x16xf32>', 'tensor<1x2x8x1xf32>', 'tensor<1x2x8x1xi8>' after the output}}
  %o:4 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %p quantized(k: %ks zero_point %kz) {scale = 0.25 : f64, k_cache_quant = #ct.quant<int4, token, asymmetric, dynamic>} : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x8x16xi4>, tensor<1x2x8x16xf32>, index, tensor<1x2x8x1xf32>, tensor<1x2x8x1xi8>) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xi4>, tensor<1x2x8x16xf32>, tensor<1x2x8x1xf32>)
  return
}

// -----

func.func @cache_quant_without_cache(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>, %p: index, %kc: tensor<1x2x8x16xi8>) {
  // expected-error @+1 {{cache quantization (k_cache_quant, v_cache_quant and their scales) needs a KV cache}}
  %o = ct.hooked_attention %q, %k, %v {scale = 0.25 : f64, k_cache_quant = #ct.quant<int8>} : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>) -> tensor<1x4x1x16xf32>
  return
}

// -----

func.func @cache_quantized_entry(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>, %p: index, %kc: tensor<1x2x8x16xi8>, %vc: tensor<1x2x8x16xf32>, %ks: tensor<1xf32>) {
  // expected-error @+1 {{expected 'k' or 'v' in quantized(...)}}
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %p quantized(q: %ks) {scale = 0.25 : f64} : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x8x16xi8>, tensor<1x2x8x16xf32>, index, tensor<1xf32>) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xi8>, tensor<1x2x8x16xf32>)
  return
}

// -----

func.func @cache_channel_values(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>, %p: index, %kc: tensor<1x2x8x16xf32>, %vc: tensor<1x2x8x16xi4>, %vs: tensor<2x1x16xf32>) {
  // expected-error @+1 {{v_cache_quant #ct.quant<int4, channel> cannot be stored in a cache: expected static tensor or attn_head (or channel, for keys only), or dynamic tensor, token or group scales}}
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %p quantized(v: %vs) {scale = 0.25 : f64, v_cache_quant = #ct.quant<int4, channel>} : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xi4>, index, tensor<2x1x16xf32>) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xi4>)
  return
}

// -----

func.func @cache_channel_scale_shape(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>, %p: index, %kc: tensor<1x2x8x16xi4>, %vc: tensor<1x2x8x16xf32>, %ks: tensor<2x1x1xf32>) {
  // expected-error @+1 {{k_cache_scale of shape [2, 1, 1] does not match k_cache_quant #ct.quant<int4, channel>, which expects [2, 1, 16]}}
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %p quantized(k: %ks) {scale = 0.25 : f64, k_cache_quant = #ct.quant<int4, channel>} : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x8x16xi4>, tensor<1x2x8x16xf32>, index, tensor<2x1x1xf32>) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xi4>, tensor<1x2x8x16xf32>)
  return
}

// -----

func.func @hook_argument(%q: tensor<1x8x16x64xf32>, %k: tensor<1x8x16x64xf32>, %v: tensor<1x8x16x64xf32>) -> tensor<1x8x16x64xf32> {
  // expected-error @+1 {{k_hook must take one argument of type 'tensor<1x8x16x64xf32>'}}
  %o = ct.hooked_attention %q, %k, %v {scale = 0.125 : f64} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>) -> tensor<1x8x16x64xf32>
  k_hook {
  ^bb0(%a: tensor<1x8x16x64xbf16>, %b: tensor<1x8x16x64xf32>):
    ct.yield %b : tensor<1x8x16x64xf32>
  }
  return %o : tensor<1x8x16x64xf32>
}

// -----

func.func @hook_yield(%q: tensor<1x8x16x64xf32>, %k: tensor<1x8x16x64xf32>, %v: tensor<1x8x16x64xf32>, %other: tensor<1x8x16x32xf32>) -> tensor<1x8x16x64xf32> {
  // expected-error @+1 {{v_hook must yield 'tensor<1x8x16x64xf32>', got 'tensor<1x8x16x32xf32>'}}
  %o = ct.hooked_attention %q, %k, %v {scale = 0.125 : f64} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>) -> tensor<1x8x16x64xf32>
  v_hook {
  ^bb0(%a: tensor<1x8x16x64xf32>):
    ct.yield %other : tensor<1x8x16x32xf32>
  }
  return %o : tensor<1x8x16x64xf32>
}

// -----

func.func @hook_terminator(%q: tensor<1x8x16x64xf32>, %k: tensor<1x8x16x64xf32>, %v: tensor<1x8x16x64xf32>) -> tensor<1x8x16x64xf32> {
  // expected-error @+1 {{q_hook must end with ct.yield}}
  %o = ct.hooked_attention %q, %k, %v {scale = 0.125 : f64} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>) -> tensor<1x8x16x64xf32>
  q_hook {
  ^bb0(%a: tensor<1x8x16x64xf32>):
    llvm.unreachable
  }
  return %o : tensor<1x8x16x64xf32>
}

// -----

func.func @yield_outside(%x: tensor<4xf32>) {
  // expected-error @+1 {{'ct.yield' op expects parent op 'ct.hooked_attention'}}
  ct.yield %x : tensor<4xf32>
}
