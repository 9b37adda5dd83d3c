#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# One entry point for a fresh Debian 12 machine: installs the packages ct
# needs (when missing), configures and builds incrementally, then
#   utils/run.sh example   compiles and runs the bundled example
#   utils/run.sh test      runs every lit and GoogleTest test and ends with
#                          "N passed, N failed[, N skipped]"
#   utils/run.sh bench [--quick] [ct-bench options]
#                          runs the benchmarks (BENCHMARKS.md), writes
#                          build/bench-results.csv
#   utils/run.sh build     only installs and builds (e.g. before
#                          utils/device/pack.sh)
#   utils/run.sh emulate [test.mlir ...]
#                          runs the ct-run --gpu cases of the cuda-device
#                          tests in the GPU emulator (utils/emulate_gpu.py)
#                          on this CPU
# BUILD_DIR (default: build) selects the build directory.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
llvm=/usr/lib/llvm-22
export PATH=$llvm/bin:$PATH

# ocl-icd-opencl-dev: oneDNN's CMake package asks for OpenCL, which
# libdnnl-dev only recommends.
packages=(cmake ninja-build ccache python3 clang-22 lld-22 llvm-22-dev
          llvm-22-tools libmlir-22-dev mlir-22-tools libgtest-dev libdnnl-dev
          ocl-icd-opencl-dev)

install_packages() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
      missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return
  echo "== installing: ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q \
    --no-install-recommends "${missing[@]}"
}

configure_and_build() {
  if [ ! -f "$build/build.ninja" ]; then
    cmake -G Ninja -S "$root" -B "$build" \
      -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
      -DMLIR_DIR=$llvm/lib/cmake/mlir \
      -DLLVM_EXTERNAL_LIT=$llvm/bin/lit
  fi
  ninja -C "$build"
}

run_tests() {
  local xml=$build/test-results.xml
  set +e
  lit -sv --xunit-xml-output "$xml" "$build/test" "$build/test/Unit"
  local status=$?
  set -e
  python3 - "$xml" <<'PY'
import sys
import xml.etree.ElementTree as ET
cases = ET.parse(sys.argv[1]).getroot().iter("testcase")
passed = failed = skipped = 0
for case in cases:
    if case.find("failure") is not None or case.find("error") is not None:
        failed += 1
    elif case.find("skipped") is not None:
        skipped += 1
    else:
        passed += 1
line = f"{passed} passed, {failed} failed"
print(line + (f", {skipped} skipped" if skipped else ""))
PY
  return $status
}

