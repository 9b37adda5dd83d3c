// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#include "ct/Dialect/CT/IR/CTDialect.h"
#include "ct/Dialect/CT/IR/CTAttrs.h"
#include "ct/Dialect/CT/IR/CTOps.h"


using namespace mlir;
using namespace ct;

#include "ct/Dialect/CT/IR/CTDialect.cpp.inc"

void CTDialect::initialize() {
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "ct/Dialect/CT/IR/CTOps.cpp.inc"
      >();
}
