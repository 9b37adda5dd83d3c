#!/usr/bin/env python3
"""Golden data for ct's quantization numerics, produced by compressed-tensors itself.

Every number written here comes out of the library's own functions:
  - scales / zero points: `calculate_qparams` (static; fed with the min/max a
    memoryless min-max observer would see), `compute_dynamic_scales_and_zp`
    (dynamic), `generate_gparam` (NVFP4 global scale);
  - `quantize`, `dequantize`, `forward_quantize` (which calls `fake_quantize`).
The only thing this script computes itself is the per-strategy min/max reduction
for *static* cases (calibration lives in llm-compressor's observers, not in
compressed-tensors); it mirrors the scale shapes of `initialize_qparams`.

Regenerate (from the repository root, in the venv of utils/golden/README.md):
    python3 utils/golden/gen_quant.py --out test/Integration/CPU/golden/quant
"""

import argparse
import json
import shutil
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import ml_dtypes
import numpy as np
import torch
import compressed_tensors
from compressed_tensors.quantization import (
    QuantizationArgs,
    QuantizationStatus,
    QuantizationStrategy,
)
from compressed_tensors.quantization.lifecycle.forward import (
    dequantize,
    fake_quantize,
    forward_quantize,
    quantize,
)
from compressed_tensors.quantization.utils.helpers import (
    calculate_qparams,
    compute_dynamic_scales_and_zp,
    generate_gparam,
    maybe_pad_tensor_for_block_quant,
)

F32, BF16, FP8 = torch.float32, torch.bfloat16, torch.float8_e4m3fn
NAN, INF = float("nan"), float("inf")

# --------------------------------------------------------------------------- #
# Schemes (QuantizationArgs keyword sets)
# --------------------------------------------------------------------------- #

INT8 = dict(num_bits=8, type="int")
INT4 = dict(num_bits=4, type="int")
INT3 = dict(num_bits=3, type="int")
INT2 = dict(num_bits=2, type="int")
FP8_E4M3 = dict(num_bits=8, type="float")
FP4_E2M1 = dict(num_bits=4, type="float")
FP6_E2M3 = dict(num_bits=6, type="float")
NVFP4 = dict(num_bits=4, type="float", strategy="tensor_group", group_size=16,
             scale_dtype=FP8, zp_dtype=FP8)
MXFP4 = dict(num_bits=4, type="float", strategy="group", group_size=32,
             scale_dtype=torch.uint8, zp_dtype=torch.uint8)
MXFP8 = dict(MXFP4, num_bits=8)
MXFP6 = dict(MXFP4, num_bits=6)


@dataclass
class Case:
    name: str
    args: dict                      # QuantizationArgs(**args)
    make_x: Callable[[], torch.Tensor]
    mode: str                       # "static" | "dynamic" | "local"
    note: str = ""
    # static only: a hand-picked scale (and zp) instead of calculate_qparams
    given_scale: torch.Tensor | None = None
    given_zp: torch.Tensor | None = None


def seeded_randn(name: str, shape, dtype=F32, mag=2.0, shift=0.0):
    """Normal data, seeded from the case name so every case is reproducible alone."""
    def make():
        g = torch.Generator().manual_seed(zlib.crc32(name.encode()))
        x = torch.randn(shape, generator=g) * mag + shift
        return x.to(dtype)
    return make


def seeded_rows(name: str, shape, dtype=F32, row_exponents=(-6, -1, 0, 5)):
    """Normal data whose rows span magnitudes 2^e: varied MX exponents per group."""
    def make():
        g = torch.Generator().manual_seed(zlib.crc32(name.encode()))
        x = torch.randn(shape, generator=g)
        rows = torch.tensor([2.0 ** row_exponents[i % len(row_exponents)]
                             for i in range(shape[-2])]).reshape(-1, 1)
        return (x * rows).to(dtype)
    return make


def const(values, dtype=F32, shape=None):
    def make():
        x = torch.tensor(values, dtype=F32)
        if shape is not None:
            x = x.reshape(shape)
        return x.to(dtype)
    return make


# --------------------------------------------------------------------------- #
# Case list
# --------------------------------------------------------------------------- #

