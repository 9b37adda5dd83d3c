// Attention on the GPU (ct-attention-to-gpu through ct-lower-to-nvvm)
// against the CPU path (ct-lower-attention through ct-lower-to-llvm) on the
// same module and inputs (utils/gen_gpu_attention_inputs.py): each case runs
// on the CPU first, writing its results, then on the GPU comparing with them.
// Cases: split-K decode with GQA 4:1 in bf16, a Hadamard q and k hook and a
// context of 678 rows (not a multiple of the split length); decode in f32
// with batch 2 and an additive mask; causal prefill in bf16 (40 queries, a
// partial query tile); chunked prefill in f32 (20 queries at position 10 of
// the cache, causal and an additive mask). The updated caches are compared
// too. Quantized caches: decode over an int8 key cache with per-row dynamic
// (token) scales and an fp8 value cache with static per-head scales; the new
// row is quantized on the GPU with ct-lower-quant's formulas, so its int8
// codes must equal the CPU's (integers compare exactly) and its fp8 codes
// and bf16 scale agree within the bf16 tolerance (they are expected equal).
// int4 caches, stored packed (uint8 [..., D/2], as ct-run passes them):
// bf16 decode with per-row dynamic scales (library `token` keys,
// per-token-head `group = 128` values) and f32 decode (batch 2, GQA 2:1)
// with static per-kv-head scales; the new rows' codes must equal the CPU's
// byte for byte. fp4 (e2m1) caches, stored packed like int4: the same two
// cases, the codes uniform over all 16 nibbles. Asymmetric caches (zero
// points): int8 in bf16 with per-row dynamic (token) key scales and zero points
// and static per-kv-head value ones; packed int4 in f32 (batch 2) with a static
// per-tensor key scale and zero point and per-row dynamic (token) value ones;
// the new rows' codes and zero points must equal the CPU's. Scales per group
// of a row: packed int4 in bf16 with asymmetric keys in groups of 32 and
// symmetric values in groups of 64 (dynamic; G scales per row). 16-bit prefill runs
// on tensor cores (mma.sync m16n8k16): causal bf16 above, causal bf16 with GQA
// 4:1, batch 2, head dim 128 and 150 queries and keys (neither a multiple of 16
// nor of the 64-key tile); chunked bf16 prefill (37 queries at position 50 of a
// cache of 128 rows) with causality and a boolean mask that hides every key of
// one query row (NaN on both paths, which compare equal); f16 with an additive
// mask.
//
// Tolerances: the two paths sum the dot products and the softmax in
// different orders and the GPU's exp2 is ex2.approx.f32 (2 ulp) where the
// CPU's is a polynomial (a few ulp), so f32 results agree to about 1e-6
// relative; rtol 1e-4 / atol 1e-5 leave margin for the sums over up to 678
// keys. bf16 results are rounded from such f32 values, so they may differ by
// one bf16 ulp (2^-8 relative); the hooked cache rows come from two FWHT
// implementations whose f32 sums are rounded to bf16 and may differ by an
// ulp as well: rtol 2e-2 / atol 2e-2. Tensor-core prefill also rounds the
// probabilities to the 16-bit type before P·V (as FlashAttention does; the
// row sums keep them in f32), which moves an output by at most
// 2^-9·max|v| for bf16 (2^-11 for f16): under 1e-2 for these standard
// normal values (|v| < 5), so the bf16 tolerance stands; f16 results
// (11-bit mantissa) take rtol 5e-3 / atol 5e-3.
//
// REQUIRES: cuda-device
// RUN: ct-run %s --entry decode_bf16 --input %S/Inputs/attention-decode-bf16.q.npy --input %S/Inputs/attention-decode-bf16.k.npy --input %S/Inputs/attention-decode-bf16.v.npy --input %S/Inputs/attention-decode-bf16.k_cache.npy --input %S/Inputs/attention-decode-bf16.v_cache.npy --input %S/Inputs/attention-decode-bf16.position.npy --output %t.decode-bf16.o.npy --output %t.decode-bf16.kc.npy --output %t.decode-bf16.vc.npy
// RUN: ct-run --gpu %s --entry decode_bf16 --input %S/Inputs/attention-decode-bf16.q.npy --input %S/Inputs/attention-decode-bf16.k.npy --input %S/Inputs/attention-decode-bf16.v.npy --input %S/Inputs/attention-decode-bf16.k_cache.npy --input %S/Inputs/attention-decode-bf16.v_cache.npy --input %S/Inputs/attention-decode-bf16.position.npy --compare %t.decode-bf16.o.npy --compare %t.decode-bf16.kc.npy --compare %t.decode-bf16.vc.npy --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=DECODE-BF16
// RUN: ct-run %s --entry decode_f32 --input %S/Inputs/attention-decode-f32.q.npy --input %S/Inputs/attention-decode-f32.k.npy --input %S/Inputs/attention-decode-f32.v.npy --input %S/Inputs/attention-decode-f32.mask.npy --input %S/Inputs/attention-decode-f32.k_cache.npy --input %S/Inputs/attention-decode-f32.v_cache.npy --input %S/Inputs/attention-decode-f32.position.npy --output %t.decode-f32.o.npy --output %t.decode-f32.kc.npy --output %t.decode-f32.vc.npy
// RUN: ct-run --gpu %s --entry decode_f32 --input %S/Inputs/attention-decode-f32.q.npy --input %S/Inputs/attention-decode-f32.k.npy --input %S/Inputs/attention-decode-f32.v.npy --input %S/Inputs/attention-decode-f32.mask.npy --input %S/Inputs/attention-decode-f32.k_cache.npy --input %S/Inputs/attention-decode-f32.v_cache.npy --input %S/Inputs/attention-decode-f32.position.npy --compare %t.decode-f32.o.npy --compare %t.decode-f32.kc.npy --compare %t.decode-f32.vc.npy --rtol 1e-4 --atol 1e-5 | FileCheck %s --check-prefix=DECODE-F32
// RUN: ct-run %s --entry prefill_bf16 --input %S/Inputs/attention-prefill-bf16.q.npy --input %S/Inputs/attention-prefill-bf16.k.npy --input %S/Inputs/attention-prefill-bf16.v.npy --output %t.prefill-bf16.o.npy
// RUN: ct-run --gpu %s --entry prefill_bf16 --input %S/Inputs/attention-prefill-bf16.q.npy --input %S/Inputs/attention-prefill-bf16.k.npy --input %S/Inputs/attention-prefill-bf16.v.npy --compare %t.prefill-bf16.o.npy --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=PREFILL-BF16
// RUN: ct-run %s --entry prefill_f32 --input %S/Inputs/attention-prefill-f32.q.npy --input %S/Inputs/attention-prefill-f32.k.npy --input %S/Inputs/attention-prefill-f32.v.npy --input %S/Inputs/attention-prefill-f32.mask.npy --input %S/Inputs/attention-prefill-f32.k_cache.npy --input %S/Inputs/attention-prefill-f32.v_cache.npy --input %S/Inputs/attention-prefill-f32.position.npy --output %t.prefill-f32.o.npy --output %t.prefill-f32.kc.npy --output %t.prefill-f32.vc.npy
// RUN: ct-run --gpu %s --entry prefill_f32 --input %S/Inputs/attention-prefill-f32.q.npy --input %S/Inputs/attention-prefill-f32.k.npy --input %S/Inputs/attention-prefill-f32.v.npy --input %S/Inputs/attention-prefill-f32.mask.npy --input %S/Inputs/attention-prefill-f32.k_cache.npy --input %S/Inputs/attention-prefill-f32.v_cache.npy --input %S/Inputs/attention-prefill-f32.position.npy --compare %t.prefill-f32.o.npy --compare %t.prefill-f32.kc.npy --compare %t.prefill-f32.vc.npy --rtol 1e-4 --atol 1e-5 | FileCheck %s --check-prefix=PREFILL-F32
// RUN: ct-run %s --entry decode_quantized --input %S/Inputs/attention-decode-quant.q.npy --input %S/Inputs/attention-decode-quant.k.npy --input %S/Inputs/attention-decode-quant.v.npy --input %S/Inputs/attention-decode-quant.k_cache.npy --input %S/Inputs/attention-decode-quant.v_cache.npy --input %S/Inputs/attention-decode-quant.position.npy --input %S/Inputs/attention-decode-quant.k_scale.npy --input %S/Inputs/attention-decode-quant.v_scale.npy --output %t.decode-quant.o.npy --output %t.decode-quant.kc.npy --output %t.decode-quant.vc.npy --output %t.decode-quant.ks.npy
// RUN: ct-run --gpu %s --entry decode_quantized --input %S/Inputs/attention-decode-quant.q.npy --input %S/Inputs/attention-decode-quant.k.npy --input %S/Inputs/attention-decode-quant.v.npy --input %S/Inputs/attention-decode-quant.k_cache.npy --input %S/Inputs/attention-decode-quant.v_cache.npy --input %S/Inputs/attention-decode-quant.position.npy --input %S/Inputs/attention-decode-quant.k_scale.npy --input %S/Inputs/attention-decode-quant.v_scale.npy --compare %t.decode-quant.o.npy --compare %t.decode-quant.kc.npy --compare %t.decode-quant.vc.npy --compare %t.decode-quant.ks.npy --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=DECODE-QUANT
// RUN: ct-run %s --entry decode_int4_token --input %S/Inputs/attention-decode-int4-token.q.npy --input %S/Inputs/attention-decode-int4-token.k.npy --input %S/Inputs/attention-decode-int4-token.v.npy --input %S/Inputs/attention-decode-int4-token.k_cache.npy --input %S/Inputs/attention-decode-int4-token.v_cache.npy --input %S/Inputs/attention-decode-int4-token.position.npy --input %S/Inputs/attention-decode-int4-token.k_scale.npy --input %S/Inputs/attention-decode-int4-token.v_scale.npy --output %t.decode-int4-token.o.npy --output %t.decode-int4-token.kc.npy --output %t.decode-int4-token.vc.npy --output %t.decode-int4-token.ks.npy --output %t.decode-int4-token.vs.npy
// RUN: ct-run --gpu %s --entry decode_int4_token --input %S/Inputs/attention-decode-int4-token.q.npy --input %S/Inputs/attention-decode-int4-token.k.npy --input %S/Inputs/attention-decode-int4-token.v.npy --input %S/Inputs/attention-decode-int4-token.k_cache.npy --input %S/Inputs/attention-decode-int4-token.v_cache.npy --input %S/Inputs/attention-decode-int4-token.position.npy --input %S/Inputs/attention-decode-int4-token.k_scale.npy --input %S/Inputs/attention-decode-int4-token.v_scale.npy --compare %t.decode-int4-token.o.npy --compare %t.decode-int4-token.kc.npy --compare %t.decode-int4-token.vc.npy --compare %t.decode-int4-token.ks.npy --compare %t.decode-int4-token.vs.npy --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=DECODE-INT4-TOKEN
// RUN: ct-run %s --entry decode_int4_head --input %S/Inputs/attention-decode-int4-head.q.npy --input %S/Inputs/attention-decode-int4-head.k.npy --input %S/Inputs/attention-decode-int4-head.v.npy --input %S/Inputs/attention-decode-int4-head.k_cache.npy --input %S/Inputs/attention-decode-int4-head.v_cache.npy --input %S/Inputs/attention-decode-int4-head.position.npy --input %S/Inputs/attention-decode-int4-head.k_scale.npy --input %S/Inputs/attention-decode-int4-head.v_scale.npy --output %t.decode-int4-head.o.npy --output %t.decode-int4-head.kc.npy --output %t.decode-int4-head.vc.npy
// RUN: ct-run --gpu %s --entry decode_int4_head --input %S/Inputs/attention-decode-int4-head.q.npy --input %S/Inputs/attention-decode-int4-head.k.npy --input %S/Inputs/attention-decode-int4-head.v.npy --input %S/Inputs/attention-decode-int4-head.k_cache.npy --input %S/Inputs/attention-decode-int4-head.v_cache.npy --input %S/Inputs/attention-decode-int4-head.position.npy --input %S/Inputs/attention-decode-int4-head.k_scale.npy --input %S/Inputs/attention-decode-int4-head.v_scale.npy --compare %t.decode-int4-head.o.npy --compare %t.decode-int4-head.kc.npy --compare %t.decode-int4-head.vc.npy --rtol 1e-4 --atol 1e-5 | FileCheck %s --check-prefix=DECODE-INT4-HEAD
// RUN: ct-run %s --entry decode_fp4_token --input %S/Inputs/attention-decode-fp4-token.q.npy --input %S/Inputs/attention-decode-fp4-token.k.npy --input %S/Inputs/attention-decode-fp4-token.v.npy --input %S/Inputs/attention-decode-fp4-token.k_cache.npy --input %S/Inputs/attention-decode-fp4-token.v_cache.npy --input %S/Inputs/attention-decode-fp4-token.position.npy --input %S/Inputs/attention-decode-fp4-token.k_scale.npy --input %S/Inputs/attention-decode-fp4-token.v_scale.npy --output %t.decode-fp4-token.o.npy --output %t.decode-fp4-token.kc.npy --output %t.decode-fp4-token.vc.npy --output %t.decode-fp4-token.ks.npy --output %t.decode-fp4-token.vs.npy
// RUN: ct-run --gpu %s --entry decode_fp4_token --input %S/Inputs/attention-decode-fp4-token.q.npy --input %S/Inputs/attention-decode-fp4-token.k.npy --input %S/Inputs/attention-decode-fp4-token.v.npy --input %S/Inputs/attention-decode-fp4-token.k_cache.npy --input %S/Inputs/attention-decode-fp4-token.v_cache.npy --input %S/Inputs/attention-decode-fp4-token.position.npy --input %S/Inputs/attention-decode-fp4-token.k_scale.npy --input %S/Inputs/attention-decode-fp4-token.v_scale.npy --compare %t.decode-fp4-token.o.npy --compare %t.decode-fp4-token.kc.npy --compare %t.decode-fp4-token.vc.npy --compare %t.decode-fp4-token.ks.npy --compare %t.decode-fp4-token.vs.npy --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=DECODE-FP4-TOKEN
// RUN: ct-run %s --entry decode_fp4_head --input %S/Inputs/attention-decode-fp4-head.q.npy --input %S/Inputs/attention-decode-fp4-head.k.npy --input %S/Inputs/attention-decode-fp4-head.v.npy --input %S/Inputs/attention-decode-fp4-head.k_cache.npy --input %S/Inputs/attention-decode-fp4-head.v_cache.npy --input %S/Inputs/attention-decode-fp4-head.position.npy --input %S/Inputs/attention-decode-fp4-head.k_scale.npy --input %S/Inputs/attention-decode-fp4-head.v_scale.npy --output %t.decode-fp4-head.o.npy --output %t.decode-fp4-head.kc.npy --output %t.decode-fp4-head.vc.npy
// RUN: ct-run --gpu %s --entry decode_fp4_head --input %S/Inputs/attention-decode-fp4-head.q.npy --input %S/Inputs/attention-decode-fp4-head.k.npy --input %S/Inputs/attention-decode-fp4-head.v.npy --input %S/Inputs/attention-decode-fp4-head.k_cache.npy --input %S/Inputs/attention-decode-fp4-head.v_cache.npy --input %S/Inputs/attention-decode-fp4-head.position.npy --input %S/Inputs/attention-decode-fp4-head.k_scale.npy --input %S/Inputs/attention-decode-fp4-head.v_scale.npy --compare %t.decode-fp4-head.o.npy --compare %t.decode-fp4-head.kc.npy --compare %t.decode-fp4-head.vc.npy --rtol 1e-4 --atol 1e-5 | FileCheck %s --check-prefix=DECODE-FP4-HEAD
// RUN: ct-run %s --entry prefill_bf16_gqa --input %S/Inputs/attention-prefill-bf16-gqa.q.npy --input %S/Inputs/attention-prefill-bf16-gqa.k.npy --input %S/Inputs/attention-prefill-bf16-gqa.v.npy --output %t.prefill-bf16-gqa.o.npy
// RUN: ct-run --gpu %s --entry prefill_bf16_gqa --input %S/Inputs/attention-prefill-bf16-gqa.q.npy --input %S/Inputs/attention-prefill-bf16-gqa.k.npy --input %S/Inputs/attention-prefill-bf16-gqa.v.npy --compare %t.prefill-bf16-gqa.o.npy --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=PREFILL-BF16-GQA
// RUN: ct-run %s --entry prefill_bf16_masked --input %S/Inputs/attention-prefill-bf16-masked.q.npy --input %S/Inputs/attention-prefill-bf16-masked.k.npy --input %S/Inputs/attention-prefill-bf16-masked.v.npy --input %S/Inputs/attention-prefill-bf16-masked.mask.npy --input %S/Inputs/attention-prefill-bf16-masked.k_cache.npy --input %S/Inputs/attention-prefill-bf16-masked.v_cache.npy --input %S/Inputs/attention-prefill-bf16-masked.position.npy --output %t.prefill-bf16-masked.o.npy --output %t.prefill-bf16-masked.kc.npy --output %t.prefill-bf16-masked.vc.npy
// RUN: ct-run --gpu %s --entry prefill_bf16_masked --input %S/Inputs/attention-prefill-bf16-masked.q.npy --input %S/Inputs/attention-prefill-bf16-masked.k.npy --input %S/Inputs/attention-prefill-bf16-masked.v.npy --input %S/Inputs/attention-prefill-bf16-masked.mask.npy --input %S/Inputs/attention-prefill-bf16-masked.k_cache.npy --input %S/Inputs/attention-prefill-bf16-masked.v_cache.npy --input %S/Inputs/attention-prefill-bf16-masked.position.npy --compare %t.prefill-bf16-masked.o.npy --compare %t.prefill-bf16-masked.kc.npy --compare %t.prefill-bf16-masked.vc.npy --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=PREFILL-BF16-MASKED
// RUN: ct-run %s --entry prefill_f16 --input %S/Inputs/attention-prefill-f16.q.npy --input %S/Inputs/attention-prefill-f16.k.npy --input %S/Inputs/attention-prefill-f16.v.npy --input %S/Inputs/attention-prefill-f16.mask.npy --output %t.prefill-f16.o.npy
// RUN: ct-run --gpu %s --entry prefill_f16 --input %S/Inputs/attention-prefill-f16.q.npy --input %S/Inputs/attention-prefill-f16.k.npy --input %S/Inputs/attention-prefill-f16.v.npy --input %S/Inputs/attention-prefill-f16.mask.npy --compare %t.prefill-f16.o.npy --rtol 5e-3 --atol 5e-3 | FileCheck %s --check-prefix=PREFILL-F16

