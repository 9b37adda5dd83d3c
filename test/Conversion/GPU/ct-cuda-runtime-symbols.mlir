// REQUIRES: ptxas
// RUN: ct-opt %s --ct-lower-to-nvvm="format=isa" | mlir-translate --mlir-to-llvmir -o %t.isa.ll
// RUN: ct-opt %s --ct-lower-to-nvvm="format=fatbin" | mlir-translate --mlir-to-llvmir -o %t.fatbin.ll
// RUN: cat %t.isa.ll %t.fatbin.ll | grep -o '^declare [^@]*@mgpu[A-Za-z]*' | sed 's/.*@//' | sort -u > %t.used
// RUN: FileCheck %s --check-prefix=USED < %t.used
// RUN: nm -D --defined-only %ct_cuda_runtime | awk '{print $3}' > %t.defined
// RUN: not grep -vxF -f %t.defined %t.used

// Every mgpu* function that gpu-to-llvm's host code (and the offloading
// translation's module constructors) declare for ct-lower-to-nvvm output is
// defined by libct_cuda_runtime.so (the last RUN line lists any that is not):
// PTX is loaded with mgpuModuleLoadJIT,
// cubins and fatbins with mgpuModuleLoad.
// USED:      mgpuLaunchKernel
// USED-NEXT: mgpuMemAlloc
// USED-NEXT: mgpuMemFree
// USED-NEXT: mgpuMemcpy
// USED-NEXT: mgpuModuleGetFunction
// USED-NEXT: mgpuModuleLoad
// USED-NEXT: mgpuModuleLoadJIT
// USED-NEXT: mgpuModuleUnload
// USED-NEXT: mgpuStreamCreate
// USED-NEXT: mgpuStreamDestroy
// USED-NEXT: mgpuStreamSynchronize
func.func @signed_fwht_then_fp8(%x: tensor<4x128xbf16>, %s: tensor<1xbf16>) -> tensor<4x128xbf16> {
  %r = ct.hadamard %x size(128) signs([1, -1, 1, 1, -1, 1, 1, -1, 1, 1, 1, -1, 1, -1, -1, 1,
                                       1, -1, 1, 1, -1, 1, 1, -1, 1, 1, 1, -1, 1, -1, -1, 1,
                                       1, -1, 1, 1, -1, 1, 1, -1, 1, 1, 1, -1, 1, -1, -1, 1,
                                       1, -1, 1, 1, -1, 1, 1, -1, 1, 1, 1, -1, 1, -1, -1, 1,
                                       1, -1, 1, 1, -1, 1, 1, -1, 1, 1, 1, -1, 1, -1, -1, 1,
                                       1, -1, 1, 1, -1, 1, 1, -1, 1, 1, 1, -1, 1, -1, -1, 1,
                                       1, -1, 1, 1, -1, 1, 1, -1, 1, 1, 1, -1, 1, -1, -1, 1,
                                       1, -1, 1, 1, -1, 1, 1, -1, 1, 1, 1, -1, 1, -1, -1, 1])
      : tensor<4x128xbf16>
  %q = ct.fake_quantize %r scale(%s) quant<float8>
      : (tensor<4x128xbf16>, tensor<1xbf16>) -> tensor<4x128xbf16>
  return %q : tensor<4x128xbf16>
}
