#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Writes the inputs and NumPy-computed expectations of the CPU integration
tests (test/Integration/CPU/Inputs/*.npy).

NumPy only, fixed seeds: rerunning it reproduces the committed files byte for
byte. bfloat16 and float8 arrays are written as NumPy writes opaque bytes
('|V2', '|V1'); ml_dtypes writes '<V2' for bfloat16, and ct-run reads both.

    python3 utils/gen_integration_inputs.py [--out DIR]
"""

import argparse
import math
import pathlib

import numpy as np


def bf16_bits(x):
    """float32 -> bfloat16 bit patterns, rounding to nearest even (what
    arith.truncf and ml_dtypes do)."""
    bits = np.asarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype(np.uint16)


def bf16_to_f32(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def as_opaque(bits):
    """Raw bit patterns as the void dtype ml_dtypes arrays are saved with."""
    return np.ascontiguousarray(bits).view(f"V{bits.dtype.itemsize}")


def softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    default_out = (pathlib.Path(__file__).resolve().parent.parent /
                   "test" / "Integration" / "CPU" / "Inputs")
    parser.add_argument("--out", type=pathlib.Path, default=default_out)
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)

    def save(name, array):
        np.save(out / f"{name}.npy", array)

    def randn(seed, *shape):
        rng = np.random.default_rng(seed)
        return rng.standard_normal(shape).astype(np.float32)

    # matmul.mlir
    a, b = randn(1, 8, 16), randn(2, 16, 4)
    expected = a @ b
    save("matmul.a", a)
    save("matmul.b", b)
    save("matmul.expected", expected)
    # errors.mlir: an expectation off by one in a single element.
    wrong = expected.copy()
    wrong[1, 2] += 1.0
    save("matmul.wrong", wrong)

    # batch_matmul.mlir: B given as [batch, n, k].
    a, bt = randn(3, 3, 8, 16), randn(4, 3, 4, 16)
    save("batch_matmul.a", a)
    save("batch_matmul.bt", bt)
    save("batch_matmul.expected", a @ bt.transpose(0, 2, 1))

    # softmax.mlir
    x = 3 * randn(5, 4, 16)
    save("softmax.x", x)
    save("softmax.expected", softmax(x, axis=1).astype(np.float32))

    # attention.mlir
    q, k, v = randn(6, 1, 2, 8, 16), randn(7, 1, 2, 8, 16), randn(8, 1, 2, 8, 16)
    scale = np.float32(1 / np.sqrt(16))
    scores = (q @ k.transpose(0, 1, 3, 2)) * scale
    save("attention.q", q)
    save("attention.k", k)
    save("attention.v", v)
    save("attention.scale", scale)
    save("attention.expected", (softmax(scores, axis=-1) @ v).astype(np.float32))

    # tosa.mlir
    q, kt = randn(9, 1, 4, 8), randn(10, 1, 8, 6)
    save("tosa.q", q)
    save("tosa.kt", kt)
    save("tosa.expected", softmax(q @ kt, axis=-1).astype(np.float32))

    # bf16.mlir: f32 accumulation of exactly representable bf16 products.
    a_bits, b_bits = bf16_bits(randn(11, 4, 16)), bf16_bits(randn(12, 16, 8))
    product = bf16_to_f32(a_bits) @ bf16_to_f32(b_bits)
    save("bf16.a", as_opaque(a_bits))
    save("bf16.b", as_opaque(b_bits))
    save("bf16.expected", as_opaque(bf16_bits(product)))
    # output.mlir: doubling a bf16 value is exact.
    save("output.expected", as_opaque(bf16_bits(2 * bf16_to_f32(a_bits))))

    # i8.mlir: the add wraps around, the matmul accumulates in i32.
    rng = np.random.default_rng(13)
    a = rng.integers(-128, 128, size=(4, 8), dtype=np.int8)
    b = rng.integers(-128, 128, size=(4, 8), dtype=np.int8)
    bmat = rng.integers(-128, 128, size=(8, 4), dtype=np.int8)
    save("i8.a", a)
    save("i8.b", b)
    save("i8.bmat", bmat)
    save("i8.sum.expected", (a.astype(np.int16) + b).astype(np.int8))
    save("i8.matmul.expected", a.astype(np.int32) @ bmat.astype(np.int32))

    # dtypes.mlir: fp8 bytes only move, so any byte pattern will do.
    rng = np.random.default_rng(14)
    f8 = rng.integers(0, 256, size=(4, 8), dtype=np.uint8)
    save("dtypes.f8", as_opaque(f8))
    save("dtypes.f8t.expected", as_opaque(f8.T))
    mask = rng.integers(0, 2, size=16).astype(np.bool_)
    a, b = randn(15, 16), randn(16, 16)
    save("dtypes.mask", mask)
    save("dtypes.a", a)
    save("dtypes.b", b)
    save("dtypes.select.expected", np.where(mask, a, b))
    save("dtypes.greater.expected", a > b)
    x = rng.integers(-1000, 1000, size=8, dtype=np.int64)
    save("dtypes.i64", x)
    save("dtypes.index", np.int64(7))
    save("dtypes.add_index.expected", x + 7)

    # math.mlir: erf from Python's math module (NumPy has none). The x grid
    # avoids 0, where rsqrt is infinite.
    x = np.linspace(-2, 2, 16, dtype=np.float32)
    h_bits = bf16_bits(randn(17, 16))
    save("math.x", x)
    save("math.h", as_opaque(h_bits))
    erf = np.array([math.erf(v) for v in x.astype(np.float64)])
    save("math.f32.expected",
         (np.tanh(x.astype(np.float64)) + erf +
          1 / np.sqrt(np.abs(x.astype(np.float64)))).astype(np.float32))
    save("math.bf16.expected",
         as_opaque(bf16_bits(np.exp(bf16_to_f32(h_bits)))))

    # print.mlir, elementwise.mlir
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    save("print.x", x)
    save("elementwise.keep", np.bool_(False))
    save("elementwise.expected", -x)

    # dynamic_input.mlir
    for rows in (3, 5):
        x = randn(20 + rows, rows, 4)
        save(f"dynamic.x{rows}", x)
        save(f"dynamic.x{rows}.expected", x.sum(axis=0))


if __name__ == "__main__":
    main()
