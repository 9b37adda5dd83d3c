// RUN: ct-opt %s --ct-lower-quant -split-input-file -verify-diagnostics | FileCheck %s

// Per-tensor int8: one elementwise generic reading the single scale at index
// 0. Divide, add the (all-zero) zero point, clamp before rounding half to
// even, NaN -> code 0 (fptosi of NaN is poison).
// CHECK-DAG: #[[ID2:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[SCALAR2:.+]] = affine_map<(d0, d1) -> (0)>
// CHECK-LABEL: @tensor_int8
// CHECK: linalg.generic {indexing_maps = [#[[ID2]], #[[SCALAR2]], #[[ID2]]], iterator_types = ["parallel", "parallel"]}
// CHECK:   arith.divf
// CHECK:   arith.addf
// CHECK:   arith.cmpf ogt
// CHECK:   arith.cmpf olt
// CHECK:   %[[R:.+]] = math.roundeven
// CHECK:   %[[I:.+]] = arith.fptosi %[[R]] : f32 to i8
// CHECK:   %[[NAN:.+]] = arith.cmpf uno, %[[R]], %[[R]]
// CHECK:   %[[Q:.+]] = arith.select %[[NAN]], %{{.+}}, %[[I]] : i8
// CHECK:   linalg.yield %[[Q]] : i8
// CHECK-NOT: ct.quantize
func.func @tensor_int8(%x: tensor<4x64xf32>, %s: tensor<1xf32>) -> tensor<4x64xi8> {
  %q = ct.quantize %x scale(%s) quant<int8> : (tensor<4x64xf32>, tensor<1xf32>) -> tensor<4x64xi8>
  return %q : tensor<4x64xi8>
}

// -----

// Per-group int4 asymmetric on bf16: the last dimension is expanded to
// [C/g, g], scale and zero point are indexed by the group, every bf16 op is
// computed in f32 and rounded to nearest even on its bits (fptrunc to bfloat
// may flush subnormals), the result collapses back.
// CHECK-DAG: #[[ID3:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[GROUP:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: @group_int4_asymmetric
// CHECK: %[[X:.+]] = tensor.expand_shape %{{.+}} {{\[}}[0], [1, 2]] output_shape [2, 4, 16] : tensor<2x64xbf16> into tensor<2x4x16xbf16>
// CHECK: %[[FQ:.+]] = linalg.generic {indexing_maps = [#[[ID3]], #[[GROUP]], #[[GROUP]], #[[ID3]]]
// CHECK-SAME: ins(%[[X]], %{{.+}}, %{{.+}} : tensor<2x4x16xbf16>, tensor<2x4xbf16>, tensor<2x4xi8>)
// CHECK:   %[[ZP:.+]] = arith.sitofp %{{.+}} : i8 to f32
// CHECK:   arith.divf
// CHECK:   arith.bitcast %{{.+}} : f32 to i32
// CHECK:   arith.cmpf uno
// CHECK:   math.roundeven
// CHECK:   arith.subf
// CHECK:   arith.mulf
// CHECK:   %[[BITS:.+]] = arith.trunci %{{.+}} : i32 to i16
// CHECK:   %[[BF16:.+]] = arith.bitcast %[[BITS]] : i16 to bf16
// CHECK:   linalg.yield %[[BF16]] : bf16
// CHECK-NOT: arith.truncf
// CHECK: tensor.collapse_shape %[[FQ]] {{\[}}[0], [1, 2]] : tensor<2x4x16xbf16> into tensor<2x64xbf16>
func.func @group_int4_asymmetric(%x: tensor<2x64xbf16>, %s: tensor<2x4xbf16>, %zp: tensor<2x4xi8>) -> tensor<2x64xbf16> {
  %y = ct.fake_quantize %x scale(%s) zero_point(%zp) quant<int4, group = 16, asymmetric> : (tensor<2x64xbf16>, tensor<2x4xbf16>, tensor<2x4xi8>) -> tensor<2x64xbf16>
  return %y : tensor<2x64xbf16>
}

// -----

