// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Tests for ct::hadamard: every constructed matrix is a Hadamard matrix
// (±1, H·Hᵀ = n·I), sizes factor as documented, and the butterfly reference
// the lowerings mirror agrees with the dense definition.

#include "ct/Support/HadamardConstruction.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstdint>
#include <random>

using namespace ct::hadamard;

namespace {

/// Checks H·Hᵀ = n·I exactly, with rows packed as bits (1 for -1) so that a
/// row dot product is n - 2·popcount(a xor b); affordable up to n = 4096.
::testing::AssertionResult isHadamardDense(const SignMatrix &h) {
  int64_t n = h.order, words = (n + 63) / 64;
  if (int64_t(h.entries.size()) != n * n)
    return ::testing::AssertionFailure() << "matrix has wrong entry count";
  std::vector<uint64_t> bits(n * words, 0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      int8_t v = h.at(i, j);
      if (v != 1 && v != -1)
        return ::testing::AssertionFailure()
               << "entry (" << i << ", " << j << ") = " << int(v);
      if (v < 0)
        bits[i * words + j / 64] |= uint64_t(1) << (j % 64);
    }
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = i + 1; k < n; ++k) {
      int64_t differing = 0;
      for (int64_t w = 0; w < words; ++w)
        differing +=
            __builtin_popcountll(bits[i * words + w] ^ bits[k * words + w]);
      if (n - 2 * differing != 0)
        return ::testing::AssertionFailure()
               << "rows " << i << " and " << k << " of order " << n
               << " have dot product " << n - 2 * differing;
    }
  return ::testing::AssertionSuccess();
}

/// For orders too large to materialize: random row pairs of the factored
/// matrix are orthogonal and every row has norm n.
::testing::AssertionResult isHadamardSampled(const KroneckerHadamard &h,
                                             int samples) {
  std::mt19937_64 rng(h.order());
  int64_t n = h.order();
  for (int s = 0; s < samples; ++s) {
    int64_t i = rng() % n, k = rng() % n;
    int64_t dot = 0;
    for (int64_t j = 0; j < n; ++j)
      dot += h.at(i, j) * h.at(k, j);
    if (dot != (i == k ? n : 0))
      return ::testing::AssertionFailure()
             << "rows " << i << " and " << k << " have dot product " << dot;
  }
  return ::testing::AssertionSuccess();
}

KroneckerHadamard buildOrDie(int64_t n) {
  std::string why;
  std::optional<KroneckerHadamard> h = buildKroneckerHadamard(n, &why);
  EXPECT_TRUE(h.has_value()) << why;
  return h ? *h : KroneckerHadamard{SignMatrix{1, {1}}, 0};
}

std::vector<double> randomRow(int64_t length, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> dist(-2.0, 2.0);
  std::vector<double> row(length);
  for (double &v : row)
    v = dist(rng);
  return row;
}

std::vector<int8_t> randomSigns(int64_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::vector<int8_t> signs(n);
  for (int8_t &s : signs)
    s = (rng() & 1) ? 1 : -1;
  return signs;
}

void expectNear(const std::vector<double> &actual,
                const std::vector<double> &expected, double tolerance) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i)
    ASSERT_NEAR(actual[i], expected[i], tolerance) << "at index " << i;
}

TEST(HadamardConstruction, SylvesterFollowsTheLibraryRecursion) {
  // deterministic_hadamard_matrix: H_2n = [[H, H], [H, -H]].
  for (unsigned k = 0; k < 8; ++k) {
    SignMatrix h = buildSylvesterMatrix(k), next = buildSylvesterMatrix(k + 1);
    int64_t n = h.order;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j) {
        EXPECT_EQ(next.at(i, j), h.at(i, j));
        EXPECT_EQ(next.at(i, j + n), h.at(i, j));
        EXPECT_EQ(next.at(i + n, j), h.at(i, j));
        EXPECT_EQ(next.at(i + n, j + n), -h.at(i, j));
      }
  }
}

TEST(HadamardConstruction, PowersOfTwoAreHadamard) {
  for (unsigned k = 0; k <= 14; ++k) {
    int64_t n = int64_t(1) << k;
    std::string why;
    std::optional<HadamardFactorization> f = factorizeHadamardSize(n, &why);
    ASSERT_TRUE(f) << why;
    EXPECT_EQ(f->coreOrder, 1);
    EXPECT_EQ(f->log2PowerOfTwo, k);
    EXPECT_EQ(f->construction, CoreConstruction::Trivial);
    KroneckerHadamard h = buildOrDie(n);
    if (k <= 12)
      EXPECT_TRUE(isHadamardDense(buildSylvesterMatrix(k))) << "n = " << n;
    else
      EXPECT_TRUE(isHadamardSampled(h, 64)) << "n = " << n;
    for (int64_t i = 0; i < n; i += n / 8 + 1)
      for (int64_t j = 0; j < n; j += 7)
        ASSERT_EQ(h.at(i, j), __builtin_popcountll(i & j) % 2 ? -1 : 1);
  }
}

struct CoreCase {
  int64_t m;
  CoreConstruction construction;
};

