// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// `#ct.quant`: compressed-tensors `QuantizationArgs` as an attribute. The
// verifier mirrors the library's pydantic validators so that a scheme the
// library rejects never reaches a lowering.

#ifndef CT_DIALECT_CT_IR_CTATTRS_TD
#define CT_DIALECT_CT_IR_CTATTRS_TD

include "ct/Dialect/CT/IR/CTDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def CT_QuantTypeInt : I32EnumAttrCase<"Int", 0, "int">;
def CT_QuantTypeFloat : I32EnumAttrCase<"Float", 1, "float">;
def CT_QuantType : I32EnumAttr<"QuantType",
    "compressed-tensors QuantizationType", [CT_QuantTypeInt, CT_QuantTypeFloat]> {
  let cppNamespace = "::ct";
  let genSpecializedAttr = 0;
}

def CT_StrategyTensor : I32EnumAttrCase<"Tensor", 0, "tensor">;
def CT_StrategyChannel : I32EnumAttrCase<"Channel", 1, "channel">;
def CT_StrategyGroup : I32EnumAttrCase<"Group", 2, "group">;
def CT_StrategyBlock : I32EnumAttrCase<"Block", 3, "block">;
def CT_StrategyToken : I32EnumAttrCase<"Token", 4, "token">;
def CT_StrategyTensorGroup : I32EnumAttrCase<"TensorGroup", 5, "tensor_group">;
def CT_StrategyAttnHead : I32EnumAttrCase<"AttnHead", 6, "attn_head">;
def CT_QuantStrategy : I32EnumAttr<"QuantStrategy",
    "compressed-tensors QuantizationStrategy",
    [CT_StrategyTensor, CT_StrategyChannel, CT_StrategyGroup, CT_StrategyBlock,
     CT_StrategyToken, CT_StrategyTensorGroup, CT_StrategyAttnHead]> {
  let cppNamespace = "::ct";
  let genSpecializedAttr = 0;
}

def CT_DynamicStatic : I32EnumAttrCase<"Static", 0, "static">;
def CT_DynamicDynamic : I32EnumAttrCase<"Dynamic", 1, "dynamic">;
def CT_DynamicLocal : I32EnumAttrCase<"Local", 2, "local">;
def CT_QuantDynamic : I32EnumAttr<"QuantDynamic",
    "compressed-tensors dynamic (false, true or local)",
    [CT_DynamicStatic, CT_DynamicDynamic, CT_DynamicLocal]> {
  let cppNamespace = "::ct";
  let genSpecializedAttr = 0;
}

def CT_QuantSchemeAttr : AttrDef<CT_Dialect, "QuantScheme"> {
  let mnemonic = "quant";
  let summary = "A compressed-tensors quantization scheme (QuantizationArgs)";
  let description = [{
    The fields of compressed-tensors `QuantizationArgs`: `num_bits`, `type`,
    `symmetric`, `strategy`, `group_size`, `block_structure`, `dynamic`,
    `scale_dtype` and `zp_dtype`. Calibration-only fields (observer, actorder)
    are not represented.

    Syntax: the element kind and width first, then the strategy, then flags;
    defaults (symmetric, static) are not printed.

    ```mlir
    #ct.quant<int8>                                  // per tensor, symmetric, static
    #ct.quant<int8, token, dynamic>                  // per token, computed at run time
    #ct.quant<int4, group = 128, asymmetric>         // group_size 128, zero points
    #ct.quant<float8, attn_head>                     // fp8 e4m3fn, one scale per head
    #ct.quant<float8, block = [128, 128]>            // block_structure [128, 128]
    #ct.quant<float4, tensor_group = 16, dynamic = local, scale_dtype = f8E4M3FN>  // NVFP4
    ```

    Without a strategy the library's inference applies: `tensor`, or
    `group` when a positive `group_size` is given. The verifier rejects what
    the library's validators reject (static token quantization, a group
    strategy without a positive group size, `block` without a block
    structure, `dynamic` with channel/block/attn_head, `local` outside
    tensor_group, float widths other than 4, 6 and 8, ...).
  }];
  let parameters = (ins
    "unsigned":$numBits,
    "::ct::QuantType":$type,
    "bool":$symmetric,
    "::ct::QuantStrategy":$strategy,
    OptionalParameter<"std::optional<int64_t>">:$groupSize,
    OptionalArrayRefParameter<"int64_t">:$blockStructure,
    "::ct::QuantDynamic":$dynamic,
    OptionalParameter<"::mlir::Type">:$scaleDtype,
    OptionalParameter<"::mlir::Type">:$zpDtype
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Smallest and largest representable code (int) or value (float), as
    /// the library's `calculate_range`.
    double getQMin() const;
    double getQMax() const;
    bool isDynamic() const { return getDynamic() != ::ct::QuantDynamic::Static; }
    bool isFloat() const { return getType() == ::ct::QuantType::Float; }
    /// The scale (and zero-point) shape this scheme uses for an input of the
    /// given shape, or failure with the reason in `why`.
    ::mlir::FailureOr<::llvm::SmallVector<int64_t>>
    inferScaleShape(::llvm::ArrayRef<int64_t> inputShape, std::string &why) const;
    /// Whether `type` can hold the quantized values of this scheme.
    bool isValidStorageType(::mlir::Type type) const;
  }];
}

#endif // CT_DIALECT_CT_IR_CTATTRS_TD
