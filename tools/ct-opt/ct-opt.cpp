// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// ct-opt: mlir-opt with the ct dialect, its passes and pipelines registered
// next to every upstream dialect and pass, so that ct IR can be mixed with
// whatever a front end emits.

#include "ct/Conversion/Pipelines.h"
#include "ct/Dialect/CT/IR/CTDialect.h"
#include "ct/Dialect/CT/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  ct::registerPipelines();
  ct::registerCTTransformsPasses();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  registry.insert<ct::CTDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "ct optimizer driver\n", registry));
}
