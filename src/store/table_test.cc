#include "store/table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>

#include "store/store.h"

namespace cachet::store {
namespace {

Entry* make(const std::string& key) { return new_entry(key, "v", 1); }
void add(Table& t, const std::string& key) { t.insert(make(key), hash32(key)); }

TEST(Table, InsertFindUnlinkAndGrow) {
  Table t;
  for (int i = 0; i < 1000; ++i) add(t, "k" + std::to_string(i));
  EXPECT_EQ(t.size(), 1000u);
  EXPECT_GE(t.bucket_count(), 1000u);
  for (int i = 0; i < 1000; ++i) {
    std::string key = "k" + std::to_string(i);
    ASSERT_NE(t.find(key, static_cast<uint32_t>(hash_key(key))), nullptr);
  }
  for (int i = 0; i < 1000; ++i) {
    std::string key = "k" + std::to_string(i);
    free_entry(t.unlink(key, static_cast<uint32_t>(hash_key(key))));
    t.maybe_shrink();
  }
  EXPECT_EQ(t.size(), 0u);
  EXPECT_LE(t.bucket_count(), Table::kMinBuckets);
}

// Every key present for the whole scan is returned, even when the table grows or shrinks between
// steps (the reverse-binary cursor guarantee).
TEST(Table, ScanSurvivesResize) {
  for (bool grow : {true, false}) {
    Table t;
    int initial = grow ? 100 : 5000;
    for (int i = 0; i < initial; ++i) add(t, "k" + std::to_string(i));
    std::set<std::string> seen;
    uint64_t cursor = 0;
    int steps = 0;
    do {
      cursor = t.scan(cursor, [&](const Entry* e) { seen.emplace(e->key()); });
      if (++steps == 10) {
        if (grow) {
          for (int i = 0; i < 5000; ++i) add(t, "x" + std::to_string(i));
        } else {
          for (int i = 100; i < initial; ++i) {
            std::string key = "k" + std::to_string(i);
            free_entry(t.unlink(key, static_cast<uint32_t>(hash_key(key))));
          }
          t.maybe_shrink();
        }
      }
    } while (cursor != 0);
    for (int i = 0; i < 100; ++i) EXPECT_TRUE(seen.count("k" + std::to_string(i))) << i;
  }
}

// Growth is incremental: no insert moves more than a few buckets' worth of entries, however big
// the table, while every key stays findable mid-resize. (A stop-the-world resize would move the
// whole table, 2^18 entries here, in one insert.) Work, not time, is measured: the latency of an
// operation on a shard is proportional to it.
TEST(Table, GrowthMovesBoundedWorkPerOperation) {
  Table t;
  constexpr int kKeys = 300000;
  uint64_t most = 0;
  int resizing_seen = 0;
  for (int i = 0; i < kKeys; ++i) {
    uint64_t before = t.entries_moved();
    add(t, "k" + std::to_string(i));
    most = std::max(most, t.entries_moved() - before);
    if (t.resizing() && i % 97 == 0) {
      ++resizing_seen;
      std::string old_key = "k" + std::to_string(i / 2);
      ASSERT_NE(t.find(old_key, hash32(old_key)), nullptr) << i;
    }
  }
  EXPECT_GT(resizing_seen, 100);
  EXPECT_GE(t.entries_moved(), uint64_t{kKeys} / 2);  // the table did grow many times
  EXPECT_LE(most, 8 * Table::kStepBuckets);           // a few short chains per insert
  size_t found = 0;
  t.for_each([&](const Entry*) { ++found; });
  EXPECT_EQ(found, size_t{kKeys});
  // Shrinking is incremental too.
  most = 0;
  for (int i = 0; i < kKeys; ++i) {
    std::string key = "k" + std::to_string(i);
    uint64_t before = t.entries_moved();
    free_entry(t.unlink(key, hash32(key)));
    t.maybe_shrink();
    most = std::max(most, t.entries_moved() - before);
  }
  EXPECT_LE(most, 8 * Table::kStepBuckets);
  EXPECT_EQ(t.size(), 0u);
}

// random_entry() and for_each() see entries in both bucket arrays while resizing.
TEST(Table, ResizingTableStillEnumeratesEverything) {
  Table t;
  int n = 0;
  while (!t.resizing() || n < 1000) add(t, "k" + std::to_string(n++));
  ASSERT_TRUE(t.resizing());
  std::set<std::string> all, sampled;
  t.for_each([&](const Entry* e) { all.emplace(e->key()); });
  EXPECT_EQ(all.size(), size_t(n));
  std::mt19937_64 rng(1);
  for (int i = 0; i < 20 * n; ++i) sampled.emplace(t.random_entry(rng)->key());
  EXPECT_GT(sampled.size(), size_t(n) * 9 / 10);
}

}  // namespace
}  // namespace cachet::store
