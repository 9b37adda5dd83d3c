// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// The safetensors format as the Rust reference implementation checks it:
// the header must be a JSON object, each tensor's byte range must lie in the
// data section and hold exactly shape × element size bytes.

#include "ct/Support/Safetensors.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/APInt.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/JSON.h"

#include <cstring>

using namespace llvm;

namespace ct {

size_t safetensorsElementSize(StringRef dtype) {
  return StringSwitch<size_t>(dtype)
      .Cases({"F64", "I64"}, 8)
      .Cases({"F32", "I32"}, 4)
      .Cases({"F16", "BF16", "I16"}, 2)
      .Cases({"F8_E4M3", "F8_E5M2", "I8", "U8", "BOOL"}, 1)
      .Default(0);
}

int64_t SafetensorsTensor::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

double SafetensorsTensor::getAsDouble(int64_t i) const {
  size_t size = safetensorsElementSize(dtype);
  const char *at = data.data() + i * size;
  uint64_t bits = 0;
  std::memcpy(&bits, at, size); // unaligned, little-endian payload
  bits = support::endian::byte_swap(bits, llvm::endianness::little);
  auto fromFloat = [&](const fltSemantics &semantics) {
    return APFloat(semantics, APInt(size * 8, bits)).convertToDouble();
  };
  auto fromInt = [&](bool isSigned) {
    APInt value(size * 8, bits);
    return isSigned ? static_cast<double>(value.getSExtValue())
                    : static_cast<double>(value.getZExtValue());
  };
  if (dtype == "F64")
    return fromFloat(APFloat::IEEEdouble());
  if (dtype == "F32")
    return fromFloat(APFloat::IEEEsingle());
  if (dtype == "F16")
    return fromFloat(APFloat::IEEEhalf());
  if (dtype == "BF16")
    return fromFloat(APFloat::BFloat());
  // safetensors' F8_E4M3 is torch.float8_e4m3fn (no infinities).
  if (dtype == "F8_E4M3")
    return fromFloat(APFloat::Float8E4M3FN());
  if (dtype == "F8_E5M2")
    return fromFloat(APFloat::Float8E5M2());
  return fromInt(/*isSigned=*/dtype[0] == 'I');
}

static Error fileError(StringRef path, const Twine &what) {
  return createStringError(inconvertibleErrorCode(),
                           path + ": not a valid safetensors file: " + what);
}

Expected<SafetensorsFile> SafetensorsFile::open(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> file =
      MemoryBuffer::getFile(path, /*IsText=*/false,
                            /*RequiresNullTerminator=*/false);
  if (!file)
    return createStringError(file.getError(), path + ": cannot read: " +
                                                  file.getError().message());
  StringRef bytes = (*file)->getBuffer();
  if (bytes.size() < 8)
    return fileError(path, "shorter than the 8-byte header length");
  uint64_t headerSize =
      support::endian::read64le(reinterpret_cast<const void *>(bytes.data()));
  if (headerSize > bytes.size() - 8)
    return fileError(path, "header length " + Twine(headerSize) +
                               " exceeds the file size " +
                               Twine(bytes.size()));
  StringRef header = bytes.substr(8, headerSize);
  StringRef payload = bytes.drop_front(8 + headerSize);

  Expected<json::Value> parsed = json::parse(header);
  if (!parsed)
    return fileError(path, "header is not JSON: " +
                               toString(parsed.takeError()));
  const json::Object *entries = parsed->getAsObject();
  if (!entries)
    return fileError(path, "header is not a JSON object");

  SafetensorsFile result;
  result.path = path.str();
  for (const auto &[name, value] : *entries) {
    if (name == "__metadata__") {
      const json::Object *metadata = value.getAsObject();
      if (!metadata || any_of(*metadata, [](const auto &entry) {
            return !entry.second.getAsString();
          }))
        return fileError(path, "__metadata__ must map strings to strings");
      continue;
    }
    auto entryError = [&](const Twine &what) {
      return createStringError(inconvertibleErrorCode(),
                               path + ": tensor '" + name.str() + "': " + what);
    };
    const json::Object *entry = value.getAsObject();
    if (!entry)
      return entryError("expected an object with dtype, shape and "
                        "data_offsets");
    SafetensorsTensor tensor;
    std::optional<StringRef> dtype = entry->getString("dtype");
    if (!dtype)
      return entryError("missing dtype");
    if (!safetensorsElementSize(*dtype))
      return entryError("unsupported dtype '" + *dtype +
                        "'; expected F64, F32, F16, BF16, F8_E4M3, F8_E5M2, "
                        "I64, I32, I16, I8, U8 or BOOL");
    tensor.dtype = dtype->str();
    const json::Array *shape = entry->getArray("shape");
    if (!shape)
      return entryError("missing shape");
    for (const json::Value &d : *shape) {
      std::optional<int64_t> dim = d.getAsInteger();
      if (!dim || *dim < 0)
        return entryError("shape must be a list of non-negative integers");
      tensor.shape.push_back(*dim);
    }
    const json::Array *offsets = entry->getArray("data_offsets");
    std::optional<int64_t> begin, end;
    if (offsets && offsets->size() == 2) {
      begin = (*offsets)[0].getAsInteger();
      end = (*offsets)[1].getAsInteger();
    }
    if (!begin || !end || *begin < 0 || *end < *begin)
      return entryError("data_offsets must be [begin, end] with "
                        "0 <= begin <= end");
    if (static_cast<uint64_t>(*end) > payload.size())
      return entryError("data_offsets end " + Twine(*end) +
                        " lies beyond the data section of " +
                        Twine(payload.size()) + " bytes");
    uint64_t expected = static_cast<uint64_t>(tensor.numElements()) *
                        safetensorsElementSize(tensor.dtype);
    if (static_cast<uint64_t>(*end - *begin) != expected)
      return entryError("holds " + Twine(*end - *begin) + " bytes, but " +
                        tensor.dtype + " of its shape needs " +
                        Twine(expected));
    tensor.data = ArrayRef<char>(payload.data() + *begin, *end - *begin);
    result.tensors.try_emplace(StringRef(name), std::move(tensor));
  }
  result.buffer = std::move(*file);
  return std::move(result);
}

Expected<const SafetensorsTensor &>
SafetensorsFile::get(StringRef key) const {
  auto it = tensors.find(key);
  if (it == tensors.end())
    return createStringError(inconvertibleErrorCode(),
                             path + ": no tensor '" + key + "'");
  return it->second;
}

std::vector<std::string> SafetensorsFile::keys() const {
  std::vector<std::string> names;
  for (const auto &entry : tensors)
    names.push_back(entry.getKey().str());
  llvm::sort(names);
  return names;
}

} // namespace ct
