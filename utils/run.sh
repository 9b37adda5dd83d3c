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
# BUILD_DIR (default: build) selects the build directory.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
llvm=/usr/lib/llvm-22
export PATH=$llvm/bin:$PATH

packages=(cmake ninja-build ccache python3 clang-22 lld-22 llvm-22-dev
          llvm-22-tools libmlir-22-dev mlir-22-tools libgtest-dev libdnnl-dev)

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

# The bundled example: scaled dot-product attention in linalg on tensors, as a
# front end emits it, lowered by ct-lower-to-llvm and JIT-run by ct-run on
# .npy inputs; checked against NumPy and timed.
run_example() {
  local example=$root/test/Integration/CPU/attention.mlir
  local inputs=$root/test/Integration/CPU/Inputs/attention
  local args=(--entry attention --input "$inputs.q.npy" --input "$inputs.k.npy"
              --input "$inputs.v.npy" --input "$inputs.scale.npy")
  echo "== $example: softmax(Q·Kᵀ·scale)·V, Q/K/V [1, 2, 8, 16] f32"
  echo "== lowered with: ct-opt --ct-lower-to-llvm ($(
    "$build/bin/ct-opt" "$example" --ct-lower-to-llvm | grep -c 'llvm.func') LLVM functions)"
  echo "== compared with NumPy (test/Integration/CPU/Inputs/attention.expected.npy):"
  "$build/bin/ct-run" "$example" "${args[@]}" \
    --compare "$inputs.expected.npy" --rtol 1e-4 --atol 1e-6
  "$build/bin/ct-run" "$example" "${args[@]}" --bench 50 \
    --output "$build/attention.out.npy"
  echo "== result written to $build/attention.out.npy"
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
  *)
    echo "usage: utils/run.sh example|test|bench [--quick]" >&2
    exit 2
    ;;
esac
