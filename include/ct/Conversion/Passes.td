// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Passes of ct's lowering pipelines. Each does one step of ct-lower-to-llvm
// and is registered on its own so that tests and embedding compilers can run
// it in isolation.

#ifndef CT_CONVERSION_PASSES_TD
#define CT_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def DecomposeAggregatedOps
    : Pass<"ct-decompose-aggregated-ops", "::mlir::func::FuncOp"> {
  let summary = "Decompose ops implementing AggregatedOpInterface (linalg.softmax)";
  let description = [{
    Replaces every op that implements `linalg::AggregatedOpInterface` by the
    ops its `decomposeOperation` produces (`linalg.softmax` becomes a max
    reduction, a subtraction and exponential, a sum and a division). Upstream
    offers this only as a transform-dialect op.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect"];
}

def LowerQuant : Pass<"ct-lower-quant", "::mlir::func::FuncOp"> {
  let summary = "Lower ct quantization ops to linalg, tensor, arith and math";
  let description = [{
    Rewrites `ct.calculate_qparams`, `ct.quantize`, `ct.dequantize` and
    `ct.fake_quantize` into `linalg.generic` ops on tensors whose bodies
    repeat compressed-tensors' numerics formula for formula
    (`include/ct/Support/QuantReference.h`, `docs/numerics.md`): bf16
    intermediates are computed in f32 and rounded after every op, the clamp
    precedes the rounding, and fp8 e4m3fn / fp4 e2m1 values are encoded and
    decoded with integer bit manipulation that vectorizes; so is bf16
    rounding, because the AVX-512 BF16 conversion that `arith.truncf`
    becomes flushes subnormals, which torch keeps. Strategies are
    expressed as reshapes: groups expand the last dimension to `[C/g, g]`,
    blocks pad to whole blocks, min/max observers are NaN-propagating
    reductions.

    MX schemes (float, group 32, ui8 E8M0 scales) and float6 are lowered
    too. What the lowering does not implement (dynamic shapes, f64 data, MX
    scales from f16 data) is reported as an error on the op.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect"];
}

def LowerAttention : Pass<"ct-lower-attention", "::mlir::func::FuncOp"> {
  let summary = "Lower ct.hooked_attention to flash-attention loops on tensors";
  let description = [{
    Inlines the q/k/v hooks of every `ct.hooked_attention` (k/v before the
    cache write, q before the scores), writes the hooked new keys and values
    into the KV cache with `tensor.insert_slice` at `position`, and computes
    attention as scf loops over (batch, kv head, query block) whose body runs
    an online softmax over key blocks with linalg ops on tiles: the full
    Sq x Skv score matrix is never built, key blocks above the causal
    diagonal are skipped, and the g query heads of a kv head share each K/V
    tile. Short queries (decode) split the key range into chunks whose
    partial results are merged (flash-decoding). Scores, probabilities and
    the accumulator are f32; the output is cast back to the query's type.
    A quantized cache with f32 scales and integer or fp4 codes is read as
    codes converted in the dot products, its scales and zero points folded
    into the scores and the probabilities (one multiply per score or
    probability and scale group); fp8 codes and 16-bit or per-channel scales
    dequantize each tile with ct.dequantize.
    Full key blocks run in their own loop with static tile shapes, the
    partial last block after it; exp2 is computed inline (a few ulp, exact
    0 for masked scores) instead of by libm calls, so the loops vectorize.

    Runs on tensors before the ct.hadamard / ct.fake_quantize lowerings,
    which the inlined hooks may contain. A cache argument updated in place
    by bufferization must be writable (see ct-prepare-c-interface).
  }];
  let options = [
    Option<"queryBlock", "query-block", "int64_t", /*default=*/"32",
           "Query rows per tile and query head in the prefill loops">,
    Option<"keyBlock", "key-block", "int64_t", /*default=*/"64",
           "Keys per step of the online softmax">,
    Option<"decodeMaxQueries", "decode-max-queries", "int64_t",
           /*default=*/"4",
           "Queries up to which (static Sq) the key range is split into "
           "chunks merged at the end (flash-decoding)">,
    Option<"decodeChunk", "decode-chunk", "int64_t", /*default=*/"512",
           "Keys per flash-decoding chunk">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect"];
}

def PrepareCInterface : Pass<"ct-prepare-c-interface", "::mlir::ModuleOp"> {
  let summary = "Prepare public functions for being called from C";
  let description = [{
    On every public function with a body: requests a `_mlir_ciface_` wrapper
    (`llvm.emit_c_interface`), marks tensor arguments non-writable so that
    bufferization never writes into the caller's inputs (an argument already
    marked `bufferization.writable = true`, such as a KV cache updated in
    place, keeps its mark), and records the
    tensor signature as `ct.signature`, which the lowered C ABI no longer
    shows and which `ct-run` uses to marshal `.npy` files.
  }];
}

def PackSubByteMemRefs : Pass<"ct-pack-sub-byte-memrefs", "::mlir::ModuleOp"> {
  let summary = "Store 4-bit buffers two elements per byte";
  let description = [{
    Packs every buffer of 4-bit elements (`i4` codes, `f4E2M1FN` values) two
    elements per byte: element 2i in the low nibble and element 2i+1 in the
    high nibble of byte i, the layout compressed-tensors' `pack_fp4_to_uint8`
    (`compressors/nvfp4/helpers.py`) writes. Runs on bufferized code whose
    linalg ops became loops: `f4E2M1FN` buffers are retyped as `i4` (loads
    and stores get an `arith.bitcast`), then MLIR's narrow-type emulation
    turns 4-bit memrefs into `i8` ones and their loads and stores into byte
    accesses that extract or insert a nibble.

    A public function takes a 4-bit argument `memref<...xCxi4>` as the
    caller's packed bytes `memref<...x(C/2)xi8>`, so C must be even; such a
    function may not return a 4-bit buffer or be called inside the module.
    Other buffers are packed along their flattened elements.

    A loop that stores consecutive 4-bit elements of a static buffer (the
    loops of a linalg op writing one) is unrolled to store whole bytes: a
    `vector.store` of up to 16 elements, which the emulation writes as bytes
    instead of one read-modify-write per element.

    A subview the emulation cannot pack, at a dynamic offset (a KV-cache row
    written at the position) or with non-contiguous elements (the new last
    row of each head of a cache one row longer), is folded with the reshapes
    and subviews of it into the loads and stores through them (`memref` and
    `vector`, which keep their attributes): they access the buffer at the
    composed indices. Copies into or out of such views become loops of loads
    and stores; any other use is an error. A `vector.load` or `vector.store`
    of whole bytes of an identity-layout buffer keeps its alignment.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def AnnotateTargetFeatures
    : Pass<"ct-annotate-target-features", "::mlir::ModuleOp"> {
  let summary = "Set target_features on the module's LLVM functions";
  let description = [{
    Sets `target_features` on every defined `llvm.func`, so that the CPU
    features travel with the IR to whichever code generator consumes it (the
    JIT of ct-run, mlir-translate + llc).
  }];
  let options = [
    Option<"features", "features", "std::string", /*default=*/"",
           "Comma-separated +feature/-feature list as LLVM spells it">
  ];
}

def LowerHadamard : Pass<"ct-lower-hadamard", "::mlir::func::FuncOp"> {
  let summary = "Lower ct.hadamard to vectorized butterflies, ct.rotate to matmuls";
  let description = [{
    Rewrites `ct.hadamard` into an O(n·(log n + m)) fast Walsh–Hadamard
    transform on vectors (tensor-level `scf.for` over rows,
    `vector.transfer_read`/`write`, shuffles and add/sub/fma): in-register
    stages inside each vector, stages across vectors, and the m×m core of
    H_m ⊗ H_{2^k} as a dense ±1 step (when 2^k is narrower than a vector
    but divides n with a larger power of two, as 80 = 20·4, full-width
    vectors hold several segments and the core broadcasts each segment by a
    shuffle into per-lane ±1 fmas); 1/sqrt(n) and the signs are one
    multiply per element. The transform is computed in the op's precision
    and cast back once.

    Rewrites `ct.rotate` into a `linalg.matmul` of the input, reshaped to
    [rows · blocks, n] and cast to the matrix's element type, by the matrix
    (or by its inverse, computed at compile time in double: the transpose of
    an orthogonal constant, else Gauss–Jordan). Inverting a non-constant
    matrix is an error.
  }];
  let options = [
    Option<"vectorBits", "vector-bits", "int64_t", /*default=*/"512",
           "Width in bits of the vectors the butterflies work on (512 for "
           "AVX-512, 256 for AVX2)">,
    Option<"maxRegisterChunks", "max-register-chunks", "int64_t",
           /*default=*/"32",
           "Blocks of at most this many vectors are transformed in one "
           "register-resident step; larger ones in sweeps of 16 vectors">
  ];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect"];
}

//===----------------------------------------------------------------------===//
// GPU (ct-lower-to-nvvm)
//===----------------------------------------------------------------------===//

def HadamardToGPU : Pass<"ct-hadamard-to-gpu", "::mlir::func::FuncOp"> {
  let summary = "Lower ct.hadamard to a warp-shuffle FWHT gpu.launch, "
                "ct.rotate to linalg.matmul";
  let description = [{
    Rewrites every `ct.hadamard` of size m·2^k (2^k up to 8192),
    static shape and f32 compute precision into a `gpu.launch` on the
    input's buffer (`bufferization.to_buffer`) that writes a new buffer
    returned as a tensor (`bufferization.to_tensor restrict`), to be
    bufferized with the rest of the function.

    Each thread holds 8 consecutive elements of a block (one 16-byte vector
    load for bf16) and runs the first butterfly stages in registers; the
    next stages run across the lanes that share a block with
    `gpu.shuffle xor` (shfl.sync.bfly); blocks of more than 256 elements
    take a whole thread block and finish their last stages in shared
    memory. Blocks of up to 256 elements are packed several per warp and
    several warps per thread block. 1/sqrt(size) and the signs are one
    multiply per element on load (on store for `inverse`); values are
    converted to f32 once on load and back once on store.

    Sizes m·2^k (H_m ⊗ S_{2^k}) run in the same kernel: a thread holds E
    elements at the same position of each of the m segments (m·E at most
    64, E = 8, 4, 2 or 1), runs the butterflies on every segment, then
    mixes the segments with the core's ±1 signs as adds and subtracts in
    registers. Larger cores (108, 148, 172) are decomposed into tensor ops
    around a ct.hadamard of size 2^k.

    `ct.rotate` (a dense rotation such as a random R3 matrix) becomes the
    `linalg.matmul` of ct-lower-hadamard, which ct-lower-to-nvvm maps to a
    thread per output element.
  }];
  let options = [
    Option<"threadsPerBlock", "threads-per-block", "int64_t",
           /*default=*/"256",
           "Threads per thread block for blocks of at most 256 elements">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect"];
}

def QuantToGPU : Pass<"ct-quant-to-gpu", "::mlir::func::FuncOp"> {
  let summary = "Lower ct quantization ops like ct-lower-quant, with dynamic "
                "scales' min/max reductions as warp-shuffle gpu.launch kernels";
  let description = [{
    Applies ct-lower-quant's patterns (the same linalg.generic bodies, so the
    same numerics) but reduces the observed tensor of `ct.calculate_qparams`
    on the GPU where every kept dimension precedes the reduced ones (token,
    group, channel and tensor strategies, static shapes, rows of at least 32
    elements): a `gpu.launch` on the input's buffer (`bufferization.to_buffer`)
    gives each row a warp whose lanes stride the row with 16-byte vector
    loads, keep a running NaN-propagating min and max, and combine them with
    `gpu.shuffle xor` (shfl.sync.bfly); lane 0 writes the row's result. When
    there are too few rows to fill the GPU (a tensor-wide scale), long rows
    are split into segments reduced by separate warps, and a second kernel
    reduces each row's partial results. Min and max are associative, so the
    scales are bit-identical to the CPU path's.

    Other reductions (block, per-head) stay linalg; ops the patterns cannot
    lower are left for ct-lower-quant to report.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect"];
}

def AttentionToGPU : Pass<"ct-attention-to-gpu", "::mlir::func::FuncOp"> {
  let summary = "Lower ct.hooked_attention to flash-decoding and tiled "
                "flash-attention gpu.launch kernels";
  let description = [{
    Rewrites every `ct.hooked_attention` with static shapes (the position
    may be dynamic) and f32/bf16/f16 tensors into kernels on buffers:

    - the q/k/v hooks are inlined as tensor ops (a ct.hadamard or a
      quantization in a hook becomes its own kernel in ct-lower-to-nvvm);
      the hooked new rows are written into the caches by a `linalg.copy`
      into a `tensor.extract_slice` of the cache that `tensor.insert_slice`
      puts back: in place on writable cache arguments after bufferization,
      and a parallel-loop kernel after `convert-linalg-to-parallel-loops`;
    - decode (Sq = 1): split-K flash-decoding. One thread block per
      (batch, kv head, key split) processes the g query heads of the GQA
      group together, so that each K/V row is read once per group; the
      lanes of a warp are split into groups that each own one key row,
      every lane holding a contiguous slice of up to `lane-bytes` bytes and
      16 elements (bf16: 32 bytes, 8-bit codes: 16, 4-bit codes: 8), so
      that the per-row work is spread over many bytes; scores are reduced
      with `gpu.shuffle xor`; the online softmax runs in f32 with exp2 and
      scale·log2(e) folded into the query, and its rescale of the
      accumulators is skipped (a branch) while no maximum grows. The warps'
      partial (max, sum, accumulator) are merged in shared memory and
      written per split to a temporary that a second kernel merges. The
      number of splits fills `sm-count` multiprocessors
      `blocks-per-sm` times over, up to the keys the cache can hold;
    - prefill (Sq > 1): one thread block per (batch, query head, tile of
      queries), K/V tiles staged in shared memory and read by every warp,
      the same lane layout and online softmax, tiles above the causal
      diagonal skipped, for f32 tensors (or without `tensor-cores`);
    - prefill of bf16 or f16 queries, keys and values (head dims multiples
      of 16, at most 256) on tensor cores, FlashAttention-2 style: each
      warp owns 16 query rows, whose Q fragments stay in registers; K/V
      tiles are copied into shared memory with `cp.async` (V while S is
      computed, the next K during P·V; rows padded by 16 bytes, so that
      `ldmatrix` is free of bank conflicts) and read with `nvvm.ldmatrix`
      (`.trans` for V); S = Q·Kᵀ and O += P·V are `nvvm.mma.sync`
      m16n8k16 with f32 accumulators, the online softmax runs on the
      accumulator fragments (row statistics reduced over the 4 lanes of a
      quad) and P is rounded to the 16-bit type as the A operand of P·V.

    Quantized caches: i8, i4, f8E4M3FN or f4E2M1FN codes with a static
    scale per tensor or kv head, or dynamic scales stored per row (or per
    group of a row); i8 and i4 caches may be asymmetric (i8 zero points
    laid out as the scales). The new rows are quantized on write with
    ct.calculate_qparams / ct.quantize (as ct-lower-attention does).
    Prefill first dequantizes the visible rows (position + Sq per batch and
    kv head, not the whole cache) into a buffer of the new entries' type,
    each element as ct.dequantize computes it, then runs the prefill
    kernels above on it: prefill is compute bound, and this one extra pass
    costs O(S·D) against their O(Sq·S·D). The decode kernel loads 16 codes
    per lane (4-bit codes are stored two per byte by
    ct-pack-sub-byte-memrefs) and more rows per step than for a 16-bit
    cache, so that a step reads as many bytes; it converts fp8 with
    cvt.rn.f16x2.e4m3x2, int8 and int4 with a prmt into the mantissa of
    2^23 and one subtraction (no I2F), e2m1 as the bits of an f16 worth
    value·2^-14.
    Scales are folded instead of multiplying every element: a per-tensor or
    per-head scale into the query (keys) and the accumulator (values), a
    row's scale into its score and probability; this differs from
    ct.dequantize (which rounds code·scale to a 16-bit scale's type) only
    in rounding. A zero point joins the constant that the int8 / int4
    conversion subtracts (2^23 + 128 + zp, 2^23 + 8 + zp), so codes convert
    to code − zp exactly, with no work per element.
  }];
  let options = [
    Option<"smCount", "sm-count", "int64_t", /*default=*/"132",
           "Multiprocessors of the target GPU (H200: 132)">,
    Option<"blocksPerSM", "blocks-per-sm", "int64_t", /*default=*/"2",
           "Decode thread blocks wanted per multiprocessor">,
    Option<"warpsPerBlock", "warps-per-block", "int64_t", /*default=*/"4",
           "Warps per thread block of the attention kernels">,
    Option<"decodeUnroll", "decode-unroll", "int64_t", /*default=*/"2",
           "Key rows each lane group of a decode warp loads and scores per "
           "step (one softmax rescale per step) for 16-bit caches; 8-bit "
           "codes load twice as many, 4-bit codes 4 times">,
    Option<"laneBytes", "lane-bytes", "int64_t", /*default=*/"32",
           "Bytes of a K/V row each lane holds at most (16: one "
           "ld.global.v4), at most 16 elements">,
    Option<"hardwareFP8", "hardware-fp8", "bool", /*default=*/"true",
           "The target converts float8_e4m3fn with cvt.rn.f16x2.e4m3x2 "
           "(sm_89+); without it fp8 caches are not lowered">,
    Option<"tensorCores", "tensor-cores", "bool", /*default=*/"true",
           "The target has bf16/f16 mma.sync.m16n8k16 and ldmatrix (sm_80+): "
           "16-bit prefill runs on tensor cores; otherwise on CUDA cores">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect"];
}

def GPUVectorizeParallelLoops
    : Pass<"ct-gpu-vectorize-parallel-loops", "::mlir::func::FuncOp"> {
  let summary = "Give each iteration of an elementwise host scf.parallel "
                "several consecutive elements, with vector loads and stores";
  let description = [{
    Runs on the loops of bufferized elementwise linalg ops (quantization,
    fills) before `ct-gpu-tile-parallel-loops` makes each iteration a GPU
    thread. An outermost `scf.parallel` outside a GPU kernel whose body has
    no regions and accesses memory only with `memref.load` / `memref.store`
    gets an innermost dimension of N times fewer iterations, N the number of
    elements in 16 bytes of its narrowest contiguous buffer (at most 16):
    each access at the innermost induction variable becomes one
    `vector.load` / `vector.store` of N elements (16-byte ones become
    ld.global.v4 / st.global.v4, 4-bit codes are stored as whole bytes
    instead of atomic nibble updates), accesses that do not depend on it
    (scales of a row or group) stay scalar and happen once, and the
    arithmetic is repeated for each element with the same scalar ops.

    Loops are left alone unless the innermost dimension starts at 0 with
    step 1 and a static trip count that N (halved down to 2) divides, every
    store writes at the innermost induction variable, and each buffer
    accessed there has a static shape, an innermost stride of 1 and an
    offset and outer strides that N divides, so that every vector is
    aligned to its size (up to 16 bytes) given 16-byte aligned buffers.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def GPUTileParallelLoops
    : Pass<"ct-gpu-tile-parallel-loops", "::mlir::func::FuncOp"> {
  let summary = "Collapse host scf.parallel loops to one dimension and tile "
                "them into blocks and threads";
  let description = [{
    Prepares the loops of bufferized linalg ops (quantization, fills) for
    `gpu-map-parallel-loops`, which maps the first three dimensions of a
    loop to x, y, z in order and serializes the rest: every outermost
    `scf.parallel` outside a GPU kernel is collapsed into one dimension and
    tiled by `threads-per-block`, so that the tile loop becomes the grid
    (x) and the loop inside a tile the threads (x) of a launch with
    consecutive threads on consecutive elements (coalesced accesses).
  }];
  let options = [
    Option<"threadsPerBlock", "threads-per-block", "int64_t",
           /*default=*/"256", "Iterations per tile (threads per block)">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect"];
}

def GPUHostMemory : Pass<"ct-gpu-host-memory", "::mlir::func::FuncOp"> {
  let summary = "Turn host-side allocations, frees and copies into GPU "
                "runtime calls";
  let description = [{
    Kernels can only use memory the device can reach. In host code (outside
    `gpu.launch`), replaces `memref.alloc` by `gpu.alloc` that is freed with
    `gpu.dealloc` when the function returns, `memref.copy` between
    identity-layout buffers by `gpu.memcpy` (cuMemcpy, which takes host,
    managed and device pointers alike) and other copies (strided views) by a
    `gpu.launch` with a thread per element, all in their synchronous form:
    `ct-gpu-async-stream` puts them and the launches on one stream, which a
    host loop would end. A buffer that only kernels and such copies touch
    (directly or through views) is device memory (cuMemAlloc); one the host
    also touches is managed memory
    (`host_shared`, cuMemAllocManaged: one pointer valid on both sides),
    whose first touch on the GPU pays page faults on every call. A
    `memref.get_global` (a constant) in host memory, which kernels cannot
    read, becomes a copy of the global made on each call. Function arguments are the caller's: it passes
    device-accessible buffers (device or managed memory).

    Ownership-based deallocation cannot run on this IR (it rejects kernel
    bodies: `gpu.barrier` declares no memory effects), hence the frees at
    the returns. They are right for what ct-lower-to-nvvm produces, after
    results became out-parameters: allocations in the function body that
    never escape. An allocation in a host loop or branch, or a function that
    still returns a buffer, is reported as an error.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::scf::SCFDialect"];
}

def GPUAsyncStream : Pass<"ct-gpu-async-stream", "::mlir::func::FuncOp"> {
  let summary = "Run a host function's launches, device allocations, frees "
                "and copies on one stream, waited for only where the host "
                "needs it";
  let description = [{
    A synchronous GPU op costs a stream creation and a host synchronization
    each (gpu-to-llvm lowers `gpu.launch_func` to create, launch,
    synchronize, destroy), more than the kernels of a short decode step.
    In each block of a host function, this pass chains the synchronous
    `gpu.launch`, `gpu.launch_func`, device `gpu.alloc`, `gpu.dealloc`,
    `gpu.memcpy` and `gpu.memset` in program order: a `gpu.wait async`
    (one stream) before the first, each op `async [%previous]`, so that the
    stream runs them in order (a free after the last kernel that uses the
    buffer) and the host only enqueues. The host waits (`gpu.wait [%t]`)
    before the first op it must not run while the stream works: one with
    memory effects that is not a chained GPU op (a host load, store, copy,
    loop or call may touch what kernels use), an op with regions that holds
    GPU work (whose blocks get chains of their own) and the block's
    terminator, so that results are complete on return. Ops without memory
    effects (arithmetic, memref views) and `gpu.alloc host_shared`, which
    has no async form and only allocates, leave the chain running.

    Unlike upstream `gpu-async-region`, it leaves `gpu.alloc host_shared`
    synchronous (gpu-to-llvm rejects its async form) and GPU ops that
    already have tokens or dependencies alone (waiting for the chain first).
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def GPUSelectInstructions
    : Pass<"ct-gpu-select-instructions", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Use hardware instructions for the numerics of kernels";
  let description = [{
    Rewrites in kernels what the NVPTX path would otherwise compute slowly
    or through libdevice:

    - the integer encoding of f32 to float8_e4m3fn bits that ct-lower-quant
      emits (saturating to ±448, round to nearest even, NaN to 0x7f with the
      sign) becomes `nvvm.convert.f32x2.to.f8x2` (`cvt.rn.satfinite.e4m3x2.f32`,
      sm_89+) with the sign bit or-ed in. The two agree bit for bit on every
      input: satfinite saturates to ±448 as the software path does (and the
      library clamps to ±448 before it converts anyway), both round to
      nearest even on normals and subnormals, and the or-ed sign gives a NaN
      the sign the library keeps;
    - f32 `math.roundeven`, `math.absf`, `math.sqrt`, `math.fma` and
      `math.floor` become the LLVM intrinsics (`cvt.rni.f32.f32`, `abs.f32`,
      `sqrt.rn.f32`, `fma.rn.f32`, `cvt.rmi.f32.f32`) instead of libdevice's
      `__nv_rintf`, `__nv_fabsf`, ..., which need the toolkit's libdevice at
      compile time and stay unresolved symbols (ptxas: "Unresolved extern
      function") without it;
    - the rest of a model's layer needs no libdevice either: `math.fpowi`
      with a constant exponent (RMSNorm's square) becomes multiplies and
      `math.rsqrt` becomes `1 / sqrt`, both correctly rounded like torch's;
      `math.exp`, `math.tanh` and `math.erf` (SiLU, GELU) become upstream's
      f32 polynomial approximations.

    The pass also registers what the kernels need on their way to a
    `gpu.binary` (the NVVM target's serialization, the LLVM IR translations
    of builtin, gpu, llvm and nvvm), so that ct-lower-to-nvvm works in tools
    that register only dialects.
  }];
  let options = [
    Option<"hardwareFP8", "hardware-fp8", "bool", /*default=*/"true",
           "Use cvt.rn.satfinite.e4m3x2.f32 (needs sm_90 with PTX 7.8 or "
           "sm_89 with PTX 8.1); otherwise the integer encoding stays">
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect",
                           "::mlir::NVVM::NVVMDialect"];
}

#endif // CT_CONVERSION_PASSES_TD
