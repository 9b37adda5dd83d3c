// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Reading and writing NumPy .npy files (format versions 1.0-3.0), the common
// currency of ct-run, the golden tests and the benchmarks. Only little-endian,
// C-ordered arrays are accepted: that is what numpy and ml_dtypes write.

#ifndef CT_SUPPORT_NPY_H
#define CT_SUPPORT_NPY_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ct {

/// An array as stored in a .npy file.
struct NpyArray {
  /// NumPy dtype descriptor: "<f4", "<f2", "|i1", "|b1", "<i8", ... and
  /// "<V2" / "|V1" for ml_dtypes types such as bfloat16 and float8_e4m3fn,
  /// which numpy stores as opaque bytes.
  std::string descr;
  std::vector<int64_t> shape;
  /// numElements() * elementSize() bytes, C order.
  std::vector<char> data;

  int64_t numElements() const;
  /// Bytes per element, from the descriptor's width ("<f4" -> 4).
  size_t elementSize() const;
};

/// Parses the element width out of a descriptor, or 0 when it is not a
/// little-endian (or byte-sized) fixed-width numeric or void descriptor.
size_t npyElementSize(llvm::StringRef descr);

/// Reads `path`; errors name the file and what is wrong with it.
llvm::Expected<NpyArray> readNpy(llvm::StringRef path);

/// Writes `array` to `path` in format version 1.0.
llvm::Error writeNpy(llvm::StringRef path, const NpyArray &array);

} // namespace ct

#endif // CT_SUPPORT_NPY_H
