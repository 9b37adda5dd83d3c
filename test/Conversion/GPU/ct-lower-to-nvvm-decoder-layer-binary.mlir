// REQUIRES: ptxas
// A whole Llama decoder layer (test/E2E/llama-decoder-layer.mlir: norms,
// projections, RoPE, MLP and the raised attention with R3 and an fp8 cache)
// through ct-lower-to-nvvm to cubins: every kernel of a real model's layer,
// the linalg ones mapped by the pipeline included, assembles with ptxas.
// The int4 stored cache too: its new row is written at the constant position
// 7 of a cache one row longer, a slice of each head that is not contiguous
// (ct-pack-sub-byte-memrefs stores it into the cache's bytes).
// test/Integration/GPU/e2e-llama-decoder-layer.mlir runs it on a device.
//
// RUN: ct-opt %S/../../E2E/Inputs/llama_layer_decode.mlir --ct-raise-attention --ct-apply-config="config=%S/../../E2E/Inputs/r3-fp8-attn-head.config.json weights=%S/../../E2E/Inputs/r3-fp8-attn-head.safetensors" | ct-opt --ct-materialize-kv-cache 2>/dev/null | ct-opt --ct-lower-to-nvvm="format=bin" | FileCheck %s
// RUN: ct-opt %S/../../E2E/Inputs/llama_layer_decode.mlir --ct-raise-attention --ct-apply-config="config=%S/../../E2E/Inputs/r3-int4-token-dynamic.config.json weights=%S/../../E2E/Inputs/r3-int4-token-dynamic.safetensors" | ct-opt --ct-materialize-kv-cache 2>/dev/null | ct-opt --ct-lower-to-nvvm="format=bin" | FileCheck %s --check-prefix=INT4
// RUN: ct-opt %S/../../E2E/Inputs/llama_layer_prefill.mlir --ct-raise-attention --ct-apply-config="config=%S/../../E2E/Inputs/r3-int4-token-dynamic.config.json weights=%S/../../E2E/Inputs/r3-int4-token-dynamic.safetensors" | ct-opt --ct-lower-to-nvvm="format=isa" | FileCheck %s --check-prefix=PTX
// RUN: ct-opt %S/../../E2E/Inputs/llama_prefill.mlir --ct-raise-attention --ct-apply-config="config=%S/../../E2E/Inputs/r3-random-int4-token-dynamic.config.json weights=%S/../../E2E/Inputs/r3-random-int4-token-dynamic.safetensors" | ct-opt --ct-lower-to-nvvm="format=bin" | FileCheck %s --check-prefix=RANDOM

// The norms' rsqrt and square, SiLU's exp: no libdevice call is left.
// PTX-NOT: __nv_
// The layer's launches, copies and temporaries run on one stream, which the
// host waits for once, before it returns (strided copies are kernels).
// CHECK: llvm.func @llama_layer_decode(
// CHECK-NOT: llvm.call @memrefCopy
// CHECK: %[[STREAM:.+]] = llvm.call @mgpuStreamCreate()
// CHECK-NOT: mgpuStreamCreate
// CHECK-NOT: mgpuStreamSynchronize
// CHECK: llvm.call @mgpuStreamSynchronize(%[[STREAM]])
// CHECK-NEXT: llvm.call @mgpuStreamDestroy(%[[STREAM]])
// CHECK-NEXT: llvm.return
// CHECK: gpu.binary @llama_layer_decode_kernel{{.*}} [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">, properties = {{.*}}, bin = "\7FELF
// INT4: llvm.func @llama_layer_decode(
// INT4: llvm.call @mgpuStreamCreate()
// INT4-NOT: mgpuStreamCreate
// INT4: llvm.return
// INT4: gpu.binary @llama_layer_decode_kernel{{.*}} [#gpu.object<{{.*}}bin = "\7FELF
// A random R3 rotation (ct.rotate) is one more kernel before the prefill's.
// RANDOM: llvm.func @llama_prefill(
// RANDOM: gpu.binary @llama_prefill_kernel{{.*}} [#gpu.object<{{.*}}bin = "\7FELF
