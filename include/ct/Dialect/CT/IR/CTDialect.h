// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#ifndef CT_DIALECT_CT_IR_CTDIALECT_H
#define CT_DIALECT_CT_IR_CTDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dialect.h"

#include "ct/Dialect/CT/IR/CTDialect.h.inc"

#endif // CT_DIALECT_CT_IR_CTDIALECT_H
