// REQUIRES: !cuda-device
// Without a usable GPU, ct-run --gpu says why instead of crashing: no runtime
// library (ct built without the CUDA toolkit), no driver (libcuda.so.1), or
// no device.
// RUN: not ct-run --gpu %s --entry f --input %S/Inputs/fwht.x.npy 2>&1 | FileCheck %s
// CHECK: ct-run: error: {{ct was built without the CUDA toolkit|cannot load the GPU runtime library .* \(running on a GPU needs the NVIDIA driver's libcuda.so.1\)|no usable CUDA GPU: .+}}

func.func @f(%x: tensor<3x8192xf32>) -> tensor<3x8192xf32> {
  %y = ct.hadamard %x size(64) : tensor<3x8192xf32>
  return %y : tensor<3x8192xf32>
}
