// RUN: ct-opt %s --ct-lower-attention --canonicalize --cse --split-input-file | FileCheck %s
// RUN: not ct-opt %s --ct-lower-attention="key-block=0" 2>&1 | FileCheck %s --check-prefix=OPTION

// A tile size option that is not positive fails the pass (it names no op, so
// it is checked on stderr rather than with -verify-diagnostics).
// OPTION: error: ct-lower-attention: key-block must be positive, got 0

// Prefill: loops over batch, kv head and query blocks of 32 rows; the 4
// query heads of a kv head form one [4, rows, D] tile; an inner loop walks
// the full key blocks of 64 (static [64, D] tiles) carrying the running max,
// sum and accumulator, and a second loop the partial last block, so no 37x37
// score tensor exists. Causal: the key loops stop at the block's last
// visible key (min(37, first query + rows)), skipping blocks above the
// diagonal, and the scores are masked where key > query. exp2 is evaluated
// inline (round, polynomial, exponent bits), not as a libm call.
// CHECK-LABEL: func.func @gqa_causal_prefill
// CHECK-SAME: (%[[Q:.+]]: tensor<1x8x37x64xf32>, %[[K:.+]]: tensor<1x2x37x64xf32>, %[[V:.+]]: tensor<1x2x37x32xf32>)
// CHECK-NOT: 37x37
// CHECK: scf.for %[[H:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args
// CHECK: %[[HEAD:.+]] = arith.muli %[[H]], %c4
// CHECK: scf.for %[[QB:.+]] = %{{.+}} to %c37 step %c32 iter_args
// CHECK: %[[ROWS:.+]] = arith.minsi %{{.+}}, %c32
// CHECK: %[[QT:.+]] = tensor.extract_slice %[[Q]][0, %[[HEAD]], %[[QB]], 0] [1, 4, %[[ROWS]], 64]
// CHECK: %[[LAST:.+]] = arith.addi %[[QB]], %[[ROWS]]
// CHECK: %[[END:.+]] = arith.minsi %{{.+}}, %c37
// CHECK: %[[PARTIAL:.+]] = arith.remsi %{{.+}}, %c64
// CHECK: %[[FULLEND:.+]] = arith.subi %[[END]], %[[PARTIAL]]
// CHECK: %[[FULL:.+]]:3 = scf.for %[[KB:.+]] = %c0 to %[[FULLEND]] step %c64 iter_args(%[[M:.+]] = %{{.+}}, %[[L:.+]] = %{{.+}}, %[[ACC:.+]] = %{{.+}}) -> (tensor<4x?xf32>, tensor<4x?xf32>, tensor<4x?x32xf32>)
// CHECK: %[[KT:.+]] = tensor.extract_slice %[[K]][0, %[[H]], %[[KB]], 0] [1, 1, 64, 64]
// CHECK: %[[VT:.+]] = tensor.extract_slice %[[V]][0, %[[H]], %[[KB]], 0] [1, 1, 64, 32]
// A query tile of a dynamic number of rows takes the linalg.generic form of
// the dot products, on [rows, groups = 1, D] views.
// CHECK: %[[QTG:.+]] = tensor.expand_shape %[[QT]] {{\[}}[0], [1], [2, 3]]
// CHECK: %[[KTG:.+]] = tensor.expand_shape %[[KT]] {{\[}}[0], [1, 2]]
// CHECK: linalg.generic {{.+}} ins(%[[QTG]], %[[KTG]] : tensor<4x?x1x64xf32>, tensor<64x1x64xf32>)
// CHECK: arith.cmpi sgt
// CHECK: linalg.generic {{.+}} outs(%[[M]], %[[L]], %{{.+}} : tensor<4x?xf32>, tensor<4x?xf32>, tensor<4x?xf32>)
// CHECK-NOT: math.exp2
// CHECK: math.roundeven
// CHECK: arith.shli
// CHECK: arith.bitcast {{.+}} : i32 to f32
// CHECK: math.roundeven
// CHECK: outs(%[[ACC]] : tensor<4x?x32xf32>)
// CHECK: %[[VTG:.+]] = tensor.expand_shape %[[VT]] {{\[}}[0], [1, 2]]
// CHECK: ins(%{{.+}}, %[[VTG]] : tensor<4x?x64x1xf32>, tensor<64x1x32xf32>)
// CHECK: scf.yield
// CHECK: scf.for %[[KT2:.+]] = %[[FULLEND]] to %[[END]] step %c64 iter_args(%{{.+}} = %[[FULL]]#0, %{{.+}} = %[[FULL]]#1, %{{.+}} = %[[FULL]]#2)
// CHECK: %[[COUNT:.+]] = arith.subi %[[END]], %[[KT2]]
// CHECK: tensor.extract_slice %[[K]][0, %[[H]], %[[KT2]], 0] [1, 1, %[[COUNT]], 64]
// CHECK: scf.yield
// CHECK: arith.divf
// CHECK: tensor.insert_slice %{{.+}} into %{{.+}}[0, %[[HEAD]], %[[QB]], 0] [1, 4, %[[ROWS]], 32]
func.func @gqa_causal_prefill(%q: tensor<1x8x37x64xf32>, %k: tensor<1x2x37x64xf32>,
                              %v: tensor<1x2x37x32xf32>) -> tensor<1x8x37x32xf32> {
  %o = ct.hooked_attention %q, %k, %v {scale = 0.125 : f64, causal}
      : (tensor<1x8x37x64xf32>, tensor<1x2x37x64xf32>, tensor<1x2x37x32xf32>)
      -> tensor<1x8x37x32xf32>
  return %o : tensor<1x8x37x32xf32>
}

