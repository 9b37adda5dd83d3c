# -*- Python -*-
# Runs the GoogleTest binaries under unittests/ so that `check-ct` counts
# every test case next to the lit tests.
import os

import lit.formats

config.name = "CT-Unit"
config.suffixes = []
config.test_exec_root = os.path.join(config.ct_obj_root, "unittests")
config.test_source_root = config.test_exec_root
config.test_format = lit.formats.GoogleTest(".", "Tests")
