#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Packed-byte expectations for test/Integration/CPU/packed-4bit.mlir.

Packs golden 4-bit codes (test/Integration/CPU/golden/quant/*.q.npy, written
by gen_quant.py from compressed-tensors) two per byte, as
compressed_tensors.compressors.nvfp4.helpers.pack_fp4_to_uint8 does: element
2i in the low nibble and element 2i+1 in the high nibble of byte i, along the
last axis. int4 codes are stored as their two's-complement nibble; fp4 golden
files hold e2m1 grid values as float32, which become their e2m1 codes (sign
bit 3, magnitude index into E2M1_GRID). Also writes the small hand-made inputs
of the test's nibble-order and error cases. Output is deterministic.

    python3 utils/golden/gen_packed_4bit.py            # from the repository root
"""

from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
QUANT = ROOT / "test/Integration/CPU/golden/quant"
PACKED = ROOT / "test/Integration/CPU/golden/packed"

CASES = ["group_int4_sym_static_f32_4x32_g8", "tensor_fp4_sym_static_f32_4x32"]
E2M1_GRID = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0]


def codes_of(case: str, q: np.ndarray) -> np.ndarray:
    if "_int4_" in case:
        return q.astype(np.int8).view(np.uint8) & 0xF
    magnitude = np.abs(q)
    index = np.searchsorted(E2M1_GRID, magnitude)
    if not np.array_equal(np.take(E2M1_GRID, index), magnitude):
        raise ValueError(f"{case}: values off the e2m1 grid")
    return (index | (np.signbit(q).astype(np.int64) << 3)).astype(np.uint8)


def pack(codes: np.ndarray) -> np.ndarray:
    if codes.shape[-1] % 2:
        raise ValueError("packing needs an even last dimension")
    return (codes[..., 0::2] | (codes[..., 1::2] << 4)).astype(np.uint8)


def main() -> None:
    PACKED.mkdir(exist_ok=True)
    for case in CASES:
        q = np.load(QUANT / f"{case}.q.npy")
        np.save(PACKED / f"{case}.packed.npy", pack(codes_of(case, q)))
    # int4 codes 1..7, -8 and e2m1 values (7 saturates to 6) at unit scale.
    np.save(PACKED / "order.int4.npy",
            np.array([[1, 2, 3, 4, 5, 6, 7, -8]], np.float32))
    np.save(PACKED / "order.fp4.npy",
            np.array([[1, 2, 3, 4, 6, 7, -0.5, -6]], np.float32))
    np.save(PACKED / "order.scale.npy", np.ones(1, np.float32))
    # Codes of a [4, 32] tensor passed unpacked: a shape error.
    np.save(PACKED / "unpacked.npy", np.zeros((4, 32), np.uint8))


if __name__ == "__main__":
    main()
