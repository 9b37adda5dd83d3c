# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Runs ct's GPU programs on the CPU, for machines without a GPU, and checks
a `cuda-device` test with them.

A module is lowered with ct-lower-to-nvvm up to just before the NVVM
conversion (--stage kernels: outlined kernels after
ct-gpu-select-instructions' hardware conversions, packed 4-bit buffers, one
stream per call) or to before ct-pack-sub-byte-memrefs (--stage buffers:
kernels inline, one 4-bit code per element), printed in generic form and
interpreted: the host code as one thread, each kernel in lockstep, every op
of a thread block running for all its threads at once on numpy arrays
shaped (threads, *vector shape), with a mask of active threads under
divergent scf.if / scf.for / scf.parallel. Shuffles permute the thread axis
and barriers hold by construction; cp.async copies at once; ldmatrix and
mma.sync follow the PTX fragment layouts (m8n8.x4 b16; m16n8k16 with f32
accumulators, summed in f64); cvt.rn.satfinite.e4m3x2.f32 rounds to nearest
even and saturates; atomic read-modify-writes apply every thread's update.
fma, ex2.approx, exp and rsqrt are computed in f64 and rounded, so results
may differ from a GPU's by an ulp or, for ex2.approx, its 2. Not emulated:
the NVVM conversion, PTX and ptxas, timing, and memory-model races (host and
kernels run in program order).

Every RUN line of TEST runs as lit would run it, except `ct-run --gpu`
lines: their entry runs in the emulator on the line's --input files, its
results are written to the line's --output files and compared with its
--compare files at its --rtol/--atol (or bit for bit with --exact). Lines for
other runners (mlir-runner) are left out.

  python3 utils/emulate_gpu.py test/Integration/GPU/attention.mlir [--entry E]