# The bundled example (the main job): the decoder layer of a tiny random
# Llama (RMSNorm, attention, residual, RMSNorm, SwiGLU MLP, residual) as
# torch-mlir exports it (no compressed-tensors hooks), its attention raised
# to ct.hooked_attention, configured from the config.json and
# model.safetensors compressed-tensors saved for R3 + static fp8 per-head
# KV-cache quantization, JIT-run by ct-run and compared with the library's
# own forward output (test/E2E/llama-decoder-layer.mlir, fixtures from
# utils/gen_e2e.py --decoder-layer).
run_example() {
  local dir=$root/test/E2E/Inputs cfg=r3-fp8-attn-head
  local layer=$dir/llama_layer_prefill.mlir out=$build/example.mlir
  local args=(--entry llama_layer_prefill --input "$dir/prefill.in0.npy"
              --input "$dir/prefill.in1.npy" --input "$dir/prefill.in2.npy"
              --input "$dir/prefill.in3.npy")
  echo "== $layer: HF LlamaDecoderLayer (hidden 64; RMSNorm, attention with 4 query / 2 KV heads, head_dim 16, RoPE, SDPA; RMSNorm, SwiGLU MLP 32; residuals), 8-token prefill, from torch-mlir"
  "$build/bin/ct-opt" "$layer" --ct-raise-attention -o "$build/example.raised.mlir"
  echo "== ct-raise-attention: $(grep -c 'ct.hooked_attention' "$build/example.raised.mlir") attention op(s) found"
  "$build/bin/ct-opt" "$build/example.raised.mlir" \
    --ct-apply-config="config=$dir/$cfg.config.json weights=$dir/$cfg.safetensors" -o "$out"
  echo "== ct-apply-config ($cfg.config.json + .safetensors, written by compressed-tensors):" \
    "$(grep -cE 'ct\.(hadamard|rotate) ' "$out") transform(s) (ct.hadamard/ct.rotate)," \
    "$(grep -c 'ct.fake_quantize ' "$out") quantizer(s) (ct.fake_quantize) inserted in the hooks;" \
    "IR in $out"
  echo "== compared with the library's forward output ($cfg.layer.prefill.expected.npy):"
  "$build/bin/ct-run" "$out" "${args[@]}" \
    --compare "$dir/$cfg.layer.prefill.expected.npy" --rtol 0 --atol 1e-6
  "$build/bin/ct-run" "$out" "${args[@]}" --bench 50 \
    --output "$build/example.out.npy"
  echo "== result written to $build/example.out.npy"

  # The decode step with a stored cache: ct-materialize-kv-cache turns the
  # fake-quantized float cache into fp8 codes (quantize on write, dequantize
  # on read); its remark reports the cache's bytes per token.
  local decode=$build/example.decode.mlir real=$build/example.decode.real.mlir
  echo "== $dir/llama_layer_decode.mlir: decode step with a DynamicCache of 7 tokens, cache stored quantized"
  "$build/bin/ct-opt" "$dir/llama_layer_decode.mlir" --ct-raise-attention \
    --ct-apply-config="config=$dir/$cfg.config.json weights=$dir/$cfg.safetensors" -o "$decode"
  "$build/bin/ct-opt" "$decode" --ct-materialize-kv-cache \
    --mlir-print-op-on-diagnostic=false -o "$real" 2>&1 |
    sed -n 's/.*remark: /== ct-materialize-kv-cache: /p'
  # Codes of the layer's past; its static scales are the checkpoint's.
  local past=$dir/$cfg.layer.decode scales=$dir/$cfg.decode
  "$build/bin/ct-run" "$real" --entry llama_layer_decode \
    --input "$dir/decode.in0.npy" --input "$dir/decode.in1.npy" \
    --input "$dir/decode.in2.npy" --input "$dir/decode.in3.npy" \
    --input "$past.past_k.codes.npy" --input "$past.past_v.codes.npy" \
    --output "$build/example.decode.out.npy" \
    --output "$build/example.decode.k_cache.npy" \
    --output "$build/example.decode.v_cache.npy" --bench 50
  echo "== compared with the library's decode output and caches (caches dequantized):"
  "$build/bin/ct-run" "$dir/kv-cache-dequantize.mlir" --entry fp8_attn_head_decode \
    --input "$build/example.decode.out.npy" \
    --input "$build/example.decode.k_cache.npy" \
    --input "$build/example.decode.v_cache.npy" \
    --input "$scales.past_k.scale.npy" --input "$scales.past_v.scale.npy" \
    --compare "$past.expected0.npy" --compare "$past.expected1.npy" \
    --compare "$past.expected2.npy" --rtol 0 --atol 1e-6
}

case "${1:-}" in
  example)
    install_packages
    configure_and_build
    run_example
    ;;
  test)
    install_packages
    configure_and_build
    run_tests
    ;;
  bench)
    shift
    install_packages
    configure_and_build
    exec "$build/bin/ct-bench" --csv "$build/bench-results.csv" "$@"
    ;;
  build)
    install_packages
    configure_and_build
    ;;
  emulate)
    shift
    packages+=(python3-numpy)
    install_packages
    configure_and_build
    tests=("$@")
    [ ${#tests[@]} -gt 0 ] ||
      mapfile -t tests < <(grep -l -e 'ct-run --gpu' "$root"/test/Integration/GPU/*.mlir \
                             "$root"/test/Integration/GPU/golden/*.mlir)
    # One emulator per core; each test's report is printed whole.
    printf '%s\0' "${tests[@]}" |
      xargs -0 -n 1 -P "$(nproc)" sh -c \
        'out=$(/usr/bin/python3 "$0" "$1" 2>&1); status=$?; printf "== %s\n%s\n" "$1" "$out"; exit $status' \
        "$root/utils/emulate_gpu.py"
    ;;
  *)
    echo "usage: utils/run.sh example|test|bench [--quick]|build|emulate [test.mlir ...]" >&2
    exit 2
    ;;
esac
