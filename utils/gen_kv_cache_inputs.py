#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Writes the inputs of test/Integration/CPU/kv-cache-*.mlir
(test/Integration/CPU/Inputs/kv-cache.*.npy): queries, keys and values of a
prefill step (5 tokens) and a decode step (1 token), and empty caches in
every storage format the test uses.

There are no expectations here: the test runs the fake-quantized program and
its ct-materialize-kv-cache form on these inputs and compares the two
bitwise. NumPy only, fixed seed: rerunning reproduces the files byte for
byte.

    python3 utils/gen_kv_cache_inputs.py [--out DIR]
"""

import argparse
import pathlib

import numpy as np

HQ, HKV, D, SMAX = 4, 2, 16, 8


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = pathlib.Path(__file__).resolve().parent
    parser.add_argument("--out", type=pathlib.Path,
                        default=here.parent / "test/Integration/CPU/Inputs")
    out = parser.parse_args().out
    rng = np.random.default_rng(2026)

    def save(name, array):
        np.save(out / f"kv-cache.{name}.npy", array)

    for step, tokens in (("prefill", 5), ("decode", 1)):
        save(f"{step}.q", rng.standard_normal((1, HQ, tokens, D), np.float32))
        # Keys off-centre and with one large channel, values with a range
        # that differs per head: asymmetric zero points and per-head /
        # per-write scales all differ.
        k = rng.standard_normal((1, HKV, tokens, D), np.float32) + 0.75
        k[..., 3] *= 4.0
        v = rng.standard_normal((1, HKV, tokens, D), np.float32)
        v[:, 1] *= 3.0
        save(f"{step}.k", k.astype(np.float32))
        save(f"{step}.v", v.astype(np.float32))
    save("position0", np.array(0, np.int64))
    save("position5", np.array(5, np.int64))

    cache = (1, HKV, SMAX, D)
    save("f32", np.zeros(cache, np.float32))
    save("i8", np.zeros(cache, np.int8))
    # Codes equal to the zero point 3 dequantize to the empty float cache's
    # 0.0 (static asymmetric int8 in the test).
    save("i8-zp3", np.full(cache, 3, np.int8))
    save("f8", np.zeros(cache, np.uint8).view("V1"))
    # 4-bit codes travel packed, two per byte along the last axis.
    save("packed4", np.zeros(cache[:-1] + (D // 2,), np.uint8))
    # int4 codes -3 (nibble 0xd), the zero point of the per-channel key
    # scales in kv-cache-key-channels.mlir: they dequantize to 0.0.
    save("packed4-zp-3", np.full(cache[:-1] + (D // 2,), 0xDD, np.uint8))
    save("rows1", np.zeros(cache[:-1] + (1,), np.float32))
    save("rows2", np.zeros(cache[:-1] + (2,), np.float32))
    save("zp1", np.zeros(cache[:-1] + (1,), np.int8))


if __name__ == "__main__":
    main()
