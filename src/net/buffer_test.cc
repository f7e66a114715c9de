#include "net/buffer.h"

#include <gtest/gtest.h>

#include <string>

namespace cachet::net {
namespace {

TEST(InputBuffer, PrepareCommitConsume) {
  InputBuffer b;
  std::memcpy(b.prepare(5), "hello", 5);
  b.commit(5);
  EXPECT_EQ(b.view(), "hello");
  b.consume(2);
  EXPECT_EQ(b.view(), "llo");
  std::memcpy(b.prepare(100000), "!", 1);  // grows and keeps the unconsumed bytes
  b.commit(1);
  EXPECT_EQ(b.view(), "llo!");
  b.consume(4);
  EXPECT_EQ(b.size(), 0u);
  b.shrink_if_idle(1024);
  EXPECT_EQ(b.capacity(), 0u);
}

}  // namespace
}  // namespace cachet::net