// fp8 per attention head: the (H, 1, 1) scale broadcasts along dim 1 of
// [B, H, S, D]; the e4m3fn code is computed with integer ops (saturation,
// subnormal shift clamped to [1, 31]) and bitcast from i8.
// CHECK-DAG: #[[HEAD:.+]] = affine_map<(d0, d1, d2, d3) -> (d1, 0, 0)>
// CHECK-LABEL: @attn_head_fp8
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #[[HEAD]], #{{.+}}]
// CHECK:   arith.bitcast %{{.+}} : f32 to i32
// CHECK:   arith.minui
// CHECK:   arith.maxsi
// CHECK:   arith.minsi
// CHECK:   %[[CODE:.+]] = arith.trunci %{{.+}} : i32 to i8
// CHECK:   %[[F8:.+]] = arith.bitcast %[[CODE]] : i8 to f8E4M3FN
// CHECK:   linalg.yield %[[F8]] : f8E4M3FN
// CHECK-NOT: arith.truncf %{{.+}} to f8E4M3FN
func.func @attn_head_fp8(%k: tensor<1x8x16x128xbf16>, %s: tensor<8x1x1xbf16>) -> tensor<1x8x16x128xf8E4M3FN> {
  %q = ct.quantize %k scale(%s) quant<float8, attn_head> : (tensor<1x8x16x128xbf16>, tensor<8x1x1xbf16>) -> tensor<1x8x16x128xf8E4M3FN>
  return %q : tensor<1x8x16x128xf8E4M3FN>
}

// -----

// fp8 codes decode with integer ops too.
// CHECK-LABEL: @dequantize_fp8
// CHECK: linalg.generic
// CHECK:   %[[RAW:.+]] = arith.bitcast %{{.+}} : f8E4M3FN to i8
// CHECK:   arith.extui %[[RAW]] : i8 to i32
// CHECK:   arith.uitofp
// CHECK:   arith.mulf
// CHECK:   arith.trunci %{{.+}} : i32 to i16
// CHECK:   arith.bitcast %{{.+}} : i16 to bf16
func.func @dequantize_fp8(%q: tensor<1x8x16x128xf8E4M3FN>, %s: tensor<8x1x1xbf16>) -> tensor<1x8x16x128xbf16> {
  %x = ct.dequantize %q scale(%s) quant<float8, attn_head> : (tensor<1x8x16x128xf8E4M3FN>, tensor<8x1x1xbf16>) -> tensor<1x8x16x128xbf16>
  return %x : tensor<1x8x16x128xbf16>
}

// -----

// Dynamic per-token qparams of [B, S, D]: a NaN-propagating min/max
// reduction over D, split into 64 lanes (16 where D needs it: a parallel
// innermost loop that vectorizes) and then over the lanes, reshaped to the
// (B, S, 1) scale shape;
// then scale and zero point per entry (zero point rounded half to even,
// NaN -> 0).
// CHECK-DAG: #[[ID4:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[LANES:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[ID3:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[KEEP:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: @token_dynamic
// CHECK: %[[X:.+]] = tensor.expand_shape %{{.+}} {{\[}}[0], [1], [2, 3]] output_shape [2, 16, 2, 64]
// CHECK: %[[INF:.+]] = arith.constant 0x7F800000 : f32
// CHECK: %[[MIN0:.+]] = linalg.fill ins(%[[INF]] : f32)
// CHECK: %[[NINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK: %[[MAX0:.+]] = linalg.fill ins(%[[NINF]] : f32)
// CHECK: %[[PART:.+]]:2 = linalg.generic {indexing_maps = [#[[ID4]], #[[LANES]], #[[LANES]]], iterator_types = ["parallel", "parallel", "reduction", "parallel"]}
// CHECK-SAME: ins(%[[X]] : tensor<2x16x2x64xf32>) outs(%[[MIN0]], %[[MAX0]] :
// CHECK:   arith.minimumf
// CHECK:   arith.maximumf
// CHECK: linalg.generic {indexing_maps = [#[[ID3]], #[[ID3]], #[[KEEP]], #[[KEEP]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[PART]]#0, %[[PART]]#1 :
// CHECK:   arith.minimumf
// CHECK:   arith.maximumf
// CHECK: tensor.expand_shape %{{.+}} {{\[}}[0, 1, 2]] output_shape [2, 16, 1]
// CHECK: linalg.generic
// CHECK-SAME: outs(%{{.+}}, %{{.+}} : tensor<2x16x1xf32>, tensor<2x16x1xi8>)
// CHECK:   arith.divf
// CHECK:   arith.cmpf oeq
// CHECK:   math.roundeven
// CHECK:   arith.fptosi %{{.+}} : f32 to i8
// CHECK:   linalg.yield %{{.+}}, %{{.+}} : f32, i8
func.func @token_dynamic(%x: tensor<2x16x128xf32>) -> (tensor<2x16x1xf32>, tensor<2x16x1xi8>) {
  %s, %zp = ct.calculate_qparams %x quant<int8, token, asymmetric, dynamic> : (tensor<2x16x128xf32>) -> (tensor<2x16x1xf32>, tensor<2x16x1xi8>)
  return %s, %zp : tensor<2x16x1xf32>, tensor<2x16x1xi8>
}

