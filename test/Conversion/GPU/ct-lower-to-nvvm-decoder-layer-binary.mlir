// REQUIRES: ptxas
// A whole Llama decoder layer (test/E2E/llama-decoder-layer.mlir: norms,
// projections, RoPE, MLP and the raised attention with R3 and an fp8 cache)
// through ct-lower-to-nvvm to cubins: every kernel of a real model's layer,
// the linalg ones mapped by the pipeline included, assembles with ptxas.
// test/Integration/GPU/e2e-llama-decoder-layer.mlir runs it on a device.
//
// RUN: ct-opt %S/../../E2E/Inputs/llama_layer_decode.mlir --ct-raise-attention --ct-apply-config="config=%S/../../E2E/Inputs/r3-fp8-attn-head.config.json weights=%S/../../E2E/Inputs/r3-fp8-attn-head.safetensors" | ct-opt --ct-materialize-kv-cache 2>/dev/null | ct-opt --ct-lower-to-nvvm="format=bin" | FileCheck %s
// RUN: ct-opt %S/../../E2E/Inputs/llama_layer_prefill.mlir --ct-raise-attention --ct-apply-config="config=%S/../../E2E/Inputs/r3-int4-token-dynamic.config.json weights=%S/../../E2E/Inputs/r3-int4-token-dynamic.safetensors" | ct-opt --ct-lower-to-nvvm="format=isa" | FileCheck %s --check-prefix=PTX
// RUN: ct-opt %S/../../E2E/Inputs/llama_prefill.mlir --ct-raise-attention --ct-apply-config="config=%S/../../E2E/Inputs/r3-random-int4-token-dynamic.config.json weights=%S/../../E2E/Inputs/r3-random-int4-token-dynamic.safetensors" | ct-opt --ct-lower-to-nvvm="format=bin" | FileCheck %s --check-prefix=RANDOM

// The norms' rsqrt and square, SiLU's exp: no libdevice call is left.
// PTX-NOT: __nv_
// CHECK: llvm.func @llama_layer_decode(
// CHECK: gpu.binary @llama_layer_decode_kernel{{.*}} [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">, properties = {{.*}}, bin = "\7FELF
// A random R3 rotation (ct.rotate) is one more kernel before the prefill's.
// RANDOM: llvm.func @llama_prefill(
// RANDOM: gpu.binary @llama_prefill_kernel{{.*}} [#gpu.object<{{.*}}bin = "\7FELF
