#include "store/zset.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "store/store.h"

namespace cachet::store {
namespace {

using Model = std::set<std::pair<double, std::string>>;

class ZsetTest : public testing::Test {
 protected:
  ZsetTest() : store_(clock_) {}
  ~ZsetTest() override {
    zset::set_max_packed(zset::kDefaultMaxPackedEntries, zset::kDefaultMaxPackedValue);
  }

  // Runs fn(Shard&, Entry*&) on the sorted set at "z", creating it if needed.
  template <typename Fn>
  void with_zset(Fn&& fn) {
    uint64_t h = hash_key("z");
    auto lock = store_.lock(0, h);
    Shard& shard = lock.shard(h);
    Entry* e = shard.lookup_write("z", h, store_.now());
    if (e == nullptr) {
      e = shard.put("z", h, "", 0);
      zset::init(e);
    }
    fn(shard, e);
  }

  ValueType type() {
    ValueType t{};
    with_zset([&](Shard&, Entry*& e) { t = e->type(); });
    return t;
  }

  std::vector<std::pair<double, std::string>> elements(bool reverse = false) {
    std::vector<std::pair<double, std::string>> out;
    with_zset([&](Shard&, Entry*& e) {
      if (size_t n = zset::size(e)) {
        zset::for_range(e, 0, n - 1, reverse, [&](const zset::Element& x) {
          out.emplace_back(x.score, std::string(x.member));
          return true;
        });
      }
    });
    return out;
  }

  // The store's running byte count equals the bytes of every entry, heap structures included.
  void expect_bytes_consistent() {
    int64_t total = 0;
    store_.for_each_shard(0, [&](Shard& shard) {
      total += static_cast<int64_t>(shard.table().bucket_bytes());
      shard.table().for_each([&](const Entry* e) { total += entry_bytes(e); });
    });
    EXPECT_EQ(store_.used_bytes(), total);
  }

  // Every query of the sorted set agrees with `model`.
  void expect_matches(const Model& model) {
    std::vector<std::pair<double, std::string>> want(model.begin(), model.end());
    ASSERT_EQ(elements(), want);
    std::vector<std::pair<double, std::string>> reversed(want.rbegin(), want.rend());
    ASSERT_EQ(elements(true), reversed);
    with_zset([&](Shard&, Entry*& e) {
      ASSERT_EQ(zset::size(e), want.size());
      for (size_t r = 0; r < want.size(); r += 1 + want.size() / 50) {
        EXPECT_EQ(zset::rank(e, want[r].second), r);
        EXPECT_EQ(zset::score(e, want[r].second), want[r].first);
        zset::Element x = zset::at(e, r);
        EXPECT_EQ(x.member, want[r].second);
        EXPECT_EQ(x.score, want[r].first);
        double bound = want[r].first;
        size_t below =
            zset::count_before(e, [&](const zset::Element& y) { return y.score < bound; });
        size_t expect = static_cast<size_t>(
            std::lower_bound(want.begin(), want.end(), std::make_pair(bound, std::string())) -
            want.begin());
        EXPECT_EQ(below, expect);
      }
      EXPECT_FALSE(zset::rank(e, "absent").has_value());
      EXPECT_FALSE(zset::score(e, "absent").has_value());
    });
  }

