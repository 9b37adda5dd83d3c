// REQUIRES: ptxas
// RUN: ct-opt %s --ct-lower-to-nvvm="format=bin" | FileCheck %s

// ptxas assembles the attention kernels (decode split and merge, quantized
// decode, masked prefill and Llama-sized causal prefill on tensor cores,
// decode over packed int4 and fp4 caches, over asymmetric int8 and int4
// caches, over int4 caches with a scale per group of 32, Llama-sized chunked
// prefill over int4 and fp8 caches) into cubins (ELF).
// CHECK: gpu.binary @decode_kernel_1 [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">, properties = {{.*}}, bin = "\7FELF
// CHECK: gpu.binary @decode_kernel_2 [#gpu.object<{{.*}}bin = "\7FELF
// CHECK: gpu.binary @decode_fp8_int8_kernel_{{[0-9]+}} [#gpu.object<{{.*}}bin = "\7FELF
// CHECK: gpu.binary @prefill_kernel [#gpu.object<{{.*}}bin = "\7FELF
// CHECK: gpu.binary @prefill_causal_4096_kernel [#gpu.object<{{.*}}bin = "\7FELF
// CHECK: gpu.binary @decode_int4_kernel_{{[0-9]+}} [#gpu.object<{{.*}}bin = "\7FELF
// CHECK: gpu.binary @decode_fp4_kernel_{{[0-9]+}} [#gpu.object<{{.*}}bin = "\7FELF
// CHECK: gpu.binary @decode_int8_asymmetric_kernel_{{[0-9]+}} [#gpu.object<{{.*}}bin = "\7FELF
// CHECK: gpu.binary @decode_int4_asymmetric_kernel_{{[0-9]+}} [#gpu.object<{{.*}}bin = "\7FELF
// CHECK: gpu.binary @decode_int4_group_kernel_{{[0-9]+}} [#gpu.object<{{.*}}bin = "\7FELF
// CHECK: gpu.binary @prefill_quantized_kernel_{{[0-9]+}} [#gpu.object<{{.*}}bin = "\7FELF
func.func @decode(%q: tensor<1x32x1x128xbf16>, %k: tensor<1x8x1x128xbf16>,
                  %v: tensor<1x8x1x128xbf16>,
                  %kc: tensor<1x8x8192x128xbf16> {bufferization.writable = true},
                  %vc: tensor<1x8x8192x128xbf16> {bufferization.writable = true},
                  %pos: index) -> tensor<1x32x1x128xbf16> {
  %o, %kc2, %vc2 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      {scale = 0.08838834764831845 : f64}
      : (tensor<1x32x1x128xbf16>, tensor<1x8x1x128xbf16>, tensor<1x8x1x128xbf16>,
         tensor<1x8x8192x128xbf16>, tensor<1x8x8192x128xbf16>, index)
      -> (tensor<1x32x1x128xbf16>, tensor<1x8x8192x128xbf16>, tensor<1x8x8192x128xbf16>)
  return %o : tensor<1x32x1x128xbf16>
}

func.func @decode_fp8_int8(%q: tensor<1x4x1x64xf32>, %k: tensor<1x2x1x64xf32>,
    %v: tensor<1x2x1x64xf32>, %kc: tensor<1x2x300x64xf8E4M3FN>,
    %vc: tensor<1x2x300x64xi8>, %pos: index,
    %ks: tensor<1xf32>, %vs: tensor<1x2x300x1xf32>)
    -> (tensor<1x4x1x64xf32>, tensor<1x2x300x64xf8E4M3FN>, tensor<1x2x300x64xi8>,
        tensor<1x2x300x1xf32>) {
  %o:4 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks, v: %vs)
      {scale = 0.125 : f64,
       k_cache_quant = #ct.quant<float8, tensor>,
       v_cache_quant = #ct.quant<int8, group = 64, dynamic>}
      : (tensor<1x4x1x64xf32>, tensor<1x2x1x64xf32>, tensor<1x2x1x64xf32>,
         tensor<1x2x300x64xf8E4M3FN>, tensor<1x2x300x64xi8>, index,
         tensor<1xf32>, tensor<1x2x300x1xf32>)
      -> (tensor<1x4x1x64xf32>, tensor<1x2x300x64xf8E4M3FN>, tensor<1x2x300x64xi8>,
          tensor<1x2x300x1xf32>)
  return %o#0, %o#1, %o#2, %o#3
      : tensor<1x4x1x64xf32>, tensor<1x2x300x64xf8E4M3FN>, tensor<1x2x300x64xi8>,
        tensor<1x2x300x1xf32>
}

func.func @prefill(%q: tensor<2x8x100x128xbf16>, %k: tensor<2x2x100x128xbf16>,
                   %v: tensor<2x2x100x128xbf16>, %m: tensor<2x1x100x100xi1>)
    -> tensor<2x8x100x128xbf16> {
  %o = ct.hooked_attention %q, %k, %v mask %m {scale = 0.08838834764831845 : f64, causal}
      : (tensor<2x8x100x128xbf16>, tensor<2x2x100x128xbf16>, tensor<2x2x100x128xbf16>,
         tensor<2x1x100x100xi1>) -> tensor<2x8x100x128xbf16>
  return %o : tensor<2x8x100x128xbf16>
}

