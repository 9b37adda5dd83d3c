// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Passes on ct IR and on the front-end IR that becomes ct IR. Raising comes
// first in the flow: every later pass (config application, cache
// materialization, fusion) reasons about ct.hooked_attention instead of
// re-matching attention in whatever form a front end emitted it.

#ifndef CT_DIALECT_CT_TRANSFORMS_PASSES_TD
#define CT_DIALECT_CT_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def RaiseAttention : Pass<"ct-raise-attention"> {
  let summary = "Raise softmax(Q·Kᵀ·scale + mask)·V to ct.hooked_attention";
  let description = [{
    Finds scaled dot-product attention in linalg-on-tensors as torch-mlir's
    FX importer emits it for Hugging Face attention layers (eager and SDPA
    paths) and replaces it by `ct.hooked_attention` with identity hooks:

    - matmuls as `linalg.batch_matmul`, `linalg.matmul`-like generics or
      4-D contraction generics, on [B·H, S, D] or [B, H, S, D] views joined
      by `tensor.collapse_shape` / `tensor.expand_shape` of batch dims;
    - Kᵀ by `linalg.transpose` or a transposed contraction map;
    - the scale as a constant multiply or divide of the scores, or folded
      into Q and K beforehand (SDPA multiplies both by √scale);
    - an additive mask broadcast over batch and heads;
    - softmax as `linalg.softmax` or as max/sub/exp/sum/div generics (with
      SDPA's guard that zeroes fully masked rows), in f32, with casts from
      and to bf16/f16 around it;
    - grouped-query attention with `repeat_kv` as a broadcast generic plus
      `tensor.collapse_shape`;
    - a DynamicCache step: K and V concatenated from past K/V function
      arguments become the op's cache operands, and the concatenations'
      other users read the op's updated caches.

    It finds the same attention in TOSA as torch-mlir emits it: `tosa.matmul`
    on [B·H, S, D] views joined by `tosa.reshape` of batch dims, Kᵀ by
    `tosa.transpose`, the scale as `tosa.mul` by a constant, the mask by a
    broadcasting `tosa.add`, softmax as `tosa.reduce_max` / `tosa.sub` /
    `tosa.exp` / `tosa.reduce_sum` and a `tosa.mul` by the
    `tosa.reciprocal` of the sum (SDPA's guard as `tosa.select`), casts by
    `tosa.cast`, `repeat_kv` as `tosa.tile` of a new axis after the KV
    heads, and a DynamicCache `tosa.concat`. The op joins the TOSA around it
    through `tensor.expand_shape` / `tensor.collapse_shape`.

    It never raises what is not attention: the softmax must run over the key
    axis, the scale must be a constant, shapes must agree, the scores and
    probabilities must have no users outside the pattern, and a softmax
    computed in a type narrower than f32 is left alone (the op promises f32
    accumulation, which would change such a program's results). Scores that
    the front end rounds to bf16 before an f32 softmax are raised: the op
    keeps them in f32, as fused SDPA kernels do. Folded scales are
    multiplied in f64 from the values the program uses (SDPA's two f32
    √scale factors give 0.49999998… for 0.5).

    Each raised op gets a `name`: the name of a `NameLoc` on the matched
    matmuls when the front end gave one, else `name-template` with `{i}`
    replaced by the op's index among attention ops in program order.
  }];
  let options = [
    Option<"nameTemplate", "name-template", "std::string",
           /*default=*/"\"model.layers.{i}.self_attn\"",
           "Name given to raised attention ops whose location has none; "
           "{i} is replaced by the op's index in program order">
  ];
  let dependentDialects = ["::ct::CTDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def ApplyConfig : Pass<"ct-apply-config"> {
  let summary = "Fill attention hooks from a compressed-tensors config.json";
  let description = [{
    Reads the `quantization_config` of a compressed-tensors checkpoint's
    `config.json` (or a bare quantization config) and, optionally, its
    `model.safetensors`, and fills the hooks of every `ct.hooked_attention`
    that the config targets with what the library runs at that point:

    - `transform_config` schemes applied at `q_attn` / `k_cache` (R3) become
      `ct.hadamard` (`hadamard`) or `ct.rotate` by the checkpoint's matrix
      (`random-hadamard`, divided by √n because the library applies its
      stored ±1 matrix as `x @ W / sqrt(n)`; `random-matrix`, whose stored
      weight is already the inverse when `inverse` is set) in the q / k
      hooks, with `head_dim` as the block size;
    - `kv_cache_scheme` fake-quantizes the new keys and values
      (`ct.fake_quantize` in the k / v hooks, after the transforms as the
      library's hooks run before its quantization);
    - a config group whose targets narrowly match the attention module
      (compressed-tensors `is_narrow_match`: the module, not its parent
      layer nor its projections; e.g. `re:.*self_attn$` or
      `LlamaAttention`) quantizes q, k and v with its `input_activations`
      ("attention quantization", which replaces the kv_cache_scheme).

    Static scales and zero points are read from the checkpoint keys
    `<name>.{q,k,v}_scale`, `<name>.{q,k,v}_zero_point` and
    `<name>.{q,k,v}_global_scale` and become `arith.constant`s in the
    element type of the hooked tensor (or `scale_dtype`); dynamic ones are
    computed by `ct.calculate_qparams`. Targets follow the library's rules:
    exact module names, `re:` regexes matched from the start of the name,
    class names derived from `architectures` (`LlamaForCausalLM` →
    `LlamaAttention`), and `ignore`.

    Every error names the file and the key: unreadable JSON, unknown fields
    or values, schemes the `#ct.quant` verifier rejects, missing or
    mis-shaped checkpoint tensors, head counts or `head_dim` that disagree
    with the op, transform sizes that cannot be built. A config that applies
    to no attention op gives a warning.
  }];
  let options = [
    Option<"configPath", "config", "std::string", /*default=*/"",
           "Path of the checkpoint's config.json (or of a bare "
           "quantization_config JSON)">,
    Option<"weightsPath", "weights", "std::string", /*default=*/"",
           "Path of the checkpoint's model.safetensors, for static scales, "
           "zero points and random-hadamard / random-matrix transform "
           "weights">,
    Option<"nameTemplate", "name-template", "std::string",
           /*default=*/"\"model.layers.{i}.self_attn\"",
           "Module name of attention ops without a `name`; {i} is replaced "
           "by the op's index in program order (as in ct-raise-attention)">
  ];
  let dependentDialects = ["::ct::CTDialect", "::mlir::arith::ArithDialect"];
}

def MaterializeKVCache : Pass<"ct-materialize-kv-cache", "::mlir::ModuleOp"> {
  let summary = "Store fake-quantized KV caches as real quantized codes plus scales";
  let description = [{
    For every `ct.hooked_attention` with a float cache whose `k_hook`
    (`v_hook`) ends in a `ct.fake_quantize` of a storable scheme (int8,
    int4, fp8 e4m3, fp4 e2m1; static `tensor` / `attn_head`, dynamic
    `tensor` / `token` / `group`), removes that fake quantization (and the
    `ct.calculate_qparams` feeding it) from the hook and makes the cache
    quantized storage: the cache becomes the codes (i8, i4, f8E4M3FN,
    f4E2M1FN; 4-bit codes are packed two per byte after bufferization),
    `k_cache_quant` / `v_cache_quant` record the scheme, static scales
    become the op's scale operands and dynamic ones are stored per cache
    row. The op then quantizes new rows once, on write, and dequantizes on
    read, which gives attention exactly the values the fake-quantized
    program gave it.

    Caches come from function arguments (directly or through a
    `tensor.pad`, the raised DynamicCache concatenation) and the updated
    caches are returned: the function signature changes accordingly. A
    cache argument becomes its codes, followed by its stored scales (and
    zero points) for dynamic schemes; a returned cache likewise. Anything
    else using a cache is an error.

    Each rewritten op gets a remark with the cache's bytes per token of that
    layer (codes plus stored scales, K and V, all kv heads) against the
    float cache.

    `per-token-head` is an extension beyond the library: a dynamic `token`
    scheme, which the library applies with one scale per (batch, head) over
    the new rows of each step, becomes one scale per cache row (group with
    `group_size` = head dim, QuaRot / vLLM style). That changes the numbers
    relative to the library on purpose.
  }];
  let options = [
    Option<"perTokenHead", "per-token-head", "bool", /*default=*/"false",
           "Store dynamic token-strategy caches with one scale per (batch, "
           "head, token) row instead of the library's per-(batch, head) "
           "scale of each write (an extension that changes the numbers)">
  ];
  let dependentDialects = ["::ct::CTDialect", "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

#endif // CT_DIALECT_CT_TRANSFORMS_PASSES_TD