// -----

// Masks are read element by element inside the score tile: a boolean mask
// keeps a score where true (-inf otherwise); a mask dimension of size 1
// broadcasts (index 0).
// CHECK-LABEL: func.func @bool_mask
// CHECK-SAME: %[[MASK:[^:]+]]: tensor<1x1x6x9xi1>
// CHECK: linalg.generic
// CHECK: %[[KEEP:.+]] = tensor.extract %[[MASK]][%c0, %c0, %{{.+}}, %{{.+}}] : tensor<1x1x6x9xi1>
// CHECK: arith.select %[[KEEP]], %{{.+}}, %cst
func.func @bool_mask(%q: tensor<1x2x6x16xf32>, %k: tensor<1x2x9x16xf32>,
                     %v: tensor<1x2x9x16xf32>, %m: tensor<1x1x6x9xi1>) -> tensor<1x2x6x16xf32> {
  %o = ct.hooked_attention %q, %k, %v mask %m {scale = 0.25 : f64}
      : (tensor<1x2x6x16xf32>, tensor<1x2x9x16xf32>, tensor<1x2x9x16xf32>,
         tensor<1x1x6x9xi1>) -> tensor<1x2x6x16xf32>
  return %o : tensor<1x2x6x16xf32>
}

// -----

// An additive bf16 mask is added in f32, scaled by log2(e) like the scores.
// CHECK-LABEL: func.func @additive_mask_bf16
// CHECK: %[[LOG2E:.+]] = arith.constant 1.44269502 : f32
// CHECK: %[[M:.+]] = tensor.extract %
// CHECK: %[[MF:.+]] = arith.extf %[[M]] : bf16 to f32
// CHECK: %[[MS:.+]] = arith.mulf %[[MF]], %[[LOG2E]]
// CHECK: arith.addf %{{.+}}, %[[MS]]
// CHECK: arith.truncf %{{.+}} : f32 to bf16
func.func @additive_mask_bf16(%q: tensor<1x2x6x16xbf16>, %k: tensor<1x2x9x16xbf16>,
                              %v: tensor<1x2x9x16xbf16>, %m: tensor<1x2x6x9xbf16>)
    -> tensor<1x2x6x16xbf16> {
  %o = ct.hooked_attention %q, %k, %v mask %m {scale = 0.25 : f64}
      : (tensor<1x2x6x16xbf16>, tensor<1x2x9x16xbf16>, tensor<1x2x9x16xbf16>,
         tensor<1x2x6x9xbf16>) -> tensor<1x2x6x16xbf16>
  return %o : tensor<1x2x6x16xbf16>
}

// -----

