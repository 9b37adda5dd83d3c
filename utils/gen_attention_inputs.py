# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Inputs and expectations of test/Integration/CPU/attention-*.mlir.

Expectations come from torch.nn.functional.scaled_dot_product_attention
evaluated in float64 (enable_gqa=True), the attention compressed-tensors'
QuantizedAttentionImpl hands off to. Causal masks are built bottom-right
aligned (query i at key position Skv_total - Sq + i) since SDPA's is_causal
is top-left aligned. bfloat16 inputs are rounded to bfloat16 first, so the
reference sees exactly what ct sees; bfloat16 expectations are the float64
result rounded to bfloat16.

Run with the venv that has torch and ml_dtypes:
  /work/tmp-golden/venv/bin/python utils/gen_attention_inputs.py
With --bench DIR it instead writes to DIR attention-bench.mlir (ct-lower-attention
against the naive batch_matmul/softmax/batch_matmul composition, decode and
causal prefill) and its large, uncommitted inputs; run each function with
  ct-run DIR/attention-bench.mlir --entry flash_decode --input DIR/decode.q.npy
    ... --bench 20
"""

import argparse
import math
import os

import ml_dtypes
import numpy as np
import torch

INPUTS = os.path.join(os.path.dirname(__file__), "..", "test", "Integration",
                      "CPU", "Inputs")


def save(directory, name, array):
    np.save(os.path.join(directory, name + ".npy"), array)


def as_numpy(tensor, dtype):
    array = tensor.numpy()
    if dtype == "bf16":
        return array.astype(ml_dtypes.bfloat16)
    return array.astype(np.float32)


def random(rng, shape, dtype):
    """Standard normal values, representable in `dtype`, as float64."""
    x = rng.standard_normal(shape).astype(np.float32)
    if dtype == "bf16":
        x = x.astype(ml_dtypes.bfloat16).astype(np.float32)
    return torch.from_numpy(x.astype(np.float64))


def causal_keep(sq, skv_total):
    """Bottom-right aligned causal mask: query i sees keys <= skv - sq + i."""
    rows = torch.arange(sq)[:, None] + (skv_total - sq)
    return torch.arange(skv_total)[None, :] <= rows


def sdpa(q, k, v, scale, keep=None, additive=None):
    mask = torch.zeros(q.shape[:3] + (k.shape[2],), dtype=torch.float64)
    if additive is not None:
        mask = mask + additive
    if keep is not None:
        mask = mask.masked_fill(~keep, -math.inf)
    return torch.nn.functional.scaled_dot_product_attention(
        q, k, v, attn_mask=mask, scale=scale, enable_gqa=True)


def case(directory, name, rng, dtype, b, hq, hkv, sq, skv, d, dv, scale,
         causal=False, additive=False, boolean=None, cache=None, hooks=None):
    """Writes one case: q, k, v [, mask] [, k_cache, v_cache, position] and
    the expected output [and updated caches]. `cache` = (smax, position);
    `boolean` = mask heads of the boolean mask; `hooks` = (fq, fk, fv)."""
    q = random(rng, (b, hq, sq, d), dtype)
    k = random(rng, (b, hkv, skv, d), dtype)
    v = random(rng, (b, hkv, skv, dv), dtype)
    save(directory, name + ".q", as_numpy(q, dtype))
    save(directory, name + ".k", as_numpy(k, dtype))
    save(directory, name + ".v", as_numpy(v, dtype))
    if hooks:
        q, k, v = hooks[0](q), hooks[1](k), hooks[2](v)

    k_all, v_all, skv_total = k, v, skv
    if cache:
        smax, position = cache
        k_cache = random(rng, (b, hkv, smax, d), dtype)
        v_cache = random(rng, (b, hkv, smax, dv), dtype)
        save(directory, name + ".k_cache", as_numpy(k_cache, dtype))
        save(directory, name + ".v_cache", as_numpy(v_cache, dtype))
        save(directory, name + ".position", np.array(position, dtype=np.int64))
        k_cache[:, :, position:position + skv] = k
        v_cache[:, :, position:position + skv] = v
        skv_total = position + skv
        k_all = k_cache[:, :, :skv_total]
        v_all = v_cache[:, :, :skv_total]

    keep, add = None, None
    if causal:
        keep = causal_keep(sq, skv_total)
    if additive:
        add = torch.from_numpy(
            rng.standard_normal((1, 1, sq, skv_total)).astype(np.float32)
            .astype(np.float64))
        add[rng.random(add.shape) < 0.1] = -math.inf
        add[..., 0] = 0.0  # every row keeps a key
        save(directory, name + ".mask", add.numpy().astype(np.float32))
    if boolean:
        bool_mask = rng.random((1, boolean, sq, skv_total)) < 0.7
        bool_mask[..., -1] = True
        save(directory, name + ".mask", bool_mask)
        bool_mask = torch.from_numpy(bool_mask)
        keep = bool_mask if keep is None else keep & bool_mask

    out = sdpa(q, k_all, v_all, scale, keep, add)
    save(directory, name + ".expected", as_numpy(out, dtype))
    if cache:
        save(directory, name + ".k_cache.expected", as_numpy(k_cache, dtype))
        save(directory, name + ".v_cache.expected", as_numpy(v_cache, dtype))


def tests():
    rng = np.random.default_rng(20240605)
    d = INPUTS
    # Sizes straddle the default tiles (32 queries, 64 keys, 512-key chunks).
    case(d, "attention-mha", rng, "f32", 2, 2, 2, 37, 70, 64, 64, 0.125)
    case(d, "attention-gqa-additive", rng, "f32", 1, 8, 2, 37, 70, 64, 32,
         0.125, additive=True)
    case(d, "attention-gqa-bool", rng, "f32", 2, 8, 2, 6, 70, 128, 64,
         1 / math.sqrt(128), boolean=8)
    case(d, "attention-causal-f32", rng, "f32", 1, 8, 2, 70, 70, 128, 128,
         1 / math.sqrt(128), causal=True)
    case(d, "attention-causal-bf16", rng, "bf16", 1, 8, 2, 70, 70, 64, 64,
         0.125, causal=True)
    case(d, "attention-decode", rng, "f32", 1, 8, 2, 1, 1, 64, 64, 0.125,
         causal=True, cache=(100, 77))
    case(d, "attention-chunked-bf16", rng, "bf16", 1, 8, 2, 4, 4, 64, 64,
         0.125, causal=True, cache=(40, 21))
    case(d, "attention-chunked-f32", rng, "f32", 2, 4, 2, 6, 6, 64, 32,
         0.125, causal=True, cache=(40, 21))
    case(d, "attention-hooks", rng, "f32", 1, 4, 2, 5, 5, 64, 64, 0.125,
         causal=True, cache=(16, 3),
         hooks=(lambda x: 2 * x, lambda x: x + 0.5, lambda x: -x))


BENCH_MLIR = """\
// Benchmarks of ct-lower-attention against the naive composition
// (batch_matmul, softmax, batch_matmul) on the same inputs; written by
// utils/gen_attention_inputs.py --bench.
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#lhs = affine_map<(b, m, n, k) -> (b, m, k)>
#rhsT = affine_map<(b, m, n, k) -> (b, n, k)>
#res = affine_map<(b, m, n, k) -> (b, m, n)>

