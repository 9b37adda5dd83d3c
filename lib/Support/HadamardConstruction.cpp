// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Constructions behind ct::hadamard: Sylvester, Paley I and II over GF(p^k),
// and the Goethals–Seidel array for the few core orders Paley cannot reach.
// Every matrix built here is checked for H·Hᵀ = n·I by the unit tests.

#include "ct/Support/HadamardConstruction.h"

#include <cassert>
#include <cmath>
#include <sstream>

namespace ct {
namespace hadamard {

namespace {

/// Core orders above this are rejected: a Paley core costs O(m²) to build and
/// no model dimension needs one this large (they are m·2^k with small m).
constexpr int64_t kMaxCoreOrder = 4096;

/// Returns p when q = p^k for a prime p and k ≥ 1, else 0.
int64_t primeOfPrimePower(int64_t q) {
  if (q < 2)
    return 0;
  int64_t p = q;
  for (int64_t d = 2; d * d <= q; ++d) {
    if (q % d == 0) {
      p = d;
      break;
    }
  }
  while (q % p == 0)
    q /= p;
  return q == 1 ? p : 0;
}

bool isPaleyIOrder(int64_t m) {
  return m % 4 == 0 && primeOfPrimePower(m - 1) != 0;
}

bool isPaleyIIOrder(int64_t m) {
  return m % 8 == 4 && primeOfPrimePower(m / 2 - 1) != 0;
}

/// Williamson matrices of order 13 (symmetric circulants A, B, C, D with
/// A² + B² + C² + D² = 52·I), found by exhaustive search over symmetric
/// first rows; '+' is +1, '-' is -1.
constexpr const char *kWilliamson13[4] = {"++++-+--+-+++", "++---+--+---+",
                                          "++---+--+---+", "+---+-++-+---"};

/// First rows of four circulant ±1 matrices of order 43 whose periodic
/// autocorrelations sum to zero at every nonzero shift (Goethals–Seidel
/// sequences). Each is constant on the cyclotomic classes of order 6 of
/// GF(43) (cosets of the multiplicative subgroup of order 7), which leaves
/// 7 bits per sequence; found by a meet-in-the-middle search of that space.
constexpr const char *kGoethalsSeidel43[4] = {
    "++++++--+--++---+--++++----+----++-+-+-+-++",
    "+++-+--++--+----+-+--++---+++++-+-++---+-++",
    "+++-+--++--+----+-+--++---+++++-+-++---+-++",
    "++--+--+---+----+-+--+----+-+++---++-----+-"};

std::vector<int8_t> parseSigns(const char *text) {
  std::vector<int8_t> signs;
  for (const char *c = text; *c; ++c)
    signs.push_back(*c == '+' ? 1 : -1);
  return signs;
}

std::vector<std::vector<int8_t>> buildGoethalsSeidel43Rows() {
  std::vector<std::vector<int8_t>> rows;
  for (const char *row : kGoethalsSeidel43)
    rows.push_back(parseSigns(row));
  return rows;
}

/// First rows of four commuting circulant matrices X1..X4 of order 39 with
/// Σ Xi·Xiᵀ = 156·I. Cooper–Seberry–Turyn: the T-matrices of order 3 (I, the
/// cyclic shift P and P², and 0) combined with the Williamson matrices of
/// order 13 in the quaternion pattern
///   X1 =  T1⊗A + T2⊗B + T3⊗C,   X2 = -T1⊗B + T2⊗A + T3⊗D,
///   X3 = -T1⊗C - T2⊗D + T3⊗A,   X4 = -T1⊗D + T2⊗C - T3⊗B,
/// which are group-developed over Z3 × Z13 ≅ Z39 (index g ↦ (g mod 3,
/// g mod 13)), hence circulant of order 39.
std::vector<std::vector<int8_t>> buildGoethalsSeidel39Rows() {
  std::vector<int8_t> a = parseSigns(kWilliamson13[0]);
  std::vector<int8_t> b = parseSigns(kWilliamson13[1]);
  std::vector<int8_t> c = parseSigns(kWilliamson13[2]);
  std::vector<int8_t> d = parseSigns(kWilliamson13[3]);
  // pattern[i][t] = (sign, Williamson matrix) of Xi's T_{t+1} term.
  struct Term {
    int sign;
    const std::vector<int8_t> *w;
  };
  const Term pattern[4][3] = {{{1, &a}, {1, &b}, {1, &c}},
                              {{-1, &b}, {1, &a}, {1, &d}},
                              {{-1, &c}, {-1, &d}, {1, &a}},
                              {{-1, &d}, {1, &c}, {-1, &b}}};
  std::vector<std::vector<int8_t>> rows(4, std::vector<int8_t>(39));
  for (int i = 0; i < 4; ++i)
    for (int g = 0; g < 39; ++g) {
      const Term &term = pattern[i][g % 3];
      rows[i][g] = static_cast<int8_t>(term.sign * (*term.w)[g % 13]);
    }
  return rows;
}

/// The Goethals–Seidel array
///   [  A     BR    CR    DR  ]
///   [ -BR    A     DᵀR  -CᵀR ]
///   [ -CR   -DᵀR   A     BᵀR ]
///   [ -DR    CᵀR  -BᵀR   A   ]
/// for circulants A..D of order w (given by first rows) with
/// Σ XXᵀ = 4w·I, R the back-diagonal permutation.
SignMatrix
buildGoethalsSeidelArray(const std::vector<std::vector<int8_t>> &firstRows) {
  int64_t w = static_cast<int64_t>(firstRows[0].size());
  // circ(i, r, c) = X_i[r][c]; with R, (X·R)[r][c] = X[r][w-1-c] and
  // (Xᵀ·R)[r][c] = X[w-1-c][r].
  auto circ = [&](int i, int64_t r, int64_t c) {
    return firstRows[i][((c - r) % w + w) % w];
  };
  // Block (bi, bj) as (matrix index, sign, transposed, times R).
  struct Block {
    int index;
    int sign;
    bool transposed;
    bool timesR;
  };
  const Block blocks[4][4] = {{{0, 1, false, false},
                               {1, 1, false, true},
                               {2, 1, false, true},
                               {3, 1, false, true}},
                              {{1, -1, false, true},
                               {0, 1, false, false},
                               {3, 1, true, true},
                               {2, -1, true, true}},
                              {{2, -1, false, true},
                               {3, -1, true, true},
                               {0, 1, false, false},
                               {1, 1, true, true}},
                              {{3, -1, false, true},
                               {2, 1, true, true},
                               {1, -1, true, true},
                               {0, 1, false, false}}};
  SignMatrix h;
  h.order = 4 * w;
  h.entries.resize(h.order * h.order);
  for (int64_t row = 0; row < h.order; ++row)
    for (int64_t col = 0; col < h.order; ++col) {
      const Block &blk = blocks[row / w][col / w];
      int64_t r = row % w, c = col % w;
      if (blk.timesR)
        c = w - 1 - c;
      int8_t x = blk.transposed ? circ(blk.index, c, r) : circ(blk.index, r, c);
      h.entries[row * h.order + col] = static_cast<int8_t>(blk.sign * x);
    }
  return h;
}

/// GF(p^k) with elements encoded as integers whose base-p digits are the
/// coefficients of a polynomial modulo a monic irreducible of degree k.
/// Only what Paley needs: subtraction and the quadratic character.
class FiniteField {
public:
  FiniteField(int64_t p, int64_t q) : p(p), q(q) {
    for (int64_t v = q; v > 1; v /= p)
      ++degree;
    modulus = findIrreducible();
    isSquare.assign(q, false);
    for (int64_t x = 1; x < q; ++x)
      isSquare[multiply(x, x)] = true;
  }

