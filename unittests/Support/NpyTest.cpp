// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// The .npy reader and writer are the boundary between ct-run and every test
// and benchmark: these tests pin down what numpy/ml_dtypes files they accept
// and that every malformed file is an error naming the file, not a crash.

#include "ct/Support/Npy.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <string>

using namespace ct;

namespace {

/// A temporary file removed when the test ends.
class TempFile {
public:
  TempFile() {
    int fd;
    EXPECT_FALSE(llvm::sys::fs::createTemporaryFile("npy-test", "npy", fd,
                                                    path));
    llvm::sys::fs::closeFile(fd);
  }
  ~TempFile() { llvm::sys::fs::remove(path); }

  llvm::StringRef getPath() const { return path; }

  void write(llvm::StringRef bytes) {
    std::error_code ec;
    llvm::raw_fd_ostream out(path, ec);
    ASSERT_FALSE(ec);
    out << bytes;
  }

  std::string read() const {
    auto buffer = llvm::MemoryBuffer::getFile(path);
    return buffer ? (*buffer)->getBuffer().str() : std::string();
  }

private:
  llvm::SmallString<128> path;
};

/// A version 1.0 file with the given header dict and data.
std::string makeNpy(llvm::StringRef dict, llvm::StringRef data,
                    char major = 1) {
  std::string bytes("\x93NUMPY", 6);
  bytes += major;
  bytes += '\0';
  if (major == 1) {
    bytes += static_cast<char>(dict.size() & 0xff);
    bytes += static_cast<char>(dict.size() >> 8);
  } else {
    for (int i = 0; i < 4; ++i)
      bytes += static_cast<char>((dict.size() >> (8 * i)) & 0xff);
  }
  return bytes + dict.str() + data.str();
}

/// Reads `bytes` as a file and returns the error text ("" on success).
std::string readError(llvm::StringRef bytes) {
  TempFile file;
  file.write(bytes);
  llvm::Expected<NpyArray> array = readNpy(file.getPath());
  if (array)
    return "";
  std::string message = llvm::toString(array.takeError());
  EXPECT_NE(message.find(file.getPath().str()), std::string::npos)
      << "error does not name the file: " << message;
  return message;
}

NpyArray makeArray(std::string descr, std::vector<int64_t> shape) {
  NpyArray array;
  array.descr = std::move(descr);
  array.shape = std::move(shape);
  array.data.resize(array.numElements() * array.elementSize());
  for (size_t i = 0; i < array.data.size(); ++i)
    array.data[i] = static_cast<char>(i * 37 + 11);
  return array;
}

class NpyRoundTrip : public ::testing::TestWithParam<const char *> {};

TEST_P(NpyRoundTrip, WritesWhatItReads) {
  NpyArray array = makeArray(GetParam(), {2, 3});
  TempFile file;
  ASSERT_FALSE(llvm::errorToBool(writeNpy(file.getPath(), array)));
  // numpy requires the data to start at a multiple of 64 bytes.
  std::string bytes = file.read();
  EXPECT_EQ((bytes.size() - array.data.size()) % 64, 0u);

  llvm::Expected<NpyArray> read = readNpy(file.getPath());
  ASSERT_TRUE(static_cast<bool>(read)) << llvm::toString(read.takeError());
  EXPECT_EQ(read->descr, array.descr);
  EXPECT_EQ(read->shape, array.shape);
  EXPECT_EQ(read->data, array.data);
}

INSTANTIATE_TEST_SUITE_P(EveryDtype, NpyRoundTrip,
                         ::testing::Values("<f4", "<f8", "<f2", "<V2", "|V2",
                                           "|V1", "|i1", "<i2", "<i4", "<i8",
                                           "|u1", "<u2", "|b1"));

TEST(Npy, ZeroDimensionalArray) {
  NpyArray scalar = makeArray("<f4", {});
  EXPECT_EQ(scalar.numElements(), 1);
  TempFile file;
  ASSERT_FALSE(llvm::errorToBool(writeNpy(file.getPath(), scalar)));
  EXPECT_NE(file.read().find("'shape': ()"), std::string::npos);
  llvm::Expected<NpyArray> read = readNpy(file.getPath());
  ASSERT_TRUE(static_cast<bool>(read)) << llvm::toString(read.takeError());
  EXPECT_TRUE(read->shape.empty());
  EXPECT_EQ(read->data, scalar.data);
}

TEST(Npy, EmptyArray) {
  NpyArray empty = makeArray("<i4", {0, 3});
  TempFile file;
  ASSERT_FALSE(llvm::errorToBool(writeNpy(file.getPath(), empty)));
  llvm::Expected<NpyArray> read = readNpy(file.getPath());
  ASSERT_TRUE(static_cast<bool>(read)) << llvm::toString(read.takeError());
  EXPECT_EQ(read->shape, (std::vector<int64_t>{0, 3}));
  EXPECT_TRUE(read->data.empty());
}

TEST(Npy, OneDimensionalShapeHasTrailingComma) {
  TempFile file;
  ASSERT_FALSE(
      llvm::errorToBool(writeNpy(file.getPath(), makeArray("<f4", {5}))));
  EXPECT_NE(file.read().find("'shape': (5,)"), std::string::npos);
}

TEST(Npy, ReadsWhatNumpyWrites) {
  // Key order, spacing and padding as numpy.save produces them.
  std::string dict = "{'descr': '<i2', 'fortran_order': False, "
                     "'shape': (2, 2), }";
  // Padded so that the data starts at byte 128.
  dict.append(128 - 10 - 1 - dict.size(), ' ');
  dict += '\n';
  std::string data("\x01\x00\x02\x00\x03\x00\xff\xff", 8);
  TempFile file;
  file.write(makeNpy(dict, data));
  llvm::Expected<NpyArray> read = readNpy(file.getPath());
  ASSERT_TRUE(static_cast<bool>(read)) << llvm::toString(read.takeError());
  EXPECT_EQ(read->descr, "<i2");
  EXPECT_EQ(read->shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(std::string(read->data.begin(), read->data.end()), data);
}

TEST(Npy, ReadsVersionTwoHeaders) {
  std::string dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (3,)}";
  EXPECT_EQ(readError(makeNpy(dict, "abc", /*major=*/2)), "");
}

TEST(Npy, ElementSizes) {
  EXPECT_EQ(npyElementSize("<f4"), 4u);
  EXPECT_EQ(npyElementSize("|b1"), 1u);
  EXPECT_EQ(npyElementSize("<V2"), 2u);
  EXPECT_EQ(npyElementSize("|V2"), 2u);
  EXPECT_EQ(npyElementSize(">f4"), 0u);
  EXPECT_EQ(npyElementSize("|f4"), 0u);
  EXPECT_EQ(npyElementSize("<U8"), 0u);
  EXPECT_EQ(npyElementSize("<f"), 0u);
  EXPECT_EQ(npyElementSize("<f0"), 0u);
}

TEST(Npy, MissingFile) {
  llvm::Expected<NpyArray> read = readNpy("/nonexistent/dir/x.npy");
  ASSERT_FALSE(static_cast<bool>(read));
  EXPECT_NE(llvm::toString(read.takeError()).find("/nonexistent/dir/x.npy"),
            std::string::npos);
}

TEST(Npy, HeaderErrors) {
  std::string good = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}";
  std::string data(4, '\0');
  EXPECT_NE(readError("not a numpy file").find("magic"), std::string::npos);
  EXPECT_NE(readError(makeNpy(good, data, /*major=*/4)).find("version 4"),
            std::string::npos);
  EXPECT_NE(readError(makeNpy(good, "").substr(0, 20)).find("truncated header"),
            std::string::npos);
  EXPECT_NE(readError(makeNpy("[1, 2]", data)).find("not a dict"),
            std::string::npos);
  EXPECT_NE(readError(makeNpy("{'descr' '<f4'}", data)).find("malformed"),
            std::string::npos);
  EXPECT_NE(readError(makeNpy("{'descr': '<f4', 'fortran_order': False}", data))
                .find("lacks"),
            std::string::npos);
  EXPECT_NE(readError(makeNpy("{'descr': '<f4', 'fortran_order': False, "
                              "'shape': (1,), 'extra': 1}",
                              data))
                .find("unexpected header key 'extra'"),
            std::string::npos);
  EXPECT_NE(readError(makeNpy("{'descr': [('a', '<f4')], "
                              "'fortran_order': False, 'shape': (1,)}",
                              data))
                .find("structured"),
            std::string::npos);
  EXPECT_NE(readError(makeNpy("{'descr': '>f4', 'fortran_order': False, "
                              "'shape': (1,)}",
                              data))
                .find("unsupported dtype '>f4'"),
            std::string::npos);
  EXPECT_NE(readError(makeNpy("{'descr': '<f4', 'fortran_order': False, "
                              "'shape': (-1,)}",
                              data))
                .find("malformed 'shape'"),
            std::string::npos);
  // A header cut inside the shape tuple.
  EXPECT_NE(readError(makeNpy("{'descr': '<f4', 'fortran_order': False, "
                              "'shape': (12",
                              ""))
                .find("malformed 'shape'"),
            std::string::npos);
  EXPECT_NE(readError(makeNpy("{'descr': '<f4', 'fortran_order': False, "
                              "'shape': (4294967296, 4294967296, 16)}",
                              data))
                .find("too large"),
            std::string::npos);
}

TEST(Npy, FortranOrderIsRejected) {
  std::string dict = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2)}";
  EXPECT_NE(readError(makeNpy(dict, std::string(16, '\0'))).find("Fortran"),
            std::string::npos);
}

TEST(Npy, DataSizeMustMatchShape) {
  std::string dict =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2)}";
  EXPECT_NE(readError(makeNpy(dict, std::string(12, '\0')))
                .find("holds 12 data bytes, but shape and dtype need 16"),
            std::string::npos);
  EXPECT_NE(readError(makeNpy(dict, std::string(20, '\0')))
                .find("holds 20 data bytes"),
            std::string::npos);
}

TEST(Npy, WriterRejectsInconsistentArrays) {
  TempFile file;
  NpyArray array = makeArray("<f4", {2});
  array.data.pop_back();
  EXPECT_TRUE(llvm::errorToBool(writeNpy(file.getPath(), array)));
  EXPECT_TRUE(
      llvm::errorToBool(writeNpy(file.getPath(), makeArray(">f4", {2}))));
}

} // namespace
