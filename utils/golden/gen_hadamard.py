#!/usr/bin/env python3
"""Golden data for ct.hadamard / ct.rotate, produced by compressed-tensors itself.

Every transform output written here comes out of the library's online apply
path, `HadamardTransform.forward` (weight.T when inverse,
`apply_transform_weight` -> `_multihead_matmul(value, weight)`, divided by
sqrt(n), cast back to the input dtype), with weights from
`deterministic_hadamard_matrix` (scheme `hadamard`) and
`random_hadamard_matrix` (scheme `random-hadamard`) in float32, the
default scheme precision. The stored (unnormalized, +-1) weights are written
too for random-hadamard, as a checkpoint would hold them, and, for ct.rotate, `W / sqrt(n)`
(ct.rotate applies its matrix as given; docs/HadamardNotes.md).

Regenerate (from the repository root, in the venv of utils/golden/README.md):
    python3 utils/golden/gen_hadamard.py --out test/Integration/CPU/golden/hadamard
"""

import argparse
import json
import math
import shutil
import zlib
from pathlib import Path

import ml_dtypes
import numpy as np
import torch
from compressed_tensors.transform import (
    TransformArgs,
    TransformLocation,
    TransformScheme,
)
from compressed_tensors.transform.factory.hadamard import HadamardTransform
from compressed_tensors.transform.utils.hadamard import (
    deterministic_hadamard_matrix,
    random_hadamard_matrix,
)

# name, scheme type, block size n, input shape, input dtype, inverse
CASES = [
    ("det64_f32", "hadamard", 64, (2, 4, 8, 128), torch.float32, False),
    ("det128_f32", "hadamard", 128, (2, 4, 8, 128), torch.float32, False),
    ("det128_f32_inv", "hadamard", 128, (2, 4, 8, 128), torch.float32, True),
    ("det128_bf16", "hadamard", 128, (2, 4, 8, 128), torch.bfloat16, False),
    ("det64_bf16", "hadamard", 64, (2, 4, 8, 128), torch.bfloat16, False),
    ("rand64_f32", "random-hadamard", 64, (2, 4, 8, 128), torch.float32, False),
    ("rand128_f32_inv", "random-hadamard", 128, (2, 4, 8, 128), torch.float32,
     True),
    ("rand96_bf16", "random-hadamard", 96, (2, 4, 8, 96), torch.bfloat16,
     False),
]


def seeded(name: str) -> torch.Generator:
    gen = torch.Generator()
    gen.manual_seed(zlib.crc32(name.encode()))
    return gen


def to_numpy(t: torch.Tensor) -> np.ndarray:
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().view(ml_dtypes.bfloat16)
    return t.numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    out = parser.parse_args().out
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    manifest = {}
    for name, kind, n, shape, dtype, inverse in CASES:
        gen = seeded(name)
        if kind == "hadamard":
            weight = deterministic_hadamard_matrix(n, dtype=torch.float32)
        else:
            weight = random_hadamard_matrix(n, dtype=torch.float32, gen=gen)
        x = torch.randn(shape, generator=gen, dtype=torch.float32).to(dtype)
        transform = HadamardTransform(
            torch.nn.Parameter(weight, requires_grad=False),
            None,
            TransformScheme(type=kind),
            TransformArgs(targets=["Linear"], location=TransformLocation.Q_ATTN,
                          inverse=inverse),
            torch.nn.Linear,
        )
        with torch.no_grad():
            y = transform(x)
        np.save(out / f"{name}.x.npy", to_numpy(x))
        np.save(out / f"{name}.expected.npy", to_numpy(y))
        if kind == "random-hadamard":
            # The checkpoint's matrix, and the ct.rotate operand made of it.
            np.save(out / f"{name}.weight.npy", weight.numpy())
            normalized = weight.numpy() / np.float32(math.sqrt(n))
            np.save(out / f"{name}.rotation.npy", normalized.astype(np.float32))
        manifest[name] = {
            "scheme": kind,
            "size": n,
            "shape": list(shape),
            "dtype": str(dtype).removeprefix("torch."),
            "inverse": inverse,
            # Column 0 of diag(s)·S is s: the signs of a random-hadamard
            # weight that ct.hadamard takes (power-of-two sizes, n != 32).
            "signs": [int(v) for v in weight[:, 0].tolist()],
        }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__":
    main()