def dt_name(dtype):
    return {F32: "f32", BF16: "bf16"}[dtype]


def sym_name(sym):
    return "sym" if sym else "asym"


def type_name(t):
    return {(8, "int"): "int8", (4, "int"): "int4", (3, "int"): "int3",
            (2, "int"): "int2", (8, "float"): "fp8", (4, "float"): "fp4",
            (6, "float"): "fp6"}[(t["num_bits"], t["type"])]


def shape_name(shape):
    return "x".join(str(d) for d in shape)


def grid_cases():
    """Strategy x type x symmetry x static/dynamic x dtype on random data."""
    cases = []
    w2d, a4d, a4d_big = (4, 32), (1, 4, 3, 16), (2, 2, 5, 32)

    def add(strategy, qtype, sym, mode, dtype, shape, extra=None, note=""):
        args = dict(qtype, strategy=strategy, symmetric=sym,
                    dynamic={"static": False, "dynamic": True, "local": "local"}[mode])
        args.update(extra or {})
        name = "_".join([strategy, type_name(qtype), sym_name(sym), mode,
                         dt_name(dtype), shape_name(shape)])
        if extra and "group_size" in extra and strategy == "group":
            name += f"_g{extra['group_size']}"
        if extra and "block_structure" in extra:
            name += "_b" + "x".join(map(str, extra["block_structure"]))
        cases.append(Case(name, args, seeded_randn(name, shape, dtype,
                                                   shift=0.0 if sym else 0.75),
                          mode, note))

    for dtype in (F32, BF16):
        for qtype in (INT8, INT4, FP8_E4M3, FP4_E2M1):
            for sym in (True, False):
                if qtype is FP4_E2M1 and not sym:
                    continue  # rejected by calculate_qparams (see errors)
                # tensor: static weights and dynamic activations
                add("tensor", qtype, sym, "static", dtype, w2d)
                add("tensor", qtype, sym, "dynamic", dtype, a4d)
                # channel: static weights only (dynamic channel is rejected)
                add("channel", qtype, sym, "static", dtype, w2d)
                # group: static weights, dynamic activations (4-D)
                add("group", qtype, sym, "static", dtype, w2d, dict(group_size=8))
                add("group", qtype, sym, "dynamic", dtype, a4d, dict(group_size=8))
                # block: static 2-D weights; rows not divisible -> zero padding
                add("block", qtype, sym, "static", dtype, (8, 32),
                    dict(block_structure=[4, 16]))
                add("block", qtype, sym, "static", dtype, (10, 32),
                    dict(block_structure=[4, 16]),
                    note="rows 10 not divisible by block 4: library zero-pads")
                # token: dynamic only, on 2-D, 3-D and 4-D inputs (scale shapes differ)
                add("token", qtype, sym, "dynamic", dtype, (6, 16),
                    note="2-D input: token reduces dims 2.. = none -> one scale")
                add("token", qtype, sym, "dynamic", dtype, (2, 3, 16),
                    note="3-D [B,S,D]: one scale per token (B,S,1)")
                add("token", qtype, sym, "dynamic", dtype, a4d,
                    note="4-D [B,H,S,D]: one scale per (batch, head) (B,H,1,1)")
                # attn_head: static only
                add("attn_head", qtype, sym, "static", dtype, a4d)
                add("attn_head", qtype, sym, "static", dtype, a4d_big)
        # low-bit ints: a few
        for qtype in (INT2, INT3):
            for sym in (True, False):
                add("tensor", qtype, sym, "static", dtype, w2d)
                add("group", qtype, sym, "static", dtype, w2d, dict(group_size=8))
                add("token", qtype, sym, "dynamic", dtype, a4d)
        # fp6 e2m3 (MXFP6 element type; symmetric only)
        add("tensor", FP6_E2M3, True, "static", dtype, w2d)
        add("group", FP6_E2M3, True, "dynamic", dtype, a4d, dict(group_size=8))
        # attn_head on 3-D input [H,S,D]
        add("attn_head", INT8, True, "static", dtype, (4, 3, 16))
        add("attn_head", FP8_E4M3, True, "static", dtype, (4, 3, 16))
        # token on the larger 4-D shape
        add("token", FP8_E4M3, True, "dynamic", dtype, a4d_big)
        add("token", INT8, False, "dynamic", dtype, a4d_big)
        add("group", INT8, True, "dynamic", dtype, a4d_big, dict(group_size=16))
    return cases