// RUN: ct-run %s --entry decode_int8_asymmetric --input %S/Inputs/attention-decode-int8-asym.q.npy --input %S/Inputs/attention-decode-int8-asym.k.npy --input %S/Inputs/attention-decode-int8-asym.v.npy --input %S/Inputs/attention-decode-int8-asym.k_cache.npy --input %S/Inputs/attention-decode-int8-asym.v_cache.npy --input %S/Inputs/attention-decode-int8-asym.position.npy --input %S/Inputs/attention-decode-int8-asym.k_scale.npy --input %S/Inputs/attention-decode-int8-asym.k_zero_point.npy --input %S/Inputs/attention-decode-int8-asym.v_scale.npy --input %S/Inputs/attention-decode-int8-asym.v_zero_point.npy --output %t.decode-int8-asym.o.npy --output %t.decode-int8-asym.kc.npy --output %t.decode-int8-asym.vc.npy --output %t.decode-int8-asym.ks.npy --output %t.decode-int8-asym.kz.npy
// RUN: ct-run --gpu %s --entry decode_int8_asymmetric --input %S/Inputs/attention-decode-int8-asym.q.npy --input %S/Inputs/attention-decode-int8-asym.k.npy --input %S/Inputs/attention-decode-int8-asym.v.npy --input %S/Inputs/attention-decode-int8-asym.k_cache.npy --input %S/Inputs/attention-decode-int8-asym.v_cache.npy --input %S/Inputs/attention-decode-int8-asym.position.npy --input %S/Inputs/attention-decode-int8-asym.k_scale.npy --input %S/Inputs/attention-decode-int8-asym.k_zero_point.npy --input %S/Inputs/attention-decode-int8-asym.v_scale.npy --input %S/Inputs/attention-decode-int8-asym.v_zero_point.npy --compare %t.decode-int8-asym.o.npy --compare %t.decode-int8-asym.kc.npy --compare %t.decode-int8-asym.vc.npy --compare %t.decode-int8-asym.ks.npy --compare %t.decode-int8-asym.kz.npy --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=DECODE-INT8-ASYM
// RUN: ct-run %s --entry decode_int4_asymmetric --input %S/Inputs/attention-decode-int4-asym.q.npy --input %S/Inputs/attention-decode-int4-asym.k.npy --input %S/Inputs/attention-decode-int4-asym.v.npy --input %S/Inputs/attention-decode-int4-asym.k_cache.npy --input %S/Inputs/attention-decode-int4-asym.v_cache.npy --input %S/Inputs/attention-decode-int4-asym.position.npy --input %S/Inputs/attention-decode-int4-asym.k_scale.npy --input %S/Inputs/attention-decode-int4-asym.k_zero_point.npy --input %S/Inputs/attention-decode-int4-asym.v_scale.npy --input %S/Inputs/attention-decode-int4-asym.v_zero_point.npy --output %t.decode-int4-asym.o.npy --output %t.decode-int4-asym.kc.npy --output %t.decode-int4-asym.vc.npy --output %t.decode-int4-asym.vs.npy --output %t.decode-int4-asym.vz.npy
// RUN: ct-run --gpu %s --entry decode_int4_asymmetric --input %S/Inputs/attention-decode-int4-asym.q.npy --input %S/Inputs/attention-decode-int4-asym.k.npy --input %S/Inputs/attention-decode-int4-asym.v.npy --input %S/Inputs/attention-decode-int4-asym.k_cache.npy --input %S/Inputs/attention-decode-int4-asym.v_cache.npy --input %S/Inputs/attention-decode-int4-asym.position.npy --input %S/Inputs/attention-decode-int4-asym.k_scale.npy --input %S/Inputs/attention-decode-int4-asym.k_zero_point.npy --input %S/Inputs/attention-decode-int4-asym.v_scale.npy --input %S/Inputs/attention-decode-int4-asym.v_zero_point.npy --compare %t.decode-int4-asym.o.npy --compare %t.decode-int4-asym.kc.npy --compare %t.decode-int4-asym.vc.npy --compare %t.decode-int4-asym.vs.npy --compare %t.decode-int4-asym.vz.npy --rtol 1e-4 --atol 1e-5 | FileCheck %s --check-prefix=DECODE-INT4-ASYM
// RUN: ct-run %s --entry decode_int4_group --input %S/Inputs/attention-decode-int4-group.q.npy --input %S/Inputs/attention-decode-int4-group.k.npy --input %S/Inputs/attention-decode-int4-group.v.npy --input %S/Inputs/attention-decode-int4-group.k_cache.npy --input %S/Inputs/attention-decode-int4-group.v_cache.npy --input %S/Inputs/attention-decode-int4-group.position.npy --input %S/Inputs/attention-decode-int4-group.k_scale.npy --input %S/Inputs/attention-decode-int4-group.k_zero_point.npy --input %S/Inputs/attention-decode-int4-group.v_scale.npy --output %t.decode-int4-group.o.npy --output %t.decode-int4-group.kc.npy --output %t.decode-int4-group.vc.npy --output %t.decode-int4-group.ks.npy --output %t.decode-int4-group.kz.npy --output %t.decode-int4-group.vs.npy
// RUN: ct-run --gpu %s --entry decode_int4_group --input %S/Inputs/attention-decode-int4-group.q.npy --input %S/Inputs/attention-decode-int4-group.k.npy --input %S/Inputs/attention-decode-int4-group.v.npy --input %S/Inputs/attention-decode-int4-group.k_cache.npy --input %S/Inputs/attention-decode-int4-group.v_cache.npy --input %S/Inputs/attention-decode-int4-group.position.npy --input %S/Inputs/attention-decode-int4-group.k_scale.npy --input %S/Inputs/attention-decode-int4-group.k_zero_point.npy --input %S/Inputs/attention-decode-int4-group.v_scale.npy --compare %t.decode-int4-group.o.npy --compare %t.decode-int4-group.kc.npy --compare %t.decode-int4-group.vc.npy --compare %t.decode-int4-group.ks.npy --compare %t.decode-int4-group.kz.npy --compare %t.decode-int4-group.vs.npy --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=DECODE-INT4-GROUP
// DECODE-BF16: result #0: 1024 elements, max abs error {{.*}}: match
// DECODE-BF16: result #1: 262144 elements, max abs error {{.*}}: match
// DECODE-BF16: result #2: 262144 elements, max abs error {{.*}}: match
func.func @decode_bf16(%q: tensor<1x8x1x128xbf16>, %k: tensor<1x2x1x128xbf16>,
                       %v: tensor<1x2x1x128xbf16>, %kc: tensor<1x2x1024x128xbf16>,
                       %vc: tensor<1x2x1024x128xbf16>, %pos: index)
    -> (tensor<1x8x1x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>) {
  %o, %kc2, %vc2 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      {scale = 0.08838834764831845 : f64, causal}
      : (tensor<1x8x1x128xbf16>, tensor<1x2x1x128xbf16>, tensor<1x2x1x128xbf16>,
         tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>, index)
      -> (tensor<1x8x1x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>)
    q_hook {
    ^bb0(%x: tensor<1x8x1x128xbf16>):
      %r = ct.hadamard %x size(128) : tensor<1x8x1x128xbf16>
      ct.yield %r : tensor<1x8x1x128xbf16>
    }
    k_hook {
    ^bb0(%x: tensor<1x2x1x128xbf16>):
      %r = ct.hadamard %x size(128) : tensor<1x2x1x128xbf16>
      ct.yield %r : tensor<1x2x1x128xbf16>
    }
  return %o, %kc2, %vc2
      : tensor<1x8x1x128xbf16>, tensor<1x2x1024x128xbf16>, tensor<1x2x1024x128xbf16>
}

