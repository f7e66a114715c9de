// RDB pieces of DUMP payloads: CRC-64 check value, length forms, string encodings, LZF, footer.
#include "server/rdb.h"

#include <gtest/gtest.h>

#include <string>

namespace cachet::server::rdb {
namespace {

TEST(Rdb, Crc64IsRedisJones) {
  EXPECT_EQ(crc64(0, "123456789"), 0xe9c6d914c4b8d9caULL);  // Redis's crc64 self test
  EXPECT_EQ(crc64(0, ""), 0u);
}

TEST(Rdb, LengthFormsRoundTrip) {
  for (uint64_t n : {0ULL, 63ULL, 64ULL, 16383ULL, 16384ULL, 4294967295ULL, 4294967296ULL}) {
    std::string out;
    append_length(out, n);
    Reader in(out);
    EXPECT_EQ(in.length(), n) << n;
    EXPECT_EQ(in.remaining(), 0u);
  }
  std::string out;
  append_length(out, 300);
  EXPECT_EQ(out, std::string("\x41\x2c", 2));
}

TEST(Rdb, StringEncodings) {
  std::string out;
  append_string(out, "hello");
  EXPECT_EQ(out, "\x05hello");
  EXPECT_EQ(Reader(out).string(), "hello");
  EXPECT_EQ(Reader(std::string("\xc0\xfe", 2)).string(), "-2");         // int8
  EXPECT_EQ(Reader(std::string("\xc1\x39\x30", 3)).string(), "12345");  // int16
  EXPECT_EQ(Reader(std::string("\xc2\x00\x00\x00\x80", 5)).string(), "-2147483648");
  EXPECT_EQ(Reader("\x05hel").string(), std::nullopt);               // truncated
  EXPECT_EQ(Reader(std::string("\xc4", 1)).string(), std::nullopt);  // unknown encoding
}

TEST(Rdb, LzfStrings) {
  // "aaaaaaaaaaaaaaaaaaaaaaaa" (24 bytes) as Redis's lzf_compress writes it (store/lzf_test.cc
  // tests the codec itself).
  std::string lzf("\x00\x61\xe0\x0e\x00", 5);
  std::string record = std::string("\xc3\x05\x18", 3) + lzf;
  EXPECT_EQ(Reader(record).string(), std::string(24, 'a'));
}

TEST(Rdb, FooterMatchesRedisEmptyDump) {
  std::string payload;
  append_footer(payload);
  // FUNCTION DUMP of an empty redis-server 7.0.15.
  EXPECT_EQ(payload, std::string("\x0a\x00\x5d\x9b\x5c\x40\x0f\x7f\xa2\xda", 10));
  EXPECT_EQ(verify_payload(payload), kVersion);
  payload[3] ^= 1;
  EXPECT_EQ(verify_payload(payload), std::nullopt);
  EXPECT_EQ(verify_payload("short"), std::nullopt);
  std::string newer = "\x0b";
  newer.push_back('\0');
  newer += std::string(8, '\0');
  EXPECT_EQ(verify_payload(newer), std::nullopt);  // version 11 is too new
}

}  // namespace
}  // namespace cachet::server::rdb