// Decode: one token, Hq 32 on Hkv 8, D 128, 4096 cached keys, cache updated
// in place.
func.func @flash_decode(%q: tensor<1x32x1x128xf32>, %k: tensor<1x8x1x128xf32>,
    %v: tensor<1x8x1x128xf32>,
    %kc: tensor<1x8x4096x128xf32> {bufferization.writable = true},
    %vc: tensor<1x8x4096x128xf32> {bufferization.writable = true},
    %pos: index) -> tensor<1x32x1x128xf32> {
  %o, %kc2, %vc2 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      {scale = 0.08838834764831845 : f64, causal}
      : (tensor<1x32x1x128xf32>, tensor<1x8x1x128xf32>, tensor<1x8x1x128xf32>,
         tensor<1x8x4096x128xf32>, tensor<1x8x4096x128xf32>, index)
      -> (tensor<1x32x1x128xf32>, tensor<1x8x4096x128xf32>, tensor<1x8x4096x128xf32>)
  return %o : tensor<1x32x1x128xf32>
}

func.func @naive_decode(%q: tensor<1x32x1x128xf32>, %k: tensor<1x8x1x128xf32>,
    %v: tensor<1x8x1x128xf32>,
    %kc: tensor<1x8x4096x128xf32> {bufferization.writable = true},
    %vc: tensor<1x8x4096x128xf32> {bufferization.writable = true},
    %pos: index) -> tensor<1x32x1x128xf32> {
  %kall = tensor.insert_slice %k into %kc[0, 0, %pos, 0] [1, 8, 1, 128] [1, 1, 1, 1]
      : tensor<1x8x1x128xf32> into tensor<1x8x4096x128xf32>
  %vall = tensor.insert_slice %v into %vc[0, 0, %pos, 0] [1, 8, 1, 128] [1, 1, 1, 1]
      : tensor<1x8x1x128xf32> into tensor<1x8x4096x128xf32>
  %q3 = tensor.collapse_shape %q [[0, 1, 2], [3]] : tensor<1x32x1x128xf32> into tensor<32x128xf32>
  %qg = tensor.expand_shape %q3 [[0, 1], [2]] output_shape [8, 4, 128] : tensor<32x128xf32> into tensor<8x4x128xf32>
  %k3 = tensor.collapse_shape %kall [[0, 1], [2], [3]] : tensor<1x8x4096x128xf32> into tensor<8x4096x128xf32>
  %v3 = tensor.collapse_shape %vall [[0, 1], [2], [3]] : tensor<1x8x4096x128xf32> into tensor<8x4096x128xf32>
  %o = call @naive(%qg, %k3, %v3) : (tensor<8x4x128xf32>, tensor<8x4096x128xf32>, tensor<8x4096x128xf32>) -> tensor<8x4x128xf32>
  %o2 = tensor.collapse_shape %o [[0, 1], [2]] : tensor<8x4x128xf32> into tensor<32x128xf32>
  %o4 = tensor.expand_shape %o2 [[0, 1, 2], [3]] output_shape [1, 32, 1, 128] : tensor<32x128xf32> into tensor<1x32x1x128xf32>
  return %o4 : tensor<1x32x1x128xf32>
}

