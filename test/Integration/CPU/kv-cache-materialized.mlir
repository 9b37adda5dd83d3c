// ct-materialize-kv-cache changes storage, not numbers: each attention step
// below runs twice on the same inputs, as written (float caches, k/v hooks
// ending in ct.fake_quantize) and after the pass (codes plus scales, quantize
// on write, dequantize on read), and the caches must agree bit for bit
// (max abs error 0; the write path is the fake program's ct.quantize). The
// attention outputs agree to --atol 1e-5 (measured at most 3.4e-6): with
// f32 scales, ct-lower-attention folds them into scores and probabilities
// instead of dequantizing each element, which moves the f32 rounding.
// A prefill of 5 tokens at position 0 (the prefill loops) is followed by a
// decode step at position 5 (flash-decoding) that reads the rows the prefill
// wrote, so dynamic per-row scales of two different writes meet in one key
// tile. 4-bit caches travel packed (uint8 [..., 8]).
// The @*_check functions (untouched by the pass: no attention) dequantize a
// stored cache for the comparison and pass the output through.
//
// Schemes: static fp8 attn_head K after R3 with static asymmetric int8 V;
// the library's dynamic int4 `token` K (one scale per batch and head per
// write) with dynamic asymmetric int8 `tensor` V; dynamic fp4 `group` K
// (per-token-group) after R3 with dynamic fp8 `token` V.
// Inputs: utils/gen_kv_cache_inputs.py. The empty static-asymmetric int8 V
// cache holds codes 3, its zero point, which dequantize to the float
// cache's 0.0 on the rows not yet written.
//
// RUN: ct-opt %s --ct-materialize-kv-cache -o %t.real.mlir 2>&1 | FileCheck %s --check-prefix=BYTES

