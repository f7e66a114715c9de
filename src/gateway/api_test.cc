#include "gateway/api.h"

#include <gtest/gtest.h>

#include <string>

namespace cachet::gateway {
namespace {

TEST(Base64, DecodesPaddedInputAndRejectsTheRest) {
  std::string out;
  ASSERT_TRUE(base64_decode("ZGVmYXVsdDpzM2NyZXQ=", out));
  EXPECT_EQ(out, "default:s3cret");
  ASSERT_TRUE(base64_decode("YQ==", out));
  EXPECT_EQ(out, "a");
  ASSERT_TRUE(base64_decode("YWJj", out));
  EXPECT_EQ(out, "abc");
  ASSERT_TRUE(base64_decode("", out));
  EXPECT_EQ(out, "");
  ASSERT_TRUE(base64_decode("+/8=", out));
  EXPECT_EQ(out, "\xfb\xff");
  for (const char* bad : {"YQ=", "Y===", "YQ==YQ==", "Y=Q=", "!!!!", "YWJ"}) {
    EXPECT_FALSE(base64_decode(bad, out)) << bad;
  }
}

}  // namespace
}  // namespace cachet::gateway

namespace cachet::gateway {
namespace {

TEST(ValidUtf8, KeepsWellFormedTextAndReplacesEveryOtherByte) {
  EXPECT_EQ(valid_utf8("plain ascii"), "plain ascii");
  EXPECT_EQ(valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  const std::string fffd = "\xef\xbf\xbd";
  EXPECT_EQ(valid_utf8("\xff\xfe"), fffd + fffd);
  EXPECT_EQ(valid_utf8("a\xc3"), "a" + fffd);                            // cut short
  EXPECT_EQ(valid_utf8("\xc0\xaf"), fffd + fffd);                        // overlong
  EXPECT_EQ(valid_utf8("\xed\xa0\x80"), fffd + fffd + fffd);             // surrogate
  EXPECT_EQ(valid_utf8("\xf4\x90\x80\x80"), fffd + fffd + fffd + fffd);  // past U+10FFFF
}

}  // namespace
}  // namespace cachet::gateway
