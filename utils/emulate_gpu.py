# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Runs the GPU kernels of ct-attention-to-gpu and ct-hadamard-to-gpu on the
CPU, for machines without a GPU, and checks a `cuda-device` test's cases with
them.

The kernels are interpreted as the passes build them (generic-form IR,
gpu.launch before outlining), in lockstep: every op of a thread block runs
for all its threads at once on numpy arrays shaped (threads, *vector shape),
with a mask of active threads under divergent scf.if / scf.for. Shuffles
permute the thread axis and barriers hold by construction; cp.async copies at
once; ldmatrix and mma.sync follow the PTX fragment layouts (m8n8.x4 b16,
m16n8k16 with f32 accumulators, summed in f64); ex2.approx is exp2 in f64,
so results may differ from a GPU's by its 2 ulp. What the emulator does not
show: timing, memory-model races, anything after outlining (NVVM, PTX,
ptxas).

For each `ct-run --gpu` RUN line of TEST the CPU RUN line of the same entry
runs first (ct-run, writing its outputs); the entry's kernels then run in
the emulator on the same inputs and its first result is compared with the
CPU's at the GPU line's --rtol/--atol. An attention entry's cache write
(ct.calculate_qparams, ct.quantize: ct-quant-to-gpu kernels, which are not
emulated) is taken from the CPU run: the caches and scales the entry returns
replace its cache and scale arguments. Entries of ct.hadamard compare every
result with the GPU line's --compare files.

  python3 utils/emulate_gpu.py test/Integration/GPU/attention.mlir [--entry E]