// RUN: ct-run %s --entry static_fp8_int8_prefill --input %S/Inputs/kv-cache.prefill.q.npy --input %S/Inputs/kv-cache.prefill.k.npy --input %S/Inputs/kv-cache.prefill.v.npy --input %S/Inputs/kv-cache.f32.npy --input %S/Inputs/kv-cache.f32.npy --input %S/Inputs/kv-cache.position0.npy --output %t.static_fp8_int8.prefill.fake0.npy --output %t.static_fp8_int8.prefill.fake1.npy --output %t.static_fp8_int8.prefill.fake2.npy
// RUN: ct-run %s --entry static_fp8_int8_decode --input %S/Inputs/kv-cache.decode.q.npy --input %S/Inputs/kv-cache.decode.k.npy --input %S/Inputs/kv-cache.decode.v.npy --input %t.static_fp8_int8.prefill.fake1.npy --input %t.static_fp8_int8.prefill.fake2.npy --input %S/Inputs/kv-cache.position5.npy --output %t.static_fp8_int8.decode.fake0.npy --output %t.static_fp8_int8.decode.fake1.npy --output %t.static_fp8_int8.decode.fake2.npy
// RUN: ct-run %t.real.mlir --entry static_fp8_int8_prefill --input %S/Inputs/kv-cache.prefill.q.npy --input %S/Inputs/kv-cache.prefill.k.npy --input %S/Inputs/kv-cache.prefill.v.npy --input %S/Inputs/kv-cache.f8.npy --input %S/Inputs/kv-cache.i8-zp3.npy --input %S/Inputs/kv-cache.position0.npy --output %t.static_fp8_int8.prefill.real0.npy --output %t.static_fp8_int8.prefill.real1.npy --output %t.static_fp8_int8.prefill.real2.npy
// RUN: ct-run %t.real.mlir --entry static_fp8_int8_check_prefill --input %t.static_fp8_int8.prefill.real0.npy --input %t.static_fp8_int8.prefill.real1.npy --input %t.static_fp8_int8.prefill.real2.npy --compare %t.static_fp8_int8.prefill.fake0.npy --compare %t.static_fp8_int8.prefill.fake1.npy --compare %t.static_fp8_int8.prefill.fake2.npy --rtol 0 --atol 1e-5 | FileCheck %s --check-prefix=SAME
// RUN: ct-run %t.real.mlir --entry static_fp8_int8_decode --input %S/Inputs/kv-cache.decode.q.npy --input %S/Inputs/kv-cache.decode.k.npy --input %S/Inputs/kv-cache.decode.v.npy --input %t.static_fp8_int8.prefill.real1.npy --input %t.static_fp8_int8.prefill.real2.npy --input %S/Inputs/kv-cache.position5.npy --output %t.static_fp8_int8.decode.real0.npy --output %t.static_fp8_int8.decode.real1.npy --output %t.static_fp8_int8.decode.real2.npy
// RUN: ct-run %t.real.mlir --entry static_fp8_int8_check_decode --input %t.static_fp8_int8.decode.real0.npy --input %t.static_fp8_int8.decode.real1.npy --input %t.static_fp8_int8.decode.real2.npy --compare %t.static_fp8_int8.decode.fake0.npy --compare %t.static_fp8_int8.decode.fake1.npy --compare %t.static_fp8_int8.decode.fake2.npy --rtol 0 --atol 1e-5 | FileCheck %s --check-prefix=SAME
// RUN: ct-run %s --entry token_int4_tensor_int8_prefill --input %S/Inputs/kv-cache.prefill.q.npy --input %S/Inputs/kv-cache.prefill.k.npy --input %S/Inputs/kv-cache.prefill.v.npy --input %S/Inputs/kv-cache.f32.npy --input %S/Inputs/kv-cache.f32.npy --input %S/Inputs/kv-cache.position0.npy --output %t.token_int4_tensor_int8.prefill.fake0.npy --output %t.token_int4_tensor_int8.prefill.fake1.npy --output %t.token_int4_tensor_int8.prefill.fake2.npy
// RUN: ct-run %s --entry token_int4_tensor_int8_decode --input %S/Inputs/kv-cache.decode.q.npy --input %S/Inputs/kv-cache.decode.k.npy --input %S/Inputs/kv-cache.decode.v.npy --input %t.token_int4_tensor_int8.prefill.fake1.npy --input %t.token_int4_tensor_int8.prefill.fake2.npy --input %S/Inputs/kv-cache.position5.npy --output %t.token_int4_tensor_int8.decode.fake0.npy --output %t.token_int4_tensor_int8.decode.fake1.npy --output %t.token_int4_tensor_int8.decode.fake2.npy
// RUN: ct-run %t.real.mlir --entry token_int4_tensor_int8_prefill --input %S/Inputs/kv-cache.prefill.q.npy --input %S/Inputs/kv-cache.prefill.k.npy --input %S/Inputs/kv-cache.prefill.v.npy --input %S/Inputs/kv-cache.packed4.npy --input %S/Inputs/kv-cache.rows1.npy --input %S/Inputs/kv-cache.zp1.npy --input %S/Inputs/kv-cache.i8.npy --input %S/Inputs/kv-cache.rows1.npy --input %S/Inputs/kv-cache.zp1.npy --input %S/Inputs/kv-cache.position0.npy --output %t.token_int4_tensor_int8.prefill.real0.npy --output %t.token_int4_tensor_int8.prefill.real1.npy --output %t.token_int4_tensor_int8.prefill.real2.npy --output %t.token_int4_tensor_int8.prefill.real3.npy --output %t.token_int4_tensor_int8.prefill.real4.npy --output %t.token_int4_tensor_int8.prefill.real5.npy --output %t.token_int4_tensor_int8.prefill.real6.npy
// RUN: ct-run %t.real.mlir --entry token_int4_tensor_int8_check_prefill --input %t.token_int4_tensor_int8.prefill.real0.npy --input %t.token_int4_tensor_int8.prefill.real1.npy --input %t.token_int4_tensor_int8.prefill.real2.npy --input %t.token_int4_tensor_int8.prefill.real3.npy --input %t.token_int4_tensor_int8.prefill.real4.npy --input %t.token_int4_tensor_int8.prefill.real5.npy --input %t.token_int4_tensor_int8.prefill.real6.npy --compare %t.token_int4_tensor_int8.prefill.fake0.npy --compare %t.token_int4_tensor_int8.prefill.fake1.npy --compare %t.token_int4_tensor_int8.prefill.fake2.npy --rtol 0 --atol 1e-5 | FileCheck %s --check-prefix=SAME
// RUN: ct-run %t.real.mlir --entry token_int4_tensor_int8_decode --input %S/Inputs/kv-cache.decode.q.npy --input %S/Inputs/kv-cache.decode.k.npy --input %S/Inputs/kv-cache.decode.v.npy --input %t.token_int4_tensor_int8.prefill.real1.npy --input %t.token_int4_tensor_int8.prefill.real2.npy --input %t.token_int4_tensor_int8.prefill.real3.npy --input %t.token_int4_tensor_int8.prefill.real4.npy --input %t.token_int4_tensor_int8.prefill.real5.npy --input %t.token_int4_tensor_int8.prefill.real6.npy --input %S/Inputs/kv-cache.position5.npy --output %t.token_int4_tensor_int8.decode.real0.npy --output %t.token_int4_tensor_int8.decode.real1.npy --output %t.token_int4_tensor_int8.decode.real2.npy --output %t.token_int4_tensor_int8.decode.real3.npy --output %t.token_int4_tensor_int8.decode.real4.npy --output %t.token_int4_tensor_int8.decode.real5.npy --output %t.token_int4_tensor_int8.decode.real6.npy
// RUN: ct-run %t.real.mlir --entry token_int4_tensor_int8_check_decode --input %t.token_int4_tensor_int8.decode.real0.npy --input %t.token_int4_tensor_int8.decode.real1.npy --input %t.token_int4_tensor_int8.decode.real2.npy --input %t.token_int4_tensor_int8.decode.real3.npy --input %t.token_int4_tensor_int8.decode.real4.npy --input %t.token_int4_tensor_int8.decode.real5.npy --input %t.token_int4_tensor_int8.decode.real6.npy --compare %t.token_int4_tensor_int8.decode.fake0.npy --compare %t.token_int4_tensor_int8.decode.fake1.npy --compare %t.token_int4_tensor_int8.decode.fake2.npy --rtol 0 --atol 1e-5 | FileCheck %s --check-prefix=SAME
// RUN: ct-run %s --entry group_fp4_token_fp8_prefill --input %S/Inputs/kv-cache.prefill.q.npy --input %S/Inputs/kv-cache.prefill.k.npy --input %S/Inputs/kv-cache.prefill.v.npy --input %S/Inputs/kv-cache.f32.npy --input %S/Inputs/kv-cache.f32.npy --input %S/Inputs/kv-cache.position0.npy --output %t.group_fp4_token_fp8.prefill.fake0.npy --output %t.group_fp4_token_fp8.prefill.fake1.npy --output %t.group_fp4_token_fp8.prefill.fake2.npy
// RUN: ct-run %s --entry group_fp4_token_fp8_decode --input %S/Inputs/kv-cache.decode.q.npy --input %S/Inputs/kv-cache.decode.k.npy --input %S/Inputs/kv-cache.decode.v.npy --input %t.group_fp4_token_fp8.prefill.fake1.npy --input %t.group_fp4_token_fp8.prefill.fake2.npy --input %S/Inputs/kv-cache.position5.npy --output %t.group_fp4_token_fp8.decode.fake0.npy --output %t.group_fp4_token_fp8.decode.fake1.npy --output %t.group_fp4_token_fp8.decode.fake2.npy
// RUN: ct-run %t.real.mlir --entry group_fp4_token_fp8_prefill --input %S/Inputs/kv-cache.prefill.q.npy --input %S/Inputs/kv-cache.prefill.k.npy --input %S/Inputs/kv-cache.prefill.v.npy --input %S/Inputs/kv-cache.packed4.npy --input %S/Inputs/kv-cache.rows2.npy --input %S/Inputs/kv-cache.f8.npy --input %S/Inputs/kv-cache.rows1.npy --input %S/Inputs/kv-cache.position0.npy --output %t.group_fp4_token_fp8.prefill.real0.npy --output %t.group_fp4_token_fp8.prefill.real1.npy --output %t.group_fp4_token_fp8.prefill.real2.npy --output %t.group_fp4_token_fp8.prefill.real3.npy --output %t.group_fp4_token_fp8.prefill.real4.npy
// RUN: ct-run %t.real.mlir --entry group_fp4_token_fp8_check_prefill --input %t.group_fp4_token_fp8.prefill.real0.npy --input %t.group_fp4_token_fp8.prefill.real1.npy --input %t.group_fp4_token_fp8.prefill.real2.npy --input %t.group_fp4_token_fp8.prefill.real3.npy --input %t.group_fp4_token_fp8.prefill.real4.npy --compare %t.group_fp4_token_fp8.prefill.fake0.npy --compare %t.group_fp4_token_fp8.prefill.fake1.npy --compare %t.group_fp4_token_fp8.prefill.fake2.npy --rtol 0 --atol 1e-5 | FileCheck %s --check-prefix=SAME
// RUN: ct-run %t.real.mlir --entry group_fp4_token_fp8_decode --input %S/Inputs/kv-cache.decode.q.npy --input %S/Inputs/kv-cache.decode.k.npy --input %S/Inputs/kv-cache.decode.v.npy --input %t.group_fp4_token_fp8.prefill.real1.npy --input %t.group_fp4_token_fp8.prefill.real2.npy --input %t.group_fp4_token_fp8.prefill.real3.npy --input %t.group_fp4_token_fp8.prefill.real4.npy --input %S/Inputs/kv-cache.position5.npy --output %t.group_fp4_token_fp8.decode.real0.npy --output %t.group_fp4_token_fp8.decode.real1.npy --output %t.group_fp4_token_fp8.decode.real2.npy --output %t.group_fp4_token_fp8.decode.real3.npy --output %t.group_fp4_token_fp8.decode.real4.npy
// RUN: ct-run %t.real.mlir --entry group_fp4_token_fp8_check_decode --input %t.group_fp4_token_fp8.decode.real0.npy --input %t.group_fp4_token_fp8.decode.real1.npy --input %t.group_fp4_token_fp8.decode.real2.npy --input %t.group_fp4_token_fp8.decode.real3.npy --input %t.group_fp4_token_fp8.decode.real4.npy --compare %t.group_fp4_token_fp8.decode.fake0.npy --compare %t.group_fp4_token_fp8.decode.fake1.npy --compare %t.group_fp4_token_fp8.decode.fake2.npy --rtol 0 --atol 1e-5 | FileCheck %s --check-prefix=SAME

