// Dequantizes the stored KV caches of the end-to-end decode tests that run
// through ct-materialize-kv-cache, so that ct-run can compare them with the
// library's float caches (fake-quantized values). The *_past functions read
// the quantized past caches written by utils/gen_e2e_kv_codes.py (7 rows),
// the *_decode ones the updated caches a materialized decode step returns
// (8 rows) and pass its hidden-state output through. The schemes are the
// caches' own: a per-row scale (the library's dynamic `token` scale stored
// on each row) dequantizes as a group of the whole head dim.

func.func @fp8_attn_head_past(%kc: tensor<1x2x7x16xf8E4M3FN>, %vc: tensor<1x2x7x16xf8E4M3FN>, %ks: tensor<2x1x1xf32>, %vs: tensor<2x1x1xf32>) -> (tensor<1x2x7x16xf32>, tensor<1x2x7x16xf32>) {
  %dk = ct.dequantize %kc scale(%ks) quant<float8, attn_head> : (tensor<1x2x7x16xf8E4M3FN>, tensor<2x1x1xf32>) -> tensor<1x2x7x16xf32>
  %dv = ct.dequantize %vc scale(%vs) quant<float8, attn_head> : (tensor<1x2x7x16xf8E4M3FN>, tensor<2x1x1xf32>) -> tensor<1x2x7x16xf32>
  return %dk, %dv : tensor<1x2x7x16xf32>, tensor<1x2x7x16xf32>
}

func.func @fp8_attn_head_decode(%h: tensor<1x1x64xf32>, %kc: tensor<1x2x8x16xf8E4M3FN>, %vc: tensor<1x2x8x16xf8E4M3FN>, %ks: tensor<2x1x1xf32>, %vs: tensor<2x1x1xf32>) -> (tensor<1x1x64xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %dk = ct.dequantize %kc scale(%ks) quant<float8, attn_head> : (tensor<1x2x8x16xf8E4M3FN>, tensor<2x1x1xf32>) -> tensor<1x2x8x16xf32>
  %dv = ct.dequantize %vc scale(%vs) quant<float8, attn_head> : (tensor<1x2x8x16xf8E4M3FN>, tensor<2x1x1xf32>) -> tensor<1x2x8x16xf32>
  return %h, %dk, %dv : tensor<1x1x64xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}

func.func @int8_tensor_asym_past(%kc: tensor<1x2x7x16xi8>, %vc: tensor<1x2x7x16xi8>, %ks: tensor<1xf32>, %vs: tensor<1xf32>, %kz: tensor<1xi8>, %vz: tensor<1xi8>) -> (tensor<1x2x7x16xf32>, tensor<1x2x7x16xf32>) {
  %dk = ct.dequantize %kc scale(%ks) zero_point(%kz) quant<int8, asymmetric> : (tensor<1x2x7x16xi8>, tensor<1xf32>, tensor<1xi8>) -> tensor<1x2x7x16xf32>
  %dv = ct.dequantize %vc scale(%vs) zero_point(%vz) quant<int8, asymmetric> : (tensor<1x2x7x16xi8>, tensor<1xf32>, tensor<1xi8>) -> tensor<1x2x7x16xf32>
  return %dk, %dv : tensor<1x2x7x16xf32>, tensor<1x2x7x16xf32>
}

func.func @int8_tensor_asym_decode(%h: tensor<1x1x64xf32>, %kc: tensor<1x2x8x16xi8>, %vc: tensor<1x2x8x16xi8>, %ks: tensor<1xf32>, %vs: tensor<1xf32>, %kz: tensor<1xi8>, %vz: tensor<1xi8>) -> (tensor<1x1x64xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %dk = ct.dequantize %kc scale(%ks) zero_point(%kz) quant<int8, asymmetric> : (tensor<1x2x8x16xi8>, tensor<1xf32>, tensor<1xi8>) -> tensor<1x2x8x16xf32>
  %dv = ct.dequantize %vc scale(%vs) zero_point(%vz) quant<int8, asymmetric> : (tensor<1x2x8x16xi8>, tensor<1xf32>, tensor<1xi8>) -> tensor<1x2x8x16xf32>
  return %h, %dk, %dv : tensor<1x1x64xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}

func.func @int4_token_asym_past(%kc: tensor<1x2x7x16xi4>, %ks: tensor<1x2x7x1xf32>, %kz: tensor<1x2x7x1xi8>, %vc: tensor<1x2x7x16xi4>, %vs: tensor<1x2x7x1xf32>, %vz: tensor<1x2x7x1xi8>) -> (tensor<1x2x7x16xf32>, tensor<1x2x7x16xf32>) {
  %dk = ct.dequantize %kc scale(%ks) zero_point(%kz) quant<int4, group = 16, asymmetric> : (tensor<1x2x7x16xi4>, tensor<1x2x7x1xf32>, tensor<1x2x7x1xi8>) -> tensor<1x2x7x16xf32>
  %dv = ct.dequantize %vc scale(%vs) zero_point(%vz) quant<int4, group = 16, asymmetric> : (tensor<1x2x7x16xi4>, tensor<1x2x7x1xf32>, tensor<1x2x7x1xi8>) -> tensor<1x2x7x16xf32>
  return %dk, %dv : tensor<1x2x7x16xf32>, tensor<1x2x7x16xf32>
}

func.func @int4_token_asym_decode(%h: tensor<1x1x64xf32>, %kc: tensor<1x2x8x16xi4>, %ks: tensor<1x2x8x1xf32>, %kz: tensor<1x2x8x1xi8>, %vc: tensor<1x2x8x16xi4>, %vs: tensor<1x2x8x1xf32>, %vz: tensor<1x2x8x1xi8>) -> (tensor<1x1x64xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %dk = ct.dequantize %kc scale(%ks) zero_point(%kz) quant<int4, group = 16, asymmetric> : (tensor<1x2x8x16xi4>, tensor<1x2x8x1xf32>, tensor<1x2x8x1xi8>) -> tensor<1x2x8x16xf32>
  %dv = ct.dequantize %vc scale(%vs) zero_point(%vz) quant<int4, group = 16, asymmetric> : (tensor<1x2x8x16xi4>, tensor<1x2x8x1xf32>, tensor<1x2x8x1xi8>) -> tensor<1x2x8x16xf32>
  return %h, %dk, %dv : tensor<1x1x64xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}
