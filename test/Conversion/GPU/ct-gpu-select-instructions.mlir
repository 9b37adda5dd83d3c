// RUN: ct-opt %s --pass-pipeline="builtin.module(gpu.module(ct-gpu-select-instructions))" | FileCheck %s

// ct-lower-quant's f32 -> float8_e4m3fn encoding ends in
// `sign | (isNaN(x) ? 0x7f : code)`; the rounded code (%code here) is replaced
// by the low byte of cvt.rn.satfinite.e4m3x2.f32(0, x), the sign kept.
// CHECK-LABEL: gpu.func @software_encoding(
// CHECK-SAME:      %[[X:.+]]: f32, %[[CODE:.+]]: i32
// CHECK-DAG:     %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG:     %[[BITS:.+]] = arith.bitcast %[[X]] : f32 to i32
// CHECK:         %[[SHIFTED:.+]] = arith.shrui %[[BITS]]
// CHECK:         %[[SIGN:.+]] = arith.andi %[[SHIFTED]], %{{.+}} : i32
// CHECK:         %[[PAIR:.+]] = nvvm.convert.f32x2.to.f8x2 %[[ZERO]], %[[X]] {rnd = #nvvm.fp_rnd_mode<rn>, sat = #nvvm.sat_mode<satfinite>} : i16(f8E4M3FN)
// CHECK:         %[[WIDE:.+]] = arith.extui %[[PAIR]] : i16 to i32
// CHECK:         %[[LOW:.+]] = arith.andi %[[WIDE]], %{{.+}} : i32
// CHECK:         %[[R:.+]] = arith.ori %[[SIGN]], %[[LOW]] : i32
// CHECK-NOT:     arith.select
// CHECK:         memref.store %[[R]]
gpu.module @kernels {
  gpu.func @software_encoding(%x: f32, %code: i32, %out: memref<1xi32>) kernel {
    %c0 = arith.constant 0 : index
    %c24 = arith.constant 24 : i32
    %c128 = arith.constant 128 : i32
    %c127 = arith.constant 127 : i32
    %abs_mask = arith.constant 2147483647 : i32
    %inf_bits = arith.constant 2139095040 : i32
    %bits = arith.bitcast %x : f32 to i32
    %shifted = arith.shrui %bits, %c24 : i32
    %sign = arith.andi %shifted, %c128 : i32
    %abs = arith.andi %bits, %abs_mask : i32
    %is_nan = arith.cmpi ugt, %abs, %inf_bits : i32
    %nan_or_code = arith.select %is_nan, %c127, %code : i32
    %encoded = arith.ori %sign, %nan_or_code : i32
    memref.store %encoded, %out[%c0] : memref<1xi32>
    gpu.return
  }

  // f32 round half to even: the LLVM intrinsic (cvt.rni), not libdevice.
  // CHECK-LABEL: gpu.func @round_even(
  // CHECK-SAME:      %[[X:.+]]: f32
  // CHECK:         %[[R:.+]] = llvm.call_intrinsic "llvm.roundeven.f32"(%[[X]]) : (f32) -> f32
  // CHECK:         memref.store %[[R]]
  gpu.func @round_even(%x: f32, %out: memref<1xf32>) kernel {
    %c0 = arith.constant 0 : index
    %r = math.roundeven %x : f32
    memref.store %r, %out[%c0] : memref<1xf32>
    gpu.return
  }

  // f32 absolute value: the LLVM intrinsic (abs.f32), not libdevice.
  // CHECK-LABEL: gpu.func @abs(
  // CHECK-SAME:      %[[X:.+]]: f32
  // CHECK:         %[[A:.+]] = llvm.call_intrinsic "llvm.fabs.f32"(%[[X]]) : (f32) -> f32
  // CHECK:         memref.store %[[A]]
  gpu.func @abs(%x: f32, %out: memref<1xf32>) kernel {
    %c0 = arith.constant 0 : index
    %a = math.absf %x : f32
    memref.store %a, %out[%c0] : memref<1xf32>
    gpu.return
  }

  // The sign of another value: not the encoding, left alone.
  // CHECK-LABEL: gpu.func @sign_of_other_value(
  // CHECK-NOT:     nvvm.convert
  // CHECK:         arith.select
  // CHECK:         arith.ori
  gpu.func @sign_of_other_value(%x: f32, %y: f32, %code: i32, %out: memref<1xi32>) kernel {
    %c0 = arith.constant 0 : index
    %c24 = arith.constant 24 : i32
    %c128 = arith.constant 128 : i32
    %c127 = arith.constant 127 : i32
    %abs_mask = arith.constant 2147483647 : i32
    %inf_bits = arith.constant 2139095040 : i32
    %y_bits = arith.bitcast %y : f32 to i32
    %shifted = arith.shrui %y_bits, %c24 : i32
    %sign = arith.andi %shifted, %c128 : i32
    %bits = arith.bitcast %x : f32 to i32
    %abs = arith.andi %bits, %abs_mask : i32
    %is_nan = arith.cmpi ugt, %abs, %inf_bits : i32
    %nan_or_code = arith.select %is_nan, %c127, %code : i32
    %encoded = arith.ori %sign, %nan_or_code : i32
    memref.store %encoded, %out[%c0] : memref<1xi32>
    gpu.return
  }
  // sqrt.rn, fma.rn and cvt.rmi through the LLVM intrinsics, not libdevice.
  // CHECK-LABEL: gpu.func @sqrt_fma_floor(
  // CHECK-SAME:      %[[X:.+]]: f32, %[[Y:.+]]: f32
  // CHECK:         %[[S:.+]] = llvm.call_intrinsic "llvm.sqrt.f32"(%[[X]]) : (f32) -> f32
  // CHECK:         %[[F:.+]] = llvm.call_intrinsic "llvm.fma.f32"(%[[X]], %[[Y]], %[[S]]) : (f32, f32, f32) -> f32
  // CHECK:         llvm.call_intrinsic "llvm.floor.f32"(%[[F]]) : (f32) -> f32
  gpu.func @sqrt_fma_floor(%x: f32, %y: f32, %out: memref<1xf32>) kernel {
    %c0 = arith.constant 0 : index
    %s = math.sqrt %x : f32
    %f = math.fma %x, %y, %s : f32
    %r = math.floor %f : f32
    memref.store %r, %out[%c0] : memref<1xf32>
    gpu.return
  }

  // RMSNorm: x^2 is one multiply, rsqrt a correctly rounded 1 / sqrt.
  // CHECK-LABEL: gpu.func @rms_norm_steps(
  // CHECK-SAME:      %[[X:.+]]: f32
  // CHECK-DAG:     %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
  // CHECK:         %[[SQ:.+]] = arith.mulf %[[X]], %[[X]] : f32
  // CHECK:         %[[S:.+]] = llvm.call_intrinsic "llvm.sqrt.f32"(%[[SQ]]) : (f32) -> f32
  // CHECK:         arith.divf %[[ONE]], %[[S]] : f32
  // CHECK-NOT:     math.
  gpu.func @rms_norm_steps(%x: f32, %out: memref<1xf32>) kernel {
    %c0 = arith.constant 0 : index
    %c2 = arith.constant 2 : i64
    %sq = math.fpowi %x, %c2 : f32, i64
    %r = math.rsqrt %sq : f32
    memref.store %r, %out[%c0] : memref<1xf32>
    gpu.return
  }

  // SiLU's exp, GELU's tanh and erf: upstream's f32 polynomials, their floor
  // and fmas as intrinsics.
  // CHECK-LABEL: gpu.func @activations(
  // CHECK-NOT:     math.exp
  // CHECK:         llvm.call_intrinsic "llvm.floor.f32"
  // CHECK:         llvm.call_intrinsic "llvm.fma.f32"
  // CHECK-NOT:     math.
  // CHECK:         gpu.return
  gpu.func @activations(%x: f32, %out: memref<3xf32>) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %e = math.exp %x : f32
    %t = math.tanh %x : f32
    %r = math.erf %x : f32
    memref.store %e, %out[%c0] : memref<3xf32>
    memref.store %t, %out[%c1] : memref<3xf32>
    memref.store %r, %out[%c2] : memref<3xf32>
    gpu.return
  }
}