def nvfp4_mx_cases():
    cases = []
    for dtype in (F32, BF16):
        d = dt_name(dtype)
        for shape in ((8, 32), (1, 4, 3, 16)):
            s = shape_name(shape)
            n = f"nvfp4_static_{d}_{s}"
            cases.append(Case(n, dict(NVFP4, dynamic=False),
                              seeded_randn(n, shape, dtype), "static",
                              "global scale = generate_gparam(amin, amax) of the whole tensor"))
            n = f"nvfp4_local_{d}_{s}"
            cases.append(Case(n, dict(NVFP4, dynamic="local"),
                              seeded_randn(n, shape, dtype), "local",
                              "NVFP4 activations: static global scale (from this tensor), "
                              "dynamic per-group local scales"))
            n = f"nvfp4_dynamic_{d}_{s}"
            cases.append(Case(n, dict(NVFP4, dynamic=True),
                              seeded_randn(n, shape, dtype), "dynamic",
                              "dynamic=True tensor_group: initialize_qparams creates no "
                              "global scale, so local scales are used without one"))
        # a global scale that matters: large magnitudes overflow fp8 scales without it
        n = f"nvfp4_local_{d}_8x32_large"
        cases.append(Case(n, dict(NVFP4, dynamic="local"),
                          seeded_randn(n, (8, 32), dtype, mag=3000.0), "local"))
        n = f"nvfp4_dynamic_{d}_8x32_large"
        cases.append(Case(n, dict(NVFP4, dynamic=True),
                          seeded_randn(n, (8, 32), dtype, mag=3000.0), "dynamic",
                          "no global scale: amax/6 > 448 saturates the fp8 scale at 448"))
        for nm, qt in (("mxfp4", MXFP4), ("mxfp8", MXFP8), ("mxfp6", MXFP6)):
            n = f"{nm}_static_{d}_4x64"
            cases.append(Case(n, dict(qt, dynamic=False),
                              seeded_rows(n, (4, 64), dtype), "static"))
            n = f"{nm}_dynamic_{d}_1x2x3x64"
            cases.append(Case(n, dict(qt, dynamic=True),
                              seeded_rows(n, (1, 2, 3, 64), dtype), "dynamic"))
    return cases