// DECODE-F32: result #0: 512 elements, max abs error {{.*}}: match
// DECODE-F32: result #1: 76800 elements, max abs error {{.*}}: match
// DECODE-F32: result #2: 76800 elements, max abs error {{.*}}: match
func.func @decode_f32(%q: tensor<2x4x1x64xf32>, %k: tensor<2x2x1x64xf32>,
                      %v: tensor<2x2x1x64xf32>, %m: tensor<2x1x1x201xf32>,
                      %kc: tensor<2x2x300x64xf32>, %vc: tensor<2x2x300x64xf32>,
                      %pos: index)
    -> (tensor<2x4x1x64xf32>, tensor<2x2x300x64xf32>, tensor<2x2x300x64xf32>) {
  %o, %kc2, %vc2 = ct.hooked_attention %q, %k, %v mask %m cache %kc, %vc at %pos
      {scale = 0.125 : f64}
      : (tensor<2x4x1x64xf32>, tensor<2x2x1x64xf32>, tensor<2x2x1x64xf32>,
         tensor<2x1x1x201xf32>, tensor<2x2x300x64xf32>, tensor<2x2x300x64xf32>,
         index)
      -> (tensor<2x4x1x64xf32>, tensor<2x2x300x64xf32>, tensor<2x2x300x64xf32>)
  return %o, %kc2, %vc2
      : tensor<2x4x1x64xf32>, tensor<2x2x300x64xf32>, tensor<2x2x300x64xf32>
}

