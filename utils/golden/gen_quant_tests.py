#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Lit tests that run every golden quantization case through compiled CPU code.

Reads test/Integration/CPU/golden/quant/manifest.json (written by gen_quant.py
from compressed-tensors itself) and writes test/Integration/CPU/golden/*.mlir:
one func.func per case, run by one `ct-run --exact` invocation that compares,
bit for bit,
  - the scale (and zero point) of ct.calculate_qparams, unless the case's
    scale was picked by hand ("scale_source": "given");
  - the codes of ct.quantize: int8 and f8E4M3FN codes as stored; fp4 and fp6
    codes decoded by ct.dequantize with a unit scale (the golden file holds
    the e2m1 / e2m3 grid values as float32);
  - ct.fake_quantize;
  - ct.dequantize of the golden codes (fp4, fp6: of the codes ct.quantize
    made, as f4E2M1FN and f6E2M3FN have no .npy dtype).
quantize/fake_quantize/dequantize take the library's scale, zero point and
global scale as inputs, so that a mismatch shows where it starts.

For each file it also writes test/Integration/GPU/golden/ (REQUIRES:
cuda-device): the same cases, functions and inputs run with `ct-run --gpu`,
so that the GPU kernels are held to the library's numerics bit for bit too.

Cases the lowering does not support are listed in UNSUPPORTED with the
reason; the script fails when the manifest and that list disagree. Output is
deterministic (manifest order, no timestamps).

    python3 utils/golden/gen_quant_tests.py            # from the repository root
"""

import argparse
import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "test/Integration/CPU/golden"
GPU_GOLDEN = ROOT / "test/Integration/GPU/golden"

_ATTN_HEAD = ("attn_head on a 2-D input: the library broadcasts the result to "
              "[H, R, C], a shape other than the input's; the ct dialect "
              "requires rank >= 3")

# Cases without any compiled check, and why.
UNSUPPORTED = {
    "edge_attn_head_on_2d_int8_f32": _ATTN_HEAD,
}

# Checks left out of otherwise supported cases, and why.
SKIPPED_CHECKS = {}
_FP4_NAN = "f4E2M1FN has no NaN: NaN codes cannot be stored"
for _dt in ("f32", "bf16"):
    for _case in ("edge_naninf_fp4_static", "edge_nan_nvfp4_local"):
        SKIPPED_CHECKS[f"{_case}_{_dt}"] = {"q": _FP4_NAN, "dq": _FP4_NAN}

MLIR_TYPES = {
    "float32": "f32",
    "bfloat16": "bf16",
    "int8": "i8",
    "float8_e4m3fn": "f8E4M3FN",
    "uint8": "ui8",
}


def classify(case):
    """Why the pass cannot lower `case`, by rule; None when it can."""
    args = case["args"]
    if args["strategy"] == "attn_head" and len(case["files"]["x"][0]) < 3:
        return _ATTN_HEAD
    return None


def scheme_of(args):
    kind = f'{args["type"]}{args["num_bits"]}'
    parts = [kind]
    strategy = args["strategy"]
    if strategy in ("group", "tensor_group"):
        parts.append(f'{strategy} = {args["group_size"]}')
    elif strategy == "block":
        rows, cols = args["block_structure"]
        parts.append(f"block = [{rows}, {cols}]")
    elif strategy != "tensor":
        parts.append(strategy)
    if not args["symmetric"]:
        parts.append("asymmetric")
    if args["dynamic"] == "local":
        parts.append("dynamic = local")
    elif args["dynamic"]:
        parts.append("dynamic")
    if args["scale_dtype"]:
        parts.append(f'scale_dtype = {MLIR_TYPES[args["scale_dtype"]]}')
    return "quant<" + ", ".join(parts) + ">"


def tensor_type(shape, element):
    return "tensor<" + "".join(f"{d}x" for d in shape) + element + ">"


def file_type(case, key):
    shape, dtype = case["files"][key]
    return tensor_type(shape, MLIR_TYPES[dtype])


def functional(operands, results):
    result = results[0] if len(results) == 1 else "(" + ", ".join(results) + ")"
    return "(" + ", ".join(operands) + ") -> " + result


def emit_case(case):
    """The func.func of `case` and its RUN line."""
    name, args, files = case["name"], case["args"], case["files"]
    skipped = SKIPPED_CHECKS.get(name, {})
    scheme = scheme_of(args)
    # fp4 and fp6 codes have no .npy dtype: golden q holds their grid values.
    sub_byte = args["type"] == "float" and args["num_bits"] in (4, 6)
    symmetric = args["symmetric"]
    has_gs = "global_scale" in files
    x_shape = files["x"][0]

    params = [("x", file_type(case, "x")), ("scale", file_type(case, "scale"))]
    if not symmetric:
        params.append(("zp", file_type(case, "zp")))
    if has_gs:
        params.append(("gs", file_type(case, "global_scale")))
    if not sub_byte and "dq" not in skipped:
        params.append(("q_in", file_type(case, "q")))
    types = dict(params)

    body, results, compares = [], [], []

    def result(value, type_, key):
        results.append((value, type_))
        compares.append(key)

    # Operands and suffix shared by quantize / fake_quantize / dequantize.
    def quant_operands(data):
        ops = [f"%{data}", "%scale"]
        text = f"%{data} scale(%scale)"
        if not symmetric:
            ops.append("%zp")
            text += " zero_point(%zp)"
        if has_gs:
            ops.append("%gs")
            text += " global_scale(%gs)"
        return ops, text

    def operand_types(ops):
        return [types[o[1:]] if o[1:] in types else code_type for o in ops]

    if case["scale_source"] != "given":
        ops, text = ["%x"], "%x"
        if has_gs:
            ops.append("%gs")
            text += " global_scale(%gs)"
        outs = [types["scale"]] + ([] if symmetric else [types["zp"]])
        lhs = "%s_calc" + ("" if symmetric else ", %zp_calc")
        body.append(f"{lhs} = ct.calculate_qparams {text} {scheme} : "
                    + functional([types[o[1:]] for o in ops], outs))
        result("%s_calc", types["scale"], "scale")
        if not symmetric:
            result("%zp_calc", types["zp"], "zp")

    if sub_byte:
        storage = "f4E2M1FN" if args["num_bits"] == 4 else "f6E2M3FN"
        code_type = tensor_type(x_shape, storage)
    else:
        code_type = file_type(case, "q")
    ops, text = quant_operands("x")
    if not (sub_byte and "q" in skipped and "dq" in skipped):
        body.append(f"%q = ct.quantize {text} {scheme} : "
                    + functional(operand_types(ops), [code_type]))
    if sub_byte:
        if "q" not in skipped:
            # Decode the codes: a unit f32 scale gives the grid values.
            one = tensor_type([1], "f32")
            q_values = tensor_type(x_shape, "f32")
            body.append(f"%one = arith.constant dense<1.0> : {one}")
            body.append(f"%q_values = ct.dequantize %q scale(%one) "
                        f"quant<float{args['num_bits']}> : "
                        + functional([code_type, one], [q_values]))
            result("%q_values", q_values, "q")
    else:
        result("%q", code_type, "q")

    ops, text = quant_operands("x")
    fq_type = file_type(case, "fq")
    body.append(f"%fq = ct.fake_quantize {text} {scheme} : "
                + functional(operand_types(ops), [fq_type]))
    result("%fq", fq_type, "fq")

    if "dq" not in skipped:
        data = "q" if sub_byte else "q_in"
        ops, text = quant_operands(data)
        dq_type = file_type(case, "dq")
        body.append(f"%dq = ct.dequantize {text} {scheme} : "
                    + functional(operand_types(ops), [dq_type]))
        result("%dq", dq_type, "dq")

    file_of = {"x": "x", "scale": "scale", "zp": "zp", "gs": "global_scale",
               "q_in": "q"}
    run = [f"// RUN: ct-run %s --entry {name}"]
    run += [f"--input %S/quant/{name}.{file_of[p]}.npy" for p, _ in params]
    run += [f"--compare %S/quant/{name}.{key}.npy" for key in compares]
    run.append("--exact")

    lines = []
    if case["note"]:
        lines.append(f"// {case['note']}")
    for check, why in sorted(skipped.items()):
        lines.append(f"// Not checked: {check} ({why}).")
    lines.append(" ".join(run))
    signature = ", ".join(f"%{p}: {t}" for p, t in params)
    result_types = ", ".join(t for _, t in results)
    lines.append(f"func.func @{name}({signature}) -> ({result_types}) {{")
    lines += [f"  {line}" for line in body]
    lines.append("  return " + ", ".join(v for v, _ in results) + " : "
                 + result_types)
    lines.append("}")
    return "\n".join(lines)


def family_of(case):
    """The output file of a case: edge and worked cases apart, the others by
    strategy and element type (and NVFP4, MX)."""
    name = case["name"]
    for prefix in ("edge", "worked", "nvfp4"):
        if name.startswith(prefix + "_"):
            return prefix
    if name.startswith("mxfp"):
        return "mx"
    args = case["args"]
    kind = "int" if args["type"] == "int" else f'fp{args["num_bits"]}'
    return f'{args["strategy"]}_{kind}'


HEADER = """\
// Generated by utils/golden/gen_quant_tests.py from quant/manifest.json;
// do not edit. Each case runs compiled CPU code on compressed-tensors' inputs
// and compares scales, codes, fake-quantized and dequantized values with the
// library's outputs bit for bit (NaN matches NaN, -0 differs from +0).
"""


GPU_HEADER = """\
// Generated by utils/golden/gen_quant_tests.py from quant/manifest.json;
// do not edit. The cases of the CPU file of the same name, compiled with
// ct-lower-to-nvvm and run on the GPU: scales, codes, fake-quantized and
// dequantized values must match the library's bit for bit.
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=GOLDEN,
                        help="folder for the .mlir files (default: %(default)s)")
    parser.add_argument("--gpu-out", type=Path, default=GPU_GOLDEN,
                        help="folder for the GPU runs of the same cases "
                             "(default: %(default)s)")
    parser.add_argument("--cases-per-file", type=int, default=8,
                        help="split families into files of at most this many "
                             "cases, so that lit runs them in parallel")
    args = parser.parse_args()

    manifest = json.loads((GOLDEN / "quant/manifest.json").read_text())
    cases = manifest["cases"]
    names = {case["name"] for case in cases}
    stale = sorted((set(UNSUPPORTED) | set(SKIPPED_CHECKS)) - names)
    if stale:
        raise SystemExit(f"listed but not in the manifest: {stale}")
    by_rule = {case["name"]: classify(case) for case in cases}
    disagree = sorted(n for n, why in by_rule.items()
                      if why != UNSUPPORTED.get(n) and why is not None
                      or n in UNSUPPORTED and why is None)
    if disagree:
        raise SystemExit(f"UNSUPPORTED out of date for: {disagree}")

    families = {}
    for case in cases:
        if case["name"] in UNSUPPORTED:
            continue
        families.setdefault(family_of(case), []).append(case)

    # Only files this script wrote: golden/ holds other generators' tests too.
    for old in args.out.glob("*.mlir"):
        if old.read_text().startswith(HEADER):
            old.unlink()
    args.gpu_out.mkdir(parents=True, exist_ok=True)
    for old in args.gpu_out.glob("*.mlir"):
        if old.read_text().startswith(GPU_HEADER):
            old.unlink()
    cpu_dir = os.path.relpath(args.out, args.gpu_out)
    written = 0
    for family, members in families.items():
        chunks = [members[i:i + args.cases_per_file]
                  for i in range(0, len(members), args.cases_per_file)]
        for index, chunk in enumerate(chunks):
            suffix = f"_{index}" if len(chunks) > 1 else ""
            text = HEADER + "\n" + "\n\n".join(emit_case(c) for c in chunk) + "\n"
            (args.out / f"{family}{suffix}.mlir").write_text(text)
            written += len(chunk)
            # The GPU file runs the CPU file's functions on its inputs.
            module = f"%S/{cpu_dir}/{family}{suffix}.mlir"
            runs = [line.replace("ct-run %s", f"ct-run --gpu {module}")
                        .replace("%S/quant/", f"%S/{cpu_dir}/quant/")
                    for line in text.splitlines()
                    if line.startswith("// RUN: ")]
            (args.gpu_out / f"{family}{suffix}.mlir").write_text(
                GPU_HEADER + "\n// REQUIRES: cuda-device\n" +
                "\n".join(runs) + "\n")
    print(f"{written} cases written, {len(UNSUPPORTED)} unsupported")


if __name__ == "__main__":
    main()
