// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Ops of the `ct` dialect. Quantization ops take scale and zero point as SSA
// operands (static scales are constants or arguments, dynamic ones come from
// ct.calculate_qparams) and none of them folds away: the rounding is the
// point of fake quantization.

#ifndef CT_DIALECT_CT_IR_CTOPS_TD
#define CT_DIALECT_CT_IR_CTOPS_TD

include "ct/Dialect/CT/IR/CTDialect.td"
include "ct/Dialect/CT/IR/CTAttrs.td"
include "mlir/IR/OpAsmInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def CT_FloatTensor : RankedTensorOf<[AnyFloat]>;
def CT_ZeroPointTensor : RankedTensorOf<[AnyInteger, AnyFloat]>;
// A KV cache: floats, or quantized codes (and per-row scales) when stored.
def CT_CacheTensor : RankedTensorOf<[AnyFloat, AnySignlessInteger]>;

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

def CT_CalculateQParamsOp : CT_Op<"calculate_qparams",
    [Pure]> {
  let summary = "Dynamic scale and zero point from the data (min/max observer)";
  let description = [{
    Computes the quantization parameters of `input` for `scheme` the way
    compressed-tensors' `calculate_qparams` does on the min/max the
    library's observers reduce per strategy: zero is always kept in range,
    the symmetric divisor is `(qmax - qmin) / 2`, zero scales become the
    scale dtype's epsilon, zero points are rounded half to even and clamped.

    The `scale` result has the shape the strategy gives the input (see
    `docs/numerics.md`) and the input's element type; `zero_point` is present
    exactly when the scheme is asymmetric. `global_scale` (tensor_group,
    NVFP4) multiplies the local scales before they are rounded to
    `scale_dtype`.

    ```mlir
    %s = ct.calculate_qparams %k quant<int8, token, dynamic>
        : (tensor<1x8x16x128xf32>) -> tensor<1x8x1x1xf32>
    ```
  }];
  let arguments = (ins CT_FloatTensor:$input,
                       Optional<CT_FloatTensor>:$global_scale,
                       CT_QuantSchemeAttr:$scheme);
  let results = (outs CT_FloatTensor:$scale,
                      Optional<RankedTensorOf<[AnyInteger, AnyFloat]>>:$zero_point);
  let assemblyFormat = [{
    $input (`global_scale` `(` $global_scale^ `)`)? custom<Scheme>($scheme)
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

class CT_QuantOpBase<string mnemonic, list<Trait> traits = []>
    : CT_Op<mnemonic, !listconcat(traits, [Pure, AttrSizedOperandSegments])> {
  let assemblyFormat = [{
    $input `scale` `(` $scale `)` (`zero_point` `(` $zero_point^ `)`)?
    (`global_scale` `(` $global_scale^ `)`)? custom<Scheme>($scheme)
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def CT_QuantizeOp : CT_QuantOpBase<"quantize"> {
  let summary = "Quantize floats to integer or narrow-float codes";
  let description = [{
    `q = clamp(round(x / scale + zero_point), qmin, qmax)`, exactly as the
    library's `_quantize`: the division is rounded in the promoted dtype of
    `x` and `scale` (bf16 inputs round twice), the clamp comes before the
    rounding, integers round half to even, fp8 rounds to nearest even on the
    e4m3fn grid and fp4 on the e2m1 grid.

    The result element type is the storage type: a signless integer at least
    `num_bits` wide for int schemes, `f8E4M3FN` for float8 and `f4E2M1FN`
    for float4. Scale and zero point have the shape the strategy gives the
    input. `global_scale` divides the scale first (tensor_group).

    ```mlir
    %q = ct.quantize %x scale(%s) quant<int8>
        : (tensor<4x64xf32>, tensor<1xf32>) -> tensor<4x64xi8>
    ```
  }];
  let arguments = (ins CT_FloatTensor:$input, CT_FloatTensor:$scale,
                       Optional<RankedTensorOf<[AnyInteger, AnyFloat]>>:$zero_point,
                       Optional<CT_FloatTensor>:$global_scale,
                       CT_QuantSchemeAttr:$scheme);
  let results = (outs RankedTensorOf<[AnySignlessInteger, F8E4M3FN, F4E2M1FN, F6E2M3FN]>:$result);
}

def CT_DequantizeOp : CT_QuantOpBase<"dequantize"> {
  let summary = "Dequantize codes back to floats";
  let description = [{
    `x = (q - zero_point) * scale`, computed in the result's float type, as
    the library's `_dequantize`.

    ```mlir
    %x = ct.dequantize %q scale(%s) quant<float8, attn_head>
        : (tensor<1x8x16x128xf8E4M3FN>, tensor<8x1x1xbf16>) -> tensor<1x8x16x128xbf16>
    ```
  }];
  let arguments = (ins RankedTensorOf<[AnySignlessInteger, F8E4M3FN, F4E2M1FN, F6E2M3FN]>:$input,
                       CT_FloatTensor:$scale,
                       Optional<RankedTensorOf<[AnyInteger, AnyFloat]>>:$zero_point,
                       Optional<CT_FloatTensor>:$global_scale,
                       CT_QuantSchemeAttr:$scheme);
  let results = (outs CT_FloatTensor:$result);
}

def CT_FakeQuantizeOp : CT_QuantOpBase<"fake_quantize"> {
  let summary = "Quantize then dequantize, keeping the float type";
  let description = [{
    `dequantize(quantize(x))` as the library's `fake_quantize`: the value
    keeps its shape and float type but only takes values on the quantization
    grid. This is how compressed-tensors applies KV-cache and attention
    quantization at run time; `ct-materialize-kv-cache` later splits it into
    real storage.

    ```mlir
    %kq = ct.fake_quantize %k scale(%s) quant<float8, attn_head>
        : (tensor<1x8x16x128xf32>, tensor<8x1x1xf32>) -> tensor<1x8x16x128xf32>
    ```
  }];
  let arguments = (ins CT_FloatTensor:$input, CT_FloatTensor:$scale,
                       Optional<RankedTensorOf<[AnyInteger, AnyFloat]>>:$zero_point,
                       Optional<CT_FloatTensor>:$global_scale,
                       CT_QuantSchemeAttr:$scheme);
  let results = (outs CT_FloatTensor:$result);
}

//===----------------------------------------------------------------------===//
// Rotations
//===----------------------------------------------------------------------===//

def CT_HadamardOp : CT_Op<"hadamard", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "Normalized Walsh-Hadamard transform along the last dimension";
  let description = [{
    `y = x · diag(signs) · H_size / sqrt(size)` applied block-diagonally: the
    last dimension is split into blocks of `size` elements and each block is
    transformed on its own (compressed-tensors `head_dim`). With `inverse`
    the transpose is applied, `y = x · (diag(signs) · H)ᵀ / sqrt(size)`.

    `size` is a power of two (Sylvester construction) or `m · 2^k` with a
    known Hadamard matrix of order `m`, combined as `H_m ⊗ H_{2^k}` with the
    `m` index most significant (QuaRot's convention). `signs` (±1, `size`
    entries) makes a random-hadamard transform. The transform is computed in
    `precision` (f32 when absent, as the library) and cast back.

    ```mlir
    %qr = ct.hadamard %q size(128) : tensor<1x32x16x128xbf16>
    %x  = ct.hadamard %y size(4) inverse signs([1, -1, -1, 1]) : tensor<8x4xf32>
    ```
  }];
  let arguments = (ins CT_FloatTensor:$input,
                       ConfinedAttr<I64Attr, [IntPositive]>:$size,
                       UnitAttr:$inverse,
                       OptionalAttr<DenseI8ArrayAttr>:$signs,
                       OptionalAttr<TypeAttrOf<AnyFloat>>:$precision);
  let results = (outs CT_FloatTensor:$result);
  let assemblyFormat = [{
    $input `size` `(` $size `)` (`inverse` $inverse^)? (`signs` `(` $signs^ `)`)?
    (`precision` `(` $precision^ `)`)? attr-dict `:` type($input)
  }];
  let extraClassDeclaration = [{
    /// The float type the transform is computed in (f32 unless `precision`).
    ::mlir::FloatType getComputeType();
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def CT_RotateOp : CT_Op<"rotate", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "Block-diagonal rotation by an explicit matrix";
  let description = [{
    `y = x · blockdiag(R)` along the last dimension, where `R` is the square
    `matrix` operand (compressed-tensors random-hadamard or random-matrix
    transform weights, as stored in the checkpoint) and the last dimension
    is a multiple of its size. `inverse` applies `R⁻¹`: the transpose for an
    orthogonal matrix, the true inverse otherwise (random-matrix). The
    product is computed in the matrix's element type and cast back.

    ```mlir
    %kr = ct.rotate %k by %r3 : tensor<1x8x16x128xbf16>, tensor<128x128xf32>
    ```
  }];
  let arguments = (ins CT_FloatTensor:$input, CT_FloatTensor:$matrix,
                       UnitAttr:$inverse);
  let results = (outs CT_FloatTensor:$result);
  let assemblyFormat = [{
    $input `by` $matrix (`inverse` $inverse^)? attr-dict `:` type($input) `,` type($matrix)
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

def CT_HookedAttentionOp : CT_Op<"hooked_attention", [
    AttrSizedOperandSegments, RecursiveMemoryEffects]> {
  let summary = "softmax(hook_q(Q) · hook_k(K)ᵀ · scale + mask) · hook_v(V) with hooks";
  let description = [{
    Scaled dot-product attention with the compressed-tensors hook points as
    regions: `q_hook` (location `q_attn`) transforms the query before the
    scores, `k_hook` and `v_hook` (locations `k_cache`, `v_cache`) transform
    the new keys and values before they are written to the cache. Each hook
    takes the tensor as its block argument and yields a value of the same
    type; an omitted hook is the identity.

    Shapes: `query` [B, Hq, Sq, D], `key` [B, Hkv, Skv, D], `value`
    [B, Hkv, Skv, Dv], with Hq a multiple of Hkv (grouped-query attention:
    kv head j serves query heads j·g … j·g+g−1, g = Hq / Hkv). The optional
    `mask` broadcasts to [B, Hq, Sq, Skv_total]: additive when float, keep
    where true when i1. `causal` masks key positions after the query's own,
    aligned to the bottom right (query i sits at key position
    Skv_total − Sq + i). Softmax is accumulated in f32.

    With `k_cache`/`v_cache` ([B, Hkv, Smax, D] / [B, Hkv, Smax, Dv]) and
    `position`, the hooked new keys and values are written at rows
    [position, position + Skv) and attention reads rows
    [0, position + Skv) (Skv_total = position + Skv). The op then also
    returns the updated caches.

    A cache may hold quantized storage instead of floats
    (`ct-materialize-kv-cache` creates this form): its element type is the
    storage type of `k_cache_quant` / `v_cache_quant` (i8, i4, f8E4M3FN,
    f4E2M1FN) and its scales come as `k_cache_scale` / `v_cache_scale`
    (zero points when asymmetric). The hooked new entries are quantized once,
    on write, with exactly the formulas of `ct.calculate_qparams` and
    `ct.quantize`; attention reads the cache through `ct.dequantize`, so the
    values it sees are bit-identical to those of the same hook ending in
    `ct.fake_quantize` with a float cache. Which schemes a cache stores:

    | scheme | scale operand | library strategy reproduced |
    |---|---|---|
    | static `tensor` | `(1,)` | `tensor` (k_scale / v_scale) |
    | static `attn_head` | `(Hkv, 1, 1)` | `attn_head` |
    | static `channel`, keys only | `(Hkv, 1, D)` | none: KIVI-style per-channel key scales, an extension (the library's `channel` is per weight row) |
    | dynamic `tensor` | `[B, Hkv, Smax, 1]`, per row | `tensor`, dynamic: one scale per write, over all new entries |
    | dynamic `token` | `[B, Hkv, Smax, 1]`, per row | `token` on [B, H, S, D] states: one scale per (batch, head) over the Skv new rows of each write (the library reduces dims 2..) |
    | dynamic `group = g` | `[B, Hkv, Smax, D/g]`, per row | `group`: one scale per (batch, head, token, group of g channels); with g = D this is true per-token-head quantization (QuaRot / vLLM style, an extension when the checkpoint asks for `token`) |

    Dynamic scales (and zero points) are stored per cache row, written on the
    rows of the codes: a library `token` or dynamic `tensor` scale is
    repeated on every row of the write that computed it, so rows written by
    different steps keep their own scales. They are additional operands and
    updated results. Zero points have the scale's shape and the element type
    `ct.calculate_qparams` gives them.

    Results: the output, the updated k_cache and v_cache, then for a cache
    with dynamic scheme its updated scales (and zero points), keys first.

    `name` identifies the attention module (`model.layers.3.self_attn`) for
    config targets and checkpoint keys.

    ```mlir
    %o, %kc1, %vc1, %ks1 = ct.hooked_attention %q, %k, %v
        cache %kc, %vc at %pos quantized(k: %ks, v: %vs)
        {scale = 0.25 : f64, causal,
         k_cache_quant = #ct.quant<int8, token, dynamic>,
         v_cache_quant = #ct.quant<float8, attn_head>}
        : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>,
           tensor<1x2x64x16xi8>, tensor<1x2x64x16xf8E4M3FN>, index,
           tensor<1x2x64x1xf32>, tensor<2x1x1xf32>)
        -> (tensor<1x4x1x16xf32>, tensor<1x2x64x16xi8>,
            tensor<1x2x64x16xf8E4M3FN>, tensor<1x2x64x1xf32>)
    ```

    ```mlir
    %o = ct.hooked_attention %q, %k, %v {scale = 0.125 : f64, causal}
        : (tensor<1x32x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>)
        -> tensor<1x32x16x64xf32>
      k_hook {
      ^bb0(%kk: tensor<1x8x16x64xf32>):
        %r = ct.hadamard %kk size(64) : tensor<1x8x16x64xf32>
        ct.yield %r : tensor<1x8x16x64xf32>
      }
    ```
  }];
  let arguments = (ins CT_FloatTensor:$query, CT_FloatTensor:$key,
                       CT_FloatTensor:$value,
                       Optional<RankedTensorOf<[AnyFloat, I1]>>:$mask,
                       Optional<CT_CacheTensor>:$k_cache,
                       Optional<CT_CacheTensor>:$v_cache,
                       Optional<Index>:$position,
                       Optional<CT_FloatTensor>:$k_cache_scale,
                       Optional<CT_ZeroPointTensor>:$k_cache_zero_point,
                       Optional<CT_FloatTensor>:$v_cache_scale,
                       Optional<CT_ZeroPointTensor>:$v_cache_zero_point,
                       F64Attr:$scale, UnitAttr:$causal,
                       OptionalAttr<StrAttr>:$name,
                       OptionalAttr<CT_QuantSchemeAttr>:$k_cache_quant,
                       OptionalAttr<CT_QuantSchemeAttr>:$v_cache_quant);
  let results = (outs CT_FloatTensor:$output,
                      Variadic<CT_CacheTensor>:$updated_caches);
  let regions = (region SizedRegion<1>:$q_hook, SizedRegion<1>:$k_hook,
                        SizedRegion<1>:$v_hook);
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let skipDefaultBuilders = 1;
  let builders = [
    // Attention with identity hooks (what ct-raise-attention creates).
    OpBuilder<(ins "::mlir::Value":$query, "::mlir::Value":$key,
                   "::mlir::Value":$value, "::mlir::Value":$mask,
                   "::mlir::Value":$kCache, "::mlir::Value":$vCache,
                   "::mlir::Value":$position, "double":$scale, "bool":$causal,
                   "::mlir::StringAttr":$name)>
  ];
  let extraClassDeclaration = [{
    bool hasCache() { return getKCache() != nullptr; }
    /// The scheme the key (`key`) or value cache is stored in; null for a
    /// float cache.
    ::ct::QuantSchemeAttr getCacheQuant(bool key) {
      return key ? getKCacheQuantAttr() : getVCacheQuantAttr();
    }
    /// The scale / zero-point operand of the key or value cache (null when
    /// absent).
    ::mlir::Value getCacheScale(bool key) {
      return key ? getKCacheScale() : getVCacheScale();
    }
    ::mlir::Value getCacheZeroPoint(bool key) {
      return key ? getKCacheZeroPoint() : getVCacheZeroPoint();
    }
    /// Whether a cache in `scheme` stores its scales per row (dynamic).
    static bool storesScalesPerRow(::ct::QuantSchemeAttr scheme) {
      return scheme && scheme.isDynamic();
    }
    /// Whether a key (`key`) or value cache can be stored in `scheme`:
    /// static tensor / attn_head (channel for keys), dynamic tensor / token /
    /// group.
    static bool isStorableCacheScheme(::ct::QuantSchemeAttr scheme, bool key);
    /// Scales stored per cache row for `scheme` on head dim `headDim`: D/g
    /// for group, 1 otherwise.
    static int64_t getRowScaleCount(::ct::QuantSchemeAttr scheme,
                                    int64_t headDim);
    /// The updated per-row scales / zero points of the key or value cache
    /// (results after the caches); null when the cache stores none.
    ::mlir::Value getUpdatedCacheScale(bool key);
    ::mlir::Value getUpdatedCacheZeroPoint(bool key);
  private:
    ::mlir::LogicalResult verifyCacheStorage(
        bool key, ::llvm::SmallVectorImpl<::mlir::Type> &updated);
  public:
    /// Query heads per key/value head (g = Hq / Hkv).
    int64_t getGroupSize();
    /// scale·log2(e): times q·k, a log2-domain score, so that the softmax
    /// runs on exp2 (exp(x) = exp2(x·log2(e))) with one multiply per score.
    double getLog2ScoreScale();
    /// Whether `region` is the identity: one block that yields its argument.
    static bool isIdentityHook(::mlir::Region &region);
    /// `nameTemplate` with every `{i}` replaced by `index`: how passes name
    /// attention ops the front end left unnamed (model.layers.{i}.self_attn).
    static std::string expandNameTemplate(::llvm::StringRef nameTemplate,
                                          int64_t index);
  }];
}

def CT_YieldOp : CT_Op<"yield", [Pure, Terminator,
    HasParent<"HookedAttentionOp">]> {
  let summary = "Terminates an attention hook with the transformed tensor";
  let arguments = (ins CT_FloatTensor:$value);
  let assemblyFormat = "$value attr-dict `:` type($value)";
}

#endif // CT_DIALECT_CT_IR_CTOPS_TD
