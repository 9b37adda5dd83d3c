// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// The passes that make up ct's lowering pipelines (see Passes.td).

#ifndef CT_CONVERSION_PASSES_H
#define CT_CONVERSION_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace ct {

/// The attribute in which ct-prepare-c-interface records the tensor
/// signature of a public function (a TypeAttr holding its FunctionType).
inline constexpr llvm::StringLiteral kSignatureAttrName = "ct.signature";

#define GEN_PASS_DECL
#define GEN_PASS_REGISTRATION
#include "ct/Conversion/Passes.h.inc"

} // namespace ct

#endif // CT_CONVERSION_PASSES_H
