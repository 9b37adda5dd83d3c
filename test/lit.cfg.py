# -*- Python -*-
import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "CT"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.ct_obj_root, "test")
# Unit/ has its own config (GoogleTest); Inputs/ holds data.
config.excludes = ["Inputs", "Unit", "CMakeLists.txt", "lit.cfg.py",
                   "lit.site.cfg.py"]

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%mlir_lib_dir", config.mlir_lib_dir))
config.substitutions.append(("%ct_src", config.ct_src_root))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()
# RUN lines may start with `not` or `count`: LLVM's tools go on PATH.
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

# GPU features: `nvptx` (LLVM's NVPTX target, always built in Debian's LLVM),
# `ptxas` (the CUDA toolkit was found: format=bin/fatbin assemble, the
# runtime library is built), `cuda-device` (a GPU answers nvidia-smi).
config.available_features.add("nvptx")
config.substitutions.append(("%ct_lib_dir", config.ct_lib_dir))
if config.ct_has_ptxas:
    config.available_features.add("ptxas")
    # gpu-module-to-binary finds ptxas and fatbinary on PATH.
    llvm_config.with_environment(
        "PATH", os.path.dirname(config.ct_ptxas_executable), append_path=True)
    config.substitutions.append(
        ("%ct_cuda_runtime",
         os.path.join(config.ct_lib_dir, "libct_cuda_runtime.so")))


def has_cuda_device():
    import shutil
    import subprocess

    if not shutil.which("nvidia-smi"):
        return False
    try:
        listing = subprocess.run(["nvidia-smi", "-L"], capture_output=True,
                                 text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return listing.returncode == 0 and "GPU" in listing.stdout


if config.ct_has_ptxas and has_cuda_device():
    config.available_features.add("cuda-device")

tool_dirs = [config.ct_tools_dir, config.llvm_tools_dir]
tools = ["ct-opt", "ct-run", "mlir-opt", "mlir-translate"]
llvm_config.add_tool_substitutions(tools, tool_dirs)
