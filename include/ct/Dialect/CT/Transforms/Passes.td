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

#endif // CT_DIALECT_CT_TRANSFORMS_PASSES_TD