// -----

// Per-tensor qparams reduce to 0-d, reshaped to (1,).
// CHECK-LABEL: @tensor_dynamic
// CHECK: linalg.generic {{.+}} iterator_types = ["reduction", "reduction", "parallel"]
// CHECK: linalg.generic {{.+}} iterator_types = ["reduction"]
// CHECK: } -> (tensor<f32>, tensor<f32>)
// CHECK: tensor.expand_shape %{{.+}} [] output_shape [1] : tensor<f32> into tensor<1xf32>
func.func @tensor_dynamic(%x: tensor<4x64xf32>) -> tensor<1xf32> {
  %s = ct.calculate_qparams %x quant<int8, dynamic> : (tensor<4x64xf32>) -> tensor<1xf32>
  return %s : tensor<1xf32>
}

// -----

// Block qparams: zero padding to whole blocks, blocks as dims 0 and 2.
// CHECK-LABEL: @block
// CHECK: %[[P:.+]] = tensor.pad %{{.+}} low[0, 0] high[2, 0]
// CHECK: tensor<10x32xf32> to tensor<12x32xf32>
// CHECK: %[[B:.+]] = tensor.expand_shape %[[P]] {{\[}}[0, 1], [2, 3]] output_shape [3, 4, 2, 16]
// CHECK: %[[L:.+]] = tensor.expand_shape %[[B]] {{\[}}[0], [1], [2], [3, 4]] output_shape [3, 4, 2, 1, 16]
// CHECK: linalg.generic {{.+}} iterator_types = ["parallel", "reduction", "parallel", "reduction", "parallel"]} ins(%[[L]] :
func.func @block(%x: tensor<10x32xf32>) -> tensor<3x2xf32> {
  %s = ct.calculate_qparams %x quant<int8, block = [4, 16]> : (tensor<10x32xf32>) -> tensor<3x2xf32>
  return %s : tensor<3x2xf32>
}

// -----

// Block quantize: the scale is repeated over its blocks and cropped to x.
// CHECK-LABEL: @block_fake_quantize
// CHECK: %[[REP:.+]] = linalg.generic {{.+}} ins(%{{.+}} : tensor<3x2xf32>) outs(%{{.+}} : tensor<3x4x2x16xf32>)
// CHECK: %[[ROWS:.+]] = tensor.collapse_shape %[[REP]] {{\[}}[0, 1], [2, 3]] : tensor<3x4x2x16xf32> into tensor<12x32xf32>
// CHECK: %[[S:.+]] = tensor.extract_slice %[[ROWS]][0, 0] [10, 32] [1, 1]
// CHECK: linalg.generic {{.+}} ins(%{{.+}}, %[[S]] : tensor<10x32xf32>, tensor<10x32xf32>)
func.func @block_fake_quantize(%x: tensor<10x32xf32>, %s: tensor<3x2xf32>) -> tensor<10x32xf32> {
  %y = ct.fake_quantize %x scale(%s) quant<int8, block = [4, 16]> : (tensor<10x32xf32>, tensor<3x2xf32>) -> tensor<10x32xf32>
  return %y : tensor<10x32xf32>
}

// -----

