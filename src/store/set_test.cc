#include "store/set.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "store/store.h"

namespace cachet::store {
namespace {

class SetTest : public testing::Test {
 protected:
  SetTest() : store_(clock_) {}
  ~SetTest() override { set::set_max_intset_entries(set::kDefaultMaxIntsetEntries); }

  // Runs fn(Shard&, Entry*&) on the set at "s", creating it if needed.
  template <typename Fn>
  void with_set(Fn&& fn) {
    uint64_t h = hash_key("s");
    auto lock = store_.lock(0, h);
    Shard& shard = lock.shard(h);
    Entry* e = shard.lookup_write("s", h, store_.now());
    if (e == nullptr) {
      e = shard.put("s", h, "", 0);
      set::init(e);
    }
    fn(shard, e);
  }

  void add_all(const std::vector<std::string>& members) {
    with_set([&](Shard& s, Entry*& e) {
      for (const std::string& m : members) set::add(s, e, m);
    });
  }

  ValueType type() {
    ValueType t{};
    with_set([&](Shard&, Entry*& e) { t = e->type(); });
    return t;
  }

  std::vector<std::string> members() {
    std::vector<std::string> out;
    with_set([&](Shard&, Entry*& e) {
      set::for_each(e, [&](std::string_view m) { out.emplace_back(m); });
    });
    return out;
  }

  // Bytes of the set entry as the store counts them, against the store's running total.
  void expect_bytes_consistent() {
    with_set([&](Shard&, Entry*& e) {
      size_t counted = 0;
      if (e->type() == ValueType::kSetTable) {
        const auto* t = set::member_table(e);
        counted = sizeof(OwnedTable) + t->entries.bucket_bytes();
        t->entries.for_each([&](const Entry* m) { counted += entry_bytes(m); });
      }
      EXPECT_EQ(set::heap_bytes(e), counted);
    });
    int64_t total = 0;
    store_.for_each_shard(0, [&](Shard& shard) {
      total += static_cast<int64_t>(shard.table().bucket_bytes());
      shard.table().for_each([&](const Entry* e) { total += entry_bytes(e); });
    });
    EXPECT_EQ(store_.used_bytes(), total);
  }

