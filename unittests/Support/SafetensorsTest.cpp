// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// The safetensors reader on files written by the safetensors library
// (committed fixtures) and on hand-made malformed files.

#include "ct/Support/Safetensors.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

using namespace ct;

namespace {

/// Writes an 8-byte header length, `header` and `payload` to a temp file.
std::string writeFile(llvm::StringRef header, llvm::StringRef payload) {
  llvm::SmallString<128> path;
  int fd;
  EXPECT_FALSE(
      llvm::sys::fs::createTemporaryFile("ct-test", "safetensors", fd, path));
  llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
  uint64_t size = header.size();
  char bytes[8];
  for (int i = 0; i < 8; ++i)
    bytes[i] = static_cast<char>((size >> (8 * i)) & 0xff);
  os.write(bytes, 8);
  os << header << payload;
  return path.str().str();
}

std::string errorOf(llvm::StringRef header, llvm::StringRef payload) {
  std::string path = writeFile(header, payload);
  llvm::Expected<SafetensorsFile> file = SafetensorsFile::open(path);
  llvm::sys::fs::remove(path);
  if (file)
    return "";
  std::string message = llvm::toString(file.takeError());
  // Drop the temporary path.
  return message.substr(message.find(": ") + 2);
}

TEST(SafetensorsTest, ReadsLibraryWrittenFile) {
  llvm::Expected<SafetensorsFile> file = SafetensorsFile::open(
      CT_SOURCE_DIR "/test/Transforms/Inputs/int8-tensor-static.safetensors");
  ASSERT_TRUE(static_cast<bool>(file)) << llvm::toString(file.takeError());
  EXPECT_EQ(file->keys().size(), 8u);
  llvm::Expected<const SafetensorsTensor &> scale =
      file->get("model.layers.0.self_attn.k_scale");
  ASSERT_TRUE(static_cast<bool>(scale));
  EXPECT_EQ(scale->dtype, "F32");
  EXPECT_EQ(scale->shape, std::vector<int64_t>{1});
  EXPECT_EQ(scale->getAsDouble(0), 0.5);
  llvm::Expected<const SafetensorsTensor &> zp =
      file->get("model.layers.1.self_attn.v_zero_point");
  ASSERT_TRUE(static_cast<bool>(zp));
  EXPECT_EQ(zp->dtype, "I8");
  EXPECT_EQ(zp->getAsDouble(0), -3.0);
  llvm::Expected<const SafetensorsTensor &> missing = file->get("nope");
  ASSERT_FALSE(static_cast<bool>(missing));
  EXPECT_NE(llvm::toString(missing.takeError()).find(": no tensor 'nope'"),
            std::string::npos);
}

TEST(SafetensorsTest, DecodesEveryDtype) {
  // bf16 1.5 = 0x3FC0, f16 -2 = 0xC000, fp8 e4m3fn 448 = 0x7E, i64 -5.
  std::string payload("\xC0\x3F\x00\xC0\x7E\xFB\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF"
                      "\x00\x00\x80\x3F",
                      18);
  std::string path = writeFile(
      R"({"b": {"dtype": "BF16", "shape": [], "data_offsets": [0, 2]},
          "h": {"dtype": "F16", "shape": [1], "data_offsets": [2, 4]},
          "e": {"dtype": "F8_E4M3", "shape": [1, 1], "data_offsets": [4, 5]},
          "u": {"dtype": "U8", "shape": [1], "data_offsets": [4, 5]},
          "l": {"dtype": "I64", "shape": [1], "data_offsets": [5, 13]},
          "f": {"dtype": "F32", "shape": [1], "data_offsets": [14, 18]},
          "__metadata__": {"format": "pt"}})",
      payload);
  llvm::Expected<SafetensorsFile> file = SafetensorsFile::open(path);
  llvm::sys::fs::remove(path);
  ASSERT_TRUE(static_cast<bool>(file)) << llvm::toString(file.takeError());
  auto value = [&](llvm::StringRef key) {
    return llvm::cantFail(file->get(key)).getAsDouble(0);
  };
  EXPECT_EQ(value("b"), 1.5);
  EXPECT_EQ(value("h"), -2.0);
  EXPECT_EQ(value("e"), 448.0);
  EXPECT_EQ(value("u"), 126.0);
  EXPECT_EQ(value("l"), -5.0);
  EXPECT_EQ(value("f"), 1.0);
}

TEST(SafetensorsTest, RejectsMalformedFiles) {
  EXPECT_EQ(errorOf("{", ""),
            "not a valid safetensors file: header is not JSON: [1:1, byte=1]: "
            "Expected object key");
  EXPECT_EQ(errorOf("[]", ""),
            "not a valid safetensors file: header is not a JSON object");
  EXPECT_EQ(errorOf(R"({"t": {"dtype": "C64", "shape": [], "data_offsets": [0, 8]}})",
                    "12345678"),
            "tensor 't': unsupported dtype 'C64'; expected F64, F32, F16, "
            "BF16, F8_E4M3, F8_E5M2, I64, I32, I16, I8, U8 or BOOL");
  EXPECT_EQ(errorOf(R"({"t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}})",
                    "1234"),
            "tensor 't': holds 4 bytes, but F32 of its shape needs 8");
  EXPECT_EQ(errorOf(R"({"t": {"dtype": "F32", "shape": [1], "data_offsets": [0, 8]}})",
                    "1234"),
            "tensor 't': data_offsets end 8 lies beyond the data section of 4 "
            "bytes");
  EXPECT_EQ(errorOf(R"({"t": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})",
                    "1234"),
            "tensor 't': shape must be a list of non-negative integers");
  EXPECT_EQ(errorOf(R"({"t": {"dtype": "F32", "shape": [1]}})", "1234"),
            "tensor 't': data_offsets must be [begin, end] with 0 <= begin <= "
            "end");
  EXPECT_EQ(errorOf(R"({"__metadata__": {"n": 1}})", ""),
            "not a valid safetensors file: __metadata__ must map strings to "
            "strings");

  // A header length beyond the file.
  llvm::SmallString<128> path;
  int fd;
  ASSERT_FALSE(
      llvm::sys::fs::createTemporaryFile("ct-test", "safetensors", fd, path));
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os.write("\xff\x00\x00\x00\x00\x00\x00\x00{}", 10);
  }
  llvm::Expected<SafetensorsFile> file = SafetensorsFile::open(path);
  llvm::sys::fs::remove(path);
  ASSERT_FALSE(static_cast<bool>(file));
  EXPECT_NE(llvm::toString(file.takeError())
                .find("header length 255 exceeds the file size 10"),
            std::string::npos);
}

} // namespace
