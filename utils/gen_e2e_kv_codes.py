#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Writes the quantized past caches of the end-to-end decode tests that run
through ct-materialize-kv-cache (test/E2E/Inputs/<config>.decode.past_{k,v}.
{codes,scale,zero_point}.npy) and the dequantizing helper module those
tests compare with (test/E2E/Inputs/kv-cache-dequantize.mlir).

The library keeps its KV cache fake-quantized: every past value is
v = (q - zp) * scale in float32 for an integer or fp8 code q. A stored cache
needs q and the scale back, exactly, or the decode step would attend to
different keys than the library's:

- static schemes: the scale and zero point are the checkpoint's
  (model.safetensors), so q = v / scale (+ zp) is the code on the grid;
- the library's dynamic `token` scheme: the prefill computed one scale per
  (batch, head) from keys the fixture does not hold. ct.calculate_qparams on
  the fake-quantized values gives it back only up to an ulp (the range ends
  are rounded products (q - zp) * scale), so this script searches the float32
  values next to that estimate for the one with which every element of the
  (batch, head) is reproduced, and derives the zero point as the library
  does. A dynamic scale is stored on every row it covers.

Every code is checked: (q - zp) * scale in float32 must give the library's
value back (up to the sign of zero, which integer codes do not have); the
tests check it once more with ct.dequantize. NumPy only; rerunning reproduces
the files byte for byte.

    python3 utils/gen_e2e_kv_codes.py [--dir test/E2E/Inputs]
"""

import argparse
import json
import pathlib
import struct

import numpy as np

MODULE = "model.layers.0.self_attn"
# config: (kind, key bits/type) -> how the past is stored.
CONFIGS = {
    "r3-fp8-attn-head": "fp8_attn_head",
    "int8-tensor-static": "int8_tensor_asym",
    "r3-int4-token-dynamic": "int4_token_asym",
    "r3-random-int4-token-dynamic": "int4_token_asym",
}


def read_safetensors(path):
    data = path.read_bytes()
    size = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + size])
    dtypes = {"F32": np.float32, "I8": np.int8}
    tensors = {}
    for key, meta in header.items():
        if key == "__metadata__" or meta["dtype"] not in dtypes:
            continue
        begin, end = meta["data_offsets"]
        raw = data[8 + size + begin:8 + size + end]
        tensors[key] = np.frombuffer(raw, dtypes[meta["dtype"]]).reshape(
            meta["shape"])
    return tensors


def fp8_e4m3fn_values():
    """The float32 value of each of the 256 f8E4M3FN codes (NaN for 0x7f,
    0xff)."""
    codes = np.arange(256)
    sign = np.where(codes & 0x80, -1.0, 1.0)
    exponent = (codes >> 3) & 0xF
    mantissa = codes & 0x7
    value = np.where(exponent == 0, mantissa / 8.0 * 2.0**-6,
                     (1 + mantissa / 8.0) * 2.0**(exponent - 7.0))
    value = np.where((exponent == 15) & (mantissa == 7), np.nan, value)
    return (sign * value).astype(np.float32)


def same_values(a, b):
    return np.array_equal(np.asarray(a, np.float32), np.asarray(b, np.float32))


def store_fp8_attn_head(v, scale):
    table = fp8_e4m3fn_values()
    finite = np.where(np.isnan(table), np.inf, table)
    quotient = v / scale.reshape(1, -1, 1, 1)
    codes = np.abs(quotient[..., None] - finite).argmin(-1).astype(np.uint8)
    # A zero keeps its sign in fp8: +0 is 0x00, -0 is 0x80.
    codes = np.where((quotient == 0) & np.signbit(quotient), 0x80,
                     np.where(quotient == 0, 0, codes)).astype(np.uint8)
    back = (table[codes] * scale.reshape(1, -1, 1, 1)).astype(np.float32)
    assert np.array_equal(back.view(np.uint32), v.view(np.uint32))
    return {"codes": codes.view("V1")}


def store_int8_tensor_asym(v, scale, zero_point):
    q = np.round(v / scale[0]) + zero_point[0]
    assert q.min() >= -128 and q.max() <= 127
    q = q.astype(np.int8)
    back = ((q.astype(np.float32) - np.float32(zero_point[0])) *
            scale[0]).astype(np.float32)
    assert same_values(back, v)
    return {"codes": q}


def recover_scale(x, qmin, qmax):
    """The float32 scale s with (round(x / s) * s) == x for every element,
    searched next to calculate_qparams' estimate."""
    lo = np.float32(min(x.min(), 0.0))
    hi = np.float32(max(x.max(), 0.0))
    estimate = np.float32((hi - lo) / np.float32(qmax - qmin))
    up = down = estimate
    candidates = [estimate]
    for _ in range(64):
        up = np.nextafter(up, np.float32(np.inf))
        down = np.nextafter(down, np.float32(0))
        candidates += [up, down]
    for s in candidates:
        n = np.round(x / s)
        if np.abs(n).max() <= qmax - qmin and same_values(
                (n.astype(np.float32) * s).astype(np.float32), x):
            return s, n
    raise RuntimeError("no float32 scale reproduces the fake-quantized row")


def store_int4_token_asym(v):
    qmin, qmax = -8, 7
    batch, heads, rows, dim = v.shape
    codes = np.zeros(v.shape, np.int8)
    scales = np.zeros((batch, heads, rows, 1), np.float32)
    zero_points = np.zeros((batch, heads, rows, 1), np.int8)
    for b in range(batch):
        for h in range(heads):
            x = v[b, h]
            s, n = recover_scale(x, qmin, qmax)
            lo = np.float32(min(x.min(), 0.0))
            zp = int(np.clip(np.round(np.float32(qmin) - lo / s), qmin, qmax))
            q = n + zp
            assert q.min() >= qmin and q.max() <= qmax
            back = ((q.astype(np.float32) - np.float32(zp)) * s).astype(
                np.float32)
            assert same_values(back, x)
            codes[b, h] = q
            scales[b, h] = s
            zero_points[b, h] = zp
    # Two codes per byte along the last axis, element 2i in the low nibble.
    nibbles = codes.astype(np.uint8) & 0xF
    packed = (nibbles[..., 0::2] | (nibbles[..., 1::2] << 4)).astype(np.uint8)
    return {"codes": packed, "scale": scales, "zero_point": zero_points}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = pathlib.Path(__file__).resolve().parent
    parser.add_argument("--dir", type=pathlib.Path,
                        default=here.parent / "test/E2E/Inputs")
    directory = parser.parse_args().dir
    for config, kind in CONFIGS.items():
        weights = read_safetensors(directory / f"{config}.safetensors")
        for which in ("k", "v"):
            past = np.load(directory / f"{config}.decode.past_{which}.npy")
            if kind == "fp8_attn_head":
                stored = store_fp8_attn_head(
                    past, weights[f"{MODULE}.{which}_scale"])
            elif kind == "int8_tensor_asym":
                stored = store_int8_tensor_asym(
                    past, weights[f"{MODULE}.{which}_scale"],
                    weights[f"{MODULE}.{which}_zero_point"])
            else:
                stored = store_int4_token_asym(past)
            if kind != "int4_token_asym":
                stored["scale"] = weights[f"{MODULE}.{which}_scale"]
                if kind == "int8_tensor_asym":
                    stored["zero_point"] = weights[
                        f"{MODULE}.{which}_zero_point"]
            for name, array in stored.items():
                np.save(directory / f"{config}.decode.past_{which}.{name}.npy",
                        array)


if __name__ == "__main__":
    main()
