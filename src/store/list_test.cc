#include "store/list.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "store/store.h"

namespace cachet::store {
namespace {

using list::End;

// list::index as a copy (its view may point into a local decompression buffer).
std::optional<std::string> element_at(const Entry* e, int64_t i) {
  std::string buffer;
  auto v = list::index(e, i, buffer);
  return v ? std::optional<std::string>(*v) : std::nullopt;
}

class ListTest : public testing::Test {
 protected:
  ListTest() : store_(clock_) {}
  ~ListTest() override {
    list::set_packed_limit(-2);
    list::set_compress_depth(0);
  }

  // Runs fn(Shard&, Entry*&) on the list at "l", creating it if needed; afterwards checks that
  // the bytes accounted to the store match what the entry owns.
  template <typename Fn>
  void with_list(Fn&& fn) {
    uint64_t h = hash_key("l");
    auto lock = store_.lock(0, h);
    Shard& shard = lock.shard(h);
    Entry* e = shard.lookup_write("l", h, store_.now());
    if (e == nullptr) {
      e = shard.put("l", h, "", 0);
      list::init(e);
      base_ = store_.used_bytes() - static_cast<int64_t>(entry_bytes(e));
    }
    fn(shard, e);
    ASSERT_EQ(store_.used_bytes() - base_, static_cast<int64_t>(entry_bytes(e)));
  }

  std::vector<std::string> contents() {
    std::vector<std::string> out;
    with_list([&](Shard&, Entry*& e) {
      if (list::size(e) > 0) {
        list::for_range(e, 0, list::size(e) - 1, [&](std::string_view v) { out.emplace_back(v); });
      }
    });
    return out;
  }

  // Deletes the list, so the next with_list starts a fresh packed one.
  void reset() {
    uint64_t h = hash_key("l");
    auto lock = store_.lock(0, h);
    lock.shard(h).erase("l", h, store_.now());
  }

