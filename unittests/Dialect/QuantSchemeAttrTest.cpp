// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// #ct.quant checks that the textual syntax cannot express (a group size
// without a group strategy, a block structure without the block strategy)
// but that C++ builders, such as the config reader, can.

#include "ct/Dialect/CT/IR/CTAttrs.h"
#include "ct/Dialect/CT/IR/CTDialect.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace ct;

namespace {

struct QuantSchemeAttrTest : public ::testing::Test {
  QuantSchemeAttrTest() { context.loadDialect<CTDialect>(); }

  /// Runs the attribute verifier on a scheme; returns the diagnostic text, or
  /// an empty string when the scheme is valid.
  std::string check(QuantStrategy strategy, std::optional<int64_t> groupSize,
                    ArrayRef<int64_t> block, QuantDynamic dynamic) {
    std::string message;
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
      message = diag.str();
      return success();
    });
    (void)QuantSchemeAttr::verify(
        [&] { return emitError(UnknownLoc::get(&context)); }, 8,
        QuantType::Int, true, strategy, groupSize, block, dynamic, Type(),
        Type());
    return message;
  }

  MLIRContext context;
};

TEST_F(QuantSchemeAttrTest, GroupSizeRequiresGroupStrategy) {
  EXPECT_EQ(check(QuantStrategy::Token, 128, {}, QuantDynamic::Dynamic),
            "group_size requires strategy group or tensor_group");
}

TEST_F(QuantSchemeAttrTest, BlockStructureRequiresBlockStrategy) {
  EXPECT_EQ(check(QuantStrategy::Tensor, std::nullopt, {128, 128},
                  QuantDynamic::Static),
            "block_structure requires strategy block");
}

TEST_F(QuantSchemeAttrTest, ValidSchemesPass) {
  EXPECT_EQ(check(QuantStrategy::Group, 128, {}, QuantDynamic::Dynamic), "");
  EXPECT_EQ(check(QuantStrategy::Block, std::nullopt, {128, 64},
                  QuantDynamic::Static),
            "");
}

} // namespace
