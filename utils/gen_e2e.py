#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Writes the end-to-end fixtures of test/E2E: a real model through ct.

A tiny random Llama (1 layer; hidden 64, 4 query heads, 2 KV heads, head_dim
16; no downloads) gets a compressed-tensors config applied by the library
itself. Static scales are calibrated on the prefill input (min/max of the
tensors the library's hooks see, through the library's own
`calculate_qparams`). The library's forward outputs -- its hooks active:
QuantizedAttentionImpl for the query, QuantizedKVCache for keys and values,
the R3 transforms registered on both -- are the expected results; the script
checks that every hook ran and that the outputs differ from the unquantized
layer. `save_pretrained` and `ModelCompressor.update_config` write the
config.json and model.safetensors ct-apply-config reads.

The attention layer itself is exported by torch-mlir (linalg-on-tensors)
WITHOUT the library's hooks: plain HF LlamaAttention (q/k/v/o projections,
RoPE, SDPA) with the same weights, once for a prefill of 8 tokens and once
for a decode step with a DynamicCache holding 7 past tokens (the past comes
from the library's own prefill of the first 7 tokens, so it is rotated and
quantized as the library caches it).

With --decoder-layer it writes, instead, the fixtures of the whole first
LlamaDecoderLayer (input RMSNorm, attention with RoPE, residual,
post-attention RMSNorm, SwiGLU MLP, residual; test/E2E/llama-decoder-layer.mlir):
llama_layer_{prefill,decode}.mlir and <config>.layer.* outputs. The layer
has the inputs of the attention fixtures (prefill.in*, decode.in*) and the
model and checkpoints of the same configs (scales calibrated on the
attention fixture's input as above): the script re-creates each checkpoint
and checks that it is byte for byte the committed <config>.safetensors /
.config.json, which the layer tests share.

compressed-tensors 0.20.1 finds the cache by a `past_key_value(s)` forward
parameter, which transformers 5 renamed to `cache`: without the workaround
below the library silently skips KV-cache quantization (it registers no
k/v scales, and its hook passes the wrapper under a name forward ignores).

    /work/tmp-raise/venv/bin/python utils/gen_e2e.py [--decoder-layer]
"""
import argparse
import filecmp
import inspect
import json
import os
import pathlib
import re
import tempfile

import numpy as np
import torch
from torch_mlir import fx
from transformers import LlamaConfig, LlamaForCausalLM
from transformers.cache_utils import DynamicCache
from transformers.models.llama.modeling_llama import (LlamaAttention,
                                                      LlamaDecoderLayer)

import gen_e2e_kv_codes as kv_codes  # utils/, next to this script
import compressed_tensors.modeling.kvcache as ct_kvcache
import compressed_tensors.quantization.lifecycle.apply as ct_apply
import compressed_tensors.quantization.lifecycle.initialize as ct_init
from compressed_tensors.compressors import ModelCompressor
from compressed_tensors.modeling.attention import IMPL_ATTR
from compressed_tensors.modeling.kvcache import KV_CACHE_ATTR
from compressed_tensors.quantization import (QuantizationArgs,
                                             QuantizationConfig,
                                             apply_quantization_config)
from compressed_tensors.quantization.utils import calculate_qparams
from compressed_tensors.transform import (TransformArgs, TransformConfig,
                                          TransformScheme,
                                          apply_transform_config)

ROOT = pathlib.Path(__file__).resolve().parent.parent
HIDDEN, HEADS, KV_HEADS, HEAD_DIM, SEQ = 64, 4, 2, 16, 8
NAME = "model.layers.0.self_attn"

# --- transformers 5 workaround (see the docstring) ---------------------------


def _cache_param(module):
    params = inspect.signature(module.forward).parameters
    for name in ("past_key_values", "past_key_value", "cache"):
        if name in params:
            return name
    return None


def _is_cached_attention(module):
    return ct_init._is_attention_module(module) and _cache_param(module) is not None


def _kv_cache_attention_hook(module, args, kwargs):
    name = _cache_param(module)
    past = None
    for alias in ("past_key_values", "past_key_value", "cache"):
        past = kwargs.pop(alias, None) if past is None else past
    cache = getattr(module, KV_CACHE_ATTR)
    cache.add_past_key_values(past)
    kwargs[name] = cache
    return args, kwargs


ct_init.is_cached_attention_module = _is_cached_attention
ct_apply.is_cached_attention_module = _is_cached_attention
ct_kvcache._kv_cache_attention_hook = _kv_cache_attention_hook

# --- configs -----------------------------------------------------------------


def r3(kind):
    return TransformConfig(config_groups={"R3": TransformScheme(
        type=kind, head_dim=HEAD_DIM, apply=[
            TransformArgs(targets=["re:.*self_attn$"], location="q_attn"),
            TransformArgs(targets=["re:.*self_attn$"], location="k_cache"),
        ])})


def kv(**kwargs):
    return QuantizationConfig(config_groups={},
                              kv_cache_scheme=QuantizationArgs(**kwargs))


CONFIGS = {
    # (a) R3 + static fp8 KV cache, one scale per head.
    "r3-fp8-attn-head": (kv(num_bits=8, type="float", strategy="attn_head"),
                         r3("hadamard")),
    # (b) R3 + dynamic asymmetric int4 KV cache, per token.
    "r3-int4-token-dynamic": (kv(num_bits=4, type="int", strategy="token",
                                 dynamic=True, symmetric=False),
                              r3("hadamard")),
    # (b') the same with a random Hadamard stored in the checkpoint. The
    # library ties R3_k_cache.weight to R3_q_attn.weight (one tensor), so
    # save_pretrained writes only R3_q_attn.weight (test/E2E/r3-random-tied.mlir).
    "r3-random-int4-token-dynamic": (kv(num_bits=4, type="int",
                                        strategy="token", dynamic=True,
                                        symmetric=False),
                                     r3("random-hadamard")),
    # (c) static asymmetric int8 KV cache, one scale and zero point.
    "int8-tensor-static": (kv(num_bits=8, type="int", strategy="tensor",
                              symmetric=False), None),
}

# --- model and inputs ----------------------------------------------------------


def llama_config():
    config = LlamaConfig(hidden_size=HIDDEN, num_attention_heads=HEADS,
                         num_key_value_heads=KV_HEADS, head_dim=HEAD_DIM,
                         num_hidden_layers=1, intermediate_size=32,
                         vocab_size=32)
    config._attn_implementation = "sdpa"
    return config


def causal_mask(seq, past):
    """HF's additive causal mask [1, 1, seq, past + seq] (min of f32)."""
    rows = torch.arange(seq)[:, None] + past
    cols = torch.arange(past + seq)[None, :]
    mask = torch.zeros(seq, past + seq)
    mask[cols > rows] = torch.finfo(torch.float32).min
    return mask[None, None]


def rope(seq, past):
    inv = 1.0 / (10000 ** (torch.arange(0, HEAD_DIM, 2).float() / HEAD_DIM))
    freqs = torch.outer(torch.arange(past, past + seq).float(), inv)
    emb = torch.cat([freqs, freqs], dim=-1)[None]
    return emb.cos(), emb.sin()


def inputs():
    torch.manual_seed(1)
    x = torch.randn(1, SEQ, HIDDEN)
    cos, sin = rope(SEQ, 0)
    return x, cos, sin


class Layer(torch.nn.Module):
    """Plain HF attention, as exported (no compressed-tensors hooks)."""

    def __init__(self, config):
        super().__init__()
        self.self_attn = LlamaAttention(config, layer_idx=0)

    def forward(self, x, cos, sin, mask):
        return self.self_attn(x, (cos, sin), mask)[0]


class DecodeStep(Layer):
    def forward(self, x, cos, sin, mask, past_k, past_v):
        cache = DynamicCache(config=self.self_attn.config)
        cache.update(past_k, past_v, 0)
        out, _ = self.self_attn(x, (cos, sin), mask, past_key_values=cache)
        return out, cache.layers[0].keys, cache.layers[0].values


class DecoderLayer(torch.nn.Module):
    """The whole plain HF decoder layer, as exported."""

    def __init__(self, config):
        super().__init__()
        self.layer = LlamaDecoderLayer(config, layer_idx=0)

    def forward(self, x, cos, sin, mask):
        return self.layer(x, attention_mask=mask, position_embeddings=(cos, sin))


class DecoderLayerDecodeStep(DecoderLayer):
    def forward(self, x, cos, sin, mask, past_k, past_v):
        cache = DynamicCache(config=self.layer.self_attn.config)
        cache.update(past_k, past_v, 0)
        out = self.layer(x, attention_mask=mask, position_embeddings=(cos, sin),
                         cache=cache)
        return out, cache.layers[0].keys, cache.layers[0].values


def base_model():
    torch.manual_seed(0)
    return LlamaForCausalLM(llama_config()).eval()


def attn(model):
    return model.model.layers[0].self_attn


# --- the library -------------------------------------------------------------


class HookCounter:
    """Counts the library's hook modules running, and captures what their
    quantizers see (after the R3 pre-hooks, which were registered first)."""

    def __init__(self, module):
        self.calls = {"impl": 0, "kv_cache": 0}
        self.seen = {}
        impl, cache = getattr(module, IMPL_ATTR, None), getattr(module, KV_CACHE_ATTR)
        if impl is not None:
            impl.register_forward_pre_hook(self._query, with_kwargs=True)
        cache.register_forward_pre_hook(self._kv, with_kwargs=True)

    def _query(self, impl, args, kwargs):
        self.calls["impl"] += 1
        bound = inspect.signature(impl.forward).bind(*args, **kwargs)
        self.seen["q"] = bound.arguments["query"].detach().clone()

    def _kv(self, cache, args, kwargs):
        self.calls["kv_cache"] += 1
        bound = inspect.signature(cache.forward).bind(*args, **kwargs)
        self.seen["k"] = bound.arguments["key_states"].detach().clone()
        self.seen["v"] = bound.arguments["value_states"].detach().clone()


def reduce_to(t, shape, fn):
    """min/max of t [1, heads, seq, dim] down to the parameter's shape."""
    if len(shape) == 3:  # attn_head: [heads, 1, 1]
        return fn(fn(t[0], dim=-1).values, dim=-1).values.reshape(shape)
    return fn(t.flatten()).reshape(shape)  # tensor: [1]


def calibrate(module, counter, args):
    """Static scales from the min/max the hooks see, like a min/max observer."""
    module.quantization_enabled = False
    with torch.no_grad():
        attn_forward(module, *args)
    module.quantization_enabled = True
    qargs = module.quantization_scheme.input_activations
    for base in ("q", "k", "v"):
        scale = getattr(module, f"{base}_scale", None)
        if scale is None or base not in counter.seen:
            continue
        seen = counter.seen[base]
        lo = reduce_to(seen, scale.shape, torch.min)
        hi = reduce_to(seen, scale.shape, torch.max)
        s, zp = calculate_qparams(lo, hi, qargs)
        scale.data.copy_(s.reshape(scale.shape))
        zero_point = getattr(module, f"{base}_zero_point", None)
        if zero_point is not None:
            zero_point.data.copy_(zp.reshape(zero_point.shape))


def attn_forward(module, x, cos, sin, mask, cache=None):
    kwargs = {} if cache is None else {"past_key_values": cache}
    return module(x, (cos, sin), mask, **kwargs)[0]


def layer_forward(model, x, cos, sin, mask, cache=None):
    kwargs = {} if cache is None else {"cache": cache}
    return model.model.layers[0](x, attention_mask=mask,
                                 position_embeddings=(cos, sin), **kwargs)


def library_model(name):
    qconfig, tconfig = CONFIGS[name]
    model = base_model()
    if tconfig is not None:
        apply_transform_config(model, tconfig)
    apply_quantization_config(model, qconfig)
    module = attn(model)
    assert getattr(module, "quantization_scheme", None) is not None and \
        hasattr(module, KV_CACHE_ATTR), "the library did not hook the KV cache"
    return model, qconfig, tconfig


def save_checkpoint(model, qconfig, tconfig, out, name):
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        ModelCompressor(quantization_config=qconfig,
                        transform_config=tconfig).update_config(tmp)
        data = json.loads((pathlib.Path(tmp) / "config.json").read_text())
        from safetensors.torch import load_file, save_file
        tensors = load_file(os.path.join(tmp, "model.safetensors"))
    # Keep the fixture small: the attention layer's parameters (projections,
    # scales, zero points, R3 matrices) as the library saved them.
    tensors = {k: v for k, v in tensors.items() if ".self_attn." in k}
    save_file(tensors, str(out / f"{name}.safetensors"))
    (out / f"{name}.config.json").write_text(
        json.dumps(data, indent=2, sort_keys=True) + "\n")
    return sorted(tensors)


# --- export ------------------------------------------------------------------


def export(module, args, func_name, out, header):
    imported = fx.export_and_import(module, *args, func_name=func_name,
                                    output_type="linalg-on-tensors")
    asm = imported.operation.get_asm(large_elements_limit=None)
    asm = re.sub(r" loc\(#loc\d*\)", "", asm)
    (out / f"{func_name}.mlir").write_text(
        f"// {header}\n// Generated by utils/gen_e2e.py (torch-mlir FX "
        "importer); do not edit.\n" + asm)


def decode_args():
    """The 8th token, after a prefill of the first 7."""
    x, cos, sin = inputs()
    d_cos, d_sin = rope(1, SEQ - 1)
    p_args = (x[:, :SEQ - 1], cos[:, :SEQ - 1], sin[:, :SEQ - 1],
              causal_mask(SEQ - 1, 0))
    return p_args, (x[:, SEQ - 1:], d_cos, d_sin, causal_mask(1, SEQ - 1))


def write_past_codes(out, name, past):
    """The layer's quantized past as ct-materialize-kv-cache stores it,
    through utils/gen_e2e_kv_codes.py. Static scales and zero points are the
    checkpoint's, already written as <name>.decode.past_*.{scale,zero_point};
    dynamic ones are the layer's own."""
    kind = kv_codes.CONFIGS[name]
    weights = kv_codes.read_safetensors(out / f"{name}.safetensors")
    for which, v in past.items():
        if kind == "fp8_attn_head":
            stored = kv_codes.store_fp8_attn_head(
                v, weights[f"{NAME}.{which}_scale"])
        elif kind == "int8_tensor_asym":
            stored = kv_codes.store_int8_tensor_asym(
                v, weights[f"{NAME}.{which}_scale"],
                weights[f"{NAME}.{which}_zero_point"])
        else:
            stored = kv_codes.store_int4_token_asym(v)
        for key, array in stored.items():
            np.save(out / f"{name}.layer.decode.past_{which}.{key}.npy", array)


# The configs of test/E2E/llama-decoder-layer.mlir.
LAYER_CONFIGS = ("r3-fp8-attn-head", "r3-int4-token-dynamic",
                 "int8-tensor-static")


def decoder_layer_fixtures(out):
    x, cos, sin = inputs()
    prefill = (x, cos, sin, causal_mask(SEQ, 0))
    p_args, d_args = decode_args()
    # Same inputs as the attention fixtures: the committed files must agree.
    for i, t in enumerate(prefill):
        assert np.array_equal(np.load(out / f"prefill.in{i}.npy"), t.numpy())
    for i, t in enumerate(d_args):
        assert np.array_equal(np.load(out / f"decode.in{i}.npy"), t.numpy())

    plain = DecoderLayer(llama_config()).eval()
    plain.layer.load_state_dict(base_model().model.layers[0].state_dict())
    decode = DecoderLayerDecodeStep(llama_config()).eval()
    decode.load_state_dict(plain.state_dict())
    with torch.no_grad():
        reference = plain(*prefill)
    export(plain, prefill, "llama_layer_prefill", out,
           "Llama decoder layer (RMSNorm, attention SDPA GQA 4/2 head_dim 16, "
           "RMSNorm, SwiGLU MLP 32, residuals), 8-token prefill.")
    past_k = torch.zeros(1, KV_HEADS, SEQ - 1, HEAD_DIM)
    past_v = torch.zeros(1, KV_HEADS, SEQ - 1, HEAD_DIM)
    export(decode, (*d_args, past_k, past_v), "llama_layer_decode", out,
           "Llama decoder layer, decode step with a DynamicCache of 7.")

    for name in LAYER_CONFIGS:
        model, qconfig, tconfig = library_model(name)
        module = attn(model)
        counter = HookCounter(module)
        if not qconfig.kv_cache_scheme.dynamic:
            calibrate(module, counter, prefill)
        with tempfile.TemporaryDirectory() as tmp:
            save_checkpoint(model, qconfig, tconfig, pathlib.Path(tmp), name)
            for suffix in ("safetensors", "config.json"):
                assert filecmp.cmp(pathlib.Path(tmp) / f"{name}.{suffix}",
                                   out / f"{name}.{suffix}", shallow=False), \
                    f"{name}.{suffix}: not the committed checkpoint"
        counter.calls = {"impl": 0, "kv_cache": 0}
        with torch.no_grad():
            expected = layer_forward(model, *prefill)
        assert counter.calls["kv_cache"] == 1, counter.calls
        if tconfig is not None:
            assert counter.calls["impl"] == 1, counter.calls
        diff = (expected - reference).abs().max().item()
        assert diff > 1e-5, f"{name}: library output equals the plain layer"
        np.save(out / f"{name}.layer.prefill.expected.npy", expected.numpy())

        with torch.no_grad():
            cache = DynamicCache(config=model.config)
            layer_forward(model, *p_args, cache=cache)
            past_k = cache.layers[0].keys.clone()
            past_v = cache.layers[0].values.clone()
            d_out = layer_forward(model, *d_args, cache=cache)
        # The cache's hook ran on the 7-token prefill and on the step too.
        assert counter.calls["kv_cache"] == 3, counter.calls
        np.save(out / f"{name}.layer.decode.past_k.npy", past_k.numpy())
        np.save(out / f"{name}.layer.decode.past_v.npy", past_v.numpy())
        write_past_codes(out, name, {"k": past_k.numpy(), "v": past_v.numpy()})
        np.save(out / f"{name}.layer.decode.expected0.npy", d_out.numpy())
        np.save(out / f"{name}.layer.decode.expected1.npy",
                cache.layers[0].keys.numpy())
        np.save(out / f"{name}.layer.decode.expected2.npy",
                cache.layers[0].values.numpy())
        print(f"{name} (decoder layer): prefill max |library - plain| = "
              f"{diff:.4g}, max |output| = {expected.abs().max().item():.3g}")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out-dir", type=pathlib.Path,
                        default=ROOT / "test/E2E/Inputs")
    parser.add_argument("--decoder-layer", action="store_true",
                        help="write only the decoder layer's fixtures "
                        "(next to the attention fixtures they share)")
    args = parser.parse_args()
    out = args.out_dir
    out.mkdir(parents=True, exist_ok=True)
    if args.decoder_layer:
        decoder_layer_fixtures(out)
        return

    x, cos, sin = inputs()
    mask = causal_mask(SEQ, 0)
    prefill = (x, cos, sin, mask)
    # Decode: the 8th token, after a prefill of 7 cached by the library.
    p_args, (d_x, d_cos, d_sin, d_mask) = decode_args()

    # The plain layer, exported once; every config shares its weights.
    plain = Layer(llama_config()).eval()
    plain.self_attn.load_state_dict(attn(base_model()).state_dict())
    decode = DecodeStep(llama_config()).eval()
    decode.load_state_dict(plain.state_dict())
    with torch.no_grad():
        reference = plain(*prefill)
    export(plain, prefill, "llama_prefill", out,
           "Llama attention layer (SDPA, GQA 4/2, head_dim 16), 8-token prefill.")
    for i, t in enumerate(prefill):
        np.save(out / f"prefill.in{i}.npy", t.numpy())
    np.save(out / "prefill.plain.npy", reference.numpy())
    # Two distinct tensors: the importer would merge one passed twice.
    past_k = torch.zeros(1, KV_HEADS, SEQ - 1, HEAD_DIM)
    past_v = torch.zeros(1, KV_HEADS, SEQ - 1, HEAD_DIM)
    export(decode, (d_x, d_cos, d_sin, d_mask, past_k, past_v), "llama_decode",
           out, "Llama attention layer, decode step with a DynamicCache of 7.")
    for i, t in enumerate((d_x, d_cos, d_sin, d_mask)):
        np.save(out / f"decode.in{i}.npy", t.numpy())

    for name in CONFIGS:
        model, qconfig, tconfig = library_model(name)
        module = attn(model)
        counter = HookCounter(module)
        if not qconfig.kv_cache_scheme.dynamic:
            calibrate(module, counter, prefill)
        keys = save_checkpoint(model, qconfig, tconfig, out, name)
        counter.calls = {"impl": 0, "kv_cache": 0}
        with torch.no_grad():
            expected = attn_forward(module, *prefill)
        assert counter.calls["kv_cache"] == 1, counter.calls
        if tconfig is not None:
            assert counter.calls["impl"] == 1, counter.calls
        diff = (expected - reference).abs().max().item()
        assert diff > 1e-4, f"{name}: library output equals the plain layer"
        np.save(out / f"{name}.prefill.expected.npy", expected.numpy())

        # Decode: the library prefills 7 tokens into a DynamicCache (its
        # QuantizedKVCache rotates and quantizes them on the way in), then
        # runs the 8th.
        with torch.no_grad():
            cache = DynamicCache(config=model.config)
            attn_forward(module, *p_args, cache=cache)
            past_k = cache.layers[0].keys.clone()
            past_v = cache.layers[0].values.clone()
            d_out = attn_forward(module, d_x, d_cos, d_sin, d_mask, cache=cache)
        np.save(out / f"{name}.decode.past_k.npy", past_k.numpy())
        np.save(out / f"{name}.decode.past_v.npy", past_v.numpy())
        np.save(out / f"{name}.decode.expected0.npy", d_out.numpy())
        np.save(out / f"{name}.decode.expected1.npy", cache.layers[0].keys.numpy())
        np.save(out / f"{name}.decode.expected2.npy", cache.layers[0].values.numpy())
        print(f"{name}: hooks ran {counter.calls}, max |library - plain| = "
              f"{diff:.4g}; saved {keys}")


if __name__ == "__main__":
    main()
