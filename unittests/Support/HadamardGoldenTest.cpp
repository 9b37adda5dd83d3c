// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Expected outputs of ct.hadamard for m·2^k sizes, which compressed-tensors
// cannot produce (it builds those orders from its own table cores, not ct's;
// docs/HadamardNotes.md). The integration test
// test/Integration/CPU/hadamard-core.mlir compares the JIT-compiled butterfly
// with the committed files; this test checks that every committed
// expectation is the dense O(n²) reference applyHadamardDense on ct's
// construction, in double, rounded to f32 — so the butterfly is checked
// against an independent formula, not against itself.
//
// Regenerate the files with
//   CT_WRITE_HADAMARD_GOLDEN=1 build/unittests/CTUnitTests \
//       --gtest_filter='HadamardCore*'

#include "ct/Support/HadamardConstruction.h"
#include "ct/Support/Npy.h"

#include "llvm/Support/Error.h"
#include "gtest/gtest.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

using namespace ct;
using namespace ct::hadamard;

namespace {

struct CoreCase {
  const char *name;
  int64_t size;
  int64_t rows;
  bool inverse;
  bool signed_;
};

// 80 = 20·4, 96 = 12·8, 112 = 28·4 (Paley I cores; head dims), 3584 = 28·128
// (a hidden size), 96 inverse with signs and 40 = 20·2 (vectors of 2 lanes).
const CoreCase kCases[] = {
    {"core80", 80, 6, false, false},
    {"core96", 96, 6, false, false},
    {"core112", 112, 6, false, false},
    {"core3584", 3584, 3, false, false},
    {"core96_inv_signed", 96, 6, true, true},
    {"core40_signed", 40, 4, false, true},
};

std::string goldenPath(const CoreCase &c, const char *what) {
  return std::string(CT_SOURCE_DIR) + "/test/Integration/CPU/golden/hadamard/" +
         c.name + "." + what + ".npy";
}

/// The signs of a signed case: s_i = -1 where (i² + 3i) mod 7 < 3, a fixed
/// pattern spelled out in hadamard-core.mlir.
std::vector<int8_t> caseSigns(const CoreCase &c) {
  std::vector<int8_t> signs;
  if (!c.signed_)
    return signs;
  for (int64_t i = 0; i < c.size; ++i)
    signs.push_back((i * i + 3 * i) % 7 < 3 ? -1 : 1);
  return signs;
}

NpyArray floatArray(std::vector<int64_t> shape, const std::vector<float> &v) {
  NpyArray array;
  array.descr = "<f4";
  array.shape = std::move(shape);
  array.data.resize(v.size() * sizeof(float));
  std::memcpy(array.data.data(), v.data(), array.data.size());
  return array;
}

std::vector<float> floats(const NpyArray &array) {
  std::vector<float> v(array.numElements());
  std::memcpy(v.data(), array.data.data(), v.size() * sizeof(float));
  return v;
}

/// applyHadamardDense on every row of `input`, rounded to f32.
std::vector<float> reference(const CoreCase &c, const std::vector<float> &x) {
  std::optional<SignMatrix> matrix = buildHadamardMatrix(c.size);
  EXPECT_TRUE(matrix.has_value());
  std::vector<int8_t> signs = caseSigns(c);
  std::vector<float> y;
  for (int64_t r = 0; r < c.rows; ++r) {
    std::vector<double> row(x.begin() + r * c.size,
                            x.begin() + (r + 1) * c.size);
    for (double v : applyHadamardDense(*matrix, signs, c.inverse, row))
      y.push_back(static_cast<float>(v));
  }
  return y;
}

class HadamardCoreGoldenTest : public ::testing::TestWithParam<CoreCase> {};

TEST_P(HadamardCoreGoldenTest, MatchesDenseReference) {
  const CoreCase &c = GetParam();
  if (std::getenv("CT_WRITE_HADAMARD_GOLDEN")) {
    std::mt19937 engine(static_cast<uint32_t>(c.size * 31 + c.inverse));
    std::normal_distribution<float> normal;
    std::vector<float> x(c.rows * c.size);
    for (float &v : x)
      v = normal(engine);
    ASSERT_FALSE(llvm::errorToBool(
        writeNpy(goldenPath(c, "x"), floatArray({c.rows, c.size}, x))));
    ASSERT_FALSE(llvm::errorToBool(writeNpy(
        goldenPath(c, "expected"), floatArray({c.rows, c.size}, reference(c, x)))));
  }
  llvm::Expected<NpyArray> x = readNpy(goldenPath(c, "x"));
  ASSERT_TRUE(bool(x)) << llvm::toString(x.takeError());
  llvm::Expected<NpyArray> expected = readNpy(goldenPath(c, "expected"));
  ASSERT_TRUE(bool(expected)) << llvm::toString(expected.takeError());
  ASSERT_EQ(x->shape, (std::vector<int64_t>{c.rows, c.size}));
  ASSERT_EQ(expected->shape, x->shape);
  std::vector<float> want = reference(c, floats(*x));
  std::vector<float> got = floats(*expected);
  for (size_t i = 0; i < want.size(); ++i)
    ASSERT_EQ(got[i], want[i]) << c.name << " element " << i;
}

INSTANTIATE_TEST_SUITE_P(
    Golden, HadamardCoreGoldenTest, ::testing::ValuesIn(kCases),
    [](const ::testing::TestParamInfo<CoreCase> &info) {
      return std::string(info.param.name);
    });

} // namespace