  ManualClock clock_;
  Store store_;
  int64_t base_ = 0;
};

TEST_F(ListTest, PushPopBothEnds) {
  with_list([](Shard& s, Entry*& e) {
    EXPECT_EQ(list::size(e), 0u);
    EXPECT_EQ(list::pop(s, e, End::kHead), std::nullopt);
    list::push(s, e, End::kTail, "b");
    list::push(s, e, End::kHead, "a");
    list::push(s, e, End::kTail, "");
    EXPECT_EQ(list::size(e), 3u);
    EXPECT_EQ(element_at(e, 0), "a");
    EXPECT_EQ(element_at(e, -1), "");
    EXPECT_EQ(element_at(e, 3), std::nullopt);
    EXPECT_EQ(element_at(e, -4), std::nullopt);
    EXPECT_EQ(list::pop(s, e, End::kTail), "");
    EXPECT_EQ(list::pop(s, e, End::kHead), "a");
    EXPECT_EQ(e->type(), ValueType::kListPacked);
    EXPECT_EQ(list::encoding_name(e), "quicklist");
  });
  EXPECT_EQ(contents(), std::vector<std::string>{"b"});
}

TEST_F(ListTest, ConvertsToNodesPastTheByteLimitForGood) {
  std::string element(100, 'x');
  with_list([&](Shard& s, Entry*& e) {
    for (int i = 0; i < 80; ++i) list::push(s, e, End::kTail, element);  // 80 * 102 <= 8 KB
    EXPECT_EQ(e->type(), ValueType::kListPacked);
    EXPECT_EQ(list::heap_bytes(e), 0u);
    list::push(s, e, End::kTail, element);
    EXPECT_EQ(e->type(), ValueType::kListNodes);
    EXPECT_GT(list::heap_bytes(e), 80 * element.size());
    while (list::size(e) > 1) list::pop(s, e, End::kHead);
    EXPECT_EQ(e->type(), ValueType::kListNodes);
  });
}

TEST_F(ListTest, CountLimitConverts) {
  list::set_packed_limit(4);
  with_list([](Shard& s, Entry*& e) {
    for (int i = 0; i < 4; ++i) list::push(s, e, End::kHead, "v");
    EXPECT_EQ(e->type(), ValueType::kListPacked);
    list::push(s, e, End::kHead, "v");
    EXPECT_EQ(e->type(), ValueType::kListNodes);
  });
}

TEST_F(ListTest, LargeElementConvertsAtOnce) {
  with_list([](Shard& s, Entry*& e) {
    list::push(s, e, End::kTail, std::string(65536, 'z'));
    EXPECT_EQ(e->type(), ValueType::kListNodes);
    list::push(s, e, End::kHead, "a");
    EXPECT_EQ(element_at(e, 1)->size(), 65536u);
    EXPECT_EQ(list::pop(s, e, End::kTail)->size(), 65536u);
  });
}

TEST_F(ListTest, InsertSetRemoveTrim) {
  with_list([](Shard& s, Entry*& e) {
    for (const char* v : {"a", "b", "a", "c", "a"}) list::push(s, e, End::kTail, v);
    EXPECT_EQ(list::insert(s, e, true, "c", "x"), 6);
    EXPECT_EQ(list::insert(s, e, false, "a", "y"), 7);  // a y b a x c a
    EXPECT_EQ(list::insert(s, e, false, "zz", "y"), -1);
    EXPECT_TRUE(list::set(s, e, -1, "last"));
    EXPECT_FALSE(list::set(s, e, 7, "nope"));
    EXPECT_EQ(list::remove(s, e, -1, "a"), 1u);  // a y b x c last
    EXPECT_EQ(list::remove(s, e, 0, "b"), 1u);   // a y x c last
    list::trim(s, e, 1, 3);                      // y x c
  });
  EXPECT_EQ(contents(), (std::vector<std::string>{"y", "x", "c"}));
}

// A random element length, favouring the header boundaries of the packed encoding.
size_t random_length(std::mt19937_64& rng) {
  static constexpr size_t kLengths[] = {0, 1, 2, 127, 128, 255, 256, 16383, 16384, 65536};
  if (rng() % 4 == 0) {
    size_t pick = rng() % std::size(kLengths);
    if (kLengths[pick] > 256 && rng() % 8 != 0) return rng() % 300;  // keep big ones rare
    return kLengths[pick];
  }
  return rng() % 20;
}

std::string random_value(std::mt19937_64& rng) {
  size_t len = random_length(rng);
  std::string v(len, 'a');
  for (char& c : v) c = static_cast<char>('a' + rng() % 3);  // few values: LREM/LINSERT match
  return v;
}

// Parameters: list-max-listpack-size, list-compress-depth.
class ListRandomTest : public ListTest,
                       public testing::WithParamInterface<std::tuple<int64_t, int64_t>> {
 protected:
  void random_operations(uint64_t seed, int ops);
  // Checks that the `depth` nodes at each end are raw.
  void check_compression(const Entry* e);
  bool saw_nodes_ = false;
  bool saw_compressed_ = false;
};

void ListRandomTest::check_compression(const Entry* e) {
  auto depth = static_cast<size_t>(std::get<1>(GetParam()));
  std::string map = list::node_map(e);
  size_t ends = std::min(depth, map.size());
  ASSERT_EQ(map.substr(0, ends), std::string(ends, 'r')) << map;
  ASSERT_EQ(map.substr(map.size() - ends), std::string(ends, 'r')) << map;
  saw_compressed_ |= map.find('c') != std::string::npos;
}

// Applies seeded random operations to the list and a std::deque, comparing after each.
void ListRandomTest::random_operations(uint64_t seed, int ops) {
  std::mt19937_64 rng(seed);
  std::deque<std::string> model;
  for (int op = 0; op < ops; ++op) {
    SCOPED_TRACE(testing::Message() << "seed " << seed << " op " << op);
    with_list([&](Shard& s, Entry*& e) {
      int64_t n = static_cast<int64_t>(model.size());
      int64_t i = n == 0 ? 0 : static_cast<int64_t>(rng() % (2 * n)) - n;  // in range
      size_t kind = rng() % 20;
      bool grow = model.size() < 400;
      if (kind < (grow ? 7u : 3u)) {
        std::string v = random_value(rng);
        End end = rng() % 2 ? End::kHead : End::kTail;
        list::push(s, e, end, v);
        end == End::kHead ? model.push_front(v) : model.push_back(v);
      } else if (kind < 11) {
        End end = rng() % 2 ? End::kHead : End::kTail;
        auto got = list::pop(s, e, end);
        if (model.empty()) {
          ASSERT_EQ(got, std::nullopt);
        } else {
          ASSERT_EQ(got, end == End::kHead ? model.front() : model.back());
          end == End::kHead ? model.pop_front() : model.pop_back();
        }
      } else if (kind < 13) {
        std::string v = random_value(rng);
        ASSERT_EQ(list::set(s, e, i, v), n > 0);
        if (n > 0) model[i < 0 ? i + n : i] = v;
      } else if (kind < 15) {
        std::string pivot = random_value(rng), v = random_value(rng);
        bool before = rng() % 2;
        auto it = std::find(model.begin(), model.end(), pivot);
        int64_t expect = -1;
        if (it != model.end()) {
          model.insert(before ? it : it + 1, v);
          expect = static_cast<int64_t>(model.size());
        }
        ASSERT_EQ(list::insert(s, e, before, pivot, v), expect);
      } else if (kind < 17) {
        std::string v = random_value(rng);
        int64_t count = static_cast<int64_t>(rng() % 5) - 2;
        size_t removed = 0;
        if (count >= 0) {
          for (auto it = model.begin(); it != model.end();) {
            if (*it == v && (count == 0 || removed < static_cast<size_t>(count))) {
              it = model.erase(it), ++removed;
            } else {
              ++it;
            }
          }
        } else {
          for (int64_t k = n - 1; k >= 0 && removed < static_cast<size_t>(-count); --k) {
            if (model[k] == v) model.erase(model.begin() + k), ++removed;
          }
        }
        ASSERT_EQ(list::remove(s, e, count, v), removed);
      } else if (kind < 18 && n > 0) {
        size_t start = rng() % (n / 8 + 1), stop = n - 1 - rng() % (n / 8 + 1);
        if (start <= stop) {
          list::trim(s, e, start, stop);
          model.erase(model.begin() + static_cast<int64_t>(stop) + 1, model.end());
          model.erase(model.begin(), model.begin() + static_cast<int64_t>(start));
        }
      } else if (n > 0) {
        ASSERT_EQ(element_at(e, i), model[i < 0 ? i + n : i]);
      }
      ASSERT_EQ(list::size(e), model.size());
      saw_nodes_ |= e->type() == ValueType::kListNodes;
      check_compression(e);
    });
    if (op % 50 == 0 || op == ops - 1) {
      ASSERT_EQ(contents(), std::vector<std::string>(model.begin(), model.end()));
    }
  }
}

TEST_P(ListRandomTest, MatchesDequeModel) {
  auto [limit, depth] = GetParam();
  list::set_packed_limit(limit);
  list::set_compress_depth(depth);
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    random_operations(seed * 7919 + static_cast<uint64_t>(limit + 1000 * depth), 3000);
    with_list([](Shard& s, Entry*& e) {
      if (list::size(e) > 0) list::trim(s, e, 0, 0);
      list::pop(s, e, End::kHead);
    });
    reset();
  }
  EXPECT_TRUE(saw_nodes_);
  // Small count limits make nodes below Redis's 48-byte compression minimum.
  if (depth > 0 && (limit < 0 || limit >= 8)) {
    EXPECT_TRUE(saw_compressed_);
  }
}

INSTANTIATE_TEST_SUITE_P(Limits, ListRandomTest,
                         testing::Combine(testing::Values(-2, -1, -5, 1, 3, 128),
                                          testing::Values(0)));
INSTANTIATE_TEST_SUITE_P(Compressed, ListRandomTest,
                         testing::Combine(testing::Values(-1, 3, 8, 16), testing::Values(1, 2)));

std::string item(int i) {
  std::string s = "item:" + std::to_string(i);
  return s.insert(5, 16 - s.size(), '0');  // 16 bytes, as bench/types_memory.py
}

// A list of `nodes` full nodes of 16 items each (list-max-listpack-size 16).
class CompressedListTest : public ListTest {
 protected:
  void fill(int depth, int nodes) {
    list::set_packed_limit(16);
    list::set_compress_depth(depth);
    with_list([&](Shard& s, Entry*& e) {
      for (int i = 0; i < 16 * nodes; ++i) list::push(s, e, End::kTail, item(i));
    });
  }
  std::string node_map() {
    std::string map;
    with_list([&](Shard&, Entry*& e) { map = list::node_map(e); });
    return map;
  }
  std::vector<std::string> items(int from, int to) {
    std::vector<std::string> out;
    for (int i = from; i < to; ++i) out.push_back(item(i));
    return out;
  }
};

TEST_F(CompressedListTest, InnerNodesAreCompressedAndAccountedSmaller) {
  fill(0, 6);
  size_t raw_heap = 0;
  with_list([&](Shard&, Entry*& e) { raw_heap = list::heap_bytes(e); });
  reset();
  fill(1, 6);
  EXPECT_EQ(node_map(), "rccccr");
  with_list([&](Shard&, Entry*& e) { EXPECT_LT(list::heap_bytes(e), raw_heap); });
  EXPECT_EQ(contents(), items(0, 96));
}

TEST_F(CompressedListTest, DepthIsFixedWhenTheListConverts) {
  fill(2, 6);
  EXPECT_EQ(node_map(), "rrccrr");
  list::set_compress_depth(0);
  with_list([](Shard& s, Entry*& e) {
    for (int i = 96; i < 112; ++i) list::push(s, e, End::kTail, item(i));
  });
  EXPECT_EQ(node_map(), "rrcccrr");  // still depth 2
}

TEST_F(CompressedListTest, TooFewNodesCompressNothing) {
  fill(2, 4);
  EXPECT_EQ(node_map(), "rrrr");
  with_list([](Shard& s, Entry*& e) { list::push(s, e, End::kHead, "x"); });  // a fifth node
  EXPECT_EQ(node_map(), "rrcrr");
}

TEST_F(CompressedListTest, APopInflatesTheNodeThatBecomesAnEnd) {
  fill(1, 4);
  EXPECT_EQ(node_map(), "rccr");
  with_list([](Shard& s, Entry*& e) {
    for (int i = 0; i < 16; ++i) EXPECT_EQ(list::pop(s, e, End::kHead), item(i));
    EXPECT_EQ(list::pop(s, e, End::kHead), item(16));  // from the formerly compressed node
  });
  EXPECT_EQ(node_map(), "rcr");
  EXPECT_EQ(contents(), items(17, 64));
}

TEST_F(CompressedListTest, TrimFreesCompressedNodesAndInflatesTheNewEnds) {
  fill(1, 8);
  with_list([](Shard& s, Entry*& e) { list::trim(s, e, 40, 100); });  // into nodes 2 and 6
  EXPECT_EQ(node_map(), "rcccr");
  EXPECT_EQ(contents(), items(40, 101));
}

TEST_F(CompressedListTest, MiddleReadsAndChangesRecompress) {
  fill(1, 5);
  with_list([](Shard& s, Entry*& e) {
    EXPECT_EQ(element_at(e, 40), item(40));
    std::string range;
    list::for_range(e, 30, 33, [&](std::string_view v) { range += v; });
    EXPECT_EQ(range, item(30) + item(31) + item(32) + item(33));
    EXPECT_TRUE(list::set(s, e, 40, "changed"));
    EXPECT_EQ(list::insert(s, e, true, item(50), "inserted"), 81);
    EXPECT_EQ(list::remove(s, e, 0, item(20)), 1u);
  });
  std::string map = node_map();
  EXPECT_EQ(map, "r" + std::string(map.size() - 2, 'c') + "r");
  std::vector<std::string> want = items(0, 80);
  want[40] = "changed";
  want.insert(want.begin() + 50, "inserted");
  want.erase(want.begin() + 20);
  EXPECT_EQ(contents(), want);
}

TEST_F(CompressedListTest, IncompressibleNodesStayRaw) {
  list::set_packed_limit(4);
  list::set_compress_depth(1);
  std::mt19937_64 rng(5);
  with_list([&](Shard& s, Entry*& e) {
    for (int i = 0; i < 40; ++i) {
      std::string v(30, ' ');
      for (char& c : v) c = static_cast<char>(rng());
      list::push(s, e, End::kTail, v);
    }
  });
  EXPECT_EQ(node_map(), std::string(10, 'r'));
}

TEST_F(ListTest, CursorWalksBothWaysAcrossNodes) {
  list::set_packed_limit(2);
  with_list([](Shard& s, Entry*& e) {
    for (int i = 0; i < 9; ++i) list::push(s, e, End::kTail, std::to_string(i));
    std::string forward, backward;
    list::for_each_from(e, End::kHead, [&](std::string_view v) { return forward += v, true; });
    list::for_each_from(e, End::kTail, [&](std::string_view v) {
      backward += v;
      return v != "3";
    });
    EXPECT_EQ(forward, "012345678");
    EXPECT_EQ(backward, "876543");
    std::string range;
    list::for_range(e, 3, 6, [&](std::string_view v) { range += v; });
    EXPECT_EQ(range, "3456");
  });
}

}  // namespace
}  // namespace cachet::store