func.func @prefill_causal_4096(%q: tensor<1x32x4096x128xbf16>,
    %k: tensor<1x8x4096x128xbf16>, %v: tensor<1x8x4096x128xbf16>)
    -> tensor<1x32x4096x128xbf16> {
  %o = ct.hooked_attention %q, %k, %v {scale = 0.08838834764831845 : f64, causal}
      : (tensor<1x32x4096x128xbf16>, tensor<1x8x4096x128xbf16>,
         tensor<1x8x4096x128xbf16>) -> tensor<1x32x4096x128xbf16>
  return %o : tensor<1x32x4096x128xbf16>
}

func.func @decode_int4(%q: tensor<4x32x1x128xbf16>, %k: tensor<4x8x1x128xbf16>,
    %v: tensor<4x8x1x128xbf16>,
    %kc: tensor<4x8x8192x128xi4> {bufferization.writable = true},
    %vc: tensor<4x8x8192x128xi4> {bufferization.writable = true}, %pos: index,
    %ks: tensor<4x8x8192x1xbf16> {bufferization.writable = true},
    %vs: tensor<4x8x8192x1xbf16> {bufferization.writable = true})
    -> tensor<4x32x1x128xbf16> {
  %o:5 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks, v: %vs)
      {scale = 0.088388347648318447 : f64,
       k_cache_quant = #ct.quant<int4, group = 128, dynamic>,
       v_cache_quant = #ct.quant<int4, group = 128, dynamic>}
      : (tensor<4x32x1x128xbf16>, tensor<4x8x1x128xbf16>, tensor<4x8x1x128xbf16>,
         tensor<4x8x8192x128xi4>, tensor<4x8x8192x128xi4>, index,
         tensor<4x8x8192x1xbf16>, tensor<4x8x8192x1xbf16>)
      -> (tensor<4x32x1x128xbf16>, tensor<4x8x8192x128xi4>,
          tensor<4x8x8192x128xi4>, tensor<4x8x8192x1xbf16>, tensor<4x8x8192x1xbf16>)
  return %o#0 : tensor<4x32x1x128xbf16>
}

func.func @decode_fp4(%q: tensor<4x32x1x128xbf16>, %k: tensor<4x8x1x128xbf16>,
    %v: tensor<4x8x1x128xbf16>,
    %kc: tensor<4x8x8192x128xf4E2M1FN> {bufferization.writable = true},
    %vc: tensor<4x8x8192x128xf4E2M1FN> {bufferization.writable = true},
    %pos: index, %ks: tensor<8x1x1xbf16>, %vs: tensor<8x1x1xbf16>)
    -> tensor<4x32x1x128xbf16> {
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks, v: %vs)
      {scale = 0.088388347648318447 : f64,
       k_cache_quant = #ct.quant<float4, attn_head>,
       v_cache_quant = #ct.quant<float4, attn_head>}
      : (tensor<4x32x1x128xbf16>, tensor<4x8x1x128xbf16>, tensor<4x8x1x128xbf16>,
         tensor<4x8x8192x128xf4E2M1FN>, tensor<4x8x8192x128xf4E2M1FN>, index,
         tensor<8x1x1xbf16>, tensor<8x1x1xbf16>)
      -> (tensor<4x32x1x128xbf16>, tensor<4x8x8192x128xf4E2M1FN>,
          tensor<4x8x8192x128xf4E2M1FN>)
  return %o#0 : tensor<4x32x1x128xbf16>
}

func.func @decode_int8_asymmetric(%q: tensor<4x32x1x128xbf16>,
    %k: tensor<4x8x1x128xbf16>, %v: tensor<4x8x1x128xbf16>,
    %kc: tensor<4x8x8192x128xi8> {bufferization.writable = true},
    %vc: tensor<4x8x8192x128xi8> {bufferization.writable = true}, %pos: index,
    %ks: tensor<4x8x8192x1xbf16> {bufferization.writable = true},
    %kz: tensor<4x8x8192x1xi8> {bufferization.writable = true},
    %vs: tensor<4x8x8192x1xbf16> {bufferization.writable = true},
    %vz: tensor<4x8x8192x1xi8> {bufferization.writable = true})
    -> tensor<4x32x1x128xbf16> {
  %o:7 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks zero_point %kz, v: %vs zero_point %vz)
      {scale = 0.088388347648318447 : f64,
       k_cache_quant = #ct.quant<int8, token, asymmetric, dynamic>,
       v_cache_quant = #ct.quant<int8, token, asymmetric, dynamic>}
      : (tensor<4x32x1x128xbf16>, tensor<4x8x1x128xbf16>, tensor<4x8x1x128xbf16>,
         tensor<4x8x8192x128xi8>, tensor<4x8x8192x128xi8>, index,
         tensor<4x8x8192x1xbf16>, tensor<4x8x8192x1xi8>,
         tensor<4x8x8192x1xbf16>, tensor<4x8x8192x1xi8>)
      -> (tensor<4x32x1x128xbf16>, tensor<4x8x8192x128xi8>,
          tensor<4x8x8192x128xi8>, tensor<4x8x8192x1xbf16>,
          tensor<4x8x8192x1xi8>, tensor<4x8x8192x1xbf16>, tensor<4x8x8192x1xi8>)
  return %o#0 : tensor<4x32x1x128xbf16>
}

