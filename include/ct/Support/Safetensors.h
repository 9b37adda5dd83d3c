// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Reading tensors by name from a .safetensors checkpoint (static q/k/v
// scales, zero points and transform matrices that ct-apply-config turns into
// constants). The format is an 8-byte little-endian header length, a JSON
// header {"name": {"dtype", "shape", "data_offsets": [begin, end]}, ...,
// "__metadata__": {...}} and the raw little-endian, C-ordered data. The file
// is mapped, not copied: checkpoints are large and a pass needs a few keys.

#ifndef CT_SUPPORT_SAFETENSORS_H
#define CT_SUPPORT_SAFETENSORS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ct {

/// One tensor of a safetensors file.
struct SafetensorsTensor {
  /// The safetensors dtype: F64, F32, F16, BF16, F8_E4M3, F8_E5M2, I64, I32,
  /// I16, I8, U8 or BOOL.
  std::string dtype;
  std::vector<int64_t> shape;
  /// The tensor's bytes inside the mapped file.
  llvm::ArrayRef<char> data;

  int64_t numElements() const;
  /// Element i converted to double (exact for every supported dtype except
  /// I64 beyond 2^53).
  double getAsDouble(int64_t i) const;
};

/// Bytes per element of a safetensors dtype, or 0 when ct does not read it.
size_t safetensorsElementSize(llvm::StringRef dtype);

class SafetensorsFile {
public:
  /// Maps `path` and validates its header: every entry's dtype, shape and
  /// byte range. Errors name the file and, where there is one, the key.
  static llvm::Expected<SafetensorsFile> open(llvm::StringRef path);

  llvm::StringRef getPath() const { return path; }
  bool contains(llvm::StringRef key) const { return tensors.count(key); }
  /// The tensor called `key`, or an error naming the file and the key.
  llvm::Expected<const SafetensorsTensor &> get(llvm::StringRef key) const;
  /// Every tensor name, sorted.
  std::vector<std::string> keys() const;

private:
  SafetensorsFile() = default;

  std::string path;
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  llvm::StringMap<SafetensorsTensor> tensors;
};

} // namespace ct

#endif // CT_SUPPORT_SAFETENSORS_H