// PREFILL-BF16: result #0: 20480 elements, max abs error {{.*}}: match
func.func @prefill_bf16(%q: tensor<1x8x40x64xbf16>, %k: tensor<1x2x40x64xbf16>,
                        %v: tensor<1x2x40x64xbf16>) -> tensor<1x8x40x64xbf16> {
  %o = ct.hooked_attention %q, %k, %v {scale = 0.125 : f64, causal}
      : (tensor<1x8x40x64xbf16>, tensor<1x2x40x64xbf16>, tensor<1x2x40x64xbf16>)
      -> tensor<1x8x40x64xbf16>
  return %o : tensor<1x8x40x64xbf16>
}

// PREFILL-F32: result #0: 5120 elements, max abs error {{.*}}: match
// PREFILL-F32: result #1: 16384 elements, max abs error {{.*}}: match
// PREFILL-F32: result #2: 16384 elements, max abs error {{.*}}: match
func.func @prefill_f32(%q: tensor<1x4x20x64xf32>, %k: tensor<1x4x20x64xf32>,
                       %v: tensor<1x4x20x64xf32>, %m: tensor<1x4x20x30xf32>,
                       %kc: tensor<1x4x64x64xf32>, %vc: tensor<1x4x64x64xf32>,
                       %pos: index)
    -> (tensor<1x4x20x64xf32>, tensor<1x4x64x64xf32>, tensor<1x4x64x64xf32>) {
  %o, %kc2, %vc2 = ct.hooked_attention %q, %k, %v mask %m cache %kc, %vc at %pos
      {scale = 0.125 : f64, causal}
      : (tensor<1x4x20x64xf32>, tensor<1x4x20x64xf32>, tensor<1x4x20x64xf32>,
         tensor<1x4x20x30xf32>, tensor<1x4x64x64xf32>, tensor<1x4x64x64xf32>,
         index)
      -> (tensor<1x4x20x64xf32>, tensor<1x4x64x64xf32>, tensor<1x4x64x64xf32>)
  return %o, %kc2, %vc2
      : tensor<1x4x20x64xf32>, tensor<1x4x64x64xf32>, tensor<1x4x64x64xf32>
}