def edge_cases():
    cases = []
    t = lambda q, sym=True, **kw: dict(q, strategy="tensor", symmetric=sym, **kw)
    one = lambda dtype=F32: torch.tensor([1.0], dtype=dtype)

    for dtype in (F32, BF16):
        d = dt_name(dtype)
        # all-zero tensors
        for q in (INT8, FP8_E4M3):
            for sym in (True, False):
                n = f"edge_zeros_{type_name(q)}_{sym_name(sym)}_dynamic_{d}"
                cases.append(Case(n, t(q, sym, dynamic=True),
                                  const([0.0] * 16, dtype, (2, 8)), "dynamic",
                                  "scale 0 -> eps; asymmetric zp = qmin - 0/0 = NaN"))
        n = f"edge_zeros_fp4_sym_static_{d}"
        cases.append(Case(n, dict(FP4_E2M1, strategy="group", group_size=8),
                          const([0.0] * 16, dtype, (2, 8)), "static"))
        n = f"edge_zeros_token_int8_sym_dynamic_{d}"
        cases.append(Case(n, dict(INT8, strategy="token", dynamic=True),
                          const([0.0] * 24, dtype, (1, 2, 3, 4)), "dynamic"))
        n = f"edge_zeros_nvfp4_static_{d}"
        cases.append(Case(n, dict(NVFP4), const([0.0] * 32, dtype, (2, 16)), "static",
                          "generate_gparam: 2688/tiny overflows -> nan_to_num -> 1.0"))
        n = f"edge_zeros_mxfp4_static_{d}"
        cases.append(Case(n, dict(MXFP4), const([0.0] * 32 + [1.0] * 32, dtype, (2, 32)),
                          "static", "all-zero group: E8M0 exponent 0 -> scale 2^-127"))

        # exact .5 ties after the division (scale 1 / 0.5, hand-picked)
        ties8 = [-129.5, -128.5, -127.5, -126.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5,
                 125.5, 126.5, 127.5, 128.5]
        n = f"edge_ties_int8_sym_static_{d}"
        cases.append(Case(n, t(INT8), const([v * 0.5 for v in ties8], dtype), "static",
                          "x/scale lands on k+0.5: clamp first, then round half to even",
                          given_scale=torch.tensor([0.5], dtype=dtype)))
        ties4 = [-9.5, -8.5, -7.5, -6.5, -1.5, -0.5, 0.5, 1.5, 6.5, 7.5, 8.5]
        n = f"edge_ties_int4_sym_static_{d}"
        cases.append(Case(n, t(INT4), const(ties4, dtype), "static",
                          given_scale=one(dtype)))
        n = f"edge_ties_int8_asym_static_{d}"
        cases.append(Case(n, t(INT8, False), const([-3.5, -2.5, -0.5, 0.5, 1.5, 2.5, 120.5,
                                                      121.5, 122.5], dtype), "static",
                          "x/scale + zp on a tie; zp 5",
                          given_scale=one(dtype),
                          given_zp=torch.tensor([5], dtype=torch.int8)))
        fp4_ties = [0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5.0, -0.25, -0.75, -1.25, -1.75,
                    -2.5, -3.5, -5.0, 0.0, -0.0, 0.2, 0.3, 5.5, 6.5]
        n = f"edge_ties_fp4_static_{d}"
        cases.append(Case(n, t(FP4_E2M1), const(fp4_ties, dtype), "static",
                          "e2m1 boundaries: ties go to the even mantissa",
                          given_scale=one(dtype)))
        fp8_ties = [1.0625, 1.1875, 17.0, 19.0, 240.0, 272.0, 464.0, -464.0, 2**-10,
                    3 * 2**-10, 5 * 2**-10]
        n = f"edge_ties_fp8_static_{d}"
        cases.append(Case(n, t(FP8_E4M3), const(fp8_ties, dtype), "static",
                          "fp8 round-to-nearest-even ties, incl. subnormal ties",
                          given_scale=one(dtype)))

        # values beyond the range: clamping
        big = [-1000.0, -300.0, -130.0, -8.5, 0.0, 8.5, 130.0, 300.0, 500.0, 1e6]
        for q in (INT8, INT4, FP8_E4M3, FP4_E2M1):
            n = f"edge_clamp_{type_name(q)}_sym_static_{d}"
            cases.append(Case(n, t(q), const(big, dtype), "static",
                              "x/scale beyond [qmin,qmax] is clamped before rounding",
                              given_scale=one(dtype)))
        n = f"edge_clamp_int8_asym_static_{d}"
        cases.append(Case(n, t(INT8, False), const(big, dtype), "static",
                          given_scale=one(dtype),
                          given_zp=torch.tensor([-20], dtype=torch.int8)))

        # -absmax: symmetric int8 maps -absmax to -127.5 -> -128, +absmax to 127
        for q in (INT8, INT4):
            n = f"edge_negabsmax_{type_name(q)}_sym_dynamic_{d}"
            cases.append(Case(n, t(q, dynamic=True),
                              const([-4.0, -3.0, -1.0, 0.5, 2.0, 3.9], dtype), "dynamic",
                              "scale = absmax/(range/2) rounds up in f32/bf16, so "
                              "-absmax/scale lands just above qmin - 0.5 -> qmin + 1"))
            # absmax = (range/2) * 2^-5 makes the scale exactly 2^-5, so the tie is exact
            exact = {8: 127.5, 4: 7.5}[q["num_bits"]] / 32
            n = f"edge_negabsmax_exact_{type_name(q)}_sym_dynamic_{d}"
            cases.append(Case(n, t(q, dynamic=True),
                              const([-exact, -exact / 4, exact / 8, exact / 2, exact * 0.99], dtype),
                              "dynamic", "scale exactly 2^-5: -absmax/scale = qmin - 0.5 "
                              "exactly -> half-even gives qmin"))
            n = f"edge_posabsmax_{type_name(q)}_sym_dynamic_{d}"
            cases.append(Case(n, t(q, dynamic=True),
                              const([-3.9, -1.0, 0.5, 2.0, 4.0], dtype), "dynamic",
                              "+absmax/scale = qmax + 0.5 -> clamped to qmax"))
            n = f"edge_negabsmax_{type_name(q)}_asym_dynamic_{d}"
            cases.append(Case(n, t(q, False, dynamic=True),
                              const([-4.0, -3.0, -1.0, 0.5, 2.0, 3.0], dtype), "dynamic"))
        n = f"edge_negabsmax_fp8_asym_dynamic_{d}"
        cases.append(Case(n, t(FP8_E4M3, False, dynamic=True),
                          const([-4.0, -3.0, -1.0, 0.5, 2.0, 3.0], dtype), "dynamic",
                          "fp8 asymmetric: zp is rounded onto the fp8 grid, not to an integer"))

        # fp8 subnormal results
        sub = [k * 2**-10 for k in range(0, 18)] + [2**-6, 2**-6 * 1.125, -3 * 2**-9]
        n = f"edge_subnormal_fp8_static_{d}"
        cases.append(Case(n, t(FP8_E4M3), const(sub, dtype), "static",
                          "e4m3fn subnormals: multiples of 2^-9 below 2^-6",
                          given_scale=one(dtype)))
        n = f"edge_subnormal_fp8_dynamic_{d}"
        cases.append(Case(n, t(FP8_E4M3, dynamic=True),
                          const([1000.0, 0.001, 0.002, 0.003, -0.004, 0.01, 0.02, -0.03], dtype),
                          "dynamic", "small values land in the fp8 subnormal range"))

        # NaN / Inf inputs
        naninf = [1.0, NAN, INF, -INF, -2.0, 0.5]
        for q in (INT8, FP8_E4M3, FP4_E2M1):
            n = f"edge_naninf_{type_name(q)}_static_{d}"
            cases.append(Case(n, t(q), const(naninf, dtype), "static",
                              "static scale: NaN stays NaN (int storage: see note), "
                              "+-Inf clamp to qmax/qmin",
                              given_scale=torch.tensor([0.1], dtype=dtype)))
        for q in (INT8, FP8_E4M3):
            n = f"edge_nan_{type_name(q)}_dynamic_{d}"
            cases.append(Case(n, t(q, dynamic=True), const([1.0, NAN, -2.0, 0.5], dtype),
                              "dynamic", "NaN in the observed tensor makes the scale NaN"))
            n = f"edge_inf_{type_name(q)}_dynamic_{d}"
            cases.append(Case(n, t(q, dynamic=True), const([1.0, INF, -2.0, 0.5], dtype),
                              "dynamic", "Inf in the observed tensor makes the scale Inf"))
        n = f"edge_nan_token_int8_dynamic_{d}"
        cases.append(Case(n, dict(INT8, strategy="token", dynamic=True),
                          const([1.0, 2.0, NAN, 3.0, 4.0, -1.0, 0.5, 1.5], dtype, (1, 2, 4)),
                          "dynamic", "NaN only poisons its own token's scale"))
        n = f"edge_naninf_int8_asym_static_{d}"
        cases.append(Case(n, t(INT8, False), const(naninf, dtype), "static",
                          given_scale=torch.tensor([0.1], dtype=dtype),
                          given_zp=torch.tensor([3], dtype=torch.int8)))
        n = f"edge_nan_nvfp4_local_{d}"
        cases.append(Case(n, dict(NVFP4, dynamic="local"),
                          const([1.0] * 15 + [NAN] + [2.0] * 16, dtype, (2, 16)), "local"))

    # bf16 double rounding (x / scale rounded to bf16 before round-to-int)
    n = "edge_bf16_double_rounding_int4_sym_static_bf16"
    cases.append(Case(n, t(INT4), const([1.0, 2.0, 3.0, 4.0, 5.0], BF16), "static",
                      "1/0.66796875 = 1.497 -> bf16 1.5 -> 2 (f32 would give 1)",
                      given_scale=torch.tensor([0.66796875], dtype=BF16)))
    # bf16 input with an f32 scale: division promotes to f32, fake-quant result is f32
    n = "edge_mixed_bf16_x_f32_scale_int4_sym_static"
    cases.append(Case(n, t(INT4), const([1.0, 2.0, 3.0, 4.0, 5.0], BF16), "static",
                      "scale dtype wins: bf16 / f32 -> f32 (no double rounding)",
                      given_scale=torch.tensor([0.66796875], dtype=F32)))

    # worked values of SEMANTICS.md section 6 (library's own tests)
    w = lambda: torch.arange(24, dtype=BF16).reshape(4, 6)
    cases.append(Case("worked_int4_tensor_bf16", dict(INT4, strategy="tensor"), w, "static"))
    cases.append(Case("worked_int4_channel_bf16", dict(INT4, strategy="channel"), w, "static"))
    cases.append(Case("worked_int4_group3_bf16", dict(INT4, strategy="group", group_size=3),
                      w, "static"))
    cases.append(Case("worked_int4_attn_head_bf16", dict(INT4, strategy="attn_head"),
                      lambda: torch.arange(24, dtype=BF16).reshape(1, 2, 3, 4), "static"))

    # attn_head scale (H,1,1) applied to a 2-D [S,D] input broadcasts to [H,S,D]
    n = "edge_attn_head_on_2d_int8_f32"
    cases.append(Case(n, dict(INT8, strategy="attn_head"), seeded_randn(n, (3, 16)), "static",
                      "scale (4,1,1) from a [1,4,3,16] calibration; applied to [3,16] the "
                      "output broadcasts to [4,3,16]",
                      given_scale=torch.tensor([0.01, 0.02, 0.03, 0.04]).reshape(4, 1, 1)))
    return cases