// softmax(Q·Kᵀ·scale)·V per kv head, the query heads of a group as rows.
func.func private @naive(%q: tensor<8x4x128xf32>, %k: tensor<8x4096x128xf32>,
                         %v: tensor<8x4096x128xf32>) -> tensor<8x4x128xf32> {
  %zero = arith.constant 0.0 : f32
  %scale = arith.constant 0.08838834764831845 : f32
  %se = tensor.empty() : tensor<8x4x4096xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<8x4x4096xf32>) -> tensor<8x4x4096xf32>
  %s = linalg.batch_matmul indexing_maps = [#lhs, #rhsT, #res] ins(%q, %k : tensor<8x4x128xf32>, tensor<8x4096x128xf32>)
      outs(%s0 : tensor<8x4x4096xf32>) -> tensor<8x4x4096xf32>
  %x = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s : tensor<8x4x4096xf32>) outs(%se : tensor<8x4x4096xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %scale : f32
    linalg.yield %m : f32
  } -> tensor<8x4x4096xf32>
  %p = linalg.softmax dimension(2) ins(%x : tensor<8x4x4096xf32>) outs(%se : tensor<8x4x4096xf32>) -> tensor<8x4x4096xf32>
  %oe = tensor.empty() : tensor<8x4x128xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<8x4x128xf32>) -> tensor<8x4x128xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<8x4x4096xf32>, tensor<8x4096x128xf32>)
      outs(%o0 : tensor<8x4x128xf32>) -> tensor<8x4x128xf32>
  return %o : tensor<8x4x128xf32>
}

// Causal prefill: 512 tokens, Hq 32 on Hkv 8, D 128.
func.func @flash_prefill(%q: tensor<1x32x512x128xf32>, %k: tensor<1x8x512x128xf32>,
                         %v: tensor<1x8x512x128xf32>) -> tensor<1x32x512x128xf32> {
  %o = ct.hooked_attention %q, %k, %v {scale = 0.08838834764831845 : f64, causal}
      : (tensor<1x32x512x128xf32>, tensor<1x8x512x128xf32>, tensor<1x8x512x128xf32>)
      -> tensor<1x32x512x128xf32>
  return %o : tensor<1x32x512x128xf32>
}