  ManualClock clock_;
  Store store_;
};

std::vector<std::string> numbers(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back(std::to_string(i));
  return out;
}

TEST(SetParseInt, FollowsRedisString2ll) {
  int64_t v = 7;
  EXPECT_TRUE(set::parse_int("0", v) && v == 0);
  EXPECT_TRUE(set::parse_int("-12", v) && v == -12);
  EXPECT_TRUE(set::parse_int("9223372036854775807", v) && v == INT64_MAX);
  EXPECT_TRUE(set::parse_int("-9223372036854775808", v) && v == INT64_MIN);
  for (const char* bad : {"", "-", "-0", "01", "+1", " 1", "1 ", "1.0", "9223372036854775808",
                          "-9223372036854775809", "00", "1a"}) {
    EXPECT_FALSE(set::parse_int(bad, v)) << bad;
  }
}

TEST_F(SetTest, IntsetKeepsSortedOrderAndWidens) {
  add_all({"5", "-3", "100", "5"});
  EXPECT_EQ(type(), ValueType::kSetInts);
  with_set([](Shard&, Entry*& e) { EXPECT_EQ(set::detail::int_width(e), 2u); });
  add_all({"70000"});  // needs 4 bytes
  with_set([](Shard&, Entry*& e) { EXPECT_EQ(set::detail::int_width(e), 4u); });
  add_all({"-9223372036854775808", "9223372036854775807"});
  with_set([](Shard&, Entry*& e) { EXPECT_EQ(set::detail::int_width(e), 8u); });
  EXPECT_EQ(members(), (std::vector<std::string>{"-9223372036854775808", "-3", "5", "100", "70000",
                                                 "9223372036854775807"}));
  with_set([](Shard& s, Entry*& e) {
    EXPECT_EQ(set::size(e), 6u);
    EXPECT_TRUE(set::contains(e, "70000"));
    EXPECT_FALSE(set::contains(e, "070000"));
    EXPECT_FALSE(set::contains(e, "x"));
    EXPECT_TRUE(set::remove(s, e, "-3"));
    EXPECT_FALSE(set::remove(s, e, "-3"));
    EXPECT_FALSE(set::remove(s, e, "x"));
    EXPECT_EQ(set::size(e), 5u);
    EXPECT_EQ(set::encoding_name(e), "intset");
  });
  EXPECT_EQ(type(), ValueType::kSetInts);
  expect_bytes_consistent();
}

TEST_F(SetTest, IntsetBecomesPackedOnAString) {
  add_all({"3", "1", "2", "x"});
  EXPECT_EQ(type(), ValueType::kSetPacked);
  EXPECT_EQ(members(), (std::vector<std::string>{"1", "2", "3", "x"}));
  with_set([](Shard& s, Entry*& e) {
    EXPECT_EQ(set::encoding_name(e), "hashtable");
    EXPECT_FALSE(set::add(s, e, "2"));
    EXPECT_TRUE(set::remove(s, e, "2"));
    EXPECT_EQ(set::size(e), 3u);
    EXPECT_TRUE(set::contains(e, "x"));
  });
  add_all({"4"});
  EXPECT_EQ(type(), ValueType::kSetPacked);  // never back to an intset
  expect_bytes_consistent();
}

TEST_F(SetTest, IntsetBecomesTableWhenTooManyIntegers) {
  add_all(numbers(0, 512));
  EXPECT_EQ(type(), ValueType::kSetInts);
  add_all({"512"});
  EXPECT_EQ(type(), ValueType::kSetTable);
  with_set([](Shard&, Entry*& e) { EXPECT_EQ(set::size(e), 513u); });
  expect_bytes_consistent();
}

TEST_F(SetTest, IntsetBecomesTableOnALongString) {
  add_all({"1", std::string(65, 'a')});
  EXPECT_EQ(type(), ValueType::kSetTable);
  with_set([](Shard&, Entry*& e) { EXPECT_EQ(set::encoding_name(e), "hashtable"); });
  expect_bytes_consistent();
}

TEST_F(SetTest, ConfiguredIntsetLimitGoesToPackedWhenSmall) {
  set::set_max_intset_entries(4);
  add_all(numbers(0, 4));
  EXPECT_EQ(type(), ValueType::kSetInts);
  add_all({"4"});
  EXPECT_EQ(type(), ValueType::kSetPacked);
}

TEST_F(SetTest, PackedBecomesTableAtLimits) {
  add_all({"a"});
  add_all(numbers(0, 127));
  EXPECT_EQ(type(), ValueType::kSetPacked);
  add_all({"b"});
  EXPECT_EQ(type(), ValueType::kSetTable);
  with_set([](Shard& s, Entry*& e) {
    EXPECT_EQ(set::size(e), 129u);
    EXPECT_TRUE(set::contains(e, "126"));
    EXPECT_TRUE(set::remove(s, e, "a"));
    EXPECT_FALSE(set::contains(e, "a"));
  });
  expect_bytes_consistent();
}

TEST_F(SetTest, PackedTakesMembersUpTo64Bytes) {
  add_all({"a", std::string(64, 'b')});
  EXPECT_EQ(type(), ValueType::kSetPacked);
  add_all({std::string(65, 'c')});
  EXPECT_EQ(type(), ValueType::kSetTable);
}

TEST_F(SetTest, RandomMembersAndPopCoverTheSet) {
  for (const auto& start : {numbers(0, 10), std::vector<std::string>{"a", "b", "c"}}) {
    add_all(start);
    std::mt19937_64 random(1);
    std::set<std::string> seen;
    with_set([&](Shard&, Entry*& e) {
      for (int i = 0; i < 1000; ++i) seen.insert(std::string(set::random_member(e, random).view()));
    });
    EXPECT_EQ(seen, std::set<std::string>(start.begin(), start.end()));
    std::set<std::string> popped;
    with_set([&](Shard& s, Entry*& e) {
      while (set::size(e) > 0) popped.insert(set::pop_random(s, e, random));
    });
    EXPECT_EQ(popped, seen);
  }
}

TEST_F(SetTest, ScanReturnsSmallSetsWholeAndVisitsEveryTableMember) {
  add_all({"1", "2"});
  with_set([](Shard&, Entry*& e) {
    int n = 0;
    EXPECT_EQ(set::scan(e, 0, [&](std::string_view) { ++n; }), 0u);
    EXPECT_EQ(n, 2);
  });
  add_all(numbers(0, 1000));
  std::set<std::string> seen;
  with_set([&](Shard&, Entry*& e) {
    uint64_t cursor = 0;
    do {
      cursor = set::scan(e, cursor, [&](std::string_view m) { seen.emplace(m); });
    } while (cursor != 0);
  });
  EXPECT_EQ(seen.size(), 1000u);
}

// Seeded random operations against a std::set reference, across every encoding.
TEST_F(SetTest, MatchesReferenceModel) {
  std::mt19937_64 random(42);
  std::set<std::string> model;
  auto pick = [&]() -> std::string {
    switch (random() % 4) {
      case 0:
        return std::to_string(static_cast<int64_t>(random() % 2000) - 1000);
      case 1:
        return std::to_string(static_cast<int64_t>(random()));
      case 2:
        return "m" + std::to_string(random() % 300);
      default:
        return std::string(1 + random() % 80, static_cast<char>('a' + random() % 3));
    }
  };
  for (int round = 0; round < 20000; ++round) {
    std::string m = pick();
    bool integers_only = round < 8000;  // first an intset phase, then mixed
    if (integers_only) m = std::to_string(static_cast<int64_t>(random() % 1500) - 700);
    with_set([&](Shard& s, Entry*& e) {
      switch (random() % 3) {
        case 0:
        case 1:
          EXPECT_EQ(set::add(s, e, m), model.insert(m).second);
          break;
        default:
          EXPECT_EQ(set::remove(s, e, m), model.erase(m) == 1);
      }
      EXPECT_EQ(set::size(e), model.size());
      EXPECT_EQ(set::contains(e, m), model.count(m) == 1);
    });
    if (round % 1000 == 0) {
      auto got = members();
      EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), model);
      expect_bytes_consistent();
    }
  }
  EXPECT_EQ(type(), ValueType::kSetTable);
  expect_bytes_consistent();
}

TEST_F(SetTest, DeletingATableSetReturnsItsBytes) {
  int64_t before = store_.used_bytes();
  add_all(numbers(0, 5000));
  EXPECT_GT(store_.used_bytes(), before + 5000 * 16);
  uint64_t h = hash_key("s");
  {
    auto lock = store_.lock(0, h);
    EXPECT_TRUE(lock.shard(h).erase("s", h, store_.now()));
  }
  expect_bytes_consistent();
}

}  // namespace
}  // namespace cachet::store
