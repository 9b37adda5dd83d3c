#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Writes the config.json / model.safetensors fixtures of ct-apply-config.

A tiny Llama (2 layers, 4 query heads, 2 KV heads, head_dim 16) gets a
compressed-tensors transform and quantization config applied by the library
itself; `ModelCompressor.update_config` writes config.json exactly as a
checkpoint carries it, and the attention parameters the library registered
(`<layer>.self_attn.{q,k,v}_scale`, `..._zero_point`, `R3_q_attn.weight`, ...)
are saved under their own state_dict names with deterministic values.

compressed-tensors 0.20.1 recognizes cached attention by a `past_key_value(s)`
forward parameter, which transformers 5 renamed to `cache`; the script widens
that check so the library registers the KV-cache parameters it would register
on the transformers versions it targets.

    /work/tmp-golden/venv/bin/python utils/golden/gen_config_fixtures.py
"""
import inspect
import json
import os
import tempfile

import torch
from safetensors.torch import save_file
from transformers import LlamaConfig, LlamaForCausalLM

import compressed_tensors.quantization.lifecycle.apply as ct_apply
import compressed_tensors.quantization.lifecycle.initialize as ct_init
from compressed_tensors.compressors import ModelCompressor
from compressed_tensors.quantization import (QuantizationArgs,
                                             QuantizationConfig,
                                             QuantizationScheme,
                                             apply_quantization_config)
from compressed_tensors.transform import (TransformArgs, TransformConfig,
                                          TransformScheme,
                                          apply_transform_config)

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "Transforms",
                   "Inputs")


def _is_cached_attention(module):
    if not ct_init._is_attention_module(module):
        return False
    params = inspect.signature(module.forward).parameters
    return any(p in params for p in ("past_key_value", "past_key_values", "cache"))


ct_init.is_cached_attention_module = _is_cached_attention
ct_apply.is_cached_attention_module = _is_cached_attention


def r3(kind, **kwargs):
    return TransformConfig(config_groups={"R3": TransformScheme(
        type=kind, head_dim=16, apply=[
            TransformArgs(targets=["re:.*self_attn$"], location="q_attn"),
            TransformArgs(targets=["re:.*self_attn$"], location="k_cache"),
        ], **kwargs)})


def write(name, qconfig, tconfig=None, weights=True):
    torch.manual_seed(0)
    config = LlamaConfig(hidden_size=64, num_attention_heads=4,
                         num_key_value_heads=2, head_dim=16,
                         num_hidden_layers=2, intermediate_size=32,
                         vocab_size=32)
    model = LlamaForCausalLM(config)
    if tconfig is not None:
        apply_transform_config(model, tconfig)
    if qconfig is not None:
        apply_quantization_config(model, qconfig)
    tensors = {}
    offset = 0
    for key, value in sorted(model.state_dict().items()):
        leaf = key.rsplit(".", 1)[-1]
        if ".self_attn." not in key or leaf == "weight" and "R3_" not in key:
            continue
        if leaf.endswith("scale"):
            # Distinct, exactly representable values per key: 2^-1, 2^-2, ...
            n = value.numel()
            powers = torch.arange(offset + 1, offset + n + 1, dtype=torch.float64)
            value = (2.0 ** -powers).reshape(value.shape).to(value.dtype)
            offset += n
        elif leaf.endswith("zero_point"):
            value = (torch.arange(value.numel()) - 3).reshape(value.shape).to(value.dtype)
        tensors[key] = value.detach().contiguous().clone()
    with tempfile.TemporaryDirectory() as tmp:
        # As model.save_pretrained does, which also records the class.
        model.config.architectures = [type(model).__name__]
        model.config.save_pretrained(tmp)
        ModelCompressor(quantization_config=qconfig,
                        transform_config=tconfig).update_config(tmp)
        with open(os.path.join(tmp, "config.json")) as f:
            data = json.load(f)
    # Keep the fixture small: the model fields ct reads plus the config.
    keep = ("architectures", "model_type", "hidden_size", "head_dim",
            "num_attention_heads", "num_key_value_heads", "torch_dtype",
            "dtype", "quantization_config")
    data = {k: v for k, v in data.items() if k in keep}
    with open(os.path.join(OUT, name + ".config.json"), "w") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.write("\n")
    if weights and tensors:
        save_file(tensors, os.path.join(OUT, name + ".safetensors"))
    print(name, sorted(tensors))


def kv(**kwargs):
    return QuantizationConfig(config_groups={},
                              kv_cache_scheme=QuantizationArgs(**kwargs))


write("r3-fp8-attn-head", kv(num_bits=8, type="float", strategy="attn_head"),
      r3("hadamard"))
write("r3-random-int4-dynamic",
      kv(num_bits=4, type="int", strategy="token", dynamic=True,
         symmetric=False), r3("random-hadamard"))
write("int8-tensor-static", kv(num_bits=8, type="int", strategy="tensor",
                               symmetric=False))
write("attn-quant-class", QuantizationConfig(config_groups={"group_0": QuantizationScheme(
    targets=["LlamaAttention"], input_activations=QuantizationArgs(
        num_bits=8, type="float", strategy="tensor"))}))
write("attn-quant-regex-ignore", QuantizationConfig(
    config_groups={"group_0": QuantizationScheme(
        targets=["re:.*self_attn$"], input_activations=QuantizationArgs(
            num_bits=8, type="int", strategy="token", dynamic=True))},
    ignore=["model.layers.1.self_attn"]), weights=False)
write("linear-only", QuantizationConfig(config_groups={"group_0": QuantizationScheme(
    targets=["Linear"], weights=QuantizationArgs(num_bits=8, strategy="channel"),
    input_activations=QuantizationArgs(num_bits=8, strategy="token",
                                       dynamic=True))},
    ignore=["lm_head"]), weights=False)