// Decode with a cache: the new K/V rows go into the caches at %pos
// (tensor.insert_slice, returned as the updated caches); the 4 query heads
// of a kv head are one [4, 1, D] tile; the pos + 1 visible keys are split
// into chunks of 512 reduced in an scf.forall to partial (m, l, acc), which
// are then merged.
// CHECK-LABEL: func.func @gqa_decode_cache
// CHECK-SAME: %[[K:[^:]+]]: tensor<1x2x1x64xf32>, %[[V:[^:]+]]: tensor<1x2x1x64xf32>, %[[KC:[^:]+]]: tensor<1x2x4096x64xf32>, %[[VC:[^:]+]]: tensor<1x2x4096x64xf32>, %[[POS:[^:]+]]: index
// CHECK: %[[KALL:.+]] = tensor.insert_slice %[[K]] into %[[KC]][0, 0, %[[POS]], 0] [1, 2, 1, 64]
// CHECK: %[[VALL:.+]] = tensor.insert_slice %[[V]] into %[[VC]][0, 0, %[[POS]], 0] [1, 2, 1, 64]
// CHECK: %[[LEN:.+]] = arith.addi %[[POS]], %c1
// CHECK: tensor.extract_slice %{{.+}} [1, 4, 1, 64]
// CHECK: %[[CHUNKS:.+]] = arith.ceildivsi %{{.+}}, %c512
// CHECK: scf.forall (%[[C:.+]]) in (%[[CHUNKS]]) shared_outs
// CHECK: scf.for
// CHECK: tensor.extract_slice %[[KALL]]
// CHECK: tensor.extract_slice %[[VALL]]
// CHECK: scf.forall.in_parallel
// CHECK-COUNT-3: tensor.parallel_insert_slice
// CHECK: linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: arith.maximumf
// CHECK: math.roundeven
// CHECK: return %{{.+}}, %[[KALL]], %[[VALL]]
func.func @gqa_decode_cache(%q: tensor<1x8x1x64xf32>, %k: tensor<1x2x1x64xf32>,
                            %v: tensor<1x2x1x64xf32>, %kc: tensor<1x2x4096x64xf32>,
                            %vc: tensor<1x2x4096x64xf32>, %pos: index)
    -> (tensor<1x8x1x64xf32>, tensor<1x2x4096x64xf32>, tensor<1x2x4096x64xf32>) {
  %o, %kc2, %vc2 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      {scale = 0.125 : f64, causal}
      : (tensor<1x8x1x64xf32>, tensor<1x2x1x64xf32>, tensor<1x2x1x64xf32>,
         tensor<1x2x4096x64xf32>, tensor<1x2x4096x64xf32>, index)
      -> (tensor<1x8x1x64xf32>, tensor<1x2x4096x64xf32>, tensor<1x2x4096x64xf32>)
  return %o, %kc2, %vc2
      : tensor<1x8x1x64xf32>, tensor<1x2x4096x64xf32>, tensor<1x2x4096x64xf32>
}

// -----