func.func @decode_int4_asymmetric(%q: tensor<4x32x1x128xbf16>,
    %k: tensor<4x8x1x128xbf16>, %v: tensor<4x8x1x128xbf16>,
    %kc: tensor<4x8x8192x128xi4> {bufferization.writable = true},
    %vc: tensor<4x8x8192x128xi4> {bufferization.writable = true}, %pos: index,
    %ks: tensor<4x8x8192x1xbf16> {bufferization.writable = true},
    %kz: tensor<4x8x8192x1xi8> {bufferization.writable = true},
    %vs: tensor<8x1x1xbf16>, %vz: tensor<8x1x1xi8>)
    -> tensor<4x32x1x128xbf16> {
  %o:5 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks zero_point %kz, v: %vs zero_point %vz)
      {scale = 0.088388347648318447 : f64,
       k_cache_quant = #ct.quant<int4, token, asymmetric, dynamic>,
       v_cache_quant = #ct.quant<int4, attn_head, asymmetric>}
      : (tensor<4x32x1x128xbf16>, tensor<4x8x1x128xbf16>, tensor<4x8x1x128xbf16>,
         tensor<4x8x8192x128xi4>, tensor<4x8x8192x128xi4>, index,
         tensor<4x8x8192x1xbf16>, tensor<4x8x8192x1xi8>,
         tensor<8x1x1xbf16>, tensor<8x1x1xi8>)
      -> (tensor<4x32x1x128xbf16>, tensor<4x8x8192x128xi4>,
          tensor<4x8x8192x128xi4>, tensor<4x8x8192x1xbf16>,
          tensor<4x8x8192x1xi8>)
  return %o#0 : tensor<4x32x1x128xbf16>
}

func.func @decode_int4_group(%q: tensor<4x32x1x128xbf16>, %k: tensor<4x8x1x128xbf16>,
    %v: tensor<4x8x1x128xbf16>,
    %kc: tensor<4x8x8192x128xi4> {bufferization.writable = true},
    %vc: tensor<4x8x8192x128xi4> {bufferization.writable = true}, %pos: index,
    %ks: tensor<4x8x8192x4xbf16> {bufferization.writable = true},
    %vs: tensor<4x8x8192x4xbf16> {bufferization.writable = true})
    -> tensor<4x32x1x128xbf16> {
  %o:5 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks, v: %vs)
      {scale = 0.088388347648318447 : f64,
       k_cache_quant = #ct.quant<int4, group = 32, dynamic>,
       v_cache_quant = #ct.quant<int4, group = 32, dynamic>}
      : (tensor<4x32x1x128xbf16>, tensor<4x8x1x128xbf16>, tensor<4x8x1x128xbf16>,
         tensor<4x8x8192x128xi4>, tensor<4x8x8192x128xi4>, index,
         tensor<4x8x8192x4xbf16>, tensor<4x8x8192x4xbf16>)
      -> (tensor<4x32x1x128xbf16>, tensor<4x8x8192x128xi4>,
          tensor<4x8x8192x128xi4>, tensor<4x8x8192x4xbf16>, tensor<4x8x8192x4xbf16>)
  return %o#0 : tensor<4x32x1x128xbf16>
}

func.func @prefill_quantized(%q: tensor<1x32x512x128xbf16>,
    %k: tensor<1x8x512x128xbf16>, %v: tensor<1x8x512x128xbf16>,
    %kc: tensor<1x8x8192x128xi4> {bufferization.writable = true},
    %vc: tensor<1x8x8192x128xf8E4M3FN> {bufferization.writable = true},
    %pos: index, %ks: tensor<1x8x8192x1xbf16> {bufferization.writable = true},
    %vs: tensor<8x1x1xbf16>) -> tensor<1x32x512x128xbf16> {
  %o:4 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks, v: %vs)
      {scale = 0.08838834764831845 : f64, causal,
       k_cache_quant = #ct.quant<int4, token, dynamic>,
       v_cache_quant = #ct.quant<float8, attn_head>}
      : (tensor<1x32x512x128xbf16>, tensor<1x8x512x128xbf16>,
         tensor<1x8x512x128xbf16>, tensor<1x8x8192x128xi4>,
         tensor<1x8x8192x128xf8E4M3FN>, index, tensor<1x8x8192x1xbf16>,
         tensor<8x1x1xbf16>)
      -> (tensor<1x32x512x128xbf16>, tensor<1x8x8192x128xi4>,
          tensor<1x8x8192x128xf8E4M3FN>, tensor<1x8x8192x1xbf16>)
  return %o#0 : tensor<1x32x512x128xbf16>
}
