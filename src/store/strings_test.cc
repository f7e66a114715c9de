#include "store/strings.h"

#include <gtest/gtest.h>

#include <string>

#include "store/clock.h"

namespace cachet::store {
namespace {

using namespace std::string_literals;

class StringsTest : public testing::Test {
 protected:
  StringsTest() : store_(clock_), hash_(hash_key("s")), lock_(store_.lock(0, hash_)) {}

  Shard& shard() { return lock_.shard(hash_); }
  Entry* put(std::string_view value, int64_t expire_at = 0) {
    return shard().put("s", hash_, value, expire_at);
  }
  std::string value() {
    return std::string(shard().lookup_write("s", hash_, store_.now())->value());
  }

  ManualClock clock_;
  Store store_;
  uint64_t hash_;
  Locked lock_;
};

TEST_F(StringsTest, AppendGrowsAndMovesTheEntry) {
  Entry* e = put("ab");
  EXPECT_EQ(str::append(shard(), e, "cd"), 4u);
  std::string big(100000, 'x');
  EXPECT_EQ(str::append(shard(), e, big), 100004u);  // becomes a wide entry
  EXPECT_EQ(value(), "abcd" + big);
  EXPECT_EQ(e->value(), "abcd" + big);  // the reference follows the move
  EXPECT_EQ(str::append(shard(), e, ""), 100004u);
}

TEST_F(StringsTest, WriteAtZeroFillsTheGap) {
  Entry* e = put("ab");
  EXPECT_EQ(str::write_at(shard(), e, 5, "xy"), 7u);
  EXPECT_EQ(value(), "ab\0\0\0xy"s);
  EXPECT_EQ(str::write_at(shard(), e, 1, "Q"), 7u);  // inside: length unchanged
  EXPECT_EQ(value(), "aQ\0\0\0xy"s);
}

TEST_F(StringsTest, AssignKeepsTheExpiry) {
  int64_t at = store_.now() + 5000;
  Entry* e = put("12", at);
  str::assign(shard(), e, "1234567890");
  EXPECT_EQ(value(), "1234567890");
  EXPECT_EQ(e->expire_at(), at);
  str::assign(shard(), e, "9");
  EXPECT_EQ(value(), "9");
}

TEST_F(StringsTest, GrowZeroedNeverShrinksAndEditSeesTheBytes) {
  Entry* e = put("\x01"s);
  str::grow_zeroed(shard(), e, 4);
  EXPECT_EQ(value(), "\x01\0\0\0"s);
  str::grow_zeroed(shard(), e, 2);
  EXPECT_EQ(value().size(), 4u);
  size_t seen = str::edit(shard(), e, [](std::span<uint8_t> bytes) {
    bytes[3] = 0xff;
    return bytes.size();
  });
  EXPECT_EQ(seen, 4u);
  EXPECT_EQ(value(), "\x01\0\0\xff"s);
}

TEST_F(StringsTest, QuietlyAddedAndPaddedStringsLeaveWatchedKeysClean) {
  auto flag = std::make_shared<WatchFlag>();
  shard().watch("s", flag);
  Entry* e = shard().add_quietly("s", hash_, "");
  str::grow_zeroed(shard(), e, 8);
  EXPECT_FALSE(flag->dirty.load());
  EXPECT_EQ(value(), std::string(8, '\0'));
  EXPECT_EQ(shard().size(), 1u);
  shard().unwatch("s", flag.get());
}

TEST_F(StringsTest, EditsMarkWatchedKeysAndKeepUsedBytesTrue) {
  auto flag = std::make_shared<WatchFlag>();
  shard().watch("s", flag);
  Entry* e = put("");
  flag->dirty = false;
  str::edit(shard(), e, [](std::span<uint8_t>) {});
  EXPECT_TRUE(flag->dirty.exchange(false));
  str::grow_zeroed(shard(), e, 1);  // Redis pads a bitmap silently: its command touches
  EXPECT_FALSE(flag->dirty.exchange(false));
  str::append(shard(), e, "x");
  EXPECT_TRUE(flag->dirty.exchange(false));
  shard().unwatch("s", flag.get());

  int64_t before = store_.used_bytes();
  int64_t old_bytes = static_cast<int64_t>(entry_bytes(e));
  str::grow_zeroed(shard(), e, 1 << 20);
  EXPECT_GE(entry_bytes(e), size_t{1} << 20);
  EXPECT_EQ(store_.used_bytes() - before, static_cast<int64_t>(entry_bytes(e)) - old_bytes);
}

}  // namespace
}  // namespace cachet::store