func.func @naive_prefill(%q: tensor<1x32x512x128xf32>, %k: tensor<1x8x512x128xf32>,
                         %v: tensor<1x8x512x128xf32>) -> tensor<1x32x512x128xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %scale = arith.constant 0.08838834764831845 : f32
  %c512 = arith.constant 512 : index
  %q2 = tensor.collapse_shape %q [[0, 1, 2], [3]] : tensor<1x32x512x128xf32> into tensor<16384x128xf32>
  %qg = tensor.expand_shape %q2 [[0, 1], [2]] output_shape [8, 2048, 128] : tensor<16384x128xf32> into tensor<8x2048x128xf32>
  %k3 = tensor.collapse_shape %k [[0, 1], [2], [3]] : tensor<1x8x512x128xf32> into tensor<8x512x128xf32>
  %v3 = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x8x512x128xf32> into tensor<8x512x128xf32>
  %se = tensor.empty() : tensor<8x2048x512xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<8x2048x512xf32>) -> tensor<8x2048x512xf32>
  %s = linalg.batch_matmul indexing_maps = [#lhs, #rhsT, #res] ins(%qg, %k3 : tensor<8x2048x128xf32>, tensor<8x512x128xf32>)
      outs(%s0 : tensor<8x2048x512xf32>) -> tensor<8x2048x512xf32>
  %x = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s : tensor<8x2048x512xf32>) outs(%se : tensor<8x2048x512xf32>) {
  ^bb0(%in: f32, %out: f32):
    %row = linalg.index 1 : index
    %col = linalg.index 2 : index
    %i = arith.remui %row, %c512 : index
    %future = arith.cmpi ugt, %col, %i : index
    %m = arith.mulf %in, %scale : f32
    %r = arith.select %future, %ninf, %m : f32
    linalg.yield %r : f32
  } -> tensor<8x2048x512xf32>
  %p = linalg.softmax dimension(2) ins(%x : tensor<8x2048x512xf32>) outs(%se : tensor<8x2048x512xf32>) -> tensor<8x2048x512xf32>
  %oe = tensor.empty() : tensor<8x2048x128xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<8x2048x128xf32>) -> tensor<8x2048x128xf32>
  %o = linalg.batch_matmul ins(%p, %v3 : tensor<8x2048x512xf32>, tensor<8x512x128xf32>)
      outs(%o0 : tensor<8x2048x128xf32>) -> tensor<8x2048x128xf32>
  %o2 = tensor.collapse_shape %o [[0, 1], [2]] : tensor<8x2048x128xf32> into tensor<16384x128xf32>
  %o4 = tensor.expand_shape %o2 [[0, 1, 2], [3]] output_shape [1, 32, 512, 128] : tensor<16384x128xf32> into tensor<1x32x512x128xf32>
  return %o4 : tensor<1x32x512x128xf32>
}
"""


def bench(directory):
    rng = np.random.default_rng(7)
    os.makedirs(directory, exist_ok=True)
    # Decode: Hq 32, Hkv 8, D 128, 4096 cached keys (position 4095).
    for name, shape in [("decode.q", (1, 32, 1, 128)),
                        ("decode.k", (1, 8, 1, 128)),
                        ("decode.v", (1, 8, 1, 128)),
                        ("decode.k_cache", (1, 8, 4096, 128)),
                        ("decode.v_cache", (1, 8, 4096, 128)),
                        ("prefill.q", (1, 32, 512, 128)),
                        ("prefill.k", (1, 8, 512, 128)),
                        ("prefill.v", (1, 8, 512, 128))]:
        save(directory, name, rng.standard_normal(shape).astype(np.float32))
    save(directory, "decode.position", np.array(4095, dtype=np.int64))
    with open(os.path.join(directory, "attention-bench.mlir"), "w") as f:
        f.write(BENCH_MLIR)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bench", metavar="DIR",
                        help="write the benchmark inputs to DIR instead")
    args = parser.parse_args()
    if args.bench:
        bench(args.bench)
    else:
        tests()


if __name__ == "__main__":
    main()
