// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Hadamard matrices for ct.hadamard and the reference math its lowerings
// mirror. compressed-tensors only builds Sylvester matrices itself and loads
// every other order from a table shipped in its wheel; ct instead constructs
// H_m ⊗ H_{2^k} (m-index most significant, the QuaRot / fast-Hadamard-kernel
// convention) from published constructions, so that verifiers can decide
// which sizes exist and lowerings can emit an O(n log n) butterfly. The
// library's own conventions are described in docs/HadamardNotes.md.
//
// MLIR-free on purpose: the dialect, the lowerings and the unit tests share it.

#ifndef CT_SUPPORT_HADAMARDCONSTRUCTION_H
#define CT_SUPPORT_HADAMARDCONSTRUCTION_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ct {
namespace hadamard {

/// A square matrix of +1/-1 entries, row-major.
struct SignMatrix {
  int64_t order = 0;
  std::vector<int8_t> entries;

  int8_t at(int64_t row, int64_t col) const {
    return entries[row * order + col];
  }
};

/// How the core H_m of a Hadamard size is built.
enum class CoreConstruction {
  /// m = 1: the size is a power of two and the matrix is pure Sylvester.
  Trivial,
  /// m = q + 1 for a prime power q ≡ 3 (mod 4): I + skew Jacobsthal core.
  PaleyI,
  /// m = 2(q + 1) for a prime power q ≡ 1 (mod 4): symmetric conference
  /// matrix of order q + 1 with each entry replaced by a 2×2 block.
  PaleyII,
  /// Goethals–Seidel array over four group-developed matrices, for the orders
  /// that neither Paley construction reaches (156, 172).
  GoethalsSeidel,
};

/// Returns a short name ("Paley I", ...) for diagnostics and documentation.
const char *getCoreConstructionName(CoreConstruction construction);

/// n = coreOrder · 2^log2PowerOfTwo with the largest power of two for which
/// the core H_coreOrder is constructible.
struct HadamardFactorization {
  int64_t size = 0;
  int64_t coreOrder = 1;
  unsigned log2PowerOfTwo = 0;
  CoreConstruction construction = CoreConstruction::Trivial;
};

/// Decides how (and whether) ct builds a Hadamard matrix of order `n`. Cheap:
/// number theory only, no matrix is built. On failure returns std::nullopt
/// and, when `why` is non-null, stores a message naming n and the supported
/// sizes.
std::optional<HadamardFactorization>
factorizeHadamardSize(int64_t n, std::string *why = nullptr);

/// Verifier-friendly form of factorizeHadamardSize.
bool isConstructibleHadamardSize(int64_t n, std::string *why = nullptr);

/// Sylvester's matrix of order 2^log2Order: H[i][j] = (-1)^popcount(i & j).
/// Mirrors compressed_tensors deterministic_hadamard_matrix (unnormalized).
SignMatrix buildSylvesterMatrix(unsigned log2Order);

/// The core H_m used for sizes m·2^k (m = 1 gives [1]). Fails, saying why,
/// when m is not constructible or is not itself a core (24 = 12·2^1).
std::optional<SignMatrix> buildHadamardCore(int64_t m,
                                            std::string *why = nullptr);

/// T = core ⊗ H_{2^log2PowerOfTwo}, kept factored: entry (a·2^k + b,
/// c·2^k + d) = core[a][c] · (-1)^popcount(b & d).
struct KroneckerHadamard {
  SignMatrix core;
  unsigned log2PowerOfTwo = 0;

  int64_t order() const { return core.order << log2PowerOfTwo; }
  int8_t at(int64_t row, int64_t col) const;
  /// The dense order()×order() matrix; order()² bytes, so only for sizes
  /// where that is affordable.
  SignMatrix materialize() const;
};

/// ct's Hadamard matrix of order n in factored form.
std::optional<KroneckerHadamard>
buildKroneckerHadamard(int64_t n, std::string *why = nullptr);

/// ct's Hadamard matrix of order n, dense (n² bytes).
std::optional<SignMatrix> buildHadamardMatrix(int64_t n,
                                              std::string *why = nullptr);

/// Reference for the normalized, signed, block-diagonal transform applied to
/// one row whose length is a multiple of the block size n = matrix order:
///   forward: y_blk = x_blk · diag(s) · H / sqrt(n)
///   inverse: y_blk = x_blk · (diag(s) · H)ᵀ / sqrt(n) = x_blk · Hᵀ · diag(s)
///            / sqrt(n)
/// `signs` holds n entries of +1/-1, or is empty for s = 1. Mirrors the
/// online path of compressed_tensors HadamardTransform.forward
/// (apply_transform_weight → _multihead_matmul(value, weight) / sqrt(n),
/// weight.T when inverse) with weight = diag(s)·H, computed in double.
/// The dense form is the obviously-correct O(n²) one per block.
std::vector<double> applyHadamardDense(const SignMatrix &matrix,
                                       const std::vector<int8_t> &signs,
                                       bool inverse,
                                       const std::vector<double> &row);

/// Same result as applyHadamardDense on matrix.materialize(), in
/// O(n·(log n + m)) per block: a fast Walsh–Hadamard butterfly over the 2^k
/// (least significant) index and a dense m×m step over the core index. This
/// is the schedule the ct.hadamard lowerings emit.
std::vector<double> applyHadamardButterfly(const KroneckerHadamard &matrix,
                                           const std::vector<int8_t> &signs,
                                           bool inverse,
                                           const std::vector<double> &row);

} // namespace hadamard
} // namespace ct

#endif // CT_SUPPORT_HADAMARDCONSTRUCTION_H