// DECODE-QUANT: result #0: 1024 elements, max abs error {{.*}}: match
// DECODE-QUANT: result #1: 131072 elements: match
// DECODE-QUANT: result #2: 131072 elements, max abs error {{.*}}: match
// DECODE-QUANT: result #3: 1024 elements, max abs error {{.*}}: match
func.func @decode_quantized(%q: tensor<1x8x1x128xbf16>, %k: tensor<1x2x1x128xbf16>,
    %v: tensor<1x2x1x128xbf16>, %kc: tensor<1x2x512x128xi8>,
    %vc: tensor<1x2x512x128xf8E4M3FN>, %pos: index,
    %ks: tensor<1x2x512x1xbf16>, %vs: tensor<2x1x1xbf16>)
    -> (tensor<1x8x1x128xbf16>, tensor<1x2x512x128xi8>,
        tensor<1x2x512x128xf8E4M3FN>, tensor<1x2x512x1xbf16>) {
  %o:4 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks, v: %vs)
      {scale = 0.08838834764831845 : f64, causal,
       k_cache_quant = #ct.quant<int8, token, dynamic>,
       v_cache_quant = #ct.quant<float8, attn_head>}
      : (tensor<1x8x1x128xbf16>, tensor<1x2x1x128xbf16>, tensor<1x2x1x128xbf16>,
         tensor<1x2x512x128xi8>, tensor<1x2x512x128xf8E4M3FN>, index,
         tensor<1x2x512x1xbf16>, tensor<2x1x1xbf16>)
      -> (tensor<1x8x1x128xbf16>, tensor<1x2x512x128xi8>,
          tensor<1x2x512x128xf8E4M3FN>, tensor<1x2x512x1xbf16>)
  return %o#0, %o#1, %o#2, %o#3
      : tensor<1x8x1x128xbf16>, tensor<1x2x512x128xi8>,
        tensor<1x2x512x128xf8E4M3FN>, tensor<1x2x512x1xbf16>
}