Needs numpy (Debian's python3-numpy) and build/bin/ct-opt, ct-run.
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

# Storage of each element type: bf16, fp8 and fp4 as their bits (arithmetic
# on them is an error; they only move and convert), i4 one code per byte.
STORAGE = {"f32": np.float32, "f16": np.float16, "bf16": np.uint16,
           "f8E4M3FN": np.uint8, "f4E2M1FN": np.uint8, "i64": np.int64,
           "index": np.int64, "i32": np.uint32, "i16": np.uint16,
           "i8": np.uint8, "i4": np.uint8, "i1": np.bool_}
SIGNED = {"i32": np.int32, "i16": np.int16, "i8": np.int8, "i64": np.int64,
          "index": np.int64}
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


def to_f32(x, element):
    """Values of `element` as f32 (f64 for integer types kept exact)."""
    if element == "bf16":
        return bf16_to_f32(x)
    if element == "f8E4M3FN":
        return FP8_E4M3FN[np.asarray(x)].astype(np.float32)
    return np.asarray(x).astype(np.float32)


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


def functions(module_text):
    ops, _, _ = Op.parse_block(module_text.splitlines())
    return {re.search(r'sym_name = "(\w+)"', f.text).group(1): f
            for f in ops[0].regions[0][0] if f.name == "func.func"}


def constant(op):
    kind, shape, element = op.restypes[0]
    m = re.search(r"value = (true|false)\b", op.text) or \
        re.search(r"value = (dense<.*?>|[^ }]+) : ", op.text)
    text = m.group(1)
    if text.startswith("dense<"):
        text = text[6:-1]
    if text.startswith('"0x'):
        return np.frombuffer(bytes.fromhex(text[3:-1]), STORAGE[element]).reshape(shape).copy()

    def scalar(word):
        if word in ("true", "false"):
            return word == "true"
        if element in ("f32", "f16", "bf16", "f8E4M3FN"):
            if word.startswith("0x"):
                return int(word, 16) if element != "f32" else \
                    np.uint32(int(word, 16)).view(np.float32)
            value = np.float32(float(word))
            if element == "bf16":
                return f32_to_bf16(value)
            if element == "f8E4M3FN":
                exact = np.nonzero(FP8_E4M3FN == value)[0]
                if not len(exact):
                    raise NotImplementedError(f"f8E4M3FN constant {word}")
                return exact[0]
            return value
        return np.array(int(word)).astype(SIGNED.get(element, np.int64)).astype(STORAGE[element])

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
    """One thread block of a kernel, run in lockstep."""

    def __init__(self, threads, env, memory):
        self.T, self.env, self.memory = threads, env, memory

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
        if kind in integer:
            dtype = STORAGE[element]
            out = integer[kind](np.asarray(args[0], dtype), np.asarray(args[1], dtype))
            return (out & 0xF).astype(dtype) if element == "i4" else out.astype(dtype)
        if kind in ("divui", "remui", "ceildivui", "minui", "maxui", "shrui"):
            x, y = (self.unsigned(a, element) for a in args)
            safe = np.where(y == 0, 1, y).astype(y.dtype)
            out = {"divui": lambda: x // safe, "remui": lambda: x % safe,
                   "ceildivui": lambda: (x + safe - 1) // safe,
                   "minui": lambda: np.minimum(x, y), "maxui": lambda: np.maximum(x, y),
                   "shrui": lambda: x >> y}[kind]()
            return np.asarray(out).astype(x.dtype).view(STORAGE[element])
        if kind in ("shrsi", "minsi", "maxsi", "divsi", "remsi"):
            x, y = (self.signed(a, element) for a in args)
            safe = np.where(y == 0, 1, y)
            out = {"shrsi": lambda: x >> y, "minsi": lambda: np.minimum(x, y),
                   "maxsi": lambda: np.maximum(x, y),
                   "divsi": lambda: np.trunc(x / safe).astype(x.dtype),
                   "remsi": lambda: np.fmod(x, safe)}[kind]()
            return np.asarray(out).astype(x.dtype).view(STORAGE[element])
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
        if kind in ("extui", "trunci", "index_cast", "index_castui"):
            x = np.asarray(args[0])
            if kind == "index_cast" and source not in ("index", "i64"):
                x = self.signed(x, source)
            if kind == "trunci":
                x = x.astype(np.int64) & ((1 << {"i32": 32, "i16": 16, "i8": 8, "i4": 4, "i1": 1}[element]) - 1)
            return x.astype(STORAGE[element])
        if kind == "extsi":
            return self.signed(args[0], source).astype(SIGNED.get(element, np.int64)).astype(STORAGE[element])
        if kind == "bitcast":
            return np.ascontiguousarray(np.asarray(args[0], STORAGE[source])).view(STORAGE[element])
        if kind in ("sitofp", "uitofp"):
            x = self.signed(args[0], source) if kind == "sitofp" else np.asarray(args[0])
            return self.from_f32(x.astype(np.float64).astype(np.float32), element)
        floating = {"addf": np.add, "subf": np.subtract, "mulf": np.multiply,
                    "divf": np.divide, "maximumf": np.maximum, "minimumf": np.minimum,
                    "maxnumf": np.fmax, "minnumf": np.fmin}
        if kind in floating:
            if element not in ("f32", "f16"):
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
            if element not in ("f32", "f16"):
                raise NotImplementedError(f"arith.negf on {element}")
            return -np.asarray(args[0])
        if kind in ("extf", "truncf"):
            return self.from_f32(to_f32(args[0], source), element)
        raise NotImplementedError("arith." + kind)

    @staticmethod
    def unsigned(x, element):
        x = np.asarray(x)
        return x.astype(np.int64).view(np.uint64) if element in ("index", "i64") else \
            x.astype(STORAGE[element])

    @staticmethod
    def signed(x, element):
        x = np.asarray(x)
        if element == "i4":
            return (x.astype(np.int8) << 4) >> 4
        return x.astype(STORAGE[element]).view(SIGNED.get(element, np.int64)) \
            if element not in ("index", "i64") else x.astype(np.int64)

    @staticmethod
    def from_f32(x, element):
        if element == "bf16":
            return f32_to_bf16(x)
        if element in ("f32", "f16"):
            return np.asarray(x, np.float32).astype(STORAGE[element])
        raise NotImplementedError(f"conversion to {element}")

    # llvm and math ----------------------------------------------------------

    def op_llvm_intr_fma(self, op, args, result, mask):
        x, y, z = (np.asarray(a, np.float64) for a in args)
        return (x * y + z).astype(np.float32)

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

    def indices(self, index, mask, count, size):
        """Per-thread element indices of a load or store of `count`
        elements; inactive threads read element 0."""
        index = np.asarray(index)
        if index.ndim:
            index = np.where(mask, index, 0)
        if np.any(index < 0) or np.any(index + count > size):
            raise IndexError(f"access at {index.min()}..{index.max() + count - 1} of {size}")
        return index

    def op_vector_load(self, op, args, result, mask):
        buffer = args[0]
        count = result[1][0]
        index = self.indices(args[1], mask, count, buffer.shape[0])
        return buffer[index[..., None] + np.arange(count)]

    def op_memref_load(self, op, args, result, mask):
        buffer = args[0]
        if len(args) != 2:
            raise NotImplementedError("memref.load of rank != 1")
        return buffer[self.indices(args[1], mask, 1, buffer.shape[0])]

    def op_vector_store(self, op, args, result, mask):
        value, buffer, index = np.asarray(args[0]), args[1], args[2]
        count = value.shape[-1]
        value = self.spread(value, (count,))
        index = self.spread(self.indices(index, mask, count, buffer.shape[0]), ())
        for t in np.nonzero(mask)[0]:
            buffer[index[t]:index[t] + count] = value[t]

    def op_memref_store(self, op, args, result, mask):
        value, buffer, index = args[0], args[1], args[2]
        value = self.spread(value, buffer.shape[1:])
        index = self.spread(self.indices(index, mask, 1, buffer.shape[0]), ())
        active = np.nonzero(mask)[0]
        buffer[index[active]] = value[active]

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

    op_gpu_terminator = op_gpu_barrier
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

    # scf --------------------------------------------------------------------

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


def run_launch(op, env, memory):
    sizes = [int(np.asarray(env[o])) for o in op.operands[:6]]
    blocks, threads = sizes[0], sizes[3]
    if sizes[1:3] != [1, 1] or sizes[4:6] != [1, 1]:
        raise NotImplementedError("multi-dimensional launch")
    body, block_args = op.regions[0]
    ids = [name for name, _ in block_args[:12]]
    for block in range(blocks):
        local = dict(env)
        for k, value in enumerate((block, 0, 0)):
            local[ids[k]] = np.full(threads, value, np.int64)
        local[ids[3]] = np.arange(threads, dtype=np.int64)
        for k, value in enumerate((0, 0, blocks, 1, 1, threads, 1, 1)):
            local[ids[4 + k]] = np.full(threads, value, np.int64)
        for name, type_text in block_args[12:]:
            _, shape, element = parse_type(type_text)
            local[name] = np.zeros(shape, STORAGE[element])
        Block(threads, local, memory).run(body, np.ones(threads, bool))


def run_function(function, inputs):
    """Runs `function` on `inputs` (one array per argument, or an int for an
    index). Host ops outside what the emulator knows leave their results
    undefined; a tensor.insert_slice is its destination (the caches as
    given), bufferization casts are their operand. Returns the environment."""
    body, block_args = function.regions[0]
    env = {name: value for (name, _), value in zip(block_args, inputs)}
    memory, launches = Memory(), 0
    for op in body:
        args = [env.get(o) for o in op.operands]
        result = op.restypes[0] if op.restypes else None
        if op.name == "gpu.launch":
            run_launch(op, env, memory)
            launches += 1
        elif op.name == "arith.constant":
            env[op.results[0]] = constant(op)
        elif op.name in ("arith.addi", "arith.muli", "arith.subi") and None not in args:
            x, y = int(np.asarray(args[0])), int(np.asarray(args[1]))
            env[op.results[0]] = {"arith.addi": x + y, "arith.muli": x * y,
                                  "arith.subi": x - y}[op.name]
        elif op.name in ("arith.extf", "arith.truncf") and args[0] is not None:
            env[op.results[0]] = Block.from_f32(to_f32(args[0], op.argtypes[0][2]), result[2])
        elif op.name == "memref.collapse_shape":
            env[op.results[0]] = args[0].reshape(-1)
        elif op.name == "memref.alloc":
            env[op.results[0]] = np.zeros(result[1], STORAGE[result[2]])
        elif op.name in ("bufferization.to_buffer", "bufferization.to_tensor"):
            env[op.results[0]] = args[0]
        elif op.name == "tensor.insert_slice":
            env[op.results[0]] = args[1]
        elif op.name == "tensor.extract_slice" and len(args) == 1 and args[0] is not None:
            offsets, sizes = op.attr_ints("static_offsets"), op.attr_ints("static_sizes")
            if op.attr_ints("static_strides") != [1] * len(sizes):
                raise NotImplementedError("strided tensor.extract_slice")
            env[op.results[0]] = np.ascontiguousarray(
                args[0][tuple(slice(o, o + s) for o, s in zip(offsets, sizes))])
        elif op.name == "memref.copy":
            np.copyto(args[1].reshape(-1), np.asarray(args[0]).reshape(-1))
    return env, launches


# ---------------------------------------------------------------------------
# Test files
# ---------------------------------------------------------------------------

def lower(path, options):
    command = [os.path.join(BIN, "ct-opt"), path,
               "--ct-attention-to-gpu" + (f"={options}" if options else ""),
               "--ct-hadamard-to-gpu", "-mlir-print-op-generic"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def attention_cache_results(function):
    """Which argument (index) each result of the function's ct.hooked_attention
    updates: None for the output, then the caches and the dynamic schemes'
    scales and zero points, in the op's result order."""
    body, block_args = function.regions[0]
    attention = [op for op in body if op.name == "ct.hooked_attention"]
    if not attention:
        return None, None
    attention = attention[0]
    names = ["q", "k", "v", "mask", "kc", "vc", "pos", "ks", "kz", "vs", "vz"]
    operand, k = {}, 0
    for name, count in zip(names, attention.attr_ints("operandSegmentSizes")):
        if count:
            operand[name] = attention.operands[k]
            k += 1
    updated = ["o", "kc", "vc"]
    for cache in ("k", "v"):
        scheme = re.search(cache + r"_cache_quant = (#ct.quant<[^>]*>)", attention.text)
        if scheme and "dynamic" in scheme.group(1):
            updated += [p for p in (cache + "s", cache + "z") if p in operand]
    arguments = [name for name, _ in block_args]
    returned = [op for op in body if op.name == "func.return"][0].operands
    base = attention.results[0].split("#")[0]
    mapping = {}
    for position, value in enumerate(returned):
        m = re.match(r"(%\w+)#(\d+)$", value)
        if m and m.group(1) == base and updated[int(m.group(2))] != "o":
            mapping[position] = arguments.index(operand[updated[int(m.group(2))]])
    return attention, mapping


def compare(got, got_element, want_path, rtol, atol):
    want = np.load(want_path)
    if want.dtype.kind == "V":
        want = bf16_to_f32(want.view(np.uint16))
    got = to_f32(got, got_element).astype(np.float64).reshape(-1)
    want = want.astype(np.float64).reshape(-1)
    both_nan = np.isnan(got) & np.isnan(want)
    error = np.where(both_nan, 0, np.abs(got - want))
    error = np.nan_to_num(error, nan=np.inf)
    ok = bool(np.all(error <= atol + rtol * np.abs(np.nan_to_num(want))))
    return ok, float(error.max()) if error.size else 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("test")
    parser.add_argument("--entry", help="only this entry")
    parser.add_argument("--attention-options", default="",
                        help="ct-attention-to-gpu options, e.g. tensor-cores=false")
    options = parser.parse_args()
    path = os.path.abspath(options.test)
    work = tempfile.mkdtemp(prefix="ct-emulate-")
    substitute = {"%s": path, "%S": os.path.dirname(path),
                  "%t": os.path.join(work, os.path.basename(path))}
    runs = []
    for line in re.findall(r"//\s*RUN:\s*(.*)", open(path).read()):
        for key, value in substitute.items():
            line = line.replace(key, value)
        runs.append(line)
    environment = dict(os.environ, PATH=os.pathsep.join(
        [BIN, "/usr/lib/llvm-22/bin", os.environ.get("PATH", "")]))
    modules, cpu_runs = {}, {}
    matched = mismatched = skipped = 0
    for line in runs:
        command = line.split("|")[0].split()
        if not command or command[0] != "ct-run":
            continue
        entry = command[command.index("--entry") + 1]
        if options.entry and entry != options.entry:
            continue
        flag = lambda name: [command[i + 1] for i, c in enumerate(command) if c == name]
        if "--gpu" not in command:
            subprocess.run(line.split("|")[0], shell=True, check=True, env=environment,
                           stdout=subprocess.DEVNULL)
            cpu_runs[entry] = flag("--output")
            continue
        module = command[command.index("--gpu") + 1]
        if module not in modules:
            modules[module] = (functions(lower(module, options.attention_options)),
                               functions(subprocess.run(
                                   [os.path.join(BIN, "ct-opt"), module, "-mlir-print-op-generic"],
                                   capture_output=True, text=True, check=True).stdout))
        lowered, original = modules[module]
        inputs = flag("--input")
        rtol, atol = float(flag("--rtol")[0]), float(flag("--atol")[0])
        wanted = flag("--compare")
        attention, mapping = attention_cache_results(original[entry])
        if attention is not None:
            # The cache write is the CPU run's (see the module docstring).
            for position, argument in mapping.items():
                inputs[argument] = cpu_runs[entry][position]
            wanted = wanted[:1]
        function = lowered[entry]
        arguments = []
        for (name, type_text), input_path in zip(function.regions[0][1], inputs):
            kind, shape, element = parse_type(type_text)
            arguments.append(int(np.load(input_path)) if kind == "scalar"
                             else load_npy(input_path, element).reshape(shape).copy())
        start = time.time()
        try:
            env, launches = run_function(function, arguments)
        except NotImplementedError as error:
            print(f"{entry}: not emulated: {str(error).splitlines()[0]}")
            skipped += 1
            continue
        body = function.regions[0][0]
        returned = [op for op in body if op.name == "func.return"][0]
        computed = [env.get(value) for value in returned.operands[:len(wanted)]]
        if any(value is None for value in computed):
            print(f"{entry}: not emulated: results computed outside the emulated kernels")
            skipped += 1
            continue
        results = []
        for k, (got, want) in enumerate(zip(computed, wanted)):
            ok, error = compare(got, returned.argtypes[k][2], want, rtol, atol)
            results.append((ok, f"result #{k} max abs error {error:.3g}"))
        ok = all(r[0] for r in results)
        matched, mismatched = matched + ok, mismatched + (not ok)
        print(f"{entry}: {launches} kernels, {time.time() - start:.1f} s; "
              + "; ".join(r[1] for r in results)
              + f" (rtol {rtol:g}, atol {atol:g}): {'match' if ok else 'MISMATCH'}", flush=True)
    print(f"{matched} matched, {mismatched} mismatched, {skipped} not emulated")
    return 1 if mismatched else 0


if __name__ == "__main__":
    sys.exit(main())
