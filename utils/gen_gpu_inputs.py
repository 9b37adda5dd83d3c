#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Writes the inputs of the GPU integration tests that compare the GPU with
the CPU path (test/Integration/GPU/Inputs/*.npy). NumPy only, fixed seeds:
rerunning it reproduces the committed files byte for byte.

    python3 utils/gen_gpu_inputs.py
"""

import pathlib

import numpy as np

OUT = (pathlib.Path(__file__).resolve().parent.parent / "test" /
       "Integration" / "GPU" / "Inputs")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    # hadamard-sizes.mlir: rows of every FWHT kernel shape, 3 rows so that
    # packed-row kernels see a partial block.
    np.save(OUT / "fwht.x.npy",
            rng.standard_normal((3, 8192)).astype(np.float32))
    # hadamard-sizes.mlir, m·2^k sizes: rows of lcm(80, 96, 112, 3584).
    np.save(OUT / "kron.x.npy",
            rng.standard_normal((2, 53760)).astype(np.float32))
    # quantize-sizes.mlir: [1, 40, 4096], rows of varied magnitude so that
    # per-token scales differ, and a static scale per group of 128.
    x = rng.standard_normal((1, 40, 4096)).astype(np.float32)
    x *= np.exp2(rng.integers(-6, 7, size=(1, 40, 1))).astype(np.float32)
    np.save(OUT / "quant.x.npy", x)
    groups = np.abs(x).reshape(1, 40, 32, 128).max(axis=-1) / 7.5
    np.save(OUT / "quant.group_scale.npy", groups.astype(np.float32))


if __name__ == "__main__":
    main()
