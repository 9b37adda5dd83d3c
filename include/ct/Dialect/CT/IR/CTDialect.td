// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// The `ct` dialect: compressed-tensors attention transforms and KV-cache
// quantization as first-class ops, so that passes reason about them instead of
// re-matching framework IR.

#ifndef CT_DIALECT_CT_IR_CTDIALECT_TD
#define CT_DIALECT_CT_IR_CTDIALECT_TD

include "mlir/IR/OpBase.td"

def CT_Dialect : Dialect {
  let name = "ct";
  let cppNamespace = "::ct";
  let summary = "Quantization, Hadamard rotations and hooked attention of compressed-tensors";
  let description = [{
    The `ct` dialect models what a compressed-tensors checkpoint asks an
    inference engine to do around attention: Hadamard rotations of queries and
    keys (QuaRot/SpinQuant "R3"), fake or real quantization of the KV cache and
    of the attention inputs, and the attention itself with hook regions at the
    library's `q_attn`, `k_cache` and `v_cache` locations.

    All ops work on tensors with value semantics. Scales and zero points are
    SSA values, so static (checkpoint) and dynamic (computed) quantization
    parameters look the same to later passes. The numerics are those of the
    Python library; see `docs/numerics.md`.
  }];
  let useDefaultAttributePrinterParser = 1;
  let extraClassDeclaration = [{
    void registerAttributes();
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect", "::mlir::arith::ArithDialect"];
}

class CT_Op<string mnemonic, list<Trait> traits = []>
    : Op<CT_Dialect, mnemonic, traits>;

#endif // CT_DIALECT_CT_IR_CTDIALECT_TD