Needs numpy (Debian's python3-numpy), build/bin/ct-opt and ct-run, FileCheck.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BIN = os.path.join(ROOT, "build", "bin")

class Storage(dict):
    """Element type -> numpy storage: bf16 and the 8-, 6- and 4-bit floats as
    their bits (arithmetic on them is an error: they only move and
    convert); integers iN in the smallest unsigned type that holds N bits
    (i4: one code per byte; bool for i1), index and i64 as int64."""

    def __missing__(self, element):
        m = re.fullmatch(r"i(\d+)", element)
        if not m:
            raise NotImplementedError(f"element type {element}")
        bits = int(m.group(1))
        return np.bool_ if bits == 1 else next(t for w, t in ((8, np.uint8), (16, np.uint16),
                                                               (32, np.uint32), (64, np.uint64))
                                               if bits <= w)


STORAGE = Storage({"f64": np.float64, "f32": np.float32, "f16": np.float16, "bf16": np.uint16,
                   "f8E4M3FN": np.uint8, "f4E2M1FN": np.uint8, "f6E2M3FN": np.uint8,
                   "f6E3M2FN": np.uint8, "f8E5M2": np.uint8, "f8E8M0FNU": np.uint8,
                   "i64": np.int64, "index": np.int64})


def width(element):
    """Bits of an integer type (index: 64)."""
    return 64 if element == "index" else int(element[1:])


BYTES = {"i8": 1, "i16": 2, "bf16": 2, "f16": 2, "i32": 4, "f32": 4, "i64": 8}
DYNAMIC = -9223372036854775808


# ---------------------------------------------------------------------------
# Number formats
# ---------------------------------------------------------------------------

def bf16_to_f32(bits):
    return (np.asarray(bits).astype(np.uint32) << np.uint32(16)).view(np.float32)


def f32_to_bf16(x):
    """Round to nearest even, NaN kept (quiet)."""
    bits = np.asarray(x, np.float32).view(np.uint32)
    rounded = (bits + np.uint32(0x7FFF) + ((bits >> np.uint32(16)) & np.uint32(1))) >> np.uint32(16)
    nan = np.isnan(np.asarray(x, np.float32))
    return np.where(nan, (bits >> np.uint32(16)) | np.uint32(0x40), rounded).astype(np.uint16)


def _fp8_table():
    codes = np.arange(256)
    sign = np.where(codes & 0x80, -1.0, 1.0)
    exp, man = (codes >> 3) & 0xF, codes & 0x7
    value = np.where(exp == 0, man / 8.0 * 2.0 ** -6, (1 + man / 8.0) * 2.0 ** (exp - 7.0))
    value = sign * value
    value[(codes & 0x7F) == 0x7F] = np.nan
    return value


FP8_E4M3FN = _fp8_table()
def f32_to_fp8_satfinite(x):
    """e4m3 codes of f32 values, rounded to nearest even and saturated to
    ±448 (cvt.rn.satfinite.e4m3x2.f32); NaN becomes 0x7F."""
    x = np.asarray(x, np.float64)
    magnitude = np.minimum(np.abs(np.nan_to_num(x, nan=0.0)), 448.0)
    grid = FP8_E4M3FN[:0x7F]  # codes 0 .. 0x7E, increasing
    upper = np.clip(np.searchsorted(grid, magnitude), 0, 0x7E)
    lower = np.maximum(upper - 1, 0)
    below, above = magnitude - grid[lower], grid[upper] - magnitude
    code = np.where((below < above) | ((below == above) & (lower % 2 == 0)), lower, upper)
    code = np.where(grid[upper] == magnitude, upper, code)
    code = code | np.where(np.signbit(x), 0x80, 0)
    return np.where(np.isnan(x), 0x7F, code).astype(np.uint8)


FP4_E2M1FN = np.array([0, 0.5, 1, 1.5, 2, 3, 4, 6, -0.0, -0.5, -1, -1.5, -2, -3, -4, -6],
                      np.float32)


def to_f32(x, element):
    """Values of `element` as f32 (f64 stays f64; integers as stored)."""
    if element == "f64":
        return np.asarray(x, np.float64)
    if element == "bf16":
        return bf16_to_f32(x)
    if element == "f8E4M3FN":
        return FP8_E4M3FN[np.asarray(x)].astype(np.float32)
    if element == "f4E2M1FN":
        return FP4_E2M1FN[np.asarray(x) & 0xF]
    if element in ("f32", "f16") or re.fullmatch(r"i\d+|index", element):
        return np.asarray(x).astype(np.float32)
    raise NotImplementedError(f"{element} values")


def load_npy(path, element):
    """A .npy file in the storage of `element` (ct-run's layout: 4-bit codes
    packed two per byte, low nibble first)."""
    x = np.load(path)
    if element in ("i4", "f4E2M1FN"):
        packed = x.view(np.uint8).reshape(-1)
        codes = np.empty(packed.size * 2, np.uint8)
        codes[0::2], codes[1::2] = packed & 0xF, packed >> 4
        return codes
    if element == "i1":
        return x.astype(np.bool_)
    storage = np.dtype(STORAGE[element])
    if x.dtype.itemsize == storage.itemsize:
        return np.ascontiguousarray(x).view(storage)
    return x.astype(storage)


def save_npy(path, value, element):
    """`value` as ct-run writes a result of `element`."""
    value = np.asarray(value)
    if element in ("i4", "f4E2M1FN"):
        value = ((value[..., 0::2] & 0xF) | ((value[..., 1::2] & 0xF) << 4)).astype(np.uint8)
    elif element == "bf16" or element.startswith("f8"):
        value = np.ascontiguousarray(value).view(f"V{value.dtype.itemsize}")
    np.save(path, value)


# ---------------------------------------------------------------------------
# Generic-form IR
# ---------------------------------------------------------------------------

def split_top(text):
    """`text` split at commas outside <>, (), [], {}."""
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += ch in "<([{"
        depth -= ch in ">)]}"
        if ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    if current.strip():
        parts.append(current.strip())
    return parts


def parse_type(text):
    """(kind, shape, element) of a type: kind is vector, memref, tensor or
    scalar; a memref of vectors has the vector's shape appended."""
    text = text.strip()
    for kind in ("vector", "memref", "tensor"):
        if text.startswith(kind + "<"):
            inner = split_top(text[len(kind) + 1:-1])[0]
            if "vector<" in inner:
                count, vector = inner.split("x", 1)
                _, shape, element = parse_type(vector)
                return kind, [int(count)] + shape, element
            parts = inner.split("x")
            return kind, [int(p) for p in parts[:-1]], parts[-1]
    return "scalar", [], text


class Op:
    """One operation of the generic form: results, name, operands, the text
    of its line(s) (attributes, signature) and its regions as (ops, block
    arguments as (name, type))."""

    LINE = re.compile(r'^\s*(?:(%[\w#:]+(?:, %[\w#]+)*) = )?"([\w.]+)"\((.*?)\)')

    def __init__(self, results, name, operands, text, regions):
        self.results, self.name, self.operands = results, name, operands
        self.text, self.regions = text, regions
        self._signature = None

    def _types(self):
        if self._signature is None:
            m = re.search(r":\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\)\s*->\s*(.*)$",
                          self.text.strip())
            args, results = (m.group(1), m.group(2).strip()) if m else ("", "")
            if results.startswith("(") and results.endswith(")"):
                results = results[1:-1]
            self._signature = ([parse_type(t) for t in split_top(args)],
                               [parse_type(t) for t in split_top(results)])
        return self._signature

    @property
    def argtypes(self):
        return self._types()[0]

    @property
    def restypes(self):
        return self._types()[1]

    def attr_ints(self, name):
        m = re.search(name + r" = array<i\d+(?:: ([-\d, ]+))?>", self.text)
        return [int(v) for v in m.group(1).split(",")] if m and m.group(1) else []

    @staticmethod
    def parse_block(lines, i=0):
        ops, args = [], []
        while i < len(lines):
            stripped = lines[i].strip()
            if stripped.startswith("^bb"):
                inner = stripped[stripped.index("(") + 1:stripped.rindex(")")]
                args = [tuple(a.split(": ", 1)) for a in split_top(inner)]
            elif stripped.startswith("}"):
                return ops, args, i
            else:
                m = Op.LINE.match(lines[i])
                if m:
                    results = m.group(1).split(", ") if m.group(1) else []
                    if len(results) == 1 and ":" in results[0]:
                        base, count = results[0].split(":")
                        results = [f"{base}#{k}" for k in range(int(count))]
                    operands = [o.strip() for o in m.group(3).split(",") if o.strip()]
                    text, regions = lines[i], []
                    if stripped.endswith("({"):
                        while True:
                            body, block_args, i = Op.parse_block(lines, i + 1)
                            regions.append((body, block_args))
                            if not lines[i].strip().startswith("}, {"):
                                break
                        text += " " + lines[i].strip()
                    ops.append(Op(results, m.group(2), operands, text, regions))
            i += 1
        return ops, args, i


class Module:
    """A parsed module: its functions, memref.globals and affine map
    aliases (#map = affine_map<...>)."""

    def __init__(self, text):
        lines = text.splitlines()
        self.maps = dict(re.findall(r"^(#map\d*) = (affine_map<.*>)$", text, re.M))
        ops, _, _ = Op.parse_block(lines)
        body = ops[0].regions[0][0]
        self.functions = {re.search(r'sym_name = "(\w+)"', f.text).group(1): f
                          for f in body if f.name == "func.func"}
        self.globals = {re.search(r'sym_name = "(\w+)"', g.text).group(1): g
                        for g in body if g.name == "memref.global"}
        # Outlined kernels, by the symbol gpu.launch_func names.
        self.kernels = {}
        for module in (op for op in body if op.name == "gpu.module"):
            module_name = re.search(r'sym_name = "(\w+)"', module.text).group(1)
            for kernel in module.regions[0][0]:
                if kernel.name == "gpu.func":
                    name = re.search(r'sym_name = "(\w+)"', kernel.text).group(1)
                    self.kernels[f"@{module_name}::@{name}"] = kernel
        # dense_resource blobs: "0x" + a 4-byte alignment + the data.
        self.resources = {name: bytes.fromhex(blob[8:]) for name, blob in
                          re.findall(r'^\s*([\w.]+): "0x([0-9A-Fa-f]+)"', text, re.M)}


class Affine:
    """An index (or per-thread index array) in an affine expression:
    floordiv and mod round down, ceildiv (spelled @) up."""

    def __init__(self, value):
        self.v = np.asarray(value).astype(np.int64)

    @staticmethod
    def of(x):
        return x.v if isinstance(x, Affine) else np.int64(x)

    def __add__(self, o): return Affine(self.v + Affine.of(o))
    __radd__ = __add__
    def __sub__(self, o): return Affine(self.v - Affine.of(o))
    def __rsub__(self, o): return Affine(Affine.of(o) - self.v)
    def __mul__(self, o): return Affine(self.v * Affine.of(o))
    __rmul__ = __mul__
    def __floordiv__(self, o): return Affine(self.v // Affine.of(o))
    def __mod__(self, o): return Affine(self.v % Affine.of(o))
    def __matmul__(self, o): return Affine(-(-self.v // Affine.of(o)))
    def __neg__(self): return Affine(-self.v)


def affine_apply(map_text, operands):
    """The results of `affine_map<(d..)[s..] -> (e, ..)>` on `operands` (the
    dims, then the symbols)."""
    m = re.match(r"affine_map<\(([^)]*)\)(?:\[([^\]]*)\])? -> \((.*)\)>$", map_text)
    names = [n.strip() for n in m.group(1).split(",") if n.strip()]
    names += [n.strip() for n in (m.group(2) or "").split(",") if n.strip()]
    scope = {name: Affine(value) for name, value in zip(names, operands)}
    python = m.group(3).replace("ceildiv", "@").replace("floordiv", "//").replace("mod", "%")
    return [Affine.of(eval(e, {}, scope)) for e in split_top(python)]


def constant(op):
    """The value of an arith.constant."""
    _, shape, element = op.restypes[0]
    m = re.search(r"value = (true|false)\b", op.text) or \
        re.search(r"value = (dense<.*?>|[^ }]+) : ", op.text)
    return literal(m.group(1), shape, element)


def literal(text, shape, element):
    """An attribute value (a scalar, dense<...> with a splat, a list or a
    hex blob) as an array of `shape` in the storage of `element`."""
    if text.startswith("dense<"):
        text = text[6:-1]
    if text.startswith('"0x'):
        return np.frombuffer(bytes.fromhex(text[3:-1]), STORAGE[element]).reshape(shape).copy()

    def scalar(word):
        if word in ("true", "false"):
            return word == "true"
        if element in ("f64", "f32", "f16", "bf16", "f8E4M3FN"):
            if word.startswith("0x"):  # the bits
                bits = {"f64": np.uint64, "f32": np.uint32, "f16": np.uint16}.get(element, np.uint16)
                return np.array(int(word, 16), bits).view(STORAGE[element]) \
                    if element in ("f64", "f32", "f16") else int(word, 16)
            if element == "f64":
                return np.float64(float(word))
            value = np.float32(float(word))
            if element == "bf16":
                return f32_to_bf16(value)
            if element == "f8E4M3FN":
                exact = np.nonzero(FP8_E4M3FN == value)[0]
                if not len(exact):
                    raise NotImplementedError(f"f8E4M3FN constant {word}")
                return exact[0]
            return value
        return Block.wrap(int(word), element)

    if text.startswith("["):
        values = [scalar(w) for w in re.findall(r"[-\w.+]+", text)]
        return np.array(values).astype(STORAGE[element]).reshape(shape)
    return np.full(shape, scalar(text.strip()), STORAGE[element]) if shape else \
        np.array(scalar(text.strip())).astype(STORAGE[element])


# ---------------------------------------------------------------------------
# Kernels
# ---------------------------------------------------------------------------

class Memory:
    """Addresses of the buffers kernels take pointers to (cp.async, ldmatrix):
    numpy's own, resolved to the bytes of the array that holds them."""

    def __init__(self):
        self.regions = []

    def address(self, array):
        base = array
        while isinstance(base.base, np.ndarray):
            base = base.base
        start = base.__array_interface__["data"][0]
        self.regions.append((start, start + base.nbytes, base))
        return array.__array_interface__["data"][0]

    def bytes_at(self, address, count):
        for start, end, base in reversed(self.regions):
            if start <= address and address + count <= end:
                offset = address - start
                return base.reshape(-1).view(np.uint8)[offset:offset + count]
        raise IndexError(f"{count} bytes at {address:#x} outside every buffer")


class Block:
    """Threads that run ops in lockstep: a thread block of a kernel (or
    several whole blocks without shared memory), or the host code as one
    thread."""

    def __init__(self, threads, env, memory, module=None):
        self.T, self.env, self.memory, self.module = threads, env, memory, module

    def run(self, ops, mask):
        for op in ops:
            if op.name == "scf.yield":
                return [self.env[o] for o in op.operands]
            try:
                self.step(op, mask)
            except (NotImplementedError, IndexError) as error:
                raise type(error)(f"{error}\n  at {op.text.strip()[:160]}") from None
        return []

    def spread(self, value, tail):
        """`value` (uniform or per thread) as (threads, *tail)."""
        value = np.asarray(value)
        return np.broadcast_to(value, (self.T,) + tuple(tail))

    def step(self, op, mask):
        env, name = self.env, op.name
        args = [env[o] for o in op.operands]
        result = op.restypes[0] if op.restypes else None
        handler = getattr(self, "op_" + name.replace(".", "_"), None)
        if handler:
            value = handler(op, args, result, mask)
        elif name.startswith("arith."):
            value = self.arith(op, name[6:], args, result)
        else:
            raise NotImplementedError(name)
        if value is None:
            return
        if isinstance(value, tuple):
            for res, v in zip(op.results, value):
                env[res] = v
        else:
            env[op.results[0]] = value

    # arith ------------------------------------------------------------------

    def arith(self, op, kind, args, result):
        element = result[2]
        if kind == "constant":
            return constant(op)
        source = op.argtypes[0][2] if op.argtypes else None
        integer = {"addi": np.add, "subi": np.subtract, "muli": np.multiply,
                   "andi": np.bitwise_and, "ori": np.bitwise_or,
                   "xori": np.bitwise_xor, "shli": np.left_shift}
        with np.errstate(all="ignore"):
            if kind in integer:
                x, y = (self.unsigned(a, element) for a in args)
                return self.wrap(integer[kind](x, y), element)
            if kind in ("divui", "remui", "ceildivui", "minui", "maxui", "shrui"):
                x, y = (self.unsigned(a, element) for a in args)
                safe = np.where(y == 0, 1, y).astype(y.dtype)
                out = {"divui": lambda: x // safe, "remui": lambda: x % safe,
                       "ceildivui": lambda: (x + safe - 1) // safe,
                       "minui": lambda: np.minimum(x, y), "maxui": lambda: np.maximum(x, y),
                       "shrui": lambda: x >> y}[kind]()
                return self.wrap(out, element)
            if kind in ("shrsi", "minsi", "maxsi", "divsi", "remsi"):
                x, y = (self.signed(a, element) for a in args)
                safe = np.where(y == 0, 1, y)
                quotient = np.sign(x) * np.sign(safe) * (np.abs(x) // np.abs(safe))
                out = {"shrsi": lambda: x >> y, "minsi": lambda: np.minimum(x, y),
                       "maxsi": lambda: np.maximum(x, y), "divsi": lambda: quotient,
                       "remsi": lambda: x - quotient * safe}[kind]()
                return self.wrap(out, element)
        if kind == "cmpi":
            predicate = int(re.search(r"predicate = (\d+)", op.text).group(1))
            convert = self.signed if predicate in (2, 3, 4, 5) else self.unsigned
            x, y = (convert(a, source) for a in args)
            return [np.equal, np.not_equal, np.less, np.less_equal, np.greater,
                    np.greater_equal, np.less, np.less_equal, np.greater,
                    np.greater_equal][predicate](x, y)
        if kind == "cmpf":
            predicate = int(re.search(r"predicate = (\d+)", op.text).group(1))
            x, y = (np.asarray(to_f32(a, source), np.float64) for a in args)
            unordered = np.isnan(x) | np.isnan(y)
            # false, oeq .. one, ord, ueq .. une, uno, true.
            relation = [None, np.equal, np.greater, np.greater_equal, np.less,
                        np.less_equal, np.not_equal]
            if predicate in (0, 15):
                return np.full(unordered.shape, predicate == 15)
            if predicate in (7, 14):
                return unordered if predicate == 14 else ~unordered
            if predicate < 7:
                return relation[predicate](x, y) & ~unordered
            return relation[predicate - 7](x, y) | unordered
        if kind == "select":
            condition = np.asarray(args[0])
            value = np.asarray(args[1])
            condition = condition.reshape(condition.shape + (1,) * (value.ndim - condition.ndim)) \
                if condition.ndim else condition
            return np.where(condition, args[1], args[2]).astype(STORAGE[element])
        if kind in ("extui", "trunci", "index_castui"):
            return self.wrap(self.unsigned(args[0], source), element)
        if kind in ("extsi", "index_cast"):
            return self.wrap(self.signed(args[0], source), element)
        if kind == "bitcast":
            return np.ascontiguousarray(np.asarray(args[0], STORAGE[source])).view(STORAGE[element])
        if kind in ("fptosi", "fptoui"):
            with np.errstate(all="ignore"):
                truncated = np.trunc(np.asarray(to_f32(args[0], source), np.float64))
                truncated = np.nan_to_num(truncated, nan=0.0, posinf=0.0, neginf=0.0)
            return self.wrap(truncated.astype(np.int64), element)
        if kind in ("sitofp", "uitofp"):
            x = self.signed(args[0], source) if kind == "sitofp" else self.unsigned(args[0], source)
            return self.from_f32(x.astype(np.float64).astype(np.float32), element)
        floating = {"addf": np.add, "subf": np.subtract, "mulf": np.multiply,
                    "divf": np.divide, "maximumf": np.maximum, "minimumf": np.minimum,
                    "maxnumf": np.fmax, "minnumf": np.fmin}
        if kind in floating:
            if element not in ("f64", "f32", "f16"):
                raise NotImplementedError(f"arith.{kind} on {element}")
            x, y = (np.asarray(a, STORAGE[element]) for a in args)
            with np.errstate(all="ignore"):
                out = floating[kind](x, y)
            if kind in ("maximumf", "minimumf"):  # -0 < +0, as llvm.maximum
                zeros = (x == 0) & (y == 0)
                negative = (np.signbit(x) & np.signbit(y)) if kind == "maximumf" \
                    else (np.signbit(x) | np.signbit(y))
                out = np.where(zeros, np.where(negative, -0.0, 0.0), out)
            return out.astype(STORAGE[element])
        if kind == "negf":
            if element not in ("f64", "f32", "f16"):
                raise NotImplementedError(f"arith.negf on {element}")
            return -np.asarray(args[0])
        if kind in ("extf", "truncf"):
            return self.from_f32(to_f32(args[0], source), element)
        raise NotImplementedError("arith." + kind)

    @staticmethod
    def unsigned(x, element):
        """Integers of `element` as non-negative int64 (uint64 for 64 bits)."""
        x = np.asarray(x)
        if width(element) == 64:
            return x.astype(np.int64).view(np.uint64)
        return x.astype(np.int64) & ((1 << width(element)) - 1)

    @staticmethod
    def signed(x, element):
        """Integers of `element` as int64, sign-extended from its width."""
        bits = width(element)
        x = np.asarray(x).astype(np.int64)
        if bits == 64:
            return x
        x &= (1 << bits) - 1
        return np.where(x >= 1 << (bits - 1), x - (1 << bits), x)

    @staticmethod
    def wrap(x, element):
        """Integers (any numpy integer type) reduced modulo 2^width, in the
        storage of `element`."""
        x = np.asarray(x)
        if width(element) == 64:
            return x.astype(np.int64) if x.dtype != np.uint64 else x.view(np.int64)
        return (x.astype(np.int64) & ((1 << width(element)) - 1)).astype(STORAGE[element])

    @staticmethod
    def from_f32(x, element):
        if element == "bf16":
            return f32_to_bf16(x)
        if element == "f64":
            return np.asarray(x, np.float64)
        if element in ("f32", "f16"):
            return np.asarray(x).astype(STORAGE[element])
        raise NotImplementedError(f"conversion to {element}")

    # llvm and math ----------------------------------------------------------

    def op_llvm_intr_fma(self, op, args, result, mask):
        x, y, z = (np.asarray(a, np.float64) for a in args)
        return (x * y + z).astype(STORAGE[result[2]])

    op_vector_fma = op_llvm_intr_fma

    def op_llvm_call_intrinsic(self, op, args, result, mask):
        intrinsic = re.search(r'intrin = "([\w.]+)"', op.text).group(1)
        x = np.asarray(args[0], np.float64)
        if intrinsic.startswith("llvm.nvvm.ex2.approx"):
            out = np.exp2(x).astype(np.float32)
            return np.where(np.abs(out) < np.float32(2.0 ** -126), np.float32(0), out) \
                if ".ftz" in intrinsic else out
        if intrinsic == "llvm.fabs.f32":
            return np.abs(np.asarray(args[0], np.float32))
        if intrinsic == "llvm.fma.f32":
            a, b, c = (np.asarray(v, np.float64) for v in args)
            return (a * b + c).astype(np.float32)
        if intrinsic == "llvm.sqrt.f32":  # sqrt.rn: correctly rounded
            return np.sqrt(np.asarray(args[0], np.float32))
        if intrinsic == "llvm.roundeven.f32":
            return np.rint(np.asarray(args[0], np.float32))
        if intrinsic == "llvm.floor.f32":
            return np.floor(np.asarray(args[0], np.float32))
        raise NotImplementedError(intrinsic)

    def op_llvm_bitcast(self, op, args, result, mask):
        source = op.argtypes[0]
        x = np.ascontiguousarray(np.asarray(args[0], STORAGE[source[2]]))
        lead = x.shape[:x.ndim - len(source[1])]
        return x.view(STORAGE[result[2]]).reshape(lead + tuple(result[1]))

    def op_llvm_inttoptr(self, op, args, result, mask):
        return np.asarray(args[0]).astype(np.int64)

    op_llvm_addrspacecast = op_llvm_inttoptr

    def op_llvm_getelementptr(self, op, args, result, mask):
        element = re.search(r"elem_type = (\w+)", op.text).group(1)
        indices, dynamic = op.attr_ints("rawConstantIndices"), iter(args[1:])
        if len(indices) != 1:
            raise NotImplementedError("getelementptr with several indices")
        offset = next(dynamic) if indices[0] == -2147483648 else indices[0]
        return np.asarray(args[0]).astype(np.int64) + np.asarray(offset).astype(np.int64) * BYTES[element]

    def op_llvm_extractvalue(self, op, args, result, mask):
        return args[0][op.attr_ints("position")[0]]

    def op_memref_extract_aligned_pointer_as_index(self, op, args, result, mask):
        return np.int64(self.memory.address(args[0]))

    # vector -----------------------------------------------------------------

    def op_vector_broadcast(self, op, args, result, mask):
        x, tail = np.asarray(args[0]), tuple(result[1])
        rank = len(op.argtypes[0][1])
        lead = x.shape[:x.ndim - rank]
        return np.broadcast_to(x.reshape(lead + (1,) * (len(tail) - rank) + x.shape[x.ndim - rank:]),
                               lead + tail)

    def op_vector_from_elements(self, op, args, result, mask):
        values = [np.asarray(a) for a in args]
        shape = np.broadcast_shapes(*[v.shape for v in values])
        return np.stack([np.broadcast_to(v, shape) for v in values], -1).astype(STORAGE[result[2]])

    def op_vector_extract(self, op, args, result, mask):
        source_rank = len(op.argtypes[0][1])
        x = np.asarray(args[0])
        if x.ndim == source_rank:
            x = self.spread(x, x.shape)
        dynamic = iter(args[1:])
        for position in op.attr_ints("static_position"):
            if position == DYNAMIC:
                x = x[np.arange(self.T), self.spread(next(dynamic), ())]
            else:
                x = x[:, position]
        return x

    def op_vector_bitcast(self, op, args, result, mask):
        source = op.argtypes[0]
        x = np.ascontiguousarray(np.asarray(args[0]))
        lead = x.shape[:x.ndim - len(source[1])]
        if source[2] in ("i4", "f4E2M1FN"):
            x = ((x[..., 0::2] & 0xF) | ((x[..., 1::2] & 0xF) << 4)).astype(np.uint8)
        if result[2] in ("i4", "f4E2M1FN"):
            packed = np.ascontiguousarray(x).view(np.uint8)
            codes = np.empty(packed.shape[:-1] + (packed.shape[-1] * 2,), np.uint8)
            codes[..., 0::2], codes[..., 1::2] = packed & 0xF, packed >> 4
            return codes
        return np.ascontiguousarray(x.astype(STORAGE[source[2]], copy=False)) \
            .view(STORAGE[result[2]]).reshape(lead + tuple(result[1]))

    def indices(self, buffer, operands, mask, count):
        """Per-thread indices of an access to `count` consecutive elements
        along the last indexed dimension; inactive threads use index 0."""
        indices = []
        for dim, index in enumerate(operands):
            index = self.spread(index, ()).astype(np.int64)
            index = np.where(mask, index, 0)
            extent = count if dim == len(operands) - 1 else 1
            if np.any(index < 0) or np.any(index + extent > buffer.shape[dim]):
                raise IndexError(f"access at {index.min()}..{index.max() + extent - 1} "
                                 f"of dimension {dim} ({buffer.shape[dim]})")
            indices.append(index)
        return indices

    def op_vector_load(self, op, args, result, mask):
        count = result[1][0]
        indices = self.indices(args[0], args[1:], mask, count)
        indices[-1] = indices[-1][:, None] + np.arange(count)
        return args[0][tuple(i if k == len(indices) - 1 else i[:, None]
                             for k, i in enumerate(indices))]

    def op_memref_load(self, op, args, result, mask):
        return args[0][tuple(self.indices(args[0], args[1:], mask, 1))]

    def op_vector_store(self, op, args, result, mask):
        value, buffer = np.asarray(args[0]), args[1]
        count = value.shape[-1]
        value = self.spread(value, (count,))
        indices = self.indices(buffer, args[2:], mask, count)
        for t in np.nonzero(mask)[0]:
            position = tuple(int(i[t]) for i in indices)
            buffer[position[:-1]][position[-1]:position[-1] + count] = value[t]

    def op_memref_store(self, op, args, result, mask):
        buffer = args[1]
        indices = self.indices(buffer, args[2:], mask, 1)
        value = self.spread(args[0], buffer.shape[len(indices):])
        active = np.nonzero(mask)[0]
        buffer[tuple(i[active] for i in indices)] = value[active]

    def op_memref_atomic_rmw(self, op, args, result, mask):
        """Integer read-modify-writes (ct-pack-sub-byte-memrefs' nibble
        stores); the threads' updates of one element all apply, and each
        thread gets the element as it was before them."""
        kind = int(re.search(r"kind = (\d+)", op.text).group(1))
        update = {1: np.add, 2: np.bitwise_and, 14: np.bitwise_or, 15: np.bitwise_xor}.get(kind)
        if update is None and kind != 3:
            raise NotImplementedError(f"memref.atomic_rmw kind {kind}")
        buffer = args[1]
        indices = self.indices(buffer, args[2:], mask, 1)
        value = self.spread(args[0], ())
        active = np.nonzero(mask)[0]
        where = tuple(i[active] for i in indices)
        old = buffer[tuple(indices)].copy()
        if kind == 3:
            buffer[where] = value[active]
        else:
            update.at(buffer, where, value[active].astype(buffer.dtype))
        return old

    # nvvm and gpu -----------------------------------------------------------

    def op_nvvm_prmt(self, op, args, result, mask):
        low, high, selector = (np.asarray(a).astype(np.uint64) for a in args)
        pool, out = low | (high << np.uint64(32)), np.zeros(np.broadcast(low, high, selector).shape, np.uint64)
        for i in range(4):
            nibble = (selector >> np.uint64(4 * i)) & np.uint64(0xF)
            byte = (pool >> (np.uint64(8) * (nibble & np.uint64(7)))) & np.uint64(0xFF)
            sign = np.where(byte & np.uint64(0x80), np.uint64(0xFF), np.uint64(0))
            out |= np.where(nibble & np.uint64(8), sign, byte) << np.uint64(8 * i)
        return out.astype(np.uint32)

    def op_nvvm_convert_f8x2_to_f16x2(self, op, args, result, mask):
        return FP8_E4M3FN[np.asarray(args[0]).astype(np.uint8)].astype(np.float16)

    def op_gpu_shuffle(self, op, args, result, mask):
        value, offset, width = args
        if "shuffle_mode xor" not in op.text or int(width) != 32:
            raise NotImplementedError("gpu.shuffle other than xor over 32 lanes")
        value = np.asarray(value)
        value = self.spread(value, value.shape[1:] if value.ndim else ())
        lane = np.arange(self.T)
        return value[(lane & ~31) | ((lane & 31) ^ int(offset))], np.ones(self.T, bool)

    def op_gpu_barrier(self, op, args, result, mask):
        return None

    op_gpu_terminator = op_gpu_return = op_gpu_barrier
    op_nvvm_cp_async_commit_group = op_gpu_barrier
    op_nvvm_cp_async_wait_group = op_gpu_barrier

    def op_nvvm_cp_async_shared_global(self, op, args, result, mask):
        size = int(re.search(r"size = (\d+)", op.text).group(1))
        target, source, copied = (self.spread(np.asarray(a).astype(np.int64), ()) for a in args[:3])
        for t in np.nonzero(mask)[0]:
            data = np.zeros(size, np.uint8)
            if copied[t]:
                data[:copied[t]] = self.memory.bytes_at(int(source[t]), int(copied[t]))
            self.memory.bytes_at(int(target[t]), size)[:] = data

    def fragments(self):
        """Warp, group (lane / 4) and quad position (lane % 4) of every
        thread: the coordinates of the PTX fragment layouts."""
        lane = np.arange(self.T)
        return lane // 32, (lane % 32) // 4, lane % 4

    def op_nvvm_ldmatrix(self, op, args, result, mask):
        count = int(re.search(r"num = (\d+)", op.text).group(1))
        transposed = "layout = #nvvm.mma_layout<col>" in op.text
        rows = self.spread(np.asarray(args[0]).astype(np.int64), ())
        warps = self.T // 32
        warp, g, q = self.fragments()
        registers = []
        for m in range(count):
            # Lanes 8m .. 8m + 7 of a warp give the row addresses of its
            # matrix m; each row is 8 b16 elements.
            matrix = np.zeros((warps, 8, 8), np.uint16)
            for w in range(warps):
                if mask[32 * w:32 * w + 32].any():
                    for r in range(8):
                        matrix[w, r] = self.memory.bytes_at(int(rows[32 * w + 8 * m + r]), 16).view(np.uint16)
            if transposed:
                low, high = matrix[warp, 2 * q, g], matrix[warp, 2 * q + 1, g]
            else:
                low, high = matrix[warp, g, 2 * q], matrix[warp, g, 2 * q + 1]
            registers.append(low.astype(np.uint32) | (high.astype(np.uint32) << np.uint32(16)))
        return registers  # an LLVM struct: llvm.extractvalue indexes it

    def op_nvvm_mma_sync(self, op, args, result, mask):
        if "m = 16, n = 8, k = 16" not in op.text or "layoutA = #nvvm.mma_layout<row>" not in op.text:
            raise NotImplementedError("mma.sync other than m16n8k16 row.col")
        half = "bf16" if "multiplicandAPtxType = #nvvm.mma_type<bf16>" in op.text else "f16"

        def halves(value):
            value = np.asarray(value)
            if value.shape[-1:] == (2,) and value.dtype in (np.float16, np.uint16):
                value = np.ascontiguousarray(self.spread(value, (2,))).view(np.uint32).reshape(self.T)
            pair = np.ascontiguousarray(self.spread(value, ()).astype(np.uint32)).view(np.uint16)
            pair = pair.reshape(self.T, 2)
            return to_f32(pair, "bf16") if half == "bf16" else pair.view(np.float16).astype(np.float32)

        a = [halves(v) for v in args[:4]]
        b = [halves(v) for v in args[4:6]]
        c = [self.spread(np.asarray(v, np.float32), ()) for v in args[6:10]]
        warp, g, q = self.fragments()
        warps = self.T // 32
        A, B, C = np.zeros((warps, 16, 16)), np.zeros((warps, 16, 8)), np.zeros((warps, 16, 8))
        for j in range(2):
            A[warp, g, 2 * q + j], A[warp, g + 8, 2 * q + j] = a[0][:, j], a[1][:, j]
            A[warp, g, 2 * q + 8 + j], A[warp, g + 8, 2 * q + 8 + j] = a[2][:, j], a[3][:, j]
            B[warp, 2 * q + j, g], B[warp, 2 * q + 8 + j, g] = b[0][:, j], b[1][:, j]
            C[warp, g, 2 * q + j], C[warp, g + 8, 2 * q + j] = c[j], c[2 + j]
        D = (A @ B + C).astype(np.float32)
        return [D[warp, g, 2 * q], D[warp, g, 2 * q + 1], D[warp, g + 8, 2 * q], D[warp, g + 8, 2 * q + 1]]

    # memref and host ---------------------------------------------------------

    def op_memref_alloc(self, op, args, result, mask):
        return np.zeros(result[1], STORAGE[result[2]])

    def op_memref_dealloc(self, op, args, result, mask):
        return None

    op_func_return = op_memref_dealloc

    def op_memref_copy(self, op, args, result, mask):
        np.copyto(args[1], np.asarray(args[0]).reshape(args[1].shape))

    def view(self, array, shape):
        out = array.reshape(shape)
        if array.size and not np.shares_memory(out, array):
            raise NotImplementedError("reshape of a non-contiguous view")
        return out

    def op_memref_expand_shape(self, op, args, result, mask):
        return self.view(args[0], result[1])

    op_memref_collapse_shape = op_memref_expand_shape

    def op_memref_cast(self, op, args, result, mask):
        return args[0]

    def op_memref_subview(self, op, args, result, mask):
        dynamic = iter(int(np.asarray(a).reshape(-1)[0]) for a in args[1:])
        static = [[next(dynamic) if v == DYNAMIC else v for v in op.attr_ints(name)]
                  for name in ("static_offsets", "static_sizes", "static_strides")]
        window = args[0][tuple(slice(o, o + z * st, st) for o, z, st in zip(*static))]
        return self.view(window, result[1])

    def op_memref_get_global(self, op, args, result, mask):
        name = re.search(r"name = @(\w+)", op.text).group(1)
        declaration = self.module.globals[name]
        resource = re.search(r"initial_value = dense_resource<([\w.]+)>", declaration.text)
        if resource:
            data = self.module.resources[resource.group(1)]
            return np.frombuffer(data, STORAGE[result[2]]).reshape(result[1]).copy()
        value = re.search(r"initial_value = (dense<.*?>) : ", declaration.text).group(1)
        return np.array(literal(value, result[1], result[2])).reshape(result[1])

    def op_affine_apply(self, op, args, result, mask):
        map_text = re.search(r"map = (#map\d*|affine_map<.*?>)[,}]", op.text).group(1)
        return affine_apply(self.module.maps.get(map_text, map_text), args)[0]

    def op_gpu_launch(self, op, args, result, mask):
        run_launch(op, self.env, self.memory, self.module)

    def op_gpu_thread_id(self, op, args, result, mask):
        dimension = re.search(r"dimension = #gpu<dim (\w)>", op.text).group(1)
        kind = op.name.split(".")[1]
        if dimension != "x":
            return np.zeros(self.T, np.int64) if kind.endswith("id") else np.ones(self.T, np.int64)
        return self.env[self.ids[kind]]

    op_gpu_block_id = op_gpu_block_dim = op_gpu_grid_dim = op_gpu_thread_id

    def op_nvvm_convert_f32x2_to_f8x2(self, op, args, result, mask):
        if "f8E4M3FN" not in op.text or "satfinite" not in op.text or "relu = true" in op.text:
            raise NotImplementedError("convert.f32x2.to.f8x2 other than rn.satfinite e4m3")
        high, low = (f32_to_fp8_satfinite(a).astype(np.uint16) for a in args)
        if result[0] == "vector":
            return np.stack([low, high], -1).astype(np.uint8)
        return (high << np.uint16(8)) | low

    def op_gpu_wait(self, op, args, result, mask):
        return np.zeros((), np.int64) if op.results else None

    def op_gpu_alloc(self, op, args, result, mask):
        kind, shape, element = op.restypes[0]
        memory = np.zeros(shape, STORAGE[element])
        return (memory, np.zeros((), np.int64)) if len(op.results) > 1 else memory

    def op_gpu_dealloc(self, op, args, result, mask):
        return np.zeros((), np.int64) if op.results else None

    def segments(self, op, args):
        sizes, out, k = op.attr_ints("operandSegmentSizes"), [], 0
        for size in sizes:
            out.append(args[k:k + size])
            k += size
        return out

    def op_gpu_memcpy(self, op, args, result, mask):
        target, source = args[-2:]  # after the async dependencies
        np.copyto(target, np.asarray(source).reshape(target.shape))
        return np.zeros((), np.int64) if op.results else None

    def op_gpu_launch_func(self, op, args, result, mask):
        parts = self.segments(op, args)
        sizes = [int(np.asarray(v[0]).reshape(-1)[0]) for v in parts[1:7]]
        kernel = self.module.kernels[re.search(r"kernel = (@\w+::@\w+)", op.text).group(1)]
        run_kernel(kernel, sizes, parts[11], self.memory, self.module)
        return np.zeros((), np.int64) if op.results else None

    def op_math_fpowi(self, op, args, result, mask):
        base = np.asarray(args[0], STORAGE[result[2]])
        exponent = self.signed(args[1], op.argtypes[1][2])
        out = np.ones_like(base)
        for _ in range(int(np.max(np.abs(exponent)))):  # repeated multiplies
            out = np.where(np.abs(exponent) > _, out * base, out)
        return np.where(exponent < 0, 1 / out, out).astype(STORAGE[result[2]])

    def op_math_rsqrt(self, op, args, result, mask):
        x = np.asarray(args[0], STORAGE[result[2]])
        with np.errstate(all="ignore"):
            return (1 / np.sqrt(x)).astype(STORAGE[result[2]])

    def op_math_exp(self, op, args, result, mask):
        with np.errstate(all="ignore"):
            return np.exp(np.asarray(args[0], np.float64)).astype(STORAGE[result[2]])

    def op_math_absf(self, op, args, result, mask):
        return np.abs(np.asarray(args[0]))

    def op_math_roundeven(self, op, args, result, mask):
        return np.rint(np.asarray(args[0])).astype(STORAGE[result[2]])

    # scf --------------------------------------------------------------------

    def op_scf_parallel(self, op, args, result, mask):
        rank = op.attr_ints("operandSegmentSizes")[0]
        lower, upper, step = (args[k * rank:(k + 1) * rank] for k in range(3))
        accumulators = list(args[3 * rank:])
        body, block_args = op.regions[0]
        reduce = body[-1]
        if reduce.name != "scf.reduce":
            raise NotImplementedError("scf.parallel without scf.reduce")

        def loop(dim, active):
            induction = self.spread(lower[dim], ()).astype(np.int64).copy()
            while True:
                inner = active & (induction < self.spread(upper[dim], ()))
                if not inner.any():
                    return
                self.env[block_args[dim][0]] = induction
                if dim + 1 < rank:
                    loop(dim + 1, inner)
                else:
                    self.run(body[:-1], inner)
                    for k, (region, region_args) in enumerate(reduce.regions):
                        (lhs, _), (rhs, _) = region_args
                        self.env[lhs], self.env[rhs] = accumulators[k], self.env[reduce.operands[k]]
                        combined = self.run_reduction(region, inner)
                        tail = np.asarray(combined).shape[1:]
                        accumulators[k] = np.where(inner.reshape((self.T,) + (1,) * len(tail)),
                                                   combined, accumulators[k])
                induction = np.where(inner, induction + self.spread(step[dim], ()), induction)

        loop(0, mask)
        return tuple(accumulators) if accumulators else None

    def run_reduction(self, ops, mask):
        for op in ops:
            if op.name == "scf.reduce.return":
                return self.env[op.operands[0]]
            self.step(op, mask)
        raise NotImplementedError("scf.reduce region without scf.reduce.return")

    def op_scf_if(self, op, args, result, mask):
        condition = self.spread(args[0], ())
        then_mask, else_mask = mask & condition, mask & ~condition
        taken = self.run(op.regions[0][0], then_mask) if then_mask.any() or op.results else []
        other = self.run(op.regions[1][0], else_mask) \
            if len(op.regions) > 1 and (else_mask.any() or op.results) else []
        merged = []
        for k, (x, y) in enumerate(zip(taken, other)):
            tail = tuple(op.restypes[k][1])
            pick = condition.reshape((self.T,) + (1,) * len(tail))
            merged.append(np.where(pick, self.spread(x, tail), self.spread(y, tail)))
        return tuple(merged) if merged else None

    def op_scf_for(self, op, args, result, mask):
        lower, upper, step = (self.spread(a, ()) for a in args[:3])
        body, block_args = op.regions[0]
        carried = [np.asarray(a) for a in args[3:]]
        tails = [tuple(parse_type(t)[1]) for _, t in block_args[1:]]
        induction = lower.copy()
        while True:
            active = mask & (induction < upper)
            if not active.any():
                break
            self.env[block_args[0][0]] = induction
            for (name, _), value in zip(block_args[1:], carried):
                self.env[name] = value
            yielded = self.run(body, active)
            carried = [np.where(active.reshape((self.T,) + (1,) * len(tail)),
                                self.spread(y, tail), self.spread(old, tail))
                       for tail, old, y in zip(tails, carried, yielded)]
            induction = np.where(active, induction + step, induction)
        return tuple(carried) if carried else None


def run_grid(body, sizes, env, shared, memory, module, id_names):
    """Runs a kernel `body` on a one-dimensional grid (`sizes`: blocks x, y,
    z, threads x, y, z) with the bindings `env` (captured values or
    arguments) and fresh `shared` memory per block. The ids go to
    `id_names` (block_id, thread_id, grid_dim, block_dim), which
    gpu.thread_id and its kin read. Blocks without shared memory run
    together: their threads are independent, and warps stay whole when
    blocks are whole warps."""
    blocks, threads = sizes[0], sizes[3]
    if sizes[1:3] != [1, 1] or sizes[4:6] != [1, 1]:
        raise NotImplementedError("multi-dimensional launch")
    group = 1 if shared or threads % 32 else max(1, min(blocks, 65536 // threads))
    for first in range(0, blocks, group):
        lane = np.arange(min(group, blocks - first) * threads, dtype=np.int64)
        local = dict(env)
        ids = {"block_id": first + lane // threads, "thread_id": lane % threads,
               "grid_dim": np.full(lane.shape, blocks), "block_dim": np.full(lane.shape, threads)}
        for kind, value in ids.items():
            local[id_names[kind]] = value
        for name, type_text in shared:
            _, shape, element = parse_type(type_text)
            local[name] = np.zeros(shape, STORAGE[element])
        block = Block(lane.size, local, memory, module)
        block.ids = id_names
        block.run(body, np.ones(lane.size, bool))


def run_launch(op, env, memory, module):
    """A gpu.launch: its block arguments are the ids (x, y, z of block,
    thread, grid and block size), then its shared memory."""
    sizes = [int(np.asarray(env[o]).reshape(-1)[0]) for o in op.operands[:6]]
    body, block_args = op.regions[0]
    ids = [name for name, _ in block_args[:12]]
    local = dict(env)
    for k in (1, 2, 4, 5):  # the y and z ids
        local[ids[k]] = np.zeros((), np.int64)
    for k in (7, 8, 10, 11):  # the y and z sizes
        local[ids[k]] = np.ones((), np.int64)
    run_grid(body, sizes, local, block_args[12:], memory, module,
             {"block_id": ids[0], "thread_id": ids[3], "grid_dim": ids[6], "block_dim": ids[9]})


def run_kernel(kernel, sizes, operands, memory, module):
    """An outlined gpu.func launched with `operands`; its workgroup
    attributions follow its arguments."""
    body, block_args = kernel.regions[0]
    m = re.search(r"workgroup_attributions = (\d+)", kernel.text)
    shared = block_args[len(operands):len(operands) + (int(m.group(1)) if m else 0)]
    env = {name: value for (name, _), value in zip(block_args, operands)}
    run_grid(body, sizes, env, shared, memory, module,
             {kind: "%" + kind for kind in ("block_id", "thread_id", "grid_dim", "block_dim")})


# Where the emulated program is taken from ct-lower-to-nvvm: before the
# pass named. "kernels": outlined kernels after ct-gpu-select-instructions
# (hardware conversions, packed 4-bit buffers, one stream per call), just
# before the NVVM conversion; "buffers": kernels still inline in gpu.launch,
# before ct-pack-sub-byte-memrefs (one 4-bit code per element).
STAGES = {"kernels": "convert-nvgpu-to-nvvm", "buffers": "ct-pack-sub-byte-memrefs"}


def lower(path, options, stage):
    """The module as ct-lower-to-nvvm (with `options`) has it at `stage`."""
    pipeline = "--ct-lower-to-nvvm=format=isa" + (" " + options if options else "")
    command = [os.path.join(BIN, "ct-opt"), path, pipeline,
               f"--mlir-print-ir-before={STAGES[stage]}", "--mlir-disable-threading",
               "-mlir-print-op-generic", "-o", os.devnull]
    dump = subprocess.run(command, capture_output=True, text=True, check=True).stderr
    return dump[dump.index("\n") + 1:]


def compare(got, element, want_path, exact, rtol, atol):
    """Whether `got` (in the storage of `element`) matches the .npy file:
    bit for bit with `exact` (NaN matches any NaN), else within
    atol + rtol·|want|; and the largest difference."""
    want = load_npy(want_path, element).reshape(-1)
    got = np.asarray(got).reshape(-1)
    got_value, want_value = (to_f32(x, element).astype(np.float64) for x in (got, want))
    both_nan = np.isnan(got_value) & np.isnan(want_value)
    with np.errstate(invalid="ignore"):
        error = np.nan_to_num(np.where(both_nan, 0, np.abs(got_value - want_value)), nan=np.inf)
    largest = float(error.max()) if error.size else 0.0
    if exact:
        return bool(np.all((got == want) | both_nan)), largest
    return bool(np.all(error <= atol + rtol * np.abs(np.nan_to_num(want_value)))), largest


def emulate(module, entry, input_paths):
    """Runs `entry` of `module` (bufferized: inputs, then the results as
    out-parameters) on the .npy inputs; returns its results as (array,
    element type)."""
    body, block_args = module.functions[entry].regions[0]
    env, results = {}, []
    for k, (name, type_text) in enumerate(block_args):
        kind, shape, element = parse_type(type_text)
        if k < len(input_paths):
            env[name] = int(np.load(input_paths[k])) if kind == "scalar" \
                else load_npy(input_paths[k], element).reshape(shape).copy()
        else:
            env[name] = np.zeros(shape, STORAGE[element])
            results.append((env[name], element))
    Block(1, env, Memory(), module).run(body, np.ones(1, bool))
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("test", help="a cuda-device lit test")
    parser.add_argument("--entry", help="only the RUN lines of this entry")
    parser.add_argument("--pipeline-options", default="",
                        help="more ct-lower-to-nvvm options, e.g. tensor-cores=false")
    parser.add_argument("--stage", choices=sorted(STAGES), default="kernels",
                        help="where in ct-lower-to-nvvm the program is taken from")
    options = parser.parse_args()
    path = os.path.abspath(options.test)
    work = tempfile.TemporaryDirectory(prefix="ct-emulate-")
    substitute = {"%s": path, "%S": os.path.dirname(path),
                  "%t": os.path.join(work.name, os.path.basename(path))}
    runs, pending = [], ""
    for line in re.findall(r"//\s*RUN:\s*(.*)", open(path).read()):
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        line, pending = pending + line, ""
        for key, value in substitute.items():
            line = line.replace(key, value)
        runs.append(line)
    environment = dict(os.environ, PATH=os.pathsep.join(
        [BIN, "/usr/lib/llvm-22/bin", os.environ.get("PATH", "")]))
    modules, missing = {}, set()
    matched = failed = skipped = 0
    for line in runs:
        command = line.split("|")[0].split()
        entry = command[command.index("--entry") + 1] if "--entry" in command else None
        if options.entry and entry and entry != options.entry:
            continue
        flag = lambda name: [command[i + 1] for i, c in enumerate(command) if c == name]
        if command[:2] != ["ct-run", "--gpu"]:
            # Lines that prepare modules, run the CPU path or check an
            # emulated run's outputs run as lit would run them; lines for
            # other runners (mlir-runner, lit substitutions) are left out.
            if re.search(r"%\w", line) or "mlir-runner" in line:
                continue
            if any(output in line for output in missing):
                print(f"skipped (reads results not emulated): {line[:120]}")
                skipped += 1
                continue
            done = subprocess.run(line, shell=True, env=environment, capture_output=True, text=True)
            if done.returncode:
                print(f"FAILED: {line[:160]}\n{done.stdout[-800:]}{done.stderr[-800:]}")
                failed += 1
            continue
        module_path = command[command.index("--gpu") + 1]
        exact = "--exact" in command
        rtol, atol = (float((flag(name) or [0])[0]) for name in ("--rtol", "--atol"))
        start = time.time()
        try:
            if module_path not in modules:
                modules[module_path] = Module(lower(module_path, options.pipeline_options,
                                                    options.stage))
            results = emulate(modules[module_path], entry, flag("--input"))
            for (value, element), output in zip(results, flag("--output")):
                save_npy(output, value, element)
            checks = [compare(value, element, want, exact, rtol, atol)
                      for (value, element), want in zip(results, flag("--compare"))]
        except NotImplementedError as error:
            print(f"{entry}: not emulated: {str(error).splitlines()[0]}", flush=True)
            skipped += 1
            missing.update(flag("--output"))
            continue
        ok = all(c[0] for c in checks)
        matched, failed = matched + ok, failed + (not ok)
        errors = ", ".join(f"#{k} {c[1]:.3g}" for k, c in enumerate(checks)) or "(outputs only)"
        tolerance = "exact" if exact else f"rtol {rtol:g}, atol {atol:g}"
        print(f"{entry}: {time.time() - start:.1f} s; max abs error {errors} ({tolerance}): "
              f"{'match' if ok else 'MISMATCH'}", flush=True)
    print(f"{matched} matched, {failed} failed, {skipped} not emulated")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
