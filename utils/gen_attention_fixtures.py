#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# Imports Hugging Face attention layers (Llama, Mistral, Qwen2; eager and SDPA
# paths; a DynamicCache decode step) through torch-mlir's FX importer down to
# linalg-on-tensors and to TOSA, so that ct-raise-attention is tested on the
# IR a real front end emits rather than on IR written to please the matcher. Configs are
# tiny and random (no downloads); the .npy inputs feed the integration tests
# that run each fixture before and after raising.
#
# Needs torch, transformers and torch-mlir (pip install torch-mlir). Run:
#   python utils/gen_attention_fixtures.py [--out-dir DIR] [--npy-dir DIR]

import argparse
import pathlib
import re

import numpy as np
import torch
from torch_mlir import fx
from transformers import LlamaConfig, MistralConfig, Qwen2Config
from transformers.cache_utils import DynamicCache
from transformers.models.llama.modeling_llama import LlamaAttention
from transformers.models.mistral.modeling_mistral import MistralAttention
from transformers.models.qwen2.modeling_qwen2 import Qwen2Attention

ROOT = pathlib.Path(__file__).resolve().parent.parent

# hidden 16, 4 query heads, 2 kv heads (GQA, repeat_kv by 2), head_dim 4.
TINY = dict(hidden_size=16, num_attention_heads=4, num_key_value_heads=2,
            head_dim=4, intermediate_size=32, num_hidden_layers=1,
            vocab_size=32)
SEQ = 4
PAST = 3

FAMILIES = {
    "llama": (LlamaConfig, LlamaAttention),
    "mistral": (MistralConfig, MistralAttention),
    "qwen2": (Qwen2Config, Qwen2Attention),
}


class Layer(torch.nn.Module):
    """One attention layer as a decoder runs it: projections, RoPE, attention
    (the attention implementation chosen by the config), output projection."""

    def __init__(self, config, attention_cls):
        super().__init__()
        self.config = config
        self.self_attn = attention_cls(config, layer_idx=0)

    def forward(self, x, cos, sin, mask):
        out, _ = self.self_attn(x, (cos, sin), mask)
        return out


class DecodeStep(Layer):
    """A decode step with a DynamicCache holding the past keys and values:
    the cache concatenates them with the new ones and returns the result."""

    def forward(self, x, cos, sin, mask, past_k, past_v):
        cache = DynamicCache(config=self.config)
        cache.update(past_k, past_v, 0)
        out, _ = self.self_attn(x, (cos, sin), mask, past_key_values=cache)
        return out, cache.layers[0].keys, cache.layers[0].values


def causal_mask(seq, past, dtype):
    """HF's additive causal mask [1, 1, seq, past + seq] (min of the dtype)."""
    rows = torch.arange(seq)[:, None] + past
    cols = torch.arange(past + seq)[None, :]
    mask = torch.zeros(seq, past + seq, dtype=dtype)
    mask[cols > rows] = torch.finfo(dtype).min
    return mask[None, None]


def rope(seq, past, head_dim):
    inv = 1.0 / (10000 ** (torch.arange(0, head_dim, 2).float() / head_dim))
    freqs = torch.outer(torch.arange(past, past + seq).float(), inv)
    emb = torch.cat([freqs, freqs], dim=-1)[None]
    return emb.cos(), emb.sin()


def build(family, attn, dtype, decode):
    config_cls, attention_cls = FAMILIES[family]
    config = config_cls(**TINY)
    config._attn_implementation = attn
    torch.manual_seed(0)
    module = (DecodeStep if decode else Layer)(config, attention_cls)
    module = module.to(dtype).eval()
    seq, past = (1, PAST) if decode else (SEQ, 0)
    cos, sin = rope(seq, past, TINY["head_dim"])
    inputs = [torch.randn(1, seq, TINY["hidden_size"]), cos, sin,
              causal_mask(seq, past, torch.float32)]
    if decode:
        kv_shape = (1, TINY["num_key_value_heads"], past, TINY["head_dim"])
        inputs += [torch.randn(kv_shape), torch.randn(kv_shape)]
    return module, [t.to(dtype) for t in inputs]


def to_numpy(tensor):
    if tensor.dtype == torch.bfloat16:
        # NumPy has no bf16: ct-run reads the raw 2-byte values ('|V2', as
        # ml_dtypes.bfloat16 arrays are saved).
        return tensor.view(torch.int16).numpy().view("V2")
    return tensor.numpy()


LINALG, TOSA = "linalg-on-tensors", "tosa"

FIXTURES = [
    # (name, family, attention implementation, dtype, decode step, output)
    ("llama_eager", "llama", "eager", torch.float32, False, LINALG),
    ("llama_sdpa", "llama", "sdpa", torch.float32, False, LINALG),
    ("llama_eager_bf16", "llama", "eager", torch.bfloat16, False, LINALG),
    ("llama_decode", "llama", "eager", torch.float32, True, LINALG),
    ("mistral_sdpa", "mistral", "sdpa", torch.float32, False, LINALG),
    ("qwen2_eager", "qwen2", "eager", torch.float32, False, LINALG),
    ("tosa_llama_eager", "llama", "eager", torch.float32, False, TOSA),
    ("tosa_llama_sdpa", "llama", "sdpa", torch.float32, False, TOSA),
    ("tosa_llama_eager_bf16", "llama", "eager", torch.bfloat16, False, TOSA),
    ("tosa_llama_decode", "llama", "eager", torch.float32, True, TOSA),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out-dir", type=pathlib.Path,
                        default=ROOT / "test/Transforms/Inputs")
    parser.add_argument("--npy-dir", type=pathlib.Path,
                        default=ROOT / "test/Integration/CPU/Inputs")
    args = parser.parse_args()
    for name, family, attn, dtype, decode, output in FIXTURES:
        module, inputs = build(family, attn, dtype, decode)
        imported = fx.export_and_import(module, *inputs, func_name=name,
                                        output_type=output)
        # Custom syntax keeps the fixtures readable; the lit tests check that
        # ct-opt (MLIR 22) still parses what this newer torch-mlir prints.
        asm = imported.operation.get_asm(large_elements_limit=None)
        asm = re.sub(r" loc\(#loc\d*\)", "", asm)
        header = (f"// {family} attention layer, {attn} path, "
                  f"{str(dtype).removeprefix('torch.')}"
                  f"{', DynamicCache decode step' if decode else ''}"
                  f"{', TOSA' if output == TOSA else ''}.\n"
                  "// Generated by utils/gen_attention_fixtures.py "
                  "(torch-mlir FX importer); do not edit.\n")
        (args.out_dir / f"{name}.mlir").write_text(header + asm)
        for i, tensor in enumerate(inputs):
            np.save(args.npy_dir / f"raise_{name}.in{i}.npy", to_numpy(tensor))
        print(f"wrote {name}")


if __name__ == "__main__":
    main()