// NVFP4 on bf16: local scales = fp8round(global_scale * absmax / 6) in f32
// (the promoted dtype), read with the global scale at index 0; codes go
// onto the e2m1 grid by comparisons and are stored as f4E2M1FN through i4.
// CHECK-DAG: #[[GS:.+]] = affine_map<(d0, d1) -> (0)>
// CHECK-LABEL: @nvfp4
// CHECK: %[[S:.+]] = linalg.generic {indexing_maps = [#{{.+}}, #{{.+}}, #[[GS]], #{{.+}}]
// CHECK: } -> tensor<2x4xf32>
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.+}}, %[[S]], %{{.+}} : tensor<2x4x16xbf16>, tensor<2x4xf32>, tensor<1xf32>)
// CHECK:   math.absf
// CHECK:   arith.cmpf oge
// CHECK:   arith.cmpf ogt
// CHECK:   %[[C4:.+]] = arith.trunci %{{.+}} : i32 to i4
// CHECK:   %[[F4:.+]] = arith.bitcast %[[C4]] : i4 to f4E2M1FN
// CHECK:   linalg.yield %[[F4]] : f4E2M1FN
func.func @nvfp4(%x: tensor<2x64xbf16>, %gs: tensor<1xf32>) -> tensor<2x64xf4E2M1FN> {
  %s = ct.calculate_qparams %x global_scale(%gs) quant<float4, tensor_group = 16, dynamic = local, scale_dtype = f8E4M3FN> : (tensor<2x64xbf16>, tensor<1xf32>) -> tensor<2x4xf32>
  %q = ct.quantize %x scale(%s) global_scale(%gs) quant<float4, tensor_group = 16, dynamic = local, scale_dtype = f8E4M3FN> : (tensor<2x64xbf16>, tensor<2x4xf32>, tensor<1xf32>) -> tensor<2x64xf4E2M1FN>
  return %q : tensor<2x64xf4E2M1FN>
}

// -----

// fp6 e2m3 (cast_to_fp6): the step 2^(max(e, 0) - 3) from the exponent
// bits, round half to even, saturate at 7.5, copy the sign; the code is
// built with integer ops and stored as f6E2M3FN through i6.
// CHECK-LABEL: @float6
// CHECK: linalg.generic
// CHECK:   arith.maxsi
// CHECK:   math.absf
// CHECK:   math.roundeven
// CHECK:   arith.minui
// CHECK:   %[[C6:.+]] = arith.trunci %{{.+}} : i32 to i6
// CHECK:   %[[F6:.+]] = arith.bitcast %[[C6]] : i6 to f6E2M3FN
// CHECK:   linalg.yield %[[F6]] : f6E2M3FN
// CHECK-NOT: arith.truncf %{{.+}} to f6E2M3FN
func.func @float6(%x: tensor<4x32xf32>, %s: tensor<1xf32>) -> tensor<4x32xf6E2M3FN> {
  %q = ct.quantize %x scale(%s) quant<float6> : (tensor<4x32xf32>, tensor<1xf32>) -> tensor<4x32xf6E2M3FN>
  return %q : tensor<4x32xf6E2M3FN>
}

// -----

// fp6 codes decode with integer ops: subnormals are the mantissa times 1/8.
// CHECK-LABEL: @dequantize_float6
// CHECK: linalg.generic
// CHECK:   %[[RAW:.+]] = arith.bitcast %{{.+}} : f6E2M3FN to i6
// CHECK:   arith.extui %[[RAW]] : i6 to i32
// CHECK:   arith.uitofp
// CHECK:   arith.constant 1.250000e-01 : f32
// CHECK:   arith.mulf
func.func @dequantize_float6(%q: tensor<4x32xf6E2M3FN>, %s: tensor<1xf32>) -> tensor<4x32xf32> {
  %x = ct.dequantize %q scale(%s) quant<float6> : (tensor<4x32xf6E2M3FN>, tensor<1xf32>) -> tensor<4x32xf32>
  return %x : tensor<4x32xf32>
}

// -----

