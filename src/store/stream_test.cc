#include "store/stream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace cachet::store::stream {
namespace {

using Model = std::map<Id, std::vector<std::string>>;

std::vector<std::string> as_strings(const Item& item) {
  return {item.fields.begin(), item.fields.end()};
}

// Every live entry of `s` in [start, end], in the direction asked.
std::vector<std::pair<Id, std::vector<std::string>>> read(const Stream& s, Id start, Id end,
                                                          bool reverse) {
  std::vector<std::pair<Id, std::vector<std::string>>> out;
  s.for_range(start, end, reverse, [&](Item& item) {
    out.emplace_back(item.id, as_strings(item));
    return true;
  });
  return out;
}

std::vector<std::pair<Id, std::vector<std::string>>> read_model(const Model& m, Id start, Id end,
                                                                bool reverse) {
  std::vector<std::pair<Id, std::vector<std::string>>> out;
  for (const auto& [id, fields] : m) {
    if (id >= start && id <= end) out.emplace_back(id, fields);
  }
  if (reverse) std::reverse(out.begin(), out.end());
  return out;
}

void append(Stream& s, Model& m, Id id, std::vector<std::string> fields) {
  std::vector<std::string_view> views(fields.begin(), fields.end());
  s.append(id, views);
  m[id] = std::move(fields);
}

TEST(Stream, AppendsAndReadsRangesBothWays) {
  Stream s;
  Model m;
  for (uint64_t i = 1; i <= 250; ++i) {
    append(s, m, {i, i % 3}, {"f", std::to_string(i), i % 2 ? "g" : "h", std::string(i % 7, 'x')});
  }
  EXPECT_EQ(s.length(), 250u);
  EXPECT_EQ(s.node_count(), 3u);  // 100 entries per node, as Redis's default
  EXPECT_EQ(s.last_id, (Id{250, 1}));
  EXPECT_EQ(s.first_id, (Id{1, 1}));
  for (auto [a, b] : {std::pair<uint64_t, uint64_t>{0, 300}, {50, 150}, {100, 101}, {7, 7}}) {
    EXPECT_EQ(read(s, {a, 0}, {b, UINT64_MAX}, false),
              read_model(m, {a, 0}, {b, UINT64_MAX}, false));
    EXPECT_EQ(read(s, {a, 0}, {b, UINT64_MAX}, true), read_model(m, {a, 0}, {b, UINT64_MAX}, true));
  }
}

TEST(Stream, RemoveMarksEntriesAndTracksFirstAndMaxDeleted) {
  Stream s;
  Model m;
  for (uint64_t i = 1; i <= 5; ++i) append(s, m, {i, 0}, {"a", "b"});
  EXPECT_TRUE(s.remove({1, 0}));
  EXPECT_FALSE(s.remove({1, 0}));
  EXPECT_FALSE(s.remove({9, 0}));
  EXPECT_TRUE(s.remove({3, 0}));
  EXPECT_EQ(s.length(), 3u);
  EXPECT_EQ(s.first_id, (Id{2, 0}));
  EXPECT_EQ(s.max_deleted_id, (Id{3, 0}));
  EXPECT_FALSE(s.find({3, 0}));
  EXPECT_TRUE(s.find({4, 0}));
  EXPECT_TRUE(s.has_tombstones({2, 0}));
  EXPECT_FALSE(s.has_tombstones({4, 0}));
  for (uint64_t i : {2, 4, 5}) EXPECT_TRUE(s.remove({i, 0}));
  EXPECT_EQ(s.length(), 0u);
  EXPECT_EQ(s.node_count(), 0u);  // a node with no live entry goes
  EXPECT_EQ(s.first_id, Id{});
}

TEST(Stream, TrimsWholeNodesApproximatelyAndEntriesExactly) {
  Stream s;
  Model m;
  for (uint64_t i = 1; i <= 350; ++i) append(s, m, {i, 0}, {"f", "v"});
  Stream::Trim approx{.by = Stream::Trim::By::kMaxLen, .max_len = 180, .approximate = true};
  EXPECT_EQ(s.trim(approx), 100);  // one whole node; the next would go below 180
  EXPECT_EQ(s.length(), 250u);
  Stream::Trim exact{.by = Stream::Trim::By::kMaxLen, .max_len = 180};
  EXPECT_EQ(s.trim(exact), 70);
  EXPECT_EQ(s.length(), 180u);
  EXPECT_EQ(s.first_id, (Id{171, 0}));
  Stream::Trim minid{.by = Stream::Trim::By::kMinId, .min_id = {305, 0}};
  EXPECT_EQ(s.trim(minid), 134);
  EXPECT_EQ(s.first_id, (Id{305, 0}));
  Stream::Trim limited{.by = Stream::Trim::By::kMaxLen, .approximate = true, .limit = 10};
  EXPECT_EQ(s.trim(limited), 0);  // the first node holds more than the limit
}

TEST(Stream, RandomOperationsMatchAMap) {
  std::mt19937_64 rng(7);
  Stream s;
  Model m;
  uint64_t next = 1;
  for (int step = 0; step < 20000; ++step) {
    int op = static_cast<int>(rng() % 10);
    if (op < 6) {
      std::vector<std::string> fields;
      // Integer-looking values (kept as integers), others, and repeated field names (kept once
      // per node).
      static const std::vector<std::string> kValues = {"0",
                                                       "-5",
                                                       "12345678",
                                                       "007",
                                                       "9223372036854775807",
                                                       "-9223372036854775808",
                                                       "4611686018427387904",
                                                       "-4611686018427387903",
                                                       "1.5",
                                                       "",
                                                       "+1",
                                                       "-0"};
      for (uint64_t f = 0, n = 1 + rng() % 3; f < n; ++f) {
        fields.push_back(rng() % 2 ? "same" + std::to_string(f) : "f" + std::to_string(rng() % 5));
        fields.push_back(rng() % 2 ? kValues[rng() % kValues.size()]
                                   : std::string(rng() % 60, 'v'));
      }
      Id id{next, rng() % 3};
      next += 1 + rng() % 2;
      append(s, m, id, std::move(fields));
    } else if (op < 9 && !m.empty()) {
      Id id{1 + rng() % next, rng() % 3};
      EXPECT_EQ(s.remove(id), m.erase(id) == 1);
    } else {
      uint64_t keep = rng() % 300;
      Stream::Trim t{.by = Stream::Trim::By::kMaxLen, .max_len = keep};
      auto removed = static_cast<size_t>(s.trim(t));
      size_t expected = m.size() > keep ? m.size() - keep : 0;
      EXPECT_EQ(removed, expected);
      while (m.size() > keep) m.erase(m.begin());
    }
    ASSERT_EQ(s.length(), m.size());
    if (step % 500 == 0) {
      ASSERT_EQ(read(s, {}, kMaxId, false), read_model(m, {}, kMaxId, false));
      ASSERT_EQ(read(s, {}, kMaxId, true), read_model(m, {}, kMaxId, true));
      ASSERT_EQ(s.first_id, m.empty() ? Id{} : m.begin()->first);
    }
  }
}

TEST(Stream, ItemCopiesOwnTheirIntegerText) {
  Stream s;
  Model m;
  append(s, m, {1, 0}, {"n", "42", "s", "text"});
  append(s, m, {2, 0}, {"n", "-7", "s", "more"});  // same fields: stored as values only
  std::optional<Item> copy;
  {
    std::optional<Item> read = s.find({2, 0});
    ASSERT_TRUE(read);
    copy = *read;
  }
  EXPECT_EQ(as_strings(*copy), (std::vector<std::string>{"n", "-7", "s", "more"}));
  Item assigned;
  assigned = *copy;
  copy.reset();
  EXPECT_EQ(as_strings(assigned), (std::vector<std::string>{"n", "-7", "s", "more"}));
}

TEST(Stream, BytesComeBackWhenNodesGo) {
  Stream s;
  Model m;
  size_t empty = s.bytes();
  for (uint64_t i = 1; i <= 20; ++i) {
    append(s, m, {i, 1}, {"a", "1"});
    EXPECT_TRUE(s.remove({i, 1}));  // the node goes with its only entry
    EXPECT_EQ(s.bytes(), empty);
  }
  for (uint64_t i = 21; i <= 350; ++i) append(s, m, {i, 1}, {"a", std::to_string(i)});
  Stream copy(s);
  EXPECT_EQ(read(copy, {}, kMaxId, false), read(s, {}, kMaxId, false));
  s.trim({.by = Stream::Trim::By::kMaxLen, .max_len = 0});
  EXPECT_EQ(s.bytes(), empty);
  copy.trim({.by = Stream::Trim::By::kMaxLen, .max_len = 0});
  EXPECT_EQ(copy.bytes(), empty);
}

TEST(Stream, EntriesReadEstimates) {
  Stream s;
  Model m;
  EXPECT_EQ(s.entries_before_or_at({5, 0}), 0);
  for (uint64_t i = 1; i <= 4; ++i) append(s, m, {i, 0}, {"a", "b"});
  EXPECT_EQ(s.entries_before_or_at({4, 0}), 4);
  EXPECT_EQ(s.entries_before_or_at({1, 0}), 1);
  EXPECT_EQ(s.entries_before_or_at({0, 5}), 0);
  EXPECT_EQ(s.entries_before_or_at({9, 0}), kInvalidEntriesRead);
  EXPECT_EQ(s.entries_before_or_at({2, 0}), kInvalidEntriesRead);
  Group g;
  g.last_id = {2, 0};
  g.entries_read = 2;
  EXPECT_EQ(s.lag(g), 2);
  s.remove({3, 0});
  EXPECT_EQ(s.lag(g), std::nullopt);  // a tombstone after the group's position
}

}  // namespace
}  // namespace cachet::store::stream