# --------------------------------------------------------------------------- #
# Library calls
# --------------------------------------------------------------------------- #

def observed_min_max(x: torch.Tensor, args: QuantizationArgs):
    """Min/max a memoryless min-max observer reduces to, one per scale entry
    (shapes as initialize_qparams allocates them)."""
    s = args.strategy
    if s == QuantizationStrategy.TENSOR:
        return torch.aminmax(x)
    if s == QuantizationStrategy.CHANNEL:
        return x.amin(dim=-1, keepdim=True), x.amax(dim=-1, keepdim=True)
    if s in (QuantizationStrategy.GROUP, QuantizationStrategy.TENSOR_GROUP):
        g = x.unflatten(-1, (x.shape[-1] // args.group_size, args.group_size))
        return g.amin(dim=-1), g.amax(dim=-1)
    if s == QuantizationStrategy.BLOCK:
        bh, bw = args.block_structure
        p = maybe_pad_tensor_for_block_quant(x, args.block_structure)
        b = p.reshape(p.shape[0] // bh, bh, p.shape[1] // bw, bw)
        return b.amin(dim=(1, 3)), b.amax(dim=(1, 3))
    if s == QuantizationStrategy.ATTN_HEAD:
        dims = tuple(i for i in range(x.ndim) if i != x.ndim - 3)
        return (x.amin(dim=dims).reshape(-1, 1, 1), x.amax(dim=dims).reshape(-1, 1, 1))
    raise ValueError(f"no static observer for {s}")


def make_module():
    """A bare module in the state forward_quantize expects (not compressed)."""
    module = torch.nn.Module()
    module.quantization_status = QuantizationStatus.FROZEN
    return module


def run_case(case: Case):
    args = QuantizationArgs(**case.args)
    x = case.make_x()
    module = make_module()
    global_scale = None

    is_tensor_group = args.strategy == QuantizationStrategy.TENSOR_GROUP
    if is_tensor_group and case.mode in ("static", "local"):
        # static global scale: observed over the whole tensor
        global_scale = generate_gparam(*torch.aminmax(x))
        module.input_global_scale = global_scale

    if case.mode == "static":
        if case.given_scale is not None:
            scale = case.given_scale
            zp = case.given_zp
            scale_source = "given"
        else:
            mn, mx = observed_min_max(x, args)
            scale, zp = calculate_qparams(mn, mx, args, global_scale=global_scale)
            scale_source = "calculate_qparams(observed min/max)"
        module.input_scale = scale
        if zp is not None:
            module.input_zero_point = zp
    else:
        scale, zp = compute_dynamic_scales_and_zp(x, args, module, global_scale=global_scale)
        scale_source = "compute_dynamic_scales_and_zp"

    # forward_quantize is the library's runtime entry point (dynamic cases recompute
    # the same scale/zp inside it); fake_quantize must agree with it
    fq = forward_quantize(module, x, "input", args)
    fq_direct = fake_quantize(x, scale, zp, args, global_scale=global_scale)
    assert torch.equal(fq.isnan(), fq_direct.isnan()) and torch.equal(
        fq.nan_to_num(), fq_direct.nan_to_num()), case.name

    if args.type == "int":
        q_dtype = args.pytorch_dtype()                       # int8
    elif args.num_bits == 8:
        q_dtype = FP8                                        # float8_e4m3fn
    else:
        q_dtype = None                                       # fp4/fp6 grid values, x dtype
    q = quantize(x, scale, zp, args, dtype=q_dtype, global_scale=global_scale)
    dq = dequantize(q, scale, zp, args, global_scale=global_scale)

    out = {"x": x, "scale": scale, "q": q, "fq": fq, "dq": dq}
    if zp is not None:
        out["zp"] = zp
    if global_scale is not None:
        out["global_scale"] = global_scale
    if q_dtype == FP8:
        out["q_f32"] = q.to(F32)
    elif q_dtype is None:
        out["q"] = q.to(F32)     # e2m1/e2m3 values are exact in f32
    return args, out, scale_source


# --------------------------------------------------------------------------- #
# Saving
# --------------------------------------------------------------------------- #

def to_numpy(t: torch.Tensor) -> np.ndarray:
    t = t.detach().cpu().contiguous()
    if t.dtype == BF16:
        return t.view(torch.int16).numpy().view(ml_dtypes.bfloat16)
    if t.dtype == FP8:
        return t.view(torch.uint8).numpy().view(ml_dtypes.float8_e4m3fn)
    return t.numpy()


def dtype_str(t: torch.Tensor) -> str:
    return str(t.dtype).removeprefix("torch.")


def args_record(args: QuantizationArgs) -> dict:
    return {
        "num_bits": args.num_bits,
        "type": args.type,
        "symmetric": args.symmetric,
        "strategy": args.strategy,
        "group_size": args.group_size,
        "block_structure": args.block_structure,
        "dynamic": args.dynamic,
        "scale_dtype": None if args.scale_dtype is None else dtype_str(
            torch.empty(0, dtype=args.scale_dtype)),
        "zp_dtype": None if args.zp_dtype is None else dtype_str(
            torch.empty(0, dtype=args.zp_dtype)),
    }


def error_cases():
    """Argument combinations the library rejects, with its exact message."""
    attempts = [
        ("token_static", lambda: QuantizationArgs(strategy="token")),
        ("group_without_size", lambda: QuantizationArgs(strategy="group")),
        ("group_size_with_tensor", lambda: QuantizationArgs(strategy="tensor", group_size=8)),
        ("block_without_structure", lambda: QuantizationArgs(strategy="block")),
        ("structure_without_block", lambda: QuantizationArgs(block_structure=[4, 4])),
        ("dynamic_channel", lambda: QuantizationArgs(strategy="channel", dynamic=True)),
        ("dynamic_block", lambda: QuantizationArgs(strategy="block", block_structure=[4, 4],
                                                   dynamic=True)),
        ("dynamic_attn_head", lambda: QuantizationArgs(strategy="attn_head", dynamic=True)),
        ("local_not_tensor_group", lambda: QuantizationArgs(strategy="group", group_size=8,
                                                            dynamic="local")),
        ("fp4_asymmetric_qparams", lambda: calculate_qparams(
            torch.tensor(-1.0), torch.tensor(1.0),
            QuantizationArgs(num_bits=4, type="float", symmetric=False))),
        ("float_5_bits", lambda: fake_quantize(
            torch.ones(4), torch.ones(1), None, QuantizationArgs(num_bits=5, type="float"))),
        ("group_not_divisible", lambda: fake_quantize(
            torch.ones(2, 12), torch.ones(2, 2), None,
            QuantizationArgs(strategy="group", group_size=8))),
        ("block_on_4d", lambda: fake_quantize(
            torch.ones(1, 2, 4, 8), torch.ones(1, 1), None,
            QuantizationArgs(strategy="block", block_structure=[4, 8]))),
    ]
    records = []
    for name, fn in attempts:
        try:
            fn()
            records.append({"name": name, "raised": None})
        except Exception as e:  # the message is the golden value here
            if hasattr(e, "errors"):     # pydantic: the validator's own message
                msg = e.errors()[0]["msg"].splitlines()[0]
            else:
                msg = str(e).splitlines()[0] if str(e) else ""
            records.append({"name": name, "raised": type(e).__name__, "message": msg})
    return records


def compact_json(manifest: dict) -> str:
    """Indented at the top level, one line per case / error: small and diffable."""
    lines = []
    for key, value in manifest.items():
        if isinstance(value, list):
            items = ",\n  ".join(json.dumps(v) for v in value)
            lines.append(f" {json.dumps(key)}: [\n  {items}\n ]")
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(value)}")
    return "{\n" + ",\n".join(lines) + "\n}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path)
    opts = parser.parse_args()

    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    if opts.out.exists():
        shutil.rmtree(opts.out)
    opts.out.mkdir(parents=True)

    cases = grid_cases() + nvfp4_mx_cases() + edge_cases()
    names = [c.name for c in cases]
    assert len(names) == len(set(names)), "duplicate case names"

    manifest_cases = []
    for case in cases:
        args, out, scale_source = run_case(case)
        files = {}
        for key, tensor in out.items():
            fname = f"{case.name}.{key}.npy"
            np.save(opts.out / fname, to_numpy(tensor))
            files[key] = [list(tensor.shape), dtype_str(tensor)]
        fq, dq = out["fq"], out["dq"]
        manifest_cases.append({
            "name": case.name,
            "mode": case.mode,
            "args": args_record(args),
            "scale_source": scale_source,
            "fq_equals_dq": bool(fq.shape == dq.shape and fq.dtype == dq.dtype and
                                 torch.equal(fq.nan_to_num(), dq.nan_to_num()) and
                                 torch.equal(fq.isnan(), dq.isnan())),
            "note": case.note,
            "files": files,
        })

    manifest = {
        "generator": "utils/golden/gen_quant.py",
        "versions": {"compressed-tensors": compressed_tensors.__version__,
                     "torch": torch.__version__, "numpy": np.__version__,
                     "ml_dtypes": ml_dtypes.__version__},
        "files_format": "files: {key: [shape, dtype]}, stored as <case>.<key>.npy",
        "files_legend": {
            "x": "input",
            "scale": "scale as the library returns/stores it (x's dtype unless given)",
            "zp": "zero point in args.zp_dtype (zeros when symmetric)",
            "global_scale": "tensor_group global scale (float32, shape [1])",
            "q": "quantize(x, scale, zp, args, dtype=int8|float8_e4m3fn) ; fp4/fp6: grid "
                 "values as float32",
            "q_f32": "fp8 codes widened to float32",
            "fq": "forward_quantize / fake_quantize(x) in the library's output dtype",
            "dq": "dequantize(q, scale, zp, args) in the library's output dtype",
        },
        "npy_dtypes": "bfloat16 and float8_e4m3fn arrays are written via ml_dtypes; numpy "
                      "stores them with descr '<V2' / '<V1' (raw bytes): load with "
                      "np.load(f).view(ml_dtypes.bfloat16|float8_e4m3fn) or read the bits",
        "cases": manifest_cases,
        "errors": error_cases(),
    }
    (opts.out / "manifest.json").write_text(compact_json(manifest) + "\n")
    total = sum(p.stat().st_size for p in opts.out.iterdir())
    print(f"{len(manifest_cases)} cases, {len(list(opts.out.iterdir()))} files, "
          f"{total / 1024:.0f} KiB -> {opts.out}")


if __name__ == "__main__":
    main()