// SAME: result #0: {{[0-9]+}} elements, max abs error {{.+}}: match
// SAME-NEXT: result #1: 256 elements, max abs error 0{{.*}}: match
// SAME-NEXT: result #2: 256 elements, max abs error 0{{.*}}: match

// BYTES: remark: KV cache bytes per token: K 32 (32 codes + 0 scales), V 32 (32 codes + 0 scales); total 64 vs 256 for the float cache (4.00x smaller)
func.func @static_fp8_int8_prefill(%q: tensor<1x4x5x16xf32>, %k: tensor<1x2x5x16xf32>, %v: tensor<1x2x5x16xf32>, %kc: tensor<1x2x8x16xf32>, %vc: tensor<1x2x8x16xf32>, %pos: index) -> (tensor<1x4x5x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %ks = arith.constant dense<[[[0.0125]], [[0.009]]]> : tensor<2x1x1xf32>
  %vs = arith.constant dense<0.06> : tensor<1xf32>
  %vz = arith.constant dense<3> : tensor<1xi8>
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos {scale = 0.25 : f64, causal} : (tensor<1x4x5x16xf32>, tensor<1x2x5x16xf32>, tensor<1x2x5x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, index) -> (tensor<1x4x5x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
    k_hook {
    ^bb0(%a: tensor<1x2x5x16xf32>):
      %r = ct.hadamard %a size(16) : tensor<1x2x5x16xf32>
      %f = ct.fake_quantize %r scale(%ks) quant<float8, attn_head> : (tensor<1x2x5x16xf32>, tensor<2x1x1xf32>) -> tensor<1x2x5x16xf32>
      ct.yield %f : tensor<1x2x5x16xf32>
    } v_hook {
    ^bb0(%a: tensor<1x2x5x16xf32>):
      %f = ct.fake_quantize %a scale(%vs) zero_point(%vz) quant<int8, asymmetric> : (tensor<1x2x5x16xf32>, tensor<1xf32>, tensor<1xi8>) -> tensor<1x2x5x16xf32>
      ct.yield %f : tensor<1x2x5x16xf32>
    }
  return %o#0, %o#1, %o#2 : tensor<1x4x5x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}

// BYTES: remark: KV cache bytes per token: K 32 (32 codes + 0 scales), V 32 (32 codes + 0 scales); total 64 vs 256 for the float cache (4.00x smaller)
func.func @static_fp8_int8_decode(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>, %kc: tensor<1x2x8x16xf32>, %vc: tensor<1x2x8x16xf32>, %pos: index) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %ks = arith.constant dense<[[[0.0125]], [[0.009]]]> : tensor<2x1x1xf32>
  %vs = arith.constant dense<0.06> : tensor<1xf32>
  %vz = arith.constant dense<3> : tensor<1xi8>
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos {scale = 0.25 : f64, causal} : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, index) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
    k_hook {
    ^bb0(%a: tensor<1x2x1x16xf32>):
      %r = ct.hadamard %a size(16) : tensor<1x2x1x16xf32>
      %f = ct.fake_quantize %r scale(%ks) quant<float8, attn_head> : (tensor<1x2x1x16xf32>, tensor<2x1x1xf32>) -> tensor<1x2x1x16xf32>
      ct.yield %f : tensor<1x2x1x16xf32>
    } v_hook {
    ^bb0(%a: tensor<1x2x1x16xf32>):
      %f = ct.fake_quantize %a scale(%vs) zero_point(%vz) quant<int8, asymmetric> : (tensor<1x2x1x16xf32>, tensor<1xf32>, tensor<1xi8>) -> tensor<1x2x1x16xf32>
      ct.yield %f : tensor<1x2x1x16xf32>
    }
  return %o#0, %o#1, %o#2 : tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}

func.func @static_fp8_int8_check_prefill(%o: tensor<1x4x5x16xf32>, %c0: tensor<1x2x8x16xf8E4M3FN>, %c1: tensor<1x2x8x16xi8>) -> (tensor<1x4x5x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %ks = arith.constant dense<[[[0.0125]], [[0.009]]]> : tensor<2x1x1xf32>
  %vs = arith.constant dense<0.06> : tensor<1xf32>
  %vz = arith.constant dense<3> : tensor<1xi8>
  %dk = ct.dequantize %c0 scale(%ks) quant<float8, attn_head> : (tensor<1x2x8x16xf8E4M3FN>, tensor<2x1x1xf32>) -> tensor<1x2x8x16xf32>
  %dv = ct.dequantize %c1 scale(%vs) zero_point(%vz) quant<int8, asymmetric> : (tensor<1x2x8x16xi8>, tensor<1xf32>, tensor<1xi8>) -> tensor<1x2x8x16xf32>
  return %o, %dk, %dv : tensor<1x4x5x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}

func.func @static_fp8_int8_check_decode(%o: tensor<1x4x1x16xf32>, %c0: tensor<1x2x8x16xf8E4M3FN>, %c1: tensor<1x2x8x16xi8>) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %ks = arith.constant dense<[[[0.0125]], [[0.009]]]> : tensor<2x1x1xf32>
  %vs = arith.constant dense<0.06> : tensor<1xf32>
  %vz = arith.constant dense<3> : tensor<1xi8>
  %dk = ct.dequantize %c0 scale(%ks) quant<float8, attn_head> : (tensor<1x2x8x16xf8E4M3FN>, tensor<2x1x1xf32>) -> tensor<1x2x8x16xf32>
  %dv = ct.dequantize %c1 scale(%vs) zero_point(%vz) quant<int8, asymmetric> : (tensor<1x2x8x16xi8>, tensor<1xf32>, tensor<1xi8>) -> tensor<1x2x8x16xf32>
  return %o, %dk, %dv : tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}

