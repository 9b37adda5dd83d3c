#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# ct's GPU checks on a bare CUDA machine (one H200 lent by the device tool),
# from the repository root, with what utils/device/pack.sh packed here: the
# `cuda-device` lit tests (test/Integration/GPU: golden numerics, FWHT and
# quantization against the CPU path, attention), then ct-gpu-bench. Builds
# nothing. Logs and CSVs go to $OUT. (The GPU FileCheck tests need no GPU and
# mlir-translate, which is not packed: they run in CI.)
#
#   [CT_BENCH_ARGS="--filter fwht"] [CT_LIT_TIMEOUT=s] [CT_BENCH_TIMEOUT=s] \
#     utils/device/gpu-checks.sh [lit paths...]
set -uo pipefail
root=$(pwd)
out=${OUT:-$root/device-out}
mkdir -p "$out"
read -r -a bench_flags <<< "${CT_BENCH_ARGS:-}"
lit_paths=("$@")
[ ${#lit_paths[@]} -gt 0 ] || lit_paths=(build/test/Integration/GPU)

step() { echo; echo "== $* ($(date +%T))"; }

step unpacking
llvm=/usr/lib/llvm-22
pack=$(mktemp -d)
tar -C "$pack" -xJf .devpack/toolchain.tar.xz || exit 1
mkdir -p "$llvm" build/bin build/lib build/test
cp -a "$pack"/lib "$pack"/bin "$pack"/utils "$pack"/deps "$llvm"/
cp -a "$pack"/ct/bin/. build/bin/
cp -a "$pack"/ct/lib/. build/lib/
cp -a "$pack"/ct/test/. build/test/
# The tools and lit.site.cfg.py name the build folder of the packing machine.
if [ "$root" != /work/main ]; then
  mkdir -p /work && ln -sfn "$root" /work/main
fi
export LD_LIBRARY_PATH=$llvm/deps:/usr/local/nvidia/lib64:/usr/local/nvidia/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
cuda_bin=$(dirname "$(command -v ptxas || ls /usr/local/cuda*/bin/ptxas | head -1)")
export PATH=$llvm/bin:$cuda_bin:/usr/local/nvidia/bin:$PATH
export CUDA_HOME=${CUDA_HOME:-$(dirname "$cuda_bin")}

step environment
{ nvidia-smi -L; command -v ptxas; ptxas --version | tail -1; echo "CUDA_HOME=$CUDA_HOME"
  ldd build/bin/ct-run build/lib/libct_cuda_runtime.so \
      "$llvm"/lib/libmlir_c_runner_utils.so "$llvm"/lib/libmlir_runner_utils.so |
    grep 'not found'
  python3 --version; } 2>&1 | tee "$out/env.log"

step smoke test: ct-run --gpu
printf 'func.func @f(%%x: tensor<4x64xf32>) -> tensor<4x64xf32> {\n  %%y = ct.hadamard %%x size(64) : tensor<4x64xf32>\n  return %%y : tensor<4x64xf32>\n}\n' > "$out/smoke.mlir"
python3 -c "import numpy as np; np.save('$out/smoke.npy', np.eye(4, 64, dtype=np.float32))"
timeout 120 build/bin/ct-run --gpu "$out/smoke.mlir" --entry f --input "$out/smoke.npy" 2>&1 | head -4

step "lit ${lit_paths[*]}"
timeout ${CT_LIT_TIMEOUT:-200} python3 "$llvm/bin/lit" -sv -j "$(nproc)" --timeout 120 \
  --xunit-xml-output "$out/lit.xml" "${lit_paths[@]}" 2>&1 | tee "$out/lit.log" |
  grep -E '^(PASS|FAIL|XPASS|UNRESOLVED|TIMEOUT|  Passed|  Failed|  Unsupported|Total)|error:' | head -150

step ct-gpu-bench
timeout ${CT_BENCH_TIMEOUT:-150} build/bin/ct-gpu-bench ${bench_flags[@]+"${bench_flags[@]}"} --csv "$out/gpu-bench.csv" 2>&1 |
  tee "$out/bench.log"
step done