// DECODE-INT4-TOKEN: result #0: 1024 elements, max abs error {{.*}}: match
// DECODE-INT4-TOKEN: result #1: 65536 elements: match
// DECODE-INT4-TOKEN: result #2: 65536 elements: match
// DECODE-INT4-TOKEN: result #3: 1024 elements, max abs error {{.*}}: match
// DECODE-INT4-TOKEN: result #4: 1024 elements, max abs error {{.*}}: match
func.func @decode_int4_token(%q: tensor<1x8x1x128xbf16>, %k: tensor<1x2x1x128xbf16>,
    %v: tensor<1x2x1x128xbf16>, %kc: tensor<1x2x512x128xi4>,
    %vc: tensor<1x2x512x128xi4>, %pos: index,
    %ks: tensor<1x2x512x1xbf16>, %vs: tensor<1x2x512x1xbf16>)
    -> (tensor<1x8x1x128xbf16>, tensor<1x2x512x128xi4>, tensor<1x2x512x128xi4>,
        tensor<1x2x512x1xbf16>, tensor<1x2x512x1xbf16>) {
  %o:5 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks, v: %vs)
      {scale = 0.08838834764831845 : f64, causal,
       k_cache_quant = #ct.quant<int4, token, dynamic>,
       v_cache_quant = #ct.quant<int4, group = 128, dynamic>}
      : (tensor<1x8x1x128xbf16>, tensor<1x2x1x128xbf16>, tensor<1x2x1x128xbf16>,
         tensor<1x2x512x128xi4>, tensor<1x2x512x128xi4>, index,
         tensor<1x2x512x1xbf16>, tensor<1x2x512x1xbf16>)
      -> (tensor<1x8x1x128xbf16>, tensor<1x2x512x128xi4>, tensor<1x2x512x128xi4>,
          tensor<1x2x512x1xbf16>, tensor<1x2x512x1xbf16>)
  return %o#0, %o#1, %o#2, %o#3, %o#4
      : tensor<1x8x1x128xbf16>, tensor<1x2x512x128xi4>, tensor<1x2x512x128xi4>,
        tensor<1x2x512x1xbf16>, tensor<1x2x512x1xbf16>
}

// DECODE-INT4-HEAD: result #0: 512 elements, max abs error {{.*}}: match
// DECODE-INT4-HEAD: result #1: 38400 elements: match
// DECODE-INT4-HEAD: result #2: 38400 elements: match
func.func @decode_int4_head(%q: tensor<2x4x1x64xf32>, %k: tensor<2x2x1x64xf32>,
    %v: tensor<2x2x1x64xf32>, %kc: tensor<2x2x300x64xi4>,
    %vc: tensor<2x2x300x64xi4>, %pos: index,
    %ks: tensor<2x1x1xf32>, %vs: tensor<2x1x1xf32>)
    -> (tensor<2x4x1x64xf32>, tensor<2x2x300x64xi4>, tensor<2x2x300x64xi4>) {
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks, v: %vs)
      {scale = 0.125 : f64,
       k_cache_quant = #ct.quant<int4, attn_head>,
       v_cache_quant = #ct.quant<int4, attn_head>}
      : (tensor<2x4x1x64xf32>, tensor<2x2x1x64xf32>, tensor<2x2x1x64xf32>,
         tensor<2x2x300x64xi4>, tensor<2x2x300x64xi4>, index,
         tensor<2x1x1xf32>, tensor<2x1x1xf32>)
      -> (tensor<2x4x1x64xf32>, tensor<2x2x300x64xi4>, tensor<2x2x300x64xi4>)
  return %o#0, %o#1, %o#2
      : tensor<2x4x1x64xf32>, tensor<2x2x300x64xi4>, tensor<2x2x300x64xi4>
}

// DECODE-FP4-TOKEN: result #0: 1024 elements, max abs error {{.*}}: match
// DECODE-FP4-TOKEN: result #1: 65536 elements: match
// DECODE-FP4-TOKEN: result #2: 65536 elements: match
// DECODE-FP4-TOKEN: result #3: 1024 elements, max abs error {{.*}}: match
// DECODE-FP4-TOKEN: result #4: 1024 elements, max abs error {{.*}}: match
func.func @decode_fp4_token(%q: tensor<1x8x1x128xbf16>, %k: tensor<1x2x1x128xbf16>,
    %v: tensor<1x2x1x128xbf16>, %kc: tensor<1x2x512x128xf4E2M1FN>,
    %vc: tensor<1x2x512x128xf4E2M1FN>, %pos: index,
    %ks: tensor<1x2x512x1xbf16>, %vs: tensor<1x2x512x1xbf16>)
    -> (tensor<1x8x1x128xbf16>, tensor<1x2x512x128xf4E2M1FN>,
        tensor<1x2x512x128xf4E2M1FN>, tensor<1x2x512x1xbf16>,
        tensor<1x2x512x1xbf16>) {
  %o:5 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks, v: %vs)
      {scale = 0.08838834764831845 : f64, causal,
       k_cache_quant = #ct.quant<float4, token, dynamic>,
       v_cache_quant = #ct.quant<float4, group = 128, dynamic>}
      : (tensor<1x8x1x128xbf16>, tensor<1x2x1x128xbf16>, tensor<1x2x1x128xbf16>,
         tensor<1x2x512x128xf4E2M1FN>, tensor<1x2x512x128xf4E2M1FN>, index,
         tensor<1x2x512x1xbf16>, tensor<1x2x512x1xbf16>)
      -> (tensor<1x8x1x128xbf16>, tensor<1x2x512x128xf4E2M1FN>,
          tensor<1x2x512x128xf4E2M1FN>, tensor<1x2x512x1xbf16>,
          tensor<1x2x512x1xbf16>)
  return %o#0, %o#1, %o#2, %o#3, %o#4
      : tensor<1x8x1x128xbf16>, tensor<1x2x512x128xf4E2M1FN>,
        tensor<1x2x512x128xf4E2M1FN>, tensor<1x2x512x1xbf16>,
        tensor<1x2x512x1xbf16>
}