// BYTES: remark: KV cache bytes per token: K 26 (16 codes + 8 scales + 2 zero points), V 42 (32 codes + 8 scales + 2 zero points); total 68 vs 256 for the float cache (3.76x smaller)
func.func @token_int4_tensor_int8_prefill(%q: tensor<1x4x5x16xf32>, %k: tensor<1x2x5x16xf32>, %v: tensor<1x2x5x16xf32>, %kc: tensor<1x2x8x16xf32>, %vc: tensor<1x2x8x16xf32>, %pos: index) -> (tensor<1x4x5x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos {scale = 0.25 : f64, causal} : (tensor<1x4x5x16xf32>, tensor<1x2x5x16xf32>, tensor<1x2x5x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, index) -> (tensor<1x4x5x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
    k_hook {
    ^bb0(%a: tensor<1x2x5x16xf32>):
      %s, %z = ct.calculate_qparams %a quant<int4, token, asymmetric, dynamic> : (tensor<1x2x5x16xf32>) -> (tensor<1x2x1x1xf32>, tensor<1x2x1x1xi8>)
      %f = ct.fake_quantize %a scale(%s) zero_point(%z) quant<int4, token, asymmetric, dynamic> : (tensor<1x2x5x16xf32>, tensor<1x2x1x1xf32>, tensor<1x2x1x1xi8>) -> tensor<1x2x5x16xf32>
      ct.yield %f : tensor<1x2x5x16xf32>
    } v_hook {
    ^bb0(%a: tensor<1x2x5x16xf32>):
      %s, %z = ct.calculate_qparams %a quant<int8, asymmetric, dynamic> : (tensor<1x2x5x16xf32>) -> (tensor<1xf32>, tensor<1xi8>)
      %f = ct.fake_quantize %a scale(%s) zero_point(%z) quant<int8, asymmetric, dynamic> : (tensor<1x2x5x16xf32>, tensor<1xf32>, tensor<1xi8>) -> tensor<1x2x5x16xf32>
      ct.yield %f : tensor<1x2x5x16xf32>
    }
  return %o#0, %o#1, %o#2 : tensor<1x4x5x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}

// BYTES: remark: KV cache bytes per token: K 26 (16 codes + 8 scales + 2 zero points), V 42 (32 codes + 8 scales + 2 zero points); total 68 vs 256 for the float cache (3.76x smaller)
func.func @token_int4_tensor_int8_decode(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>, %kc: tensor<1x2x8x16xf32>, %vc: tensor<1x2x8x16xf32>, %pos: index) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos {scale = 0.25 : f64, causal} : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, index) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
    k_hook {
    ^bb0(%a: tensor<1x2x1x16xf32>):
      %s, %z = ct.calculate_qparams %a quant<int4, token, asymmetric, dynamic> : (tensor<1x2x1x16xf32>) -> (tensor<1x2x1x1xf32>, tensor<1x2x1x1xi8>)
      %f = ct.fake_quantize %a scale(%s) zero_point(%z) quant<int4, token, asymmetric, dynamic> : (tensor<1x2x1x16xf32>, tensor<1x2x1x1xf32>, tensor<1x2x1x1xi8>) -> tensor<1x2x1x16xf32>
      ct.yield %f : tensor<1x2x1x16xf32>
    } v_hook {
    ^bb0(%a: tensor<1x2x1x16xf32>):
      %s, %z = ct.calculate_qparams %a quant<int8, asymmetric, dynamic> : (tensor<1x2x1x16xf32>) -> (tensor<1xf32>, tensor<1xi8>)
      %f = ct.fake_quantize %a scale(%s) zero_point(%z) quant<int8, asymmetric, dynamic> : (tensor<1x2x1x16xf32>, tensor<1xf32>, tensor<1xi8>) -> tensor<1x2x1x16xf32>
      ct.yield %f : tensor<1x2x1x16xf32>
    }
  return %o#0, %o#1, %o#2 : tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}

func.func @token_int4_tensor_int8_check_prefill(%o: tensor<1x4x5x16xf32>, %c0: tensor<1x2x8x16xi4>, %c1: tensor<1x2x8x1xf32>, %c2: tensor<1x2x8x1xi8>, %c3: tensor<1x2x8x16xi8>, %c4: tensor<1x2x8x1xf32>, %c5: tensor<1x2x8x1xi8>) -> (tensor<1x4x5x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %dk = ct.dequantize %c0 scale(%c1) zero_point(%c2) quant<int4, group = 16, asymmetric> : (tensor<1x2x8x16xi4>, tensor<1x2x8x1xf32>, tensor<1x2x8x1xi8>) -> tensor<1x2x8x16xf32>
  %dv = ct.dequantize %c3 scale(%c4) zero_point(%c5) quant<int8, group = 16, asymmetric> : (tensor<1x2x8x16xi8>, tensor<1x2x8x1xf32>, tensor<1x2x8x1xi8>) -> tensor<1x2x8x16xf32>
  return %o, %dk, %dv : tensor<1x4x5x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}

func.func @token_int4_tensor_int8_check_decode(%o: tensor<1x4x1x16xf32>, %c0: tensor<1x2x8x16xi4>, %c1: tensor<1x2x8x1xf32>, %c2: tensor<1x2x8x1xi8>, %c3: tensor<1x2x8x16xi8>, %c4: tensor<1x2x8x1xf32>, %c5: tensor<1x2x8x1xi8>) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %dk = ct.dequantize %c0 scale(%c1) zero_point(%c2) quant<int4, group = 16, asymmetric> : (tensor<1x2x8x16xi4>, tensor<1x2x8x1xf32>, tensor<1x2x8x1xi8>) -> tensor<1x2x8x16xf32>
  %dv = ct.dequantize %c3 scale(%c4) zero_point(%c5) quant<int8, group = 16, asymmetric> : (tensor<1x2x8x16xi8>, tensor<1x2x8x1xf32>, tensor<1x2x8x1xi8>) -> tensor<1x2x8x16xf32>
  return %o, %dk, %dv : tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}

