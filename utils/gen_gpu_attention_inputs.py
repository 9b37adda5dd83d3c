# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Inputs of test/Integration/GPU/attention*.mlir.

The GPU test compares ct-run --gpu with the CPU path (ct-run without --gpu)
on the same module and inputs, so only inputs are generated here: standard
normal values (rounded to bfloat16 for bf16 tensors), caches filled with
random rows everywhere (rows past the context must not leak into the result),
positions as int64 scalars.

Run with a Python that has numpy and ml_dtypes:
  /work/tmp-golden/venv/bin/python utils/gen_gpu_attention_inputs.py
"""

import os

import ml_dtypes
import numpy as np

INPUTS = os.path.join(os.path.dirname(__file__), "..", "test", "Integration",
                      "GPU", "Inputs")


def save(name, array):
    np.save(os.path.join(INPUTS, "attention-" + name + ".npy"), array)


def random(rng, shape, dtype):
    x = rng.standard_normal(shape).astype(np.float32)
    if dtype == "f16":
        return x.astype(np.float16)
    return x.astype(ml_dtypes.bfloat16) if dtype == "bf16" else x


def new_entries(rng, name, b, hq, hkv, d, dtype):
    """The query and the new key/value row of a decode step."""
    save(name + ".q", random(rng, (b, hq, 1, d), dtype))
    save(name + ".k", random(rng, (b, hkv, 1, d), dtype))
    save(name + ".v", random(rng, (b, hkv, 1, d), dtype))


def case(rng, name, dtype, batch, hq, hkv, sq, d, smax=None, pos=None,
         mask_shape=None):
    save(name + ".q", random(rng, (batch, hq, sq, d), dtype))
    save(name + ".k", random(rng, (batch, hkv, sq, d), dtype))
    save(name + ".v", random(rng, (batch, hkv, sq, d), dtype))
    if smax is not None:
        save(name + ".k_cache", random(rng, (batch, hkv, smax, d), dtype))
        save(name + ".v_cache", random(rng, (batch, hkv, smax, d), dtype))
        save(name + ".position", np.array(pos, dtype=np.int64))
    if mask_shape is not None:
        # Additive: 0 or a large negative bias, and a few moderate values.
        bias = rng.choice(np.array([0.0, 0.0, 0.0, -1e4, -2.5, 1.5],
                                   dtype=np.float32), size=mask_shape)
        save(name + ".mask", bias.astype(np.float32))


def quantized_decode(rng):
    """Decode over an int8 key cache with per-row (dynamic token) scales and
    an fp8 value cache with a static scale per kv head, bf16 activations.
    Codes are valid (no fp8 NaN); scales are positive bf16 values."""
    name = "decode-quant"
    b, hq, hkv, d, smax, pos = 1, 8, 2, 128, 512, 300
    new_entries(rng, name, b, hq, hkv, d, "bf16")
    save(name + ".k_cache",
         rng.integers(-127, 128, size=(b, hkv, smax, d), dtype=np.int8))
    v_codes = (rng.standard_normal((b, hkv, smax, d)) * 100).clip(-448, 448)
    save(name + ".v_cache", v_codes.astype(ml_dtypes.float8_e4m3fn))
    save(name + ".position", np.array(pos, dtype=np.int64))
    save(name + ".k_scale", rng.uniform(0.005, 0.03, (b, hkv, smax, 1))
         .astype(ml_dtypes.bfloat16))
    save(name + ".v_scale", rng.uniform(0.002, 0.02, (hkv, 1, 1))
         .astype(ml_dtypes.bfloat16))


def pack_int4(codes):
    """Signed 4-bit codes [..., C] as the uint8 bytes [..., C/2] ct-run
    passes for i4 tensors: element 2i in the low nibble of byte i, 2i+1 in
    the high nibble."""
    nibbles = codes.astype(np.uint8) & 0xF
    return nibbles[..., 0::2] | (nibbles[..., 1::2] << 4)


def int4_caches(rng, name, shape, pos):
    """Packed int4 K/V caches of uniform codes in [-8, 7], and the position."""
    for cache in ("k", "v"):
        save(name + "." + cache + "_cache",
             pack_int4(rng.integers(-8, 8, size=shape)))
    save(name + ".position", np.array(pos, dtype=np.int64))


def int4_decode(rng):
    """Decode over int4 caches (stored packed): bf16 activations with per-row
    dynamic scales (library `token` keys, per-token-head `group = 128`
    values); f32 activations with static per-kv-head scales. Codes are
    uniform in [-8, 7]; scales are positive."""
    name = "decode-int4-token"
    b, hq, hkv, d, smax, pos = 1, 8, 2, 128, 512, 300
    new_entries(rng, name, b, hq, hkv, d, "bf16")
    int4_caches(rng, name, (b, hkv, smax, d), pos)
    for cache in ("k", "v"):
        save(name + "." + cache + "_scale",
             rng.uniform(0.05, 0.4, (b, hkv, smax, 1))
             .astype(ml_dtypes.bfloat16))

    name = "decode-int4-head"
    b, hq, hkv, d, smax, pos = 2, 4, 2, 64, 300, 200
    new_entries(rng, name, b, hq, hkv, d, "f32")
    int4_caches(rng, name, (b, hkv, smax, d), pos)
    for cache in ("k", "v"):
        save(name + "." + cache + "_scale",
             rng.uniform(0.1, 0.5, (hkv, 1, 1)).astype(np.float32))


def fp4_decode(rng):
    """int4_decode's two cases over fp4 (e2m1) caches, stored packed like
    int4: the codes are uniform over all 16 nibbles (-0 included)."""
    for name, b, hq, hkv, d, smax, pos, dtype in (
            ("decode-fp4-token", 1, 8, 2, 128, 512, 300, "bf16"),
            ("decode-fp4-head", 2, 4, 2, 64, 300, 200, "f32")):
        new_entries(rng, name, b, hq, hkv, d, dtype)
        for cache in ("k", "v"):
            save(name + "." + cache + "_cache",
                 pack_int4(rng.integers(0, 16, size=(b, hkv, smax, d))))
        save(name + ".position", np.array(pos, dtype=np.int64))
        for cache in ("k", "v"):
            if dtype == "bf16":
                scale = rng.uniform(0.05, 0.4, (b, hkv, smax, 1)).astype(
                    ml_dtypes.bfloat16)
            else:
                scale = rng.uniform(0.1, 0.5, (hkv, 1, 1)).astype(np.float32)
            save(name + "." + cache + "_scale", scale)


def asymmetric_decode(rng):
    """Decode over asymmetric caches (zero points): int8 with bf16
    activations, per-row dynamic (token) key scales and zero points and
    static per-kv-head value ones; int4 (stored packed) with f32 activations,
    batch 2, a static per-tensor key scale and zero point and per-row
    dynamic (token) value ones. Codes and zero points are uniform over the
    type's range (what calculate_qparams gives: zp in [qmin, qmax]); scales
    are positive."""
    name = "decode-int8-asym"
    b, hq, hkv, d, smax, pos = 1, 8, 2, 128, 512, 300
    new_entries(rng, name, b, hq, hkv, d, "bf16")
    for cache in ("k", "v"):
        save(name + "." + cache + "_cache",
             rng.integers(-128, 128, size=(b, hkv, smax, d), dtype=np.int8))
    save(name + ".position", np.array(pos, dtype=np.int64))
    save(name + ".k_scale", rng.uniform(0.005, 0.03, (b, hkv, smax, 1))
         .astype(ml_dtypes.bfloat16))
    save(name + ".k_zero_point",
         rng.integers(-128, 128, size=(b, hkv, smax, 1), dtype=np.int8))
    save(name + ".v_scale", rng.uniform(0.002, 0.02, (hkv, 1, 1))
         .astype(ml_dtypes.bfloat16))
    save(name + ".v_zero_point",
         rng.integers(-128, 128, size=(hkv, 1, 1), dtype=np.int8))

    name = "decode-int4-asym"
    b, hq, hkv, d, smax, pos = 2, 4, 2, 64, 300, 200
    new_entries(rng, name, b, hq, hkv, d, "f32")
    int4_caches(rng, name, (b, hkv, smax, d), pos)
    save(name + ".k_scale",
         rng.uniform(0.1, 0.5, (1,)).astype(np.float32))
    save(name + ".k_zero_point", rng.integers(-8, 8, size=(1,), dtype=np.int8))
    save(name + ".v_scale",
         rng.uniform(0.1, 0.5, (b, hkv, smax, 1)).astype(np.float32))
    save(name + ".v_zero_point",
         rng.integers(-8, 8, size=(b, hkv, smax, 1), dtype=np.int8))


def tensor_core_prefill(rng):
    """16-bit prefill, which runs on tensor cores: bf16 causal GQA 4:1 with
    150 queries and keys (not a multiple of 16 or of the 64-key tile, batch
    2, head dim 128); bf16 chunked prefill (37 queries at position 50 of a
    128-row cache) with causality and a boolean mask whose query row 5 of
    head 1 is fully masked (NaN on both paths); f16 with an additive mask."""
    case(rng, "prefill-bf16-gqa", "bf16", 2, 8, 2, 150, 128)
    name = "prefill-bf16-masked"
    case(rng, name, "bf16", 1, 4, 2, 37, 64, smax=128, pos=50)
    keep = rng.random((1, 4, 37, 87)) < 0.7
    keep[0, 1, 5, :] = False
    save(name + ".mask", keep)
    case(rng, "prefill-f16", "f16", 1, 4, 4, 80, 64,
         mask_shape=(1, 1, 80, 80))


def group_decode(rng):
    """Decode over int4 caches (stored packed) with a scale per group of a
    row (G = D/group per row, as compressed-tensors stores them): bf16
    activations, asymmetric keys with groups of 32 (scales and zero points
    [B, Hkv, Smax, 4]), symmetric values with groups of 64 ([.., 2])."""
    name = "decode-int4-group"
    b, hq, hkv, d, smax, pos = 1, 8, 2, 128, 512, 300
    new_entries(rng, name, b, hq, hkv, d, "bf16")
    int4_caches(rng, name, (b, hkv, smax, d), pos)
    save(name + ".k_scale", rng.uniform(0.05, 0.4, (b, hkv, smax, d // 32))
         .astype(ml_dtypes.bfloat16))
    save(name + ".k_zero_point",
         rng.integers(-8, 8, size=(b, hkv, smax, d // 32), dtype=np.int8))
    save(name + ".v_scale", rng.uniform(0.05, 0.4, (b, hkv, smax, d // 64))
         .astype(ml_dtypes.bfloat16))


def quantized_prefill(rng):
    """Prefill over quantized caches (a chunk of queries at a position, as
    chunked prefill or a prompt after a cached prefix does):
    - bf16 (tensor cores), GQA 4:1, 70 queries at position 130 of a 512-row
      cache: int8 keys with per-row dynamic (token) bf16 scales, fp8 values
      with static per-kv-head scales;
    - f32, batch 2, 24 queries at position 40 of 100 rows: asymmetric int8
      keys with groups of 32 (dynamic scales and zero points [.., 2]), int4
      values (stored packed) with groups of 16 ([.., 4]);
    - f16 (tensor cores), 48 queries at position 16 of 128 rows: int4 keys
      with a static scale and zero point per kv head, fp4 values with a
      static per-tensor scale.
    Rows past the context hold fp8 NaN codes and NaN scales (they must not
    be read); the other codes are uniform over their type's range."""
    name = "prefill-quant-bf16"
    b, hq, hkv, sq, d, smax, pos = 1, 8, 2, 70, 128, 512, 130
    case(rng, name, "bf16", b, hq, hkv, sq, d)
    end = pos + sq
    save(name + ".k_cache",
         rng.integers(-128, 128, size=(b, hkv, smax, d), dtype=np.int8))
    v_codes = (rng.standard_normal((b, hkv, smax, d)) * 100).clip(-448, 448)
    v_codes = v_codes.astype(ml_dtypes.float8_e4m3fn)
    v_codes.view(np.uint8)[:, :, end:, :] = 0x7F
    save(name + ".v_cache", v_codes)
    save(name + ".position", np.array(pos, dtype=np.int64))
    k_scale = rng.uniform(0.005, 0.03, (b, hkv, smax, 1))
    k_scale[:, :, end:, :] = np.nan
    save(name + ".k_scale", k_scale.astype(ml_dtypes.bfloat16))
    save(name + ".v_scale", rng.uniform(0.002, 0.02, (hkv, 1, 1))
         .astype(ml_dtypes.bfloat16))

    name = "prefill-quant-f32"
    b, hq, hkv, sq, d, smax, pos = 2, 4, 2, 24, 64, 100, 40
    case(rng, name, "f32", b, hq, hkv, sq, d)
    save(name + ".k_cache",
         rng.integers(-128, 128, size=(b, hkv, smax, d), dtype=np.int8))
    save(name + ".v_cache", pack_int4(rng.integers(-8, 8, size=(b, hkv, smax, d))))
    save(name + ".position", np.array(pos, dtype=np.int64))
    k_scale = rng.uniform(0.005, 0.03, (b, hkv, smax, d // 32))
    k_scale[:, :, pos + sq:, :] = np.nan
    save(name + ".k_scale", k_scale.astype(np.float32))
    save(name + ".k_zero_point",
         rng.integers(-128, 128, size=(b, hkv, smax, d // 32), dtype=np.int8))
    save(name + ".v_scale", rng.uniform(0.05, 0.4, (b, hkv, smax, d // 16))
         .astype(np.float32))

    name = "prefill-quant-f16"
    b, hq, hkv, sq, d, smax, pos = 1, 4, 2, 48, 64, 128, 16
    case(rng, name, "f16", b, hq, hkv, sq, d)
    save(name + ".k_cache", pack_int4(rng.integers(-8, 8, size=(b, hkv, smax, d))))
    save(name + ".v_cache", pack_int4(rng.integers(0, 16, size=(b, hkv, smax, d))))
    save(name + ".position", np.array(pos, dtype=np.int64))
    save(name + ".k_scale", rng.uniform(0.1, 0.5, (hkv, 1, 1)).astype(np.float16))
    save(name + ".k_zero_point",
         rng.integers(-8, 8, size=(hkv, 1, 1), dtype=np.int8))
    save(name + ".v_scale", rng.uniform(0.1, 0.5, (1,)).astype(np.float32))


def main():
    os.makedirs(INPUTS, exist_ok=True)
    rng = np.random.default_rng(7)
    # Decode, GQA 4:1, context 678 of 1024 (not a multiple of any split).
    case(rng, "decode-bf16", "bf16", 1, 8, 2, 1, 128, smax=1024, pos=677)
    # Decode, GQA 2:1, batch 2, f32, head_dim 64, additive mask.
    case(rng, "decode-f32", "f32", 2, 4, 2, 1, 64, smax=300, pos=200,
         mask_shape=(2, 1, 1, 201))
    # Causal prefill without a cache, 40 queries (a partial query tile).
    case(rng, "prefill-bf16", "bf16", 1, 8, 2, 40, 64)
    # Chunked prefill: 20 queries at position 10 of a 64-row cache, causal
    # and an additive mask.
    case(rng, "prefill-f32", "f32", 1, 4, 4, 20, 64, smax=64, pos=10,
         mask_shape=(1, 4, 20, 30))
    quantized_decode(rng)
    int4_decode(rng)
    fp4_decode(rng)
    asymmetric_decode(rng)
    tensor_core_prefill(rng)
    group_decode(rng)
    quantized_prefill(rng)


if __name__ == "__main__":
    main()
