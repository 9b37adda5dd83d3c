#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# Packs what a bare GPU machine needs to run ct's GPU checks from this
# machine's build (utils/device/gpu-checks.sh runs them there): ct's tools,
# runtime library and lit configuration from build/, the LLVM/MLIR 22 shared
# libraries they link, the MLIR runner libraries, lit, FileCheck, not, count
# and mlir-runner, and the Debian libraries those need, into
# .devpack/toolchain.tar.xz (ignored by git), compressed to fit the device
# tool's 64 MiB transfer.
# libicudata is replaced by a 64-byte library defining only its data symbol:
# libxml2, which libLLVM links, never
# converts encodings here, and the real table is 31 MB.
#
#   utils/run.sh build && utils/device/pack.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
llvm=/usr/lib/llvm-22
multiarch=/usr/lib/x86_64-linux-gnu
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

build=$root/build
mkdir -p "$stage/lib" "$stage/bin" "$stage/deps" "$stage/utils" \
         "$stage/ct/bin" "$stage/ct/lib" "$stage/ct/test"
cp "$build"/bin/{ct-opt,ct-run,ct-gpu-bench} "$stage/ct/bin/"
cp "$build/lib/libct_cuda_runtime.so" "$stage/ct/lib/"
cp "$build/test/lit.site.cfg.py" "$stage/ct/test/"
for lib in libLLVM.so.22.1 libMLIR.so.22.1 libMLIRExecutionEngineShared.so.22.1 \
           libmlir_c_runner_utils.so.22.1 libmlir_runner_utils.so.22.1 \
           libmlir_float16_utils.so.22.1 libmlir_apfloat_wrappers.so.22.1; do
  cp -L "$llvm/lib/$lib" "$stage/lib/"
done
ln -s libmlir_c_runner_utils.so.22.1 "$stage/lib/libmlir_c_runner_utils.so"
ln -s libmlir_runner_utils.so.22.1 "$stage/lib/libmlir_runner_utils.so"
for tool in mlir-runner FileCheck not count lit; do
  cp -L "$llvm/bin/$tool" "$stage/bin/"
done
cp -r "$llvm/utils/lit" "$stage/utils/"
for dep in libz3.so.4 libxml2.so.2 libicuuc.so.72 libedit.so.2 libffi.so.8 \
           libbsd.so.0 libmd.so.0 libtinfo.so.6 liblzma.so.5 libzstd.so.1; do
  cp -L "$multiarch/$dep" "$stage/deps/"
done
echo 'const char icudt72_dat[64];' |
  cc -shared -fPIC -x c - -o "$stage/deps/libicudata.so.72" \
     -Wl,-soname,libicudata.so.72

mkdir -p "$root/.devpack"
grep -qx '/.devpack/' "$root/.git/info/exclude" 2>/dev/null ||
  echo '/.devpack/' >> "$root/.git/info/exclude"
tar -C "$stage" -cf - . | xz -T2 -9 > "$root/.devpack/toolchain.tar.xz"
ls -la "$root/.devpack"