// MXFP8 scales of bf16 data (generate_mx_scales): round_to_power_2 on the
// bf16 bits (add 2^(6 - 1), keep sign and exponent), the biased exponent
// 127 + floor(log2) - 8 with -inf for 0, rounded and clamped to uint8, then
// 2^(e - 127) as the f32 with biased exponent e (0x00400000 = 2^-127 for
// e = 0), stored as bf16.
// CHECK-LABEL: @mx_scales
// CHECK: linalg.generic {{.+}} outs(%{{.+}} : tensor<4x2xbf16>)
// CHECK:   %[[ABS:.+]] = arith.maximumf
// CHECK:   arith.bitcast %[[ABS]] : f32 to i32
// CHECK:   arith.constant 32 : i32
// CHECK:   arith.constant 65408 : i32
// CHECK:   arith.constant 255 : i32
// CHECK:   %[[FIELD:.+]] = arith.andi
// CHECK:   arith.sitofp
// CHECK:   arith.cmpi eq, %[[FIELD]]
// CHECK:   arith.constant 0xFF800000 : f32
// CHECK:   arith.constant 1.270000e+02 : f32
// CHECK:   arith.constant 8.000000e+00 : f32
// CHECK:   arith.constant 2.550000e+02 : f32
// CHECK:   math.roundeven
// CHECK:   %[[E:.+]] = arith.fptosi %{{.+}} : f32 to i32
// CHECK:   arith.cmpi eq, %[[E]]
// CHECK:   arith.constant 4194304 : i32
// CHECK:   arith.shli %[[E]]
// CHECK:   arith.cmpf oeq
// CHECK:   arith.constant 1.000000e+00 : f32
// CHECK:   arith.bitcast %{{.+}} : i16 to bf16
func.func @mx_scales(%x: tensor<4x64xbf16>) -> tensor<4x2xbf16> {
  %s = ct.calculate_qparams %x quant<float8, group = 32, scale_dtype = ui8> : (tensor<4x64xbf16>) -> tensor<4x2xbf16>
  return %s : tensor<4x2xbf16>
}

// -----

func.func @e8m0_scale_dtype(%x: tensor<4x64xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{'ct.calculate_qparams' op has scale_dtype 'f8E8M0FNU'; expected f32, bf16, f16, f8E4M3FN or an integer of at most 8 bits (ui8 for MX E8M0 exponents)}}
  %s = ct.calculate_qparams %x quant<float4, group = 32, scale_dtype = f8E8M0FNU> : (tensor<4x64xf32>) -> tensor<4x2xf32>
  return %s : tensor<4x2xf32>
}

// -----

func.func @mx_f16(%x: tensor<4x64xf16>) -> tensor<4x2xf16> {
  // expected-error @+1 {{'ct.calculate_qparams' op computes MX scales of f16 data; expected f32 or bf16}}
  %s = ct.calculate_qparams %x quant<float4, group = 32, scale_dtype = ui8> : (tensor<4x64xf16>) -> tensor<4x2xf16>
  return %s : tensor<4x2xf16>
}

// -----

func.func @dynamic_shape(%x: tensor<?x64xf32>, %s: tensor<1xf32>) -> tensor<?x64xi8> {
  // expected-error @+1 {{'ct.quantize' op has a dynamic shape 'tensor<?x64xf32>'; ct-lower-quant expects static shapes}}
  %q = ct.quantize %x scale(%s) quant<int8> : (tensor<?x64xf32>, tensor<1xf32>) -> tensor<?x64xi8>
  return %q : tensor<?x64xi8>
}

// -----

func.func @f64_data(%x: tensor<4x64xf64>, %s: tensor<1xf64>) -> tensor<4x64xf64> {
  // expected-error @+1 {{'ct.fake_quantize' op has element type 'f64' for data or scales; expected f32, bf16 or f16}}
  %y = ct.fake_quantize %x scale(%s) quant<int8> : (tensor<4x64xf64>, tensor<1xf64>) -> tensor<4x64xf64>
  return %y : tensor<4x64xf64>
}

// -----

func.func @unsigned_zero_point(%x: tensor<4x64xf32>, %s: tensor<1xf32>, %zp: tensor<1xui8>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'ct.fake_quantize' op has zero point element type 'ui8'; expected a signless integer of at most 32 bits, f32, bf16, f16 or f8E4M3FN}}
  %y = ct.fake_quantize %x scale(%s) zero_point(%zp) quant<int8, asymmetric> : (tensor<4x64xf32>, tensor<1xf32>, tensor<1xui8>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}
