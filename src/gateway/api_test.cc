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