// Hooks are inlined: k_hook/v_hook on the new rows before the cache write,
// q_hook before the query tiles are read.
// CHECK-LABEL: func.func @hooks
// CHECK-SAME: (%[[Q:[^:]+]]: tensor<1x2x1x16xf32>, %[[K:[^:]+]]: tensor<1x2x1x16xf32>, %[[V:[^:]+]]: tensor<1x2x1x16xf32>
// CHECK-DAG: %[[HK:.+]] = ct.hadamard %[[K]] size(16)
// CHECK-DAG: %[[HV:.+]] = arith.negf %[[V]]
// CHECK-DAG: %[[HQ:.+]] = ct.hadamard %[[Q]] size(16)
// CHECK: tensor.insert_slice %[[HK]] into
// CHECK: tensor.insert_slice %[[HV]] into
// CHECK: tensor.extract_slice %[[HQ]]
// CHECK-NOT: ct.yield
func.func @hooks(%q: tensor<1x2x1x16xf32>, %k: tensor<1x2x1x16xf32>,
                 %v: tensor<1x2x1x16xf32>, %kc: tensor<1x2x8x16xf32>,
                 %vc: tensor<1x2x8x16xf32>, %pos: index)
    -> (tensor<1x2x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %o, %kc2, %vc2 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos
      {scale = 0.25 : f64}
      : (tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>,
         tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, index)
      -> (tensor<1x2x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
    q_hook {
    ^bb0(%x: tensor<1x2x1x16xf32>):
      %r = ct.hadamard %x size(16) : tensor<1x2x1x16xf32>
      ct.yield %r : tensor<1x2x1x16xf32>
    }
    k_hook {
    ^bb0(%x: tensor<1x2x1x16xf32>):
      %r = ct.hadamard %x size(16) : tensor<1x2x1x16xf32>
      ct.yield %r : tensor<1x2x1x16xf32>
    }
    v_hook {
    ^bb0(%x: tensor<1x2x1x16xf32>):
      %r = arith.negf %x : tensor<1x2x1x16xf32>
      ct.yield %r : tensor<1x2x1x16xf32>
    }
  return %o, %kc2, %vc2
      : tensor<1x2x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}

// -----

// Quantized caches: new rows are quantized once, before the write, with the
// ops ct.fake_quantize shares its formulas with; the dynamic scale of the
// write (one per batch and head, the library's `token`) is repeated on the
// rows it covers and written with them. 4-bit codes are written and
// gathered element by element (the packed buffers take no subviews), widened
// to an i8 tile (a packed i4 tile would be written with an atomic
// read-modify-write per nibble); 8-bit ones by slices. Attention folds f32
// scales instead of dequantizing: codes convert in the dot products, each
// key row's scale and zero point (times Σq) apply to its score, the head's
// static value scale to each probability. The partial last block runs the
// same ops on dynamic sizes.
// CHECK-LABEL: func.func @quantized_cache_decode
// CHECK-SAME:    %[[KC:[a-z0-9]+]]: tensor<1x2x64x16xi4>, %[[VC:[a-z0-9]+]]: tensor<1x2x64x16xi8>, %[[POS:[a-z0-9]+]]: index, %[[KS:[a-z0-9]+]]: tensor<1x2x64x1xf32>, %[[KZ:[a-z0-9]+]]: tensor<1x2x64x1xi8>, %[[VS:[a-z0-9]+]]: tensor<2x1x1xf32>
// CHECK:         %[[S:.+]], %[[Z:.+]] = ct.calculate_qparams %[[K:.+]] quant<int4, token, asymmetric, dynamic> : (tensor<1x2x1x16xf32>) -> (tensor<1x2x1x1xf32>, tensor<1x2x1x1xi8>)
// CHECK:         %[[KQ:.+]] = ct.quantize %[[K]] scale(%[[S]]) zero_point(%[[Z]]) quant<int4, token, asymmetric, dynamic> : {{.+}} -> tensor<1x2x1x16xi4>
// CHECK:         scf.for
// CHECK:           tensor.extract %[[KQ]]
// CHECK:           tensor.insert
// One new row: its scale needs no broadcast (folded away).
// CHECK:         tensor.insert_slice %[[S]] into %[[KS]][0, 0, %[[POS]], 0] [1, 2, 1, 1]
// CHECK:         tensor.insert_slice %[[Z]] into %[[KZ]][0, 0, %[[POS]], 0] [1, 2, 1, 1]
// CHECK:         %[[VQ:.+]] = ct.quantize %{{.+}} scale(%[[VS]]) quant<int8, attn_head> : (tensor<1x2x1x16xf32>, tensor<2x1x1xf32>) -> tensor<1x2x1x16xi8>
// CHECK:         %[[VW:.+]] = tensor.insert_slice %[[VQ]] into %[[VC]][0, 0, %[[POS]], 0]
// CHECK:         scf.forall
// CHECK:           scf.for
// 4-bit codes are read 8 at a time (whole bytes of the packed cache) and
// sign-extended into an i8 tile.
// CHECK:             %[[KT:.+]] = scf.for %{{.+}} = %c0 to %c64 step %c1 iter_args(%{{.+}} = %{{.+}}) -> (tensor<64x16xi8>)
// CHECK:               %[[CODES:.+]] = vector.transfer_read %{{.+}} : tensor<1x2x64x16xi4>, vector<8xi4>
// CHECK:               arith.extsi %[[CODES]] : vector<8xi4> to vector<8xi8>
// CHECK:             %[[KTG:.+]] = tensor.expand_shape %[[KT]] {{\[}}[0], [1, 2]] output_shape [64, 1, 16]
// One query, two heads: the dot products are register-blocked. Each step of
// the lane loop converts an 8-code slice of two keys once and multiply-adds
// it into one vector<8xf32> accumulator per head and key.
// CHECK:             %[[DOTS:.+]] = scf.for %[[KEY:.+]] = %c0 to %c64 step %c2 iter_args(%{{.+}} = %{{.+}}) -> (tensor<2x1x64x1xf32>)
// CHECK:               %[[NEXT:.+]] = arith.addi %[[KEY]], %c1
// CHECK:               %[[ACCS:.+]]:4 = scf.for %[[J:.+]] = %c0 to %c16 step %c8 iter_args({{.+}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK:                 %[[LANES0:.+]] = vector.transfer_read %[[KTG]][%[[KEY]], %c0, %[[J]]]{{.+}} : tensor<64x1x16xi8>, vector<8xi8>
// CHECK:                 %[[ROW0:.+]] = arith.sitofp %[[LANES0]] : vector<8xi8> to vector<8xf32>
// CHECK:                 %[[LANES1:.+]] = vector.transfer_read %[[KTG]][%[[NEXT]], %c0, %[[J]]]
// CHECK:                 %[[ROW1:.+]] = arith.sitofp %[[LANES1]]
// CHECK-COUNT-2:         vector.fma %{{.+}}, %[[ROW0]], %{{.+}} : vector<8xf32>
// CHECK:               vector.reduction <add>, %[[ACCS]]#0
// CHECK:               tensor.insert
// CHECK-COUNT-3:       vector.reduction <add>
// CHECK:             %[[KSC:.+]] = tensor.extract_slice %{{.+}}[0, %{{.+}}, %{{.+}}, 0] [1, 1, 64, 1] [1, 1, 1, 1] : tensor<1x2x64x1xf32> to tensor<64x1xf32>
// CHECK:             %[[KZP:.+]] = tensor.extract_slice %{{.+}} : tensor<1x2x64x1xi8> to tensor<64x1xi8>
// CHECK:             %[[QSUM:.+]] = linalg.generic {{.+}} outs(%{{.+}} : tensor<2x1x1xf32>)
// CHECK:             linalg.generic {{.+}} ins(%[[DOTS]], %[[KSC]], %[[KZP]], %[[QSUM]] : {{.+}}) outs(%{{.+}} : tensor<2x1x64xf32>)
// CHECK:             %[[VSC:.+]] = tensor.extract %[[VS]][%{{.+}}, %{{.+}}, %{{.+}}] : tensor<2x1x1xf32>
// CHECK:             linalg.generic {{.+}} outs(%{{.+}} : tensor<2x1x64x1xf32>)
// CHECK:               arith.mulf %{{.+}}, %[[VSC]] : f32
// CHECK:             %[[VT:.+]] = tensor.extract_slice %[[VW]]{{.+}} to tensor<64x16xi8>
// CHECK:             %[[VTG:.+]] = tensor.expand_shape %[[VT]]
// Values: per slice of 16 lanes (two of 8; here the whole row, so the lane
// loop folds away), the accumulators of both heads stay in registers over
// the 64 keys, each probability broadcast once for both halves.
// CHECK:             vector.transfer_read %{{.+}}[%c0, %c0, %c0, %c0]
// CHECK:             vector.transfer_read %{{.+}}[%c1, %c0, %c0, %c0]
// CHECK:             vector.transfer_read %{{.+}}[%c0, %c0, %c0, %c8]
// CHECK:               %[[VACC:.+]]:4 = scf.for %[[KEY:.+]] = %c0 to %c64 step %c1 iter_args({{.+}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK:                 %[[VROW:.+]] = arith.sitofp %{{.+}} : vector<8xi8> to vector<8xf32>
// CHECK:                 arith.sitofp
// CHECK:                 %[[P:.+]] = vector.broadcast %{{.+}} : f32 to vector<8xf32>
// CHECK:                 vector.fma %[[P]], %[[VROW]]
// CHECK-COUNT-4:       vector.transfer_write
// CHECK:             tensor.collapse_shape
// CHECK:           scf.for
// CHECK-NOT:         ct.dequantize
// CHECK:             tensor.collapse_shape
// CHECK:         return {{.+}} : tensor<1x4x1x16xf32>, tensor<1x2x64x16xi4>, tensor<1x2x64x16xi8>, tensor<1x2x64x1xf32>, tensor<1x2x64x1xi8>
func.func @quantized_cache_decode(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>, %kc: tensor<1x2x64x16xi4>, %vc: tensor<1x2x64x16xi8>, %pos: index, %ks: tensor<1x2x64x1xf32>, %kz: tensor<1x2x64x1xi8>, %vs: tensor<2x1x1xf32>) -> (tensor<1x4x1x16xf32>, tensor<1x2x64x16xi4>, tensor<1x2x64x16xi8>, tensor<1x2x64x1xf32>, tensor<1x2x64x1xi8>) {
  %o:5 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos quantized(k: %ks zero_point %kz, v: %vs) {scale = 0.25 : f64, causal, k_cache_quant = #ct.quant<int4, token, asymmetric, dynamic>, v_cache_quant = #ct.quant<int8, attn_head>} : (tensor<1x4x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x64x16xi4>, tensor<1x2x64x16xi8>, index, tensor<1x2x64x1xf32>, tensor<1x2x64x1xi8>, tensor<2x1x1xf32>) -> (tensor<1x4x1x16xf32>, tensor<1x2x64x16xi4>, tensor<1x2x64x16xi8>, tensor<1x2x64x1xf32>, tensor<1x2x64x1xi8>)
  return %o#0, %o#1, %o#2, %o#3, %o#4 : tensor<1x4x1x16xf32>, tensor<1x2x64x16xi4>, tensor<1x2x64x16xi8>, tensor<1x2x64x1xf32>, tensor<1x2x64x1xi8>
}

// -----

// 16-bit scales dequantize each element in their own precision (as
// ct.dequantize rounds), which a folded f32 scale would not reproduce: such
// caches are read through ct.dequantize of each tile, and the partial last
// block row by row (ct-lower-quant wants static [1, D] tiles).
// CHECK-LABEL: func.func @quantized_cache_bf16_scales
// CHECK:         scf.forall
// CHECK:           scf.for
// CHECK:             %[[KT:.+]] = scf.for {{.+}} -> (tensor<64x16xi8>)
// CHECK:             ct.dequantize %[[KT]] scale(%{{.+}}) zero_point(%{{.+}}) quant<int4, group = 16, asymmetric> : (tensor<64x16xi8>, tensor<64x1xbf16>, tensor<64x1xi8>) -> tensor<64x16xbf16>
// CHECK:             ct.dequantize %{{.+}} scale(%{{.+}}) quant<float8> : (tensor<64x16xf8E4M3FN>, tensor<1x1x1xbf16>) -> tensor<64x16xbf16>
// CHECK:           scf.for
// CHECK:             scf.for
// CHECK:               ct.dequantize {{.+}} -> tensor<1x16xbf16>
func.func @quantized_cache_bf16_scales(%q: tensor<1x4x1x16xbf16>, %k: tensor<1x2x1x16xbf16>, %v: tensor<1x2x1x16xbf16>, %kc: tensor<1x2x64x16xi4>, %vc: tensor<1x2x64x16xf8E4M3FN>, %pos: index, %ks: tensor<1x2x64x1xbf16>, %kz: tensor<1x2x64x1xi8>, %vs: tensor<2x1x1xbf16>) -> (tensor<1x4x1x16xbf16>, tensor<1x2x64x16xi4>, tensor<1x2x64x16xf8E4M3FN>, tensor<1x2x64x1xbf16>, tensor<1x2x64x1xi8>) {
  %o:5 = ct.hooked_attention %q, %k, %v cache %kc, %vc at %pos quantized(k: %ks zero_point %kz, v: %vs) {scale = 0.25 : f64, causal, k_cache_quant = #ct.quant<int4, token, asymmetric, dynamic>, v_cache_quant = #ct.quant<float8, attn_head>} : (tensor<1x4x1x16xbf16>, tensor<1x2x1x16xbf16>, tensor<1x2x1x16xbf16>, tensor<1x2x64x16xi4>, tensor<1x2x64x16xf8E4M3FN>, index, tensor<1x2x64x1xbf16>, tensor<1x2x64x1xi8>, tensor<2x1x1xbf16>) -> (tensor<1x4x1x16xbf16>, tensor<1x2x64x16xi4>, tensor<1x2x64x16xf8E4M3FN>, tensor<1x2x64x1xbf16>, tensor<1x2x64x1xi8>)
  return %o#0, %o#1, %o#2, %o#3, %o#4 : tensor<1x4x1x16xbf16>, tensor<1x2x64x16xi4>, tensor<1x2x64x16xf8E4M3FN>, tensor<1x2x64x1xbf16>, tensor<1x2x64x1xi8>
}