  ManualClock clock_;
  Store store_;
};

TEST_F(ZsetTest, SmallSetsArePackedInScoreThenMemberOrder) {
  with_zset([&](Shard& s, Entry*& e) {
    EXPECT_EQ(zset::add(s, e, "b", 2), zset::AddResult::kAdded);
    EXPECT_EQ(zset::add(s, e, "a", 2), zset::AddResult::kAdded);
    EXPECT_EQ(zset::add(s, e, "c", -1.5), zset::AddResult::kAdded);
    EXPECT_EQ(zset::add(s, e, "c", -1.5), zset::AddResult::kUnchanged);
    EXPECT_EQ(zset::add(s, e, "ab", 2), zset::AddResult::kAdded);
  });
  EXPECT_EQ(type(), ValueType::kZsetPacked);
  std::vector<std::pair<double, std::string>> want = {{-1.5, "c"}, {2, "a"}, {2, "ab"}, {2, "b"}};
  EXPECT_EQ(elements(), want);
  with_zset([&](Shard&, Entry*& e) { EXPECT_EQ(zset::encoding_name(e), "listpack"); });
}

TEST_F(ZsetTest, PackedScoresRoundTripExactly) {
  const double scores[] = {0,
                           -1,
                           1,
                           63,
                           64,
                           -65,
                           1e15,
                           -9007199254740991.0,
                           9007199254740992.0,
                           1.5,
                           0.1,
                           -2.5e-300,
                           INFINITY,
                           -INFINITY,
                           1.7976931348623157e308};
  Model model;
  with_zset([&](Shard& s, Entry*& e) {
    int i = 0;
    for (double d : scores) {
      std::string m = "m" + std::to_string(i++);
      zset::add(s, e, m, d);
      model.emplace(d, m);
    }
  });
  EXPECT_EQ(type(), ValueType::kZsetPacked);
  expect_matches(model);
}

TEST_F(ZsetTest, NegativeZeroIsZeroWhilePackedAsInRedisListpacks) {
  with_zset([&](Shard& s, Entry*& e) {
    zset::add(s, e, "z", -0.0);
    EXPECT_FALSE(std::signbit(*zset::score(e, "z")));
  });
}

TEST_F(ZsetTest, ReserveStartsATreeWhenTheHintsWouldNotStayPacked) {
  with_zset([&](Shard& s, Entry*& e) {
    zset::reserve(s, e, 129, 1);
    EXPECT_EQ(e->type(), ValueType::kZsetTree);
    zset::add(s, e, "z", -0.0);
    EXPECT_TRUE(std::signbit(*zset::score(e, "z")));  // as in Redis's skiplist
  });
  expect_bytes_consistent();
}

TEST_F(ZsetTest, ReserveKeepsSmallSetsPacked) {
  with_zset([&](Shard& s, Entry*& e) {
    zset::reserve(s, e, 128, 64);
    EXPECT_EQ(e->type(), ValueType::kZsetPacked);
  });
}

TEST_F(ZsetTest, ConvertsToTreePastTheEntryLimit) {
  zset::set_max_packed(4, 64);
  Model model;
  with_zset([&](Shard& s, Entry*& e) {
    for (int i = 0; i < 5; ++i) {
      zset::add(s, e, "m" + std::to_string(i), i);
      model.emplace(i, "m" + std::to_string(i));
      EXPECT_EQ(e->type(), i < 4 ? ValueType::kZsetPacked : ValueType::kZsetTree);
    }
    EXPECT_EQ(zset::encoding_name(e), "skiplist");
  });
  expect_matches(model);
  expect_bytes_consistent();
}

TEST_F(ZsetTest, ConvertsToTreeForALongMember) {
  with_zset([&](Shard& s, Entry*& e) {
    zset::add(s, e, "short", 1);
    zset::add(s, e, std::string(65, 'x'), 2);
    EXPECT_EQ(e->type(), ValueType::kZsetTree);
  });
  expect_bytes_consistent();
}

TEST_F(ZsetTest, UpdatingAFullPackedSetKeepsItPacked) {
  zset::set_max_packed(3, 64);
  with_zset([&](Shard& s, Entry*& e) {
    for (int i = 0; i < 3; ++i) zset::add(s, e, "m" + std::to_string(i), i);
    EXPECT_EQ(zset::add(s, e, "m0", 10), zset::AddResult::kUpdated);
    EXPECT_EQ(e->type(), ValueType::kZsetPacked);
    EXPECT_EQ(zset::rank(e, "m0"), 2u);
  });
}

// Random adds, updates, removals and range removals against a std::set, in both encodings
// (the packed limit 0 or 128), with the byte accounting checked throughout.
class ZsetModelTest : public ZsetTest, public testing::WithParamInterface<size_t> {};

TEST_P(ZsetModelTest, AgreesWithAReferenceModel) {
  zset::set_max_packed(GetParam(), 64);
  std::mt19937_64 random(GetParam() * 7919 + 1);
  Model model;
  std::map<std::string, double> scores;
  auto remove_model = [&](const std::string& m) {
    auto it = scores.find(m);
    if (it == scores.end()) return false;
    model.erase({it->second, m});
    scores.erase(it);
    return true;
  };
  for (int step = 0; step < 20000; ++step) {
    std::string m = "m" + std::to_string(random() % 3000);
    double score = random() % 4 == 0 ? static_cast<double>(random() % 50) / 4
                                     : static_cast<double>(random() % 40);
    int op = static_cast<int>(random() % 10);
    with_zset([&](Shard& s, Entry*& e) {
      if (op < 6) {
        bool existed = scores.count(m) > 0;
        bool same = existed && scores[m] == score;
        remove_model(m);
        model.emplace(score, m);
        scores[m] = score;
        zset::AddResult want = !existed ? zset::AddResult::kAdded
                               : same   ? zset::AddResult::kUnchanged
                                        : zset::AddResult::kUpdated;
        EXPECT_EQ(zset::add(s, e, m, score), want);
      } else if (op < 9) {
        EXPECT_EQ(zset::remove(s, e, m), remove_model(m));
      } else if (!model.empty()) {
        size_t first = random() % model.size();
        size_t last = std::min(model.size() - 1, first + random() % 20);
        std::vector<std::string> doomed;
        auto it = std::next(model.begin(), static_cast<long>(first));
        for (size_t r = first; r <= last; ++r, ++it) doomed.push_back(it->second);
        for (const std::string& d : doomed) remove_model(d);
        EXPECT_EQ(zset::remove_range(s, e, first, last), last - first + 1);
      }
    });
    if (step % 2000 == 1999) {
      expect_matches(model);
      expect_bytes_consistent();
    }
  }
  expect_matches(model);
}

INSTANTIATE_TEST_SUITE_P(Encodings, ZsetModelTest,
                         testing::Values(size_t{0}, size_t{128}, size_t{1000000}));

TEST_F(ZsetTest, LargeTreeRanksAndRangesAgreeWithTheModel) {
  Model model;
  std::mt19937_64 random(42);
  with_zset([&](Shard& s, Entry*& e) {
    for (int i = 0; i < 50000; ++i) {
      std::string m = "member:" + std::to_string(i);
      double score = static_cast<double>(random() % 100000);
      zset::add(s, e, m, score);
      model.emplace(score, m);
    }
  });
  expect_matches(model);
  with_zset([&](Shard& s, Entry*& e) {  // drain from the front, as a sliding window does
    while (zset::size(e) > 10)
      zset::remove_range(s, e, 0, std::min<size_t>(999, zset::size(e) - 11));
  });
  while (model.size() > 10) model.erase(model.begin());
  expect_matches(model);
  expect_bytes_consistent();
}

TEST_F(ZsetTest, ScanVisitsEveryMemberOfATree) {
  std::set<std::string> want;
  with_zset([&](Shard& s, Entry*& e) {
    for (int i = 0; i < 1000; ++i) {
      zset::add(s, e, "m" + std::to_string(i), i);
      want.insert("m" + std::to_string(i));
    }
    std::set<std::string> seen;
    uint64_t cursor = 0;
    do {
      cursor = zset::scan(e, cursor, [&](const zset::Element& x) {
        EXPECT_EQ(x.score, std::stod(std::string(x.member.substr(1))));
        seen.emplace(x.member);
      });
    } while (cursor != 0);
    EXPECT_EQ(seen, want);
  });
}

}  // namespace
}  // namespace cachet::store