TEST(HadamardConstruction, CoreOrdersUseTheExpectedConstruction) {
  const CoreCase cases[] = {
      {12, CoreConstruction::PaleyI},          // q = 11
      {20, CoreConstruction::PaleyI},          // q = 19
      {28, CoreConstruction::PaleyI},          // q = 27 = 3^3
      {36, CoreConstruction::PaleyII},         // q = 17
      {44, CoreConstruction::PaleyI},          // q = 43
      {52, CoreConstruction::PaleyII},         // q = 25 = 5^2
      {60, CoreConstruction::PaleyI},          // q = 59
      {108, CoreConstruction::PaleyI},         // q = 107
      {148, CoreConstruction::PaleyII},        // q = 73
      {156, CoreConstruction::GoethalsSeidel}, // 4·39
      {172, CoreConstruction::GoethalsSeidel}, // 4·43
  };
  for (const CoreCase &c : cases) {
    std::string why;
    std::optional<HadamardFactorization> f = factorizeHadamardSize(c.m, &why);
    ASSERT_TRUE(f) << why;
    EXPECT_EQ(f->coreOrder, c.m);
    EXPECT_EQ(f->log2PowerOfTwo, 0u);
    EXPECT_EQ(f->construction, c.construction)
        << "m = " << c.m << ": " << getCoreConstructionName(f->construction);
    std::optional<SignMatrix> core = buildHadamardCore(c.m, &why);
    ASSERT_TRUE(core) << why;
    EXPECT_EQ(core->order, c.m);
    EXPECT_TRUE(isHadamardDense(*core)) << "m = " << c.m;
  }
}

TEST(HadamardConstruction, EveryCoreOrderUpTo256IsHadamard) {
  // Exercises all prime powers and field degrees the Paley paths meet.
  for (int64_t m = 4; m <= 256; m += 4) {
    std::optional<HadamardFactorization> f = factorizeHadamardSize(m);
    if (!f || f->coreOrder != m)
      continue;
    std::optional<SignMatrix> core = buildHadamardCore(m);
    ASSERT_TRUE(core);
    EXPECT_TRUE(isHadamardDense(*core))
        << "m = " << m << " (" << getCoreConstructionName(f->construction)
        << ")";
  }
}

struct ModelSize {
  int64_t n;
  int64_t coreOrder;
  unsigned log2PowerOfTwo;
};

TEST(HadamardConstruction, ModelSizesFactorWithTheLargestPowerOfTwo) {
  const ModelSize cases[] = {
      {40, 20, 1},     {80, 20, 2},     {96, 12, 3},     {112, 28, 2},
      {3584, 28, 7},   {11008, 172, 6}, {13824, 108, 7}, {14336, 28, 9},
      {18944, 148, 7}, {24, 12, 1},     {4096, 1, 12},   {368, 368, 0},
  };
  for (const ModelSize &c : cases) {
    std::string why;
    std::optional<HadamardFactorization> f = factorizeHadamardSize(c.n, &why);
    ASSERT_TRUE(f) << "n = " << c.n << ": " << why;
    EXPECT_EQ(f->size, c.n);
    EXPECT_EQ(f->coreOrder, c.coreOrder) << "n = " << c.n;
    EXPECT_EQ(f->log2PowerOfTwo, c.log2PowerOfTwo) << "n = " << c.n;
    EXPECT_TRUE(isConstructibleHadamardSize(c.n));
  }
}

TEST(HadamardConstruction, ModelSizesAreHadamard) {
  for (int64_t n : {40, 80, 96, 112, 156 * 2, 172 * 4, 3584}) {
    std::string why;
    std::optional<SignMatrix> h = buildHadamardMatrix(n, &why);
    ASSERT_TRUE(h) << why;
    EXPECT_TRUE(isHadamardDense(*h)) << "n = " << n;
  }
  for (int64_t n : {11008, 13824, 14336, 18944})
    EXPECT_TRUE(isHadamardSampled(buildOrDie(n), 48)) << "n = " << n;
}

TEST(HadamardConstruction, KroneckerOrderIsCoreIndexMostSignificant) {
  // Row r = a·2^k + b with a the H_m index: T = H_m ⊗ H_{2^k}.
  for (int64_t n : {112, 3584}) {
    KroneckerHadamard factored = buildOrDie(n);
    SignMatrix dense = factored.materialize();
    SignMatrix core = factored.core;
    SignMatrix sylvester = buildSylvesterMatrix(factored.log2PowerOfTwo);
    int64_t inner = sylvester.order;
    for (int64_t a = 0; a < core.order; ++a)
      for (int64_t c = 0; c < core.order; ++c)
        for (int64_t b = 0; b < inner; ++b)
          for (int64_t d = 0; d < inner; ++d)
            ASSERT_EQ(dense.at(a * inner + b, c * inner + d),
                      core.at(a, c) * sylvester.at(b, d))
                << "n = " << n;
  }
}

