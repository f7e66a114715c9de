#include "store/hash.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "store/store.h"

namespace cachet::store {
namespace {

class HashTest : public testing::Test {
 protected:
  HashTest() : store_(clock_) {}

  // Runs fn(Shard&, Entry*&) on the hash at "h", creating it if needed.
  template <typename Fn>
  void with_hash(Fn&& fn) {
    uint64_t h = hash_key("h");
    auto lock = store_.lock(0, h);
    Shard& shard = lock.shard(h);
    Entry* e = shard.lookup_write("h", h, store_.now());
    if (e == nullptr) {
      e = shard.put("h", h, "", 0);
      hash::init(e);
    }
    fn(shard, e);
  }

  std::map<std::string, std::string> contents() {
    std::map<std::string, std::string> out;
    with_hash([&](Shard&, Entry*& e) {
      hash::for_each(e, [&](std::string_view f, std::string_view v) { out.emplace(f, v); });
    });
    return out;
  }

  ManualClock clock_;
  Store store_;
};

TEST_F(HashTest, PackedSetGetRemoveKeepsOrder) {
  with_hash([](Shard& s, Entry*& e) {
    EXPECT_TRUE(hash::set(s, e, "a", "1"));
    EXPECT_TRUE(hash::set(s, e, "b", "2"));
    EXPECT_FALSE(hash::set(s, e, "a", "longer value"));
    EXPECT_EQ(e->type(), ValueType::kHashPacked);
    EXPECT_EQ(hash::get(e, "a"), "longer value");
    EXPECT_EQ(hash::get(e, "zz"), std::nullopt);
    std::string order;
    hash::for_each(e, [&](std::string_view f, std::string_view) { order += f; });
    EXPECT_EQ(order, "ab");  // an update keeps the field's place, as Redis's listpack does
    EXPECT_TRUE(hash::remove(s, e, "a"));
    EXPECT_FALSE(hash::remove(s, e, "a"));
    EXPECT_EQ(hash::size(e), 1u);
  });
}

TEST_F(HashTest, ConvertsToTableWhenLarge) {
  std::map<std::string, std::string> expected;
  with_hash([&](Shard& s, Entry*& e) {
    for (int i = 0; i < 200; ++i) {
      std::string f = "field" + std::to_string(i), v = std::string(i % 70, 'x');
      hash::set(s, e, f, v);
      expected[f] = v;
    }
    EXPECT_EQ(e->type(), ValueType::kHashTable);
    EXPECT_EQ(hash::size(e), 200u);
    EXPECT_TRUE(hash::remove(s, e, "field7"));
  });
  expected.erase("field7");
  EXPECT_EQ(contents(), expected);
}

TEST_F(HashTest, LongValueConvertsAtOnce) {
  with_hash([](Shard& s, Entry*& e) {
    hash::set(s, e, "a", "1");
    hash::set(s, e, "big", std::string(65, 'v'));
    EXPECT_EQ(e->type(), ValueType::kHashTable);
    EXPECT_EQ(hash::get(e, "a"), "1");
  });
}

// Memory accounting stays exact through conversion and deletion: deleting the key returns
// used_bytes to where it started.
TEST_F(HashTest, AccountingReturnsToZero) {
  uint64_t h = hash_key("h");
  with_hash([](Shard&, Entry*&) {});  // the shard's minimal bucket array now exists
  {
    auto lock = store_.lock(0, h);
    ASSERT_TRUE(lock.shard(h).erase("h", h, store_.now()));
  }
  int64_t before = store_.used_bytes();
  with_hash([](Shard& s, Entry*& e) {
    for (int i = 0; i < 1000; ++i) hash::set(s, e, "f" + std::to_string(i), "value");
    for (int i = 0; i < 500; ++i) hash::remove(s, e, "f" + std::to_string(i));
  });
  EXPECT_GT(store_.used_bytes(), before);
  {
    auto lock = store_.lock(0, h);
    ASSERT_TRUE(lock.shard(h).erase("h", h, store_.now()));
  }
  EXPECT_EQ(store_.used_bytes(), before);
}

TEST_F(HashTest, ScanOfTableVisitsEveryField) {
  with_hash([](Shard& s, Entry*& e) {
    for (int i = 0; i < 300; ++i) hash::set(s, e, "f" + std::to_string(i), "v");
    std::set<std::string> seen;
    uint64_t cursor = 0;
    do {
      cursor =
          hash::scan(e, cursor, [&](std::string_view f, std::string_view) { seen.emplace(f); });
    } while (cursor != 0);
    EXPECT_EQ(seen.size(), 300u);
  });
}

}  // namespace
}  // namespace cachet::store
