// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// The .npy format: a magic string, a version, a header length, then a Python
// dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...), } padded
// so that the data starts at a multiple of 64 bytes.

#include "ct/Support/Npy.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <limits>

using namespace llvm;

namespace ct {

static constexpr char kMagic[] = "\x93NUMPY";
static constexpr size_t kMagicSize = 6;

size_t npyElementSize(StringRef descr) {
  if (descr.size() < 3 || (descr[0] != '<' && descr[0] != '|'))
    return 0;
  if (!StringRef("fiubcV").contains(descr[1]))
    return 0;
  unsigned width;
  if (descr.drop_front(2).getAsInteger(10, width) || width == 0)
    return 0;
  // '|' (no byte order) is only meaningful for single bytes and opaque data.
  if (descr[0] == '|' && width != 1 && descr[1] != 'V')
    return 0;
  return width;
}

int64_t NpyArray::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

size_t NpyArray::elementSize() const { return npyElementSize(descr); }

namespace {
/// A cursor over the header dict, enough for what numpy writes.
struct HeaderParser {
  StringRef text;

  void skipSpace() { text = text.ltrim(" \t\n"); }
  bool consume(StringRef token) {
    skipSpace();
    return text.consume_front(token);
  }
  bool parseQuoted(std::string &out) {
    skipSpace();
    if (text.empty() || (text[0] != '\'' && text[0] != '"'))
      return false;
    char quote = text[0];
    size_t end = text.find(quote, 1);
    if (end == StringRef::npos)
      return false;
    out = text.substr(1, end - 1).str();
    text = text.drop_front(end + 1);
    return true;
  }
};
} // namespace

static Error headerError(StringRef path, const Twine &what) {
  return createStringError(inconvertibleErrorCode(),
                           path + ": not a valid .npy file: " + what);
}

Expected<NpyArray> readNpy(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> file =
      MemoryBuffer::getFile(path, /*IsText=*/false,
                            /*RequiresNullTerminator=*/false);
  if (!file)
    return createStringError(file.getError(),
                             "cannot read '" + path +
                                 "': " + file.getError().message());
  StringRef bytes = (*file)->getBuffer();
  if (bytes.size() < kMagicSize + 4 ||
      !bytes.starts_with(StringRef(kMagic, kMagicSize)))
    return headerError(path, "missing the \\x93NUMPY magic string");
  unsigned major = static_cast<unsigned char>(bytes[6]);
  size_t headerLen, headerStart;
  auto le = [&](size_t at, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i)
      v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
    return v;
  };
  if (major == 1) {
    headerLen = le(8, 2);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return headerError(path, "truncated header");
    headerLen = le(8, 4);
    headerStart = 12;
  } else {
    return headerError(path, "unsupported format version " + Twine(major));
  }
  if (bytes.size() < headerStart + headerLen)
    return headerError(path, "truncated header");

  HeaderParser header{bytes.substr(headerStart, headerLen)};
  NpyArray array;
  bool sawDescr = false, sawOrder = false, sawShape = false;
  if (!header.consume("{"))
    return headerError(path, "header is not a dict");
  while (!header.consume("}")) {
    std::string key;
    if (!header.parseQuoted(key) || !header.consume(":"))
      return headerError(path, "malformed header dict");
    if (key == "descr") {
      if (!header.parseQuoted(array.descr))
        return headerError(path, "'descr' is not a string (structured "
                                 "dtypes are not supported)");
      sawDescr = true;
    } else if (key == "fortran_order") {
      if (header.consume("True"))
        return headerError(path, "Fortran-ordered arrays are not supported; "
                                 "save with np.ascontiguousarray");
      if (!header.consume("False"))
        return headerError(path, "'fortran_order' is not a bool");
      sawOrder = true;
    } else if (key == "shape") {
      if (!header.consume("("))
        return headerError(path, "'shape' is not a tuple");
      while (!header.consume(")")) {
        header.skipSpace();
        size_t digits = header.text.find_first_not_of("0123456789");
        int64_t dim;
        if (digits == 0 || digits == StringRef::npos ||
            header.text.take_front(digits).getAsInteger(10, dim))
          return headerError(path, "malformed 'shape'");
        array.shape.push_back(dim);
        header.text = header.text.drop_front(digits);
        header.consume(",");
      }
      sawShape = true;
    } else {
      return headerError(path, "unexpected header key '" + key + "'");
    }
    header.consume(",");
  }
  if (!sawDescr || !sawOrder || !sawShape)
    return headerError(path, "header lacks descr, fortran_order or shape");
  size_t width = array.elementSize();
  if (width == 0)
    return headerError(path, "unsupported dtype '" + array.descr +
                                 "' (only little-endian numeric, bool and "
                                 "opaque 'V' dtypes)");
  size_t dataStart = headerStart + headerLen;
  // Checked so that a corrupt shape cannot wrap around to a small size.
  uint64_t expected = llvm::is_contained(array.shape, 0) ? 0 : width;
  for (int64_t dim : array.shape) {
    uint64_t factor = std::max<int64_t>(dim, 1);
    if (expected > std::numeric_limits<uint64_t>::max() / factor)
      return headerError(path, "shape is too large");
    expected *= dim;
  }
  if (bytes.size() - dataStart != expected)
    return headerError(path, "holds " + Twine(bytes.size() - dataStart) +
                                 " data bytes, but shape and dtype need " +
                                 Twine(expected));
  array.data.assign(bytes.begin() + dataStart, bytes.end());
  return array;
}

Error writeNpy(StringRef path, const NpyArray &array) {
  size_t width = array.elementSize();
  if (width == 0)
    return createStringError(inconvertibleErrorCode(),
                             "cannot write '" + path +
                                 "': unsupported dtype '" + array.descr + "'");
  if (array.data.size() != static_cast<size_t>(array.numElements()) * width)
    return createStringError(inconvertibleErrorCode(),
                             "cannot write '" + path +
                                 "': data size does not match the shape");
  std::string dict;
  raw_string_ostream os(dict);
  os << "{'descr': '" << array.descr << "', 'fortran_order': False, 'shape': (";
  for (int64_t d : array.shape)
    os << d << (array.shape.size() == 1 ? "," : ", ");
  if (array.shape.size() > 1)
    dict.resize(dict.size() - 2);
  os << "), }";
  // Pad with spaces and a newline so that the data is 64-byte aligned.
  size_t total = kMagicSize + 4 + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict.push_back('\n');

  std::error_code ec;
  raw_fd_ostream out(path, ec, sys::fs::OF_None);
  if (ec)
    return createStringError(ec,
                             "cannot write '" + path + "': " + ec.message());
  out.write(kMagic, kMagicSize);
  out << '\x01' << '\x00';
  out << static_cast<char>(dict.size() & 0xff)
      << static_cast<char>((dict.size() >> 8) & 0xff);
  out << dict;
  out.write(array.data.data(), array.data.size());
  out.close();
  if (out.has_error())
    return createStringError(out.error(), "cannot write '" + path + "': " +
                                              out.error().message());
  return Error::success();
}

} // namespace ct
