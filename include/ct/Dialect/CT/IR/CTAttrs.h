// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#ifndef CT_DIALECT_CT_IR_CTATTRS_H
#define CT_DIALECT_CT_IR_CTATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Support/LLVM.h"

#include "ct/Dialect/CT/IR/CTEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "ct/Dialect/CT/IR/CTAttrs.h.inc"

#endif // CT_DIALECT_CT_IR_CTATTRS_H
