// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#ifndef CT_DIALECT_CT_IR_CTOPS_H
#define CT_DIALECT_CT_IR_CTOPS_H

#include "ct/Dialect/CT/IR/CTAttrs.h"
#include "ct/Dialect/CT/IR/CTDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "ct/Dialect/CT/IR/CTOps.h.inc"

#endif // CT_DIALECT_CT_IR_CTOPS_H