// BYTES: remark: KV cache bytes per token: K 32 (16 codes + 16 scales), V 40 (32 codes + 8 scales); total 72 vs 256 for the float cache (3.56x smaller)
func.func @group_fp4_token_fp8_prefill(%q: tensor<1x4x5x16xf32>, %k: tensor<1x2x5x16xf32>, %v: tensor<1x2x5x16xf32>, %kc: tensor<1x2x8x16xf32>, %vc: tensor<1x2x8x16xf32>, %pos: index) -> (tensor<1x4x5x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos {scale = 0.25 : f64, causal} : (tensor<1x4x5x16xf32>, tensor<1x2x5x16xf32>, tensor<1x2x5x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, index) -> (tensor<1x4x5x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
    k_hook {
    ^bb0(%a: tensor<1x2x5x16xf32>):
      %r = ct.hadamard %a size(16) : tensor<1x2x5x16xf32>
      %s = ct.calculate_qparams %r quant<float4, group = 8, dynamic> : (tensor<1x2x5x16xf32>) -> tensor<1x2x5x2xf32>
      %f = ct.fake_quantize %r scale(%s) quant<float4, group = 8, dynamic> : (tensor<1x2x5x16xf32>, tensor<1x2x5x2xf32>) -> tensor<1x2x5x16xf32>
      ct.yield %f : tensor<1x2x5x16xf32>
    } v_hook {
    ^bb0(%a: tensor<1x2x5x16xf32>):
      %s = ct.calculate_qparams %a quant<float8, token, dynamic> : (tensor<1x2x5x16xf32>) -> tensor<1x2x1x1xf32>
      %f = ct.fake_quantize %a scale(%s) quant<float8, token, dynamic> : (tensor<1x2x5x16xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x5x16xf32>
      ct.yield %f : tensor<1x2x5x16xf32>
    }
  return %o#0, %o#1, %o#2 : tensor<1x4x5x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}

// BYTES: remark: KV cache bytes per token: K 32 (16 codes + 16 scales), V 40 (32 codes + 8 scales); total 72 vs 256 for the float cache (3.56x smaller)
func.func @group_fp4_token_fp8_decode(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>, %kc: tensor<1x2x8x16xf32>, %vc: tensor<1x2x8x16xf32>, %pos: index) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos {scale = 0.25 : f64, causal} : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, index) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
    k_hook {
    ^bb0(%a: tensor<1x2x1x16xf32>):
      %r = ct.hadamard %a size(16) : tensor<1x2x1x16xf32>
      %s = ct.calculate_qparams %r quant<float4, group = 8, dynamic> : (tensor<1x2x1x16xf32>) -> tensor<1x2x1x2xf32>
      %f = ct.fake_quantize %r scale(%s) quant<float4, group = 8, dynamic> : (tensor<1x2x1x16xf32>, tensor<1x2x1x2xf32>) -> tensor<1x2x1x16xf32>
      ct.yield %f : tensor<1x2x1x16xf32>
    } v_hook {
    ^bb0(%a: tensor<1x2x1x16xf32>):
      %s = ct.calculate_qparams %a quant<float8, token, dynamic> : (tensor<1x2x1x16xf32>) -> tensor<1x2x1x1xf32>
      %f = ct.fake_quantize %a scale(%s) quant<float8, token, dynamic> : (tensor<1x2x1x16xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x1x16xf32>
      ct.yield %f : tensor<1x2x1x16xf32>
    }
  return %o#0, %o#1, %o#2 : tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}

func.func @group_fp4_token_fp8_check_prefill(%o: tensor<1x4x5x16xf32>, %c0: tensor<1x2x8x16xf4E2M1FN>, %c1: tensor<1x2x8x2xf32>, %c2: tensor<1x2x8x16xf8E4M3FN>, %c3: tensor<1x2x8x1xf32>) -> (tensor<1x4x5x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %dk = ct.dequantize %c0 scale(%c1) quant<float4, group = 8> : (tensor<1x2x8x16xf4E2M1FN>, tensor<1x2x8x2xf32>) -> tensor<1x2x8x16xf32>
  %dv = ct.dequantize %c2 scale(%c3) quant<float8, group = 16> : (tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x8x1xf32>) -> tensor<1x2x8x16xf32>
  return %o, %dk, %dv : tensor<1x4x5x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}

func.func @group_fp4_token_fp8_check_decode(%o: tensor<1x4x1x16xf32>, %c0: tensor<1x2x8x16xf4E2M1FN>, %c1: tensor<1x2x8x2xf32>, %c2: tensor<1x2x8x16xf8E4M3FN>, %c3: tensor<1x2x8x1xf32>) -> (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %dk = ct.dequantize %c0 scale(%c1) quant<float4, group = 8> : (tensor<1x2x8x16xf4E2M1FN>, tensor<1x2x8x2xf32>) -> tensor<1x2x8x16xf32>
  %dv = ct.dequantize %c2 scale(%c3) quant<float8, group = 16> : (tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x8x1xf32>) -> tensor<1x2x8x16xf32>
  return %o, %dk, %dv : tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}