  int64_t size() const { return q; }

  int64_t subtract(int64_t a, int64_t b) const {
    int64_t result = 0, place = 1;
    for (int i = 0; i < degree; ++i, a /= p, b /= p, place *= p)
      result += ((a % p - b % p + p) % p) * place;
    return result;
  }

  /// Quadratic character: 0 for 0, 1 for nonzero squares, -1 otherwise.
  int chi(int64_t a) const { return a == 0 ? 0 : (isSquare[a] ? 1 : -1); }

private:
  using Poly = std::vector<int64_t>; // coefficients, lowest degree first

  Poly digits(int64_t a) const {
    Poly poly(degree);
    for (int i = 0; i < degree; ++i, a /= p)
      poly[i] = a % p;
    return poly;
  }

  /// Remainder of `num` modulo the monic `den`, in place.
  void reduce(Poly &num, const Poly &den) const {
    int64_t d = static_cast<int64_t>(den.size()) - 1;
    for (int64_t i = static_cast<int64_t>(num.size()) - 1; i >= d; --i) {
      int64_t factor = num[i] % p;
      if (factor == 0)
        continue;
      for (int64_t j = 0; j <= d; ++j)
        num[i - d + j] = ((num[i - d + j] - factor * den[j]) % p + p) % p;
    }
  }