TEST(HadamardConstruction, ImpossibleSizesSayWhy) {
  std::string why;
  EXPECT_FALSE(isConstructibleHadamardSize(6, &why));
  EXPECT_NE(why.find("size 6"), std::string::npos) << why;
  EXPECT_NE(why.find("multiples of 4"), std::string::npos) << why;
  EXPECT_NE(why.find("supported Hadamard sizes"), std::string::npos) << why;

  // 92 = 4·23 and 184 = 8·23: 91, 183 and 45 are not prime powers.
  for (int64_t n : {92, 184}) {
    EXPECT_FALSE(isConstructibleHadamardSize(n, &why));
    EXPECT_NE(why.find("size " + std::to_string(n)), std::string::npos) << why;
    EXPECT_FALSE(buildKroneckerHadamard(n).has_value());
    EXPECT_FALSE(buildHadamardMatrix(n).has_value());
  }
  EXPECT_FALSE(isConstructibleHadamardSize(0, &why));
  EXPECT_NE(why.find("positive"), std::string::npos) << why;

  // A constructible size that is not itself a core order.
  EXPECT_FALSE(buildHadamardCore(24, &why).has_value());
  EXPECT_NE(why.find("12·2^1"), std::string::npos) << why;
}

TEST(HadamardReference, SemanticsWorkedValue) {
  // SEMANTICS.md §6: [1, 2, 3, 4] · H_4 / 2 = [5, -1, -2, 0].
  KroneckerHadamard h = buildOrDie(4);
  std::vector<double> x = {1, 2, 3, 4}, expected = {5, -1, -2, 0};
  expectNear(applyHadamardDense(h.materialize(), {}, false, x), expected,
             1e-12);
  expectNear(applyHadamardButterfly(h, {}, false, x), expected, 1e-12);
}

TEST(HadamardReference, RotationPreservesDotProducts) {
  // SEMANTICS.md §6, R3 invariance: (qH)·(kH) = q·k = 4.5.
  KroneckerHadamard h = buildOrDie(4);
  std::vector<double> q = applyHadamardButterfly(h, {}, false, {1, 2, 3, 4});
  std::vector<double> k = applyHadamardButterfly(h, {}, false, {0.5, -1, 2, 0});
  double dot = 0;
  for (int i = 0; i < 4; ++i)
    dot += q[i] * k[i];
  EXPECT_NEAR(dot, 4.5, 1e-12);
}

TEST(HadamardReference, SignedDenseIsRowTimesSignedMatrix) {
  // W = diag(s)·H; forward is x·W / sqrt(n), inverse x·Wᵀ / sqrt(n).
  int64_t n = 12;
  SignMatrix h = buildOrDie(n).materialize();
  std::vector<int8_t> s = randomSigns(n, 1);
  std::vector<double> x = randomRow(2 * n, 2);
  for (bool inverse : {false, true}) {
    std::vector<double> expected(2 * n, 0.0);
    for (int64_t blk = 0; blk < 2; ++blk)
      for (int64_t j = 0; j < n; ++j)
        for (int64_t i = 0; i < n; ++i) {
          double w = inverse ? s[j] * h.at(j, i) : s[i] * h.at(i, j);
          expected[blk * n + j] += x[blk * n + i] * w / std::sqrt(12.0);
        }
    expectNear(applyHadamardDense(h, s, inverse, x), expected, 1e-12);
  }
}

TEST(HadamardReference, ButterflyMatchesDense) {
  unsigned seed = 0;
  for (int64_t n :
       {1, 2, 4, 12, 20, 28, 40, 64, 80, 96, 112, 128, 156, 172, 344, 1024}) {
    KroneckerHadamard factored = buildOrDie(n);
    SignMatrix dense = factored.materialize();
    std::vector<double> x = randomRow(3 * n, ++seed);
    for (bool withSigns : {false, true})
      for (bool inverse : {false, true}) {
        std::vector<int8_t> s =
            withSigns ? randomSigns(n, ++seed) : std::vector<int8_t>();
        SCOPED_TRACE("n = " + std::to_string(n) + (withSigns ? " signed" : "") +
                     (inverse ? " inverse" : ""));
        expectNear(applyHadamardButterfly(factored, s, inverse, x),
                   applyHadamardDense(dense, s, inverse, x), 1e-9);
      }
  }
}

TEST(HadamardReference, InverseUndoesForward) {
  unsigned seed = 100;
  for (int64_t n : {4, 12, 80, 96, 112, 128, 156, 172, 3584, 11008, 18944}) {
    KroneckerHadamard h = buildOrDie(n);
    std::vector<int8_t> s = randomSigns(n, ++seed);
    std::vector<double> x = randomRow(2 * n, ++seed);
    std::vector<double> y = applyHadamardButterfly(h, s, false, x);
    SCOPED_TRACE("n = " + std::to_string(n));
    expectNear(applyHadamardButterfly(h, s, true, y), x, 1e-9);
    // An orthogonal map keeps the norm.
    double xx = 0, yy = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      xx += x[i] * x[i];
      yy += y[i] * y[i];
    }
    EXPECT_NEAR(xx, yy, 1e-9 * xx);
  }
}

} // namespace
