#include "store/glob.h"

#include <gtest/gtest.h>

#include <string>

namespace cachet::store {
namespace {

TEST(Glob, RedisPatterns) {
  EXPECT_TRUE(glob_match("*", "anything"));
  EXPECT_TRUE(glob_match("h?llo", "hello"));
  EXPECT_TRUE(glob_match("h*llo", "heeeello"));
  EXPECT_TRUE(glob_match("h[ae]llo", "hallo"));
  EXPECT_FALSE(glob_match("h[^e]llo", "hello"));
  EXPECT_TRUE(glob_match("h[a-b]llo", "hbllo"));
  EXPECT_TRUE(glob_match("a\\*b", "a*b"));
  EXPECT_FALSE(glob_match("a\\*b", "axb"));
  EXPECT_FALSE(glob_match("user:*", "session:1"));
  EXPECT_TRUE(glob_match("MAX*", "maxmemory", true));
  EXPECT_TRUE(glob_match("", ""));
  EXPECT_FALSE(glob_match("", "a"));
}

// Patterns that are exponential for naive backtracking finish at once.
TEST(Glob, ManyStarsAreLinear) {
  std::string pattern(64, '*');
  pattern += "b";
  EXPECT_FALSE(glob_match(pattern, std::string(100000, 'a')));
}

}  // namespace
}  // namespace cachet::store