  int64_t multiply(int64_t a, int64_t b) const {
    Poly x = digits(a), y = digits(b), product(2 * degree, 0);
    for (int i = 0; i < degree; ++i)
      for (int j = 0; j < degree; ++j)
        product[i + j] = (product[i + j] + x[i] * y[j]) % p;
    reduce(product, modulus);
    int64_t result = 0;
    for (int i = degree - 1; i >= 0; --i)
      result = result * p + product[i];
    return result;
  }

  /// Monic polynomial of `deg` whose lower coefficients are the digits of
  /// `code`.
  Poly monic(int64_t code, int deg) const {
    Poly poly(deg + 1, 0);
    for (int i = 0; i < deg; ++i, code /= p)
      poly[i] = code % p;
    poly[deg] = 1;
    return poly;
  }

  /// The first monic polynomial of degree k with no monic factor of degree
  /// 1..k/2 (trial division; q is at most kMaxCoreOrder).
  Poly findIrreducible() const {
    int64_t count = 1;
    for (int i = 0; i < degree; ++i)
      count *= p;
    for (int64_t code = 0; code < count; ++code) {
      Poly candidate = monic(code, degree);
      bool irreducible = true;
      for (int deg = 1; irreducible && 2 * deg <= degree; ++deg) {
        int64_t divisors = 1;
        for (int i = 0; i < deg; ++i)
          divisors *= p;
        for (int64_t d = 0; irreducible && d < divisors; ++d) {
          Poly remainder = candidate;
          reduce(remainder, monic(d, deg));
          bool zero = true;
          for (int i = 0; i < deg; ++i)
            zero &= remainder[i] == 0;
          irreducible = !zero;
        }
      }
      if (irreducible)
        return candidate;
    }
    assert(false && "every degree has an irreducible polynomial");
    return {};
  }

