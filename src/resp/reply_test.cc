#include "resp/reply.h"

#include <gtest/gtest.h>

namespace cachet::resp {
namespace {

TEST(Reply, EveryType) {
  Reply r;
  size_t used = 0;
  std::string in = "*5\r\n+OK\r\n-ERR no\r\n:42\r\n$3\r\na\r\n\r\n$-1\r\nrest";
  ASSERT_EQ(parse_reply(in, r, used), ReplyStatus::kOk);
  EXPECT_EQ(used, in.size() - 4);
  ASSERT_EQ(r.elements.size(), 5u);
  EXPECT_EQ(r.elements[0].text, "OK");
  EXPECT_EQ(r.elements[1].type, Reply::Type::kError);
  EXPECT_EQ(r.elements[2].integer, 42);
  EXPECT_EQ(r.elements[3].text, "a\r\n");
  EXPECT_EQ(r.elements[4].type, Reply::Type::kNull);
  for (size_t n = 0; n < in.size() - 4; ++n) {
    EXPECT_EQ(parse_reply(in.substr(0, n), r, used), ReplyStatus::kIncomplete) << n;
  }
}

TEST(Reply, Malformed) {
  Reply r;
  size_t used = 0;
  for (const char* bad : {"?x\r\n", ":x\r\n", "$-2\r\n", "$1\r\nab\r\n", "*-5\r\n"}) {
    EXPECT_EQ(parse_reply(bad, r, used), ReplyStatus::kError) << bad;
  }
  std::string nested;
  for (int i = 0; i < 40; ++i) nested += "*1\r\n";
  EXPECT_EQ(parse_reply(nested + ":1\r\n", r, used), ReplyStatus::kError);
}

}  // namespace
}  // namespace cachet::resp