// DECODE-FP4-HEAD: result #0: 512 elements, max abs error {{.*}}: match
// DECODE-FP4-HEAD: result #1: 38400 elements: match
// DECODE-FP4-HEAD: result #2: 38400 elements: match
func.func @decode_fp4_head(%q: tensor<2x4x1x64xf32>, %k: tensor<2x2x1x64xf32>,
    %v: tensor<2x2x1x64xf32>, %kc: tensor<2x2x300x64xf4E2M1FN>,
    %vc: tensor<2x2x300x64xf4E2M1FN>, %pos: index,
    %ks: tensor<2x1x1xf32>, %vs: tensor<2x1x1xf32>)
    -> (tensor<2x4x1x64xf32>, tensor<2x2x300x64xf4E2M1FN>,
        tensor<2x2x300x64xf4E2M1FN>) {
  %o:3 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks, v: %vs)
      {scale = 0.125 : f64,
       k_cache_quant = #ct.quant<float4, attn_head>,
       v_cache_quant = #ct.quant<float4, attn_head>}
      : (tensor<2x4x1x64xf32>, tensor<2x2x1x64xf32>, tensor<2x2x1x64xf32>,
         tensor<2x2x300x64xf4E2M1FN>, tensor<2x2x300x64xf4E2M1FN>, index,
         tensor<2x1x1xf32>, tensor<2x1x1xf32>)
      -> (tensor<2x4x1x64xf32>, tensor<2x2x300x64xf4E2M1FN>,
          tensor<2x2x300x64xf4E2M1FN>)
  return %o#0, %o#1, %o#2
      : tensor<2x4x1x64xf32>, tensor<2x2x300x64xf4E2M1FN>,
        tensor<2x2x300x64xf4E2M1FN>
}

// DECODE-INT8-ASYM: result #0: 1024 elements, max abs error {{.*}}: match
// DECODE-INT8-ASYM: result #1: 131072 elements: match
// DECODE-INT8-ASYM: result #2: 131072 elements: match
// DECODE-INT8-ASYM: result #3: 1024 elements, max abs error {{.*}}: match
// DECODE-INT8-ASYM: result #4: 1024 elements: match
func.func @decode_int8_asymmetric(%q: tensor<1x8x1x128xbf16>,
    %k: tensor<1x2x1x128xbf16>, %v: tensor<1x2x1x128xbf16>,
    %kc: tensor<1x2x512x128xi8>, %vc: tensor<1x2x512x128xi8>, %pos: index,
    %ks: tensor<1x2x512x1xbf16>, %kz: tensor<1x2x512x1xi8>,
    %vs: tensor<2x1x1xbf16>, %vz: tensor<2x1x1xi8>)
    -> (tensor<1x8x1x128xbf16>, tensor<1x2x512x128xi8>, tensor<1x2x512x128xi8>,
        tensor<1x2x512x1xbf16>, tensor<1x2x512x1xi8>) {
  %o:5 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks zero_point %kz, v: %vs zero_point %vz)
      {scale = 0.08838834764831845 : f64, causal,
       k_cache_quant = #ct.quant<int8, token, asymmetric, dynamic>,
       v_cache_quant = #ct.quant<int8, attn_head, asymmetric>}
      : (tensor<1x8x1x128xbf16>, tensor<1x2x1x128xbf16>, tensor<1x2x1x128xbf16>,
         tensor<1x2x512x128xi8>, tensor<1x2x512x128xi8>, index,
         tensor<1x2x512x1xbf16>, tensor<1x2x512x1xi8>, tensor<2x1x1xbf16>,
         tensor<2x1x1xi8>)
      -> (tensor<1x8x1x128xbf16>, tensor<1x2x512x128xi8>, tensor<1x2x512x128xi8>,
          tensor<1x2x512x1xbf16>, tensor<1x2x512x1xi8>)
  return %o#0, %o#1, %o#2, %o#3, %o#4
      : tensor<1x8x1x128xbf16>, tensor<1x2x512x128xi8>, tensor<1x2x512x128xi8>,
        tensor<1x2x512x1xbf16>, tensor<1x2x512x1xi8>
}

// DECODE-INT4-ASYM: result #0: 512 elements, max abs error {{.*}}: match
// DECODE-INT4-ASYM: result #1: 38400 elements: match
// DECODE-INT4-ASYM: result #2: 38400 elements: match
// DECODE-INT4-ASYM: result #3: 1200 elements, max abs error {{.*}}: match
// DECODE-INT4-ASYM: result #4: 1200 elements: match
func.func @decode_int4_asymmetric(%q: tensor<2x4x1x64xf32>, %k: tensor<2x2x1x64xf32>,
    %v: tensor<2x2x1x64xf32>, %kc: tensor<2x2x300x64xi4>,
    %vc: tensor<2x2x300x64xi4>, %pos: index,
    %ks: tensor<1xf32>, %kz: tensor<1xi8>,
    %vs: tensor<2x2x300x1xf32>, %vz: tensor<2x2x300x1xi8>)
    -> (tensor<2x4x1x64xf32>, tensor<2x2x300x64xi4>, tensor<2x2x300x64xi4>,
        tensor<2x2x300x1xf32>, tensor<2x2x300x1xi8>) {
  %o:5 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks zero_point %kz, v: %vs zero_point %vz)
      {scale = 0.125 : f64,
       k_cache_quant = #ct.quant<int4, asymmetric>,
       v_cache_quant = #ct.quant<int4, token, asymmetric, dynamic>}
      : (tensor<2x4x1x64xf32>, tensor<2x2x1x64xf32>, tensor<2x2x1x64xf32>,
         tensor<2x2x300x64xi4>, tensor<2x2x300x64xi4>, index,
         tensor<1xf32>, tensor<1xi8>, tensor<2x2x300x1xf32>,
         tensor<2x2x300x1xi8>)
      -> (tensor<2x4x1x64xf32>, tensor<2x2x300x64xi4>, tensor<2x2x300x64xi4>,
          tensor<2x2x300x1xf32>, tensor<2x2x300x1xi8>)
  return %o#0, %o#1, %o#2, %o#3, %o#4
      : tensor<2x4x1x64xf32>, tensor<2x2x300x64xi4>, tensor<2x2x300x64xi4>,
        tensor<2x2x300x1xf32>, tensor<2x2x300x1xi8>
}