  int64_t p, q;
  int degree = 0;
  Poly modulus;
  std::vector<bool> isSquare;
};

/// Jacobsthal-bordered core of order q + 1: S[0][0] = 0, S[0][j] = 1,
/// S[i][0] = ε (ε = -1 gives a skew core for q ≡ 3 mod 4, ε = 1 a symmetric
/// conference matrix for q ≡ 1 mod 4), S[i][j] = χ(x_i - x_j).
std::vector<int8_t> buildBorderedJacobsthal(const FiniteField &field,
                                            int epsilon) {
  int64_t q = field.size(), order = q + 1;
  std::vector<int8_t> s(order * order, 0);
  for (int64_t j = 1; j < order; ++j) {
    s[j] = 1;
    s[j * order] = static_cast<int8_t>(epsilon);
  }
  for (int64_t i = 0; i < q; ++i)
    for (int64_t j = 0; j < q; ++j)
      s[(i + 1) * order + (j + 1)] =
          static_cast<int8_t>(field.chi(field.subtract(i, j)));
  return s;
}

/// Paley I: H = I + S with S the skew bordered Jacobsthal matrix.
SignMatrix buildPaleyI(int64_t m) {
  int64_t q = m - 1;
  FiniteField field(primeOfPrimePower(q), q);
  SignMatrix h;
  h.order = m;
  h.entries = buildBorderedJacobsthal(field, -1);
  for (int64_t i = 0; i < m; ++i)
    h.entries[i * m + i] = 1;
  return h;
}

/// Paley II: each entry c of the symmetric conference matrix C becomes
/// c·[[1, 1], [1, -1]], and each zero diagonal entry [[1, -1], [-1, -1]].
SignMatrix buildPaleyII(int64_t m) {
  int64_t q = m / 2 - 1, c = q + 1;
  FiniteField field(primeOfPrimePower(q), q);
  std::vector<int8_t> conference = buildBorderedJacobsthal(field, 1);
  SignMatrix h;
  h.order = m;
  h.entries.resize(m * m);
  for (int64_t i = 0; i < c; ++i)
    for (int64_t j = 0; j < c; ++j)
      for (int di = 0; di < 2; ++di)
        for (int dj = 0; dj < 2; ++dj) {
          int8_t value;
          if (i == j)
            value = (di == 0 && dj == 0) ? 1 : -1;
          else
            value = static_cast<int8_t>(conference[i * c + j] *
                                        (di == 1 && dj == 1 ? -1 : 1));
          h.entries[(2 * i + di) * m + (2 * j + dj)] = value;
        }
  return h;
}

std::optional<CoreConstruction> coreConstructionFor(int64_t m) {
  if (m == 1)
    return CoreConstruction::Trivial;
  if (m > kMaxCoreOrder)
    return std::nullopt;
  if (isPaleyIOrder(m))
    return CoreConstruction::PaleyI;
  if (isPaleyIIOrder(m))
    return CoreConstruction::PaleyII;
  if (m == 156 || m == 172)
    return CoreConstruction::GoethalsSeidel;
  return std::nullopt;
}

void setWhy(std::string *why, const std::string &message) {
  if (why)
    *why = message;
}

std::string describeSupportedSizes() {
  return "supported Hadamard sizes are powers of two and m·2^k where m is a "
         "Paley I order (q + 1, q ≡ 3 mod 4 a prime power: 12, 20, 24, 28, "
         "32, 44, 48, 60, 68, 72, 80, 84, 104, 108, ...), a Paley II order "
         "(2(q + 1), q ≡ 1 mod 4 a prime power: 36, 52, 76, 100, 148, ...), "
         "156 or 172, with m ≤ " +
         std::to_string(kMaxCoreOrder);
}

/// In-place unnormalized Walsh–Hadamard transform of `length` = 2^k values
/// spaced `stride` apart: v ← H_{2^k} v (H symmetric, so also vᵀ·H).
void walshHadamardInPlace(double *data, int64_t length, int64_t stride) {
  for (int64_t half = 1; half < length; half *= 2)
    for (int64_t start = 0; start < length; start += 2 * half)
      for (int64_t i = start; i < start + half; ++i) {
        double &lo = data[i * stride], &hi = data[(i + half) * stride];
        double sum = lo + hi, difference = lo - hi;
        lo = sum;
        hi = difference;
      }
}

} // namespace

const char *getCoreConstructionName(CoreConstruction construction) {
  switch (construction) {
  case CoreConstruction::Trivial:
    return "Sylvester";
  case CoreConstruction::PaleyI:
    return "Paley I";
  case CoreConstruction::PaleyII:
    return "Paley II";
  case CoreConstruction::GoethalsSeidel:
    return "Goethals-Seidel";
  }
  return "unknown";
}

std::optional<HadamardFactorization> factorizeHadamardSize(int64_t n,
                                                           std::string *why) {
  if (n < 1) {
    setWhy(why, "Hadamard size must be positive, got " + std::to_string(n));
    return std::nullopt;
  }
  int64_t odd = n;
  unsigned twos = 0;
  while (odd % 2 == 0) {
    odd /= 2;
    ++twos;
  }
  // Orders above 2 are multiples of 4, so an odd part o needs a core o·2^j
  // with j ≥ 2; the smallest constructible core leaves the largest 2^k.
  unsigned firstJ = odd == 1 ? 0 : 2;
  for (unsigned j = firstJ; j <= twos; ++j) {
    int64_t m = odd << j;
    if (std::optional<CoreConstruction> construction = coreConstructionFor(m))
      return HadamardFactorization{n, m, twos - j, *construction};
  }
  std::ostringstream message;
  message << "no Hadamard matrix of size " << n << " = " << odd << "·2^" << twos
          << " can be constructed: ";
  if (twos < 2)
    message << "sizes other than 1 and 2 must be multiples of 4";
  else
    message << "no core of order " << odd << "·2^j (2 ≤ j ≤ " << twos
            << ") is known to ct";
  message << "; " << describeSupportedSizes();
  setWhy(why, message.str());
  return std::nullopt;
}

bool isConstructibleHadamardSize(int64_t n, std::string *why) {
  return factorizeHadamardSize(n, why).has_value();
}

SignMatrix buildSylvesterMatrix(unsigned log2Order) {
  SignMatrix h;
  h.order = int64_t(1) << log2Order;
  h.entries.resize(h.order * h.order);
  for (int64_t i = 0; i < h.order; ++i)
    for (int64_t j = 0; j < h.order; ++j)
      h.entries[i * h.order + j] = __builtin_popcountll(i & j) % 2 ? -1 : 1;
  return h;
}

std::optional<SignMatrix> buildHadamardCore(int64_t m, std::string *why) {
  std::optional<HadamardFactorization> factorization =
      factorizeHadamardSize(m, why);
  if (!factorization)
    return std::nullopt;
  if (factorization->coreOrder != m) {
    setWhy(why, std::to_string(m) + " is not a core order: it factors as " +
                    std::to_string(factorization->coreOrder) + "·2^" +
                    std::to_string(factorization->log2PowerOfTwo));
    return std::nullopt;
  }
  switch (factorization->construction) {
  case CoreConstruction::Trivial:
    return SignMatrix{1, {1}};
  case CoreConstruction::PaleyI:
    return buildPaleyI(m);
  case CoreConstruction::PaleyII:
    return buildPaleyII(m);
  case CoreConstruction::GoethalsSeidel:
    return buildGoethalsSeidelArray(m == 156 ? buildGoethalsSeidel39Rows()
                                             : buildGoethalsSeidel43Rows());
  }
  return std::nullopt;
}

int8_t KroneckerHadamard::at(int64_t row, int64_t col) const {
  int64_t mask = (int64_t(1) << log2PowerOfTwo) - 1;
  int8_t sylvester = __builtin_popcountll(row & col & mask) % 2 ? -1 : 1;
  return static_cast<int8_t>(
      core.at(row >> log2PowerOfTwo, col >> log2PowerOfTwo) * sylvester);
}

SignMatrix KroneckerHadamard::materialize() const {
  SignMatrix h;
  h.order = order();
  h.entries.resize(h.order * h.order);
  for (int64_t i = 0; i < h.order; ++i)
    for (int64_t j = 0; j < h.order; ++j)
      h.entries[i * h.order + j] = at(i, j);
  return h;
}

std::optional<KroneckerHadamard> buildKroneckerHadamard(int64_t n,
                                                        std::string *why) {
  std::optional<HadamardFactorization> factorization =
      factorizeHadamardSize(n, why);
  if (!factorization)
    return std::nullopt;
  std::optional<SignMatrix> core =
      buildHadamardCore(factorization->coreOrder, why);
  if (!core)
    return std::nullopt;
  return KroneckerHadamard{std::move(*core), factorization->log2PowerOfTwo};
}

std::optional<SignMatrix> buildHadamardMatrix(int64_t n, std::string *why) {
  std::optional<KroneckerHadamard> factored = buildKroneckerHadamard(n, why);
  if (!factored)
    return std::nullopt;
  return factored->materialize();
}

std::vector<double> applyHadamardDense(const SignMatrix &matrix,
                                       const std::vector<int8_t> &signs,
                                       bool inverse,
                                       const std::vector<double> &row) {
  int64_t n = matrix.order;
  assert(n > 0 && row.size() % n == 0 && "row is not a whole number of blocks");
  assert((signs.empty() || int64_t(signs.size()) == n) &&
         "one sign per column");
  double scale = 1.0 / std::sqrt(static_cast<double>(n));
  auto sign = [&](int64_t i) { return signs.empty() ? 1.0 : double(signs[i]); };
  std::vector<double> result(row.size());
  for (size_t base = 0; base < row.size(); base += n)
    for (int64_t j = 0; j < n; ++j) {
      double sum = 0;
      for (int64_t i = 0; i < n; ++i) {
        // W = diag(s)·H: W[i][j] = s_i·H[i][j]; inverse uses Wᵀ[i][j] =
        // s_j·H[j][i].
        double w =
            inverse ? sign(j) * matrix.at(j, i) : sign(i) * matrix.at(i, j);
        sum += row[base + i] * w;
      }
      result[base + j] = sum * scale;
    }
  return result;
}

std::vector<double> applyHadamardButterfly(const KroneckerHadamard &matrix,
                                           const std::vector<int8_t> &signs,
                                           bool inverse,
                                           const std::vector<double> &row) {
  int64_t n = matrix.order(), m = matrix.core.order;
  int64_t inner = int64_t(1) << matrix.log2PowerOfTwo;
  assert(row.size() % n == 0 && "row is not a whole number of blocks");
  assert((signs.empty() || int64_t(signs.size()) == n) &&
         "one sign per column");
  double scale = 1.0 / std::sqrt(static_cast<double>(n));
  std::vector<double> result(row);
  std::vector<double> mixed(n);
  for (size_t base = 0; base < row.size(); base += n) {
    double *block = result.data() + base;
    if (!inverse && !signs.empty())
      for (int64_t i = 0; i < n; ++i)
        block[i] *= signs[i];
    // Index a·2^k + b: butterflies over b for each core row a ...
    for (int64_t a = 0; a < m; ++a)
      walshHadamardInPlace(block + a * inner, inner, 1);
    // ... then the core over a for each b: x·(C ⊗ S) mixes with C[a][a'],
    // x·(C ⊗ S)ᵀ with C[a'][a].
    for (int64_t out = 0; out < m; ++out)
      for (int64_t b = 0; b < inner; ++b) {
        double sum = 0;
        for (int64_t a = 0; a < m; ++a)
          sum += block[a * inner + b] *
                 (inverse ? matrix.core.at(out, a) : matrix.core.at(a, out));
        mixed[out * inner + b] = sum;
      }
    for (int64_t i = 0; i < n; ++i)
      block[i] = mixed[i] * scale * (inverse && !signs.empty() ? signs[i] : 1);
  }
  return result;
}

} // namespace hadamard
} // namespace ct