// DECODE-INT4-GROUP: result #0: 1024 elements, max abs error {{.*}}: match
// DECODE-INT4-GROUP: result #1: 65536 elements: match
// DECODE-INT4-GROUP: result #2: 65536 elements: match
// DECODE-INT4-GROUP: result #3: 4096 elements, max abs error {{.*}}: match
// DECODE-INT4-GROUP: result #4: 4096 elements: match
// DECODE-INT4-GROUP: result #5: 2048 elements, max abs error {{.*}}: match
func.func @decode_int4_group(%q: tensor<1x8x1x128xbf16>, %k: tensor<1x2x1x128xbf16>,
    %v: tensor<1x2x1x128xbf16>, %kc: tensor<1x2x512x128xi4>,
    %vc: tensor<1x2x512x128xi4>, %pos: index,
    %ks: tensor<1x2x512x4xbf16>, %kz: tensor<1x2x512x4xi8>,
    %vs: tensor<1x2x512x2xbf16>)
    -> (tensor<1x8x1x128xbf16>, tensor<1x2x512x128xi4>, tensor<1x2x512x128xi4>,
        tensor<1x2x512x4xbf16>, tensor<1x2x512x4xi8>, tensor<1x2x512x2xbf16>) {
  %o:6 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      quantized(k: %ks zero_point %kz, v: %vs)
      {scale = 0.08838834764831845 : f64, causal,
       k_cache_quant = #ct.quant<int4, group = 32, asymmetric, dynamic>,
       v_cache_quant = #ct.quant<int4, group = 64, dynamic>}
      : (tensor<1x8x1x128xbf16>, tensor<1x2x1x128xbf16>, tensor<1x2x1x128xbf16>,
         tensor<1x2x512x128xi4>, tensor<1x2x512x128xi4>, index,
         tensor<1x2x512x4xbf16>, tensor<1x2x512x4xi8>, tensor<1x2x512x2xbf16>)
      -> (tensor<1x8x1x128xbf16>, tensor<1x2x512x128xi4>, tensor<1x2x512x128xi4>,
          tensor<1x2x512x4xbf16>, tensor<1x2x512x4xi8>, tensor<1x2x512x2xbf16>)
  return %o#0, %o#1, %o#2, %o#3, %o#4, %o#5
      : tensor<1x8x1x128xbf16>, tensor<1x2x512x128xi4>, tensor<1x2x512x128xi4>,
        tensor<1x2x512x4xbf16>, tensor<1x2x512x4xi8>, tensor<1x2x512x2xbf16>
}

// PREFILL-BF16-GQA: result #0: 307200 elements, max abs error {{.*}}: match
func.func @prefill_bf16_gqa(%q: tensor<2x8x150x128xbf16>, %k: tensor<2x2x150x128xbf16>,
                            %v: tensor<2x2x150x128xbf16>) -> tensor<2x8x150x128xbf16> {
  %o = ct.hooked_attention %q, %k, %v {scale = 0.08838834764831845 : f64, causal}
      : (tensor<2x8x150x128xbf16>, tensor<2x2x150x128xbf16>, tensor<2x2x150x128xbf16>)
      -> tensor<2x8x150x128xbf16>
  return %o : tensor<2x8x150x128xbf16>
}

// PREFILL-BF16-MASKED: result #0: 9472 elements, max abs error {{.*}}: match
// PREFILL-BF16-MASKED: result #1: 16384 elements, max abs error {{.*}}: match
// PREFILL-BF16-MASKED: result #2: 16384 elements, max abs error {{.*}}: match
func.func @prefill_bf16_masked(%q: tensor<1x4x37x64xbf16>, %k: tensor<1x2x37x64xbf16>,
                               %v: tensor<1x2x37x64xbf16>, %m: tensor<1x4x37x87xi1>,
                               %kc: tensor<1x2x128x64xbf16>, %vc: tensor<1x2x128x64xbf16>,
                               %pos: index)
    -> (tensor<1x4x37x64xbf16>, tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>) {
  %o, %kc2, %vc2 = ct.hooked_attention %q, %k, %v mask %m cache %kc, %vc at %pos
      {scale = 0.125 : f64, causal}
      : (tensor<1x4x37x64xbf16>, tensor<1x2x37x64xbf16>, tensor<1x2x37x64xbf16>,
         tensor<1x4x37x87xi1>, tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>,
         index)
      -> (tensor<1x4x37x64xbf16>, tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>)
  return %o, %kc2, %vc2
      : tensor<1x4x37x64xbf16>, tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>
}

// PREFILL-F16: result #0: 20480 elements, max abs error {{.*}}: match
func.func @prefill_f16(%q: tensor<1x4x80x64xf16>, %k: tensor<1x4x80x64xf16>,
                       %v: tensor<1x4x80x64xf16>, %m: tensor<1x1x80x80xf32>)
    -> tensor<1x4x80x64xf16> {
  %o = ct.hooked_attention %q, %k, %v mask %m {scale = 0.125 : f64}
      : (tensor<1x4x80x64xf16>, tensor<1x4x80x64xf16>, tensor<1x4x80x64xf16>,
         tensor<1x1x80x80xf32>) -> tensor<1x4x80x64xf16>
  return %o : tensor<1x4x80x64xf16>
}
